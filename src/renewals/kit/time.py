"""Time helpers: timezone-aware UTC everywhere; rules take `as_of` as a parameter."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def utc_now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The current UTC date: the default `as_of` of interfaces (never used inside rules)."""
    return utc_now().date()


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime as UTC; convert an aware one to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def day_start(day: date) -> datetime:
    """00:00 of `day`: the first instant of a day, the exclusive end of the day before."""
    return datetime.combine(day, time())
