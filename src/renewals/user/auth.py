"""Sign-in: argon2 password hashes, server-side sessions, API tokens, lockout (TECH-5).

Raw session ids and API tokens are random and shown once; only their SHA-256 is
stored, so a copy of the database does not let anyone sign in. Login failures are
audited (never with the password) and lock the user out after
`web.lockout_failures` in a row for `web.lockout_minutes`; once the lock has run
out the count starts again from zero. Setting a password, or deactivating a user,
ends their sessions.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from renewals.audit import service as audit
from renewals.db import rows_changed
from renewals.errors import Conflict, NotFound, RenewalsError
from renewals.kit.i18n import Text
from renewals.policy.domain import Web
from renewals.user.models import ApiToken, User, WebSession

_hasher = PasswordHasher()  # argon2id, RFC 9106's second recommendation (m=64 MiB, t=3, p=4)
MIN_PASSWORD_LENGTH = 10
SLIDE_EVERY = timedelta(minutes=1)
MAX_PASSWORD_LENGTH = 1024  # the login form's limit; longer is a denial-of-service vector
# What the audit may keep of a failed sign-in's "email": only something shaped like an
# address, so a password typed into the email field is never written down.
_EMAIL_SHAPE = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


class LoginFailed(RenewalsError):
    """Wrong email or password, an inactive user, or a lockout; the message never says which."""

    def __init__(self) -> None:
        super().__init__("Email or password is wrong, or the account is locked.", 401)


def _sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RenewalsError(Text("a password needs at least {n} characters", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise RenewalsError(
            Text("a password may have at most {n} characters", n=MAX_PASSWORD_LENGTH)
        )
    return _hasher.hash(password)


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the email is unknown, so a wrong email costs as long as a wrong
    password: made with the hasher in use, on the first sign-in that needs it rather than at
    import (a hash's cost in every process that imports this module, issue 14)."""
    return hasher.hash("not-a-real-password")


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(_hasher), password) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def set_password(
    session: Session, user: User, password: str, *, actor: str, password_hash: str | None = None
) -> None:
    """Set (or reset) a password, lift any lock and sign the user out everywhere.

    `password_hash` lets a caller that gives many users the same password (the demo)
    hash it once; the audit never holds the password or its hash.
    """
    user.password_hash = password_hash or hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(session, user.email)
    audit.record(
        session, actor=actor, action="user.password_set", entity="user", entity_id=user.email
    )


def end_sessions(session: Session, email: str) -> int:
    """Sign a user out of every browser; returns how many sessions ended."""
    result = session.execute(delete(WebSession).where(WebSession.user_email == email))
    return rows_changed(result)


def find_user(session: Session, email: str) -> User | None:
    """The user with this email, ignoring case (renewals.user.access.find_user)."""
    from renewals.user import access  # access reads the account tables; auth is imported early

    return access.find_user(session, email)


@dataclass(frozen=True)
class SignedIn:
    raw_session_id: str  # goes into the cookie; never stored
    session: WebSession
    user: User


def login(
    session: Session,
    email: str,
    password: str,
    *,
    now: datetime,
    policy: Web,
    ip: str | None = None,
) -> SignedIn:
    """Check the password and open a session, or audit the failure and raise LoginFailed."""
    email = email.strip().lower()
    # Not even looked up unless shaped like an address: a password typed into the email
    # field must not reach the SQL log either (sign-in names are email addresses).
    user = find_user(session, email) if _EMAIL_SHAPE.fullmatch(email) else None
    if user is not None and user.locked_until is not None:
        if user.locked_until > now:
            verify_password(None, password)  # same cost as any other failure
            _failed(session, user.email, ip, "locked", user=None)
            raise LoginFailed()
        user.failed_logins, user.locked_until = 0, None  # the lock ran out: count afresh
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not user.active or not ok:
        if user is None:
            reason = "unknown_user"
        elif not user.active:
            reason = "inactive"
        else:
            reason = "password" if user.password_hash else "no_password"
        _failed(
            session, user.email if user else email, ip, reason, user=user, now=now, policy=policy
        )
        raise LoginFailed()
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    raw = secrets.token_urlsafe(32)
    web_session = WebSession(
        id_hash=_sha256(raw),
        user_email=user.email,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=policy.session_hours),
        ip=ip,
    )
    session.add(web_session)
    audit.record(
        session,
        actor=user.email,
        action="login",
        entity="user",
        entity_id=user.email,
        detail={"ip": ip},
    )
    return SignedIn(raw, web_session, user)


