"""Issue 16 acceptance: a week of daily runs (D..D+7, then D+30, D+60) on a demo book
sends no customer message without a person's allowance, none with a past date or an
unfavourable figure, none superseded; checked over every customer message written."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from renewals.account.models import Account
from renewals.config import Settings
from renewals.db import session_scope
from renewals.demo.generator import generate_book
from renewals.ingest.service import run_import
from renewals.outbox import service as outbox_service
from renewals.outbox.models import OutboxMessage
from renewals.playbook import messages
from renewals.playbook.models import Task
from renewals.playbook.timeline import guard_value
from renewals.policy import service as policy_service
from renewals.renewal.models import Renewal
from renewals.scheduler import run_all
from renewals.user.models import User

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
DAYS = [TODAY + timedelta(days=n) for n in (*range(8), 30, 60)]
LEFT = ("approved", "sending", "sent")


def test_a_team_day_sends_nothing_wrong(engine: Engine, tmp_path: Path) -> None:
    generate_book(tmp_path / "book", accounts=150, seed=11, as_of=TODAY)
    run_import(engine, tmp_path / "book", data_dir=tmp_path / "data")
    settings = Settings(database_url=str(engine.url), data_dir=tmp_path / "data")
    with session_scope(engine) as session:
        # A manager allows half the book (a list); the other half has no allowance.
        admin = session.scalars(select(User.email).where(User.role == "admin")).first()
        accounts = sorted(session.scalars(select(Account.account_id)))
        allowed = set(accounts[::2])
        outbox_service.set_permissions(session, allowed, "auto", by=admin, reason="pilot")
    for day in DAYS:
        outcomes = run_all(engine, policy=POLICY, as_of=day, settings=settings)
        assert {o.status for o in outcomes} == {"ok"}, outcomes
        with session_scope(engine) as session:
            if day == TODAY:  # day one: only what a person must do now
                assert not session.scalar(
                    select(func.count()).where(Task.status == "open", Task.due_date < day)
                )
            _check_messages(session, allowed, day)


def _check_messages(session, allowed: set[str], day: date) -> None:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(OutboxMessage, Renewal)
        .join(Renewal, Renewal.renewal_id == OutboxMessage.renewal_id)
        .where(OutboxMessage.audience == "customer")
    ).all()
    assert rows
    open_per_renewal: dict[str, int] = {}
    for message, renewal in rows:
        key = message.idempotency_key
        if message.status in LEFT:
            # TIME-5: a person allowed this account, or approved this very message
            via = message.facts.get("approved_via")
            assert via == "person" or (via == "permission" and message.account_id in allowed), key
            risky = renewal.health_category == "red" or renewal.opportunity_type == "at_risk"
            assert via == "person" or not risky, key
        if message.status in ("pending_approval", "approved", "failed"):
            open_per_renewal[renewal.renewal_id] = open_per_renewal.get(renewal.renewal_id, 0) + 1
        if message.status == "cancelled":
            continue
        # FUND-5, SAVE-11: only favourable figures reach the customer
        shown = message.facts.get("drew_on", {})
        brief = message.facts.get("internal_brief", {})
        assert guard_value({**brief, **shown}, POLICY).shown == shown, (key, shown, brief)
        if "usage_change_30d" in shown:
            assert shown["usage_change_30d"] > 0, key
        for figure, value in message.facts.get("internal_brief", {}).items():
            if figure == "usage_change_30d":
                signed = messages.format_percent(value, message.language, signed=True)
                assert signed not in message.body, (key, figure)
        # TIME-6: no date that is gone on the day it was written
        written = message.created_on
        for item in message.facts.get("timeline", []):
            assert date.fromisoformat(item["date"]) >= written, key
        for item in messages.customer_timeline(
            renewal.renewal_date,
            [(m.days, m.milestone) for m in POLICY.campaign.customer_timeline],
            written,
        ):
            if item["passed"]:
                gone = messages.format_date_long(item["date"], message.language)
                assert not re.search(rf"(?<!\d){re.escape(gone)}", message.body), (key, gone)
        # SEG-2: an at-risk or red renewal never gets the friendly template
        if (
            message.created_on == day
            and message.facts.get("template", "").startswith("heads_up.")
            and renewal.health_category == "red"
        ):
            raise AssertionError(f"{key}: friendly heads-up to a red account")
    # TIME-5: a newer customer message withdrew the older ones
    assert max(open_per_renewal.values(), default=0) <= 1, day
