"""OWN-1..3: the specialist hand-over at T-60, the volume check, executive sponsors on
strategic accounts and the hybrid model's answers, on plain values and on a real book."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from books import Books, Demo
from sqlalchemy import Engine, select

from renewals.db import session_scope
from renewals.policy import service as policy_service
from renewals.renewal import ownership_service, service
from renewals.renewal.domain import Decision
from renewals.renewal.models import Renewal, StageChange
from renewals.renewal.ownership import Finding, SpecialistLoad, check
from renewals.renewal.routing import Person, credit_shares, handover, hybrid_answers, sponsor

TODAY = date(2026, 11, 24)
SPECIALIST = [
    {"role": "csm", "description": "CSM owns the rest", "priority": 0},
    {"role": "specialist", "description": "specialist under 10K", "max_arr": 10_000, "priority": 1},
]


def policy_with(ownership: dict[str, Any]) -> Any:
    data = policy_service.merge(policy_service._defaults(), {"ownership": ownership})
    return policy_service.validate(data, "test")


SPEC_POLICY = policy_with({"model": "hybrid", "rules": SPECIALIST})
ROUTED = Decision("specialist", ("OWN-2: rule 2",), ("OWN-1", "OWN-2"), {"rule": 2})


class TestHandover:
    def test_the_csm_owns_it_until_t60(self) -> None:
        d = handover(ROUTED, days=61, renewal_date=date(2027, 3, 1), policy=SPEC_POLICY)
        assert d.value == "csm"
        assert d.facts["handover"] == "pending"
        assert d.facts["handover_on"] == "2026-12-31"
        assert any("until the hand-over on 2026-12-31" in r for r in d.reasons)

    def test_the_specialist_owns_it_from_t60(self) -> None:
        d = handover(ROUTED, days=60, renewal_date=date(2027, 3, 1), policy=SPEC_POLICY)
        assert d.value == "specialist"
        assert d.facts["handover"] == "done"

    def test_other_roles_are_untouched(self) -> None:
        sales = Decision("sales", ("x",), ("OWN-2",))
        assert handover(sales, days=200, renewal_date=date(2027, 3, 1), policy=SPEC_POLICY) is sales


class TestVolume:
    def test_below_the_volume_a_specialist_pays_off_at_warns(self) -> None:
        found = check(
            SPEC_POLICY,
            busiest_quarter=("2027-Q1", 40),
            customers=60,
            specialists=[SpecialistLoad("s@x", 20, 20)],
            strategic_unsponsored=0,
        )
        levels = {(f.level, f.rule) for f in found}
        assert ("warn", "OWN-1") in levels
        assert any("below the volume" in f.text for f in found)
        assert any("carries 20 customers" in f.text and "about 50" in f.text for f in found)

    def test_at_volume_it_is_ok(self) -> None:
        found = check(
            SPEC_POLICY,
            busiest_quarter=("2027-Q1", 120),
            customers=400,
            specialists=[SpecialistLoad("s@x", 90, 90)],
            strategic_unsponsored=0,
        )
        assert not [f for f in found if f.level == "warn"]
        assert Finding in {type(f) for f in found}

    def test_a_csm_model_at_volume_is_told_specialists_would_pay_off(self) -> None:
        found = check(
            policy_service.load(),
            busiest_quarter=("2027-Q1", 0),
            customers=600,
            specialists=[],
            strategic_unsponsored=3,
        )
        assert [f.level for f in found] == ["info", "warn"]


class TestSponsorAndHybrid:
    people = [Person("ceo@x", "executive"), Person("coo@x", "executive"), Person("c@x", "csm")]

    def test_strategic_accounts_get_the_least_loaded_executive(self) -> None:
        d = sponsor(
            strategic=True, current=None, people=self.people, load={"ceo@x": 3}, policy=SPEC_POLICY
        )
        assert d is not None and d.value == "coo@x"
        assert d.rules == ("OWN-2",)

    def test_the_sponsor_stays(self) -> None:
        d = sponsor(
            strategic=True,
            current="ceo@x",
            people=self.people,
            load={"ceo@x": 9},
            policy=SPEC_POLICY,
        )
        assert d is not None and d.value == "ceo@x"

    def test_no_sponsor_for_other_accounts(self) -> None:
        assert (
            sponsor(strategic=False, current=None, people=self.people, load={}, policy=SPEC_POLICY)
            is None
        )

    def test_hybrid_answers_are_the_policys(self) -> None:
        shared = policy_with({"hybrid": {"revenue_credit": "shared", "dispute_role": "director"}})
        text = " ".join(hybrid_answers(shared))
        assert "half to the owner, half to the CSM" in text
        assert "goes to the director" in text
        assert credit_shares("s@x", "c@x", shared) == {"s@x": 0.5, "c@x": 0.5}
        assert credit_shares("s@x", "c@x", SPEC_POLICY) == {"s@x": 1.0}


def test_the_hand_over_shows_in_the_stage_history(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    books.copy(engine, tmp_path, Demo(150, seed=7))  # imported once (tests/books.py)
    with session_scope(engine) as session:
        service.sync(session, SPEC_POLICY, as_of=TODAY)
        # The small renewals that reach T-60 within the next ten days.
        coming = session.scalars(
            select(Renewal).where(
                Renewal.current_arr < 10_000,
                Renewal.renewal_date > TODAY + timedelta(days=60),
                Renewal.renewal_date <= TODAY + timedelta(days=70),
            )
        ).all()
        assert coming, "the book has small renewals crossing T-60"
        assert {r.owner_role for r in coming} == {"csm"}
        ids = [r.renewal_id for r in coming]
    with session_scope(engine) as session:
        report = service.sync(session, SPEC_POLICY, as_of=TODAY + timedelta(days=10))
        assert report.handovers == len(ids)
    with session_scope(engine) as session:
        for rid in ids:
            r = session.get(Renewal, rid)
            assert r is not None and r.owner_role == "specialist"
            history = service.stage_history(session, rid)
            handed = [c for c in history if "OWN-1: hand-over at T-60" in c.reason]
            assert len(handed) == 1, [c.reason for c in history]
            assert "(CSM) ->" in handed[0].reason and "(specialist)" in handed[0].reason
        # A third run the same day adds nothing (idempotent).
        rows = len(session.scalars(select(StageChange.id)).all())
        again = service.sync(session, SPEC_POLICY, as_of=TODAY + timedelta(days=10))
        assert again.handovers == 0
        assert len(session.scalars(select(StageChange.id)).all()) == rows
        r = ownership_service.report(session, SPEC_POLICY, as_of=TODAY + timedelta(days=10))
        assert r.handed_over >= len(ids)
        assert r.sponsored > 0  # OWN-2: strategic accounts got an executive
