"""Transports that hand one outbox message to the world: SMTP email and a JSON webhook.

A transport raises on any failure. It raises `DeliveryUncertain` when the failure
came after the message may already have been handed over (the connection broke
while the server was taking the data): the sender then never retries on its own,
because a customer message must never arrive twice.
"""

from __future__ import annotations

import hashlib
import json
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import formatdate
from typing import Protocol

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from renewals.kit.i18n import Text
from renewals.outbox.models import OutboxMessage


class OutboxSettings(BaseSettings):
    """Delivery settings, read from RENEWALS_* environment variables (docs/outbox.md)."""

    model_config = SettingsConfigDict(env_prefix="RENEWALS_", extra="ignore")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "renewals@localhost"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    webhook_url: str | None = None
    # A message still `sending` after this long was cut off mid-way: it becomes uncertain.
    sending_stale_minutes: float = 15
    # Per connection; must stay well under sending_stale_minutes.
    delivery_timeout_seconds: float = 30


class DeliveryUncertain(Exception):
    """The message may or may not have been delivered; a person has to check."""


class Transport(Protocol):
    def send(self, message: OutboxMessage) -> str:
        """Deliver the message; return the provider's id for it, raise on failure."""
        ...


def message_id_for(idempotency_key: str) -> str:
    """A Message-ID that is the same on every attempt, so mail clients can spot a duplicate."""
    return f"<{hashlib.sha256(idempotency_key.encode('utf-8')).hexdigest()[:32]}@renewals>"


def recipients(message: OutboxMessage) -> list[str]:
    """The addresses of a message: one, or several separated by commas (an escalation
    goes to the owner and their manager, TIME-5)."""
    return [a.strip() for a in (message.to_address or "").split(",") if a.strip()]


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The email for an outbox message: UTF-8 text, quoted-printable (safe on 7-bit servers)."""
    if not message.to_address:
        raise ValueError(Text("message {id} has no recipient address", id=str(message.message_id)))
    email = EmailMessage()
    email["From"] = sender
    addresses = recipients(message)
    names = [n.strip() for n in (message.to_name or "").split(",")]
    if len(names) != len(addresses):
        names = [""] * len(addresses)
    email["To"] = [
        Address(display_name=n, addr_spec=a) for n, a in zip(names, addresses, strict=True)
    ]
    # A line break in a header would end it early (header injection); keep one line.
    email["Subject"] = " ".join(message.subject.split())
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = message_id_for(message.idempotency_key)
    email["X-Renewals-Idempotency-Key"] = message.idempotency_key
    email.set_content(message.body, charset="utf-8", cte="quoted-printable")
    # After set_content: it replaces every Content-* header, Content-Language included.
    if message.language:
        email["Content-Language"] = message.language
    return email


class SmtpTransport:
    """Send through an SMTP server (smtplib), one connection per message."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 30,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.user = user
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    def send(self, message: OutboxMessage) -> str:
        email = build_email(message, self.sender)
        to = recipients(message)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo_or_helo_if_needed()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password or "")
            options: list[str] = []
            policy = SMTP
            if not (all(a.isascii() for a in to) and self.sender.isascii()):
                if not smtp.has_extn("smtputf8"):
                    raise smtplib.SMTPNotSupportedError(
                        f"{self.host} does not accept non-ASCII addresses (no SMTPUTF8)"
                    )
                options = ["SMTPUTF8", "BODY=8BITMIME"]
                policy = SMTPUTF8
            payload = email.as_bytes(policy=policy)
            # MAIL and RCPT one by one (not sendmail) so we know when the data phase
            # starts: a failure before it is a clean failure, during it is uncertain.
            code, reply = smtp.mail(self.sender, options)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, self.sender)
            for recipient in to:
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
            try:
                code, reply = smtp.data(payload)
            except smtplib.SMTPDataError:
                raise  # the server refused DATA: nothing was handed over
            except (smtplib.SMTPException, OSError) as exc:
                raise DeliveryUncertain(
                    Text(
                        "connection to {server} broke during the data phase: {problem}",
                        server=f"{self.host}:{self.port}",
                        problem=str(exc),
                    )
                ) from exc
            if code != 250:  # smtplib's data() returns the final reply, it does not raise
                raise smtplib.SMTPDataError(code, reply)
        finally:
            # QUIT after a delivered message must not turn it into a failure.
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
        return str(email["Message-ID"])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirected POST would become a GET without the message: treat 3xx as a failure.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class WebhookTransport:
    """POST a Slack-compatible JSON message to one URL; any non-2xx answer is a failure."""

    def __init__(self, url: str, *, timeout: float = 30) -> None:
        self.url = url
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    @staticmethod
    def payload(message: OutboxMessage) -> dict[str, object]:
        return {
            "text": f"*{message.subject}*\n\n{message.body}",
            "renewals": {
                "idempotency_key": message.idempotency_key,
                "account_id": message.account_id,
                "renewal_id": message.renewal_id,
                "step": message.step,
            },
        }

    def send(self, message: OutboxMessage) -> str:
        data = json.dumps(self.payload(message), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            self.url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": message.idempotency_key,
                "User-Agent": "renewals-outbox",
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
                request_id = response.headers.get("X-Request-Id")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(
                Text("webhook answered HTTP {status}", status=f"{exc.code} {exc.reason}")
            ) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, ConnectionRefusedError | socket.gaierror):
                raise  # nothing reached the receiver
            raise DeliveryUncertain(
                Text("webhook request broke off: {problem}", problem=str(exc.reason))
            ) from exc
        except (TimeoutError, ConnectionError) as exc:
            raise DeliveryUncertain(
                Text("webhook request broke off: {problem}", problem=str(exc))
            ) from exc
        if not 200 <= status < 300:
            raise RuntimeError(Text("webhook answered HTTP {status}", status=str(status)))
        return request_id or f"webhook {status} {message_id_for(message.idempotency_key)}"


def transports_from(settings: OutboxSettings) -> dict[str, Transport]:
    """The transport per channel: "email" always, "webhook" when a URL is set."""
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    transports: dict[str, Transport] = {
        "email": SmtpTransport(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            user=settings.smtp_user,
            password=password,
            starttls=settings.smtp_starttls,
            timeout=settings.delivery_timeout_seconds,
        )
    }
    if settings.webhook_url:
        transports["webhook"] = WebhookTransport(
            settings.webhook_url, timeout=settings.delivery_timeout_seconds
        )
    return transports
