"""The daily run's health and signal steps on a generated book (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from books import Books, Demo
from sqlalchemy import Engine, func, select

from renewals.config import Settings
from renewals.db import session_scope
from renewals.engagement.models import Ticket
from renewals.health import service
from renewals.health.domain import COMPONENTS
from renewals.health.models import HealthSnapshot
from renewals.policy import service as policy_service
from renewals.scheduler import run_all
from renewals.signal.models import Signal
from renewals.task.models import Task

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()


@pytest.fixture
def book(books: Books, engine: Engine, tmp_path: Path) -> tuple[Engine, Settings]:
    books.copy(engine, tmp_path, Demo(80, seed=11))  # imported once (tests/books.py)
    return engine, Settings(database_url=str(engine.url), data_dir=tmp_path / "data")


@pytest.fixture
def run_book(books: Books, engine: Engine, tmp_path: Path) -> tuple[Engine, Settings]:
    """The same book after the daily run of TODAY (with POLICY, the packaged policy; every
    job ok), run once for the whole test run (tests/books.py) instead of in each test that
    reads what that first run wrote (issue 14)."""
    books.copy(engine, tmp_path, Demo(80, seed=11, days=(TODAY,)))
    return engine, Settings(database_url=str(engine.url), data_dir=tmp_path / "data")


def run(engine: Engine, settings: Settings, day: date = TODAY) -> None:
    outcomes = run_all(engine, policy=POLICY, as_of=day, settings=settings)
    assert [o.status for o in outcomes] == ["ok"] * len(outcomes), outcomes


def dump(engine: Engine) -> tuple[list[tuple], list[tuple], list[tuple]]:  # type: ignore[type-arg]
    with session_scope(engine) as session:
        snaps = [
            (s.account_id, s.as_of, s.score, s.category, s.trend, s.components, s.drivers, s.risk)
            for s in session.scalars(select(HealthSnapshot).order_by(HealthSnapshot.account_id))
        ]
        signals = [
            (
                s.account_id,
                s.kind,
                s.source,
                s.source_id,
                s.first_seen_on,
                s.last_seen_on,
                s.evidence,
            )
            for s in session.scalars(select(Signal).order_by(Signal.signal_id))
        ]
        tasks = [(t.account_id, t.key, t.due_date) for t in session.scalars(select(Task))]
    return snaps, signals, tasks


def test_every_account_under_contract_gets_an_explained_snapshot(run_book) -> None:  # type: ignore[no-untyped-def]
    engine, _ = run_book
    snaps, signals, _ = dump(engine)
    assert len(snaps) > 60
    with session_scope(engine) as session:
        for snap in session.scalars(select(HealthSnapshot)):
            assert [c["name"] for c in snap.components] == list(COMPONENTS)
            if snap.score is None:
                continue
            assert 0 <= snap.score <= 100
            assert snap.category in ("green", "yellow", "red", "expansion")
            assert snap.drivers and all(d["rule"] == "HEALTH-1" for d in snap.drivers)
            assert any(r.startswith("HEALTH-3") for r in snap.reasons)
            assert snap.risk in ("none", "watch", "at_risk", "save")
            for component in snap.components:  # HEALTH-1: missing is None, never a silent 0
                if component["name"] in snap.missing:
                    assert component["score"] is None and component["share"] == 0
    kinds = {s[1] for s in signals}
    assert {"usage_decline", "health_drop"} & kinds
    assert any(s[2] in ("ticket", "survey", "interaction") for s in signals)  # text signals


def test_rerunning_the_same_day_changes_nothing(run_book) -> None:  # type: ignore[no-untyped-def]
    engine, settings = run_book
    first = dump(engine)
    run(engine, settings)
    assert dump(engine) == first


def test_the_next_day_keeps_signals_and_tasks_unique_and_sets_the_trend(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings = book
    run(engine, settings, TODAY - timedelta(days=7))
    run(engine, settings)
    snaps, signals, tasks = dump(engine)
    keys = [(s[0], s[1], s[2], s[3]) for s in signals]
    assert len(keys) == len(set(keys))
    assert len(tasks) == len(set((a, k) for a, k, _ in tasks))
    today = [s for s in snaps if s[1] == TODAY and s[2] is not None]
    assert {s[4] for s in today} <= {"up", "down", "same", "new"}
    assert any(s[4] in ("up", "down", "same") for s in today)


def test_a_red_account_gets_one_review_task(run_book) -> None:  # type: ignore[no-untyped-def]
    """HEALTH-4: immediate review meeting, created once."""
    engine, _ = run_book
    with session_scope(engine) as session:
        red = set(
            session.scalars(
                select(HealthSnapshot.account_id).where(HealthSnapshot.category == "red")
            )
        )
        tasks = list(session.scalars(select(Task).where(Task.rule == "HEALTH-4")))
    assert red, "the demo book should hold red accounts"
    assert {t.account_id for t in tasks} == red
    assert all(t.due_date == TODAY + timedelta(days=2) for t in tasks)
    assert all("Health" in t.description for t in tasks)


def test_features_as_of_a_past_day_ignore_later_facts(book, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, settings = book
    past = TODAY - timedelta(days=60)
    with session_scope(engine) as session:
        before = service.score_accounts(
            session, POLICY, as_of=past, data_dir=settings.data_dir, memory_limit="1GB"
        )
        account = before[0].account_id
        for n in range(3):  # three urgent tickets after the day: invisible on that day
            session.add(
                Ticket(
                    ticket_id=f"later-{n}",
                    account_id=account,
                    opened_at=datetime.combine(past + timedelta(days=1 + n), datetime.min.time()),
                    priority="urgent",
                    subject="Export everything",
                    body="We are moving to another vendor.",
                )
            )
        session.flush()
        after = service.score_accounts(
            session, POLICY, as_of=past, data_dir=settings.data_dir, memory_limit="1GB"
        )
        assert (
            session.scalar(
                select(func.count()).select_from(Ticket).where(Ticket.ticket_id.like("later-%"))
            )
            == 3
        )
    assert [(s.account_id, s.health.score) for s in after] == [
        (s.account_id, s.health.score) for s in before
    ]


def test_scores_in_detail_for_some_accounts_are_ranked_among_the_whole_book(book) -> None:  # type: ignore[no-untyped-def]
    """`detail` (the learned model's training rows, the backtest): only those accounts come
    back, each exactly as scoring the whole book gives it (HEALTH-2's bottom quartile is of
    the whole book, whose other accounts are scored as a number only)."""
    engine, settings = book
    for day in (TODAY, TODAY - timedelta(days=150)):
        with session_scope(engine) as session:
            every = service.score_accounts(
                session, POLICY, as_of=day, data_dir=settings.data_dir, memory_limit="1GB"
            )
            # the lowest scores decide the cutoff: ask for a few of them and a few others
            ranked = sorted(
                (s for s in every if s.health.score is not None), key=lambda s: s.health.score
            )
            some = {s.account_id for s in ranked[:3] + ranked[-3:]}
            detailed = service.score_accounts(
                session,
                POLICY,
                as_of=day,
                data_dir=settings.data_dir,
                memory_limit="1GB",
                detail=some,
            )
        assert len(every) > len(some) and any(s.decision and s.decision.warning for s in every)
        assert detailed == [s for s in every if s.account_id in some]
