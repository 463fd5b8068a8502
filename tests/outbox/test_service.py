"""The outbox against a real database, a real SMTP server (aiosmtpd) and a real HTTP server.

Personas: carl (CSM, owns both accounts), mia (his manager), vera (VP), sam (another
CSM), olaf (a director who has left). initech is SMB and carl allowed its automated
messages (TIME-5: a person's per-account allowance); globex is mid-market with no
allowance (each customer message waits for a person).
"""

from __future__ import annotations

import email
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import factories
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from renewals.audit.models import AuditEvent
from renewals.db import make_sessionmaker, session_scope
from renewals.errors import Conflict, Forbidden, RenewalsError
from renewals.kit import i18n
from renewals.outbox import service
from renewals.outbox.commands import app as outbox_app
from renewals.outbox.delivery import (
    DeliveryUncertain,
    OutboxSettings,
    SmtpTransport,
    WebhookTransport,
    message_id_for,
)
from renewals.outbox.domain import MessageStatus, PermissionMode
from renewals.outbox.models import MessagePermission, OutboxMessage
from renewals.policy import service as policy_service
from renewals.policy.domain import Policy

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
POLICY = policy_service.load()
SETTINGS = OutboxSettings(sending_stale_minutes=15, smtp_from="renewals@vendor.example")
SENDER = "renewals@vendor.example"

CARL, MIA, VERA, SAM, OLAF = (f"{n}@vendor.example" for n in ("carl", "mia", "vera", "sam", "olaf"))

BODIES = {
    "de": "Guten Tag Frau Müller,\n\nIhre Verlängerung steht an: Grüße aus der Hauptstraße – "
    "wir freuen uns auf das Gespräch über Ihre Ziele für 2027.\n\nViele Grüße\nCarl",
    "id": "Halo Bu Siti,\n\nPerpanjangan langganan Anda akan jatuh tempo dalam 60 hari. "
    "Kami ingin meninjau hasil bersama Anda.\n\nSalam,\nCarl",
    "ms": "Salam sejahtera Encik Ahmad,\n\nPembaharuan langganan anda akan tiba tidak lama "
    "lagi. Kami ingin berbincang tentang matlamat syarikat anda.\n\nTerima kasih,\nCarl",
}
SUBJECTS = {
    "de": "Ihre Verlängerung: Überblick für Globex GmbH",
    "id": "Perpanjangan langganan Anda",
    "ms": "Pembaharuan langganan anda",
}


# --- the book --------------------------------------------------------------------------


def add_user(
    session: Any, email_: str, role: str, manager: str | None, active: bool = True
) -> None:
    factories.add_user(session, email_, role, manager, active=active)


def add_account(session: Any, account_id: str, segment: str, arr: str) -> None:
    factories.add_renewal(
        session,
        account_id,
        renewal_date=date(2027, 1, 24),
        arr=arr,
        owner=CARL,
        contract_id=f"{account_id}-2026",
        renewal_id=f"{account_id}-2027",
        account={"language": "en"},
        contract={"start_date": date(2026, 1, 24)},
        segment=segment,
        opportunity_type="renewal",
        touch_model="tech",
        motion="standard",
    )


