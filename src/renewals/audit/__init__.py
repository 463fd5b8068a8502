"""Audit: an append-only log of who did what, for approvals, concessions and imports."""
