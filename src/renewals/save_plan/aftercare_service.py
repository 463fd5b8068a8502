"""After the decision: close triages and plans of closed renewals, spot lost causes,
schedule win-back touches and post-save health checks, flag overdue promises
(LOST-1..4, POST-1..3); people tick the graceful exit and fill the debrief; MET-1
measures the save desk. Services flush, never commit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from renewals.account.models import Account, Stakeholder
from renewals.audit import service as audit
from renewals.concession.models import Concession
from renewals.contract.models import Contract
from renewals.db import insert_rows, rows_changed
from renewals.errors import NotFound, RenewalsError
from renewals.fx import service as fx_service
from renewals.kit.calendar import add_months
from renewals.kit.i18n import Text
from renewals.policy.domain import Policy
from renewals.renewal.models import Renewal
from renewals.save_plan import aftercare as rules
from renewals.save_plan import metrics
from renewals.save_plan.models import PostSave, SaveExit, SavePlan, SaveProblem, SaveTriage
from renewals.signal.models import Signal
from renewals.task.models import Task
from renewals.user import access
from renewals.user.models import User

CLOSED = ("closed_won", "closed_lost")
# POST-1 health-check tasks appear this many days before they are due.


@dataclass
class AftercareReport:
    saved: int = 0
    lost: int = 0
    resolved: int = 0
    plans_closed: int = 0
    post_saves: int = 0
    exits: int = 0
    lost_causes: int = 0
    winback_tasks: int = 0
    health_checks: int = 0
    monitoring_ended: int = 0
    promise_alerts: int = 0


def run_aftercare(session: Session, policy: Policy, *, as_of: date) -> AftercareReport:
    """The daily aftercare: (a) close what the renewal decided, (b) LOST-1 lost causes,
    (c) LOST-4 win-back touches, (d) POST-1 health checks, (e) POST-2 overdue promises.
    Idempotent for a day: a re-run adds nothing."""
    report = AftercareReport()
    close_decided(session, policy, as_of=as_of, report=report)
    detect_lost_causes(session, policy, as_of=as_of, report=report)
    report.winback_tasks = schedule_winbacks(session, policy, as_of=as_of)
    report.health_checks, report.monitoring_ended = schedule_health_checks(
        session, as_of=as_of, lookahead_days=policy.post_save.lookahead_days
    )
    report.promise_alerts = alert_overdue_promises(session, as_of=as_of)
    session.flush()
    return report


# --- (a) the renewal decided --------------------------------------------------------------


def close_decided(
    session: Session, policy: Policy, *, as_of: date, report: AftercareReport
) -> None:
    """Open triages and active plans of closed renewals: won with a plan is saved (POST-1
    monitoring starts), won without one resolved, lost is lost (LOST-2/3 exit record)."""
    triages = {
        t.renewal_id: t
        for t in session.scalars(
            select(SaveTriage)
            .join(Renewal, Renewal.renewal_id == SaveTriage.renewal_id)
            .where(SaveTriage.status == "open", Renewal.stage.in_(CLOSED))
        )
    }
    plans = {
        p.renewal_id: p
        for p in session.scalars(
            select(SavePlan)
            .join(Renewal, Renewal.renewal_id == SavePlan.renewal_id)
            .where(SavePlan.status == "active", Renewal.stage.in_(CLOSED))
        )
    }
    for renewal_id in sorted(set(triages) | set(plans)):
        renewal = session.get(Renewal, renewal_id)
        assert renewal is not None
        plan = plans.get(renewal_id) or session.scalar(
            select(SavePlan).where(SavePlan.renewal_id == renewal_id)
        )
        _close_one(session, policy, renewal, triages.get(renewal_id), plan, as_of, report)


def _close_one(
    session: Session,
    policy: Policy,
    renewal: Renewal,
    triage: SaveTriage | None,
    plan: SavePlan | None,
    as_of: date,
    report: AftercareReport,
) -> None:
    won = renewal.stage == "closed_won"
    closed_on = renewal.closed_on or as_of
    saved = won and plan is not None and (plan.status == "active" or plan.outcome == "saved")
    if plan is not None and plan.status == "active":
        # Claim it: another runner that got there first leaves rowcount 0.
        claimed = session.execute(
            update(SavePlan)
            .where(SavePlan.plan_id == plan.plan_id, SavePlan.status == "active")
            .values(status="closed", outcome="saved" if won else "lost", closed_on=closed_on)
            .execution_options(synchronize_session="fetch")
        )
        report.plans_closed += rows_changed(claimed)
    if triage is not None:
        status = ("saved" if saved else "resolved") if won else "lost"
        claimed = session.execute(
            update(SaveTriage)
            .where(SaveTriage.renewal_id == renewal.renewal_id, SaveTriage.status == "open")
            .values(status=status, closed_on=closed_on, updated_on=as_of)
            .execution_options(synchronize_session="fetch")
        )
        if rows_changed(claimed):
            setattr(report, status, getattr(report, status) + 1)
    if saved and session.get(PostSave, renewal.renewal_id) is None:
        session.add(_post_save(session, policy, renewal, triage, plan, closed_on))
        report.post_saves += 1
    if not won and plan is not None:
        _cancel_promise_alerts(session, plan, on=as_of)
    exit_row = session.get(SaveExit, renewal.renewal_id)
    if not won or exit_row is not None:
        report.exits += _record_exit(session, renewal, exit_row, as_of=as_of)


def _cancel_promise_alerts(session: Session, plan: SavePlan, *, on: date) -> None:
    """A lost renewal's promises no longer need chasing (POST-2 follows saves only)."""
    keys = [
        f"promise:{pid}:overdue"
        for pid in session.scalars(
            select(SaveProblem.problem_id).where(SaveProblem.plan_id == plan.plan_id)
        )
    ]
    if keys:
        session.execute(
            update(Task)
            .where(
                Task.account_id == plan.account_id,
                Task.key.in_(keys),
                Task.status.in_(("open", "snoozed")),
            )
            .values(status="cancelled", status_reason=f"renewal closed lost on {on}")
            .execution_options(synchronize_session="fetch")
        )