@pytest.fixture
def db(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        add_user(session, VERA, "vp", None)
        add_user(session, MIA, "manager", VERA)
        add_user(session, CARL, "csm", MIA)
        add_user(session, SAM, "csm", MIA)
        add_user(session, OLAF, "director", None, active=False)
        add_account(session, "initech", "smb", "8000")
        add_account(session, "globex", "mid_market", "42000")
        # TIME-5: carl allowed initech's automated messages earlier (a person, per account)
        session.add(
            MessagePermission(
                account_id="initech",
                mode="auto",
                set_by=CARL,
                set_at=NOW - timedelta(days=30),
                reason="agreed with Anna",
            )
        )
    return engine


SEGMENTS = {"initech": "smb", "globex": "mid_market"}


def write(engine: Engine, key: str, **kw: Any) -> OutboxMessage:
    """A new message (`enqueue`'s keywords), committed."""
    with session_scope(engine) as session:
        msg, created = enqueue(session, key, **kw)
        assert created
    return msg


def enqueue(
    session: Any,
    key: str,
    *,
    account: str = "initech",
    audience: str = "customer",
    channel: str = "email",
    to: str | None = "anna@customer.example",
    language: str = "en",
    subject: str = "Your renewal is coming up",
    body: str = "Hello Anna,\n\nyour renewal is due in 60 days.\n\nCarl",
    policy: Policy = POLICY,
    step: str = "heads_up",
) -> tuple[OutboxMessage, bool]:
    """`write`'s message in the caller's session (nothing committed)."""
    return service.enqueue(
        session,
        key=key,
        renewal_id=f"{account}-2027",
        account_id=account,
        step=step,
        rule="TIME-5",
        audience=audience,
        channel=channel,
        to_address=to,
        to_name="Anna Müller" if to else None,
        language=language,
        subject=subject,
        body=body,
        created_on=TODAY,
        facts={"days_before": 60},
        segment=SEGMENTS[account],
        policy=policy,
    )


def load(engine: Engine, message_id: int) -> OutboxMessage:
    with session_scope(engine) as session:
        return service.get(session, message_id)


# --- servers ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Collector:
    """aiosmtpd handler: keeps every envelope it accepts."""

    def __init__(self, hang_up: bool = False, reply: str = "250 Message accepted") -> None:
        self.envelopes: list[Any] = []
        self.hang_up = hang_up
        self.reply = reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply.startswith("250"):
            self.envelopes.append(envelope)
        if self.hang_up:  # the data arrived, but the client never hears "250"
            server.transport.close()
        return self.reply

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.content, policy=default_policy)  # type: ignore[misc]
            for e in self.envelopes
        ]


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def email_transport(port: int) -> dict[str, Any]:
    return {"email": SmtpTransport("127.0.0.1", port, SENDER, timeout=5)}


def send(engine: Engine, transports: dict[str, Any], now: datetime = NOW, **kw: Any) -> Any:
    return service.send_due(
        engine,
        policy=kw.pop("policy", POLICY),
        transports=transports,
        now=now,
        settings=SETTINGS,
        **kw,
    )


# --- (a) automated customer messages leave exactly once --------------------------------


def test_it_delivers_an_smb_customer_message_exactly_once(db: Engine, smtp: Any) -> None:
    handler, port = smtp
    ids = {
        lang: write(
            db, f"initech-2027:heads_up:{lang}", language=lang, subject=SUBJECTS[lang], body=body
        ).message_id
        for lang, body in BODIES.items()
    }
    assert {load(db, i).status for i in ids.values()} == {MessageStatus.approved}
    assert load(db, ids["de"]).approved_by == CARL  # his allowance for the account

    report = send(db, email_transport(port))
    assert (report.sent, report.failed, report.dead, report.uncertain) == (3, 0, 0, 0)
    assert len(handler.envelopes) == 3
    received = {m["X-Renewals-Idempotency-Key"]: m for m in handler.messages()}
    for lang, message_id in ids.items():
        key = f"initech-2027:heads_up:{lang}"
        mail = received[key]
        assert mail["Subject"] == SUBJECTS[lang]
        assert mail["To"].addresses[0].addr_spec == "anna@customer.example"
        assert mail["To"].addresses[0].display_name == "Anna Müller"
        assert mail["Message-ID"] == message_id_for(key)
        assert mail["Content-Language"] == lang  # docs/outbox.md says so; received, not built
        assert mail.get_content().replace("\r\n", "\n").rstrip("\n") == BODIES[lang]
        stored = load(db, message_id)
        assert stored.status == MessageStatus.sent and stored.sent_at == NOW
        assert stored.attempts == 1 and stored.facts["provider_id"] == message_id_for(key)
    for envelope in handler.envelopes:
        assert envelope.mail_from == SENDER
        assert envelope.rcpt_tos == ["anna@customer.example"]

    again = send(db, email_transport(port), NOW + timedelta(hours=1))
    assert (again.sent, again.failed, again.skipped) == (0, 0, 0)
    with session_scope(db) as session:  # the daily run writing it again changes nothing
        msg, created = service.enqueue(
            session,
            key="initech-2027:heads_up:de",
            renewal_id="initech-2027",
            account_id="initech",
            step="heads_up",
            rule="TIME-5",
            audience="customer",
            channel="email",
            to_address="other@customer.example",
            to_name=None,
            language="de",
            subject="changed",
            body="changed",
            created_on=TODAY + timedelta(days=1),
            facts={},
            segment="smb",
            policy=POLICY,
        )
        assert not created and msg.subject == SUBJECTS["de"] and msg.status == MessageStatus.sent
    send(db, email_transport(port), NOW + timedelta(days=1))
    assert len(handler.envelopes) == 3


