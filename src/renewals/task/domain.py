"""The task rules, pure: what "overdue" means (TIME-4) and the status a person sees."""

from __future__ import annotations

from datetime import date

OPEN = "open"
SNOOZED = "snoozed"
DONE = "done"
CANCELLED = "cancelled"
OUTSTANDING = (OPEN, SNOOZED)  # still to do (a snoozed task reopens on its day)
FINISHED = (DONE, CANCELLED)


def is_overdue(status: str, due_date: date, as_of: date) -> bool:
    """TIME-4: a task is overdue on `as_of` when it is open and its day has passed. A
    snoozed task is not: it waits for the day it was put off to. `Task.is_overdue` is the
    same rule as a SQL expression."""
    return status == OPEN and due_date < as_of


def status_on(status: str, due_date: date, as_of: date) -> str:
    """The status shown for a task on `as_of`: "overdue" for an overdue task, else its own."""
    return "overdue" if is_overdue(status, due_date, as_of) else status


def days_overdue(status: str, due_date: date, as_of: date) -> int:
    """How many days an overdue task is late on `as_of` (0 when it is not overdue)."""
    return (as_of - due_date).days if is_overdue(status, due_date, as_of) else 0