def _post_save(
    session: Session,
    policy: Policy,
    renewal: Renewal,
    triage: SaveTriage | None,
    plan: SavePlan | None,
    saved_on: date,
) -> PostSave:
    """POST-1 monitoring with POST-3's lessons prefilled from the save's records."""
    window = rules.monitoring_window(
        saved_on,
        fragile_months=int(policy.post_save.fragile_months.max),
        cadence_days=policy.post_save.health_check_days,
    )
    concessions = [
        {"kinds": list(c.kinds or []), "discount_pct": c.discount_pct, "status": c.status}
        for c in session.scalars(
            select(Concession).where(
                Concession.renewal_id == renewal.renewal_id, Concession.status == "approved"
            )
        )
    ]
    lessons = {
        "risk": {
            "root_cause": triage.root_cause if triage else None,
            "probability_band": triage.probability_band if triage else None,
            "signals": list(renewal.signals or []),
        },
        "tactics": [_tactic(t) for t in (plan.tactics or [])] if plan else [],
        "concessions": concessions,
        "time_to_resolution_days": (saved_on - plan.started_on).days if plan else None,
        "tactics_worked": None,
        "do_differently": None,
        "systemic_fix": None,
        # POST-4: the questions that fix the class of problem, not only this account.
        "prevent_repeat": list(PREVENT_REPEAT),
    }
    return PostSave(
        renewal_id=renewal.renewal_id,
        account_id=renewal.account_id,
        saved_on=saved_on,
        monitor_until=window.monitor_until,
        health_check_days=window.cadence_days,
        lessons=lessons,
        status="monitoring",
    )


def _tactic(tactic: Any) -> dict[str, Any]:
    if isinstance(tactic, dict):
        return {k: tactic.get(k) for k in ("key", "rule", "done")}
    return {"key": str(tactic), "rule": None, "done": None}


def _signals_seen(session: Session, account_id: str) -> list[rules.SignalSeen]:
    return [
        rules.SignalSeen(s.kind, s.rule, s.severity, s.first_seen_on, s.evidence)
        for s in session.scalars(select(Signal).where(Signal.account_id == account_id))
    ]