# --- (b) mid-market customer messages wait for a permitted person ----------------------


def test_a_mid_market_message_waits_for_a_permitted_person(db: Engine, smtp: Any) -> None:
    handler, port = smtp
    msg = write(db, "globex-2027:heads_up", account="globex", language="de", body=BODIES["de"])
    assert msg.status == MessageStatus.pending_approval
    assert "approve_each" in msg.status_reason and "no person has allowed" in msg.status_reason
    assert msg.approved_by is None

    report = send(db, email_transport(port))
    assert report.sent == 0 and handler.envelopes == []

    for person, exc in ((SAM, Forbidden), (OLAF, Forbidden), ("nobody@x.example", Forbidden)):
        with pytest.raises(exc), session_scope(db) as session:
            service.approve(session, [msg.message_id], by=person)
    assert load(db, msg.message_id).status == MessageStatus.pending_approval
    assert send(db, email_transport(port)).sent == 0 and handler.envelopes == []

    with session_scope(db) as session:  # carl's manager may
        [approved] = service.approve(session, [msg.message_id], by=MIA.upper())
        assert approved.approved_by == MIA
        assert "manager of carl@vendor.example" in approved.status_reason
    with pytest.raises(Conflict), session_scope(db) as session:
        service.approve(session, [msg.message_id], by=MIA)

    assert send(db, email_transport(port)).sent == 1
    assert send(db, email_transport(port)).sent == 0
    assert len(handler.envelopes) == 1
    [mail] = handler.messages()
    assert mail.get_content().replace("\r\n", "\n").rstrip("\n") == BODIES["de"]
    with session_scope(db) as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["outbox.approve"]


def test_owners_and_seniors_may_approve_or_decline(db: Engine) -> None:
    first = write(db, "globex:1", account="globex")
    second = write(db, "globex:2", account="globex")
    third = write(db, "globex:3", account="globex")
    with session_scope(db) as session:
        service.approve(session, [first.message_id], by=CARL)
        service.approve(session, [second.message_id], by=VERA)
    with pytest.raises(RenewalsError), session_scope(db) as session:
        service.decline(session, third.message_id, by=CARL, reason=" ")
    with pytest.raises(Forbidden), session_scope(db) as session:
        service.decline(session, third.message_id, by=SAM, reason="not mine")
    with session_scope(db) as session:
        service.decline(session, third.message_id, by=CARL, reason="Spoke to them today")
    declined = load(db, third.message_id)
    assert declined.status == MessageStatus.cancelled
    assert "Spoke to them today" in declined.status_reason
    assert send(db, {"email": RecordingTransport()}).sent == 2


def test_approving_several_is_all_or_nothing(db: Engine) -> None:
    waiting = write(db, "globex:1", account="globex")
    auto = write(db, "initech:1")
    with pytest.raises(Conflict), session_scope(db) as session:
        service.approve(session, [waiting.message_id, auto.message_id], by=CARL)
    assert load(db, waiting.message_id).status == MessageStatus.pending_approval


# --- (c) a failing server: backoff, then dead, nothing delivered ------------------------


