"""Role dashboards (TECH-5): the CSM home, the manager's team view and the executive view.

Each function reads what other domains decided (renewals, tasks, outbox messages,
forecasts, win/loss records) and assembles it for one person: what they may see comes
from `renewals.user.access.scope_for`. Aggregates run in SQL and lists are paged in
the database, so a 10,000-account book stays fast; small derived tables (stalled
renewals with their reasons, per-owner rates) are computed here and carry rule IDs.
Nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from renewals.account.models import Account
from renewals.concession import service as concession_service
from renewals.contract.models import Contract
from renewals.dashboard.tables import ListSpec, Spec, TableSpec
from renewals.errors import Forbidden, RenewalsError
from renewals.forecast import domain as forecast_domain
from renewals.forecast import service as forecast_service
from renewals.fx import service as fx_service
from renewals.fx.domain import RateTable
from renewals.kit.figures import Memo, compute_now
from renewals.kit.i18n import Text, joined
from renewals.kit.time import as_utc, day_start
from renewals.outbox import service as outbox_service
from renewals.outbox.models import OutboxMessage
from renewals.policy.domain import Policy
from renewals.renewal.domain import OPEN_STAGES
from renewals.renewal.models import Renewal
from renewals.signal.models import Signal
from renewals.task import domain as task_domain
from renewals.task.models import Task
from renewals.user.access import Scope, owned_by, scope_for
from renewals.user.models import User
from renewals.winloss import domain as winloss_domain
from renewals.winloss import service as winloss_service
from renewals.winloss.models import WinLossRecord

CLOSED_STAGES = ("closed_won", "closed_lost")
STAGES = tuple(s.value for s in OPEN_STAGES)
HEALTH_ORDER = ("green", "expansion", "yellow", "red", None)
RISK_ORDER = ("none", "watch", "at_risk", "save", None)
# TECH-5: who sees which dashboard (the navigation shows the same).
MANAGER_ROLES = frozenset({"manager", "director", "vp", "executive", "admin"})
EXECUTIVE_ROLES = frozenset({"director", "vp", "executive", "admin"})
AT_RISK = "at_risk"  # SEG-3: the opportunity type of renewals that need a save strategy


def require_role(user: User, roles: frozenset[str], page: str) -> None:
    """TECH-5: the manager and executive dashboards are for those roles only."""
    if user.role not in roles:
        raise Forbidden(
            Text(FOR_ROLES[page], roles=joined(sorted(roles), ", "), role=str(user.role))
        )


FOR_ROLES = {  # TECH-5: who a dashboard is for, one sentence per dashboard
    "manager": Text("the manager dashboard is for {roles}; you are {role} (TECH-5): your renewals are on /home"),
    "executive": Text("the executive dashboard is for {roles}; you are {role} (TECH-5): your renewals are on /home"),
}  # fmt: skip


def _open() -> ColumnElement[bool]:
    return Renewal.stage.not_in(CLOSED_STAGES)


def _money(value: Any) -> float:
    return float(value or 0)


def chart(kind: str, labels: list[str], datasets: list[dict[str, Any]], **axes: str) -> dict:
    """A Chart.js spec with titled axes (drawn by /static/app.js from data-chart)."""
    scales: dict[str, Any] = {}
    for axis, title in axes.items():
        scales[axis] = {"title": {"display": True, "text": title}, "beginAtZero": True}
    for ds in datasets:
        if ds.get("yAxisID") == "y1" and "y1" not in scales:
            scales["y1"] = {
                "position": "right",
                "beginAtZero": True,
                "grid": {"drawOnChartArea": False},
            }
    return {
        "type": kind,
        "data": {"labels": labels, "datasets": datasets},
        "options": {"scales": scales, "plugins": {"legend": {"position": "bottom"}}},
    }


# --- the CSM home -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageRow:
    stage: str
    renewals: int
    arr: float
    in_window: int
    arr_in_window: float
    at_risk: int


@dataclass
class Home:
    as_of: date
    window_days: int
    window_end: date
    due_soon_days: int
    scope_label: str
    kpis: dict[str, Any]
    pipeline: list[StageRow]
    chart: dict[str, Any]
    specs: list[Spec]
    reasons: list[str] = field(default_factory=list)
    currency: str = "USD"  # TECH-5: the reporting currency of every total above


def _scope_label(user: User, scope: Scope) -> str:
    if scope.everything:
        return Text("every renewal (your role sees the whole book)")
    if len(scope.owners) > 1:
        return Text("your team's renewals ({people} people)", people=len(scope.owners))
    return Text("your renewals")


def renewal_columns() -> list[Any]:
    return [
        Renewal.renewal_id,
        Renewal.account_id,
        Account.name.label("account_name"),
        Renewal.renewal_date,
        Renewal.segment,
        Renewal.stage,
        Renewal.health_score,
        Renewal.health_category,
        Renewal.risk,
        Renewal.likelihood,
        Renewal.current_arr,
        Renewal.currency,
        Renewal.owner_email,
        Renewal.opportunity_type,
        Renewal.signals,
    ]


RENEWAL_SORTS: dict[str, Any] = {
    "date": Renewal.renewal_date,
    "account": Account.name,
    "segment": Renewal.segment,
    "stage": Renewal.stage,
    "health": Renewal.health_score,
    "risk": Renewal.risk,
    "likelihood": Renewal.likelihood,
    "arr": Renewal.current_arr,
    "owner": Renewal.owner_email,
}
RENEWAL_HEADER = (
    "renewal_id",
    "account_id",
    "account",
    "renewal_date",
    "days_left",
    "segment",
    "stage",
    "health_score",
    "health_category",
    "risk",
    "likelihood",
    "arr",
    "currency",
    "owner",
    "opportunity_type",
)


def _renewal_csv(as_of: date) -> Any:
    def row(r: Any) -> list[Any]:
        return [
            r.renewal_id,
            r.account_id,
            r.account_name,
            r.renewal_date.isoformat(),
            (r.renewal_date - as_of).days,
            r.segment,
            r.stage,
            None if r.health_score is None else round(r.health_score, 1),
            r.health_category,
            r.risk,
            None if r.likelihood is None else round(r.likelihood, 3),
            r.current_arr,
            r.currency,
            r.owner_email,
            r.opportunity_type,
        ]

    return row


def renewals_spec(
    name: str, scope: Scope, *, as_of: date, end: date | None, at_risk: bool
) -> TableSpec:
    """Open renewals in scope: due by `end` (overdue ones included), or SEG-3 at-risk ones."""
    stmt = (
        select(*renewal_columns())
        .join(Account, Account.account_id == Renewal.account_id)
        .where(_open(), owned_by(Renewal.owner_email, scope))
    )
    if end is not None:
        stmt = stmt.where(Renewal.renewal_date <= end)
    if at_risk:
        stmt = stmt.where(Renewal.opportunity_type == AT_RISK)
    return TableSpec(
        name=name,
        stmt=stmt.order_by(Renewal.renewal_date, Renewal.renewal_id),
        sortable=RENEWAL_SORTS,
        header=RENEWAL_HEADER,
        row=_renewal_csv(as_of),
        default_sort="date",
        tiebreak=(Renewal.renewal_id,),
    )


TASK_SORTS: dict[str, Any] = {
    "due": Task.due_date,
    "title": Task.title,
    "account": Account.name,
    "status": Task.status,
    "rule": Task.rule,
    "owner": Task.owner_email,
}
TASK_HEADER = (
    "task_id",
    "account_id",
    "account",
    "renewal_id",
    "title",
    "rule",
    "due_date",
    "days_overdue",
    "status",
    "owner",
    "status_reason",
)


def task_stmt() -> Select[*tuple[Any, ...]]:
    return select(
        Task.task_id,
        Task.account_id,
        Account.name.label("account_name"),
        Task.renewal_id,
        Task.title,
        Task.description,
        Task.rule,
        Task.due_date,
        Task.status,
        Task.owner_email,
        Task.status_reason,
        Task.completed_at,
        Task.completed_by,
    ).join(Account, Account.account_id == Task.account_id)


def task_csv(as_of: date) -> Any:
    def row(t: Any) -> list[Any]:
        overdue = task_domain.days_overdue(t.status, t.due_date, as_of)
        return [
            t.task_id,
            t.account_id,
            t.account_name,
            t.renewal_id,
            t.title,
            t.rule,
            t.due_date.isoformat(),
            overdue,
            t.status,
            t.owner_email,
            t.status_reason,
        ]

    return row


def tasks_due_spec(name: str, owners: Scope, *, as_of: date, due_by: date) -> TableSpec:
    """Open tasks due by `due_by` (overdue ones first by date)."""
    stmt = task_stmt().where(
        Task.status == "open", Task.due_date <= due_by, owned_by(Task.owner_email, owners)
    )
    return TableSpec(
        name=name,
        stmt=stmt.order_by(Task.due_date, Task.task_id),
        sortable=TASK_SORTS,
        header=TASK_HEADER,
        row=task_csv(as_of),
        default_sort="due",
        tiebreak=(Task.task_id,),
    )


OUTBOX_SORTS: dict[str, Any] = {
    "created": OutboxMessage.created_on,
    "account": Account.name,
    "subject": OutboxMessage.subject,
    "step": OutboxMessage.step,
    "audience": OutboxMessage.audience,
}
OUTBOX_HEADER = (
    "message_id",
    "account_id",
    "account",
    "renewal_id",
    "step",
    "rule",
    "audience",
    "to",
    "subject",
    "status",
    "created_on",
    "status_reason",
)


def outbox_stmt(scope: Scope, status: str | None) -> Select[*tuple[Any, ...]]:
    """Messages the viewer may act on (TIME-5 approvers: the owner, their managers;
    directors and above see every message): `outbox.service.in_scope`, the condition the
    approvals API uses too."""
    stmt = (
        select(
            OutboxMessage.message_id,
            OutboxMessage.account_id,
            Account.name.label("account_name"),
            OutboxMessage.renewal_id,
            OutboxMessage.step,
            OutboxMessage.rule,
            OutboxMessage.audience,
            OutboxMessage.to_address,
            OutboxMessage.to_name,
            OutboxMessage.subject,
            OutboxMessage.body,
            OutboxMessage.status,
            OutboxMessage.created_on,
            OutboxMessage.status_reason,
        )
        .join(Account, Account.account_id == OutboxMessage.account_id)
        .where(outbox_service.in_scope(scope))
    )
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    return stmt


def outbox_spec(name: str, scope: Scope, *, status: str | None = "pending_approval") -> TableSpec:
    def row(m: Any) -> list[Any]:
        return [
            m.message_id,
            m.account_id,
            m.account_name,
            m.renewal_id,
            m.step,
            m.rule,
            m.audience,
            m.to_address,
            m.subject,
            m.status,
            m.created_on.isoformat(),
            m.status_reason,
        ]

    return TableSpec(
        name=name,
        stmt=outbox_stmt(scope, status).order_by(
            OutboxMessage.created_on, OutboxMessage.message_id
        ),
        sortable=OUTBOX_SORTS,
        header=OUTBOX_HEADER,
        row=row,
        default_sort="created",
        tiebreak=(OutboxMessage.message_id,),
    )


def home_specs(session: Session, user: User, policy: Policy, *, as_of: date) -> list[Spec]:
    """The CSM home's tables: renewals in the window, at-risk renewals, tasks, outbox."""
    scope = scope_for(session, user, policy.web)
    end = as_of + timedelta(days=policy.run.renewal_window_days)
    due_by = as_of + timedelta(days=policy.dashboard.due_soon_days)
    return [
        renewals_spec("renewals", scope, as_of=as_of, end=end, at_risk=False),
        renewals_spec("at_risk", scope, as_of=as_of, end=None, at_risk=True),
        tasks_due_spec("tasks", scope, as_of=as_of, due_by=due_by),
        outbox_spec("outbox", scope),
    ]


