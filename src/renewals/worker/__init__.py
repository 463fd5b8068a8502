"""The worker: runs the daily job, the outbox, source syncs and retraining on a schedule."""
