"""Issue 19 acceptance: two `renewals worker` processes against one PostgreSQL database
for a simulated week (time passed in by --clock, not waited for): the daily job ran exactly
once per day, every step of it once per day, and every message reached the SMTP server once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from smtp_inbox import Inbox, running_inbox
from sqlalchemy import Engine, select

from renewals.account.models import Account
from renewals.db import session_scope
from renewals.demo.generator import generate_book
from renewals.ingest.service import run_import
from renewals.outbox import service as outbox_service
from renewals.outbox.models import OutboxMessage
from renewals.scheduler import JobRun, jobs
from renewals.user.domain import Role
from renewals.user.models import User
from renewals.worker.models import WorkerRun

START = date(2026, 11, 24)
DAYS = 7


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with running_inbox() as found:
        yield found


@pytest.mark.slow
def test_two_workers_for_a_simulated_week(
    engine: Engine, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip(
            "the acceptance run is on PostgreSQL (advisory locks); SQLite is covered "
            "by test_service.py"
        )
    handler, port = inbox
    data = tmp_path / "data"
    generate_book(tmp_path / "book", accounts=60, seed=11, as_of=START)
    run_import(engine, tmp_path / "book", data_dir=data)
    with session_scope(engine) as session:
        admin = session.scalars(select(User.email).where(User.role == Role.admin)).first()
        accounts = session.scalars(select(Account.account_id)).all()
        assert admin is not None
        # TIME-5: the owners allowed automated customer messages for every account.
        outbox_service.set_permissions(
            session, accounts, "auto", by=admin, reason="issue 19 two-worker rehearsal"
        )
    env = {
        **os.environ,
        "RENEWALS_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "RENEWALS_DATA_DIR": str(data),
        "RENEWALS_SMTP_HOST": "127.0.0.1",
        "RENEWALS_SMTP_PORT": str(port),
        "RENEWALS_WORKER_DAILY_AT": "06:00",
        "RENEWALS_WORKER_TIMEZONE": "Europe/Berlin",
        "RENEWALS_WORKER_OUTBOX_MINUTES": "60",
        "RENEWALS_WORKER_RETRAIN_DAYS": "30",
        "RENEWALS_WORKER_INGEST_SECONDS": "3600",
        "RENEWALS_WORKER_SYNC_MINUTES": "1440",
    }
    until = START + timedelta(days=DAYS)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "renewals.cli",
                "worker",
                "--clock",
                f"{START}T00:00",
                "--until",
                f"{until}T00:00",
                "--worker-id",
                name,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for name in ("worker-a", "worker-b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err.decode()[-3000:]

    with session_scope(engine) as session:
        daily = session.scalars(select(WorkerRun).where(WorkerRun.job == "daily.run")).all()
        steps = Counter(
            (r.name, r.as_of) for r in session.scalars(select(JobRun).where(JobRun.status == "ok"))
        )
        by_worker = Counter(r.worker for r in session.scalars(select(WorkerRun)))
        sent = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "sent")).all()
    days = [START + timedelta(days=i) for i in range(DAYS)]
    assert sorted(r.as_of for r in daily) == days, "each day's daily job ran exactly once"
    assert {r.status for r in daily} == {"ok"}
    assert set(steps.values()) == {1}
    assert {name for name, _ in steps} == set(jobs())
    assert set(by_worker) == {"worker-a", "worker-b"}, by_worker  # both took jobs
    keys = [m["X-Renewals-Idempotency-Key"] for m in handler.messages]
    assert len(keys) == len(set(keys)), "a message reached the SMTP server twice"
    assert sorted(keys) == sorted(m.idempotency_key for m in sent)
    assert any(m.audience == "customer" for m in sent)
    print(
        f"\nsimulated week: {len(daily)} daily runs, {len(keys)} messages sent once, "
        f"runs by worker {dict(by_worker)}"
    )
