"""The network's themes given to calls: a shipped mapping staff can adjust."""
