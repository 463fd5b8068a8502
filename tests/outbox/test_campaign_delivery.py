"""End to end: the daily run writes the campaign, `send` delivers it to a real SMTP server.

TIME-5: no message reaches the server twice, and no customer message reaches it for an
account whose owner has not allowed it (SMB by default, or a person's approval).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from email.header import decode_header, make_header
from email.utils import getaddresses
from pathlib import Path

import pytest
from books import Books, Demo
from smtp_inbox import Inbox, running_inbox
from sqlalchemy import Engine, select

from renewals.config import Settings
from renewals.db import session_scope
from renewals.outbox import service
from renewals.outbox.delivery import SmtpTransport
from renewals.outbox.models import OutboxMessage
from renewals.policy import service as policy_service
from renewals.renewal.models import Renewal
from renewals.scheduler import run_all
from renewals.user.models import User

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with running_inbox() as running:
        yield running


def test_campaign_reaches_smtp_once_and_only_where_allowed(
    books: Books, engine: Engine, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    books.copy(engine, tmp_path, Demo(120, seed=7))  # imported once (tests/books.py)
    settings = Settings(database_url=str(engine.url), data_dir=tmp_path / "data")
    transports = {"email": SmtpTransport("127.0.0.1", port, "renewals@test.example")}

    def run_and_send(day: date) -> None:
        outcomes = run_all(engine, policy=POLICY, as_of=day, settings=settings)
        assert {o.status for o in outcomes} == {"ok"}, outcomes
        report = service.send_due(engine, policy=POLICY, transports=transports)
        assert (report.failed, report.dead, report.uncertain) == (0, 0, 0), report.results

    # Issue 22: internal messages read in the recipient's language, else the policy's.
    with session_scope(engine) as session:
        csms = session.scalars(select(User).where(User.role == "csm").order_by(User.email)).all()
        for user in csms[::2]:
            user.language = "de"
        german = {u.email for u in csms[::2]}

    run_and_send(TODAY)
    run_and_send(TODAY)  # the same day again
    first = len(handler.messages)
    assert first > 0

    # A person approves one waiting customer message of a mid-market or enterprise account.
    with session_scope(engine) as session:
        waiting = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending_approval")
            .order_by(OutboxMessage.message_id)
        ).first()
        assert waiting is not None
        renewal = session.get(Renewal, waiting.renewal_id)
        approver = session.get(User, renewal.owner_email)
        assert approver is not None
        service.approve(session, [waiting.message_id], by=approver.email)
        approved_key = waiting.idempotency_key
    # The outbox's next send delivers it (before a later day's run could supersede it).
    report = service.send_due(engine, policy=POLICY, transports=transports)
    assert (report.failed, report.dead, report.uncertain) == (0, 0, 0), report.results

    for day in (TODAY + timedelta(days=7), TODAY + timedelta(days=7), TODAY + timedelta(days=30)):
        run_and_send(day)

    keys = [m["X-Renewals-Idempotency-Key"] for m in handler.messages]
    assert len(keys) == len(set(keys)), "a message reached the SMTP server twice"
    if approved_key not in keys:  # say why: its status and the reason recorded with it
        with session_scope(engine) as session:
            approved = session.scalars(
                select(OutboxMessage).where(OutboxMessage.idempotency_key == approved_key)
            ).one()
            raise AssertionError((approved.status, approved.status_reason, approved.approved_by))
    with session_scope(engine) as session:
        rows = {
            m.idempotency_key: m
            for m in session.scalars(
                select(OutboxMessage).where(OutboxMessage.idempotency_key.in_(keys))
            )
        }
        segments = dict(session.execute(select(Renewal.renewal_id, Renewal.segment)).all())
        for key in keys:
            message = rows[key]
            assert message.status == "sent"
            if message.audience == "customer":
                # TIME-5: only a person's approval of it or allowance for the account
                allowed = key == approved_key or message.facts.get("approved_via") == "permission"
                assert allowed, (key, segments[message.renewal_id], message.approved_by)
        never_sent = session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.status.in_(("pending_approval", "cancelled", "blocked"))
            )
        ).all()
    assert never_sent and not set(never_sent) & set(keys)
    steps = {rows[k].step for k in keys}
    assert {"owner_alert", "escalation"} <= steps  # internal, one with two recipients
    assert any(rows[k].audience == "customer" for k in keys)
    alerts = {
        getaddresses([m["To"]])[0][1]: " ".join(
            str(make_header(decode_header(m["Subject"]))).split()
        )
        for m in handler.messages
        if ":msg:owner_alert" in m["X-Renewals-Idempotency-Key"]
    }
    assert german & set(alerts) and set(alerts) - german
    for to, subject in alerts.items():
        assert subject.startswith("[Intern] " if to in german else "[Internal] "), (to, subject)
    escalation = next(
        m for m in handler.messages if ":msg:escalation" in m["X-Renewals-Idempotency-Key"]
    )
    assert len(escalation.get_all("To")[0].split(",")) == 2  # TIME-5: owner and manager
