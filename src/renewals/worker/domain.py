"""Worker rules on plain values: when a job retries, when it gives up and alerts.

No clock and no I/O: the service passes `now` (the worker's clock, simulated with
`renewals worker --clock`) and stores what comes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from renewals.kit.i18n import Text


@dataclass(frozen=True)
class AfterRun:
    """What happens to a job after one run: when it runs next, failures in a row, alert."""

    next_run_at: datetime
    failures: int
    alert: bool
    reason: str  # a Text: English as stored, in the reader's language when printed with `tr`


def parse_daily_at(value: str) -> time:
    """'06:00' -> 06:00; a clear error for anything else."""
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(
            Text("a time of day is HH:MM (24 h), got {value}", value=repr(value))
        ) from None


def parse_delays(value: str | Sequence[int]) -> tuple[int, ...]:
    """'5,15,60' -> (5, 15, 60): minutes to wait before the 1st, 2nd, 3rd retry."""
    items = value.split(",") if isinstance(value, str) else list(value)
    try:
        delays = tuple(int(str(v).strip()) for v in items if str(v).strip())
    except ValueError:
        raise ValueError(
            Text("retry delays are minutes separated by commas, got {value}", value=repr(value))
        ) from None
    if not delays or any(d <= 0 for d in delays):
        raise ValueError(
            Text("retry delays must be positive minutes, got {value}", value=repr(value))
        )
    return delays


def after_run(
    *,
    ok: bool,
    failures: int,
    now: datetime,
    regular_next: datetime,
    retry_minutes: Sequence[int],
) -> AfterRun:
    """The next run of a job that just ran at `now`.

    A success resets the failures and keeps the schedule. A failure retries after the
    n-th delay of `retry_minutes` (backoff), but never later than the regular next run;
    when every delay is used up the job gives up until its regular next run and the
    admins are alerted, once per streak of failures.
    """
    if ok:
        return AfterRun(regular_next, 0, False, "ok")
    failed = failures + 1
    if failed <= len(retry_minutes):
        retry_at = now + timedelta(minutes=retry_minutes[failed - 1])
        if retry_at < regular_next:
            return AfterRun(
                retry_at,
                failed,
                False,
                Text("failed {n} time(s) in a row; retry at {when}", n=failed, when=retry_at),
            )
    return AfterRun(
        regular_next,
        0,
        True,
        Text(
            "failed {n} time(s) in a row; gave up until the regular run at {when}",
            n=failed,
            when=regular_next,
        ),
    )