def _record_exit(session: Session, renewal: Renewal, row: SaveExit | None, *, as_of: date) -> int:
    """LOST-2/3: the exit record of a closed renewal, its debrief prefilled with what the
    data knows (what they said, the competitor, the signals first seen before it)."""
    contract = session.get(Contract, renewal.contract_id)
    told_on = renewal.closed_on or as_of
    since = contract.start_date if contract else None
    template = rules.debrief_template(
        told_on=told_on,
        stated_reason=contract.close_reason if contract else None,
        competitor=contract.competitor if contract else None,
        signals=rules.missed_signals(
            _signals_seen(session, renewal.account_id), decided_on=told_on, since=since
        ),
        outcome=renewal.outcome,
    )
    if row is None:
        reason = f"renewal closed lost on {told_on} ({renewal.outcome or 'churned'})"
        if contract and contract.competitor:
            reason += f" to {contract.competitor}"
        session.add(
            SaveExit(
                renewal_id=renewal.renewal_id,
                account_id=renewal.account_id,
                detected_on=as_of,
                reasons=[reason],
                checklist=rules.exit_checklist(),
                debrief=template,
                status="open",
            )
        )
        return 1
    debrief = row.debrief or {}
    if debrief.get("outcome") != renewal.outcome or not debrief.get("told_on"):
        merged = rules.prefill(debrief, template)
        merged["outcome"] = renewal.outcome
        row.debrief = merged
    return 0


# --- (b) LOST-1 -----------------------------------------------------------------------------


def _engaged_counts(session: Session, policy: Policy, as_of: date) -> dict[str, int]:
    since = as_of - timedelta(days=policy.signals.engaged_within_days)
    query = (
        select(Stakeholder.account_id, func.count())
        .where(
            Stakeholder.last_engaged_at >= since,
            Stakeholder.last_engaged_at <= as_of,
            Stakeholder.left_at.is_(None) | (Stakeholder.left_at > as_of),
        )
        .group_by(Stakeholder.account_id)
    )
    return {account_id: int(n) for account_id, n in session.execute(query)}


def _save_hours(policy: Policy, effort: str) -> float:
    """SAVE-7 hours of an effort; `none` counts as the cheapest attempt (light)."""
    hours = policy.save.effort_hours
    return float(getattr(hours, effort, hours.light))


def detect_lost_causes(
    session: Session, policy: Policy, *, as_of: date, report: AftercareReport
) -> None:
    """LOST-1 for every open triage of an open renewal: a lost cause gets an open exit
    record with its reasons (a person decides whether to let go)."""
    # Columns, not ORM objects (issue 20): the renewal's and triage's JSON is decoded only
    # where the rule reads it (signals, inputs).
    rows = session.execute(
        select(
            Renewal.renewal_id,
            Renewal.account_id,
            Renewal.current_arr,
            Renewal.signals,
            SaveTriage.probability_band,
            SaveTriage.root_cause,
            SaveTriage.root_cause_confirmed,
            SaveTriage.effort,
            SaveTriage.inputs,
            Account.strategic,
            Contract.outcome,
            Contract.competitor,
        )
        .join(Renewal, Renewal.renewal_id == SaveTriage.renewal_id)
        .join(Account, Account.account_id == Renewal.account_id)
        .join(Contract, Contract.contract_id == Renewal.contract_id)
        .where(SaveTriage.status == "open", Renewal.stage.not_in(CLOSED))
        .order_by(SaveTriage.renewal_id)
    ).all()
    if not rows:
        return
    engaged = _engaged_counts(session, policy, as_of)
    plan_efforts = {r: e for r, e in session.execute(select(SavePlan.renewal_id, SavePlan.effort))}
    exits = {e.renewal_id: e for e in session.scalars(select(SaveExit))}
    for renewal in rows:
        facts = rules.LostCauseFacts(
            renewal_id=renewal.renewal_id,
            arr=Decimal(renewal.current_arr),
            strategic=bool(renewal.strategic),
            probability_band=renewal.probability_band,
            root_cause=renewal.root_cause,
            root_cause_confirmed=renewal.root_cause_confirmed,
            signals=tuple(renewal.signals or ()),
            engaged_stakeholders=engaged.get(renewal.account_id, 0),
            save_hours=_save_hours(policy, plan_efforts.get(renewal.renewal_id, renewal.effort)),
            hourly_rate=policy.roi.loaded_hourly_rate,
            inputs=dict(renewal.inputs or {}),
            contract_outcome=renewal.outcome,
            competitor=renewal.competitor,
        )
        decision = rules.lost_cause(facts)
        if not decision.lost:
            continue
        row = exits.get(renewal.renewal_id)
        if row is None:
            session.add(
                SaveExit(
                    renewal_id=renewal.renewal_id,
                    account_id=renewal.account_id,
                    detected_on=as_of,
                    reasons=list(decision.reasons),
                    checklist=rules.exit_checklist(),
                    debrief={},
                    status="open",
                )
            )
            report.lost_causes += 1
        else:
            new = [r for r in decision.reasons if r not in (row.reasons or [])]
            if new:
                row.reasons = [*(row.reasons or []), *new]


