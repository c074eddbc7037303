"""API keys: created by admins, shown once, stored hashed, resolved on every call."""