def test_failed_attempts_back_off_then_go_dead(db: Engine, smtp: Any) -> None:
    handler, port = smtp
    policy = POLICY.model_copy(
        update={"campaign": POLICY.campaign.model_copy(update={"max_attempts": 2})}
    )
    msg = write(db, "initech:heads_up")
    closed = email_transport(free_port())  # nothing listens there

    first = send(db, closed, NOW, policy=policy)
    assert (first.sent, first.failed, first.dead) == (0, 1, 0)
    stored = load(db, msg.message_id)
    assert stored.status == MessageStatus.failed and stored.attempts == 1
    assert stored.next_attempt_at == NOW + timedelta(minutes=5)
    assert stored.last_error and "refused" in stored.last_error.lower()

    early = send(db, closed, NOW + timedelta(minutes=4), policy=policy)
    assert (early.failed, early.dead, early.skipped) == (0, 0, 0)
    assert load(db, msg.message_id).attempts == 1

    second = send(db, closed, NOW + timedelta(minutes=5), policy=policy)
    assert (second.failed, second.dead) == (0, 1)
    dead = load(db, msg.message_id)
    assert dead.status == MessageStatus.dead and dead.attempts == 2
    assert dead.last_error and "2 of 2" in dead.status_reason

    # The server is back: a dead message still does not leave by itself.
    assert send(db, email_transport(port), NOW + timedelta(days=1), policy=policy).sent == 0
    assert handler.envelopes == []

    with pytest.raises(Forbidden), session_scope(db) as session:
        service.retry(session, msg.message_id, by=SAM)
    with session_scope(db) as session:
        service.retry(session, msg.message_id, by=CARL)
    retried = load(db, msg.message_id)
    assert retried.status == MessageStatus.approved and retried.attempts == 0
    assert send(db, email_transport(port), NOW + timedelta(days=1), policy=policy).sent == 1
    assert len(handler.envelopes) == 1


# --- (d) a send cut off mid-way is never resent by itself ------------------------------


def test_a_message_left_sending_becomes_uncertain_and_is_not_resent(db: Engine, smtp: Any) -> None:
    handler, port = smtp
    stale = write(db, "initech:stale")
    fresh = write(db, "initech:fresh")
    # Two senders that died after claiming: one long ago, one a minute ago.
    assert service.claim(db, stale.message_id, now=NOW - timedelta(minutes=20)) is not None
    assert service.claim(db, fresh.message_id, now=NOW - timedelta(minutes=1)) is not None

    report = send(db, email_transport(port))
    assert (report.sent, report.uncertain) == (0, 1)
    assert load(db, stale.message_id).status == MessageStatus.uncertain
    assert "may have arrived" in load(db, stale.message_id).status_reason
    assert load(db, fresh.message_id).status == MessageStatus.sending

    later = send(db, email_transport(port), NOW + timedelta(hours=1))
    assert (later.sent, later.uncertain) == (0, 1)  # the fresh one has gone stale now
    assert send(db, email_transport(port), NOW + timedelta(days=1)).sent == 0
    assert handler.envelopes == []
    with session_scope(db) as session:
        assert (
            session.scalar(select(func.count()).where(AuditEvent.action == "outbox.uncertain")) == 2
        )


def test_a_connection_lost_during_the_data_phase_is_uncertain(db: Engine) -> None:
    handler = Collector(hang_up=True)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        msg = write(db, "initech:hang-up")
        report = send(db, email_transport(port))
        later = send(db, email_transport(port), NOW + timedelta(days=1))
    finally:
        controller.stop()
    assert (report.sent, report.failed, report.uncertain) == (0, 0, 1)
    assert later.sent == 0 and len(handler.envelopes) == 1  # it did arrive, once
    assert load(db, msg.message_id).status == MessageStatus.uncertain


def test_a_refusal_after_the_data_is_a_failure_not_a_delivery(db: Engine) -> None:
    handler = Collector(reply="554 5.7.1 Rejected as spam")
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        msg = write(db, "initech:refused")
        report = send(db, email_transport(port))
    finally:
        controller.stop()
    assert (report.sent, report.failed) == (0, 1)
    failed = load(db, msg.message_id)
    assert failed.status == MessageStatus.failed and "554" in (failed.last_error or "")


def test_only_one_sender_claims_a_message(db: Engine) -> None:
    msg = write(db, "initech:claim")
    assert service.claim(db, msg.message_id, now=NOW) is not None
    assert service.claim(db, msg.message_id, now=NOW) is None

    other = write(db, "initech:nested")
    inner = RecordingTransport()

    class Racing:
        """While it sends, a second sender runs: it must find nothing to send."""

        def __init__(self) -> None:
            self.sent: list[str] = []

        def send(self, message: OutboxMessage) -> str:
            report = send(db, {"email": inner})
            assert report.sent == 0
            self.sent.append(message.idempotency_key)
            return "ok"

    racing = Racing()
    assert send(db, {"email": racing}).sent == 1
    assert racing.sent == ["initech:nested"] and inner.sent == []
    assert load(db, other.message_id).status == MessageStatus.sent


