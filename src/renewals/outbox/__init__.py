"""Outbox: customer and internal messages, permitted per account and delivered exactly once."""