# --- (c) LOST-4 -----------------------------------------------------------------------------


def _existing_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(session.scalars(select(Task.key).where(Task.key.in_(chunk))))
    return found


def _insert_missing(session: Session, planned: list[dict[str, Any]]) -> int:
    """Insert the planned tasks whose key does not exist yet, in one statement."""
    existing = _existing_keys(session, [p["key"] for p in planned])
    rows = []
    for row in planned:
        if row["key"] in existing:
            continue
        existing.add(row["key"])
        rows.append(row)
    if rows:
        insert_rows(session, Task, rows)
    return len(rows)


def schedule_winbacks(session: Session, policy: Policy, *, as_of: date) -> int:
    """LOST-4: check-in, relevant updates and the formal win-back conversation for every
    churned renewal, each task created once (`winback:<renewal>:<months>`)."""
    rows = session.execute(
        select(Renewal, Contract.competitor, Contract.close_reason)
        .join(Contract, Contract.contract_id == Renewal.contract_id)
        .where(Renewal.stage == "closed_lost")
        .order_by(Renewal.renewal_id)
    ).all()
    planned = []
    for renewal, competitor, close_reason in rows:
        churned_on = rules.churn_date(renewal.renewal_date, renewal.closed_on)
        context = rules.churn_context(churned_on, competitor, close_reason)
        for touch in rules.winback_touches(churned_on, policy.winback.touch_months):
            planned.append(
                {
                    "account_id": renewal.account_id,
                    "key": touch.key(renewal.renewal_id),
                    "renewal_id": renewal.renewal_id,
                    "step": touch.step,
                    "title": touch.title,
                    "description": f"{touch.description}\n{context}",
                    "rule": "LOST-4",
                    "due_date": touch.due_date,
                    "owner_email": renewal.owner_email,
                    "status": "open",
                    "status_reason": (
                        f"late entry on {as_of}: overdue since {touch.due_date}"
                        if touch.due_date < as_of
                        else None
                    ),
                    "created_on": as_of,
                }
            )
    planned += _imported_churns(session, policy, as_of=as_of)
    return _insert_missing(session, planned)


def _imported_churns(session: Session, policy: Policy, *, as_of: date) -> list[dict[str, Any]]:
    """LOST-4 for churns the import brought in before renewals tracked them (no Renewal
    row): accounts with no open contract whose last contract churned. Only touches due
    from `as_of` on are planned; what fell due before we were there is not ours to flag."""
    horizon = max(policy.winback.touch_months)
    # NOT EXISTS rather than NOT IN (subquery): PostgreSQL turns it into an anti-join; a NOT
    # IN over 100,000s of IDs that outgrow work_mem is a subplan scanned per row (issue 20).
    other = aliased(Contract)
    open_account = (
        select(other.contract_id)
        .where(other.account_id == Contract.account_id, other.outcome.is_(None))
        .exists()
    )
    tracked = select(Renewal.renewal_id).where(Renewal.contract_id == Contract.contract_id).exists()
    rows = session.execute(
        select(
            Contract.contract_id,
            Contract.account_id,
            Contract.end_date,
            Contract.closed_at,
            Contract.competitor,
            Contract.close_reason,
            Account.owner_email,
        )
        .join(Account, Account.account_id == Contract.account_id)
        .where(
            Contract.outcome == "churned",
            ~tracked,
            ~open_account,
            Contract.end_date >= add_months(as_of, -horizon),
        )
        .order_by(Contract.contract_id)
    ).all()
    latest: dict[str, Any] = {}
    for row in rows:  # an account's last churned contract is its churn
        if row.account_id not in latest or row.end_date > latest[row.account_id].end_date:
            latest[row.account_id] = row
    planned = []
    for row in latest.values():
        churned_on = rules.churn_date(row.end_date, row.closed_at)
        context = rules.churn_context(churned_on, row.competitor, row.close_reason, imported=True)
        for touch in rules.winback_touches(churned_on, policy.winback.touch_months):
            if touch.due_date < as_of:
                continue
            planned.append(
                {
                    "account_id": row.account_id,
                    "key": touch.key(f"contract:{row.contract_id}"),
                    "renewal_id": None,
                    "step": touch.step,
                    "title": touch.title,
                    "description": f"{touch.description}\n{context}",
                    "rule": "LOST-4",
                    "due_date": touch.due_date,
                    "owner_email": row.owner_email,
                    "status": "open",
                    "status_reason": None,
                    "created_on": as_of,
                }
            )
    return planned