def pipeline(
    session: Session, scope: Scope, *, end: date, rates: RateTable, as_of: date
) -> list[StageRow]:
    """TECH-5: open renewals in scope by stage: count and ARR, all and in the window; ARR
    summed per currency in SQL, then converted at `as_of`'s rates and added."""
    in_window = Renewal.renewal_date <= end
    rows = session.execute(
        select(
            Renewal.stage,
            Renewal.currency,
            func.count(),
            func.sum(Renewal.current_arr),
            func.sum(case((in_window, 1), else_=0)),
            func.sum(case((in_window, Renewal.current_arr), else_=0)),
            func.sum(case((and_(in_window, Renewal.opportunity_type == AT_RISK), 1), else_=0)),
        )
        .where(_open(), owned_by(Renewal.owner_email, scope))
        .group_by(Renewal.stage, Renewal.currency)
    ).all()
    counts: dict[str, list[int]] = {}
    for r in rows:
        n = counts.setdefault(r[0], [0, 0, 0])
        n[0], n[1], n[2] = n[0] + int(r[2]), n[1] + int(r[4] or 0), n[2] + int(r[6] or 0)
    arr = rates.totals(((r[0], r[1], r[3]) for r in rows), as_of)
    arr_in_window = rates.totals(((r[0], r[1], r[5]) for r in rows), as_of)
    order = [*STAGES, *sorted(set(counts) - set(STAGES))]
    return [
        StageRow(s, c[0], _money(arr[s]), c[1], _money(arr_in_window[s]), c[2])
        for s in order
        if (c := counts.get(s)) is not None
    ]


