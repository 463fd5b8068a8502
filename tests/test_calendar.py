"""kit.calendar: the one place for whole months and calendar quarters."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from renewals.kit.calendar import add_months, quarter_key, quarter_of, quarters_between


def test_months_keep_the_day_or_take_the_months_last() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)  # leap year
    assert add_months(date(2027, 3, 15), -3) == date(2026, 12, 15)
    assert add_months(date(2026, 12, 6), 24) == date(2028, 12, 6)


def test_quarters() -> None:
    q = quarter_of(date(2027, 11, 24))
    assert (q.start, q.end, q.key) == (date(2027, 10, 1), date(2027, 12, 31), "2027-Q4")
    assert q.next().key == "2028-Q1" and q.previous().key == "2027-Q3"
    assert date(2027, 12, 31) in q and date(2028, 1, 1) not in q
    assert [x.key for x in quarters_between(date(2027, 2, 1), date(2027, 10, 1))] == [
        "2027-Q2",
        "2027-Q3",
        "2027-Q4",
    ]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2999, 12, 31)))
def test_every_day_lies_in_its_quarter(day: date) -> None:
    q = quarter_of(day)
    assert day in q and q.key == quarter_key(day)
    assert q.next().start == add_months(q.start, 3)
