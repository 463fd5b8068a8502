"""Outbox use-cases: write messages once, let people allow and approve them, send each once.

Every function but `send_due` and `claim` works in the caller's session and never
commits. `send_due` owns its transactions: each message is claimed in its own
committed transaction before it is handed to a transport, so two senders never
both send it, and a send cut off mid-way leaves it `sending`, then `uncertain`,
never resent without a person.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, inspect, or_, select, true, update
from sqlalchemy.orm import Session

from renewals.account.models import Account
from renewals.audit import service as audit_service
from renewals.db import InSubquery, rows_changed, session_scope
from renewals.errors import Conflict, Forbidden, NotFound, RenewalsError
from renewals.kit.i18n import Text
from renewals.kit.time import utc_now
from renewals.outbox import domain
from renewals.outbox.delivery import DeliveryUncertain, OutboxSettings, Transport
from renewals.outbox.domain import Audience, MessageStatus, PermissionMode
from renewals.outbox.models import MessagePermission, OutboxMessage
from renewals.policy.domain import Policy
from renewals.renewal.models import Renewal
from renewals.user import access
from renewals.user.models import User

# Who `approved_by` names when no person approved the message itself.
POLICY_APPROVER = "policy TIME-5"
KEY_CHUNK = 500
# session.info keys: what this session already knows, so enqueue stays query-light.
_ABSENT_KEYS = "outbox.absent_keys"
_ADDED = "outbox.added"
_PERMISSIONS = "outbox.permissions"


@dataclass(frozen=True)
class Permission:
    mode: PermissionMode
    reason: str
    set_by: str | None  # None: the policy's default, no person set it


@dataclass(frozen=True)
class PermissionChange:
    """What `set_permission` did: the new mode and the queued messages it changed."""

    account_id: str
    mode: PermissionMode
    previous: PermissionMode | None
    cancelled: list[int]
    held: list[int]


@dataclass
class SendResult:
    message_id: int
    status: str
    detail: str = ""


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    uncertain: int = 0
    skipped: int = 0
    results: list[SendResult] = field(default_factory=list)


def _alive(obj: object | None) -> bool:
    """False for a cached row that a rollback took out of the session (or None: alive)."""
    if obj is None:
        return True
    state = inspect(obj)
    return bool(state.pending or state.persistent)


# --- permission ------------------------------------------------------------------------


def _permission(
    session: Session, account_id: str, *, segment: str | None, policy: Policy
) -> Permission:
    cache: dict[str, MessagePermission | None] = session.info.setdefault(_PERMISSIONS, {})
    if account_id not in cache or not _alive(cache[account_id]):
        with session.no_autoflush:
            cache[account_id] = session.get(MessagePermission, account_id)
    row = cache[account_id]
    if row is None:
        mode, reason = domain.default_mode(policy.campaign)
        return Permission(mode, reason, None)
    why = f": {row.reason}" if row.reason else ""
    return Permission(
        PermissionMode(row.mode),
        Text(
            "TIME-5: {set_by} set {mode} on {set_at:%Y-%m-%d}{why}",
            set_by=row.set_by,
            mode=row.mode,
            set_at=row.set_at,
            why=why,
        ),
        row.set_by,
    )


def remember_permissions(session: Session, account_ids: Iterable[str]) -> None:
    """Read the allowances of these accounts in one query per chunk, so that `enqueue`
    finds each account's permission in the session instead of asking the database once
    per account (the daily campaign, issue 20)."""
    cache: dict[str, MessagePermission | None] = session.info.setdefault(_PERMISSIONS, {})
    wanted = sorted(a for a in set(account_ids) if a not in cache or not _alive(cache[a]))
    for start in range(0, len(wanted), KEY_CHUNK):
        chunk = wanted[start : start + KEY_CHUNK]
        with session.no_autoflush:
            found = {
                row.account_id: row
                for row in session.scalars(
                    select(MessagePermission).where(MessagePermission.account_id.in_(chunk))
                )
            }
        for account_id in chunk:
            cache[account_id] = found.get(account_id)


def permission(
    session: Session, account_id: str, *, segment: str | None, policy: Policy
) -> tuple[PermissionMode, str]:
    """Return what the account allows automation to send to it, and why."""
    found = _permission(session, account_id, segment=segment, policy=policy)
    return found.mode, found.reason


def set_permission(
    session: Session, account_id: str, mode: PermissionMode | str, *, by: str, reason: str
) -> PermissionChange:
    """Set what automation may send to an account; queued customer messages follow it.

    `never` cancels the account's queued customer messages; `approve_each` puts those
    approved without a person (by the policy or by an earlier `auto`) back to
    pending_approval. Messages already waiting for approval stay waiting under `auto`.
    """
    try:
        mode = PermissionMode(mode)
    except ValueError:
        choices = ", ".join(PermissionMode)
        raise RenewalsError(
            Text("mode must be one of {choices}, got {value}", choices=choices, value=repr(mode))
        ) from None
    if not reason.strip():
        raise RenewalsError(Text("say why (--reason): the owner's decision is kept with it"))
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(Text("no account {id}", id=account_id))
    user = access.require_active_user(session, by)
    authority = domain.permission_authority(
        user.email, user.role, account_owner=account.owner_email
    )
    if authority is None:
        raise Forbidden(
            Text(
                "{email} ({role}) may not set the message permission of {account}: only its "
                "owner ({owner}), a manager or above, or an admin may (TIME-5)",
                email=user.email,
                role=user.role,
                account=account_id,
                owner=account.owner_email or Text("none"),
            )
        )
    now = utc_now()
    row = session.get(MessagePermission, account_id)
    previous = PermissionMode(row.mode) if row is not None else None
    if row is None:
        row = MessagePermission(account_id=account_id)
        session.add(row)
    row.mode, row.set_by, row.set_at, row.reason = mode, user.email, now, reason.strip()
    session.info.setdefault(_PERMISSIONS, {})[account_id] = row

    cancelled: list[int] = []
    held: list[int] = []
    if mode != PermissionMode.auto:
        queued = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.account_id == account_id,
                OutboxMessage.audience == Audience.customer,
                OutboxMessage.status.in_(MessageStatus.open_statuses()),
            )
        )
        for msg in queued:
            if mode == PermissionMode.never:
                msg.status = MessageStatus.cancelled
                msg.status_reason = Text(
                    "TIME-5: {email} set never: {reason}", email=user.email, reason=reason.strip()
                )
                cancelled.append(msg.message_id)
            elif (
                msg.status != MessageStatus.pending_approval
                and (msg.facts or {}).get("approved_via") != "person"
            ):
                msg.status = MessageStatus.pending_approval
                msg.status_reason = Text(
                    "TIME-5: {email} set approve_each: {reason}; waits for a person's approval",
                    email=user.email,
                    reason=reason.strip(),
                )
                msg.approved_by = msg.approved_at = msg.next_attempt_at = None
                held.append(msg.message_id)
    audit_service.record(
        session,
        actor=user.email,
        action="outbox.permission",
        entity="account",
        entity_id=account_id,
        detail={
            "mode": str(mode),
            "previous": previous and str(previous),
            "reason": reason.strip(),
            "authority": authority,
            "cancelled": cancelled,
            "held": held,
        },
    )
    return PermissionChange(account_id, mode, previous, cancelled, held)


def set_permissions(
    session: Session,
    account_ids: Iterable[str],
    mode: PermissionMode | str,
    *,
    by: str,
    reason: str,
) -> list[PermissionChange]:
    """Set the same permission on a list of accounts (each one checked and audited)."""
    ids = [a.strip() for a in account_ids if a and a.strip()]
    if not ids:
        raise RenewalsError(Text("the list names no account"))
    return [set_permission(session, a, mode, by=by, reason=reason) for a in dict.fromkeys(ids)]


def list_permissions(session: Session, *, account_id: str | None = None) -> list[MessagePermission]:
    """The allowances people set, per account (TIME-5)."""
    query = select(MessagePermission).order_by(MessagePermission.account_id)
    if account_id is not None:
        query = query.where(MessagePermission.account_id == account_id)
    return list(session.scalars(query))


def hold_for_fresh_approval(session: Session, reasons: dict[str, str]) -> list[int]:
    """TIME-5: these renewals are now at risk or red (renewal id -> why): their queued
    customer messages that no person approved one by one wait for a person again."""
    held: list[int] = []
    ids = sorted(reasons)
    for start in range(0, len(ids), KEY_CHUNK):
        for msg in session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.renewal_id.in_(ids[start : start + KEY_CHUNK]),
                OutboxMessage.audience == Audience.customer,
                OutboxMessage.status.in_((MessageStatus.approved, MessageStatus.failed)),
            )
        ):
            if (msg.facts or {}).get("approved_via") == "person":
                continue
            msg.status = MessageStatus.pending_approval
            msg.status_reason = Text(
                "TIME-5: waits for a person's approval of this message: {why}",
                why=reasons[msg.renewal_id or ""],
            )
            msg.approved_by = msg.approved_at = msg.next_attempt_at = None
            held.append(msg.message_id)
    return held


def _open_campaign_messages(renewal_ids: Collection[str], steps: Collection[str]) -> Any:
    return select(OutboxMessage).where(
        OutboxMessage.renewal_id.in_(renewal_ids),
        OutboxMessage.audience == Audience.customer,
        OutboxMessage.step.in_(steps),
        OutboxMessage.status.in_(MessageStatus.open_statuses()),
    )


def open_campaign_messages(
    session: Session, renewal_ids: Iterable[str], *, steps: Collection[str]
) -> dict[str, list[OutboxMessage]]:
    """The renewals' customer messages of the campaign (`steps`) that have not left, as
    the database holds them now, by renewal: what `withdraw_superseded` would find for
    each, read in one query per chunk of renewals (issue 20). Valid while nothing is
    flushed in between."""
    ids = sorted(set(renewal_ids))
    found: dict[str, list[OutboxMessage]] = {}
    for start in range(0, len(ids), KEY_CHUNK):
        with session.no_autoflush:
            for msg in session.scalars(
                _open_campaign_messages(ids[start : start + KEY_CHUNK], steps).order_by(
                    OutboxMessage.message_id
                )
            ):
                found.setdefault(msg.renewal_id or "", []).append(msg)
    return found


def withdraw_superseded(
    session: Session,
    renewal_id: str,
    *,
    newer: OutboxMessage,
    on: date,
    steps: Collection[str],
    older: Sequence[OutboxMessage] | None = None,
) -> list[int]:
    """TIME-5: a newer customer message of the campaign was queued for the renewal: the
    older ones of the same campaign (`steps`) that have not left are withdrawn (a T-60
    heads-up never goes out next to the T-30 notice). Other customer messages, such as a
    contract's signing request, are not the campaign's and stay. `older`: those messages
    as `open_campaign_messages` read them for a batch (else they are read here)."""
    withdrawn: list[int] = []
    if older is None:
        with session.no_autoflush:
            older = session.scalars(
                _open_campaign_messages([renewal_id], steps).order_by(OutboxMessage.message_id)
            ).all()
    for msg in older:
        if msg is newer or msg.idempotency_key == newer.idempotency_key:
            continue
        msg.status = MessageStatus.cancelled
        msg.status_reason = Text(
            "TIME-5: withdrawn on {day}: superseded by the {step} message queued for the same renewal",
            day=on.isoformat(),
            step=newer.step,
        )
        msg.next_attempt_at = None
        withdrawn.append(msg.message_id)
    return withdrawn


# --- writing messages ------------------------------------------------------------------


def existing_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """Return which of these idempotency keys are already in the outbox."""
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), KEY_CHUNK):
        chunk = wanted[start : start + KEY_CHUNK]
        found.update(
            session.scalars(
                select(OutboxMessage.idempotency_key).where(
                    OutboxMessage.idempotency_key.in_(chunk)
                )
            )
        )
    # Remember the misses: enqueue() can then skip its own lookup for them.
    absent: set[str] = session.info.setdefault(_ABSENT_KEYS, set())
    absent.update(k for k in wanted if k not in found)
    return found


def enqueue(
    session: Session,
    *,
    key: str,
    renewal_id: str | None,
    account_id: str,
    step: str,
    rule: str,
    audience: Audience | str,
    channel: str,
    to_address: str | None,
    to_name: str | None,
    language: str,
    subject: str,
    body: str,
    created_on: date,
    facts: dict[str, Any] | None,
    segment: str | None,
    policy: Policy,
    cancelled_because: str | None = None,
    fresh_approval: str | None = None,
) -> tuple[OutboxMessage, bool]:
    """Write a message once per idempotency key; return it and whether it is new.

    An existing message is returned unchanged. The new one gets its status from the
    account's permission (TIME-5), or is recorded as cancelled, never to be sent, when
    `cancelled_because` says why (a superseded campaign message keeps its key this way).
    `fresh_approval` (why the account is at risk) makes a customer message wait for a
    person's approval of it even where the account allows automated messages.
    Nothing is flushed here: the unique key is the last guard if two runs write the
    same message at once.
    """
    added: dict[str, OutboxMessage] = session.info.setdefault(_ADDED, {})
    if key in added:
        if _alive(added[key]):
            return added[key], False
        del added[key]  # rolled back: write it again
    absent: set[str] = session.info.setdefault(_ABSENT_KEYS, set())
    if key not in absent:
        with session.no_autoflush:
            existing = session.scalar(
                select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
            )
        if existing is not None:
            return existing, False
    audience = Audience(audience)
    found = _permission(session, account_id, segment=segment, policy=policy)
    status, reason = domain.initial_status(
        audience, found.mode, bool(to_address), fresh_approval=fresh_approval
    )
    facts = dict(facts or {})
    approved_by: str | None = None
    approved_at: datetime | None = None
    if audience == Audience.customer:
        facts["permission"] = str(found.mode)
        if status != MessageStatus.blocked:  # why the account allows what it allows
            # each reason whole, joined with "; ", so each reads in the reader's language
            reason = f"{reason}; {found.reason}"
    if status == MessageStatus.approved:
        approved_at = utc_now()
        if audience == Audience.internal:
            approved_by, facts["approved_via"] = POLICY_APPROVER, "internal"
        elif found.set_by is None:
            approved_by, facts["approved_via"] = POLICY_APPROVER, "policy"
        else:
            approved_by, facts["approved_via"] = found.set_by, "permission"
    if cancelled_because is not None:
        status, reason, approved_by, approved_at = (
            MessageStatus.cancelled,
            cancelled_because,
            None,
            None,
        )
    msg = OutboxMessage(
        idempotency_key=key,
        renewal_id=renewal_id,
        account_id=account_id,
        step=step,
        rule=rule,
        audience=str(audience),
        channel=channel,
        to_address=to_address or None,
        to_name=to_name,
        language=language,
        subject=subject,
        body=body,
        status=str(status),
        status_reason=reason,
        created_on=created_on,
        approved_by=approved_by,
        approved_at=approved_at,
        attempts=0,
        facts=facts,
    )
    session.add(msg)
    added[key] = msg
    absent.discard(key)
    return msg, True


# --- people acting on messages ---------------------------------------------------------


def get(session: Session, message_id: int) -> OutboxMessage:
    """Get one message by its id."""
    msg = session.get(OutboxMessage, message_id)
    if msg is None:
        raise NotFound(Text("no outbox message {id}", id=message_id))
    return msg


def in_scope(scope: access.Scope) -> ColumnElement[bool]:
    """TIME-5 as one SQL condition: the messages whose renewal's owner or account's owner
    is in the viewer's scope (the owner and their managers; everything for directors and
    above), the people `approve` and `decline` let act on a message. The approvals inbox of
    the API and the outbox pages list with it."""
    if scope.everything:
        return true()
    # InSubquery: the same IN, written so PostgreSQL looks each branch up in an index.
    return or_(
        InSubquery(
            OutboxMessage.renewal_id,
            select(Renewal.renewal_id).where(access.owned_by(Renewal.owner_email, scope)),
        ),
        InSubquery(
            OutboxMessage.account_id,
            select(Account.account_id).where(access.owned_by(Account.owner_email, scope)),
        ),
    )


def _manager_chain(session: Session, emails: Iterable[str]) -> dict[str, str]:
    """Each manager up the chains of these people -> the owner whose chain it is."""
    chain: dict[str, str] = {}
    for owner in emails:
        for manager in access.manager_chain(session, owner):
            chain.setdefault(manager, owner)
    return chain


def _authorise(session: Session, msg: OutboxMessage, by: str, verb: str) -> tuple[User, str]:
    user = access.require_active_user(session, by)
    owners: dict[str, str] = {}
    account = session.get(Account, msg.account_id)
    if msg.renewal_id:
        renewal = session.get(Renewal, msg.renewal_id)
        if renewal is not None and renewal.owner_email:
            owners[access.email_key(renewal.owner_email)] = "renewal owner"
    if account is not None and account.owner_email:
        owners.setdefault(access.email_key(account.owner_email), "account owner")
    authority = domain.approval_authority(
        user.email, user.role, owners=owners, managers=_manager_chain(session, owners)
    )
    if authority is None:
        raise Forbidden(
            Text(
                "{email} ({role}) may not {verb} message {id}: only the owner ({owners}), their "
                "managers, a director or above, or an admin may (TIME-5)",
                email=user.email,
                role=user.role,
                verb=verb,
                id=msg.message_id,
                owners=", ".join(owners) or Text("none"),
            )
        )
    return user, authority


def approve(session: Session, message_ids: Iterable[int], *, by: str) -> list[OutboxMessage]:
    """Approve messages waiting for a person; all or none (the caller's transaction)."""
    approved = []
    now = utc_now()
    for message_id in message_ids:
        msg = get(session, message_id)
        # Authority before state (TECH-5): no 409 describing a message to someone refused.
        user, authority = _authorise(session, msg, by, Text("approve"))
        if msg.status != MessageStatus.pending_approval:
            raise Conflict(
                Text(
                    "message {id} is {status}, not pending_approval: nothing to approve",
                    id=message_id,
                    status=msg.status,
                )
            )
        msg.status = MessageStatus.approved
        msg.status_reason = Text(
            "TIME-5: approved by {email} ({authority})", email=user.email, authority=authority
        )
        msg.approved_by, msg.approved_at = user.email, now
        msg.next_attempt_at = None
        msg.facts = {**(msg.facts or {}), "approved_via": "person"}
        audit_service.record(
            session,
            actor=user.email,
            action="outbox.approve",
            entity="outbox_message",
            entity_id=str(msg.message_id),
            detail={"key": msg.idempotency_key, "authority": authority},
        )
        approved.append(msg)
    return approved


def decline(session: Session, message_id: int, *, by: str, reason: str) -> OutboxMessage:
    """Decline a message waiting for a person: it is cancelled and never sent."""
    if not reason.strip():
        raise RenewalsError(Text("say why the message is declined (--reason)"))
    msg = get(session, message_id)
    user, authority = _authorise(session, msg, by, Text("decline"))  # authority before state
    if msg.status != MessageStatus.pending_approval:
        raise Conflict(
            Text(
                "message {id} is {status}, not pending_approval: nothing to decline",
                id=message_id,
                status=msg.status,
            )
        )
    msg.status = MessageStatus.cancelled
    msg.status_reason = Text(
        "TIME-5: declined by {email} ({authority}): {reason}",
        email=user.email,
        authority=authority,
        reason=reason.strip(),
    )
    audit_service.record(
        session,
        actor=user.email,
        action="outbox.decline",
        entity="outbox_message",
        entity_id=str(msg.message_id),
        detail={"key": msg.idempotency_key, "authority": authority, "reason": reason.strip()},
    )
    return msg


def retry(session: Session, message_id: int, *, by: str) -> OutboxMessage:
    """Put a failed, dead or uncertain message back in the queue with fresh attempts.

    For an uncertain message the person confirms it did not arrive: it may have.
    """
    msg = get(session, message_id)
    if msg.status not in MessageStatus.retryable():
        raise Conflict(
            Text(
                "message {id} is {status}: only failed, dead or uncertain messages can be retried",
                id=message_id,
                status=msg.status,
            )
        )
    user, authority = _authorise(session, msg, by, Text("retry"))
    previous, attempts = msg.status, msg.attempts
    msg.status = MessageStatus.approved
    msg.status_reason = Text(
        "TIME-5: {email} ({authority}) put it back in the queue after {attempts} attempt(s) ({previous})",
        email=user.email,
        authority=authority,
        attempts=attempts,
        previous=previous,
    ) + ("; confirmed it did not arrive" if previous == MessageStatus.uncertain else "")
    msg.attempts, msg.next_attempt_at = 0, None
    audit_service.record(
        session,
        actor=user.email,
        action="outbox.retry",
        entity="outbox_message",
        entity_id=str(msg.message_id),
        detail={
            "key": msg.idempotency_key,
            "authority": authority,
            "previous": str(previous),
            "attempts": attempts,
            "last_error": msg.last_error,
            "confirmed_not_delivered": previous == MessageStatus.uncertain,
        },
    )
    return msg


def cancel_for_renewal(session: Session, renewal_id: str, *, reason: str) -> int:
    """Cancel a renewal's messages that have not left yet; return how many."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.renewal_id == renewal_id,
            OutboxMessage.status.in_(MessageStatus.open_statuses()),
        )
        .values(status=MessageStatus.cancelled, status_reason=f"TIME-5: {reason}")
        .execution_options(synchronize_session="fetch")
    )
    count = rows_changed(result)
    if count:
        audit_service.record(
            session,
            actor="system",
            action="outbox.cancel",
            entity="renewal",
            entity_id=renewal_id,
            detail={"cancelled": count, "reason": reason},
        )
    return count


def sent_customer_messages(
    session: Session, renewal_ids: Iterable[str]
) -> list[tuple[str, str, datetime | None, int]]:
    """(renewal, step, sent at, message id) of the customer messages sent for these renewals."""
    ids = sorted(set(renewal_ids))
    found: list[tuple[str, str, datetime | None, int]] = []
    for start in range(0, len(ids), KEY_CHUNK):
        rows = session.execute(
            select(
                OutboxMessage.renewal_id,
                OutboxMessage.step,
                OutboxMessage.sent_at,
                OutboxMessage.message_id,
            ).where(
                OutboxMessage.renewal_id.in_(ids[start : start + KEY_CHUNK]),
                OutboxMessage.audience == Audience.customer,
                OutboxMessage.status == MessageStatus.sent,
            )
        )
        found.extend((r, s, t, m) for r, s, t, m in rows if r is not None)
    return found


def list_messages(
    session: Session,
    *,
    status: str | None = None,
    account_id: str | None = None,
    renewal_id: str | None = None,
    limit: int | None = 200,
) -> list[OutboxMessage]:
    """List messages, newest first."""
    query = select(OutboxMessage).order_by(
        OutboxMessage.created_on.desc(), OutboxMessage.message_id.desc()
    )
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if account_id is not None:
        query = query.where(OutboxMessage.account_id == account_id)
    if renewal_id is not None:
        query = query.where(OutboxMessage.renewal_id == renewal_id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


# --- sending ---------------------------------------------------------------------------


def _due(now: datetime) -> Any:
    return (
        OutboxMessage.status.in_(MessageStatus.sendable()),
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )


def due_messages(
    session: Session, *, now: datetime | None = None, limit: int | None = None
) -> list[OutboxMessage]:
    """List the messages a send run would try now, oldest first."""
    query = select(OutboxMessage).where(*_due(now or utc_now())).order_by(OutboxMessage.message_id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def mark_stale(engine: Engine, *, now: datetime, stale_after: timedelta) -> list[int]:
    """Mark messages `sending` for longer than `stale_after` as uncertain; return their ids.

    While a message is `sending`, next_attempt_at holds when that attempt began.
    """
    cutoff = now - stale_after
    with session_scope(engine) as session:
        stale = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status == MessageStatus.sending,
                or_(
                    OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at < cutoff
                ),
            )
        ).all()
        for msg in stale:
            msg.status = MessageStatus.uncertain
            msg.status_reason = Text(
                "TIME-5: attempt {attempts} began at {next_attempt_at} and never finished; it may have arrived. Check with the recipient, then `renewals outbox retry` it or leave it",
                attempts=msg.attempts,
                next_attempt_at=msg.next_attempt_at or Text("an unknown time"),
            )
            audit_service.record(
                session,
                actor="system",
                action="outbox.uncertain",
                entity="outbox_message",
                entity_id=str(msg.message_id),
                detail={"key": msg.idempotency_key, "attempts": msg.attempts},
            )
        return [m.message_id for m in stale]


def claim(engine: Engine, message_id: int, *, now: datetime) -> OutboxMessage | None:
    """Take a due message for sending in its own committed transaction; None if taken.

    The conditional UPDATE is the lock: of two senders only one changes the row.
    """
    with session_scope(engine) as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.message_id == message_id, *_due(now))
            .values(
                status=MessageStatus.sending,
                attempts=OutboxMessage.attempts + 1,
                next_attempt_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if rows_changed(result) != 1:
            return None  # another sender got there first, or a person changed it
        return session.get(OutboxMessage, message_id)


def _mark_failed(
    engine: Engine, message_id: int, *, now: datetime, policy: Policy, error: Exception
) -> SendResult:
    campaign = policy.campaign
    with session_scope(engine) as session:
        msg = session.get(OutboxMessage, message_id, with_for_update=True)
        if msg is None or msg.status not in (MessageStatus.sending, MessageStatus.uncertain):
            return SendResult(
                message_id, msg.status if msg else "missing", Text("changed meanwhile")
            )
        # the exception's kind and its message (a Text reads in the reader's words when the
        # result is printed); stored as its English
        said = error.args[0] if len(error.args) == 1 and isinstance(error.args[0], str) else None
        detail = Text("{error}: {reason}", error=type(error).__name__, reason=said or str(error))
        text = str(detail)[:2000]
        msg.last_error = text
        if isinstance(error, DeliveryUncertain):
            msg.status = MessageStatus.uncertain
            msg.status_reason = Text(
                "TIME-5: attempt {attempts} broke off mid-way ({error}); it may have arrived. Check with the recipient, then `renewals outbox retry` it or leave it",
                attempts=msg.attempts,
                error=error,
            )
        else:
            status = domain.after_failure(msg.attempts, campaign.max_attempts)
            msg.status = status
            if status == MessageStatus.dead:
                msg.next_attempt_at = None
                msg.status_reason = Text(
                    "TIME-5: {attempts} of {max_attempts} attempts failed; dead until a person retries it",
                    attempts=msg.attempts,
                    max_attempts=campaign.max_attempts,
                )
            else:
                msg.next_attempt_at = now + domain.next_attempt_delay(
                    msg.attempts, campaign.retry_backoff_minutes
                )
                msg.status_reason = Text(
                    "TIME-5: attempt {attempts} of {max_attempts} failed; next try at {next_attempt_at:%Y-%m-%d %H:%M} UTC",
                    attempts=msg.attempts,
                    max_attempts=campaign.max_attempts,
                    next_attempt_at=msg.next_attempt_at,
                )
        return SendResult(message_id, msg.status, detail if len(detail) <= 2000 else text)


def _mark_sent(engine: Engine, message_id: int, *, now: datetime, provider_id: str) -> SendResult:
    with session_scope(engine) as session:
        msg = session.get(OutboxMessage, message_id, with_for_update=True)
        if msg is None:
            return SendResult(message_id, "missing", provider_id)
        # Also from `uncertain`: a send slower than the stale limit did finish after all.
        msg.status = MessageStatus.sent
        msg.status_reason = Text("TIME-5: delivered on attempt {attempts}", attempts=msg.attempts)
        msg.sent_at, msg.next_attempt_at, msg.last_error = now, None, None
        msg.facts = {**(msg.facts or {}), "provider_id": provider_id}
        return SendResult(message_id, MessageStatus.sent, provider_id)


def send_due(
    engine: Engine,
    *,
    policy: Policy,
    transports: dict[str, Transport],
    now: datetime | None = None,
    limit: int | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    settings: OutboxSettings | None = None,
) -> SendReport:
    """Deliver every due message once: stale sends become uncertain, then claim, send, record.

    A channel without a transport is skipped (the message stays queued). `now` fixes
    the clock for the whole run (tests); by default each step reads the real time.
    """
    settings = settings or OutboxSettings()
    progress = on_progress or (lambda step, done, total: None)
    report = SendReport()
    start = now or utc_now()
    for message_id in mark_stale(
        engine, now=start, stale_after=timedelta(minutes=settings.sending_stale_minutes)
    ):
        report.uncertain += 1
        report.results.append(
            SendResult(message_id, MessageStatus.uncertain, Text("was left sending"))
        )
    with session_scope(engine) as session:
        query = (
            select(OutboxMessage.message_id, OutboxMessage.channel)
            .where(*_due(start))
            .order_by(OutboxMessage.message_id)
        )
        if limit is not None:
            query = query.limit(limit)
        due = [(row.message_id, row.channel) for row in session.execute(query)]
    for done, (message_id, channel) in enumerate(due):
        progress("sending messages", done, len(due))
        transport = transports.get(channel)
        if transport is None:
            report.skipped += 1
            report.results.append(
                SendResult(
                    message_id,
                    "skipped",
                    Text("no transport for channel {channel}", channel=repr(channel)),
                )
            )
            continue
        at = now or utc_now()
        msg = claim(engine, message_id, now=at)
        if msg is None:
            report.skipped += 1
            report.results.append(SendResult(message_id, "skipped", Text("claimed elsewhere")))
            continue
        try:
            provider_id = transport.send(msg)
        except Exception as exc:  # any failure of the transport is recorded, never raised
            result = _mark_failed(
                engine, message_id, now=now or utc_now(), policy=policy, error=exc
            )
        else:
            result = _mark_sent(engine, message_id, now=now or utc_now(), provider_id=provider_id)
        report.results.append(result)
        if result.status == MessageStatus.sent:
            report.sent += 1
        elif result.status == MessageStatus.failed:
            report.failed += 1
        elif result.status == MessageStatus.dead:
            report.dead += 1
        elif result.status == MessageStatus.uncertain:
            report.uncertain += 1
        else:
            report.skipped += 1
    progress("sending messages", len(due), len(due))
    return report
