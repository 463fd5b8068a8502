"""Renewal use-cases: keep one Renewal per open contract, with its decisions and stage.

load (open contracts, the day's health and signals, people) -> domain (segment,
opportunity, touch, motion, owner, stage) -> persist (renewal rows and their stage
history). Re-running the same day changes nothing; a new day moves stages forward
and records outcomes that the import brought in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from renewals.account.domain import Segment
from renewals.db import insert_rows, update_rows
from renewals.errors import NotFound, RenewalsError
from renewals.fx.domain import RateTable
from renewals.kit.batches import Progress, each
from renewals.kit.i18n import Text
from renewals.kit.time import utc_now
from renewals.policy.domain import Policy
from renewals.renewal import repository, routing
from renewals.renewal.domain import (
    Decision,
    RenewalFacts,
    Stage,
    advance,
    closed_stage,
    motion_decision,
    opportunity_decision,
    segment_decision,
    target_arr,
    touch_decision,
)
from renewals.renewal.models import Renewal, StageChange
from renewals.renewal.repository import ContractRow, HealthRow
from renewals.signal import service as signal_service
from renewals.task.models import Task


def renewal_id_for(contract_id: str) -> str:
    return f"R-{contract_id}"


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    closed: int = 0
    stage_moves: int = 0
    by_stage: Counter[str] = field(default_factory=Counter)
    unowned: int = 0
    handovers: int = 0  # OWN-1: renewals a specialist took over from the CSM


def facts_for(row: ContractRow, health: HealthRow | None, signals: tuple[str, ...]) -> RenewalFacts:
    return RenewalFacts(
        renewal_id=renewal_id_for(row.contract_id),
        account_id=row.account_id,
        renewal_date=row.end_date,
        arr=row.arr,
        auto_renew=row.auto_renew,
        payment_on_file=row.payment_on_file,
        strategic=row.strategic,
        customer_since=row.customer_since,
        segment_override=Segment(row.segment_override) if row.segment_override else None,
        segment_override_reason=row.segment_override_reason,
        health_score=health.score if health else None,
        health_category=health.category if health else None,
        relationship_score=health.relationship if health else None,
        risk=health.risk if health else None,
        signals=signals,
        growth_reasons=health.growth if health else (),
    )


@dataclass(frozen=True)
class Decisions:
    segment: Decision
    opportunity: Decision
    touch: Decision
    motion: Decision
    owner_role: Decision


def decide(facts: RenewalFacts, *, as_of: date, policy: Policy) -> Decisions:
    """SEG-1..4 and OWN-2 for one renewal (pure)."""
    segment = segment_decision(facts, policy)
    opportunity = opportunity_decision(facts, as_of=as_of, policy=policy)
    touch = touch_decision(
        facts, segment=Segment(segment.value), opportunity=opportunity.value, policy=policy
    )
    owner = routing.route(
        policy.ownership.rules,
        routing.RoutingFacts(
            facts.arr, Segment(segment.value), facts.health_category, facts.strategic
        ),
        model=policy.ownership.model,
    )
    owner = routing.handover(
        owner, days=facts.days_to_renewal(as_of), renewal_date=facts.renewal_date, policy=policy
    )
    return Decisions(segment, opportunity, touch, motion_decision(facts), owner)


# The renewal columns the daily sync decides (and compares, to update only what changed).
SYNCED = (
    "account_id",
    "renewal_date",
    "currency",
    "current_arr",
    "target_arr",
    "segment",
    "opportunity_type",
    "touch_model",
    "motion",
    "owner_role",
    "owner_email",
    "health_score",
    "health_category",
    "risk",
    "signals",
    "decisions",
)


class _Writes:
    """The sync's rows of one batch, written in bulk in the order the ORM would have:
    new renewals, changed renewals (by primary key), then their stage history."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.new: list[dict[str, Any]] = []
        self.changed: list[dict[str, Any]] = []
        self.stages: list[dict[str, Any]] = []

    def flush(self) -> None:
        if self.new:
            insert_rows(self.session, Renewal, self.new)
        if self.changed:
            update_rows(self.session, Renewal, self.changed)
        if self.stages:
            insert_rows(self.session, StageChange, self.stages)
        self.new, self.changed, self.stages = [], [], []


