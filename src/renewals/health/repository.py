"""Point-in-time features from the application database, one aggregate query per source.

Every query looks only at facts dated on or before `as_of` (end of day), so the
same code computes today's features and the features a past renewal had 90 days
before its date. Stakeholders are the exception that is stated: their
`last_engaged_at` is the latest known date, so for a past `as_of` a contact who
engaged *after* it counts as engaged (the data keeps no history of it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, Text, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from renewals.account.models import Account, Goal, Stakeholder
from renewals.contract.models import Contract
from renewals.engagement.domain import InteractionStatus
from renewals.engagement.models import Interaction, SurveyResponse, Ticket
from renewals.health.models import HealthSnapshot
from renewals.kit.batches import chunks
from renewals.kit.time import day_start

Features = dict[str, float | None]

MEETING_KINDS = ("meeting", "qbr", "call", "training")
URGENT = ("high", "urgent")
KEY_ROLES = ("champion", "decision_maker", "economic_buyer")
BUDGET_ROLES = ("decision_maker", "economic_buyer")


@dataclass(frozen=True)
class ActiveContract:
    account_id: str
    contract_id: str
    arr: float
    seats: int | None
    end_date: date
    segment_override: str | None
    start_date: date | None = None
    term_months: int | None = None
    customer_since: date | None = (
        None  # the earlier of the account's customer_since and first contract
    )


@dataclass(frozen=True)
class Windows:
    """The look-back windows of one run (SIG-2, SIG-3, SIG-6, SIG-9, FUND-5)."""

    as_of: date
    lookback_days: int
    sentiment_days: int
    engaged_within_days: int
    departure_days: int
    champion_baseline_days: int
    goals_window_days: int

    @property
    def end(self) -> datetime:
        """Exclusive end: the first instant after `as_of`."""
        return day_start(self.as_of + timedelta(days=1))

    def start(self, days: int) -> datetime:
        return self.end - timedelta(days=days)


def _only(query: Select, column, accounts: Collection[str] | None) -> Select:  # type: ignore[no-untyped-def]
    return query if accounts is None else query.where(column.in_(list(accounts)))


def active_contracts(
    session: Session, *, as_of: date, accounts: Collection[str] | None = None
) -> dict[str, ActiveContract]:
    """The contract in force on `as_of` per account (the latest started, if several), with
    the account's tenure start: the earlier of `customer_since` and its first contract
    that started by `as_of` (point in time)."""
    first = (
        select(Contract.account_id, func.min(Contract.start_date).label("first_start"))
        .where(Contract.start_date <= as_of)
        .group_by(Contract.account_id)
        .subquery()
    )
    query = _only(
        select(
            Contract.account_id,
            Contract.contract_id,
            Contract.arr,
            Contract.seats,
            Contract.end_date,
            Contract.start_date,
            Account.segment_override,
            Contract.term_months,
            Account.customer_since,
            first.c.first_start,
        )
        .join(Account, Account.account_id == Contract.account_id)
        .join(first, first.c.account_id == Contract.account_id)
        .where(Contract.start_date <= as_of, Contract.end_date >= as_of)
        .order_by(Contract.account_id, Contract.start_date),
        Contract.account_id,
        accounts,
    )
    found: dict[str, ActiveContract] = {}
    for row in session.execute(query):
        account_id, contract_id, arr, seats, end_date, start, override, term, since, first_start = (
            row
        )
        known = [d for d in (since, first_start) if d is not None and d <= as_of]
        found[account_id] = ActiveContract(
            account_id,
            contract_id,
            float(arr),
            seats,
            end_date,
            override,
            start_date=start,
            term_months=term,
            customer_since=min(known) if known else None,
        )
    return found


def active_accounts_query(as_of: date) -> Select:
    """The accounts with a contract in force on `as_of` (those `active_contracts` returns)."""
    return (
        select(Contract.account_id)
        .join(Account, Account.account_id == Contract.account_id)
        .where(Contract.start_date <= as_of, Contract.end_date >= as_of)
        .distinct()
    )


def engagement_features(
    session: Session, windows: Windows, accounts: Collection[str] | None = None
) -> dict[str, Features]:
    """Support, relationship, outcome and sentiment features per account."""
    features: dict[str, Features] = defaultdict(dict)
    for source in (_tickets, _repeated, _surveys, _meetings, _replies, _stakeholders, _goals):
        for account_id, values in source(session, windows, accounts):
            features[account_id].update(values)
    return dict(features)


def _tickets(session: Session, w: Windows, accounts: Collection[str] | None):  # type: ignore[no-untyped-def]
    recent = Ticket.opened_at >= w.start(w.lookback_days)
    before = Ticket.opened_at < w.start(w.lookback_days)
    rated = and_(recent, Ticket.closed_at < w.end, Ticket.satisfaction.is_not(None))
    query = _only(
        select(
            Ticket.account_id,
            func.sum(case((recent, 1), else_=0)),
            func.sum(case((before, 1), else_=0)),
            func.sum(case((and_(recent, Ticket.priority.in_(URGENT)), 1), else_=0)),
            func.avg(case((rated, Ticket.satisfaction))),
        )
        .where(Ticket.opened_at < w.end, Ticket.opened_at >= w.start(2 * w.lookback_days))
        .group_by(Ticket.account_id),
        Ticket.account_id,
        accounts,
    )
    for account_id, now, then, urgent, satisfaction in session.execute(query):
        yield (
            account_id,
            {
                "tickets": float(now),
                "repeated_complaints": 0.0,  # _repeated() overrides it where there are repeats
                "ticket_volume_ratio": (now + 1) / (then + 1),
                "urgent_tickets": float(urgent),
                "ticket_satisfaction": None if satisfaction is None else float(satisfaction),
            },
        )


def _repeated(session: Session, w: Windows, accounts: Collection[str] | None):  # type: ignore[no-untyped-def]
    """SIG-3: the same problem (ticket subject) raised more than once in the window."""
    subject = func.lower(func.trim(Ticket.subject))
    per_subject = (
        _only(
            select(Ticket.account_id.label("account_id"), subject.label("subject"))
            .where(Ticket.opened_at < w.end, Ticket.opened_at >= w.start(w.lookback_days))
            .group_by(Ticket.account_id, subject)
            .having(func.count() > 1),
            Ticket.account_id,
            accounts,
        )
    ).subquery()
    query = select(per_subject.c.account_id, func.count()).group_by(per_subject.c.account_id)
    for account_id, count in session.execute(query):
        yield account_id, {"repeated_complaints": float(count)}


def _surveys(session: Session, w: Windows, accounts: Collection[str] | None):  # type: ignore[no-untyped-def]
    nps = SurveyResponse.kind == "nps"
    recent = SurveyResponse.responded_at >= w.start(w.sentiment_days)
    before = SurveyResponse.responded_at < w.start(w.sentiment_days)
    csat = and_(
        SurveyResponse.kind == "csat", SurveyResponse.responded_at >= w.start(w.lookback_days)
    )
    query = _only(
        select(
            SurveyResponse.account_id,
            func.avg(case((and_(nps, recent), SurveyResponse.score))),
            func.avg(case((and_(nps, before), SurveyResponse.score))),
            func.avg(case((csat, SurveyResponse.score))),
        )
        .where(
            SurveyResponse.responded_at < w.end,
            SurveyResponse.responded_at >= w.start(2 * w.sentiment_days),
        )
        .group_by(SurveyResponse.account_id),
        SurveyResponse.account_id,
        accounts,
    )
    for account_id, now, then, csat_mean in session.execute(query):
        yield (
            account_id,
            {
                "nps": None if now is None else float(now),
                "nps_change": None if now is None or then is None else float(now) - float(then),
                "csat": None if csat_mean is None else float(csat_mean),
            },
        )


def _meetings(session: Session, w: Windows, accounts: Collection[str] | None):  # type: ignore[no-untyped-def]
    """SIG-2: meetings, QBRs, calls and trainings cancelled, missed or declined."""
    missed = [s.value for s in InteractionStatus.missed()]
    query = _only(
        select(
            Interaction.account_id,
            func.sum(case((Interaction.status.in_(missed), 1), else_=0)),
            func.count(),
        )
        .where(
            Interaction.occurred_at < w.end,
            Interaction.occurred_at >= w.start(w.lookback_days),
            Interaction.kind.in_(MEETING_KINDS),
            Interaction.status.in_([*missed, "held"]),
        )
        .group_by(Interaction.account_id),
        Interaction.account_id,
        accounts,
    )
    for account_id, missed_count, total in session.execute(query):
        yield (
            account_id,
            {"missed_meetings": float(missed_count), "missed_meeting_rate": missed_count / total},
        )


def _replies(session: Session, w: Windows, accounts: Collection[str] | None):  # type: ignore[no-untyped-def]
    """SIG-2: the champion's reply time in the window against the year before it."""
    recent = Interaction.occurred_at >= w.start(w.lookback_days)
    query = _only(
        select(
            Interaction.account_id,
            func.avg(case((recent, Interaction.response_hours))),
            func.avg(case((~recent, Interaction.response_hours))),
        )
        .where(
            Interaction.occurred_at < w.end,
            Interaction.occurred_at >= w.start(w.champion_baseline_days),
            Interaction.response_hours.is_not(None),
        )
        .group_by(Interaction.account_id),
        Interaction.account_id,
        accounts,
    )
    for account_id, now, then in session.execute(query):
        if now is not None and then:
            yield (
                account_id,
                {
                    "champion_reply_hours": float(now),
                    "champion_response_ratio": float(now) / float(then),
                },
            )


