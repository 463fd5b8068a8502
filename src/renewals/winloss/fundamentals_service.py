"""Renewal fundamentals from the book (FUND-7, FUND-8, FUND-9, TIME-4 day 0).

load (win/loss records, usage as of each decision, health snapshots, NPS, interactions)
-> `fundamentals` rules -> persist (the record's `retention`, the after-signature tasks).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from renewals.contract.models import Contract
from renewals.engagement.models import Interaction, SurveyResponse
from renewals.health.models import HealthSnapshot
from renewals.kit.batches import Progress
from renewals.policy.domain import Policy
from renewals.renewal.domain import OPEN_STAGES
from renewals.renewal.models import Renewal
from renewals.scheduler import first_day
from renewals.usage.backend import Analytics
from renewals.winloss import fundamentals as rules
from renewals.winloss.models import WinLossRecord
from renewals.winloss.service import contract_values

FOLLOW_UP = "after_signature"


class _Decision(NamedTuple):
    """The columns of a win/loss record the fundamentals read (not the ORM object)."""

    contract_id: str
    account_id: str
    won: bool
    outcome: str
    reason_category: str | None
    told_on: date | None
    closed_on: date | None
    renewal_date: date
    owner_email: str | None
    retention: dict[str, Any] | None


_DECISION = (
    WinLossRecord.contract_id,
    WinLossRecord.account_id,
    WinLossRecord.won,
    WinLossRecord.outcome,
    WinLossRecord.reason_category,
    WinLossRecord.told_on,
    WinLossRecord.closed_on,
    WinLossRecord.renewal_date,
    WinLossRecord.owner_email,
    WinLossRecord.retention,
)


def _decided(r: _Decision | WinLossRecord) -> date:
    return r.told_on or r.closed_on or r.renewal_date


def record_retention(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    data_dir: Path,
    analytics: Analytics | None = None,
    progress: Progress | None = None,
) -> Counter[str]:
    """FUND-7/8: read the retention at the decision of every closed renewal not read yet.

    Usage is read once per week of decisions (as of the Monday on or before each decision,
    so nothing after it counts; every week in a few queries, `compute_days`); a reading
    needs two full 30-day windows of usage. Set-based (issue 20): the records are read as
    columns and their readings written in one executemany UPDATE at the end."""
    from renewals.usage import features as usage_features

    pending = [
        r
        for r in map(
            _Decision._make,
            session.execute(select(*_DECISION).where(WinLossRecord.retention.is_(None))),
        )
        if _decided(r) <= as_of
    ]
    found: Counter[str] = Counter()
    if not pending:
        return found
    seats = contract_values(session, Contract.seats, [r.contract_id for r in pending])
    weeks: dict[date, list[_Decision]] = defaultdict(list)
    for r in pending:
        day = _decided(r)
        weeks[day - timedelta(days=day.weekday())].append(r)
    accounts = {monday: {r.account_id for r in group} for monday, group in weeks.items()}
    usage_by_week = usage_features.compute_days(
        data_dir,
        sorted(weeks),
        key_features=policy.health.key_features,
        accounts=accounts,
        analytics=analytics,
    )
    readings: list[dict[str, Any]] = []
    for monday in sorted(weeks):
        group = weeks[monday]
        usage = usage_by_week[monday]
        health = _health_before(session, accounts[monday], monday)
        nps = _nps_before(session, accounts[monday], monday, policy.fundamentals.nps_window_days)
        for r in group:
            u = usage.get(r.account_id)
            seat_count = seats.get(r.contract_id)
            rate = None
            if u is not None and seat_count and u.events_prev_30d > 0:
                rate = round(min(1.0, u.active_users_30d / seat_count), 3)
            reading = rules.read(
                rules.RetentionFacts(
                    won=r.won,
                    reason_category=r.reason_category,
                    active_rate=rate,
                    health_category=health.get(r.account_id),
                    nps=nps.get(r.account_id),
                ),
                policy,
            )
            readings.append(
                {
                    "contract_id": r.contract_id,
                    "retention": {**reading, "as_of": monday.isoformat()},
                }
            )
            found[str(reading["kind"])] += 1
    session.execute(update(WinLossRecord), readings)
    return found


def _health_before(session: Session, accounts: set[str], day: date) -> dict[str, str | None]:
    rows = session.execute(
        select(HealthSnapshot.account_id, HealthSnapshot.category)
        .where(
            HealthSnapshot.account_id.in_(accounts),
            HealthSnapshot.as_of <= day,
            HealthSnapshot.as_of > day - timedelta(days=7),
        )
        .order_by(HealthSnapshot.as_of)
    )
    return {account: category for account, category in rows}


def _nps_before(session: Session, accounts: set[str], day: date, days: int) -> dict[str, int]:
    rows = session.execute(
        select(SurveyResponse.account_id, SurveyResponse.score, SurveyResponse.responded_at)
        .where(
            SurveyResponse.account_id.in_(accounts),
            SurveyResponse.kind == "nps",
            func.date(SurveyResponse.responded_at) <= day,
            func.date(SurveyResponse.responded_at) > day - timedelta(days=days),
        )
        .order_by(SurveyResponse.responded_at)
    )
    return {account: int(score) for account, score, _ in rows}


def follow_ups(session: Session, policy: Policy, *, as_of: date) -> int:
    """FUND-9: one after-signature task for every renewal won in the last
    `attention_window_days` (every renewal, not only saves), due `follow_up_days` after
    the decision, for the renewal's owner.

    Not for a signature whose follow-up fell due before the workspace's first daily run:
    that renewal's after-care happened (or not) before renewals was there, and a task
    "deliver the commitments" due today for a renewal signed months ago is noise (the
    2,000-account demo book's first day had 299 of them due at once; LOST-4 treats
    imported churns the same way)."""
    from renewals.task import service as task_service

    since = as_of - timedelta(days=policy.fundamentals.attention_window_days)
    started = first_day(session) or as_of
    follow_up = timedelta(days=policy.fundamentals.follow_up_days)
    requests: list[task_service.TaskRequest] = []
    won = session.execute(select(*_DECISION).where(WinLossRecord.won.is_(True)))
    for r in map(_Decision._make, won):
        signed = _decided(r)
        if not since < signed <= as_of or signed + follow_up < started:
            continue
        retention = r.retention or {}
        fragile = retention.get("kind") == rules.Retention.fragile.value
        requests.append(
            task_service.TaskRequest(
                account_id=r.account_id,
                key=f"{r.contract_id}:{FOLLOW_UP}",
                title=rules.follow_up_title(fragile),
                description=(
                    f"FUND-9, TIME-4: renewed ({r.outcome}) on {signed}: deliver the commitments "
                    "made during the renewal, record lessons, update health and status, plan the "
                    f"next {policy.fundamentals.attention_window_days} days. Customers notice "
                    "when attention drops after they sign."
                    + (" " + " ".join(retention.get("reasons", [])) if fragile else "")
                ),
                rule="FUND-9",
                due_date=max(signed + follow_up, as_of),
                owner_email=r.owner_email,
                created_on=as_of,
            )
        )
    created = sum(new for _, new in task_service.ensure_tasks(session, requests))
    session.flush()
    return created


@dataclass
class FundamentalsReport:
    as_of: date
    since: date
    closed: int
    retention: Counter[str] = field(default_factory=Counter)
    fragile: list[dict[str, Any]] = field(default_factory=list)
    strong_usage_lost: list[dict[str, Any]] = field(default_factory=list)
    said_vs_did: Counter[str] = field(default_factory=Counter)
    outcome_rate: float | None = None  # FUND-8: the renewal rate, first
    promoter_share: float | None = None  # ...then what the NPS said
    day_zero: rules.DayZero | None = None
    followed_up: int = 0
    won_recent: int = 0
    attention_dropped: int = 0
    attention_measured: int = 0


def report(session: Session, policy: Policy, *, as_of: date, since: date) -> FundamentalsReport:
    """FUND-7/8/9 and TIME-4 day 0 over the renewals decided in [since, as_of]."""
    records = [
        r
        for r in session.scalars(select(WinLossRecord).order_by(WinLossRecord.renewal_date))
        if since <= _decided(r) <= as_of
    ]
    out = FundamentalsReport(as_of, since, len(records))
    scored = [r for r in records if r.retention and r.retention.get("nps") is not None]
    for r in records:
        reading = r.retention or {}
        out.retention[reading.get("kind", "not read yet")] += 1
        row = {
            "contract_id": r.contract_id,
            "renewal_id": r.renewal_id,
            "account_id": r.account_id,
            "outcome": r.outcome,
            "arr": float(r.arr),
            "decided_on": _decided(r).isoformat(),
            "reasons": reading.get("reasons", []),
        }
        if reading.get("kind") == rules.Retention.fragile.value:
            out.fragile.append(row)
        if reading.get("kind") == rules.Retention.strong_usage_lost.value:
            out.strong_usage_lost.append(row)
        if reading.get("said_vs_did"):
            out.said_vs_did[reading["said_vs_did"]] += 1
    if records:
        out.outcome_rate = sum(r.won for r in records) / len(records)
    if scored:
        promoters = sum(r.retention["nps"] >= policy.fundamentals.nps_promoter for r in scored)  # type: ignore[index]
        out.promoter_share = promoters / len(scored)
    open_dates = session.scalars(
        select(Renewal.renewal_date).where(Renewal.stage.in_([s.value for s in OPEN_STAGES]))
    )
    out.day_zero = rules.day_zero(
        ((r.segment, r.renewal_date, r.closed_on) for r in records),
        open_dates,
        as_of=as_of,
    )
    _attention(session, policy, out, as_of=as_of, since=since)
    return out


TOUCHES = ("held", "replied", "sent")  # interactions that happened (not cancelled, no-show)


def _attention(
    session: Session, policy: Policy, out: FundamentalsReport, *, as_of: date, since: date
) -> None:
    """FUND-9: after-signature tasks, and touches after signature against before."""
    from renewals.task.models import Task

    window = timedelta(days=policy.fundamentals.attention_window_days)
    won = [
        (r.contract_id, r.account_id, _decided(r))
        for r in session.scalars(select(WinLossRecord).where(WinLossRecord.won.is_(True)))
    ]
    recent = [(c, a, d) for c, a, d in won if since <= d <= as_of]
    out.won_recent = len(recent)
    keys = [f"{c}:{FOLLOW_UP}" for c, _, _ in recent]
    for start in range(0, len(keys), 500):
        out.followed_up += len(
            session.scalars(select(Task.key).where(Task.key.in_(keys[start : start + 500]))).all()
        )
    measurable = [(a, d) for _, a, d in recent if d + window <= as_of]
    if not measurable:
        return
    touches: dict[str, list[date]] = defaultdict(list)
    accounts = sorted({a for a, _ in measurable})
    for start in range(0, len(accounts), 500):
        for account, at in session.execute(
            select(Interaction.account_id, Interaction.occurred_at).where(
                Interaction.account_id.in_(accounts[start : start + 500]),
                Interaction.status.in_(TOUCHES),
            )
        ):
            touches[account].append(at.date())
    for account, signed in measurable:
        days = touches.get(account, [])
        before = sum(signed - window <= d < signed for d in days)
        after = sum(signed <= d < signed + window for d in days)
        out.attention_measured += 1
        out.attention_dropped += rules.attention_dropped(before, after, policy)