def home(session: Session, user: User, policy: Policy, *, as_of: date) -> Home:
    """TECH-5 CSM home: renewals in the next `run.renewal_window_days`, the pipeline by
    stage, at-risk renewals (SEG-3), tasks due and overdue, messages awaiting approval."""
    scope = scope_for(session, user, policy.web)
    window = policy.run.renewal_window_days
    end = as_of + timedelta(days=window)
    due_soon = policy.dashboard.due_soon_days
    rates = fx_service.rate_table(session, policy)
    stages = pipeline(session, scope, end=end, rates=rates, as_of=as_of)
    at_risk_window = session.execute(
        select(Renewal.currency, func.count(), func.sum(Renewal.current_arr))
        .where(
            _open(),
            owned_by(Renewal.owner_email, scope),
            Renewal.renewal_date <= end,
            Renewal.opportunity_type == AT_RISK,
        )
        .group_by(Renewal.currency)
    ).all()
    overdue, due = session.execute(
        select(
            func.sum(case((Task.is_overdue(as_of), 1), else_=0)),
            func.sum(case((Task.is_overdue(as_of), 0), else_=1)),
        ).where(
            Task.status == "open",
            Task.due_date <= as_of + timedelta(days=due_soon),
            owned_by(Task.owner_email, scope),
        )
    ).one()
    waiting = len(
        concession_service.list_concessions(session, status="pending", approver=user.email)
    )
    kpis = {
        "renewals_in_window": sum(s.in_window for s in stages),
        "arr_in_window": sum(s.arr_in_window for s in stages),
        "at_risk_in_window": sum(int(n) for _, n, _ in at_risk_window),
        "at_risk_arr_in_window": _money(rates.total(((c, a) for c, _, a in at_risk_window), as_of)),
        "tasks_overdue": int(overdue or 0),
        "tasks_due_soon": int(due or 0),
        "concessions_waiting": waiting,
    }
    labels = [s.stage for s in stages]
    spec = chart(
        "bar",
        labels,
        [
            {
                "label": f"ARR renewing in {window} days",
                "data": [s.arr_in_window for s in stages],
                "yAxisID": "y",
            },
            {"label": "ARR, all open renewals", "data": [s.arr for s in stages], "yAxisID": "y"},
            {
                "label": "Renewals (all open)",
                "data": [s.renewals for s in stages],
                "yAxisID": "y1",
                "type": "line",
            },
        ],
        x="Stage (TIME-4)",
        y="ARR",
    )
    spec["options"]["scales"]["y1"] = {
        "position": "right",
        "beginAtZero": True,
        "title": {"display": True, "text": "Renewals"},
        "grid": {"drawOnChartArea": False},
    }
    return Home(
        as_of=as_of,
        window_days=window,
        window_end=end,
        due_soon_days=due_soon,
        scope_label=_scope_label(user, scope),
        kpis=kpis,
        pipeline=stages,
        chart=spec,
        specs=home_specs(session, user, policy, as_of=as_of),
        currency=rates.reporting,
        reasons=[
            Text(
                "TECH-5: renewals dated up to {end} (run.renewal_window_days = {window}); "
                "overdue open ones included",
                end=end,
                window=window,
            ),
            Text(
                "TECH-5: ARR in {currency} (currency.reporting) at the rates of {as_of}",
                currency=rates.reporting,
                as_of=as_of,
            ),
            Text(
                "SEG-3: at risk = the renewal's opportunity type is at_risk (red health or "
                "SIG-0 combined risk)"
            ),
            Text(
                "TECH-5: tasks due = open tasks due by {due_by} "
                "(dashboard.due_soon_days = {due_soon}); overdue = due before {as_of}",
                due_by=as_of + timedelta(days=due_soon),
                due_soon=due_soon,
                as_of=as_of,
            ),
            Text("TIME-5: messages waiting for a person's approval on renewals you may approve"),
        ],
    )


# --- the manager's team view ----------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    """TECH-5: activity completion of one owner: tasks due in the window, done or not."""

    owner: str
    due: int
    done: int
    open: int
    snoozed: int

    @property
    def rate(self) -> float | None:
        return self.done / self.due if self.due else None


@dataclass(frozen=True)
class Stalled:
    """A stalled or delayed renewal and every reason it is one (with rule IDs)."""

    renewal_id: str
    account_id: str
    account_name: str
    owner: str | None
    stage: str
    stage_since: date
    days_in_stage: int
    renewal_date: date
    days_left: int
    arr: float
    overdue_tasks: int
    reasons: tuple[str, ...]


@dataclass
class Manager:
    as_of: date
    scope_label: str
    team: list[str]
    kpis: dict[str, Any]
    forecast: forecast_service.ForecastReport | None
    forecast_missing: str | None
    risk_chart: dict[str, Any]
    winloss: winloss_service.WinLossReport
    review_since: date
    completion_since: date
    specs: list[Spec]
    reasons: list[str] = field(default_factory=list)
    currency: str = "USD"  # TECH-5: the reporting currency of every total above


def _team(session: Session, scope: Scope) -> list[str]:
    if not scope.everything:
        return sorted(scope.owners)
    return sorted(
        e for e in session.scalars(select(Renewal.owner_email).where(_open()).distinct()) if e
    )


def risk_distribution(
    session: Session, scope: Scope, *, rates: RateTable, as_of: date
) -> list[dict[str, Any]]:
    """HEALTH-3, SIG-0: open renewals in scope by health category and risk: count and ARR
    (TECH-5: summed per currency, converted at `as_of`'s rates)."""
    found = session.execute(
        select(
            Renewal.health_category,
            Renewal.risk,
            Renewal.currency,
            func.count(),
            func.sum(Renewal.current_arr),
        )
        .where(_open(), owned_by(Renewal.owner_email, scope))
        .group_by(Renewal.health_category, Renewal.risk, Renewal.currency)
    ).all()
    counts: dict[tuple[str | None, str | None], int] = defaultdict(int)
    for h, r, _, n, _ in found:
        counts[(h, r)] += int(n)
    arr = rates.totals((((h, r), c, a) for h, r, c, _, a in found), as_of)
    rows = [(h, r, n, arr[(h, r)]) for (h, r), n in counts.items()]

    def rank(value: str | None, order: tuple[str | None, ...]) -> int:
        return order.index(value) if value in order else len(order)

    return sorted(
        (
            {
                "health": h or "unscored",
                "risk": r or "none",
                "renewals": int(n),
                "arr": _money(a),
            }
            for h, r, n, a in rows
        ),
        key=lambda d: (rank(d["health"], HEALTH_ORDER), rank(d["risk"], RISK_ORDER)),
    )


@dataclass(frozen=True)
class Noise:
    """Issue 16, SIG-0: one owner's alert budget: the signals first raised on their
    accounts in the week, on how many accounts, and how many of those accounts saw an
    action by a person since (a task done, not by automation)."""

    owner: str
    alerts: int
    accounts: int
    acted: int

    @property
    def acted_share(self) -> float | None:
        return self.acted / self.accounts if self.accounts else None


