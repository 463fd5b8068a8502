"""Playbook timelines and the triggered campaign on plain values (TIME-1..5, SEG-2/3 paths).

What is due for one renewal on one day: the segment's dated steps that came within
the look-ahead window, the red and at-risk path tasks, and the campaign's messages.
Steps whose day had passed before the renewal reached the playbook become one
catch-up task that lists them (TIME-4: nothing silently skipped, no wall of overdue
work on day one); steps the policy marks `automated` (TIME-3) are carried out by the
system and recorded, not handed to a person, unless the renewal needs one. No clock:
`as_of` is a parameter; the service keys everything by (renewal, step) so a re-run
adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from renewals.account.domain import Segment
from renewals.kit.i18n import Text
from renewals.policy.domain import Policy, Step
from renewals.renewal import budget

SEGMENT_RULE = {Segment.enterprise: "TIME-1", Segment.mid_market: "TIME-2", Segment.smb: "TIME-3"}


@dataclass(frozen=True)
class RenewalView:
    renewal_id: str
    segment: Segment
    arr: Decimal
    renewal_date: date
    stage: str
    health_category: str | None
    opportunity_type: str
    motion: str
    # TIME-4: the day the renewal reached the playbook (its first daily run); steps due
    # before it are late entries, gathered in one catch-up task. None: entered on as_of.
    entered_on: date | None = None
    # FUND-4: the customer's fiscal-year start (1 = calendar year) times the budget steps.
    fiscal_year_start_month: int = 1
    # SEG-4 (issue 17): the contract's term and account, for subscriptions (short terms)
    term_months: int | None = None
    account_id: str | None = None


def budget_timing(renewal: RenewalView, policy: Policy) -> budget.BudgetTiming:
    """FUND-4: the renewal's budget phase, ask date and budget-check due date."""
    band = policy.segments.band(renewal.segment)
    lead = band.lead_days if band else max(s.offset_days for s in policy.timelines.smb)
    return budget.timing(
        renewal.renewal_date, renewal.fiscal_year_start_month, lead_days=lead, policy=policy.budget
    )


def is_subscription(renewal: RenewalView, policy: Policy) -> bool:
    """SEG-4: a contract shorter than `touch.short_term_below_months` is a subscription: its
    renewal motion is the subscription's health, run once per account, not a playbook of
    dated steps per billing period (90 days of steps do not fit in a one-month term)."""
    below = policy.touch.short_term_below_months
    return renewal.term_months is not None and renewal.term_months < below


def workflow_id(renewal: RenewalView, policy: Policy) -> str:
    """What tasks and messages are keyed by: the renewal, or for a subscription the account
    (one workflow per account, whichever billing period is open)."""
    if is_subscription(renewal, policy) and renewal.account_id:
        return f"subscription:{renewal.account_id}"
    return renewal.renewal_id


@dataclass(frozen=True)
class PlannedTask:
    step: str
    title: str
    rule: str
    due_date: date
    late: bool
    description: str
    # TIME-3: the system carries the step out (the campaign's message, an automatic
    # proposal); it is recorded as done by automation, never a person's open task.
    automated: bool = False
    # TIME-4: the steps a catch-up task stands for (empty for an ordinary step).
    covers: tuple[str, ...] = ()
    # TIME-3 -> TIME-5: what the system does for an automated step.
    automation: str = ""

    def key(self, renewal_id: str) -> str:
        return f"{renewal_id}:{self.step}"


CATCH_UP = "catch_up"


def _budget_step(renewal: RenewalView, fiscal: budget.BudgetTiming) -> Step:
    """FUND-4: the budget check as a playbook step at its due date (internal, a person's)."""
    return Step(
        key=budget.BUDGET_STEP,
        offset_days=(renewal.renewal_date - fiscal.check_due).days,
        title=budget.check_task_title(fiscal),
        customer_facing=False,
    )


def needs_person(renewal: RenewalView) -> str | None:
    """Why an automated step of this renewal must go to a person, or None.

    TIME-5: automation never sends what a person has not allowed; SEG-2: a red account
    gets full intervention; SEG-3: an at-risk renewal gets a save strategy, not reminders.
    """
    if renewal.health_category == "red":
        return Text("SEG-2: health is red, so a person handles every customer step")
    if renewal.opportunity_type == "at_risk":
        return Text("SEG-3: the renewal is at-risk, so a person handles every customer step")
    return None