def _stakeholders(session: Session, w: Windows, accounts: Collection[str] | None):  # type: ignore[no-untyped-def]
    """SIG-6, SIG-9: contacts engaged recently, key departures, budget authority engaged."""
    d = w.as_of
    present = and_(
        or_(Stakeholder.started_at.is_(None), Stakeholder.started_at <= d),
        or_(Stakeholder.left_at.is_(None), Stakeholder.left_at > d),
    )
    engaged = and_(
        present, Stakeholder.last_engaged_at >= d - timedelta(days=w.engaged_within_days)
    )
    departed = and_(
        Stakeholder.role.in_(KEY_ROLES),
        Stakeholder.left_at <= d,
        Stakeholder.left_at > d - timedelta(days=w.departure_days),
    )
    query = _only(
        select(
            Stakeholder.account_id,
            func.sum(case((engaged, 1), else_=0)),
            func.sum(case((departed, 1), else_=0)),
            func.sum(case((and_(engaged, Stakeholder.role.in_(BUDGET_ROLES)), 1), else_=0)),
            func.sum(case((present, 1), else_=0)),
        ).group_by(Stakeholder.account_id),
        Stakeholder.account_id,
        accounts,
    )
    for account_id, engaged_n, departed_n, budget_n, present_n in session.execute(query):
        yield (
            account_id,
            {
                "engaged_contacts": float(engaged_n),
                "key_departures": float(departed_n),
                "budget_authority_engaged": float(budget_n),
                "contacts": float(present_n),
            },
        )