def alert_noise(session: Session, scope: Scope, policy: Policy, *, as_of: date) -> list[Noise]:
    """Per owner: the alerts of the last `dashboard.alert_noise_days` up to `as_of`, the
    accounts they were on, and on how many of those accounts a person then finished a
    task: on or after the day of the account's first alert in the window, up to the end of
    `as_of` (automation's records, earlier and later work do not count).

    An alert (SIG-0) is an account and signal kind raised in the window: first seen in it,
    about something dated in it (not history an import brought in), and of at least
    `dashboard.alert_min_severity` (one signal may be noise). The same kind on the same
    account is one alert however many records repeat it."""
    since = as_of - timedelta(days=policy.dashboard.alert_noise_days - 1)
    order = ("low", "medium", "high")
    severities = order[order.index(policy.dashboard.alert_min_severity) :]
    alerts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    first: dict[str, date] = {}
    for owner, account_id, n, earliest in session.execute(
        select(
            Account.owner_email,
            Signal.account_id,
            func.count(Signal.kind.distinct()),
            func.min(Signal.first_seen_on),
        )
        .join(Account, Account.account_id == Signal.account_id)
        .where(
            Signal.first_seen_on >= since,
            Signal.first_seen_on <= as_of,
            Signal.source_date >= since,
            Signal.severity.in_(severities),
            owned_by(Account.owner_email, scope),
        )
        .group_by(Account.owner_email, Signal.account_id)
    ):
        alerts[owner or "(unowned)"][account_id] = int(n)
        first[account_id] = earliest
    acted: set[str] = set()
    if first:
        # The last task a person finished on each account of the scope in the window (the
        # scope as a join, not the alerted accounts as thousands of bound parameters): the
        # account was acted on when that is on or after the day of its first alert.
        for account_id, last in session.execute(
            select(Task.account_id, func.max(Task.completed_at))
            .join(Account, Account.account_id == Task.account_id)
            .where(
                Task.status == "done",
                Task.completed_by.is_not(None),
                Task.completed_by != "system",
                Task.completed_at >= day_start(since),
                Task.completed_at < day_start(as_of + timedelta(days=1)),
                owned_by(Account.owner_email, scope),
            )
            .group_by(Task.account_id)
        ):
            first_alert = first.get(account_id)
            if (
                first_alert is not None
                and last is not None
                and as_utc(last) >= as_utc(day_start(first_alert))
            ):
                acted.add(account_id)
    return [
        Noise(owner, sum(by.values()), len(by), len(acted & set(by)))
        for owner, by in sorted(alerts.items())
    ]


def completion(session: Session, scope: Scope, *, since: date, as_of: date) -> list[Completion]:
    """TECH-5: per owner, tasks due in [since, as_of] (cancelled ones and the steps
    automation carried out, TIME-3, left out): done or not."""
    rows = session.execute(
        select(Task.owner_email, Task.status, func.count())
        .where(
            Task.due_date >= since,
            Task.due_date <= as_of,
            Task.status.not_in(("cancelled", "automated")),
            owned_by(Task.owner_email, scope),
        )
        .group_by(Task.owner_email, Task.status)
    ).all()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for owner, status, n in rows:
        counts[owner or "(unowned)"][status] += int(n)
    return [
        Completion(
            owner,
            sum(c.values()),
            c.get("done", 0),
            c.get("open", 0),
            c.get("snoozed", 0),
        )
        for owner, c in sorted(counts.items())
    ]


def stalled(session: Session, scope: Scope, policy: Policy, *, as_of: date) -> list[Stalled]:
    """LEARN-2, TIME-4, TIME-5: open renewals that stall or run late, each with its reasons.

    - a stay in the current stage longer than winloss.stall_factor x its planned length
      (counted from the stage's planned start: waiting in assessment a year ahead is not
      a stall), LEARN-2;
    - tasks past their due date, TIME-4;
    - at T-closing_days and not yet closing, TIME-5 ("escalate internally if the deal is
      not in a late stage");
    - the renewal date has passed and it is still open, TIME-4 ("still negotiating on day
      0 means the timeline failed").
    """
    stages = policy.stages
    plan = winloss_domain.planned(stages)
    factor = policy.winloss.stall_factor
    horizon = as_of + timedelta(days=stages.assessment_days)
    overdue_rows = session.execute(
        select(Task.renewal_id, func.count())
        .where(
            Task.is_overdue(as_of),
            Task.renewal_id.is_not(None),
            owned_by(Task.owner_email, scope),
        )
        .group_by(Task.renewal_id)
    ).all()
    overdue = {rid: int(n) for rid, n in overdue_rows}
    rows = session.execute(
        select(
            Renewal.renewal_id,
            Renewal.account_id,
            Account.name,
            Renewal.owner_email,
            Renewal.stage,
            Renewal.stage_since,
            Renewal.renewal_date,
            Renewal.current_arr,
        )
        .join(Account, Account.account_id == Renewal.account_id)
        .where(
            _open(),
            owned_by(Renewal.owner_email, scope),
            or_(Renewal.renewal_date <= horizon, Renewal.renewal_id.in_(list(overdue) or [""])),
        )
    ).all()
    late_stages = ("closing", "execution")
    found: list[Stalled] = []
    for rid, account_id, name, owner, stage, since, renewal_date, arr in rows:
        reasons: list[str] = []
        days_left = (renewal_date - as_of).days
        days_in = (as_of - since).days
        if stage in plan:
            starts_before, length = plan[stage]
            visit = winloss_domain.Visit(rid, stage, since, None, renewal_date)
            stay = winloss_domain.stay_days(visit, starts_before, as_of=as_of)
            if stay > factor * length:
                reasons.append(
                    Text(
                        "LEARN-2: {stay} days in {stage} against {length} planned "
                        "(over {factor:g} x = {limit:g})",
                        stay=stay,
                        stage=stage,
                        length=length,
                        factor=factor,
                        limit=factor * length,
                    )
                )
        if overdue.get(rid):
            reasons.append(Text("TIME-4: {n} task(s) past their due date", n=overdue[rid]))
        if days_left < 0:
            reasons.append(
                Text(
                    "TIME-4: the renewal date passed {days} day(s) ago and it is still "
                    "{stage}: the timeline failed",
                    days=-days_left,
                    stage=stage,
                )
            )
        elif days_left <= stages.closing_days and stage not in late_stages:
            reasons.append(
                Text(
                    "TIME-5: {days} days to renewal and still in {stage}: escalate "
                    "internally (late stage from T-{closing})",
                    days=days_left,
                    stage=stage,
                    closing=stages.closing_days,
                )
            )
        if reasons:
            found.append(
                Stalled(
                    rid,
                    account_id,
                    name,
                    owner,
                    stage,
                    since,
                    days_in,
                    renewal_date,
                    days_left,
                    _money(arr),
                    overdue.get(rid, 0),
                    tuple(reasons),
                )
            )
    return found


