"""TECH-1: the daily run in account batches writes exactly what one pass writes, and reports
its progress per batch (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from run_state import lifecycle
from sqlalchemy import Engine, select

from renewals import migrate
from renewals.config import Settings
from renewals.db import make_engine, session_scope
from renewals.demo.generator import generate_book
from renewals.forecast.models import ForecastSnapshot
from renewals.health.models import HealthSnapshot
from renewals.ingest.service import run_import
from renewals.kit.batches import Batch, Spill, account_batches, each
from renewals.policy import service as policy_service
from renewals.policy.domain import Policy
from renewals.scheduler import run_all
from renewals.signal.models import Signal

TODAY = date(2026, 11, 24)
ACCOUNTS = 260  # three batches of 100 (the smallest batch the policy allows)


def policy_with_batches(tmp_path: Path, size: int) -> Policy:
    path = tmp_path / f"batch-{size}.toml"
    path.write_text(f"[run]\nbatch_accounts = {size}\n", encoding="utf-8")
    return policy_service.load(path)


def state(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """What the run wrote, without wall-clock timestamps or generated row IDs."""
    found = lifecycle(engine)
    with session_scope(engine) as session:
        found["health"] = [
            (h.account_id, h.score, h.category, h.warning, h.trend, h.reasons, h.risk, h.features)
            for h in session.scalars(select(HealthSnapshot).order_by(HealthSnapshot.account_id))
        ]
        found["signals"] = sorted(
            (s.account_id, s.kind, s.source, s.source_id, s.first_seen_on, s.last_seen_on)
            for s in session.scalars(select(Signal))
        )
        found["forecast"] = [
            (f.renewal_id, f.likelihood, f.category, f.expected_arr, f.drivers)
            for f in session.scalars(select(ForecastSnapshot).order_by(ForecastSnapshot.renewal_id))
        ]
    return found


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated book's files, read only (each test imports them into its database)."""
    path = tmp_path_factory.mktemp("batches") / "book"
    generate_book(path, accounts=ACCOUNTS, seed=3, as_of=TODAY)
    return path


def run_book(
    engine: Engine, book: Path, data_dir: Path, policy: Policy, progress: Any = None
) -> dict[str, list[tuple[Any, ...]]]:
    run_import(engine, book, data_dir=data_dir)
    settings = Settings(database_url=str(engine.url), data_dir=data_dir)
    outcomes = run_all(engine, policy=policy, as_of=TODAY, settings=settings, progress=progress)
    assert [o.status for o in outcomes] == ["ok"] * len(outcomes), outcomes
    return state(engine)


@pytest.fixture(scope="module")
def whole(book: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[Any, ...]]]:
    """What the run writes in one pass (every account one batch), on SQLite: the reference
    for the batched run on each database, run once per module."""
    tmp_path = tmp_path_factory.mktemp("whole")
    whole_engine = make_engine(f"sqlite:///{tmp_path / 'whole.db'}")
    migrate.upgrade(whole_engine)
    try:
        return run_book(
            whole_engine, book, tmp_path / "data-whole", policy_with_batches(tmp_path, 100_000)
        )
    finally:
        whole_engine.dispose()


def test_batches_of_100_write_what_one_batch_writes(
    engine: Engine, book: Path, tmp_path: Path, whole: dict[str, list[tuple[Any, ...]]]
) -> None:
    calls: list[tuple[str, int, int]] = []
    batched = run_book(
        engine,
        book,
        tmp_path / "data-batched",
        policy_with_batches(tmp_path, 100),
        lambda step, done, total: calls.append((step, done, total)),
    )
    assert len(batched["health"]) > 200 and batched["renewals"] and batched["tasks"]
    for table in whole:  # sorted: rows tied on the ORDER BY come back in any order
        assert sorted(batched[table], key=repr) == sorted(whole[table], key=repr), table

    # Progress: each batched step counts its accounts up to the total, batch by batch.
    health = [(done, total) for step, done, total in calls if step.startswith("health.score (2/2")]
    total = health[-1][1]
    assert total == len(batched["health"])
    assert [done for done, _ in health] == [0, 100, 200, total]
    steps = {step for step, _, _ in calls}
    for step in ("signal.scan_texts", "signal.detect", "renewal.sync", "playbook.timeline"):
        assert step in steps
        done = [d for s, d, _ in calls if s == step]
        assert done == sorted(done) and len(done) >= 4  # 0, then one report per batch


def test_batches_cover_every_account_once_in_id_order(
    engine: Engine, book: Path, tmp_path: Path
) -> None:
    run_import(engine, book, data_dir=tmp_path / "data")
    with session_scope(engine) as session:
        batches = account_batches(session, 100)
    assert [b.size for b in batches] == [100, 100, ACCOUNTS - 200]
    ids = [a for b in batches for a in b.ids]
    assert ids == sorted(ids) and len(set(ids)) == ACCOUNTS
    assert all(b.first == b.ids[0] and b.last == b.ids[-1] for b in batches)
    assert batches[1].contains(batches[1].ids[50]) and not batches[1].contains(batches[0].last)


def test_each_reports_accounts_done_of_the_total() -> None:
    batches = [Batch("a", "c", ("a", "b", "c")), Batch("d", "d", ("d",))]
    calls: list[tuple[str, int, int]] = []
    seen = [b.first for b in each(batches, "step", lambda *a: calls.append(a))]
    assert seen == ["a", "d"]
    assert calls == [("step", 0, 4), ("step", 3, 4), ("step", 4, 4)]


def test_the_policy_refuses_batches_too_small_to_be_useful(tmp_path: Path) -> None:
    with pytest.raises(policy_service.PolicyError) as caught:
        policy_with_batches(tmp_path, 10)
    assert any("batch_accounts" in p for p in caught.value.problems)


def test_spill_gives_back_each_value_in_order() -> None:
    # Every value but the last goes to disk and comes back equal, in the order added.
    values = [{"batch": n, "scores": [n * 0.5, None], "ids": ("a", str(n))} for n in range(4)]
    with Spill[dict[str, Any]]() as spill:
        for value in values:
            spill.add(value)
        assert len(spill) == 4
        assert list(spill) == values
        assert list(spill) == values  # read again: the second pass may restart
    with Spill[int]() as one:
        one.add(7)
        assert list(one) == [7]
