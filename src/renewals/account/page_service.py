"""The account list and the account page (TECH-5, HEALTH-5): data assembly for the web pages.

Everything a page shows is loaded here, with a bounded number of indexed queries per
request whatever the size of the book: the list is one SQL query (the latest health
snapshot and the next open renewal joined to each account, filtered, sorted and paged
in the database); the page reads only the account's own rows (every table is indexed
by account or renewal). Other domains are reached through their services and models.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import SQLColumnExpression, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from renewals.account import service as account_service
from renewals.account.explain import ComponentMove, component_moves, feature_label
from renewals.account.models import Account
from renewals.account.stakeholders import StakeholderMap
from renewals.concession import service as concession_service
from renewals.concession.models import Concession
from renewals.contract_doc import service as contract_service
from renewals.contract_doc.models import ContractDocument
from renewals.errors import NotFound
from renewals.health.domain import format_value
from renewals.health.models import HealthSnapshot
from renewals.kit.i18n import LazyString, Text, lazy
from renewals.kit.listing import Listing, RecordFilters
from renewals.policy.domain import Policy
from renewals.proposal import service as proposal_service
from renewals.proposal.models import Proposal
from renewals.renewal import service as renewal_service
from renewals.renewal.domain import Stage
from renewals.renewal.models import Renewal, StageChange
from renewals.save_plan import plan_service
from renewals.save_plan import service as save_service
from renewals.save_plan.models import SavePlan, SaveProblem, SaveTriage
from renewals.signal import labels as signal_labels
from renewals.signal import service as signal_service
from renewals.signal.lexicon import KINDS
from renewals.signal.models import Signal, SignalLabel
from renewals.task.models import Task
from renewals.user import access
from renewals.user.access import Scope
from renewals.user.models import User
from renewals.winloss import service as winloss_service
from renewals.winloss.models import WinLossRecord

# The renewal decisions stored with every renewal (SEG-1..4, OWN-2), in reading order.
DECISIONS = (
    ("segment", lazy("Segment")),
    ("opportunity", lazy("Opportunity")),
    ("touch", lazy("Touch model")),
    ("motion", lazy("Motion")),
    ("owner", lazy("Owner")),
)
TRIAGE_FIELDS = (
    ("probability_band", lazy("Save probability")),
    ("value_tier", lazy("Value tier")),
    ("root_cause", lazy("Root cause")),
    ("time_window", lazy("Time window")),
    ("effort", lazy("Effort")),
)
OPEN_TASK_STATUSES = ("open", "snoozed")


# --- the account list -------------------------------------------------------------------


@dataclass(frozen=True)
class AccountFilters:
    """What the account list is narrowed to; None means no filter."""

    q: str | None = None  # part of the name or the id, any case
    segment: str | None = None
    owner: str | None = None  # the account's owner or its next renewal's owner, any case
    category: str | None = None  # a HEALTH-3 category, or "unscored"
    risk: str | None = None  # a SIG-0 risk
    window: int | None = None  # next renewal due within this many days of as_of (or overdue)
    everyone: bool = False  # read-only view of every account, when the policy allows it
    strategic: bool | None = None


def health_day(session: Session, as_of: date) -> date | None:
    """The latest day scored on or before `as_of` (one index lookup)."""
    return session.scalar(
        select(func.max(HealthSnapshot.as_of)).where(HealthSnapshot.as_of <= as_of)
    )


def next_renewal_id() -> Any:
    """The id of the account's next open renewal (earliest date, then lowest id), as a
    correlated scalar subquery: one index lookup per account (ix_renewal_account_id).

    Not a window function: planners estimate `row_number() = 1` at one row and, on
    PostgreSQL tables without statistics (autovacuum off, or just after an import), then
    compare every renewal with every account (seconds at 10,000 accounts). This form
    needs no statistics to stay fast on SQLite and PostgreSQL.
    """
    return (
        select(Renewal.renewal_id)
        .where(Renewal.account_id == Account.account_id, Renewal.outcome.is_(None))
        .order_by(Renewal.renewal_date, Renewal.renewal_id)
        .limit(1)
        .correlate(Account)
        .scalar_subquery()
    )


def account_listing(
    session: Session, scope: Scope, filters: AccountFilters, *, as_of: date
) -> Listing:
    """One row per account in scope: owner, segment, ARR, health, risk and next renewal.
    The list page, its CSV export and the API (account.endpoints) read it (issue 14)."""
    day = health_day(session, as_of)
    nxt = aliased(Renewal, name="next_renewal")
    snap = HealthSnapshot
    segment = func.coalesce(nxt.segment, snap.segment, Account.segment_override)
    stmt = (
        select(
            Account.account_id.label("account_id"),
            Account.name.label("name"),
            Account.owner_email.label("owner"),
            segment.label("segment"),
            nxt.current_arr.label("arr"),
            nxt.currency.label("currency"),
            snap.score.label("score"),
            snap.category.label("category"),
            snap.trend.label("trend"),
            snap.risk.label("risk"),
            nxt.renewal_id.label("renewal_id"),
            nxt.renewal_date.label("renewal_date"),
            nxt.stage.label("stage"),
            nxt.owner_email.label("renewal_owner"),
        )
        .select_from(Account)
        .outerjoin(nxt, nxt.renewal_id == next_renewal_id())
        .outerjoin(
            snap,
            and_(snap.account_id == Account.account_id, snap.as_of == day),
        )
    )
    # TECH-5: "mine" lists the accounts the user works on; "all" what policy lets them read.
    stmt = stmt.where(access.visible(Account.account_id, scope, edit=not filters.everyone))
    if filters.q:
        pattern = f"%{escape_like(filters.q.strip())}%"
        stmt = stmt.where(
            or_(
                Account.name.ilike(pattern, escape="\\"),
                Account.account_id.ilike(pattern, escape="\\"),
            )
        )
    if filters.segment:
        stmt = stmt.where(segment == filters.segment)
    if filters.owner:
        owner = filters.owner.strip().lower()
        stmt = stmt.where(
            or_(func.lower(Account.owner_email) == owner, func.lower(nxt.owner_email) == owner)
        )
    if filters.strategic is not None:
        stmt = stmt.where(Account.strategic.is_(filters.strategic))
    if filters.category == "unscored":
        stmt = stmt.where(snap.category.is_(None))
    elif filters.category:
        stmt = stmt.where(snap.category == filters.category)
    if filters.risk:
        stmt = stmt.where(snap.risk == filters.risk)
    if filters.window is not None:
        stmt = stmt.where(nxt.renewal_date <= as_of + timedelta(days=filters.window))
    sortable: dict[str, SQLColumnExpression[Any]] = {
        "name": Account.name,
        "account_id": Account.account_id,
        "owner": Account.owner_email,
        "owner_email": Account.owner_email,
        "customer_since": Account.customer_since,
        "industry": Account.industry,
        "segment": segment,
        "arr": nxt.current_arr,
        "score": snap.score,
        "category": snap.category,
        "risk": snap.risk,
        "renewal_date": nxt.renewal_date,
        "stage": nxt.stage,
    }
    stmt = stmt.order_by(nxt.renewal_date.is_(None), nxt.renewal_date, Account.account_id)
    header = (
        "account_id",
        "name",
        "owner",
        "segment",
        "arr",
        "currency",
        "health_score",
        "health_category",
        "trend",
        "risk",
        "renewal_id",
        "renewal_date",
        "stage",
        "renewal_owner",
    )
    return Listing(stmt, sortable, (Account.account_id,), header, health_day=day)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def owner_choices(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """(email, name) of the people whose accounts the user may filter by."""
    query = select(User.email, User.name).where(User.active.is_(True)).order_by(User.name)
    if not scope.everything:
        query = query.where(User.email.in_(sorted(scope.owners)))
    else:
        query = query.where(User.role.in_(("csm", "specialist", "sales", "manager")))
    return [(email, name) for email, name in session.execute(query)]


# --- the account page --------------------------------------------------------------------


@dataclass(frozen=True)
class HealthView:
    """HEALTH-1..5: the latest snapshot, what moved it since the one before, and its trend."""

    snapshot: HealthSnapshot
    previous: HealthSnapshot | None
    moves: list[ComponentMove]
    history: list[HealthSnapshot]  # oldest first, for the chart
    chart: dict[str, Any]


@dataclass(frozen=True)
class SignalView:
    signal: Signal
    in_force: bool
    label: SignalLabel | None = None  # the team's latest verdict on it (issue 18)

    @property
    def from_words(self) -> bool:
        return self.signal.source in signal_service.TEXT_SOURCES


@dataclass(frozen=True)
class DecisionView:
    key: str
    label: LazyString  # read in the page's language
    value: Any
    reasons: list[str]
    rules: list[str]


@dataclass(frozen=True)
class TriageView:
    """SAVE-2..7: the triage values (a person's override wins) with their reasons."""

    triage: SaveTriage
    fields: list[DecisionView]
    evidence: list[str]


@dataclass
class RenewalView:
    renewal: Renewal
    is_open: bool
    decisions: list[DecisionView]
    stages: list[StageChange] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    triage: TriageView | None = None
    plan: SavePlan | None = None
    problems: list[SaveProblem] = field(default_factory=list)
    # each problem's words, read in the page's language (issue 22), by problem id
    words: dict[int, Any] = field(default_factory=dict)  # save_plan.plan.ProblemWords
    concessions: list[Concession] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    documents: list[ContractDocument] = field(default_factory=list)


@dataclass(frozen=True)
class WinLossView:
    record: WinLossRecord
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class AccountPage:
    account: Account
    as_of: date
    can_edit: bool
    health: HealthView | None
    health_missing: str | None  # why there is no score yet
    signals: list[SignalView]
    signals_in_force: int
    missed_labels: list[SignalLabel]  # sentences the team labelled as missed signals (issue 18)
    stakeholders: StakeholderMap
    renewals: list[RenewalView]
    account_tasks: list[Task]  # tasks not tied to a renewal (e.g. the HEALTH-4 review)
    winloss: list[WinLossView]
    limit: int

    @property
    def signal_kinds(self) -> tuple[str, ...]:
        """The kinds a person may label a sentence with (issue 18)."""
        return KINDS


def account_page(
    session: Session, policy: Policy, user: User, account_id: str, *, as_of: date
) -> AccountPage:
    """Everything the account page shows, after checking the user may see it (TECH-5)."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account {account_id!r}")
    rights = access.require_view(session, user, account_id, policy.web)
    limit = policy.web.page_size
    labels = signal_labels.for_account(session, account_id)

    health, missing = _health(session, policy, account_id, as_of=as_of, limit=limit)
    signals, in_force = _signals(session, policy, account_id, labels, as_of=as_of, limit=limit)
    renewals = _renewals(session, rights.scope, user.email, account_id)
    tasks = _tasks(session, account_id, limit=limit)
    by_renewal: dict[str | None, list[Task]] = defaultdict(list)
    for task in tasks:
        by_renewal[task.renewal_id if task.renewal_id in renewals else None].append(task)
    for renewal_id, view in renewals.items():
        view.tasks = by_renewal.get(renewal_id, [])
    winloss = [
        WinLossView(r, winloss_service.explain(r).reasons)
        for r in session.scalars(
            select(WinLossRecord)
            .where(WinLossRecord.account_id == account_id)
            .order_by(WinLossRecord.renewal_date.desc())
            .limit(limit)
        )
    ]
    ordered = sorted(
        renewals.values(),
        key=lambda v: (not v.is_open, -v.renewal.renewal_date.toordinal()),
    )
    return AccountPage(
        account=account,
        as_of=as_of,
        can_edit=rights.edit,
        health=health,
        health_missing=missing,
        signals=signals,
        signals_in_force=in_force,
        missed_labels=[label for label in labels if label.signal_id is None][:limit],
        stakeholders=account_service.stakeholder_map_for(
            session, account_id, as_of=as_of, policy=policy
        ),
        renewals=ordered,
        account_tasks=by_renewal.get(None, []),
        winloss=winloss,
        limit=limit,
    )


def _health(
    session: Session, policy: Policy, account_id: str, *, as_of: date, limit: int
) -> tuple[HealthView | None, str | None]:
    # health.service.history reads the latest snapshots; the page may show an earlier day.
    history = list(
        session.scalars(
            select(HealthSnapshot)
            .where(HealthSnapshot.account_id == account_id, HealthSnapshot.as_of <= as_of)
            .order_by(HealthSnapshot.as_of.desc())
            .limit(limit)
        )
    )
    if not history:
        return None, Text(
            "No health score yet: the daily run (`renewals run`) scores every account "
            "with a contract in force (HEALTH-1)."
        )
    latest = history[0]
    previous = history[1] if len(history) > 1 else None
    moves = component_moves(latest.components, previous.components if previous else None)
    oldest_first = list(reversed(history))
    return HealthView(latest, previous, moves, oldest_first, _chart(oldest_first, policy)), None


def _chart(history: Sequence[HealthSnapshot], policy: Policy) -> dict[str, Any]:
    """A Chart.js line chart of the score with the HEALTH-2 warning and HEALTH-3 lines."""
    labels = [s.as_of.isoformat() for s in history]
    h = policy.health

    def flat(label: str, value: float, colour: str) -> dict[str, Any]:
        return {
            "label": label,
            "data": [value] * len(labels),
            "borderColor": colour,
            "borderDash": [6, 4],
            "borderWidth": 1,
            "pointRadius": 0,
            "fill": False,
        }

    return {
        "type": "line",
        "data": {
            "labels": labels,
            "datasets": [
                {
                    "label": "Health score",
                    "data": [s.score for s in history],
                    "borderColor": "#2457c5",
                    "backgroundColor": "#2457c5",
                    "tension": 0.2,
                    "spanGaps": False,
                },
                flat(f"Warning below {h.warning_score:g} (HEALTH-2)", h.warning_score, "#a15c00"),
                flat(f"Red below {h.yellow_min_score:g} (HEALTH-3)", h.yellow_min_score, "#b42318"),
            ],
        },
        "options": {
            "scales": {
                "y": {"min": 0, "max": 100, "title": {"display": True, "text": "score"}},
                "x": {"title": {"display": True, "text": "day"}},
            },
            "plugins": {"legend": {"position": "bottom"}},
        },
    }


def _signals(
    session: Session,
    policy: Policy,
    account_id: str,
    labelled: Sequence[SignalLabel],
    *,
    as_of: date,
    limit: int,
) -> tuple[list[SignalView], int]:
    """The account's signals, newest first, marked when in force on `as_of` (SIG-0..9)."""
    active = {
        s.signal_id for s in signal_service.active_signals(session, policy, account_id, as_of=as_of)
    }
    rows = session.scalars(signal_service.account_signals(account_id, as_of=as_of).limit(limit))
    labels = {
        label.signal_id: label for label in reversed(labelled) if label.signal_id is not None
    }  # oldest first, so the newest label of a signal wins
    return [SignalView(s, s.signal_id in active, labels.get(s.signal_id)) for s in rows], len(
        active
    )


def _decisions(record: Mapping[str, Any] | None) -> list[DecisionView]:
    views = []
    for key, label in DECISIONS:
        decision = (record or {}).get(key)
        if not decision:
            continue
        value = decision.get("value")
        if key == "owner" and decision.get("email"):
            value = f"{value} ({decision['email']})"
        views.append(
            DecisionView(
                key,
                label,
                value,
                list(decision.get("reasons", [])),
                list(decision.get("rules", [])),
            )
        )
    return views


def _triage(row: SaveTriage) -> TriageView:
    fields = []
    for key, label in TRIAGE_FIELDS:
        override = (row.overrides or {}).get(key)
        value: Any = getattr(row, key)
        reasons = list((row.reasons or {}).get(key, []))
        if override:
            value = override.get("value", value)
            reasons.insert(
                0,
                Text(
                    "overridden by {who}: {reason}",
                    who=override.get("by"),
                    reason=override.get("reason", ""),
                ),
            )
        fields.append(DecisionView(key, label, value, reasons, _rule_ids(reasons)))
    return TriageView(row, fields, list((row.reasons or {}).get("evidence", [])))


def _rule_ids(reasons: Sequence[str]) -> list[str]:
    """The rule IDs the reasons start with ("SAVE-2: ..."), in order, once each."""
    found: list[str] = []
    for reason in reasons:
        head = reason.split(":", 1)[0].strip()
        if "-" in head and head.replace("-", "").isalnum() and head.isupper() and head not in found:
            found.append(head)
    return found


def _renewals(
    session: Session, scope: Scope, viewer_email: str, account_id: str
) -> dict[str, RenewalView]:
    """The account's renewals with stage history, save desk, concessions, proposals and
    contract documents: one query per table for all of them (no query per renewal). The
    save desk, concessions, proposals and contracts come from the lists the API answers
    with (each slice's `listing`, issue 14), narrowed to this account."""
    renewals = renewal_service.for_account(session, account_id)
    views = {
        r.renewal_id: RenewalView(
            r, not Stage(r.stage).is_closed and r.outcome is None, _decisions(r.decisions)
        )
        for r in renewals
    }
    if not views:
        return views
    ids = list(views)
    for change in session.scalars(
        select(StageChange)
        .where(StageChange.renewal_id.in_(ids))
        .order_by(StageChange.on, StageChange.id)
    ):
        views[change.renewal_id].stages.append(change)
    saves = save_service.listing(scope, save_service.SaveFilters(account_id=account_id))
    for triage in session.scalars(saves.stmt):
        view = views.get(triage.renewal_id)
        if view is not None and view.is_open:
            view.triage = _triage(triage)
    for view in views.values():
        if view.is_open:
            plan = plan_service.find_plan(session, view.renewal.renewal_id)
            if plan is not None:
                view.plan = plan
                view.problems = plan_service.problems_of(session, plan)
                view.words = {p.problem_id: plan_service.words_of(p) for p in view.problems}
    concessions = concession_service.listing(
        scope, viewer_email, RecordFilters(account_id=account_id)
    )
    for concession in session.scalars(concessions.stmt):
        if concession.renewal_id in views:
            views[concession.renewal_id].concessions.append(concession)
    proposals = proposal_service.listing(scope, RecordFilters(account_id=account_id))
    for proposal in session.scalars(proposals.stmt):
        if proposal.renewal_id in views:
            views[proposal.renewal_id].proposals.append(proposal)
    documents = contract_service.listing(scope, RecordFilters(account_id=account_id))
    for document in session.scalars(documents.stmt):
        if document.renewal_id in views:
            views[document.renewal_id].documents.append(document)
    return views


def _tasks(session: Session, account_id: str, *, limit: int) -> list[Task]:
    """Open and snoozed tasks (all of them, by due date) and the latest finished ones."""
    pending = list(
        session.scalars(
            select(Task)
            .where(Task.account_id == account_id, Task.status.in_(OPEN_TASK_STATUSES))
            .order_by(Task.due_date, Task.task_id)
        )
    )
    finished = list(
        session.scalars(
            select(Task)
            .where(Task.account_id == account_id, Task.status.not_in(OPEN_TASK_STATUSES))
            .order_by(Task.due_date.desc(), Task.task_id.desc())
            .limit(limit)
        )
    )
    return pending + finished


# --- the health facts view (HEALTH-5) ------------------------------------------------------


@dataclass(frozen=True)
class FactRow:
    """One stored fact of a snapshot: its value as read and the measures it scored."""

    feature: str
    label: str
    value: float | None
    text: str
    component: str | None
    score: float | None
    weight: float | None


@dataclass(frozen=True)
class HealthFacts:
    account: Account
    snapshot: HealthSnapshot
    previous: HealthSnapshot | None
    moves: list[ComponentMove]
    facts: list[FactRow]
    signals: list[Signal]
    can_edit: bool

    def from_words(self, signal: Signal) -> bool:
        """A signal whose evidence is the customer's own words (shown as written)."""
        return signal.source in signal_service.TEXT_SOURCES


def health_facts(
    session: Session, policy: Policy, user: User, account_id: str, day: date
) -> HealthFacts:
    """HEALTH-5: one snapshot with every fact, measure, driver and rule ID stored with it,
    what moved it since the snapshot before, and the signals in force that day."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account {account_id!r}")
    access.require_view(session, user, account_id, policy.web)
    snapshot = session.get(HealthSnapshot, (account_id, day))
    if snapshot is None:
        raise NotFound(
            f"account {account_id!r} has no health snapshot on {day.isoformat()}: "
            "pick a day from the trend on the account page"
        )
    previous = (
        session.get(HealthSnapshot, (account_id, snapshot.previous_as_of))
        if snapshot.previous_as_of
        else None
    )
    moves = component_moves(snapshot.components, previous.components if previous else None)
    scored: dict[str, tuple[str, float | None, float | None]] = {}
    for component in snapshot.components:
        for m in component.get("measures", []):
            scored[m["feature"]] = (component["name"], m.get("score"), m.get("weight"))
    facts = []
    for feature, value in sorted((snapshot.features or {}).items()):
        component_name, score, weight = scored.get(feature, (None, None, None))
        facts.append(
            FactRow(
                feature,
                feature_label(feature),
                value,
                _fact_text(feature, value),
                component_name,
                score,
                weight,
            )
        )
    signals = signal_service.active_signals(session, policy, account_id, as_of=day)
    return HealthFacts(
        account,
        snapshot,
        previous,
        moves,
        facts,
        signals,
        access.can_edit_account(session, user, account_id, policy.web),
    )


def _fact_text(feature: str, value: float | None) -> str:
    if feature == "arr":
        return "no data" if value is None else f"{value:,.0f}"
    if feature in ("seats", "contacts", "tickets", "events_30d", "active_users_30d"):
        return "no data" if value is None else f"{value:,.0f}"
    return format_value(feature, value)