def _forecast(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    by: str,
    days: int | None,
    memo: Memo = compute_now,
) -> tuple[forecast_service.ForecastReport | None, str | None]:
    """The whole book's forecast by `by` (a book-wide figure, shared: kit/figures.py)."""

    def compute() -> tuple[forecast_service.ForecastReport | None, str | None]:
        try:
            return forecast_service.forecast(session, policy, as_of=as_of, by=by, days=days), None
        except forecast_service.NoForecast as exc:
            return None, f"{exc.message} Run `renewals run` to write the day's forecast."

    return memo(("forecast", as_of, by, days), compute)


def book_winloss(
    session: Session, policy: Policy, *, as_of: date, since: date, memo: Memo = compute_now
) -> winloss_service.WinLossReport:
    """LEARN-1: the whole book's win/loss since `since`, the same on every team's page."""
    return memo(
        ("winloss", as_of, since),
        lambda: winloss_service.report(session, policy, as_of=as_of, since=since),
    )


def stage_stalls(
    session: Session, policy: Policy, *, as_of: date, memo: Memo = compute_now
) -> list[winloss_domain.StageStall]:
    """LEARN-2: the book's stage stalls (a book-wide figure, shared)."""
    return memo(
        ("stage_stalls", as_of), lambda: winloss_service.stalls(session, policy, as_of=as_of)
    )


def book_figures(session: Session, policy: Policy, *, as_of: date, memo: Memo) -> list[str]:
    """Compute every book-wide figure of the manager and executive pages through `memo`
    (the daily run's `dashboard.figures` step stores them for every server process).
    Returns what it computed, for the run's summary."""
    board = policy.dashboard
    _forecast(
        session, policy, as_of=as_of, by="owner", days=policy.run.renewal_window_days, memo=memo
    )
    stage_stalls(session, policy, as_of=as_of, memo=memo)
    book_winloss(
        session, policy, as_of=as_of, since=as_of - timedelta(days=board.review_days), memo=memo
    )
    at_risk_by_segment(session, policy, as_of=as_of, memo=memo)
    retention(session, policy, as_of=as_of, memo=memo)
    return [
        Text("team forecast by owner"),
        Text("stage stalls"),
        Text("win/loss"),
        Text("at-risk ARR by segment"),
        Text("retention"),
    ]


def team_winloss(
    session: Session, scope: Scope, *, since: date, as_of: date, rates: RateTable
) -> list[dict[str, Any]]:
    """LEARN-1: closed renewals of the team's owners in the window, by owner; ARR summed
    per currency and renewal date, each converted at its date's rate (TECH-5)."""
    told = func.coalesce(WinLossRecord.told_on, WinLossRecord.closed_on, WinLossRecord.renewal_date)
    found = session.execute(
        select(
            WinLossRecord.owner_email,
            WinLossRecord.outcome,
            Contract.currency,
            WinLossRecord.renewal_date,
            func.count(),
            func.sum(WinLossRecord.arr),
        )
        .join(Contract, Contract.contract_id == WinLossRecord.contract_id)
        .where(told >= since, told <= as_of, owned_by(WinLossRecord.owner_email, scope))
        .group_by(
            WinLossRecord.owner_email,
            WinLossRecord.outcome,
            Contract.currency,
            WinLossRecord.renewal_date,
        )
    ).all()
    merged: dict[tuple[str | None, str], list[Any]] = {}
    for owner, outcome, currency, day, n, amount in found:
        entry = merged.setdefault((owner, outcome), [0, Decimal(0)])
        entry[0] += int(n)
        entry[1] += rates.convert(Decimal(amount or 0), currency, rates.day_for(day, as_of))
    rows = [(owner, outcome, n, arr) for (owner, outcome), (n, arr) in merged.items()]
    table: dict[str, dict[str, Any]] = {}
    for owner, outcome, n, arr in rows:
        row = table.setdefault(
            owner or "(unowned)",
            {
                "owner": owner or "(unowned)",
                "closed": 0,
                "won": 0,
                "lost": 0,
                "downgraded": 0,
                "arr": 0.0,
            },
        )
        row["closed"] += int(n)
        row["arr"] += _money(arr)
        if outcome in ("renewed", "expanded"):
            row["won"] += int(n)
        elif outcome == "churned":
            row["lost"] += int(n)
        elif outcome == "downgraded":
            row["downgraded"] += int(n)
    for row in table.values():
        row["win_rate"] = row["won"] / row["closed"] if row["closed"] else None
    return [table[k] for k in sorted(table)]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def manager_specs(
    session: Session, user: User, policy: Policy, *, as_of: date, memo: Memo = compute_now
) -> tuple[list[Spec], dict[str, Any]]:
    """The manager page's tables, and the facts they came from."""
    scope = scope_for(session, user, policy.web)
    window = policy.run.renewal_window_days
    report, missing = _forecast(session, policy, as_of=as_of, by="owner", days=window, memo=memo)
    team = _team(session, scope)
    groups = [
        g for g in (report.groups if report else []) if scope.everything or g.key in scope.owners
    ]
    since = as_of - timedelta(days=policy.dashboard.completion_window_days)
    done = completion(session, scope, since=since, as_of=as_of)
    stuck = stalled(session, scope, policy, as_of=as_of)
    noise = alert_noise(session, scope, policy, as_of=as_of)
    rates = fx_service.rate_table(session, policy)
    risks = risk_distribution(session, scope, rates=rates, as_of=as_of)
    review_since = as_of - timedelta(days=policy.dashboard.review_days)
    wl = team_winloss(session, scope, since=review_since, as_of=as_of, rates=rates)
    stalls_by_stage = stage_stalls(session, policy, as_of=as_of, memo=memo)
    specs: list[Spec] = [
        ListSpec(
            name="forecast",
            rows=groups,
            sortable={
                "owner": lambda g: g.key,
                "renewals": lambda g: g.renewals,
                "arr": lambda g: g.arr,
                "expected": lambda g: g.expected_arr,
                "at_risk": lambda g: g.at_risk_arr,
            },
            header=(
                "owner",
                "renewals",
                "arr",
                "expected_arr",
                "expected_arr_with_overrides",
                "at_risk_arr",
                "commit",
                "probable",
                "at_risk",
                "lost",
            ),
            row=lambda g: [
                g.key,
                g.renewals,
                float(g.arr),
                float(g.expected_arr),
                float(g.expected_arr_with_overrides),
                float(g.at_risk_arr),
                *(g.categories[c].renewals for c in forecast_domain.CATEGORIES),
            ],
            default_sort="arr",
            default_desc=True,
        ),
        ListSpec(
            name="risk",
            rows=risks,
            sortable={
                "health": lambda d: (
                    HEALTH_ORDER.index(d["health"]) if d["health"] in HEALTH_ORDER else 9
                ),
                "risk": lambda d: RISK_ORDER.index(d["risk"]) if d["risk"] in RISK_ORDER else 9,
                "renewals": lambda d: d["renewals"],
                "arr": lambda d: d["arr"],
            },
            header=("health_category", "risk", "renewals", "arr"),
            row=lambda d: [d["health"], d["risk"], d["renewals"], d["arr"]],
        ),
        ListSpec(
            name="completion",
            rows=done,
            sortable={
                "owner": lambda c: c.owner,
                "due": lambda c: c.due,
                "done": lambda c: c.done,
                "rate": lambda c: c.rate,
            },
            header=("owner", "tasks_due", "done", "open", "snoozed", "completion_rate"),
            row=lambda c: [c.owner, c.due, c.done, c.open, c.snoozed, _pct(c.rate)],
            default_sort="rate",
        ),
        ListSpec(
            name="noise",
            rows=noise,
            sortable={
                "owner": lambda n: n.owner,
                "alerts": lambda n: n.alerts,
                "accounts": lambda n: n.accounts,
                "acted": lambda n: n.acted_share,
            },
            header=("owner", "alerts", "accounts", "accounts_acted_on", "acted_share"),
            row=lambda n: [n.owner, n.alerts, n.accounts, n.acted, _pct(n.acted_share)],
            default_sort="alerts",
        ),
        ListSpec(
            name="stalled",
            rows=stuck,
            sortable={
                "date": lambda s: s.renewal_date,
                "account": lambda s: s.account_name,
                "owner": lambda s: s.owner or "",
                "stage": lambda s: s.stage,
                "days": lambda s: s.days_in_stage,
                "overdue": lambda s: s.overdue_tasks,
                "arr": lambda s: s.arr,
            },
            header=(
                "renewal_id",
                "account_id",
                "account",
                "owner",
                "stage",
                "stage_since",
                "days_in_stage",
                "renewal_date",
                "days_left",
                "arr",
                "overdue_tasks",
                "reasons",
            ),
            row=lambda s: [
                s.renewal_id,
                s.account_id,
                s.account_name,
                s.owner,
                s.stage,
                s.stage_since.isoformat(),
                s.days_in_stage,
                s.renewal_date.isoformat(),
                s.days_left,
                s.arr,
                s.overdue_tasks,
                "; ".join(s.reasons),
            ],
            default_sort="date",
        ),
        ListSpec(
            name="stages",
            rows=stalls_by_stage,
            sortable={
                "stage": lambda s: STAGES.index(s.stage) if s.stage in STAGES else 9,
                "median": lambda s: s.median_days,
                "open_over": lambda s: s.open_over,
            },
            header=(
                "stage",
                "planned_days",
                "completed_stays",
                "median_days",
                "stalled",
                "open_over",
                "reason",
            ),
            row=lambda s: [
                s.stage,
                s.planned_days,
                s.renewals,
                s.median_days,
                s.stalled,
                s.open_over,
                s.reason,
            ],
            default_sort="stage",
        ),
        ListSpec(
            name="winloss",
            rows=wl,
            sortable={
                "owner": lambda d: d["owner"],
                "closed": lambda d: d["closed"],
                "won": lambda d: d["won"],
                "lost": lambda d: d["lost"],
                "rate": lambda d: d["win_rate"],
            },
            header=("owner", "closed", "won", "lost", "downgraded", "win_rate", "arr"),
            row=lambda d: [
                d["owner"],
                d["closed"],
                d["won"],
                d["lost"],
                d["downgraded"],
                _pct(d["win_rate"]),
                d["arr"],
            ],
            default_sort="owner",
        ),
    ]
    facts = {
        "scope": scope,
        "team": team,
        "forecast": report,
        "forecast_missing": missing,
        "groups": groups,
        "completion": done,
        "completion_since": since,
        "stalled": stuck,
        "noise": noise,
        "risks": risks,
        "review_since": review_since,
        "currency": rates.reporting,
    }
    return specs, facts


