"""Usage features per account as of a date: plain values and the rules behind the windows.

No I/O here. `renewals.usage.features` computes the raw aggregates with an Ibis
expression and builds `UsageFeatures` from one row per account.

Windows as of a date D, all in UTC and all ending with the end of D (events
after D 23:59:59.999999 are never used):

- last 30 days: [D-29 00:00, D+1 00:00), the 30 days ending with D inclusive;
- previous 30 days: [D-59 00:00, D-29 00:00);
- trend: 13 whole weeks, [D-90 00:00, D+1 00:00), week 0 the oldest, week 12 ending with D.

The trend is the least-squares slope of the 13 weekly event counts, divided by
the mean weekly count: -0.05 means usage falls by 5% of an average week, per
week. With weeks x = 0..12 and counts y the slope is sum((x - 6) * y) / 182 and
the mean is sum(y) / 13, so the ratio is sum over events of (week - 6), divided
by 14 times the events in the 13 weeks: no per-week rows are needed, and empty
weeks count as zero. It is 0 when there are no events in the 13 weeks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

WINDOW_DAYS = 30
TREND_WEEKS = 13
TREND_DAYS = TREND_WEEKS * 7  # 91: D-90 .. D
WEEK_SECONDS = 7 * 86_400
# The weeks' mean index and sum of squared deviations: x = 0..12, mean 6, Sxx = 182.
TREND_MID_WEEK = (TREND_WEEKS - 1) // 2
TREND_SXX = sum((k - TREND_MID_WEEK) ** 2 for k in range(TREND_WEEKS))
# slope / mean = sum((x - 6) * y) / 182 / (sum(y) / 13) = sum((x - 6) * y) / (14 * sum(y))
TREND_DIVISOR = TREND_SXX // TREND_WEEKS


@dataclass(frozen=True)
class Windows:
    """The window bounds (UTC instants) for features as of one date."""

    end: datetime  # D+1 00:00, exclusive
    last_30_start: datetime  # D-29 00:00
    prev_30_start: datetime  # D-59 00:00
    trend_start: datetime  # D-90 00:00


def windows(as_of: date) -> Windows:
    """The window bounds for features as of the end of `as_of` (UTC)."""
    end = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC)
    return Windows(
        end=end,
        last_30_start=end - timedelta(days=WINDOW_DAYS),
        prev_30_start=end - timedelta(days=2 * WINDOW_DAYS),
        trend_start=end - timedelta(days=TREND_DAYS),
    )


@dataclass(frozen=True)
class UsageFeatures:
    """Product usage of one account as of a date (see the module docstring for the windows)."""

    account_id: str
    as_of: date
    events_30d: int
    events_prev_30d: int
    active_users_30d: int
    active_users_prev_30d: int
    features_30d: int  # distinct features used in the last 30 days
    key_features_30d: int  # how many of the key features were used in the last 30 days
    key_features_total: int  # how many key features there are
    trend_slope_90d: float  # weekly slope over 13 weeks as a fraction of the mean week
    last_event_at: datetime | None
    days_since_last_event: int | None
    first_event_at: datetime | None = None  # the account's first event ever (before D+1)
    # Events per kind (`event` column) in the last 30 days and the previous 30 (issue 17:
    # negative and ignored kinds are told apart from usage by the health policy).
    kinds_30d: Mapping[str, int] = field(default_factory=dict)
    kinds_prev_30d: Mapping[str, int] = field(default_factory=dict)

    @property
    def days_since_first_event(self) -> int | None:
        """How long the account has been using the product (its usage history), in days."""
        return days_since(self.first_event_at, self.as_of)

    @property
    def events_change(self) -> float | None:
        """Events in the last 30 days against the previous 30: -0.4 = 40% fewer."""
        return change_ratio(self.events_30d, self.events_prev_30d)

    @property
    def active_users_change(self) -> float | None:
        """Active users in the last 30 days against the previous 30."""
        return change_ratio(self.active_users_30d, self.active_users_prev_30d)

    @property
    def key_feature_adoption(self) -> float | None:
        """Share of the key features used in the last 30 days (None if there are no key features)."""
        if self.key_features_total == 0:
            return None
        return self.key_features_30d / self.key_features_total


def change_ratio(current: float, previous: float) -> float | None:
    """(current - previous) / previous; +1.0 (+100%) when it starts from nothing, and None
    when there is nothing in either window (no usage is not a change)."""
    if previous > 0:
        return current / previous - 1.0
    return 1.0 if current > 0 else None


def days_since(last_event_at: datetime | None, as_of: date) -> int | None:
    """Whole days from the UTC date of the last event to `as_of` (0 = an event on that day)."""
    if last_event_at is None:
        return None
    return (as_of - last_event_at.astimezone(UTC).date()).days
