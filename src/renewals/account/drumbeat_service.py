"""The value drumbeat and advocates of the book (STK-3, STK-4): load -> drumbeat rules."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from renewals.account.drumbeat import Advocate, Drumbeat, advocates, drumbeat
from renewals.account.models import Goal, Stakeholder
from renewals.engagement.models import Interaction
from renewals.kit.calendar import add_months
from renewals.policy.domain import Policy
from renewals.renewal.domain import OPEN_STAGES
from renewals.renewal.models import Renewal
from renewals.usage.backend import Analytics


def _touches(
    session: Session, accounts: list[str], since: date
) -> dict[str, list[tuple[str, date]]]:
    from renewals.proposal.models import ValueMoment

    found: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for start in range(0, len(accounts), 500):
        chunk = accounts[start : start + 500]
        for account, kind, status, at in session.execute(
            select(
                Interaction.account_id,
                Interaction.kind,
                Interaction.status,
                Interaction.occurred_at,
            ).where(
                Interaction.account_id.in_(chunk),
                Interaction.kind.in_(("qbr", "webinar", "beta_invite")),
                Interaction.status.in_(("held", "sent", "replied")),
            )
        ):
            if kind == "qbr" and status != "held":
                continue
            found[account].append(("qbr" if kind == "qbr" else "product_update", at.date()))
        for account, on in session.execute(
            select(ValueMoment.account_id, ValueMoment.on).where(ValueMoment.account_id.in_(chunk))
        ):
            found[account].append(("value_moment", on))
        for account, due in session.execute(
            select(Goal.account_id, Goal.due_date).where(
                Goal.account_id.in_(chunk), Goal.status == "achieved", Goal.due_date.is_not(None)
            )
        ):
            if due is not None:
                found[account].append(("goal_achieved", due))
    return {a: [t for t in ts if t[1] >= since] for a, ts in found.items()}


def power_users(
    data_dir: Path, accounts: list[str], *, as_of: date, analytics: Analytics | None = None
) -> dict[str, list[tuple[str, int]]]:
    """STK-4: per account, each user's active days in the 30 days to `as_of` (Ibis)."""
    import ibis
    import pyarrow as pa

    from renewals.usage import backend, repository

    analytics = analytics or Analytics()
    stored = repository.parts(data_dir)
    if not accounts or (not stored and analytics.backend != "ibis"):
        return {}
    end = as_of + timedelta(days=1)
    start = end - timedelta(days=30)
    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    with backend.events_table(analytics, data_dir, stored) as events:
        wanted = pa.table({"account_id": pa.array(sorted(set(accounts)), pa.string())})
        recent = events.semi_join(ibis.memtable(wanted), "account_id").filter(
            (events["timestamp"] >= start) & (events["timestamp"] < end)
        )
        days = recent.group_by(["account_id", "user_id"]).aggregate(
            days=recent["timestamp"].date().nunique()
        )
        for row in days.to_pyarrow().to_pylist():
            out[row["account_id"]].append((row["user_id"], int(row["days"])))
    return out


@dataclass
class AccountBeat:
    account_id: str
    renewal_id: str
    renewal_date: date
    segment: str
    beat: Drumbeat
    advocates: list[Advocate]


@dataclass
class DrumbeatReport:
    as_of: date
    window_days: int
    rows: list[AccountBeat] = field(default_factory=list)
    months_hist: Counter[int] = field(default_factory=Counter)
    first_time: int = 0
    without_advocates: int = 0


def report(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    data_dir: Path,
    window_days: int,
    account_id: str | None = None,
    analytics: Analytics | None = None,
) -> DrumbeatReport:
    """STK-3/4 for the open renewals due within `window_days` (or one account's)."""
    d = policy.drumbeat
    query = select(
        Renewal.account_id, Renewal.renewal_id, Renewal.renewal_date, Renewal.segment
    ).where(Renewal.stage.in_([s.value for s in OPEN_STAGES]))
    if account_id:
        query = query.where(Renewal.account_id == account_id)
    else:
        query = query.where(Renewal.renewal_date <= as_of + timedelta(days=window_days))
    renewals = session.execute(query.order_by(Renewal.renewal_date, Renewal.renewal_id)).all()
    accounts = sorted({r[0] for r in renewals})
    since = add_months(date(as_of.year, as_of.month, 1), -(d.window_months - 1))
    touches = _touches(session, accounts, since)
    users = power_users(data_dir, accounts, as_of=as_of, analytics=analytics)
    people: dict[str, list[tuple[str, str, date | None]]] = defaultdict(list)
    for start in range(0, len(accounts), 500):
        for account, name, role, engaged, left in session.execute(
            select(
                Stakeholder.account_id, Stakeholder.name, Stakeholder.role,
                Stakeholder.last_engaged_at, Stakeholder.left_at,
            ).where(Stakeholder.account_id.in_(accounts[start : start + 500]))
        ):  # fmt: skip
            if left is None or left > as_of:
                people[account].append((name, role, engaged))
    out = DrumbeatReport(as_of, window_days)
    for account, renewal_id, renewal_date, segment in renewals:
        beat = drumbeat(
            touches.get(account, []),
            as_of=as_of,
            window_months=d.window_months,
            expects_qbr=segment in d.qbr_segments,
        )
        found = advocates(
            people.get(account, []),
            users.get(account, []),
            as_of=as_of,
            engaged_days=d.advocate_engaged_days,
            active_days=d.advocate_active_days,
            shown=d.advocates_shown,
        )
        out.rows.append(AccountBeat(account, renewal_id, renewal_date, segment, beat, found))
        out.months_hist[beat.months_with_value] += 1
        out.first_time += beat.first_time
        out.without_advocates += not found
    return out