def manager(
    session: Session,
    user: User,
    policy: Policy,
    *,
    as_of: date,
    memo: Memo = compute_now,
) -> Manager:
    """TECH-5 manager view: team forecast, risk distribution, activity completion rate,
    stalled or delayed renewals, win/loss summary.

    The forecast by owner, the stage stalls and the win/loss summary are the whole book's,
    the same for every team: `memo` lets the caller share them (kit/figures.py)."""
    require_role(user, MANAGER_ROLES, "manager")
    specs, facts = manager_specs(session, user, policy, as_of=as_of, memo=memo)
    scope: Scope = facts["scope"]
    groups = facts["groups"]
    done: list[Completion] = facts["completion"]
    due = sum(c.due for c in done)
    finished = sum(c.done for c in done)
    risks = facts["risks"]
    by_health: dict[str, dict[str, float]] = {}
    for d in risks:
        entry = by_health.setdefault(d["health"], {"renewals": 0, "arr": 0.0})
        entry["renewals"] += d["renewals"]
        entry["arr"] += d["arr"]
    health_labels = list(by_health)
    risk_chart = chart(
        "bar",
        health_labels,
        [
            {"label": "ARR", "data": [by_health[h]["arr"] for h in health_labels], "yAxisID": "y"},
            {
                "label": "Renewals",
                "data": [by_health[h]["renewals"] for h in health_labels],
                "yAxisID": "y1",
                "type": "line",
            },
        ],
        x="Health category (HEALTH-3)",
        y="ARR",
    )
    risk_chart["options"]["scales"]["y1"] = {
        "position": "right",
        "beginAtZero": True,
        "title": {"display": True, "text": "Renewals"},
        "grid": {"drawOnChartArea": False},
    }
    kpis = {
        "renewals": sum(g.renewals for g in groups),
        "arr": float(sum((g.arr for g in groups), Decimal(0))),
        "expected_arr": float(sum((g.expected_arr for g in groups), Decimal(0))),
        "at_risk_arr": float(sum((g.at_risk_arr for g in groups), Decimal(0))),
        "completion_rate": finished / due if due else None,
        "tasks_due": due,
        "tasks_done": finished,
        "stalled": len(facts["stalled"]),
    }
    window = policy.run.renewal_window_days
    return Manager(
        as_of=as_of,
        scope_label=_scope_label(user, scope),
        team=facts["team"],
        kpis=kpis,
        forecast=facts["forecast"],
        forecast_missing=facts["forecast_missing"],
        risk_chart=risk_chart,
        winloss=book_winloss(session, policy, as_of=as_of, since=facts["review_since"], memo=memo),
        review_since=facts["review_since"],
        completion_since=facts["completion_since"],
        specs=specs,
        currency=facts["currency"],
        reasons=[
            Text(
                "TECH-5: team forecast of renewals dated up to {end} "
                "(run.renewal_window_days = {window}), by owner, from the latest forecast",
                end=as_of + timedelta(days=window),
                window=window,
            ),
            Text(
                "TECH-5: completion rate = tasks done / tasks due from {since} "
                "to {as_of} (dashboard.completion_window_days), cancelled ones and the steps "
                "automation carried out (TIME-3) left out",
                since=facts["completion_since"],
                as_of=as_of,
            ),
            Text(
                "LEARN-2: stalled = longer than winloss.stall_factor ({factor:g}) "
                "x the stage's planned length (TIME-4 stages policy)",
                factor=policy.winloss.stall_factor,
            ),
            Text(
                "LEARN-1: win/loss since {since} (dashboard.review_days)",
                since=facts["review_since"],
            ),
            Text(
                "TECH-5: ARR in {currency} (currency.reporting): open renewals at the "
                "rates of {as_of}, closed ones at their renewal date's",
                currency=facts["currency"],
                as_of=as_of,
            ),
        ],
    )


