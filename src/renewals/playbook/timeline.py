"""Playbook timelines and the triggered campaign on plain values (TIME-1..5, SEG-2/3 paths).

What is due for one renewal on one day: the segment's dated steps that came within
the look-ahead window (passed ones included, flagged late, so nothing is silently
skipped), the red and at-risk path tasks, and the campaign's messages. No clock:
`as_of` is a parameter; the service keys everything by (renewal, step) so a re-run
adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from renewals.account.domain import Segment
from renewals.policy.domain import Policy

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


@dataclass(frozen=True)
class PlannedTask:
    step: str
    title: str
    rule: str
    due_date: date
    late: bool
    description: str

    def key(self, renewal_id: str) -> str:
        return f"{renewal_id}:{self.step}"


def planned_tasks(renewal: RenewalView, *, as_of: date, policy: Policy) -> list[PlannedTask]:
    """TIME-1..4 steps within `timelines.lookahead_days`, then the SEG-2/SEG-3 path tasks."""
    rule = SEGMENT_RULE[renewal.segment]
    horizon = as_of + timedelta(days=policy.timelines.lookahead_days)
    tasks = []
    for step in policy.timelines.for_segment(renewal.segment):
        if step.min_arr is not None and renewal.arr < step.min_arr:
            continue
        due = renewal.renewal_date - timedelta(days=step.offset_days)
        if due > horizon:
            continue
        when = f"T-{step.offset_days}" if step.offset_days >= 0 else f"T+{-step.offset_days}"
        text = (
            f"{when} step of the {renewal.segment.value} playbook ({rule}) for the renewal on "
            f"{renewal.renewal_date.isoformat()}: motion {renewal.motion}, "
            f"opportunity {renewal.opportunity_type}."
        )
        if step.customer_facing:
            text += (
                " Customer-facing: the message goes through the outbox, sent only where the "
                "account's owner allows it (TIME-5)."
            )
        late = due < as_of
        if late:
            text += (
                f" Late entry: the renewal reached this playbook on {as_of.isoformat()}, after "
                f"this step's date ({due.isoformat()}); it is due on its original date and "
                "overdue, not skipped (TIME-4)."
            )
        tasks.append(PlannedTask(step.key, step.title, rule, due, late, text))
    paths = []
    if renewal.health_category == "red":
        paths += [(s, "SEG-2", "health is red") for s in policy.paths.red]
    if renewal.opportunity_type == "at_risk":
        paths += [(s, "SEG-3", "the renewal is at-risk") for s in policy.paths.at_risk]
    for path_step, path_rule, why in paths:
        tasks.append(
            PlannedTask(
                path_step.key,
                path_step.title,
                path_rule,
                as_of + timedelta(days=path_step.due_in_days),
                False,
                f"{path_rule}: {why} on {as_of.isoformat()}; renewal on "
                f"{renewal.renewal_date.isoformat()}.",
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
    message is planned after the renewal date.
    """
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