def sync(
    session: Session, policy: Policy, *, as_of: date, progress: Progress | None = None
) -> SyncReport:
    """Create or update the Renewal of every open contract; close those whose contract
    has an outcome. Idempotent for a given `as_of`.

    TECH-1: contracts are worked through `policy.run.batch_accounts` at a time, in contract
    order (so OWN-2's load balancing assigns exactly as in one pass), so memory is bounded.
    Set-based (issue 20): each batch is read with one query per fact, decided on plain
    values (`decide`, the rules of renewal.domain and routing) and written with one
    multi-row INSERT or executemany UPDATE per table; only a renewal that closes goes
    through the ORM (`close`, shared with a signed contract)."""
    report = SyncReport()
    people = repository.active_people(session)
    by_email = {email: routing.Person(email, role) for email, role, _ in people}
    persons = list(by_email.values())
    load = repository.open_load(session)
    sponsor_load: Counter[str] = Counter()  # OWN-2: strategic renewals per executive sponsor
    hybrid = routing.hybrid_answers(policy) if policy.ownership.model == "hybrid" else []
    now = utc_now()

    batches = repository.contract_batches(session, policy.run.batch_accounts)
    for batch in each(batches, "renewal.sync", progress):
        rows = repository.contracts_to_renew(session, batch)
        accounts = {row.account_id for row in rows}
        health = repository.health_on(session, as_of, accounts)
        kinds = signal_service.active_kinds(session, policy, as_of=as_of, accounts=accounts)
        existing = repository.renewal_values_by_contract(
            session, [row.contract_id for row in rows], ("renewal_id", "stage", *SYNCED)
        )
        writes = _Writes(session)
        for row in rows:
            current = existing.get(row.contract_id)
            if row.outcome is not None:
                if current is not None and not Stage(current["stage"]).is_closed:
                    writes.flush()  # the ORM's close comes after the rows before it
                    renewal = get(session, current["renewal_id"])
                    _close(session, renewal, row, as_of=as_of, now=now)
                    if renewal.owner_email:
                        load[renewal.owner_email] -= 1
                    report.closed += 1
                continue
            facts = facts_for(row, health.get(row.account_id), kinds.get(row.account_id, ()))
            try:
                decisions = decide(facts, as_of=as_of, policy=policy)
            except routing.AmbiguousOwnership as exc:
                raise RenewalsError(
                    f"renewal {facts.renewal_id}: {exc} (OWN-2: fix the ownership rules; "
                    "`renewals policy check FILE` shows every gap)"
                ) from None
            before_role = current["owner_role"] if current is not None else None
            before_email = current["owner_email"] if current is not None else None
            owner_email, owner_reason = _owner(
                current, decisions.owner_role.value, row, by_email, persons, load
            )
            record = {
                "segment": decisions.segment.as_record(),
                "opportunity": decisions.opportunity.as_record(),
                "touch": decisions.touch.as_record(),
                "motion": decisions.motion.as_record(),
                "owner": {
                    **decisions.owner_role.as_record(),
                    "reasons": [*decisions.owner_role.reasons, owner_reason, *hybrid],
                    "email": owner_email,
                },
            }
            before_sponsor: dict[str, Any] = (
                ((current["decisions"] or {}).get("sponsor") or {}) if current else {}
            )
            sponsored = routing.sponsor(
                strategic=row.strategic,
                current=before_sponsor.get("value"),
                people=persons,
                load=sponsor_load,
                policy=policy,
            )
            if sponsored is not None:
                # The same sponsor keeps the reasons they were chosen with (idempotent run).
                kept = before_sponsor.get("value") == sponsored.value
                record["sponsor"] = before_sponsor if kept else sponsored.as_record()
                if sponsored.value:
                    sponsor_load[sponsored.value] += 1
            # OWN-1: the day the specialist takes the renewal over from the CSM.
            handed_over = (
                f"OWN-1: hand-over at T-{policy.ownership.specialist_handover_days}: "
                f"{before_email or 'no one'} (CSM) -> {owner_email or 'no one yet'} (specialist)"
                if before_role == "csm" and decisions.owner_role.value == "specialist"
                else None
            )
            values: dict[str, Any] = {
                "account_id": row.account_id,
                "renewal_date": row.end_date,
                "currency": row.currency,
                "current_arr": row.arr,
                "target_arr": target_arr(row.arr, decisions.opportunity.value, policy),
                "segment": decisions.segment.value,
                "opportunity_type": decisions.opportunity.value,
                "touch_model": decisions.touch.value,
                "motion": decisions.motion.value,
                "owner_role": decisions.owner_role.value,
                "owner_email": owner_email,
                "health_score": facts.health_score,
                "health_category": facts.health_category,
                "risk": facts.risk,
                "signals": list(facts.signals),
                "decisions": record,
            }
            if owner_email is None:
                report.unowned += 1
            days = facts.days_to_renewal(as_of)
            if current is None:
                # A new renewal starts in the stage its date calls for (TIME-4), one history row.
                entered = advance(Stage.assessment, days, policy.stages)
                stage = entered[0] if entered else Stage.assessment
                opened = Text(
                    "FUND-1: open contract {contract} renews on {day}",
                    contract=row.contract_id,
                    day=row.end_date,
                )
                reason = f"{opened}; {entered[1]}" if entered else opened
                writes.new.append(
                    {
                        "renewal_id": facts.renewal_id,
                        "contract_id": row.contract_id,
                        "stage": stage.value,
                        "stage_since": as_of,
                        "created_on": as_of,
                        "updated_on": as_of,
                        "likelihood": None,
                        "outcome": None,
                        "closed_on": None,
                        **values,
                    }
                )
                writes.stages.append(
                    _stage_row(
                        facts.renewal_id,
                        None,
                        stage,
                        on=as_of,
                        now=now,
                        by="system",
                        rule="FUND-1",
                        reason=reason,
                    )
                )
                report.created += 1
            else:
                stage = Stage(current["stage"])
                changed = {k: v for k, v in values.items() if current[k] != v}
                if changed:
                    changed["updated_on"] = as_of
                    report.updated += 1
                move = advance(stage, days, policy.stages)
                if move is not None:
                    target, reason = move
                    writes.stages.append(
                        _stage_row(
                            current["renewal_id"],
                            stage.value,
                            target,
                            on=as_of,
                            now=now,
                            by="system",
                            rule="TIME-4",
                            reason=reason + (f"; {handed_over}" if handed_over else ""),
                        )
                    )
                    changed.update(stage=target.value, stage_since=as_of, updated_on=as_of)
                    stage = target
                    report.stage_moves += 1
                elif handed_over:
                    # OWN-1: no stage move today: the hand-over is its own history row
                    # (same stage; LEARN-2's stall measure skips such rows).
                    writes.stages.append(
                        _stage_row(
                            current["renewal_id"],
                            stage.value,
                            stage,
                            on=as_of,
                            now=now,
                            by="system",
                            rule="OWN-1",
                            reason=handed_over,
                        )
                    )
                if changed:
                    writes.changed.append({"renewal_id": current["renewal_id"], **changed})
                if handed_over:
                    report.handovers += 1
                    # OWN-1: the specialist runs the renewal process from here: its open
                    # tasks move with it (the CSM keeps the relationship).
                    session.execute(
                        update(Task)
                        .where(
                            Task.renewal_id == current["renewal_id"],
                            Task.status.in_(("open", "snoozed")),
                        )
                        .values(owner_email=owner_email)
                    )
            report.by_stage[stage.value] += 1
        writes.flush()
        session.flush()
    return report


