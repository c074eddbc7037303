"""Webhooks out: partner endpoints subscribed to event types, signed deliveries."""
