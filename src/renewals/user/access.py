"""Who may see and change which account (TECH-5), enforced on the server for every action.

- csm, specialist, sales: the accounts they own or whose open renewal they own; other
  accounts read-only only when `web.csm_can_read_others` is true.
- manager: their own and their team's (everyone whose manager chain leads to them).
- director, vp, executive, admin: every account.

Approval authority (CONC-3) is separate: see renewals.concession.domain.role_covers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from renewals.account.models import Account
from renewals.errors import Forbidden
from renewals.policy.domain import Web
from renewals.renewal.models import Renewal
from renewals.user.models import User

SEE_ALL_ROLES = frozenset({"director", "vp", "executive", "admin"})
TEAM_ROLES = frozenset({"manager"})


def team_emails(session: Session, user: User) -> set[str]:
    """The user and everyone who reports to them, directly or through others."""
    managers: dict[str, list[str]] = {}
    for email, manager in session.execute(select(User.email, User.manager_email)):
        if manager:
            managers.setdefault(manager, []).append(email)
    team, todo = {user.email}, [user.email]
    while todo:
        for report in managers.get(todo.pop(), []):
            if report not in team:
                team.add(report)
                todo.append(report)
    return team


@dataclass(frozen=True)
class Scope:
    """The owners whose accounts a user works on; `everything` lifts the limit."""

    everything: bool
    owners: frozenset[str]
    read_everything: bool

    def covers_owner(self, *emails: str | None) -> bool:
        return self.everything or any(e in self.owners for e in emails if e)


def scope_for(session: Session, user: User, policy: Web) -> Scope:
    if user.role in SEE_ALL_ROLES:
        return Scope(True, frozenset(), True)
    owners = team_emails(session, user) if user.role in TEAM_ROLES else {user.email}
    return Scope(False, frozenset(owners), policy.csm_can_read_others)


def _owners_of(session: Session, account_id: str) -> tuple[str | None, ...]:
    account = session.get(Account, account_id)
    if account is None:
        return ()
    renewal_owners = session.scalars(
        select(Renewal.owner_email).where(
            Renewal.account_id == account_id, Renewal.outcome.is_(None)
        )
    ).all()
    return (account.owner_email, *renewal_owners)


def can_edit_account(session: Session, user: User, account_id: str, policy: Web) -> bool:
    return scope_for(session, user, policy).covers_owner(*_owners_of(session, account_id))


def can_view_account(session: Session, user: User, account_id: str, policy: Web) -> bool:
    scope = scope_for(session, user, policy)
    return scope.read_everything or scope.covers_owner(*_owners_of(session, account_id))


def require_view(session: Session, user: User, account_id: str, policy: Web) -> None:
    if not can_view_account(session, user, account_id, policy):
        raise Forbidden(f"{user.email} may not see account {account_id}")


def require_edit(session: Session, user: User, account_id: str, policy: Web) -> None:
    if not can_edit_account(session, user, account_id, policy):
        raise Forbidden(f"{user.email} may not change account {account_id}")
