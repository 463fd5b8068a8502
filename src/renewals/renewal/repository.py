"""Renewal queries: what the daily sync reads, in a handful of set-based queries."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from renewals.account.models import Account
from renewals.contract.models import Contract
from renewals.health import repository as health_repository
from renewals.health.models import HealthSnapshot
from renewals.kit.batches import Batch, account_batches
from renewals.renewal.domain import OPEN_STAGES
from renewals.renewal.models import Renewal
from renewals.user.models import User


@dataclass(frozen=True)
class ContractRow:
    contract_id: str
    account_id: str
    end_date: date
    arr: Decimal
    currency: str
    auto_renew: bool
    payment_on_file: bool
    outcome: str | None
    closed_at: date | None
    strategic: bool
    customer_since: date | None
    segment_override: str | None
    segment_override_reason: str | None
    account_owner: str | None


def contracts_to_renew(session: Session, batch: Batch | None = None) -> list[ContractRow]:
    """FUND-1: every open contract (no outcome yet), plus the contracts of renewals we
    already track (to see them close); only contract IDs in `batch`'s range, if given."""
    tracked = select(Renewal.contract_id).where(Renewal.stage.in_([s.value for s in OPEN_STAGES]))
    query = (
        select(
            Contract.contract_id,
            Contract.account_id,
            Contract.end_date,
            Contract.arr,
            Contract.currency,
            Contract.auto_renew,
            Contract.payment_on_file,
            Contract.outcome,
            Contract.closed_at,
            Account.strategic,
            Account.customer_since,
            Account.segment_override,
            Account.segment_override_reason,
            Account.owner_email,
        )
        .join(Account, Account.account_id == Contract.account_id)
        .where(Contract.outcome.is_(None) | Contract.contract_id.in_(tracked))
        .order_by(Contract.contract_id)
    )
    if batch is not None:
        query = query.where(batch.where(Contract.contract_id))
    return [ContractRow(*tuple(row)) for row in session.execute(query)]


@dataclass(frozen=True)
class HealthRow:
    score: float | None
    category: str | None
    relationship: float | None
    risk: str | None
    growth: tuple[str, ...]


def health_on(
    session: Session, as_of: date, accounts: Collection[str] | None = None
) -> dict[str, HealthRow]:
    """The latest health snapshot on or before `as_of` per account (the day's, normally),
    of `accounts` if given."""
    day = session.scalar(
        select(func.max(HealthSnapshot.as_of)).where(HealthSnapshot.as_of <= as_of)
    )
    if day is None:
        return {}
    dialect = session.get_bind().dialect.name
    query = select(
        HealthSnapshot.account_id,
        HealthSnapshot.score,
        HealthSnapshot.category,
        health_repository.component_score_json("relationship", dialect),
        HealthSnapshot.risk,
        HealthSnapshot.reasons,
    ).where(HealthSnapshot.as_of == day)
    if accounts is not None:
        query = query.where(HealthSnapshot.account_id.in_(list(accounts)))
    rows = session.execute(query)
    found = {}
    for account_id, score, category, relationship, risk, reasons in rows:
        growth = tuple(r for r in reasons or [] if "expansion opportunity" in r)
        found[account_id] = HealthRow(
            score,
            category,
            None if relationship is None else json.loads(relationship),
            risk,
            growth,
        )
    return found


def active_people(session: Session) -> list[tuple[str, str, str | None]]:
    """(email, role, manager_email) of every active user."""
    query = select(User.email, User.role, User.manager_email).where(User.active.is_(True))
    return [(email, role, manager) for email, role, manager in session.execute(query)]


def open_load(session: Session) -> Counter[str]:
    """Open renewals per owner (OWN-2 load balancing)."""
    rows = session.execute(
        select(Renewal.owner_email, func.count())
        .where(Renewal.stage.in_([s.value for s in OPEN_STAGES]), Renewal.owner_email.is_not(None))
        .group_by(Renewal.owner_email)
    )
    return Counter({email: n for email, n in rows if email is not None})


def renewal_values_by_contract(
    session: Session, contracts: Collection[str], columns: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The renewals of these contracts as plain values (contract id -> {column: value})."""
    query = select(Renewal.contract_id, *(getattr(Renewal, c) for c in columns)).where(
        Renewal.contract_id.in_(list(contracts))
    )
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in session.execute(query)}


def contract_batches(session: Session, size: int) -> list[Batch]:
    """Every contract ID in ranges of `size`, in ID order (the order the sync works in)."""
    return account_batches(session, size, select(Contract.contract_id))