# --- the executive view ---------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    period: str
    retention: forecast_domain.Retention


@dataclass
class Executive:
    as_of: date
    trend_by: str
    retention: forecast_service.RetentionReport
    trend: list[TrendPoint]
    trend_chart: dict[str, Any]
    segments: list[dict[str, Any]]
    segment_chart: dict[str, Any]
    forecast_missing: str | None
    review_since: date
    kpis: dict[str, Any]
    specs: list[Spec]
    reasons: list[str] = field(default_factory=list)
    accuracy: dict[str, Any] | None = None  # LEARN-2: health and likelihood on closed renewals
    currency: str = "USD"  # TECH-5: the reporting currency of every total above


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _previous_month(day: date) -> date:
    return _month_start(_month_start(day) - timedelta(days=1))


def monthly_trend(
    session: Session, *, as_of: date, months: int, rates: RateTable
) -> list[TrendPoint]:
    """FUND-2, TECH-5: GRR, NRR and renewal rates of the contracts that came up for
    renewal in each of the last `months` complete calendar months; an outcome counts once
    recorded by `as_of` (as in forecast.service.retention, by quarter, whose reading of
    the contracts and their currencies this shares)."""
    starts = []
    month = _previous_month(as_of)
    for _ in range(months):
        starts.append(month)
        month = _previous_month(month)
    starts.reverse()
    first = starts[0]
    last = _month_start(as_of) - timedelta(days=1)
    cohorts: dict[str, list[forecast_domain.ClosedContract]] = defaultdict(list)
    for _, end_date, contract in forecast_service.contracts_due(
        session, start=first, end=last, as_of=as_of, rates=rates
    ):
        cohorts[forecast_domain.month_key(end_date)].append(contract)
    return [
        TrendPoint(key, forecast_domain.retention(cohorts[key]))
        for key in (forecast_domain.month_key(s) for s in starts)
    ]


def at_risk_by_segment(
    session: Session, policy: Policy, *, as_of: date, memo: Memo = compute_now
) -> tuple[list[dict[str, Any]], str | None]:
    """TECH-5: per segment, open renewals, ARR, the forecast's expected and at-risk ARR
    (categories at_risk + lost) and the ARR of SEG-3 at-risk renewals, all in the
    reporting currency (the SEG-3 sums per currency, converted at `as_of`'s rates)."""
    report, missing = _forecast(session, policy, as_of=as_of, by="segment", days=None, memo=memo)
    rates = fx_service.rate_table(session, policy)
    found = session.execute(
        select(Renewal.segment, Renewal.currency, func.count(), func.sum(Renewal.current_arr))
        .where(_open(), Renewal.opportunity_type == AT_RISK)
        .group_by(Renewal.segment, Renewal.currency)
    ).all()
    seg3_arr = rates.totals(((seg, c, a) for seg, c, _, a in found), as_of)
    seg3: dict[str, tuple[int, float]] = {}
    for segment, _, n, _ in found:
        seg3[segment] = (seg3.get(segment, (0, 0.0))[0] + int(n), _money(seg3_arr[segment]))
    rows: dict[str, dict[str, Any]] = {}
    for g in report.groups if report else []:
        rows[g.key] = {
            "segment": g.key,
            "renewals": g.renewals,
            "arr": float(g.arr),
            "expected_arr": float(g.expected_arr),
            "forecast_at_risk_arr": float(g.at_risk_arr),
            "at_risk_renewals": 0,
            "at_risk_arr": 0.0,
        }
    for segment, (n, arr) in seg3.items():
        row = rows.setdefault(
            segment,
            {
                "segment": segment,
                "renewals": None,
                "arr": None,
                "expected_arr": None,
                "forecast_at_risk_arr": None,
            },
        )
        row["at_risk_renewals"], row["at_risk_arr"] = n, arr
    order = forecast_service.SEGMENT_ORDER
    return sorted(rows.values(), key=lambda r: (order.get(r["segment"], 9), r["segment"])), missing


def key_deals_spec(name: str, *, won: bool, since: date, as_of: date, limit: int) -> TableSpec:
    """TECH-5: the largest closed wins (by renewed ARR) or losses (by ARR lost) in the
    window, with the reasons recorded for them (LEARN-1)."""
    told = func.coalesce(WinLossRecord.told_on, WinLossRecord.closed_on, WinLossRecord.renewal_date)
    outcome_arr = func.coalesce(WinLossRecord.outcome_arr, WinLossRecord.arr)
    size = (
        outcome_arr
        if won
        else case(
            (WinLossRecord.outcome == "churned", WinLossRecord.arr),
            else_=WinLossRecord.arr - func.coalesce(WinLossRecord.outcome_arr, WinLossRecord.arr),
        )
    )
    lost = WinLossRecord.outcome.in_(("churned", "downgraded"))
    inner = (
        select(
            WinLossRecord.contract_id,
            WinLossRecord.account_id,
            Account.name.label("account_name"),
            WinLossRecord.outcome,
            WinLossRecord.segment,
            WinLossRecord.owner_email,
            WinLossRecord.arr,
            WinLossRecord.outcome_arr,
            size.label("size"),
            told.label("told_on"),
            WinLossRecord.reason_category,
            WinLossRecord.reason_confirmed,
            WinLossRecord.customer_words,
            WinLossRecord.competitor,
        )
        .join(Account, Account.account_id == WinLossRecord.account_id)
        .where(told >= since, told <= as_of, WinLossRecord.won.is_(True) if won else lost)
        .order_by(size.desc(), WinLossRecord.contract_id)
        .limit(limit)
        .subquery()
    )
    stmt = select(inner)

    def row(r: Any) -> list[Any]:
        return [
            r.contract_id,
            r.account_id,
            r.account_name,
            r.outcome,
            r.segment,
            r.owner_email,
            r.arr,
            r.outcome_arr,
            r.size,
            r.told_on,
            r.reason_category,
            r.reason_confirmed,
            r.customer_words,
            r.competitor,
        ]

    return TableSpec(
        name=name,
        stmt=stmt,
        sortable={
            "size": inner.c.size,
            "account": inner.c.account_name,
            "date": inner.c.told_on,
            "reason": inner.c.reason_category,
            "segment": inner.c.segment,
        },
        header=(
            "contract_id",
            "account_id",
            "account",
            "outcome",
            "segment",
            "owner",
            "arr",
            "outcome_arr",
            "won_arr" if won else "arr_lost",
            "told_on",
            "reason_category",
            "reason_confirmed",
            "customer_words",
            "competitor",
        ),
        row=row,
        default_sort="size",
        default_desc=True,
        tiebreak=(inner.c.contract_id,),
    )