def _automation(done_when: Sequence[str], offset_days: int) -> str:
    """TIME-3 -> TIME-5: the campaign message that carries out an automated step: the one
    its `done_when` names (`message:<step>`), never guessed from the day it falls on."""
    step = next((e.removeprefix("message:") for e in done_when if e.startswith("message:")), None)
    if step is None:
        return Text("no campaign message carries this step out (its done_when names none)")
    return Text(
        "the campaign queues its {step} message (T-{days}), which leaves only where a person "
        "allowed the account (TIME-5)",
        step=step,
        days=offset_days,
    )


def planned_tasks(renewal: RenewalView, *, as_of: date, policy: Policy) -> list[PlannedTask]:
    """TIME-1..4 steps within `timelines.lookahead_days`, then the SEG-2/SEG-3 path tasks.

    A step whose date passed before the renewal entered the playbook (`entered_on`) is
    not its own overdue task: all such steps become one catch-up task, due
    `timelines.catch_up_due_days` after entry (never after the renewal date), listing
    them so the owner decides what is still worth doing (TIME-4). A step marked
    `automated` (TIME-3) comes back with `automated=True`: the system carries it out.

    A subscription (`is_subscription`, SEG-4) gets no dated steps: only the SEG-2/SEG-3
    path tasks, once per account (`workflow_id`), and none for SMB, whose subscriptions
    get automated touches only (TIME-3).
    """
    if is_subscription(renewal, policy):
        if renewal.segment == Segment.smb:
            return []
        return _path_tasks(renewal, as_of=as_of, policy=policy)
    rule = SEGMENT_RULE[renewal.segment]
    horizon = as_of + timedelta(days=policy.timelines.lookahead_days)
    entered = renewal.entered_on or as_of
    # Steps that passed before entry are planned in the days right after it only (a
    # missed run day is caught up), so a later change of health or risk does not turn
    # them into fresh records or a second catch-up list.
    entering = as_of <= entered + timedelta(days=policy.timelines.catch_up_due_days)
    person = needs_person(renewal)
    tasks = []
    missed: list[tuple[str, str, date]] = []
    fiscal = budget_timing(renewal, policy)
    budget_steps = (
        [_budget_step(renewal, fiscal)]
        if fiscal.pulls_forward and renewal.segment in policy.budget.check_segments
        else []
    )
    for step in [*policy.timelines.for_segment(renewal.segment), *budget_steps]:
        if step.min_arr is not None and renewal.arr < step.min_arr:
            continue
        due = fiscal.step_due(
            step.key, renewal.renewal_date - timedelta(days=step.offset_days), policy.budget
        )
        if due > horizon:
            continue
        if due < entered and not entering:
            continue  # handled when the renewal entered: recorded or in its catch-up task
        when = f"T-{step.offset_days}" if step.offset_days >= 0 else f"T+{-step.offset_days}"
        # sentences joined with " ": each reads in the team's language (renewals.kit.i18n.tr)
        text: str = Text(
            "{when} step of the {segment} playbook ({rule}) for the renewal on {day}: "
            "motion {motion}, opportunity {opportunity}.",
            when=when,
            segment=renewal.segment.value,
            rule=rule,
            day=renewal.renewal_date.isoformat(),
            motion=renewal.motion,
            opportunity=renewal.opportunity_type,
        )
        if step.key == budget.BUDGET_STEP:
            text = " ".join(fiscal.reasons) + "."
        elif due != renewal.renewal_date - timedelta(days=step.offset_days):
            text += " " + Text(
                "FUND-4: moved up to the budget ask date {day}.", day=due.isoformat()
            )
        if step.automated and person is None:
            does = _automation(step.done_when, step.offset_days)
            text += " " + Text(
                "TIME-3: automated: {does}; recorded here, no one's task.", does=does
            )
            tasks.append(PlannedTask(step.key, step.title, rule, due, False, text, True, (), does))
            continue
        if step.automated:
            text += " " + Text(
                "TIME-3 step normally automated; a person handles it: {person}.", person=person
            )
        if due < entered:
            missed.append((when, step.title, due))
            continue
        if step.customer_facing:
            text += " " + Text(
                "Customer-facing: the message goes through the outbox, sent only where the "
                "account's owner allows it (TIME-5)."
            )
        late = due < as_of
        if late:
            text += " " + Text("Overdue since {day}.", day=due.isoformat())
        step_rule = "FUND-4" if step.key == budget.BUDGET_STEP else rule
        tasks.append(PlannedTask(step.key, step.title, step_rule, due, late, text))
    if missed:
        due = min(
            entered + timedelta(days=policy.timelines.catch_up_due_days),
            max(renewal.renewal_date, entered),
        )
        lines = "; ".join(f"{when} ({day.isoformat()}): {title}" for when, title, day in missed)
        tasks.append(
            PlannedTask(
                CATCH_UP,
                Text(
                    "Catch up: {n} playbook step(s) passed before this renewal reached the "
                    "playbook",
                    n=len(missed),
                ),
                "TIME-4",
                due,
                False,
                Text(
                    "TIME-4 late entry: the renewal on {day} reached the {segment} playbook "
                    "({rule}) on {entered}, after these steps' dates: {lines}. Do what still "
                    "matters now and close this task; the campaign sends only the latest "
                    "customer message (TIME-5).",
                    day=renewal.renewal_date.isoformat(),
                    segment=renewal.segment.value,
                    rule=rule,
                    entered=entered.isoformat(),
                    lines=lines,
                ),
                covers=tuple(when for when, _, _ in missed),
            )
        )
    return tasks + _path_tasks(renewal, as_of=as_of, policy=policy)


