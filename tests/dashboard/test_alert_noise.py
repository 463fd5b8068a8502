"""Issue 16 item 7, SIG-0: the alert budget per owner. An alert is an account and signal
kind first raised on an owner's account in `dashboard.alert_noise_days`, about something
dated in that window, of at least `dashboard.alert_min_severity`; an account counts as
acted on only when a person finished a task there on or after its first alert, up to the
end of the day (automation's records, earlier work and later days do not count)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from renewals.account.models import Account
from renewals.dashboard.service import alert_noise
from renewals.db import session_scope
from renewals.policy import service as policy_service
from renewals.signal.models import Signal
from renewals.task.models import Task
from renewals.user.access import Scope

POLICY = policy_service.load()
TODAY = date(2026, 11, 24)
EVERYONE = Scope(True, frozenset(), True)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _signal(
    account: str,
    first: date,
    kind: str = "usage_decline",
    *,
    severity: str = "high",
    dated: date | None = None,
    record: str = "",
) -> Signal:
    return Signal(
        account_id=account,
        kind=kind,
        rule="SIG-7",
        severity=severity,
        source="usage",
        source_id=record,
        source_date=dated or first,
        first_seen_on=first,
        last_seen_on=first,
        evidence="usage fell",
        facts={},
    )


def _task(
    account: str, n: int, *, done: datetime | None, by: str | None, status: str = "done"
) -> Task:
    return Task(
        account_id=account,
        key=f"{account}:{n}",
        title="Call them",
        rule="SIG-0",
        due_date=TODAY,
        owner_email="cara@x",
        status=status,
        created_on=TODAY - timedelta(days=20),
        completed_at=done,
        completed_by=by,
    )


def test_alerts_per_owner_and_the_share_acted_on(engine: Engine) -> None:
    with session_scope(engine) as session:
        for account, owner in (
            ("A", "cara@x"),
            ("B", "cara@x"),
            ("C", "cara@x"),
            ("D", "dan@x"),
            ("E", "cara@x"),
        ):
            session.add(Account(account_id=account, name=account, owner_email=owner))
        session.flush()
        alert_day = TODAY - timedelta(days=3)
        session.add_all(
            [
                _signal("A", alert_day),
                _signal("A", TODAY, "low_nps"),  # 2 alerts, 1 account
                _signal("B", alert_day),
                _signal("C", alert_day),
                _signal("D", TODAY),
                _signal("E", TODAY - timedelta(days=POLICY.dashboard.alert_noise_days)),  # too old
                # Not alerts: the same kind again (one alert), a medium one (noise until it has
                # company), history an import brought in today (dated before the window).
                _signal("A", TODAY, "low_nps", record="2"),
                _signal("B", TODAY, "negative_feedback", severity="medium"),
                _signal("C", TODAY, "competitive", dated=TODAY - timedelta(days=200)),
                _task("A", 1, done=_at(alert_day, 15), by="cara@x"),  # acted: after the alert
                _task("B", 1, done=_at(alert_day - timedelta(days=1)), by="cara@x"),  # before it
                _task("C", 1, done=_at(TODAY, 9), by="system"),  # automation, not a person
                _task("C", 2, done=_at(TODAY + timedelta(days=1)), by="cara@x"),  # after as_of
                _task("D", 1, done=None, by=None, status="open"),  # not done
            ]
        )
    with session_scope(engine) as session:
        noise = {n.owner: n for n in alert_noise(session, EVERYONE, POLICY, as_of=TODAY)}
    cara, dan = noise["cara@x"], noise["dan@x"]
    assert (cara.alerts, cara.accounts, cara.acted) == (4, 3, 1)
    assert cara.acted_share == 1 / 3
    assert (dan.alerts, dan.accounts, dan.acted, dan.acted_share) == (1, 1, 0, 0.0)
    # Only the owners in scope.
    with session_scope(engine) as session:
        mine = alert_noise(session, Scope(False, frozenset({"dan@x"}), False), POLICY, as_of=TODAY)
    assert [n.owner for n in mine] == ["dan@x"]