# --- (d) POST-1 -----------------------------------------------------------------------------

HEALTH_CHECK_TEXT = (
    "POST-1: saved accounts are fragile for months. Check the health score and its trend, "
    "usage, open tickets and the promises of the save (POST-2); add a touchpoint; escalate "
    "any new issue fast; keep the executive check-ins going.\n"
    "POST-4: trust is rebuilt by actions, not words: over-communicate at first; be "
    "transparent about progress and setbacks; admit when something does not work as "
    "planned; ask for feedback often; show consistent improvement."
)
# POST-4 "prevent a repeat" (At-Risk Renewal Management, "Wiederholung verhindern").
PREVENT_REPEAT = (
    "Is this happening to other customers?",
    "Which process change prevents it from now on?",
    "Which early-warning system do we need?",
    "Which product improvement would remove this class of problems?",
)


def schedule_health_checks(
    session: Session, *, as_of: date, lookahead_days: int
) -> tuple[int, int]:
    """POST-1: weekly health-check tasks of saved renewals under monitoring, due up to
    `as_of` + `lookahead_days` (policy post_save.lookahead_days) (`postsave:<renewal>:<date>`); monitoring ends after its window.
    Returns (tasks created, monitoring ended)."""
    ended = rows_changed(
        session.execute(
            update(PostSave)
            .where(PostSave.status == "monitoring", PostSave.monitor_until < as_of)
            .values(status="ended")
            .execution_options(synchronize_session="fetch")
        )
    )
    rows = session.execute(
        select(PostSave, Renewal.owner_email)
        .join(Renewal, Renewal.renewal_id == PostSave.renewal_id)
        .where(PostSave.status == "monitoring")
        .order_by(PostSave.renewal_id)
    ).all()
    if not rows:
        return 0, ended
    current = _current_owners(session, {p.account_id for p, _ in rows})
    planned = []
    for post, saved_owner in rows:
        window = rules.MonitoringWindow(post.saved_on, post.monitor_until, post.health_check_days)
        for day in rules.health_check_dates(window, as_of=as_of, lookahead_days=lookahead_days):
            planned.append(
                {
                    "account_id": post.account_id,
                    "key": f"postsave:{post.renewal_id}:{day.isoformat()}",
                    "renewal_id": post.renewal_id,
                    "step": "post_save_health_check",
                    "title": "Post-save health check",
                    "description": (
                        f"{HEALTH_CHECK_TEXT}\nSaved on {post.saved_on}; monitored until "
                        f"{post.monitor_until}."
                    ),
                    "rule": "POST-1",
                    "due_date": day,
                    "owner_email": current.get(post.account_id) or saved_owner,
                    "status": "open",
                    "status_reason": None,
                    "created_on": as_of,
                }
            )
    return _insert_missing(session, planned), ended


def _current_owners(session: Session, account_ids: set[str]) -> dict[str, str]:
    """The owner of each account's open renewal (the one to watch it now)."""
    owners: dict[str, str] = {}
    ids = sorted(account_ids)
    for start in range(0, len(ids), 500):
        for account_id, owner in session.execute(
            select(Renewal.account_id, Renewal.owner_email)
            .where(
                Renewal.account_id.in_(ids[start : start + 500]),
                Renewal.stage.not_in(CLOSED),
                Renewal.owner_email.is_not(None),
            )
            .order_by(Renewal.renewal_date.desc())
        ):
            if owner is not None:
                owners[account_id] = owner
    return owners


# --- (e) POST-2 -----------------------------------------------------------------------------


