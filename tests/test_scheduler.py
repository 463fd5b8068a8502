"""The daily run: named jobs, recorded, safe to repeat for the same day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from factories import write_book
from sqlalchemy import Engine, func, select, text

from renewals.config import Settings
from renewals.contract.models import BookSnapshot
from renewals.db import session_scope
from renewals.ingest import service as ingest_service
from renewals.policy import service as policy_service
from renewals.scheduler import JobRun, jobs, never_analyzed, run_all

AS_OF = date(2026, 11, 24)


def test_rerunning_the_same_day_keeps_one_snapshot(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    ingest_service.run_import(engine, write_book(tmp_path / "book"), data_dir=data_dir)
    policy, settings = policy_service.load(), Settings(data_dir=data_dir)
    first = run_all(engine, policy=policy, as_of=AS_OF, settings=settings)
    second = run_all(engine, policy=policy, as_of=AS_OF, settings=settings)
    steps = list(jobs())
    assert steps[0] == "contract.snapshot_book"
    assert [o.name for o in first] == [o.name for o in second] == steps
    assert {o.status for o in first + second} == {"ok"}
    with session_scope(engine) as session:
        snapshots = session.scalars(select(BookSnapshot)).all()
        assert len(snapshots) == 1
        snap = snapshots[0]
        # Within 90 days of 2026-11-24 (to 2027-02-22): acme 200K on 2027-01-01 and initech 6K
        # on 2027-02-01; globex 42K renews 2027-04-01, outside. The book's ARR is in the
        # reporting currency (TECH-5, issue 19): globex's 42K EUR at 1.10 is 46,200 USD.
        assert snap.arr == Decimal(200_000 + 6_000 + 46_200)
        assert snap.detail["currency"] == "USD"
        assert snap.renewals_in_window == 2 and snap.arr_in_window == Decimal(206_000)
        assert snap.detail["by_segment"]["enterprise"]["accounts"] == 1
        assert "SEG-1" in snap.detail["rules"]
        assert session.scalar(select(func.count()).select_from(JobRun)) == 2 * len(steps)


def test_a_failing_job_is_recorded_and_stops_the_run(engine: Engine, data_dir: Path) -> None:
    broken = policy_service.load().model_copy(update={"run": None})
    outcomes = run_all(engine, policy=broken, as_of=AS_OF, settings=Settings(data_dir=data_dir))
    assert [o.status for o in outcomes] == ["failed"]
    with session_scope(engine) as session:
        assert session.scalars(select(JobRun.status)).all() == ["failed"]


def test_the_run_leaves_planner_statistics_for_the_pages(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    """Issue 23: the pages' queries are planned on statistics the daily run gathers (SQLite
    keeps none unless asked; PostgreSQL's autovacuum comes too late after a bulk write).
    Without them a CSM's renewal list on SQLite walked every open renewal by stage."""
    ingest_service.run_import(engine, write_book(tmp_path / "book"), data_dir=data_dir)
    run_all(engine, policy=policy_service.load(), as_of=AS_OF, settings=Settings(data_dir=data_dir))
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            analyzed = set(conn.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1")).scalars())
        else:
            analyzed = set(
                conn.execute(
                    text(
                        "SELECT relname FROM pg_stat_user_tables WHERE schemaname = "
                        "current_schema() AND last_analyze IS NOT NULL"
                    )
                ).scalars()
            )
    assert {"account", "renewal", "task", "signal", "health_snapshot"} <= analyzed, analyzed
    assert never_analyzed(engine) == [] or engine.dialect.name == "sqlite"


def test_the_run_collects_cycles_less_often_and_puts_the_collector_back(
    engine: Engine, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20: the jobs allocate millions of short-lived objects and few cycles; the run
    raises the collector's thresholds while its jobs run and restores them after (a server
    or a test that runs it keeps its own)."""
    import gc

    from renewals import scheduler

    seen: list[tuple[int, ...]] = []

    def probe(ctx: scheduler.JobContext) -> str:
        seen.append(gc.get_threshold())
        return "probed"

    monkeypatch.setitem(scheduler._REGISTRY, "test.gc_probe", (0, probe))
    before = gc.get_threshold()
    outcomes = run_all(
        engine,
        policy=policy_service.load(),
        as_of=AS_OF,
        settings=Settings(data_dir=data_dir),
        only=["test.gc_probe"],
    )
    assert [(o.name, o.status) for o in outcomes] == [("test.gc_probe", "ok")]
    assert seen == [scheduler.RUN_GC_THRESHOLDS]
    assert seen[0][0] > before[0]
    assert gc.get_threshold() == before
