"""Retry and give-up rules of the worker (domain.after_run), without a database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from renewals.worker import domain

NOW = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)
NEXT_DAY = NOW + timedelta(days=1)


def test_a_success_keeps_the_schedule_and_clears_failures() -> None:
    after = domain.after_run(
        ok=True, failures=2, now=NOW, regular_next=NEXT_DAY, retry_minutes=(5, 15)
    )
    assert (after.next_run_at, after.failures, after.alert) == (NEXT_DAY, 0, False)


def test_failures_back_off_then_give_up_with_one_alert() -> None:
    first = domain.after_run(
        ok=False, failures=0, now=NOW, regular_next=NEXT_DAY, retry_minutes=(5, 15)
    )
    assert (first.next_run_at, first.failures, first.alert) == (
        NOW + timedelta(minutes=5),
        1,
        False,
    )
    second = domain.after_run(
        ok=False, failures=1, now=NOW, regular_next=NEXT_DAY, retry_minutes=(5, 15)
    )
    assert second.next_run_at == NOW + timedelta(minutes=15)
    third = domain.after_run(
        ok=False, failures=2, now=NOW, regular_next=NEXT_DAY, retry_minutes=(5, 15)
    )
    assert (third.next_run_at, third.failures, third.alert) == (NEXT_DAY, 0, True)
    assert "gave up" in third.reason


def test_a_retry_never_goes_past_the_regular_run() -> None:
    soon = NOW + timedelta(minutes=3)
    after = domain.after_run(ok=False, failures=0, now=NOW, regular_next=soon, retry_minutes=(5,))
    assert after.next_run_at == soon and after.alert


def test_settings_values_are_checked() -> None:
    assert domain.parse_daily_at("06:30") == time(6, 30)
    assert domain.parse_delays("5, 15,60") == (5, 15, 60)
    with pytest.raises(ValueError, match="HH:MM"):
        domain.parse_daily_at("6am")
    with pytest.raises(ValueError, match="positive"):
        domain.parse_delays("0")