def _owner(
    current: dict[str, Any] | None,
    role: str,
    row: ContractRow,
    by_email: dict[str, routing.Person],
    persons: list[routing.Person],
    load: Counter[str],
) -> tuple[str | None, str]:
    """Keep the current owner while they still hold the role; otherwise pick (OWN-2)."""
    owner_email = current["owner_email"] if current is not None else None
    if current is not None and owner_email:
        holder = by_email.get(owner_email)
        if holder is not None and holder.role == role:
            reason = next(
                (
                    r
                    for r in (current["decisions"] or {}).get("owner", {}).get("reasons", [])
                    if r.startswith("OWN-2: ") and owner_email in r
                ),
                Text("OWN-2: {email} keeps the renewal ({role})", email=owner_email, role=role),
            )
            return owner_email, reason
        load[owner_email] -= 1
    email, reason = routing.pick_person(
        role,
        account_owner=by_email.get(row.account_owner or ""),
        people=persons,
        load=load,
    )
    if email:
        load[email] += 1
    return email, reason


def _stage_row(
    renewal_id: str,
    from_stage: str | None,
    target: Stage,
    *,
    on: date,
    now: Any,
    by: str,
    rule: str | None,
    reason: str,
) -> dict[str, Any]:
    """One stage-history row (LEARN-2)."""
    return {
        "renewal_id": renewal_id,
        "from_stage": from_stage,
        "to_stage": target.value,
        "on": on,
        "at": now,
        "by": by,
        "rule": rule,
        "reason": reason,
    }


