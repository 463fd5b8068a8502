"""Account use-cases: load rows, call the account rules, never commit."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from renewals.account.models import Account, Stakeholder
from renewals.account.stakeholders import StakeholderFacts, StakeholderMap, stakeholder_map
from renewals.errors import NotFound
from renewals.kit.i18n import Text
from renewals.policy.domain import Policy

_STAKEHOLDER_COLUMNS = (
    Stakeholder.stakeholder_id,
    Stakeholder.name,
    Stakeholder.email,
    Stakeholder.role,
    Stakeholder.started_at,
    Stakeholder.left_at,
    Stakeholder.last_engaged_at,
)


def _map(facts: list[StakeholderFacts], *, as_of: date, policy: Policy) -> StakeholderMap:
    signals = policy.signals
    return stakeholder_map(
        facts,
        as_of=as_of,
        engaged_within_days=signals.engaged_within_days,
        single_thread_max_contacts=signals.single_thread_max_contacts,
        departure_days=signals.stakeholder_change_days,
    )


def stakeholder_map_for(
    session: Session, account_id: str, *, as_of: date, policy: Policy
) -> StakeholderMap:
    """Build the account's stakeholder map on `as_of` (STK-1, STK-2; SIG-6, SIG-9 gaps)."""
    if session.get(Account, account_id) is None:
        raise NotFound(Text("no account {id}", id=repr(account_id)))
    rows = session.execute(
        select(*_STAKEHOLDER_COLUMNS)
        .where(Stakeholder.account_id == account_id)
        .order_by(Stakeholder.stakeholder_id)
    )
    return _map([StakeholderFacts(*row) for row in rows], as_of=as_of, policy=policy)


def stakeholder_maps_for(
    session: Session, account_ids: Collection[str], *, as_of: date, policy: Policy
) -> dict[str, StakeholderMap]:
    """`stakeholder_map_for` of many accounts in one query per 1,000 (accounts that exist)."""
    people: dict[str, list[StakeholderFacts]] = {}
    ids = sorted(set(account_ids))
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for account_id in session.scalars(
            select(Account.account_id).where(Account.account_id.in_(chunk))
        ):
            people[account_id] = []
        rows = session.execute(
            select(Stakeholder.account_id, *_STAKEHOLDER_COLUMNS)
            .where(Stakeholder.account_id.in_(chunk))
            .order_by(Stakeholder.account_id, Stakeholder.stakeholder_id)
        )
        row: list[Any]  # the stakeholder's columns, in StakeholderFacts' order
        for account_id, *row in rows:
            if account_id in people:
                people[account_id].append(StakeholderFacts(*row))
    return {a: _map(facts, as_of=as_of, policy=policy) for a, facts in people.items()}


def languages(session: Session, account_ids: list[str]) -> dict[str, str]:
    """The known language of each of these accounts that has one (account id -> code)."""
    found: dict[str, str] = {}
    for start in range(0, len(account_ids), 500):
        chunk = account_ids[start : start + 500]
        for account_id, language in session.execute(
            select(Account.account_id, Account.language).where(
                Account.account_id.in_(chunk), Account.language.is_not(None)
            )
        ):
            if language is not None:
                found[account_id] = language
    return found
