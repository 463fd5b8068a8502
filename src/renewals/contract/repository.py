"""Contract queries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from renewals.account.domain import Segment
from renewals.account.models import Account
from renewals.contract.domain import ContractFacts, Outcome
from renewals.contract.models import BookSnapshot, Contract


def open_contract_facts(session: Session, *, as_of: date) -> Iterator[ContractFacts]:
    rows = session.execute(
        select(
            Contract.account_id,
            Contract.arr,
            Contract.end_date,
            Account.segment_override,
            Contract.currency,
        )
        .join(Account, Account.account_id == Contract.account_id)
        .where(Contract.outcome.is_(None), Contract.end_date >= as_of)
    )
    for account_id, arr, end_date, override, currency in rows:
        yield ContractFacts(
            account_id, arr, end_date, None, Segment(override) if override else None, currency
        )


def count_accounts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Account)) or 0


def count_closed(session: Session) -> dict[Outcome, int]:
    rows = session.execute(
        select(Contract.outcome, func.count())
        .where(Contract.outcome.is_not(None))
        .group_by(Contract.outcome)
    )
    return {Outcome(outcome): n for outcome, n in rows if outcome is not None}


def get_snapshot(session: Session, as_of: date) -> BookSnapshot | None:
    return session.get(BookSnapshot, as_of)


def latest_snapshot(session: Session) -> BookSnapshot | None:
    return session.scalars(
        select(BookSnapshot).order_by(BookSnapshot.as_of.desc()).limit(1)
    ).first()
