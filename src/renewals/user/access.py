"""Who may see and change which account (TECH-5), enforced on the server for every action.

- csm, specialist, sales: the accounts they own or whose open renewal they own; other
  accounts read-only only when `web.csm_can_read_others` is true.
- manager: their own and their team's (everyone whose manager chain leads to them).
- director, vp, executive, admin: every account.

This module is the only place the rule is written (issue 14): `visible` is the rule as
one SQL condition for lists and exports, `can_view_account`/`can_edit_account` the same
rule for one account, `team_emails`/`manager_chain` walk the reporting lines, and
`find_user`/`require_active_user` look people up with one email-case rule (`email_key`).
Approval authority (CONC-3) is separate: see renewals.concession.matrix.ApprovalMatrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session

from renewals.account.models import Account
from renewals.db import InSubquery
from renewals.errors import Forbidden
from renewals.kit.i18n import Text
from renewals.policy.domain import Web
from renewals.renewal.models import Renewal
from renewals.user.models import User

SEE_ALL_ROLES = frozenset({"director", "vp", "executive", "admin"})
TEAM_ROLES = frozenset({"manager"})
MAX_CHAIN = 20  # a manager_email cycle must not loop forever


# --- people -----------------------------------------------------------------------------------


def email_key(email: str | None) -> str:
    """The one email-case rule: addresses match ignoring case and surrounding spaces
    (users.csv may use capitals; stored addresses are lower case, user.service)."""
    return (email or "").strip().lower()


def find_user(session: Session, email: str | None) -> User | None:
    """The user with this email, ignoring case."""
    key = email_key(email)
    if not key:
        return None
    user = session.get(User, key)
    if user is None:
        user = session.scalars(
            select(User).where(func.lower(User.email) == key).order_by(User.email)
        ).first()
    return user


def require_active_user(session: Session, email: str | None) -> User:
    """The active user with this email, or 403 saying who is missing."""
    user = find_user(session, email)
    if user is None or not user.active:
        raise Forbidden(
            Text("{email} is not an active user (import them in users.csv)", email=email)
        )
    return user


def manager_chain(session: Session, email: str) -> list[str]:
    """The managers above `email`, nearest first (email keys)."""
    chain: list[str] = []
    current = email_key(email)
    seen = {current}
    for _ in range(MAX_CHAIN):
        manager = session.scalar(
            select(User.manager_email).where(func.lower(User.email) == current)
        )
        key = email_key(manager)
        if not key or key in seen:
            break
        seen.add(key)
        chain.append(key)
        current = key
    return chain


def team_emails(session: Session, user: User) -> set[str]:
    """The user and everyone who reports to them, directly or through others."""
    managers: dict[str, list[str]] = {}
    for email, manager in session.execute(select(User.email, User.manager_email)):
        if manager:
            managers.setdefault(email_key(manager), []).append(email)
    team, todo = {user.email}, [user.email]
    while todo:
        for report in managers.get(email_key(todo.pop()), []):
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
        keys = {email_key(o) for o in self.owners}
        return self.everything or any(email_key(e) in keys for e in emails if e)


def scope_for(session: Session, user: User, policy: Web) -> Scope:
    if user.role in SEE_ALL_ROLES:
        return Scope(True, frozenset(), True)
    owners = team_emails(session, user) if user.role in TEAM_ROLES else {user.email}
    return Scope(False, frozenset(owners), policy.csm_can_read_others)


def visible(account_id: Any, scope: Scope, *, edit: bool = False) -> ColumnElement[bool]:
    """TECH-5 as one SQL condition: "this account is one the viewer may see (or edit)".

    The account's owner or an open renewal's owner is in the viewer's scope; everything
    for directors and above, and for reading when policy `web.csm_can_read_others` allows.
    `account_id` is the account id column of the rows being listed.
    """
    if scope.everything or (scope.read_everything and not edit):
        return true()
    if not scope.owners:
        return false()
    owners = sorted(scope.owners)
    open_renewals = select(Renewal.account_id).where(
        Renewal.owner_email.in_(owners), Renewal.outcome.is_(None)
    )
    # InSubquery: the same IN, written so PostgreSQL too looks each branch up in an index.
    if account_id is Account.account_id:  # the accounts table itself: compare its owner
        return or_(Account.owner_email.in_(owners), InSubquery(account_id, open_renewals))
    return or_(
        InSubquery(account_id, select(Account.account_id).where(Account.owner_email.in_(owners))),
        InSubquery(account_id, open_renewals),
    )


def owned_by(owner_email: Any, scope: Scope) -> ColumnElement[bool]:
    """Rows (renewals, tasks, records) whose owner is in the scope: the work queues and
    dashboards of TECH-5 ("my renewals", "my team's tasks"); everything for directors and above."""
    if scope.everything:
        return true()
    if not scope.owners:
        return false()
    return owner_email.in_(sorted(scope.owners))


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


@dataclass(frozen=True)
class Rights:
    """What one user may do with one account (TECH-5), and the scope it was judged in."""

    scope: Scope
    view: bool
    edit: bool


def account_rights(session: Session, user: User, account_id: str, policy: Web) -> Rights:
    """TECH-5 for one account: edit when its owner or an open renewal's owner is in the
    user's scope; view as well, or when the policy lets the role read every account."""
    scope = scope_for(session, user, policy)
    edit = scope.covers_owner(*_owners_of(session, account_id))
    return Rights(scope, view=edit or scope.read_everything, edit=edit)


def can_edit_account(session: Session, user: User, account_id: str, policy: Web) -> bool:
    return account_rights(session, user, account_id, policy).edit


def can_view_account(session: Session, user: User, account_id: str, policy: Web) -> bool:
    return account_rights(session, user, account_id, policy).view


def require_view(session: Session, user: User, account_id: str, policy: Web) -> Rights:
    """The user's rights on the account, or 403 when they may not see it."""
    rights = account_rights(session, user, account_id, policy)
    if not rights.view:
        raise Forbidden(Text("{email} may not see account {id}", email=user.email, id=account_id))
    return rights


def require_edit(session: Session, user: User, account_id: str, policy: Web) -> None:
    if not can_edit_account(session, user, account_id, policy):
        raise Forbidden(
            Text("{email} may not change account {id}", email=user.email, id=account_id)
        )