def _path_tasks(renewal: RenewalView, *, as_of: date, policy: Policy) -> list[PlannedTask]:
    """SEG-2 (red) and SEG-3 (at-risk) path tasks."""
    tasks = []
    paths = []
    if renewal.health_category == "red":
        paths += [(s, "SEG-2", Text("health is red")) for s in policy.paths.red]
    if renewal.opportunity_type == "at_risk":
        paths += [(s, "SEG-3", Text("the renewal is at-risk")) for s in policy.paths.at_risk]
    for path_step, path_rule, why in paths:
        due = as_of + timedelta(days=path_step.due_in_days)
        tasks.append(
            PlannedTask(
                path_step.key,
                path_step.title,
                path_rule,
                # SAVE-6, TIME-4: no task falls due after the renewal date.
                min(due, max(renewal.renewal_date, as_of)),
                False,
                Text(
                    "{rule}: {why} on {day}; renewal on {renewal_day}.",
                    rule=path_rule,
                    why=why,
                    day=as_of.isoformat(),
                    renewal_day=renewal.renewal_date.isoformat(),
                ),
            )
        )
    return tasks


@dataclass(frozen=True)
class PlannedMessage:
    step: str
    rule: str
    audience: str  # customer | internal
    recipients: str  # customer | owner | owner_and_manager | manager
    trigger_date: date
    condition: str
    superseded_by: str | None = None

    def key(self, renewal_id: str) -> str:
        return f"{renewal_id}:msg:{self.step}"


def planned_messages(renewal: RenewalView, *, as_of: date, policy: Policy) -> list[PlannedMessage]:
    """TIME-5: the campaign messages whose day has come.

    Internal alerts and escalations go to our people (no customer permission needed);
    customer messages are written to the outbox and leave only where permitted. A
    renewal that arrives late gets the latest customer message whose day has passed; the
    earlier ones are recorded as superseded rather than sent in a burst. No customer
    message is planned after the renewal date. A subscription (SEG-4) renews by itself
    each period: no campaign per period.
    """
    if is_subscription(renewal, policy):
        return []
    c = policy.campaign
    d = renewal.renewal_date
    late_stage = renewal.stage in c.late_stages
    plan = [
        ("owner_alert", "internal", "owner", c.alert_owner_days, True, "T-90: alert the owner"),
        ("heads_up", "customer", "customer", c.heads_up_days, True, "T-60: friendly heads-up"),
        (
            "formal_notice",
            "customer",
            "customer",
            c.formal_notice_days,
            True,
            "T-30: formal notice with a value summary",
        ),
        (
            "escalation",
            "internal",
            "owner_and_manager",
            c.escalate_days,
            not late_stage,
            f"T-14: stage {renewal.stage} is not a late stage ({', '.join(c.late_stages)})",
        ),
        ("follow_up", "customer", "customer", c.escalate_days, True, "T-14: follow-up"),
        (
            "management",
            "internal",
            "manager",
            c.management_days,
            True,
            "T-7: not closed: involve management",
        ),
        ("final_reminder", "customer", "customer", c.management_days, True, "T-7: final reminder"),
    ]
    due = [
        (step, audience, to, d - timedelta(days=days), why)
        for step, audience, to, days, holds, why in plan
        if d - timedelta(days=days) <= as_of and holds
    ]
    customer = [m for m in due if m[1] == "customer" and as_of <= d]
    latest = customer[-1][0] if customer else None
    messages = []
    for step, audience, to, trigger, why in due:
        if audience == "customer" and as_of > d:
            continue
        superseded = latest if audience == "customer" and step != latest else None
        messages.append(
            PlannedMessage(step, "TIME-5", audience, to, trigger, f"TIME-5 {why}", superseded)
        )
    return messages