class RecordingTransport:
    def __init__(self, error: Exception | None = None) -> None:
        self.sent: list[str] = []
        self.error = error

    def send(self, message: OutboxMessage) -> str:
        if self.error is not None:
            raise self.error
        self.sent.append(message.idempotency_key)
        return f"rec-{len(self.sent)}"


def test_a_transport_that_cannot_tell_marks_the_message_uncertain(db: Engine) -> None:
    msg = write(db, "initech:unsure")
    report = send(db, {"email": RecordingTransport(DeliveryUncertain("reset after data"))})
    assert report.uncertain == 1
    assert load(db, msg.message_id).status == MessageStatus.uncertain


def test_a_channel_without_transport_stays_queued(db: Engine) -> None:
    msg = write(db, "initech:hook", channel="webhook", audience="internal", to="#renewals")
    report = send(db, {"email": RecordingTransport()})
    assert report.skipped == 1 and report.sent == 0
    assert load(db, msg.message_id).status == MessageStatus.approved


# --- (e) webhook ------------------------------------------------------------------------


class Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], dict[str, Any]]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        payload = json.loads(self.rfile.read(length).decode("utf-8"))
        type(self).received.append((dict(self.headers), payload))
        self.send_response(type(self).status)
        self.send_header("X-Request-Id", "req-1")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[tuple[type[Hook], str]]:
    handler = type("TestHook", (Hook,), {"received": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield handler, f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_the_webhook_receives_slack_compatible_json(db: Engine, hook: Any) -> None:
    handler, url = hook
    msg = write(
        db,
        "globex:alert",
        account="globex",
        audience="internal",
        channel="webhook",
        to="#renewals",
        subject="Globex renews in 90 days",
        body="Owner: carl. Health 41 (red). Über 42.000 USD ARR.",
    )
    assert msg.status == MessageStatus.approved  # internal: no customer permission needed
    report = send(db, {"webhook": WebhookTransport(url, timeout=5)})
    assert report.sent == 1
    assert send(db, {"webhook": WebhookTransport(url, timeout=5)}).sent == 0
    [(headers, payload)] = handler.received
    assert (
        payload["text"]
        == "*Globex renews in 90 days*\n\nOwner: carl. Health 41 (red). Über 42.000 USD ARR."
    )
    assert payload["renewals"] == {
        "idempotency_key": "globex:alert",
        "account_id": "globex",
        "renewal_id": "globex-2027",
        "step": "heads_up",
    }
    assert headers["Idempotency-Key"] == "globex:alert"
    assert load(db, msg.message_id).facts["provider_id"] == "req-1"


def test_a_webhook_error_status_is_a_failure(db: Engine, hook: Any) -> None:
    handler, url = hook
    handler.status = 500
    msg = write(db, "globex:alert", account="globex", audience="internal", channel="webhook")
    report = send(db, {"webhook": WebhookTransport(url, timeout=5)})
    assert report.failed == 1 and len(handler.received) == 1
    failed = load(db, msg.message_id)
    assert failed.status == MessageStatus.failed and "HTTP 500" in (failed.last_error or "")
    # issue 22: `outbox send` prints the failure in the reader's words; stored in English
    [result] = report.results
    assert failed.last_error == result.detail
    assert result.detail.startswith("RuntimeError: webhook answered HTTP 500 ")
    reason = result.detail.removeprefix("RuntimeError: webhook answered HTTP 500 ")
    with i18n.using("de"):
        said = i18n.tr(result.detail)
        assert said == f"RuntimeError: der Webhook antwortete mit HTTP 500 {reason}", said
    with i18n.using("ms"):
        assert i18n.tr(result.detail) == f"RuntimeError: webhook menjawab HTTP 500 {reason}"


# --- writing messages and permissions ---------------------------------------------------


def test_existing_keys_answers_in_chunks(db: Engine) -> None:
    keys = [f"initech:{n}" for n in range(3)]
    for key in keys:
        write(db, key)
    asked = [f"absent:{n}" for n in range(1200)] + keys + keys
    with session_scope(db) as session:
        assert service.existing_keys(session, asked) == set(keys)
        assert service.existing_keys(session, []) == set()


def test_enqueue_writes_each_key_once_in_one_transaction(db: Engine) -> None:
    with session_scope(db) as session:
        service.existing_keys(session, ["initech:a", "initech:b"])
        results = [
            service.enqueue(
                session,
                key=key,
                renewal_id=None,
                account_id="initech",
                step="alert",
                rule="TIME-5",
                audience="internal",
                channel="email",
                to_address=CARL,
                to_name="Carl",
                language="en",
                subject="s",
                body="b",
                created_on=TODAY,
                facts=None,
                segment=None,
                policy=POLICY,
            )
            for key in ("initech:a", "initech:b", "initech:a")
        ]
        assert [created for _, created in results] == [True, True, False]
        assert results[0][0] is results[2][0]
    with session_scope(db) as session:
        assert len(service.list_messages(session, account_id="initech")) == 2


def test_enqueue_after_a_rollback_writes_the_message_again(db: Engine) -> None:
    session = make_sessionmaker(db)()
    try:
        args: dict[str, Any] = {
            "renewal_id": "globex-2027",
            "account_id": "globex",
            "step": "heads_up",
            "rule": "TIME-5",
            "audience": "customer",
            "channel": "email",
            "to_address": "anna@customer.example",
            "to_name": None,
            "language": "en",
            "subject": "s",
            "body": "b",
            "created_on": TODAY,
            "facts": None,
            "segment": "mid_market",
            "policy": POLICY,
        }
        service.set_permission(session, "globex", "auto", by=CARL, reason="trial")
        first, created = service.enqueue(session, key="globex:k", **args)
        assert created and first.status == MessageStatus.approved
        session.rollback()  # the item failed: neither the permission nor the message stay
        again, created = service.enqueue(session, key="globex:k", **args)
        assert created and again is not first
        assert again.status == MessageStatus.pending_approval
        session.commit()
    finally:
        session.close()
    with session_scope(db) as check:
        assert [m.status for m in service.list_messages(check)] == ["pending_approval"]


def test_a_message_without_recipient_is_blocked(db: Engine) -> None:
    msg = write(db, "initech:nobody", to=None)
    assert msg.status == MessageStatus.blocked
    assert send(db, {"email": RecordingTransport()}).sent == 0


def test_an_owner_who_says_never_stops_every_customer_message(db: Engine) -> None:
    queued = write(db, "initech:queued")
    internal = write(db, "initech:internal", audience="internal", to=CARL)
    with pytest.raises(Forbidden), session_scope(db) as session:
        service.set_permission(session, "initech", "never", by=SAM, reason="not mine")
    with pytest.raises(RenewalsError), session_scope(db) as session:
        service.set_permission(session, "initech", "sometimes", by=CARL, reason="x")
    with session_scope(db) as session:
        change = service.set_permission(
            session, "initech", PermissionMode.never, by=CARL, reason="Contract dispute"
        )
    assert change.cancelled == [queued.message_id] and change.previous == PermissionMode.auto
    assert load(db, queued.message_id).status == MessageStatus.cancelled
    assert load(db, internal.message_id).status == MessageStatus.approved

    later = write(db, "initech:later")
    assert later.status == MessageStatus.cancelled
    assert CARL in later.status_reason and "Contract dispute" in later.status_reason
    with session_scope(db) as session:
        mode, reason = service.permission(session, "initech", segment="smb", policy=POLICY)
        assert mode == PermissionMode.never and CARL in reason
        event = session.scalars(select(AuditEvent)).one()
        assert event.action == "outbox.permission" and event.detail["mode"] == "never"


def test_approve_each_holds_what_no_person_approved_and_auto_is_named(db: Engine) -> None:
    by_policy = write(db, "initech:policy")
    with session_scope(db) as session:
        change = service.set_permission(
            session, "initech", "approve_each", by=MIA, reason="New buyer, go slowly"
        )
    assert change.held == [by_policy.message_id]
    held = load(db, by_policy.message_id)
    assert held.status == MessageStatus.pending_approval and held.approved_by is None

    with session_scope(db) as session:  # a mid-market owner opts in
        service.set_permission(session, "globex", "auto", by=CARL, reason="Buyer asked for it")
    allowed = write(db, "globex:auto", account="globex")
    assert allowed.status == MessageStatus.approved and allowed.approved_by == CARL


def test_closing_a_renewal_cancels_what_has_not_left(db: Engine) -> None:
    sent = write(db, "initech:sent")
    send(db, {"email": RecordingTransport()})
    waiting = write(db, "initech:later")
    other = write(db, "globex:waiting", account="globex")
    with session_scope(db) as session:
        count = service.cancel_for_renewal(session, "initech-2027", reason="renewal closed: won")
    assert count == 1
    assert load(db, sent.message_id).status == MessageStatus.sent
    assert load(db, waiting.message_id).status == MessageStatus.cancelled
    assert load(db, other.message_id).status == MessageStatus.pending_approval
    with session_scope(db) as session:
        assert [m.message_id for m in service.list_messages(session, status="cancelled")] == [
            waiting.message_id
        ]
        assert service.list_messages(session, renewal_id="globex-2027", limit=5)[0].step == (
            "heads_up"
        )


# --- the CLI ----------------------------------------------------------------------------

runner = CliRunner()


def cli(db: Engine, *args: str, port: int | None = None) -> Any:
    env = {
        "RENEWALS_DATABASE_URL": db.url.render_as_string(hide_password=False),
        "RENEWALS_SMTP_FROM": SENDER,
        "COLUMNS": "200",
    }
    if port is not None:
        env["RENEWALS_SMTP_PORT"] = str(port)
    return runner.invoke(outbox_app, list(args), env=env)


def test_the_cli_lists_approves_and_sends(db: Engine, smtp: Any) -> None:
    handler, port = smtp
    msg = write(db, "globex:cli", account="globex", subject="Ihre Verlängerung [2027]")
    listed = cli(db, "list", "--status", "pending_approval", "--json")
    assert listed.exit_code == 0, listed.output
    [row] = [json.loads(line) for line in listed.output.splitlines()]
    assert row["id"] == msg.message_id and row["status"] == "pending_approval"

    shown = cli(db, "show", str(msg.message_id))
    assert shown.exit_code == 0 and "Ihre Verlängerung [2027]" in shown.output

    refused = cli(db, "approve", str(msg.message_id), "--by", SAM)
    assert refused.exit_code == 1 and "may not approve" in refused.output

    dry = cli(db, "send", "--dry-run")
    assert dry.exit_code == 0 and "0 message(s) would be sent" in dry.output

    assert cli(db, "approve", str(msg.message_id), "--by", CARL).exit_code == 0
    dry = cli(db, "send", "--dry-run")
    assert "1 message(s) would be sent" in dry.output and handler.envelopes == []

    sent = cli(db, "send", port=port)
    assert sent.exit_code == 0, sent.output
    assert "Sent 1, failed 0" in sent.output and len(handler.envelopes) == 1
    assert "Sent 0" in cli(db, "send", port=port).output and len(handler.envelopes) == 1


def test_the_cli_sets_a_permission_and_reports_bad_input(db: Engine) -> None:
    write(db, "initech:cli")
    allowed = cli(db, "allow", "initech", "--mode", "never", "--by", CARL, "--reason", "Dispute")
    assert allowed.exit_code == 0, allowed.output
    assert "never" in allowed.output and "Cancelled 1" in allowed.output
    assert cli(db, "list", "--status", "bogus").exit_code == 2
    assert cli(db, "show", "999").exit_code == 1
    assert cli(db, "retry", "999", "--by", CARL).exit_code == 1


def test_a_person_allows_a_list_of_accounts_at_once_and_it_is_shown(
    db: Engine, tmp_path: Path
) -> None:
    # TIME-5 (issue 16): bulk allowance from a list; each account checked and audited.
    listing = tmp_path / "allow.txt"
    listing.write_text("account_id\nglobex  # reviewed with Gerda\n\ninitech\n", encoding="utf-8")
    waiting = write(db, "globex:bulk", account="globex")
    assert waiting.status == MessageStatus.pending_approval
    result = cli(
        db, "allow", "--from", str(listing), "--mode", "auto", "--by", MIA, "--reason", "QBR list"
    )
    assert result.exit_code == 0, result.output
    assert "2 accounts set to auto" in result.output
    allowed = write(db, "globex:bulk2", account="globex")
    assert allowed.status == MessageStatus.approved and allowed.approved_by == MIA
    with session_scope(db) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "outbox.permission")
        ).all()
        assert sorted(e.entity_id for e in events) == ["globex", "initech"]
    shown = cli(db, "allowances")
    assert shown.exit_code == 0 and "QBR list" in shown.output and MIA in shown.output
    revoked = cli(db, "allow", "globex", "--mode", "approve_each", "--by", CARL, "--reason", "x")
    assert revoked.exit_code == 0 and "Holding 1" in revoked.output
    # neither id nor list
    assert cli(db, "allow", "--mode", "auto", "--by", CARL, "--reason", "x").exit_code == 2
    # TIME-5: the mode is a person's deliberate choice: without --mode nothing is allowed
    unsaid = cli(db, "allow", "globex", "--by", CARL, "--reason", "x")
    assert unsaid.exit_code == 2 and "--mode" in unsaid.output
    with session_scope(db) as session:
        assert session.get(MessagePermission, "globex").mode == "approve_each"
    with session_scope(db) as session:
        missing = tmp_path / "missing.txt"
        missing.write_text("nope\n", encoding="utf-8")
    assert (
        cli(
            db, "allow", "--from", str(missing), "--mode", "auto", "--by", MIA, "--reason", "x"
        ).exit_code
        == 1
    )