def _failed(
    session: Session,
    email: str,
    ip: str | None,
    reason: str,
    *,
    user: User | None,
    now: datetime | None = None,
    policy: Web | None = None,
) -> None:
    detail: dict[str, object] = {"ip": ip, "reason": reason}
    if user is None and not _EMAIL_SHAPE.fullmatch(email):
        email = "(not an email address)"
    if user is not None and now is not None and policy is not None:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= policy.lockout_failures:
            user.locked_until = now + timedelta(minutes=policy.lockout_minutes)
            detail["locked_until"] = user.locked_until.isoformat()
    audit.record(
        session,
        actor=email[:254],
        action="login.failed",
        entity="user",
        entity_id=email[:128],
        detail=detail,
    )


def session_user(
    session: Session, raw_session_id: str | None, *, now: datetime, policy: Web
) -> tuple[User, WebSession] | None:
    """The signed-in user for a cookie value, sliding the expiry; None when absent or expired."""
    if not raw_session_id:
        return None
    # One round trip for the session and its user: every page and API call starts here.
    found = session.execute(
        select(WebSession, User)
        .outerjoin(User, User.email == WebSession.user_email)
        .where(WebSession.id_hash == _sha256(raw_session_id))
    ).first()
    if found is None:
        return None
    web_session, user = found
    if web_session.expires_at <= now:
        session.delete(web_session)
        return None
    if user is None or not user.active:
        return None
    # Slide the expiry, but write at most once a minute per session: most requests only read.
    if now - web_session.last_seen_at >= SLIDE_EVERY:
        web_session.last_seen_at = now
        web_session.expires_at = now + timedelta(hours=policy.session_hours)
    return user, web_session


def logout(session: Session, raw_session_id: str | None) -> None:
    if not raw_session_id:
        return
    web_session = session.get(WebSession, _sha256(raw_session_id))
    if web_session is not None:
        audit.record(
            session,
            actor=web_session.user_email,
            action="logout",
            entity="user",
            entity_id=web_session.user_email,
        )
        session.delete(web_session)


def create_token(session: Session, user: User, name: str, *, now: datetime) -> tuple[str, ApiToken]:
    """A new API token for scripts; the raw value is returned once and never stored."""
    raw = "rnw_" + secrets.token_urlsafe(32)
    token = ApiToken(user_email=user.email, name=name, token_hash=_sha256(raw), created_at=now)
    session.add(token)
    audit.record(
        session,
        actor=user.email,
        action="token.created",
        entity="user",
        entity_id=user.email,
        detail={"name": name},
    )
    return raw, token


def token_user(session: Session, raw_token: str, *, now: datetime) -> User | None:
    token = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == _sha256(raw_token))
    ).first()
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_email)
    if user is None or not user.active:
        return None
    token.last_used_at = now
    return user


def revoke_token(session: Session, token_id: int, *, actor: str, now: datetime) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(Text("no API token {id}; `renewals user tokens` lists them", id=token_id))
    if token.revoked_at is not None:
        raise Conflict(
            Text(
                "API token {id} was already revoked on {day}",
                id=token_id,
                day=token.revoked_at.date().isoformat() if token.revoked_at else "",
            )
        )
    token.revoked_at = now
    audit.record(
        session,
        actor=actor,
        action="token.revoked",
        entity="user",
        entity_id=token.user_email,
        detail={"token_id": token_id},
    )
    return token