@dataclass(frozen=True)
class OwnerLoad:
    """SEG-1: one owner's planned renewal hours per week against the policy's capacity."""

    owner: str
    renewals: int
    hours_per_week: float
    capacity: float

    @property
    def over(self) -> bool:
        return self.hours_per_week > self.capacity


def team_load(
    renewals: list[tuple[str | None, Segment, date]], *, as_of: date, policy: Policy
) -> list[OwnerLoad]:
    """SEG-1 team hours: each owner's renewals in motion (their segment's lead window has
    started and the date has not passed), each worth the band's maximum team hours spread
    evenly over its lead days; busiest first. `renewals` is (owner, segment, renewal date).
    """
    bands = {b.segment: b for b in policy.segments.bands}
    hours: dict[str, float] = {}
    counts: dict[str, int] = {}
    for owner, segment, renewal_date in renewals:
        band = bands.get(segment)
        if owner is None or band is None:
            continue
        days_left = (renewal_date - as_of).days
        if days_left < 0 or days_left > band.lead_days:
            continue
        hours[owner] = hours.get(owner, 0.0) + band.team_hours.max * 7 / band.lead_days
        counts[owner] = counts.get(owner, 0) + 1
    capacity = policy.segments.owner_hours_per_week
    loads = [OwnerLoad(o, counts[o], round(h, 1), capacity) for o, h in hours.items()]
    return sorted(loads, key=lambda x: (-x.hours_per_week, x.owner))


@dataclass(frozen=True)
class GuardedValue:
    """FUND-5, SAVE-11: what a customer may read (favourable, true facts) and what stays
    in the internal brief, each fact named so a reviewer can check the message."""

    shown: dict[str, float | int | None]
    internal: dict[str, float | int | None]
    drew_on: tuple[str, ...]


def guard_value(values: dict[str, float | int | None], policy: Policy) -> GuardedValue:
    """The content guard for value figures in customer messages (issue 16).

    Usage growth is shown only when it grew; seat use and active users only when enough
    seats are in use; key-feature adoption only when high enough; platform activity only
    when usage did not fall. Everything else goes to the internal brief, never to the
    customer. With nothing favourable, the templates say a value review is in preparation.
    """
    c = policy.campaign
    change = values.get("usage_change_30d")
    seats_used = values.get("seat_utilisation")
    adoption = values.get("key_feature_adoption")
    favourable = {
        "usage_change_30d": change is not None and change > 0,
        "seat_utilisation": seats_used is not None and seats_used >= c.favourable_seat_utilisation,
        "active_users_30d": seats_used is not None and seats_used >= c.favourable_seat_utilisation,
        "seats": seats_used is not None and seats_used >= c.favourable_seat_utilisation,
        "key_feature_adoption": adoption is not None
        and adoption >= c.favourable_key_feature_adoption,
        "events_30d": change is not None and change >= 0,
    }
    shown: dict[str, float | int | None] = {}
    internal: dict[str, float | int | None] = {}
    for key, value in values.items():
        if value is None:
            continue
        (shown if favourable.get(key, False) else internal)[key] = value
    return GuardedValue(shown, internal, tuple(sorted(shown)))


def upcoming(timeline: list[dict[str, object]]) -> list[dict[str, object]]:
    """TIME-6: a shared timeline never shows a date that is gone."""
    return [item for item in timeline if not item.get("passed")]


@dataclass(frozen=True)
class ScheduledStep:
    """One step of a renewal's playbook with its date after FUND-4 (`moved_from` when the
    budget ask moved it up)."""

    step: str
    title: str
    rule: str
    due_date: date
    moved_from: date | None


def schedule(renewal: RenewalView, policy: Policy) -> list[ScheduledStep]:
    """The renewal's whole planned playbook (TIME-1..3 steps and the FUND-4 budget check)
    by date, whether or not the steps' tasks exist yet."""
    fiscal = budget_timing(renewal, policy)
    rule = SEGMENT_RULE[renewal.segment]
    planned = []
    for step in policy.timelines.for_segment(renewal.segment):
        if step.min_arr is not None and renewal.arr < step.min_arr:
            continue
        usual = renewal.renewal_date - timedelta(days=step.offset_days)
        due = fiscal.step_due(step.key, usual, policy.budget)
        planned.append(
            ScheduledStep(step.key, step.title, rule, due, usual if due != usual else None)
        )
    if fiscal.pulls_forward and renewal.segment in policy.budget.check_segments:
        check = _budget_step(renewal, fiscal)
        planned.append(ScheduledStep(check.key, check.title, "FUND-4", fiscal.check_due, None))
    return sorted(planned, key=lambda s: (s.due_date, s.step))
