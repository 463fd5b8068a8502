"""Generic helpers shared by every domain (no domain rules here)."""
