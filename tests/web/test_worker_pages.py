"""/admin/jobs: admins see each job's schedule, last success, next run and the history;
nobody else does (checked on the server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine
from web.conftest import login

from renewals.config import Settings
from renewals.worker.service import EPOCH, ScheduledJob, Worker, WorkerContext

T0 = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)


def _ran_twice(engine: Engine, tmp_path: Path) -> None:
    calls = iter([None, RuntimeError("SMTP refused")])

    def flaky(ctx: WorkerContext) -> str:
        error = next(calls)
        if error:
            raise error
        return "synced 12 rows"

    worker = Worker(
        engine,
        Settings(database_url=str(engine.url), data_dir=tmp_path / "data"),
        jobs=[ScheduledJob("test.sync", IntervalTrigger(hours=1, start_date=EPOCH), flaky, "1 h")],
        worker_id="box:1",
        alert=lambda *a: None,
    )
    worker.ensure_jobs(T0)
    worker.heartbeat(T0)
    worker.tick(T0)
    worker.tick(T0 + timedelta(hours=1))


def test_admin_sees_schedule_last_success_and_history(
    client, add_user, engine: Engine, tmp_path: Path
) -> None:
    _ran_twice(engine, tmp_path)
    add_user("ada@example.com", "admin")
    login(client, "ada@example.com")
    page = client.get("/admin/jobs")
    assert page.status_code == 200
    text = page.text
    assert "test.sync" in text and "box:1" in text
    assert "synced 12 rows" in text and "RuntimeError: SMTP refused" in text
    assert "failed, 1 in a row" in text
    assert "2027-01-04 07:05" in text  # the retry 5 minutes after the failure at 07:00
    only = client.get("/admin/jobs", params={"job": "test.sync"})
    assert only.status_code == 200 and "All jobs" in only.text


def test_others_are_refused(client, add_user) -> None:
    add_user("carl@example.com", "csm")
    login(client, "carl@example.com")
    assert client.get("/admin/jobs").status_code == 403
