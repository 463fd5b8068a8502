"""The source steps the worker schedules (worker/service.py): compacting the event spool."""

from __future__ import annotations

from renewals.worker.service import WorkerContext


def compact_spool(ctx: WorkerContext) -> str:
    """Move acknowledged product events from the spool into the usage store (once each)."""
    from renewals.source import service

    report = service.compact(ctx.engine, ctx.settings.data_dir, ctx.settings.duckdb_memory_limit)
    return report.summary()
