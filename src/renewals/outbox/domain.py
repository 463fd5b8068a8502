"""Outbox rules on plain values (TIME-5): who may be sent what, and how delivery retries.

No I/O and no clock: the service passes the facts in and stores what comes out.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from renewals.kit.i18n import Text
from renewals.policy.domain import Campaign
from renewals.user.domain import Role


class MessageStatus(StrEnum):
    """Where a message is on its way out (see docs/outbox.md)."""

    pending_approval = "pending_approval"
    approved = "approved"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    dead = "dead"
    uncertain = "uncertain"
    blocked = "blocked"
    cancelled = "cancelled"

    @classmethod
    def sendable(cls) -> tuple[MessageStatus, ...]:
        """Statuses the sender may claim (a failed message once its retry is due)."""
        return (cls.approved, cls.failed)

    @classmethod
    def open_statuses(cls) -> tuple[MessageStatus, ...]:
        """Statuses that may still leave, so closing the renewal cancels them."""
        return (cls.pending_approval, cls.approved, cls.failed)

    @classmethod
    def retryable(cls) -> tuple[MessageStatus, ...]:
        """Statuses a person may put back in the queue with `renewals outbox retry`."""
        return (cls.failed, cls.dead, cls.uncertain)


class Audience(StrEnum):
    customer = "customer"
    internal = "internal"


class PermissionMode(StrEnum):
    """TIME-5: what an account's owner allows automation to send to the account."""

    auto = "auto"
    approve_each = "approve_each"
    never = "never"


# Roles that may act on any account's messages, whoever owns it.
SENIOR_ROLES = frozenset({Role.director, Role.vp, Role.executive, Role.admin})


def initial_status(
    audience: Audience,
    mode: PermissionMode,
    has_recipient: bool,
    *,
    fresh_approval: str | None = None,
) -> tuple[MessageStatus, str]:
    """TIME-5: the status a new message is written with, and why.

    A customer message of an account whose owner said `never` is cancelled even
    without a recipient (it would never leave anyway); any other message without a
    recipient is blocked; internal messages need no customer permission. A customer
    message of an at-risk or red account (`fresh_approval` says why) waits for a
    person's approval of that very message, whatever the account's allowance.
    """
    if audience == Audience.customer and mode == PermissionMode.never:
        return (
            MessageStatus.cancelled,
            Text("TIME-5: the account allows no automated customer messages (never)"),
        )
    if not has_recipient:
        return MessageStatus.blocked, Text("TIME-5: no recipient address, so it cannot be sent")
    if audience == Audience.internal:
        return (
            MessageStatus.approved,
            Text("TIME-5: internal message to our own people; no customer permission needed"),
        )
    if mode == PermissionMode.auto and fresh_approval:
        return (
            MessageStatus.pending_approval,
            Text(
                "TIME-5: waits for a person's approval of this message: {fresh_approval} (the account's allowance does not cover it)",
                fresh_approval=fresh_approval,
            ),
        )
    if mode == PermissionMode.auto:
        return (
            MessageStatus.approved,
            Text("TIME-5: the account allows automated customer messages (auto)"),
        )
    return (
        MessageStatus.pending_approval,
        Text(
            "TIME-5: every customer message to this account waits for a person's approval "
            "(approve_each)"
        ),
    )


def default_mode(campaign: Campaign) -> tuple[PermissionMode, str]:
    """TIME-5: the permission of an account no person has set one for.

    Automation never sends a customer message a person has not allowed for that
    account, so without an allowance every customer message waits for approval.
    """
    if not campaign.require_owner_permission:
        return (
            PermissionMode.auto,
            Text(
                "TIME-5: campaign.require_owner_permission is false, so automated customer "
                "messages are allowed for every account"
            ),
        )
    return (
        PermissionMode.approve_each,
        Text(
            "TIME-5: no person has allowed automated customer messages for this account "
            "(`renewals outbox allow`), so each one needs a person's approval"
        ),
    )


def next_attempt_delay(
    attempts: int, backoff_minutes: float, *, cap: timedelta = timedelta(days=1)
) -> timedelta:
    """TIME-5: wait `backoff_minutes` after the first failed attempt, doubling each time.

    `attempts` counts the attempts made so far (1 after the first failure). The delay
    is capped (a day by default) so a high max_attempts never schedules years ahead.
    """
    exponent = max(attempts, 1) - 1
    # Compare before multiplying: 2**exponent minutes overflows timedelta quickly.
    if exponent >= 40:
        return cap
    return min(timedelta(minutes=backoff_minutes * 2**exponent), cap)


def after_failure(attempts: int, max_attempts: int) -> MessageStatus:
    """TIME-5: a failed attempt is retried until `max_attempts`, then it is dead."""
    return MessageStatus.dead if attempts >= max_attempts else MessageStatus.failed


def approval_authority(
    email: str,
    role: str,
    *,
    owners: dict[str, str],
    managers: dict[str, str],
) -> str | None:
    """TIME-5: why this person may approve, decline or retry an account's messages, or None.

    `owners` maps an owner's email to what they own ("renewal owner", "account owner");
    `managers` maps each manager up the owners' chains to whom they manage.
    """
    email = email.lower()
    if email in owners:
        return owners[email]
    if email in managers:
        return f"manager of {managers[email]}"
    if role in SENIOR_ROLES:
        return role
    return None


def permission_authority(email: str, role: str, *, account_owner: str | None) -> str | None:
    """TIME-5: why this person may set an account's message permission, or None.

    The account's owner, any manager or senior role, or an admin may.
    """
    if account_owner is not None and email.lower() == account_owner.lower():
        return "account owner"
    if role == Role.manager or role in SENIOR_ROLES:
        return role
    return None
