"""STK-3 value drumbeat and STK-4 advocates: on plain values and on a real (small) book."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from books import Books, Demo
from sqlalchemy import Engine

from renewals.account import drumbeat_service
from renewals.account.drumbeat import advocates, drumbeat
from renewals.db import session_scope
from renewals.policy import service as policy_service
from renewals.renewal import service as renewal_service

POLICY = policy_service.load()
TODAY = date(2026, 11, 24)


def test_months_without_a_value_touch_are_the_gaps() -> None:
    beat = drumbeat(
        [("qbr", date(2026, 2, 10)), ("value_moment", date(2026, 2, 20)),
         ("goal_achieved", date(2026, 8, 1)), ("product_update", date(2025, 1, 1))],
        as_of=TODAY, window_months=12, expects_qbr=True,
    )  # fmt: skip
    assert beat.months_with_value == 2  # February and August; 2025 is outside the window
    assert "2026-03" in beat.silent_months and "2026-02" not in beat.silent_months
    assert beat.qbr_quarters == 1 and beat.quarters == 4
    assert not beat.first_time


def test_no_touch_at_all_means_the_renewal_is_the_first_time_value_is_discussed() -> None:
    beat = drumbeat([], as_of=TODAY, window_months=12, expects_qbr=False)
    assert beat.first_time and beat.qbr_quarters is None
    assert "first time value is discussed" in beat.reasons[-1]


def test_advocates_are_engaged_users_then_power_users() -> None:
    found = advocates(
        [("Ana", "champion", TODAY - timedelta(days=10)), ("Bo", "economic_buyer", TODAY),
         ("Cy", "user", TODAY - timedelta(days=200))],
        [("u1", 20), ("u2", 5), ("u3", 12)],
        as_of=TODAY, engaged_days=90, active_days=12, shown=5,
    )  # fmt: skip
    assert [a.who for a in found] == ["Ana", "u1", "u3"]


def test_the_book_s_coming_renewals_have_a_drumbeat_and_advocates(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    books.copy(engine, tmp_path, Demo(120, seed=7))  # imported once (tests/books.py)
    with session_scope(engine) as session:
        renewal_service.sync(session, POLICY, as_of=TODAY)
        r = drumbeat_service.report(
            session, POLICY, as_of=TODAY, data_dir=tmp_path / "data", window_days=90
        )
        assert r.rows
        assert sum(r.months_hist.values()) == len(r.rows)
        assert any(x.beat.months_with_value > 0 for x in r.rows)
        assert any(a.kind == "user" for x in r.rows for a in x.advocates)  # usage was read
        assert r.without_advocates < len(r.rows)
