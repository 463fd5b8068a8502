"""Alert the admins when a scheduled job gave up: email to every active admin (and
RENEWALS_ALERT_EMAILS), and a webhook post to RENEWALS_ALERT_WEBHOOK_URL when set.

Sent directly, not through the outbox: the outbox may be the job that is failing. An
alert that cannot be delivered is logged; it never hides the job's own failure.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, select

from renewals.audit import service as audit_service
from renewals.db import session_scope
from renewals.kit.time import utc_now
from renewals.outbox.delivery import OutboxSettings, SmtpTransport, WebhookTransport
from renewals.outbox.models import OutboxMessage
from renewals.user.domain import Role
from renewals.user.models import User
from renewals.worker.settings import WorkerSettings

log = logging.getLogger("renewals.worker")


def admin_addresses(engine: Engine, settings: WorkerSettings) -> list[str]:
    """Active admins' addresses, then RENEWALS_ALERT_EMAILS, without repeats."""
    with session_scope(engine) as session:
        admins = session.scalars(
            select(User.email).where(User.role == Role.admin, User.active.is_(True))
        ).all()
    extra = [a.strip() for a in settings.alert_emails.split(",") if a.strip()]
    return list(dict.fromkeys([*admins, *extra]))


def alert_message(job: str, detail: str, to: list[str]) -> OutboxMessage:
    """The alert as an (unsaved) outbox message, so the outbox's transports can carry it."""
    now = utc_now()
    return OutboxMessage(
        idempotency_key=f"worker-alert:{job}:{now:%Y%m%dT%H%M%S%f}",
        account_id="",
        step="worker_alert",
        rule="",
        audience="internal",
        channel="email",
        to_address=", ".join(to),
        to_name=", ".join("" for _ in to),
        language="en",
        subject=f"renewals: the scheduled job {job} is failing",
        body=(
            f"The scheduled job {job} failed and used up its retries.\n\n{detail}\n\n"
            "See /admin/jobs or `renewals status`; `renewals doctor` checks the set-up."
        ),
        status="sending",
        created_on=now.date(),
    )


def alert_admins(engine: Engine, settings: WorkerSettings, job: str, detail: str) -> list[str]:
    """Send the alert by email and webhook; return where it went (errors are logged)."""
    delivered: list[str] = []
    outbox = OutboxSettings()
    to = admin_addresses(engine, settings)
    message = alert_message(job, detail, to)
    if to:
        transport = SmtpTransport(
            outbox.smtp_host,
            outbox.smtp_port,
            outbox.smtp_from,
            user=outbox.smtp_user,
            password=outbox.smtp_password.get_secret_value() if outbox.smtp_password else None,
            starttls=outbox.smtp_starttls,
            timeout=outbox.delivery_timeout_seconds,
        )
        try:
            transport.send(message)
            delivered.append(f"email to {', '.join(to)}")
        except Exception:
            log.exception("could not email the alert for %s", job)
    if settings.alert_webhook_url:
        try:
            WebhookTransport(settings.alert_webhook_url, timeout=10).send(message)
            delivered.append("webhook")
        except Exception:
            log.exception("could not post the alert for %s", job)
    with session_scope(engine) as session:
        audit_service.record(
            session,
            actor="system",
            action="worker.alert",
            entity="worker_job",
            entity_id=job,
            detail={"detail": detail[:2000], "delivered": delivered},
        )
    return delivered
