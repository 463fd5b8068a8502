"""escalation.suggest on a generated book (issue 20): the set-based daily step gathers the
same ESC-1 facts as the one-renewal path (`service.evaluate`), so it suggests exactly the
escalations, with exactly the reasons, that renewal-by-renewal evaluation gives; on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from books import Books, Demo
from sqlalchemy import Engine, select

from renewals.audit.models import AuditEvent
from renewals.config import Settings
from renewals.db import session_scope
from renewals.escalation import service
from renewals.policy import service as policy_service
from renewals.renewal.models import Renewal
from renewals.save_plan.models import Escalation, SaveTriage
from renewals.scheduler import jobs, run_all

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()


def test_the_daily_step_suggests_what_one_by_one_evaluation_gives(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    books.copy(engine, tmp_path, Demo(150, seed=11))  # imported once (tests/books.py)
    settings = Settings(database_url=str(engine.url), data_dir=tmp_path / "data")
    before = [n for n in jobs() if n != "escalation.suggest"]
    before = before[: before.index("save.triage") + 1]
    outcomes = run_all(engine, policy=POLICY, as_of=TODAY, settings=settings, only=before)
    assert {o.status for o in outcomes} == {"ok"}, outcomes
    with session_scope(engine) as session:
        # One triage's effort overridden by the team (SAVE-5): the step reads the override.
        triage = session.scalars(
            select(SaveTriage)
            .join(Renewal, Renewal.renewal_id == SaveTriage.renewal_id)
            .where(
                SaveTriage.status == "open",
                SaveTriage.effort != "full",
                Renewal.current_arr >= POLICY.escalation.min_arr,
            )
            .order_by(SaveTriage.renewal_id)
        ).first()
        assert triage is not None
        triage.overrides = {"effort": {"value": "full", "by": "a@b.example", "reason": "test"}}
        overridden = triage.renewal_id
    with session_scope(engine) as session:
        expected = {}
        for renewal_id in session.scalars(
            select(SaveTriage.renewal_id).where(SaveTriage.status == "open")
        ):
            decision = service.evaluate(session, renewal_id, as_of=TODAY, policy=POLICY)
            if decision.escalate:
                expected[renewal_id] = decision
        report = service.suggest(session, as_of=TODAY, policy=POLICY)
    assert expected and report.not_needed, "the book needs both outcomes to compare"
    assert overridden in expected
    with session_scope(engine) as session:
        rows = {e.renewal_id: e for e in session.scalars(select(Escalation))}
        audits = {
            a.entity_id: a.detail
            for a in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "escalation.suggest")
            )
        }
    assert set(rows) == set(expected)
    assert report.created == len(expected)
    for renewal_id, decision in expected.items():
        assert rows[renewal_id].reasons == decision.reasons
        assert rows[renewal_id].status == "suggested"
        assert audits[renewal_id]["criteria"] == decision.criteria
    # Once per renewal: a second pass finds them all there.
    with session_scope(engine) as session:
        again = service.suggest(session, as_of=TODAY, policy=POLICY)
    assert again.created == 0 and again.existing == len(expected)
