"""FUND-7/8/9 and TIME-4 day 0: renewal and retention read together."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from books import Books, Demo
from sqlalchemy import Engine, select

from renewals.db import session_scope
from renewals.policy import service as policy_service
from renewals.scheduler import first_day
from renewals.task.models import Task
from renewals.winloss import fundamentals_service, service
from renewals.winloss.fundamentals import (
    Retention,
    RetentionFacts,
    attention_dropped,
    day_zero,
    read,
)
from renewals.winloss.models import WinLossRecord

POLICY = policy_service.load()
TODAY = date(2026, 11, 24)


def facts(**changes: object) -> RetentionFacts:
    values: dict[str, object] = {
        "won": True,
        "reason_category": "value_realised",
        "active_rate": 0.6,
        "health_category": "green",
        "nps": 8,
    }
    values.update(changes)
    return RetentionFacts(**values)  # type: ignore[arg-type]


class TestRetention:
    def test_an_auto_renewal_nobody_used_is_fragile(self) -> None:
        r = read(facts(active_rate=0.1, reason_category="auto_renewed"), POLICY)
        assert r["kind"] == Retention.fragile
        assert "it auto-renewed" in r["reasons"][0]

    def test_a_win_while_red_is_fragile(self) -> None:
        assert read(facts(health_category="red"), POLICY)["kind"] == Retention.fragile

    def test_80_percent_active_and_lost_is_recorded_as_such(self) -> None:
        r = read(facts(won=False, active_rate=0.85, reason_category="price_budget"), POLICY)
        assert r["kind"] == Retention.strong_usage_lost
        assert "85%" in r["reasons"][0] and "price_budget" in r["reasons"][0]

    def test_just_below_strong_is_not(self) -> None:
        assert read(facts(won=False, active_rate=0.79), POLICY)["kind"] == Retention.consistent

    def test_nothing_to_read_is_unknown(self) -> None:
        r = read(facts(active_rate=None, health_category=None), POLICY)
        assert r["kind"] == Retention.unknown


class TestSaidVsDid:
    def test_a_promoter_who_left(self) -> None:
        r = read(facts(won=False, nps=10, active_rate=0.5), POLICY)
        assert r["said_vs_did"] == "promoter_lost"
        assert any(x.startswith("FUND-8") for x in r["reasons"])  # type: ignore[union-attr]

    def test_a_detractor_who_renewed(self) -> None:
        assert read(facts(nps=3), POLICY)["said_vs_did"] == "detractor_renewed"

    def test_agreement_says_nothing(self) -> None:
        assert read(facts(nps=9), POLICY)["said_vs_did"] is None


def test_day_zero_counts_renewals_decided_after_their_date() -> None:
    d = day_zero(
        [
            ("smb", date(2026, 5, 1), date(2026, 4, 20)),
            ("smb", date(2026, 5, 1), date(2026, 5, 9)),
            ("enterprise", date(2026, 6, 1), date(2026, 6, 1)),
            ("enterprise", date(2026, 6, 1), None),
        ],
        [date(2026, 11, 1), date(2026, 12, 30)],
        as_of=TODAY,
    )
    assert (d.decided, d.late, d.open_past_date) == (3, 1, 1)
    assert d.late_by_segment == {"enterprise": (0, 1), "smb": (1, 2)}


def test_attention_drops_below_half_the_touches_before() -> None:
    assert attention_dropped(10, 4, POLICY)
    assert not attention_dropped(10, 5, POLICY)
    assert not attention_dropped(0, 0, POLICY)


def test_every_decision_is_read_once_and_every_recent_win_gets_a_follow_up(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    books.copy(engine, tmp_path, Demo(120, seed=7))  # imported once (tests/books.py)
    with session_scope(engine) as session:
        service.record_all(session, POLICY, as_of=TODAY)
        read_ = fundamentals_service.record_retention(
            session, POLICY, as_of=TODAY, data_dir=tmp_path / "data"
        )
        records = session.scalars(select(WinLossRecord)).all()
        assert sum(read_.values()) == len(records)
        assert read_["consistent"] + read_["fragile"] > 0  # usage was read
        assert all(r.retention and r.retention["reasons"] for r in records)
        # Read once: a second pass finds nothing new.
        again = fundamentals_service.record_retention(
            session, POLICY, as_of=TODAY, data_dir=tmp_path / "data"
        )
        assert sum(again.values()) == 0
        created = fundamentals_service.follow_ups(session, POLICY, as_of=TODAY)
        window = TODAY - timedelta(days=POLICY.fundamentals.attention_window_days)
        started = first_day(session) or TODAY
        follow_up = timedelta(days=POLICY.fundamentals.follow_up_days)
        won = [r for r in records if r.won and window < (r.told_on or r.renewal_date) <= TODAY]
        # FUND-9: not for a signature whose follow-up fell due before the first daily run.
        recent = [r for r in won if (r.told_on or r.renewal_date) + follow_up >= started]
        history = [r for r in won if (r.told_on or r.renewal_date) + follow_up < started]
        assert created == len(recent) > 0
        assert history, "the book must hold signatures from before its first run"
        noted = {
            t.key.split(":")[0] for t in session.scalars(select(Task).where(Task.rule == "FUND-9"))
        }
        assert not noted & {r.contract_id for r in history}
        tasks = session.scalars(select(Task).where(Task.rule == "FUND-9")).all()
        assert len(tasks) == created
        assert all(t.due_date >= TODAY for t in tasks)
        assert fundamentals_service.follow_ups(session, POLICY, as_of=TODAY) == 0
        report = fundamentals_service.report(
            session, POLICY, as_of=TODAY, since=TODAY - timedelta(days=365)
        )
        assert report.followed_up == len(recent)
        assert report.day_zero is not None and report.day_zero.decided == report.closed
