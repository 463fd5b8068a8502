"""Account use-cases: load rows, call the account rules, never commit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from renewals.account.models import Account, Stakeholder
from renewals.account.stakeholders import StakeholderFacts, StakeholderMap, stakeholder_map
from renewals.errors import NotFound
from renewals.policy.domain import Policy


def stakeholder_map_for(
    session: Session, account_id: str, *, as_of: date, policy: Policy
) -> StakeholderMap:
    """Build the account's stakeholder map on `as_of` (STK-1, STK-2; SIG-6, SIG-9 gaps)."""
    if session.get(Account, account_id) is None:
        raise NotFound(f"no account {account_id!r}")
    rows = session.scalars(
        select(Stakeholder)
        .where(Stakeholder.account_id == account_id)
        .order_by(Stakeholder.stakeholder_id)
    )
    facts = [
        StakeholderFacts(
            stakeholder_id=row.stakeholder_id,
            name=row.name,
            email=row.email,
            role=row.role,
            started_at=row.started_at,
            left_at=row.left_at,
            last_engaged_at=row.last_engaged_at,
        )
        for row in rows
    ]
    signals = policy.signals
    return stakeholder_map(
        facts,
        as_of=as_of,
        engaged_within_days=signals.engaged_within_days,
        single_thread_max_contacts=signals.single_thread_max_contacts,
        departure_days=signals.stakeholder_change_days,
    )


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
            found[account_id] = language
    return found