def alert_overdue_promises(session: Session, *, as_of: date) -> int:
    """POST-2: one task per overdue promise of an active or saved plan, for the owner's
    manager (or the owner), created once (`promise:<problem>:overdue`)."""
    rows = session.execute(
        select(SaveProblem, SavePlan.account_id, SavePlan.renewal_id, SavePlan.owner_email)
        .join(SavePlan, SavePlan.plan_id == SaveProblem.plan_id)
        .where(
            (SavePlan.status == "active") | (SavePlan.outcome == "saved"),
            SaveProblem.status.not_in(rules.CLOSED_PROMISES),
            SaveProblem.due_date < as_of,
        )
        .order_by(SaveProblem.problem_id)
    ).all()
    if not rows:
        return 0
    managers = {e: m for e, m in session.execute(select(User.email, User.manager_email))}
    planned = []
    for problem, account_id, renewal_id, plan_owner in rows:
        promise = _promise(problem)
        if not rules.is_overdue(promise, as_of=as_of):
            continue
        owner = problem.owner_email or plan_owner
        alert_to = (managers.get(owner) if owner else None) or owner
        planned.append(
            {
                "account_id": account_id,
                "key": f"promise:{problem.problem_id}:overdue",
                # No renewal_id: closing the renewal cancels its tasks, but a saved
                # renewal's promises are still chased (lost ones are cancelled above).
                "renewal_id": None,
                "step": "promise_overdue",
                "title": f"Overdue save promise: {problem.description[:200]}",
                "description": (
                    f"POST-2: a promise of the save for {renewal_id} is overdue: "
                    f"{rules.promise_progress(promise, as_of=as_of)}. Owner: "
                    f"{owner or 'nobody'}. Get it done, tell the customer and have them "
                    "verify the result."
                ),
                "rule": "POST-2",
                "due_date": as_of,
                "owner_email": alert_to,
                "status": "open",
                "status_reason": None,
                "created_on": as_of,
            }
        )
    return _insert_missing(session, planned)


def _promise(problem: SaveProblem) -> rules.Promise:
    return rules.Promise(
        problem.problem_id,
        problem.description,
        problem.owner_email,
        problem.due_date,
        problem.status,
        problem.completed_on,
        problem.communicated_on,
        problem.verified_on,
    )


# --- people: the exit, the debrief, the lessons ----------------------------------------


def get_exit(session: Session, renewal_id: str) -> SaveExit:
    row = session.get(SaveExit, renewal_id)
    if row is None:
        if session.get(Renewal, renewal_id) is None:
            raise NotFound(Text("no renewal {renewal}", renewal=repr(renewal_id)))
        command = "`renewals saves exit " + renewal_id + " --because CAUSE --by EMAIL`"
        raise NotFound(
            Text(
                "renewal {renewal} has no exit record: it is neither a lost cause (LOST-1) "
                "nor closed lost; declare one with {command}",
                renewal=renewal_id,
                command=command,
            )
        )
    return row


def declare_lost(
    session: Session,
    renewal_id: str,
    causes: list[str],
    *,
    note: str,
    by: str,
    on: date,
) -> SaveExit:
    """A person's LOST-1 call: open (or add to) the renewal's exit record (audited)."""
    access.require_active_user(session, by)
    renewal = session.get(Renewal, renewal_id)
    if renewal is None:
        raise NotFound(Text("no renewal {renewal}", renewal=repr(renewal_id)))
    known = [c.value for c in rules.LostCause]
    bad = [c for c in causes if c not in known]
    if bad or not causes:
        raise RenewalsError(Text("--because must be one of {choices}", choices=", ".join(known)))
    reasons = [rules.declared_reason(rules.LostCause(c), note, by) for c in causes]
    row = session.get(SaveExit, renewal_id)
    if row is None:
        row = SaveExit(
            renewal_id=renewal_id,
            account_id=renewal.account_id,
            detected_on=on,
            reasons=reasons,
            checklist=rules.exit_checklist(),
            debrief={},
            status="open",
        )
        session.add(row)
    else:
        row.reasons = [*(row.reasons or []), *[r for r in reasons if r not in row.reasons]]
    audit.record(
        session,
        actor=by,
        action="save.lost_cause",
        entity="save_exit",
        entity_id=renewal_id,
        detail={"causes": causes, "note": note},
    )
    session.flush()
    return row


