"""The save.triage step on a generated book, the export's `save` object, evidence and
overrides (audited), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from books import Books, Demo
from sqlalchemy import Engine, select

from renewals.audit.models import AuditEvent
from renewals.db import session_scope
from renewals.errors import RenewalsError
from renewals.policy import service as policy_service
from renewals.renewal.export import export_rows
from renewals.renewal.models import Renewal
from renewals.save_plan import service
from renewals.save_plan.models import SaveTriage
from renewals.user.models import User

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()


@pytest.fixture
def book(books: Books, engine: Engine, tmp_path: Path) -> Engine:
    # The 120-account book (seed 7) imported and run on TODAY, every job "ok" (tests/books.py).
    books.copy(engine, tmp_path, Demo(120, seed=7, days=(TODAY,)))
    return engine


def test_every_at_risk_renewal_has_a_triage_with_reasons_in_the_export(book: Engine) -> None:
    with session_scope(book) as session:
        at_risk = set(
            session.scalars(select(Renewal.renewal_id).where(Renewal.opportunity_type == "at_risk"))
        )
        triaged = {t.renewal_id: t for t in session.scalars(select(SaveTriage))}
        assert at_risk and set(triaged) == at_risk
        for t in triaged.values():
            for key in ("probability_band", "value_tier", "root_cause", "time_window", "effort"):
                assert t.reasons[key] and t.reasons[key][0][:5] == "SAVE-", (t.renewal_id, key)
            assert t.reasons["evidence"]
        rows = export_rows(session, as_of=TODAY, policy=POLICY)
    for row in rows:
        if row["renewal_id"] in at_risk:
            save = row["save"]
            assert save["probability_band"] in ("high", "medium", "low")
            assert save["effort"] in ("full", "standard", "light", "none")
            assert save["expected_value_hours"] >= 0
            assert set(save) >= {
                "probability_band",
                "value_tier",
                "root_cause",
                "time_window",
                "effort",
                "expected_value_hours",
            }
        else:
            assert row["save"] is None


def test_rerun_is_stable_and_evidence_and_overrides_are_audited(book: Engine) -> None:
    with session_scope(book) as session:
        before = {
            t.renewal_id: (t.probability_band, t.effort, t.reasons)
            for t in session.scalars(select(SaveTriage))
        }
        report = service.triage_book(session, POLICY, as_of=TODAY)
        assert report.new == 0
        after = {
            t.renewal_id: (t.probability_band, t.effort, t.reasons)
            for t in session.scalars(select(SaveTriage))
        }
        assert before == after

        row = session.scalars(select(SaveTriage).order_by(SaveTriage.renewal_id)).first()
        renewal = session.get(Renewal, row.renewal_id)
        owner = renewal.owner_email
        service.record_inputs(
            session, row.renewal_id, {"alternative": "chosen"}, by=owner, policy=POLICY, as_of=TODAY
        )
        assert row.probability_band == "low"  # SAVE-2: committed to an alternative
        service.override(
            session,
            row.renewal_id,
            "probability_band",
            "medium",
            by=owner,
            reason="their CFO called us back",
            policy=POLICY,
            as_of=TODAY,
        )
        assert row.probability_band == "medium"
        assert row.overrides["probability_band"]["reason"] == "their CFO called us back"
        # the next daily run keeps the person's override and evidence
        service.triage_book(session, POLICY, as_of=TODAY)
        assert (row.probability_band, row.inputs) == ("medium", {"alternative": "chosen"})
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_id == row.renewal_id)
            .order_by(AuditEvent.id)  # in the order written (PostgreSQL's heap order may differ)
        ).all()
        assert actions == ["save.evidence", "save.override"]

        with pytest.raises(RenewalsError, match="needs a reason"):
            service.override(
                session,
                row.renewal_id,
                "effort",
                "full",
                by=owner,
                reason=" ",
                policy=POLICY,
                as_of=TODAY,
            )
        with pytest.raises(RenewalsError, match="must be one of"):
            service.record_inputs(
                session, row.renewal_id, {"budget": "maybe"}, by=owner, policy=POLICY, as_of=TODAY
            )
        stranger = session.scalars(select(User.email).where(User.active.is_(False))).first()
        with pytest.raises(RenewalsError, match="not an active user"):
            service.override(
                session,
                row.renewal_id,
                "effort",
                "full",
                by=stranger or "nobody@x",
                reason="r",
                policy=POLICY,
                as_of=TODAY,
            )


def test_a_renewal_no_longer_at_risk_resolves_its_triage(book: Engine) -> None:
    with session_scope(book) as session:
        row = session.scalars(select(SaveTriage).order_by(SaveTriage.renewal_id)).first()
        renewal = session.get(Renewal, row.renewal_id)
        renewal.opportunity_type = "flat"
        report = service.triage_book(session, POLICY, as_of=TODAY)
        assert report.resolved == 1 and row.status == "resolved" and row.closed_on == TODAY
        renewal.opportunity_type = "at_risk"
        service.triage_book(session, POLICY, as_of=TODAY)
        assert row.status == "open" and row.closed_on is None
