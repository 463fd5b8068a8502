"""Concessions as the JSON API shows and takes them (CONC-1..7)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field

from renewals.concession.domain import ConcessionKind, GiveBack
from renewals.web.api_common import (
    Ident,
    IsoDate,
    Out,
    RequiredText,
    StrictIn,
    StrictNumber,
    Text,
)


class ConcessionRead(Out):
    concession_id: int
    renewal_id: str
    account_id: str
    kinds: list[str]
    discount_pct: float
    requested_by: str
    requested_at: datetime
    give_back: str | None
    sunset_clause: str | None
    rationale: dict[str, Any]
    risk_severity: str
    required_role: str
    evaluation: dict[str, Any]
    status: str
    next_approver_email: str | None
    decided_by: str | None
    decided_at: datetime | None
    version: int


class StepRead(Out):
    """One step of the approval chain: who, in which role, did what, when and why."""

    actor_email: str
    actor_role: str
    action: str
    at: datetime
    note: str


class ConcessionDetail(ConcessionRead):
    chain: list[StepRead]
    can_approve: bool = Field(description="your role's authority covers it (CONC-3)")
    authority: str = Field(description="what your role may approve (CONC-3)")


class ConcessionCreate(StrictIn):
    """A concession request. A discount needs a give-back (CONC-4) and every request the
    CONC-6 documentation; within your own authority it is approved at once, otherwise it
    is routed to the next approver who may decide it (CONC-3)."""

    renewal_id: Ident
    discount_pct: Annotated[StrictNumber, Field(ge=0, le=100)] = 0.0
    kinds: Annotated[list[ConcessionKind], Field(max_length=6)] = []
    give_back: GiveBack | None = None
    sunset_clause: Text | None = None
    business_rationale: Text = ""
    expected_outcome: Text = ""
    alternatives_considered: Text = ""
    as_of: IsoDate | None = Field(None, description="business day (default today)")


class ConcessionApprove(StrictIn):
    note: Text = ""


class ConcessionDecline(StrictIn):
    note: RequiredText = Field(description="why it is declined (CONC-6)")


class MessageRead(Out):
    """An outbox message (TIME-5) as the approvals inbox shows it."""

    message_id: int
    account_id: str
    renewal_id: str | None
    step: str
    rule: str
    audience: str
    channel: str
    to_address: str | None
    to_name: str | None
    language: str
    subject: str
    body: str
    status: str
    status_reason: str
    created_on: date


class Approvals(Out):
    """What waits for you: concessions routed to you, messages you may approve."""

    concessions: list[ConcessionRead]
    messages: list[MessageRead]
