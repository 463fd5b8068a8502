"""Outbox messages and the per-account permission to send them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base, UTCDateTime


class OutboxMessage(Base):
    """TIME-5: one message (to the customer or to our own people), keyed per renewal and step.

    `idempotency_key` is unique: the daily run never writes a message twice, and the
    sender claims a message before delivering it, so it never leaves twice either.

    Status: pending_approval -> approved -> sending -> sent, or failed (retried with
    backoff) -> dead after the policy's max attempts; `uncertain` when a send was cut
    off mid-way (a person checks before anything is resent); `blocked` when it cannot
    go (no recipient); `cancelled` when the renewal closed first or a person declined.
    """

    __tablename__ = "outbox_message"

    message_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    renewal_id: Mapped[str | None] = mapped_column(ForeignKey("renewal.renewal_id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    step: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(16))
    audience: Mapped[str] = mapped_column(String(16))  # customer | internal
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    to_address: Mapped[str | None] = mapped_column(String(500))
    to_name: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(8), default="en")
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_on: Mapped[date] = mapped_column(Date)
    approved_by: Mapped[str | None] = mapped_column(String(254))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MessagePermission(Base):
    """TIME-5: what the account's owner allows automation to send to this account.

    mode: `auto` (automated customer messages leave without a per-message approval),
    `approve_each` (every customer message waits for a person), `never` (none are
    written as sendable; they are cancelled). Without a row no person has allowed
    anything: every customer message waits for approval (TIME-5).
    """

    __tablename__ = "message_permission"

    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    set_by: Mapped[str] = mapped_column(String(254))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