def _move(
    session: Session,
    renewal: Renewal,
    target: Stage,
    *,
    on: date,
    now: Any,
    by: str,
    rule: str | None,
    reason: str,
) -> None:
    session.add(
        StageChange(
            **_stage_row(
                renewal.renewal_id,
                renewal.stage,
                target,
                on=on,
                now=now,
                by=by,
                rule=rule,
                reason=reason,
            )
        )
    )
    renewal.stage = target.value
    renewal.stage_since = on
    renewal.updated_on = on


def _close(session: Session, renewal: Renewal, row: ContractRow, *, as_of: date, now: Any) -> None:
    assert row.outcome is not None
    close(
        session,
        renewal,
        contract_id=row.contract_id,
        outcome=row.outcome,
        closed_on=row.closed_at,
        as_of=as_of,
        now=now,
    )


def close(
    session: Session,
    renewal: Renewal,
    *,
    contract_id: str,
    outcome: str,
    closed_on: date | None,
    as_of: date,
    now: Any,
) -> None:
    """FUND-1: the contract's outcome closes the renewal; its open playbook work stops.

    The daily sync calls this for imported outcomes; a signed renewal contract (TECH-4)
    calls it at signature, so both close a renewal the same way."""
    from renewals.outbox import service as outbox_service

    target = closed_stage(outcome)
    _move(
        session,
        renewal,
        target,
        on=closed_on or as_of,
        now=now,
        by="system",
        rule="FUND-1",
        reason=Text(
            "FUND-1: contract {contract} closed as {outcome}", contract=contract_id, outcome=outcome
        ),
    )
    renewal.outcome = outcome
    renewal.closed_on = closed_on or as_of
    session.execute(
        update(Task)
        .where(Task.renewal_id == renewal.renewal_id, Task.status.in_(("open", "snoozed")))
        .values(status="cancelled", status_reason=f"renewal closed ({outcome}) on {as_of}")
    )
    outbox_service.cancel_for_renewal(
        session, renewal.renewal_id, reason=f"renewal closed ({outcome})"
    )


def set_stage(
    session: Session, renewal_id: str, stage: Stage, *, by: str, reason: str, on: date
) -> Renewal:
    """A person moves a renewal to another open stage (forward or back), with a reason."""
    from renewals.audit import service as audit

    renewal = get(session, renewal_id)
    if Stage(renewal.stage).is_closed:
        raise RenewalsError(
            Text(
                "renewal {renewal} is {stage}: closed renewals follow their contract's outcome",
                renewal=renewal_id,
                stage=renewal.stage,
            )
        )
    if stage.is_closed:
        raise RenewalsError(
            Text("closed_won/closed_lost come from the contract's outcome (import it, FUND-1)")
        )
    if not reason.strip():
        raise RenewalsError(Text("a stage change needs a reason (LEARN-2 uses it to find stalls)"))
    if stage.value == renewal.stage:
        raise RenewalsError(
            Text("renewal {renewal} is already in {stage}", renewal=renewal_id, stage=stage.value)
        )
    before = renewal.stage
    # TIME-4: the generic stages; a person moves a stage the date does not (closing, execution).
    _move(session, renewal, stage, on=on, now=utc_now(), by=by, rule="TIME-4", reason=reason)
    audit.record(
        session,
        actor=by,
        action="renewal.stage",
        entity="renewal",
        entity_id=renewal_id,
        detail={"from": before, "to": stage.value, "reason": reason, "on": on.isoformat()},
    )
    session.flush()
    return renewal


