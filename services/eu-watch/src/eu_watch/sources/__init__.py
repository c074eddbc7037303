"""Where calls come from: the portal's sync, its runs and its label cache."""
