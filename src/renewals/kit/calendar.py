"""Calendar arithmetic shared by every slice: whole months and calendar quarters.

Pure functions on `datetime.date` (no clock). One place, so that "three months after the
churn", "a 24-month term from 1 March" and "2027-Q1" mean the same everywhere.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """Calendar months later (or earlier, when negative); a day the month lacks becomes its
    last: 31 January + 1 month = 28 or 29 February."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def quarter_key(day: date) -> str:
    """ "2027-Q1" for any day from 1 January to 31 March 2027 (calendar quarters)."""
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter, both ends inclusive."""

    start: date
    end: date

    @property
    def key(self) -> str:
        return quarter_key(self.start)

    def next(self) -> Quarter:
        return quarter_of(self.end + timedelta(days=1))

    def previous(self) -> Quarter:
        return quarter_of(self.start - timedelta(days=1))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def quarter_of(day: date) -> Quarter:
    """The calendar quarter holding `day`."""
    start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return Quarter(start, add_months(start, 3) - timedelta(days=1))


def quarters_between(date_from: date, date_to: date) -> list[Quarter]:
    """The calendar quarters whose first day lies in [date_from, date_to], oldest first."""
    quarters = []
    quarter = quarter_of(date_from)
    if quarter.start < date_from:
        quarter = quarter.next()
    while quarter.start <= date_to:
        quarters.append(quarter)
        quarter = quarter.next()
    return quarters


def fiscal_year_start(day: date, start_month: int) -> date:
    """The first day of the fiscal year holding `day`, for a year that starts on the 1st of
    `start_month` (1 = the calendar year; 7 = a July-June year, "a June fiscal year")."""
    if not 1 <= start_month <= 12:
        raise ValueError(f"a fiscal year starts in month 1-12, not {start_month}")
    year = day.year if day.month >= start_month else day.year - 1
    return date(year, start_month, 1)
