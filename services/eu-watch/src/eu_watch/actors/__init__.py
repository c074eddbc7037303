"""The eu-watch's own read model of the directory's actors (for matching calls to them)."""
