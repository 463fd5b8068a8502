"""An iCalendar (.ics) file of a person's renewal dates and open tasks.

Every item is an all-day VEVENT, tasks included (with the category "task"), not an
iCalendar to-do component: Google Calendar and Outlook drop to-do components when
they import or subscribe to a file, and Apple Calendar sends them to Reminders
instead, so tasks written that way would vanish for most readers. Events land on
every calendar app the same way.

UIDs are stable (`renewal-{renewal_id}@renewals`, `task-{task_id}@renewals`), so
importing a newer file again updates the events instead of adding duplicates, and a
subscribed calendar keeps its events from one refresh to the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from icalendar import Calendar, Event

PRODID = "-//renewals//renewals calendar//EN"


def renewal_uid(renewal_id: str) -> str:
    return f"renewal-{renewal_id}@renewals"


def task_uid(task_id: int) -> str:
    return f"task-{task_id}@renewals"


@dataclass(frozen=True)
class RenewalEvent:
    """One renewal date, as it shows in the calendar."""

    renewal_id: str
    account_name: str
    renewal_date: date
    arr: Decimal
    currency: str
    stage: str
    segment: str
    opportunity_type: str
    health_score: float | None
    health_category: str | None
    owner_email: str | None
    owner_role: str


@dataclass(frozen=True)
class TaskEvent:
    """One open task on its due date; `overdue` is decided by the caller for its `as_of`."""

    task_id: int
    title: str
    description: str
    account_name: str
    due_date: date
    rule: str
    owner_email: str | None
    renewal_id: str | None
    overdue: bool


def build_calendar(
    renewals: Sequence[RenewalEvent],
    tasks: Sequence[TaskEvent],
    *,
    owner: str,
    generated_at: datetime,
) -> bytes:
    """The .ics bytes: one all-day event per renewal date and per open task."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Renewals: {owner}")
    cal.add("x-wr-caldesc", f"Renewal dates and open tasks of {owner}, from `renewals calendar`.")
    for renewal in sorted(renewals, key=lambda r: (r.renewal_date, r.renewal_id)):
        cal.add_component(_renewal_event(renewal, generated_at))
    for task in sorted(tasks, key=lambda t: (t.due_date, t.task_id)):
        cal.add_component(_task_event(task, generated_at))
    return cal.to_ical()


def renewal_summary(renewal: RenewalEvent) -> str:
    return f"Renewal: {renewal.account_name} ({renewal.arr:,.0f} {renewal.currency})"


def task_summary(task: TaskEvent) -> str:
    # Playbook titles name the step, not the account: without the name, a week of
    # "Formal proposal; ..." events would not say whose proposal.
    summary = f"{task.account_name}: {task.title}"
    return f"[overdue] {summary}" if task.overdue else summary


def _all_day(
    uid: str, day: date, summary: str, description: str, category: str, stamp: datetime
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    # DTEND of an all-day event is exclusive: the next day.
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("categories", [category])
    # Reminders, not meetings: don't mark the owner busy all day.
    event.add("transp", "TRANSPARENT")
    return event


def _renewal_event(renewal: RenewalEvent, stamp: datetime) -> Event:
    if renewal.health_score is None:
        health = "no score yet"
    else:
        health = f"{renewal.health_score:.0f}/100 {renewal.health_category or ''}".rstrip()
    description = "\n".join(
        [
            f"Stage: {renewal.stage}",
            f"Segment: {renewal.segment}",
            f"Opportunity type: {renewal.opportunity_type}",
            f"Health: {health}",
            f"Owner: {renewal.owner_email or 'none'} ({renewal.owner_role})",
            f"Renewal: {renewal.renewal_id}",
        ]
    )
    return _all_day(
        renewal_uid(renewal.renewal_id),
        renewal.renewal_date,
        renewal_summary(renewal),
        description,
        "renewal",
        stamp,
    )


def _task_event(task: TaskEvent, stamp: datetime) -> Event:
    lines = [task.description] if task.description else []
    lines += [
        f"Due: {task.due_date.isoformat()}{' (overdue)' if task.overdue else ''}",
        f"Rule: {task.rule}",
        f"Owner: {task.owner_email or 'none'}",
        f"Account: {task.account_name}",
    ]
    if task.renewal_id:
        lines.append(f"Renewal: {task.renewal_id}")
    event = _all_day(
        task_uid(task.task_id), task.due_date, task_summary(task), "\n".join(lines), "task", stamp
    )
    if task.renewal_id:
        event.add("related-to", renewal_uid(task.renewal_id))
    return event
