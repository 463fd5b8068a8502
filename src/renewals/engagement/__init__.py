"""Engagement: the customer's voice and touchpoints (tickets, surveys, interactions)."""