def tick_exit(
    session: Session,
    renewal_id: str,
    *,
    done: list[str],
    undo: list[str],
    by: str,
    on: date,
    note: str = "",
) -> SaveExit:
    """LOST-2: tick (or untick) graceful-exit items; all done means exited."""
    access.require_active_user(session, by)
    row = get_exit(session, renewal_id)
    checklist = list(row.checklist or []) or rules.exit_checklist()
    try:
        for key in done:
            checklist = rules.tick(checklist, key, done=True, by=by, on=on, note=note)
        for key in undo:
            checklist = rules.tick(checklist, key, done=False, by=by, on=on, note=note)
    except ValueError as exc:
        raise RenewalsError(exc.args[0]) from None  # a Text: read in the reader's language
    row.checklist = checklist
    row.status = "exited" if rules.checklist_done(checklist) else "open"
    audit.record(
        session,
        actor=by,
        action="save.exit",
        entity="save_exit",
        entity_id=renewal_id,
        detail={"done": done, "undo": undo, "status": row.status},
    )
    session.flush()
    return row


def fill_debrief(
    session: Session,
    renewal_id: str,
    changes: dict[str, Any],
    *,
    by: str,
    on: date,
    complete: bool = False,
) -> SaveExit:
    """LOST-3: answer debrief questions; `complete` needs the essential answers."""
    access.require_active_user(session, by)
    row = get_exit(session, renewal_id)
    try:
        debrief = rules.update_debrief(row.debrief or {}, changes)
    except ValueError as exc:
        raise RenewalsError(exc.args[0]) from None  # a Text: read in the reader's language
    if complete:
        missing = rules.debrief_missing(debrief)
        if missing:
            raise RenewalsError(
                Text("the debrief still needs: {fields}", fields=", ".join(missing))
            )
        debrief["completed_on"], debrief["completed_by"] = on.isoformat(), by
    row.debrief = debrief
    audit.record(
        session,
        actor=by,
        action="save.debrief",
        entity="save_exit",
        entity_id=renewal_id,
        detail={"fields": sorted(k for k, v in changes.items() if v is not None)},
    )
    session.flush()
    return row


LESSON_FIELDS = ("tactics_worked", "do_differently", "systemic_fix")


def get_post_save(session: Session, renewal_id: str) -> PostSave:
    row = session.get(PostSave, renewal_id)
    if row is None:
        if session.get(Renewal, renewal_id) is None:
            raise NotFound(Text("no renewal {renewal}", renewal=repr(renewal_id)))
        raise NotFound(
            Text(
                "renewal {renewal} is not a saved renewal (won with a save plan, POST-1)",
                renewal=renewal_id,
            )
        )
    return row


def record_lessons(
    session: Session, renewal_id: str, changes: dict[str, str | None], *, by: str
) -> PostSave:
    """POST-3: what worked, what to do differently and the systemic fix of a save."""
    access.require_active_user(session, by)
    row = get_post_save(session, renewal_id)
    unknown = sorted(set(changes) - set(LESSON_FIELDS))
    if unknown:
        raise RenewalsError(Text("no lesson field {fields}", fields=", ".join(unknown)))
    row.lessons = {**(row.lessons or {}), **{k: v for k, v in changes.items() if v}}
    audit.record(
        session,
        actor=by,
        action="save.lessons",
        entity="post_save",
        entity_id=renewal_id,
        detail={"fields": sorted(k for k, v in changes.items() if v)},
    )
    session.flush()
    return row


def list_winbacks(
    session: Session,
    *,
    as_of: date,
    owner: str | None = None,
    due_within: int | None = None,
    include_done: bool = False,
) -> list[Task]:
    """LOST-4 tasks, soonest due first (open and snoozed unless `include_done`)."""
    query = select(Task).where(Task.rule == "LOST-4")
    if owner:
        query = query.where(Task.owner_email == owner)
    if due_within is not None:
        query = query.where(Task.due_date <= as_of + timedelta(days=due_within))
    if not include_done:
        query = query.where(Task.status.in_(("open", "snoozed")))
    return list(session.scalars(query.order_by(Task.due_date, Task.task_id)))


# --- MET-1 ----------------------------------------------------------------------------------


def _outcome(stage: str, closed_on: date | None, as_of: date) -> str | None:
    if stage not in CLOSED or (closed_on is not None and closed_on > as_of):
        return None
    return "won" if stage == "closed_won" else "lost"