def retention(
    session: Session, policy: Policy, *, as_of: date, memo: Memo = compute_now
) -> forecast_service.RetentionReport:
    """FUND-2, TECH-5: the book's retention by quarter (a book-wide figure, shared)."""
    quarters = policy.dashboard.trend_quarters
    return memo(
        ("retention", as_of, quarters),
        lambda: forecast_service.retention(session, policy, as_of=as_of, quarters=quarters),
    )


def executive_specs(
    session: Session, policy: Policy, *, as_of: date, trend_by: str, memo: Memo = compute_now
) -> tuple[list[Spec], dict[str, Any]]:
    if trend_by not in ("quarter", "month"):
        raise RenewalsError(
            Text("trend must be quarter or month, got {value}", value=repr(trend_by))
        )
    board = policy.dashboard
    report = retention(session, policy, as_of=as_of, memo=memo)
    if trend_by == "quarter":
        trend = [TrendPoint(q.quarter.key, q.retention) for q in report.history]
    else:
        trend = monthly_trend(
            session,
            as_of=as_of,
            months=board.trend_months,
            rates=fx_service.rate_table(session, policy),
        )
    segments, missing = at_risk_by_segment(session, policy, as_of=as_of, memo=memo)
    since = as_of - timedelta(days=board.review_days)

    def rate_row(p: TrendPoint) -> list[Any]:
        r = p.retention
        return [
            p.period,
            r.contracts,
            r.retained,
            r.churned,
            float(r.starting_arr),
            _pct(r.renewal_rate_count),
            _pct(r.renewal_rate_arr),
            _pct(r.grr),
            _pct(r.nrr),
            r.undecided,
        ]

    specs: list[Spec] = [
        ListSpec(
            name="trend",
            rows=trend,
            sortable={
                "period": lambda p: p.period,
                "rate": lambda p: p.retention.renewal_rate_arr,
                "nrr": lambda p: p.retention.nrr,
                "grr": lambda p: p.retention.grr,
            },
            header=(
                "period",
                "closed",
                "retained",
                "churned",
                "starting_arr",
                "renewal_rate_count",
                "renewal_rate_arr",
                "grr",
                "nrr",
                "undecided",
            ),
            row=rate_row,
            default_sort="period",
        ),
        ListSpec(
            name="segments",
            rows=segments,
            sortable={
                "segment": lambda r: forecast_service.SEGMENT_ORDER.get(r["segment"], 9),
                "arr": lambda r: r["arr"],
                "at_risk": lambda r: r["at_risk_arr"],
                "forecast_at_risk": lambda r: r["forecast_at_risk_arr"],
            },
            header=(
                "segment",
                "renewals",
                "arr",
                "expected_arr",
                "forecast_at_risk_arr",
                "at_risk_renewals",
                "at_risk_arr",
            ),
            row=lambda r: [
                r["segment"],
                r["renewals"],
                r["arr"],
                r["expected_arr"],
                r["forecast_at_risk_arr"],
                r["at_risk_renewals"],
                r["at_risk_arr"],
            ],
            default_sort="segment",
        ),
        key_deals_spec("wins", won=True, since=since, as_of=as_of, limit=board.key_deals),
        key_deals_spec("losses", won=False, since=since, as_of=as_of, limit=board.key_deals),
    ]
    return specs, {
        "report": report,
        "trend": trend,
        "segments": segments,
        "missing": missing,
        "since": since,
        "currency": report.currency,
    }


def executive(
    session: Session,
    user: User,
    policy: Policy,
    *,
    as_of: date,
    trend_by: str = "quarter",
    memo: Memo = compute_now,
) -> Executive:
    """TECH-5 executive view: renewal rate trend, GRR/NRR forecast, at-risk ARR by
    segment, key wins and losses, performance against forecast.target_nrr_rate."""
    require_role(user, EXECUTIVE_ROLES, "executive")
    specs, facts = executive_specs(session, policy, as_of=as_of, trend_by=trend_by, memo=memo)
    report: forecast_service.RetentionReport = facts["report"]
    trend: list[TrendPoint] = facts["trend"]
    segments = facts["segments"]
    target = report.target
    labels = [p.period for p in trend]

    def series(values: list[float | None]) -> list[float | None]:
        return [None if v is None else round(v * 100, 1) for v in values]

    trend_chart = chart(
        "line",
        labels,
        [
            {
                "label": "Renewal rate by ARR %",
                "data": series([p.retention.renewal_rate_arr for p in trend]),
            },
            {
                "label": "Renewal rate by count %",
                "data": series([p.retention.renewal_rate_count for p in trend]),
            },
            {"label": "GRR %", "data": series([p.retention.grr for p in trend])},
            {"label": "NRR %", "data": series([p.retention.nrr for p in trend])},
            {
                "label": "NRR target %",
                "data": [round(target * 100, 1)] * len(trend),
                "borderDash": [6, 4],
                "pointRadius": 0,
            },
        ],
        x=f"{trend_by.capitalize()} of the renewal date",
        y="Percent",
    )
    trend_chart["options"]["scales"]["y"]["beginAtZero"] = False
    seg_labels = [r["segment"] for r in segments]
    segment_chart = chart(
        "bar",
        seg_labels,
        [
            {
                "label": "At-risk ARR (SEG-3 at-risk renewals)",
                "data": [r["at_risk_arr"] for r in segments],
            },
            {
                "label": "At-risk ARR (forecast: at risk + lost)",
                "data": [r["forecast_at_risk_arr"] for r in segments],
            },
            {"label": "Open ARR", "data": [r["arr"] for r in segments]},
        ],
        x="Segment (SEG-1)",
        y="ARR",
    )
    current = report.forward[0] if report.forward else None
    kpis = {
        "target": target,
        "trailing": report.trailing,
        "trailing_against": report.trailing_against,
        "break_even": report.break_even,
        "current": current,
        "at_risk_arr": sum(r["at_risk_arr"] or 0 for r in segments),
        "forecast_at_risk_arr": sum(r["forecast_at_risk_arr"] or 0 for r in segments),
    }
    return Executive(
        as_of=as_of,
        trend_by=trend_by,
        retention=report,
        trend=trend,
        trend_chart=trend_chart,
        segments=segments,
        segment_chart=segment_chart,
        forecast_missing=facts["missing"],
        review_since=facts["since"],
        kpis=kpis,
        specs=specs,
        accuracy=forecast_service.accuracy(session),
        currency=facts["currency"],
        reasons=[
            *report.reasons,
            Text(
                "TECH-5: key wins and losses told since {since} (dashboard.review_days), "
                "the largest {n} of each (dashboard.key_deals)",
                since=facts["since"],
                n=policy.dashboard.key_deals,
            ),
            Text(
                "SEG-3: at-risk ARR = open renewals whose opportunity type is at_risk; the "
                "forecast's at-risk ARR = categories at_risk and lost (TECH-5)"
            ),
        ],
    )
