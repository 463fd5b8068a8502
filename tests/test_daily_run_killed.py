"""A daily run killed with SIGKILL mid-way and run again ends in the state of a run that
was never interrupted (ARCHITECTURE: idempotent automation; each job is one transaction)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from books import once_per_run
from databases import sqlite_copy
from run_state import lifecycle
from sqlalchemy import select

from renewals.db import make_engine, session_scope
from renewals.demo.generator import generate_book
from renewals.health.models import HealthSnapshot
from renewals.ingest.service import run_import
from renewals.signal.models import Signal

TODAY = date(2026, 11, 24)


def _run(db: Path, data: Path, *, kill_after_jobs: int | None = None) -> int | None:
    """`renewals run` in a subprocess; SIGKILL it once `kill_after_jobs` jobs are recorded."""
    env = {
        **os.environ,
        "RENEWALS_DATABASE_URL": f"sqlite:///{db}",
        "RENEWALS_DATA_DIR": str(data),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "renewals.cli", "run", "--as-of", TODAY.isoformat()],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if kill_after_jobs is None:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        return None
    done = 0
    while proc.poll() is None:
        try:
            with sqlite3.connect(db, timeout=0.2) as conn:
                done = conn.execute("select count(*) from job_run").fetchone()[0]
        except sqlite3.OperationalError:
            pass
        if done >= kill_after_jobs:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait(timeout=60)
    return done


def _everything(db: Path) -> dict[str, object]:
    engine = make_engine(f"sqlite:///{db}")
    state: dict[str, object] = dict(lifecycle(engine))
    with session_scope(engine) as session:
        state["health"] = [
            (h.account_id, h.as_of, h.score, h.category, h.risk)
            for h in session.scalars(select(HealthSnapshot).order_by(HealthSnapshot.account_id))
        ]
        state["signals"] = sorted(
            (s.account_id, s.kind, s.source, s.source_id, s.first_seen_on, s.last_seen_on)
            for s in session.scalars(select(Signal))
        )
    engine.dispose()
    return state


@dataclass(frozen=True)
class Uninterrupted:
    imported: Path  # the book imported, before any run
    data: Path  # the data directory after the uninterrupted run
    expected: dict[str, object]  # what the uninterrupted run left


def _book_and_clean_run(root: Path) -> None:
    """The book imported (imported.db), and a copy of it after one uninterrupted run
    (clean.db, with the data directory that run left)."""
    generate_book(root / "book", accounts=150, seed=5, as_of=TODAY)
    imported, clean = root / "imported.db", root / "clean.db"
    engine = make_engine(f"sqlite:///{imported}")
    from renewals import migrate

    migrate.upgrade(engine)
    run_import(engine, root / "book", data_dir=root / "data")
    engine.dispose()
    sqlite_copy(imported, clean)

    _run(clean, root / "data")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Uninterrupted:
    """The book imported, and one uninterrupted run of it: the same for every kill point,
    so it runs once for the whole run (tests/books.py: once_per_run, whichever worker
    needs it first; the kill points only copy it)."""
    root = once_per_run(tmp_path_factory, "killed-run", _book_and_clean_run)
    return Uninterrupted(root / "imported.db", root / "data", _everything(root / "clean.db"))


@pytest.mark.slow
@pytest.mark.parametrize("kill_after_jobs", [4, 5, 6])
def test_killed_run_rerun_equals_an_uninterrupted_run(
    tmp_path: Path, kill_after_jobs: int, uninterrupted: Uninterrupted
) -> None:
    # kill_after_jobs 4, 5, 6: killed inside renewal.sync, playbook.timeline, playbook.campaign
    killed, data = tmp_path / "killed.db", tmp_path / "data"
    sqlite_copy(uninterrupted.imported, killed)
    shutil.copytree(uninterrupted.data, data)  # as the uninterrupted run left it

    reached = _run(killed, data, kill_after_jobs=kill_after_jobs)
    assert reached is not None and reached >= kill_after_jobs
    interrupted = _everything(killed)
    _run(killed, data)  # run again after the kill

    expected = uninterrupted.expected
    assert interrupted != expected  # the kill really cut the run short
    assert _everything(killed) == expected