def test_a_newer_campaign_message_withdraws_the_older_but_never_a_signing_request(
    db: Engine,
) -> None:
    # TIME-5 (issue 16): the T-30 notice replaces a waiting T-60 heads-up; the contract's
    # signing request for the same renewal is not the campaign's and stays.
    from renewals.playbook.messages import CUSTOMER_STEPS

    heads_up = write(db, "globex-heads-up", account="globex")
    signing = write(db, "globex-signing", account="globex", step="contract_signing")
    notice = write(db, "globex-notice", account="globex", step="formal_notice")
    with session_scope(db) as session:
        newer = service.get(session, notice.message_id)
        withdrawn = service.withdraw_superseded(
            session, "globex-2027", newer=newer, on=TODAY, steps=CUSTOMER_STEPS
        )
    assert withdrawn == [heads_up.message_id]
    assert load(db, heads_up.message_id).status == "cancelled"
    assert load(db, signing.message_id).status == "pending_approval"
    assert load(db, notice.message_id).status == "pending_approval"


def test_the_campaign_reads_allowances_and_queued_messages_once_for_a_batch(
    db: Engine,
) -> None:
    # Issue 20 (TIME-5 as above): the daily campaign reads the batch's allowances and its
    # queued campaign messages up front; then enqueue asks the database nothing per
    # account, and the withdrawal is the one the per-renewal query makes.
    from sqlalchemy import event

    from renewals.playbook.messages import CUSTOMER_STEPS

    heads_up = write(db, "globex-heads-up", account="globex")
    signing = write(db, "globex-signing", account="globex", step="contract_signing")
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with session_scope(db) as session:
        queued = service.open_campaign_messages(
            session, ["globex-2027", "initech-2027"], steps=CUSTOMER_STEPS
        )
        assert {k: [m.message_id for m in v] for k, v in queued.items()} == {
            "globex-2027": [heads_up.message_id]
        }
        service.remember_permissions(session, ["globex", "initech"])
        service.existing_keys(session, ["globex-notice", "initech-notice"])
        event.listen(db, "before_cursor_execute", seen)
        try:
            newer = {}
            for account in ("globex", "initech"):
                newer[account], created = enqueue(
                    session, f"{account}-notice", account=account, step="formal_notice"
                )
                assert created
            withdrawn = service.withdraw_superseded(
                session,
                "globex-2027",
                newer=newer["globex"],
                on=TODAY,
                steps=CUSTOMER_STEPS,
                older=queued.get("globex-2027", []),
            )
        finally:
            event.remove(db, "before_cursor_execute", seen)
        assert statements == []
        # the allowance carl set for initech was found in the session, not assumed absent
        assert newer["initech"].status == "approved"
        assert newer["initech"].approved_by == CARL
    assert withdrawn == [heads_up.message_id]
    assert load(db, heads_up.message_id).status == "cancelled"
    assert load(db, signing.message_id).status == "pending_approval"
