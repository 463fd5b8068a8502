"""LEARN-2 quarterly review and MET-2 program, on a real (small) book."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from books import Books, Demo
from factories import add_user
from sqlalchemy import Engine

from renewals.db import session_scope
from renewals.errors import RenewalsError
from renewals.kit import i18n
from renewals.kit.calendar import quarter_of
from renewals.policy import service as policy_service
from renewals.policy.service import PolicyError
from renewals.review import service
from renewals.review.program import program
from renewals.review.service import QuarterOutcome, _sustained
from renewals.winloss import service as winloss_service

POLICY = policy_service.load()
TODAY = date(2026, 11, 24)


def test_quarters_are_parsed_and_default_to_the_last_complete_one() -> None:
    assert service.parse_quarter("2026-q3", as_of=TODAY).start == date(2026, 7, 1)
    assert service.parse_quarter(None, as_of=TODAY).key == "2026-Q3"
    with pytest.raises(RenewalsError, match="2026-Q3"):
        service.parse_quarter("Q3 2026", as_of=TODAY)


def outcome(key: str, rate: float) -> QuarterOutcome:
    return QuarterOutcome(key, 100, round(rate * 100), 1.0, 1.0)


def test_one_bad_quarter_is_not_a_pattern_two_are() -> None:
    one = _sustained(
        [outcome("a", 0.95), outcome("b", 0.95), outcome("c", 0.96), outcome("d", 0.90)], POLICY
    )
    assert "one bad quarter is not a pattern" in one[0]
    two = _sustained(
        [outcome("a", 0.96), outcome("b", 0.96), outcome("c", 0.93), outcome("d", 0.90)], POLICY
    )
    assert "sustained pattern" in two[0]


def test_a_decision_is_checked_against_the_policy_and_shown_pending_until_applied(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        add_user(session, "lead@x.example", "manager")
        d = service.decide(
            session, POLICY, quarter="2026-Q3", decision="Prepare earlier", by="lead@x.example",
            on=TODAY, policy_key="stages.preparation_days", to_value="75",
        )  # fmt: skip
        assert (d.rule, d.from_value, d.to_value) == ("TIME-4", 60, 75)
        assert service.decisions(session, POLICY)[0]["status"] == "pending"
        changed = policy_service.validate(
            policy_service.merge(
                POLICY.model_dump(mode="json"), {"stages": {"preparation_days": 75}}
            ),
            "test",
        )
        assert service.decisions(session, changed)[0]["status"] == "applied"
        with pytest.raises(RenewalsError, match="not a policy key"):
            service.decide(session, POLICY, quarter="2026-Q3", decision="x", by="l", on=TODAY,
                           policy_key="stages.nope", to_value="1")  # fmt: skip
        with pytest.raises(PolicyError, match="preparation_days"):
            service.decide(session, POLICY, quarter="2026-Q3", decision="x", by="l", on=TODAY,
                           policy_key="stages.preparation_days", to_value='"soon"')  # fmt: skip


def test_the_review_and_the_program_come_from_the_book(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    books.copy(engine, tmp_path, Demo(120, seed=7))  # imported once (tests/books.py)
    quarter = quarter_of(TODAY).previous()
    with session_scope(engine) as session:
        winloss_service.record_all(session, POLICY, as_of=TODAY)
        r: Any = service.review(
            session, POLICY, quarter=quarter, as_of=TODAY, data_dir=tmp_path / "data"
        )
        assert [o.quarter for o in r.outcomes][-1] == quarter.key
        this = r.outcomes[-1]
        assert this.decided > 0 and 0 < this.renewal_rate <= 1
        assert any(line.startswith("LEARN-1") for line in r.worked)
        assert r.sustained and r.sustained[0].startswith("LEARN-2")
        assert r.risk_calls, r.risk_note  # the quarter's backtest judged the health categories
        assert r.day_zero is not None and r.day_zero.decided == this.decided
        p = program(session, POLICY, as_of=TODAY)
        assert p.started is None and p.month == 1
        by_what = {m.what: m for m in p.milestones}
        assert by_what["Concession authority defined"].status == "done"
        assert (
            by_what["Design: segments and criteria, process per segment, ownership"].status
            != "done"
        )
        assert (
            "losses before the decision"
            in by_what["At-risk criteria that actually predict churn"].evidence
        )
        # Issue 22: the same milestones read in each language, their English unchanged
        with i18n.using("ms"):
            assert (
                i18n.tr(by_what["Concession authority defined"].what) == "Kuasa konsesi ditetapkan"
            )
            assert "kehilangan sebelum keputusan" in i18n.tr(
                by_what["At-risk criteria that actually predict churn"].evidence
            )
            assert i18n.term("milestone", "under way") == "sedang berjalan"