def get(session: Session, renewal_id: str) -> Renewal:
    renewal = session.get(Renewal, renewal_id)
    if renewal is None:
        raise NotFound(
            Text(
                "no renewal {renewal}: renewal IDs are R-<contract id> (see `renewals export "
                "renewals`)",
                renewal=repr(renewal_id),
            )
        )
    return renewal


def for_account(session: Session, account_id: str) -> list[Renewal]:
    return list(
        session.scalars(
            select(Renewal).where(Renewal.account_id == account_id).order_by(Renewal.renewal_date)
        )
    )


def stage_history(session: Session, renewal_id: str) -> list[StageChange]:
    return list(
        session.scalars(
            select(StageChange)
            .where(StageChange.renewal_id == renewal_id)
            .order_by(StageChange.on, StageChange.id)
        )
    )


def routing_examples(session: Session, policy: Policy, *, limit: int = 50_000):  # type: ignore[no-untyped-def]
    """(renewal_id, RoutingFacts) of the open renewals in the database, for `policy check`."""
    query = select(
        Renewal.renewal_id,
        Renewal.current_arr,
        Renewal.segment,
        Renewal.health_category,
        repository.Account.strategic,
    ).join(repository.Account, repository.Account.account_id == Renewal.account_id)
    query = query.where(Renewal.stage.not_in((Stage.closed_won.value, Stage.closed_lost.value)))
    for renewal_id, arr, segment, category, strategic in session.execute(query.limit(limit)):
        yield renewal_id, routing.RoutingFacts(arr, Segment(segment), category, bool(strategic))


@dataclass(frozen=True)
class Pipeline:
    """Open renewals due within a window by stage and opportunity type, and the work queued."""

    window_days: int
    by_stage: dict[str, tuple[int, float]]
    by_opportunity: dict[str, tuple[int, float]]
    tasks_open: int
    tasks_overdue: int
    outbox: dict[str, int]


def pipeline(
    session: Session, *, as_of: date, window_days: int, rates: RateTable | None = None
) -> Pipeline | None:
    """The renewals due in the window; ARR in the reporting currency at `as_of`'s rates
    (TECH-5) when `rates` is given, else as stored."""
    from datetime import timedelta

    from sqlalchemy import func

    from renewals.outbox.models import OutboxMessage

    horizon = as_of + timedelta(days=window_days)
    found = session.execute(
        select(
            Renewal.stage, Renewal.opportunity_type, Renewal.currency, Renewal.current_arr
        ).where(
            Renewal.stage.not_in((Stage.closed_won.value, Stage.closed_lost.value)),
            Renewal.renewal_date <= horizon,
        )
    ).all()
    rows = [
        (stage, kind, rates.convert(Decimal(arr), currency, as_of) if rates else arr)
        for stage, kind, currency, arr in found
    ]
    if not rows and session.scalar(select(func.count()).select_from(Renewal)) == 0:
        return None
    by_stage: dict[str, list[float]] = {}
    by_opportunity: dict[str, list[float]] = {}
    for stage, opportunity, arr in rows:
        for bucket, key in ((by_stage, stage), (by_opportunity, opportunity)):
            bucket.setdefault(key, [0, 0.0])
            bucket[key][0] += 1
            bucket[key][1] += float(arr)
    open_tasks = Task.status == "open"
    return Pipeline(
        window_days,
        {k: (int(v[0]), v[1]) for k, v in by_stage.items()},
        {k: (int(v[0]), v[1]) for k, v in by_opportunity.items()},
        session.scalar(select(func.count()).where(open_tasks)) or 0,
        session.scalar(select(func.count()).where(Task.is_overdue(as_of))) or 0,
        dict(
            session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
        ),
    )
