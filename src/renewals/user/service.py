"""Managing the people who use renewals: add, list, passwords, deactivate, API tokens.

Every change is audited (TECH-5); passwords and raw tokens never are. Callers own the
transaction (a CLI command or a request).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from renewals.audit import service as audit
from renewals.audit.models import AuditEvent
from renewals.errors import Conflict, NotFound, RenewalsError
from renewals.kit import i18n
from renewals.kit.i18n import _
from renewals.user import auth
from renewals.user.domain import Role
from renewals.user.models import ApiToken, User, WebSession

# One @, no spaces, a dot in the domain: what an address needs to reach someone.
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
MAX_EMAIL_LENGTH = 254
MAX_TOKEN_NAME_LENGTH = 120


def normalize_email(email: str) -> str:
    """A lower-case, trimmed email address, or a RenewalsError that says what is wrong."""
    value = email.strip().lower()
    if not value:
        raise RenewalsError(i18n.Text("an email address is required"))
    if len(value) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(value):
        raise RenewalsError(
            i18n.Text("{value} is not an email address (like name@example.com)", value=repr(email))
        )
    return value


def parse_role(role: str) -> Role:
    try:
        return Role(role.strip().lower())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise RenewalsError(
            i18n.Text("unknown role {value}; roles are: {roles}", value=repr(role), roles=known)
        ) from None


def get_user(session: Session, email: str) -> User:
    user = auth.find_user(session, email)
    if user is None:
        raise NotFound(
            i18n.Text("no user {email}; `renewals user list` shows who exists", email=email)
        )
    return user


def add_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    manager_email: str | None,
    password: str | None,
    actor: str,
    language: str | None = None,
) -> User:
    """Create a user (with a password when given); refuse a duplicate or an unknown manager."""
    address = normalize_email(email)
    parsed_role = parse_role(role)
    language = parse_language(language)
    if not name.strip():
        raise RenewalsError(i18n.Text("a name is required (--name)"))
    if auth.find_user(session, address) is not None:
        raise Conflict(
            i18n.Text(
                "user {email} already exists; `renewals user password` resets a password",
                email=address,
            )
        )
    manager = None
    if manager_email:
        manager = get_user(session, normalize_email(manager_email))
        if manager.email == address:
            raise RenewalsError(i18n.Text("a user cannot be their own manager"))
    user = User(
        email=address,
        name=name.strip(),
        role=parsed_role.value,
        manager_email=manager.email if manager else None,
        active=True,
        failed_logins=0,
        language=language,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.added",
        entity="user",
        entity_id=address,
        detail={
            "role": parsed_role.value,
            "manager_email": user.manager_email,
            **({"language": language} if language else {}),
        },
    )
    if password is not None:
        auth.set_password(session, user, password, actor=actor)
    return user


def parse_language(language: str | None) -> str | None:
    """A user's language (issue 22): en, de, id or ms; None or "" for none (the browser's,
    then the policy's)."""
    if language is None or not language.strip():
        return None
    code = language.strip().lower()
    if code not in i18n.LANGUAGES:
        raise RenewalsError(
            _("language must be one of {languages}, not {language!r}").format(
                languages=", ".join(i18n.LANGUAGES), language=language
            )
        )
    return code


def set_language(session: Session, email: str, language: str | None, *, actor: str) -> User:
    """Set (or with None clear) the language a user reads the product in; audited."""
    user = get_user(session, email)
    code = parse_language(language)
    if user.language != code:
        audit.record(
            session,
            actor=actor,
            action="user.language",
            entity="user",
            entity_id=user.email,
            detail={"from": user.language, "to": code},
        )
        user.language = code
    return user


def set_password(session: Session, email: str, password: str, *, actor: str) -> User:
    """Set or reset a user's password; lifts a lockout and ends their sessions."""
    user = get_user(session, email)
    auth.set_password(session, user, password, actor=actor)
    return user


def deactivate(session: Session, email: str, *, actor: str) -> User:
    """Stop a user from signing in: their sessions end, their API tokens stop working."""
    user = get_user(session, email)
    if not user.active:
        raise Conflict(i18n.Text("{email} is already inactive", email=user.email))
    user.active = False
    ended = auth.end_sessions(session, user.email)
    audit.record(
        session,
        actor=actor,
        action="user.deactivated",
        entity="user",
        entity_id=user.email,
        detail={"sessions_ended": ended},
    )
    return user


@dataclass(frozen=True)
class UserRow:
    email: str
    name: str
    role: str
    manager_email: str | None
    active: bool
    has_password: bool
    last_login: datetime | None
    locked_until: datetime | None
    failed_logins: int
    sessions: int
    tokens: int

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


def list_users(session: Session, *, now: datetime) -> list[UserRow]:
    """Every user with their last sign-in (from the audit log), lock, sessions and tokens."""
    last_login = dict(
        session.execute(
            select(AuditEvent.actor, func.max(AuditEvent.at))
            .where(AuditEvent.action == "login")
            .group_by(AuditEvent.actor)
        ).all()
    )
    sessions = dict(
        session.execute(
            select(WebSession.user_email, func.count())
            .where(WebSession.expires_at > now)
            .group_by(WebSession.user_email)
        ).all()
    )
    tokens = dict(
        session.execute(
            select(ApiToken.user_email, func.count())
            .where(ApiToken.revoked_at.is_(None))
            .group_by(ApiToken.user_email)
        ).all()
    )
    return [
        UserRow(
            email=u.email,
            name=u.name,
            role=u.role,
            manager_email=u.manager_email,
            active=bool(u.active),
            has_password=bool(u.password_hash),
            last_login=last_login.get(u.email),
            locked_until=u.locked_until,
            failed_logins=u.failed_logins or 0,
            sessions=sessions.get(u.email, 0),
            tokens=tokens.get(u.email, 0),
        )
        for u in session.scalars(select(User).order_by(User.role, User.email))
    ]


def create_token(session: Session, email: str, name: str, *, now: datetime) -> tuple[str, ApiToken]:
    """A new API token for an active user; the raw value is returned once."""
    user = get_user(session, email)
    if not user.active:
        raise Conflict(
            i18n.Text("{email} is inactive; an API token would not work", email=user.email)
        )
    label = name.strip()
    if not label or len(label) > MAX_TOKEN_NAME_LENGTH:
        raise RenewalsError(
            i18n.Text("--name must be 1 to {n} characters", n=MAX_TOKEN_NAME_LENGTH)
        )
    raw, token = auth.create_token(session, user, label, now=now)
    session.flush()
    return raw, token


def list_tokens(session: Session, email: str | None = None) -> list[ApiToken]:
    stmt = select(ApiToken).order_by(ApiToken.user_email, ApiToken.id)
    if email:
        stmt = stmt.where(ApiToken.user_email == get_user(session, email).email)
    return list(session.scalars(stmt))


def set_missing_passwords(session: Session, password: str, *, actor: str) -> list[User]:
    """Give every active user without a password this one (the demo); hashed once."""
    users = list(
        session.scalars(select(User).where(User.password_hash.is_(None), User.active.is_(True)))
    )
    if users:
        hashed = auth.hash_password(password)
        for user in users:
            auth.set_password(session, user, password, actor=actor, password_hash=hashed)
    return users