def _goals(session: Session, w: Windows, accounts: Collection[str] | None):  # type: ignore[no-untyped-def]
    """FUND-5: goals due in the year up to as_of that were achieved or missed."""
    d = w.as_of
    query = _only(
        select(
            Goal.account_id,
            func.sum(case((Goal.status == "achieved", 1), else_=0)),
            func.sum(case((Goal.status == "missed", 1), else_=0)),
        )
        .where(Goal.due_date <= d, Goal.due_date > d - timedelta(days=w.goals_window_days))
        .group_by(Goal.account_id),
        Goal.account_id,
        accounts,
    )
    for account_id, achieved, missed in session.execute(query):
        if achieved + missed:
            yield (
                account_id,
                {
                    "goals_achieved": float(achieved),
                    "goals_missed": float(missed),
                    "goals_achieved_rate": achieved / (achieved + missed),
                },
            )


def previous_scores(
    session: Session, *, before: date
) -> dict[str, tuple[date, float | None, str | None]]:
    """The latest snapshot before `before` per account: (as_of, score, category).

    Each account's latest day by one probe of the primary key (account_id, as_of), then the
    snapshots of each such day: not a GROUP BY over every snapshot ever taken, which grows
    by a book a day (issue 20; EXPLAIN ANALYZE in docs/performance.md)."""
    earlier = aliased(HealthSnapshot)
    latest = (
        select(func.max(earlier.as_of))
        .where(earlier.account_id == Account.account_id, earlier.as_of < before)
        .scalar_subquery()
    )
    by_day: dict[date, list[str]] = defaultdict(list)
    for account_id, day in session.execute(select(Account.account_id, latest)):
        if day is not None:
            by_day[day].append(account_id)
    found: dict[str, tuple[date, float | None, str | None]] = {}
    for day, accounts in sorted(by_day.items()):
        for chunk in chunks(sorted(accounts), 1_000):
            rows = session.execute(
                select(
                    HealthSnapshot.account_id, HealthSnapshot.score, HealthSnapshot.category
                ).where(HealthSnapshot.as_of == day, HealthSnapshot.account_id.in_(chunk))
            )
            found.update((a, (day, score, category)) for a, score, category in rows)
    return found


def snapshots_on(session: Session, as_of: date) -> dict[str, HealthSnapshot]:
    query = select(HealthSnapshot).where(HealthSnapshot.as_of == as_of)
    return {s.account_id: s for s in session.scalars(query)}


def snapshot_history(session: Session, account_id: str, limit: int = 12) -> list[HealthSnapshot]:
    query = (
        select(HealthSnapshot)
        .where(HealthSnapshot.account_id == account_id)
        .order_by(HealthSnapshot.as_of.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def component_score_json(name: str, dialect: str) -> ColumnElement[str]:
    """The JSON text of one component's score in a snapshot's stored components (the first
    component of that name; NULL without one), read by the database: a step that needs one
    score need not decode the whole list (about 2.9 KB a snapshot; decoding it was a sixth of
    renewal.sync, issue 20). `json.loads` of the text is the value decoding the list gives."""
    if dialect == "postgresql":
        element = func.json_array_elements(HealthSnapshot.components).table_valued("value")
        item = element.alias("component").c.value
        score, named = item.op("->")("score"), item.op("->>")("name")
    else:
        element = func.json_each(HealthSnapshot.components).table_valued("value")
        item = element.alias("component").c.value
        score, named = item.op("->")("$.score"), item.op("->>")("$.name")
    return select(cast(score, Text)).where(named == name).limit(1).scalar_subquery()
