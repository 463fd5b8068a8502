"""Save triage use-cases: triage every at-risk renewal daily; people record evidence and
override fields with a reason (audited)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from renewals.account.models import Account
from renewals.audit import service as audit
from renewals.db import insert_rows, update_rows
from renewals.errors import NotFound, RenewalsError
from renewals.health.models import HealthSnapshot
from renewals.kit.batches import chunks
from renewals.kit.i18n import Text
from renewals.kit.listing import Listing, where_given
from renewals.kit.time import utc_now
from renewals.policy.domain import Policy
from renewals.renewal.models import Renewal
from renewals.save_plan import triage as rules
from renewals.save_plan.models import SaveTriage
from renewals.user import access

CLOSED = ("closed_won", "closed_lost")


@dataclass
class TriageReport:
    triaged: int = 0
    new: int = 0
    resolved: int = 0
    by_effort: Counter[str] = field(default_factory=Counter)


def _components(
    session: Session, as_of: date, accounts: Collection[str]
) -> dict[str, dict[str, float | None]]:
    """Relationship and support scores of each account's latest snapshot on or before as_of
    (of `accounts` only: each snapshot's components are JSON to decode)."""
    day = session.scalar(
        select(func.max(HealthSnapshot.as_of)).where(HealthSnapshot.as_of <= as_of)
    )
    if day is None:
        return {}
    found: dict[str, dict[str, float | None]] = {}
    for chunk in chunks(sorted(set(accounts)), 500):
        rows = session.execute(
            select(HealthSnapshot.account_id, HealthSnapshot.components).where(
                HealthSnapshot.as_of == day, HealthSnapshot.account_id.in_(chunk)
            )
        )
        for account_id, components in rows:
            found[account_id] = {c.get("name"): c.get("score") for c in components or []}
    return found


class TriageRenewal(Protocol):
    """The renewal facts a triage reads: a Renewal, or a row of the same columns."""

    @property
    def renewal_id(self) -> str: ...
    @property
    def current_arr(self) -> Decimal: ...
    @property
    def renewal_date(self) -> date: ...
    @property
    def health_category(self) -> str | None: ...
    @property
    def signals(self) -> list[str] | None: ...


def facts_for(
    renewal: TriageRenewal,
    strategic: bool,
    scores: dict[str, float | None],
    as_of: date,
    inputs: dict[str, Any],
) -> rules.TriageFacts:
    return rules.TriageFacts(
        renewal_id=renewal.renewal_id,
        arr=Decimal(renewal.current_arr),
        strategic=strategic,
        days_to_renewal=(renewal.renewal_date - as_of).days,
        health_category=renewal.health_category,
        relationship_score=scores.get("relationship"),
        support_score=scores.get("support"),
        signals=tuple(renewal.signals or ()),
        inputs=inputs,
    )


def _values(result: rules.Triage, facts: rules.TriageFacts) -> dict[str, Any]:
    """The triage's computed fields (everything but a person's input and the status)."""
    return {
        "probability_band": result.probability_band.value,
        "success_rate": result.success_rate,
        "value_tier": result.value_tier.value,
        "root_cause": result.root_cause.value,
        "root_cause_confirmed": result.root_cause_confirmed,
        "time_window": result.time_window.value,
        "effort": result.effort.value,
        "expected_value_hours": result.expected_value_hours,
        "reasons": {
            **result.reasons,
            "evidence": [f"{f.name}: {f.reading.value} ({f.why})" for f in result.factors],
        },
        "facts": {
            "arr": float(facts.arr),
            "strategic": facts.strategic,
            "days_to_renewal": facts.days_to_renewal,
            "health_category": facts.health_category,
            "relationship_score": facts.relationship_score,
            "support_score": facts.support_score,
            "signals": list(facts.signals),
        },
    }


# The computed fields, in the order `_values` gives them (read back to compare).
_COMPUTED = (
    "probability_band",
    "success_rate",
    "value_tier",
    "root_cause",
    "root_cause_confirmed",
    "time_window",
    "effort",
    "expected_value_hours",
    "reasons",
    "facts",
)


def _apply(row: SaveTriage, result: rules.Triage, facts: rules.TriageFacts, as_of: date) -> bool:
    changed = False
    for key, value in _values(result, facts).items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    if changed:
        row.as_of = as_of
        row.updated_on = as_of
    return changed


def triage_book(session: Session, policy: Policy, *, as_of: date) -> TriageReport:
    """SAVE-2..7 for every open at-risk renewal (SEG-3); triages of renewals that are no
    longer at risk are resolved. Idempotent for a day.

    Set-based (issue 20): the open renewals and the existing triages are read as columns,
    `triage.triage` decides on plain values, new triages go in with one multi-row INSERT
    and changed ones are updated by primary key in one executemany."""
    report = TriageReport()
    existing = {
        row.renewal_id: row
        for row in session.execute(
            select(
                SaveTriage.renewal_id,
                SaveTriage.status,
                SaveTriage.inputs,
                SaveTriage.overrides,
                *(getattr(SaveTriage, name) for name in _COMPUTED),
            )
        )
    }
    rows = session.execute(
        select(
            Renewal.renewal_id,
            Renewal.account_id,
            Renewal.opportunity_type,
            Renewal.current_arr,
            Renewal.renewal_date,
            Renewal.health_category,
            Renewal.signals,
            Account.strategic,
        )
        .join(Account, Account.account_id == Renewal.account_id)
        .where(Renewal.stage.not_in(CLOSED))
        .order_by(Renewal.renewal_id)
    ).all()
    scores = _components(
        session, as_of, {r.account_id for r in rows if r.opportunity_type == "at_risk"}
    )
    created: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    for renewal in rows:
        row = existing.get(renewal.renewal_id)
        if renewal.opportunity_type != "at_risk":
            if row is not None and row.status == "open":
                updated.append(
                    {
                        "renewal_id": renewal.renewal_id,
                        "status": "resolved",
                        "closed_on": as_of,
                        "updated_on": as_of,
                    }
                )
                report.resolved += 1
            continue
        if row is not None and row.status not in ("open", "resolved"):
            continue  # saved or lost: the aftercare job owns it
        facts = facts_for(
            renewal,
            bool(renewal.strategic),
            scores.get(renewal.account_id, {}),
            as_of,
            dict(row.inputs or {}) if row else {},
        )
        result = rules.triage(facts, policy, row.overrides if row else None)
        values = _values(result, facts)
        report.triaged += 1
        report.by_effort[result.effort.value] += 1
        if row is None:
            created.append(
                {
                    "renewal_id": renewal.renewal_id,
                    "account_id": renewal.account_id,
                    "status": "open",
                    "inputs": {},
                    "overrides": {},
                    "created_on": as_of,
                    "as_of": as_of,
                    "updated_on": as_of,
                    **values,
                }
            )
            report.new += 1
            continue
        change: dict[str, Any] = {k: v for k, v in values.items() if getattr(row, k) != v}
        if change:
            change.update(as_of=as_of, updated_on=as_of)
        if row.status == "resolved":
            change.update(status="open", closed_on=None)
        if change:
            updated.append({"renewal_id": renewal.renewal_id, **change})
    insert_rows(session, SaveTriage, created)
    if updated:
        session.flush()  # pending changes first: the bulk UPDATE goes straight to the rows
        update_rows(session, SaveTriage, updated)
    return report


def find(session: Session, renewal_id: str) -> SaveTriage | None:
    """The renewal's triage, or None when it has none (not at risk)."""
    return session.get(SaveTriage, renewal_id)


def get(session: Session, renewal_id: str) -> SaveTriage:
    row = session.get(SaveTriage, renewal_id)
    if row is None:
        if session.get(Renewal, renewal_id) is None:
            raise NotFound(Text("no renewal {renewal}", renewal=repr(renewal_id)))
        raise NotFound(
            Text(
                "renewal {renewal} has no save triage: it is not at risk (SEG-3), "
                "or `renewals run` has not run since it became so",
                renewal=renewal_id,
            )
        )
    return row


def _recompute(session: Session, row: SaveTriage, policy: Policy, as_of: date) -> None:
    renewal = session.get(Renewal, row.renewal_id)
    account = session.get(Account, row.account_id)
    assert renewal is not None and account is not None
    scores = _components(session, as_of, [row.account_id]).get(row.account_id, {})
    facts = facts_for(renewal, bool(account.strategic), scores, as_of, dict(row.inputs or {}))
    _apply(row, rules.triage(facts, policy, row.overrides), facts, as_of)


def record_inputs(
    session: Session,
    renewal_id: str,
    inputs: dict[str, str],
    *,
    by: str,
    policy: Policy,
    as_of: date,
) -> SaveTriage:
    """What the CSM found out (SAVE-2 evidence, SAVE-4 root cause); the triage follows."""
    access.require_active_user(session, by)
    row = get(session, renewal_id)
    for key, value in inputs.items():
        allowed = rules.INPUTS.get(key) or (
            tuple(c.value for c in rules.RootCause) if key == "root_cause" else None
        )
        if allowed is None:
            raise RenewalsError(
                Text(
                    "unknown evidence {key}: one of {choices}",
                    key=repr(key),
                    choices=", ".join([*rules.INPUTS, "root_cause"]),
                )
            )
        if value not in allowed:
            raise RenewalsError(rules.not_one_of(key, value, allowed))
    row.inputs = {**(row.inputs or {}), **inputs}
    _recompute(session, row, policy, as_of)
    audit.record(
        session,
        actor=by,
        action="save.evidence",
        entity="save_triage",
        entity_id=renewal_id,
        detail={"inputs": inputs, "probability_band": row.probability_band, "effort": row.effort},
    )
    session.flush()
    return row


def override(
    session: Session,
    renewal_id: str,
    field_name: str,
    value: str,
    *,
    by: str,
    reason: str,
    policy: Policy,
    as_of: date,
) -> SaveTriage:
    """A person overrides one triage field with a recorded reason (audited)."""
    access.require_active_user(session, by)
    row = get(session, renewal_id)
    kinds = {
        "probability_band": rules.Band,
        "value_tier": rules.ValueTier,
        "root_cause": rules.RootCause,
        "time_window": rules.Window,
        "effort": rules.Effort,
    }
    if field_name not in kinds:
        raise RenewalsError(
            Text(
                "cannot override {name}: one of {choices}",
                name=repr(field_name),
                choices=", ".join(kinds),
            )
        )
    allowed = [k.value for k in kinds[field_name]]
    if value not in allowed:
        raise RenewalsError(rules.not_one_of(field_name, value, allowed))
    if not reason.strip():
        raise RenewalsError(Text("an override needs a reason"))
    before = getattr(row, field_name)
    row.overrides = {
        **(row.overrides or {}),
        field_name: {"value": value, "reason": reason, "by": by, "at": utc_now().isoformat()},
    }
    _recompute(session, row, policy, as_of)
    audit.record(
        session,
        actor=by,
        action="save.override",
        entity="save_triage",
        entity_id=renewal_id,
        detail={"field": field_name, "from": before, "to": value, "reason": reason},
    )
    session.flush()
    return row


def save_fields(session: Session) -> dict[str, dict[str, Any]]:
    """The export's `save` object of every open triage, by renewal (issue 5 contract)."""
    return {
        t.renewal_id: {
            "probability_band": t.probability_band,
            "success_rate": t.success_rate,
            "value_tier": t.value_tier,
            "root_cause": t.root_cause,
            "root_cause_confirmed": t.root_cause_confirmed,
            "time_window": t.time_window,
            "effort": t.effort,
            "expected_value_hours": t.expected_value_hours,
            "overridden": sorted((t.overrides or {}).keys()),
        }
        for t in session.scalars(select(SaveTriage).where(SaveTriage.status == "open"))
    }


# --- the save desk list (issue 14): the API's list and the account page's triages --------


@dataclass(frozen=True)
class SaveFilters:
    """What a list of triaged renewals is narrowed to; None means no filter."""

    status: str | None = None
    effort: str | None = None
    probability_band: str | None = None
    account_id: str | None = None


def listing(scope: access.Scope, filters: SaveFilters) -> Listing:
    """Triaged renewals on accounts the viewer may see (TECH-5), best expected value first."""
    stmt = where_given(
        select(SaveTriage).where(access.visible(SaveTriage.account_id, scope)),
        (SaveTriage.status, filters.status),
        (SaveTriage.effort, filters.effort),
        (SaveTriage.probability_band, filters.probability_band),
        (SaveTriage.account_id, filters.account_id),
    ).order_by(SaveTriage.expected_value_hours.desc(), SaveTriage.renewal_id)
    sortable = {
        "renewal_id": SaveTriage.renewal_id,
        "expected_value_hours": SaveTriage.expected_value_hours,
        "success_rate": SaveTriage.success_rate,
        "updated_on": SaveTriage.updated_on,
    }
    return Listing(stmt, sortable, (SaveTriage.renewal_id,), scalars=True)