def _next_renewals(session: Session, saved: list[Renewal], as_of: date) -> dict[str, str | None]:
    """Post-save retention: the outcome of each saved account's next renewal (None when
    it is not due or not closed yet)."""
    accounts = sorted({r.account_id for r in saved})
    later: dict[str, list[Renewal]] = defaultdict(list)
    for start in range(0, len(accounts), 500):
        for r in session.scalars(
            select(Renewal).where(Renewal.account_id.in_(accounts[start : start + 500]))
        ):
            later[r.account_id].append(r)
    found: dict[str, str | None] = {}
    for r in saved:
        after = sorted(
            (n for n in later[r.account_id] if n.renewal_date > r.renewal_date),
            key=lambda n: n.renewal_date,
        )
        found[r.renewal_id] = _outcome(after[0].stage, after[0].closed_on, as_of) if after else None
    return found


def save_metrics(
    session: Session,
    *,
    as_of: date,
    policy: Policy,
    since: date | None = None,
    by: str = "segment",
) -> metrics.SaveMetricsReport:
    """MET-1 over triaged at-risk renewals and save plans as they stood on `as_of`
    (those triaged or started from `since`), overall and by segment or owner."""
    triages = {
        t.renewal_id: t
        for t in session.scalars(select(SaveTriage).where(SaveTriage.created_on <= as_of))
    }
    plans = {
        p.renewal_id: p
        for p in session.scalars(select(SavePlan).where(SavePlan.started_on <= as_of))
    }
    ids = sorted(set(triages) | set(plans))
    renewals: dict[str, Renewal] = {}
    outcome_arr: dict[str, Decimal | None] = {}
    for start in range(0, len(ids), 500):
        for r, arr in session.execute(
            select(Renewal, Contract.outcome_arr)
            .join(Contract, Contract.contract_id == Renewal.contract_id)
            .where(Renewal.renewal_id.in_(ids[start : start + 500]))
        ):
            renewals[r.renewal_id] = r
            outcome_arr[r.renewal_id] = arr
    saved = [
        renewals[rid]
        for rid, p in plans.items()
        if p.outcome == "saved" and p.closed_on and p.closed_on <= as_of and rid in renewals
    ]
    next_outcomes = _next_renewals(session, saved, as_of)
    rates = fx_service.rate_table(session, policy)
    cases = []
    for rid in ids:
        renewal = renewals.get(rid)
        if renewal is None:
            continue
        # TECH-5: ARR in the reporting currency at the renewal date's rate (as_of's if ahead)
        rate = rates.rate(renewal.currency, rates.day_for(renewal.renewal_date, as_of))
        kept = outcome_arr.get(rid)
        triage, plan = triages.get(rid), plans.get(rid)
        started = [d for d in (triage and triage.created_on, plan and plan.started_on) if d]
        if since is not None and not any(d >= since for d in started):
            continue
        closed = plan is not None and plan.closed_on is not None and plan.closed_on <= as_of
        plan_outcome = plan.outcome if plan is not None and closed else None
        outcome = _outcome(renewal.stage, renewal.closed_on, as_of)
        if plan_outcome == "saved" and outcome == "lost":
            plan_outcome = "lost"  # called saved, but the customer left: not a save
        hours = 0.0
        if plan is not None:
            hours = plan.effort_hours or _planned_hours(policy, plan.effort)
        cases.append(
            metrics.SaveCase(
                renewal_id=rid,
                segment=renewal.segment,
                owner=(plan.owner_email if plan else None) or renewal.owner_email or "(unowned)",
                arr=Decimal(renewal.current_arr) * rate,
                triaged=triage is not None,
                renewal_outcome=outcome,
                plan_started_on=plan.started_on if plan else None,
                plan_closed_on=plan.closed_on if closed and plan else None,
                plan_outcome=plan_outcome,
                effort_hours=hours,
                saved_arr=(
                    Decimal(kept) * rate if kept is not None and plan_outcome == "saved" else None
                ),
                next_renewal=next_outcomes.get(rid) if plan_outcome == "saved" else None,
            )
        )
    thresholds = metrics.Thresholds(
        solid_min=policy.metrics.solid_save_rate.min,
        solid_max=policy.metrics.solid_save_rate.max,
        suspicious=policy.metrics.suspicious_save_rate,
        hourly_rate=policy.roi.loaded_hourly_rate,
        min_sample=policy.metrics.min_sample,
    )
    report = metrics.build_report(cases, thresholds, as_of=as_of, by=by, since=since)
    return replace(report, currency=rates.reporting)


def _planned_hours(policy: Policy, effort: str) -> float:
    """SAVE-7 hours of a plan's effort when none were recorded (`none` costs nothing)."""
    return float(getattr(policy.save.effort_hours, effort, 0.0))
