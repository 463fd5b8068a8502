"""The read side: dashboards and queues that join several slices' tables (issue 14 layers)."""
