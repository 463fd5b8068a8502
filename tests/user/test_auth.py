"""Sign-in rules (TECH-5): lockout and its expiry, inactive users, API token revoke,
sliding session expiry, argon2 rehash, and what the audit keeps of a failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from renewals.audit.models import AuditEvent
from renewals.db import session_scope
from renewals.errors import Conflict, NotFound, RenewalsError
from renewals.policy import service as policy_service
from renewals.policy.domain import Web
from renewals.user import auth
from renewals.user.models import User, WebSession

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
WEB = policy_service.load().web


@pytest.fixture
def policy() -> Web:
    return WEB.model_copy(update={"lockout_failures": 3, "lockout_minutes": 15, "session_hours": 2})


@pytest.fixture
def cara(engine: Engine) -> str:
    with session_scope(engine) as session:
        user = User(email="cara@example.com", name="Cara", role="csm", active=True)
        session.add(user)
        auth.set_password(session, user, PASSWORD, actor="test")
    return "cara@example.com"


def _login(engine: Engine, email: str, password: str, policy: Web, now: datetime = NOW):
    """One sign-in in its own transaction, as the login route does (failures are committed)."""
    with session_scope(engine) as session:
        try:
            signed = auth.login(session, email, password, now=now, policy=policy, ip="10.0.0.1")
            return signed.raw_session_id
        except auth.LoginFailed:
            return None


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with session_scope(engine) as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
        session.expunge_all()
        return list(rows)


def test_the_right_password_opens_a_session_and_is_audited(engine, cara, policy):
    raw = _login(engine, "  Cara@Example.com ", PASSWORD, policy)
    assert raw
    with session_scope(engine) as session:
        stored = session.scalars(select(WebSession)).one()
        assert stored.id_hash != raw and len(stored.id_hash) == 64  # only the SHA-256 is kept
        assert stored.expires_at == NOW + timedelta(hours=2)
    assert [e.entity_id for e in _events(engine, "login")] == [cara]


def test_lockout_after_the_policy_failures_refuses_even_the_right_password(engine, cara, policy):
    for _ in range(3):
        assert _login(engine, cara, "wrong password!", policy) is None
    with session_scope(engine) as session:
        user = session.get(User, cara)
        assert user.failed_logins == 3
        assert user.locked_until == NOW + timedelta(minutes=15)
    assert _login(engine, cara, PASSWORD, policy, NOW + timedelta(minutes=14)) is None
    failures = _events(engine, "login.failed")
    assert [e.detail["reason"] for e in failures] == ["password"] * 3 + ["locked"]
    assert "locked_until" in failures[2].detail and "locked_until" not in failures[1].detail


def test_the_lock_lifts_after_its_time_and_the_count_starts_again(engine, cara, policy):
    for _ in range(3):
        _login(engine, cara, "wrong password!", policy)
    later = NOW + timedelta(minutes=15, seconds=1)
    # One wrong password after the lock ran out does not lock again at once.
    assert _login(engine, cara, "wrong password!", policy, later) is None
    with session_scope(engine) as session:
        user = session.get(User, cara)
        assert user.failed_logins == 1 and user.locked_until is None
    assert _login(engine, cara, PASSWORD, policy, later) is not None
    with session_scope(engine) as session:
        assert session.get(User, cara).failed_logins == 0


def test_setting_a_password_lifts_a_lock_and_ends_sessions(engine, cara, policy):
    raw = _login(engine, cara, PASSWORD, policy)
    for _ in range(3):
        _login(engine, cara, "wrong password!", policy)
    with session_scope(engine) as session:
        auth.set_password(session, session.get(User, cara), "a new password 42", actor="admin")
    with session_scope(engine) as session:
        assert auth.session_user(session, raw, now=NOW, policy=policy) is None
    assert _login(engine, cara, "a new password 42", policy) is not None


def test_an_inactive_user_cannot_sign_in_and_their_sessions_stop(engine, cara, policy):
    raw = _login(engine, cara, PASSWORD, policy)
    with session_scope(engine) as session:
        session.get(User, cara).active = False
    assert _login(engine, cara, PASSWORD, policy) is None
    with session_scope(engine) as session:
        assert auth.session_user(session, raw, now=NOW, policy=policy) is None
    assert _events(engine, "login.failed")[-1].detail["reason"] == "inactive"


def test_an_imported_user_without_a_password_cannot_sign_in(engine, policy):
    with session_scope(engine) as session:
        session.add(User(email="imp@example.com", name="Imp", role="csm", active=True))
    assert _login(engine, "imp@example.com", "anything at all", policy) is None
    assert _events(engine, "login.failed")[-1].detail["reason"] == "no_password"


def test_an_unknown_email_is_audited_but_a_password_typed_as_email_is_not(engine, policy):
    assert _login(engine, "nobody@example.com", PASSWORD, policy) is None
    assert _login(engine, "my secret pass phrase", PASSWORD, policy) is None
    failed = _events(engine, "login.failed")
    assert [e.entity_id for e in failed] == ["nobody@example.com", "(not an email address)"]
    assert all("secret" not in f"{e.actor}{e.entity_id}{e.detail}" for e in failed)


def test_the_session_expiry_slides_with_use_and_ends_when_idle(engine, cara, policy):
    raw = _login(engine, cara, PASSWORD, policy)
    with session_scope(engine) as session:
        user, web_session = auth.session_user(
            session, raw, now=NOW + timedelta(hours=1, minutes=50), policy=policy
        )
        assert user.email == cara
        assert web_session.expires_at == NOW + timedelta(hours=3, minutes=50)
    # Still valid 3h40 after sign-in, because it was used at 1h50.
    with session_scope(engine) as session:
        assert auth.session_user(
            session, raw, now=NOW + timedelta(hours=3, minutes=40), policy=policy
        )
    # Idle for more than session_hours: gone, and the row is removed.
    with session_scope(engine) as session:
        assert auth.session_user(session, raw, now=NOW + timedelta(hours=6), policy=policy) is None
    with session_scope(engine) as session:
        assert session.scalars(select(WebSession)).all() == []
        assert auth.session_user(session, "not-a-session", now=NOW, policy=policy) is None
        assert auth.session_user(session, None, now=NOW, policy=policy) is None


def test_logout_deletes_the_session(engine, cara, policy):
    raw = _login(engine, cara, PASSWORD, policy)
    with session_scope(engine) as session:
        auth.logout(session, raw)
    with session_scope(engine) as session:
        assert auth.session_user(session, raw, now=NOW, policy=policy) is None
    assert [e.actor for e in _events(engine, "logout")] == [cara]


@pytest.fixture
def real_cost(real_password_hasher, monkeypatch):
    """The product's own hasher instead of the suite's cheap one (tests/conftest.py)."""
    monkeypatch.setattr(auth, "_hasher", real_password_hasher)
    return real_password_hasher


def test_passwords_are_hashed_at_rfc_9106s_cost(real_cost):
    hashed = auth.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert auth.verify_password(hashed, PASSWORD) and not auth.verify_password(hashed, "x" * 12)
    # an unknown email is checked against a hash of the same cost
    assert auth._dummy_hash(real_cost).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_an_old_hash_is_upgraded_on_the_next_sign_in(engine, cara, policy, real_cost):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with session_scope(engine) as session:
        session.get(User, cara).password_hash = weak
    assert _login(engine, cara, PASSWORD, policy) is not None
    with session_scope(engine) as session:
        upgraded = session.get(User, cara).password_hash
    assert upgraded != weak and upgraded.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(upgraded)
    assert auth.verify_password(upgraded, PASSWORD)


def test_a_broken_hash_or_none_never_verifies():
    assert not auth.verify_password(None, PASSWORD)
    assert not auth.verify_password("not a hash", PASSWORD)


def test_passwords_too_short_or_too_long_are_refused():
    with pytest.raises(RenewalsError, match="at least 10"):
        auth.hash_password("short")
    with pytest.raises(RenewalsError, match="at most 1024"):
        auth.hash_password("x" * 1025)


def test_a_revoked_token_no_longer_signs_in(engine, cara):
    with session_scope(engine) as session:
        raw, token = auth.create_token(session, session.get(User, cara), "crm-sync", now=NOW)
        session.flush()
        token_id = token.id
    assert raw.startswith("rnw_")
    with session_scope(engine) as session:
        assert auth.token_user(session, raw, now=NOW).email == cara
        assert auth.token_user(session, raw + "x", now=NOW) is None
    with session_scope(engine) as session:
        auth.revoke_token(session, token_id, actor="admin@example.com", now=NOW)
    with session_scope(engine) as session:
        assert auth.token_user(session, raw, now=NOW) is None
        with pytest.raises(Conflict):
            auth.revoke_token(session, token_id, actor="admin@example.com", now=NOW)
        with pytest.raises(NotFound):
            auth.revoke_token(session, 999, actor="admin@example.com", now=NOW)
    revoked = _events(engine, "token.revoked")
    assert [(e.actor, e.entity_id, e.detail) for e in revoked] == [
        ("admin@example.com", cara, {"token_id": token_id})
    ]


def test_a_token_of_an_inactive_user_is_refused(engine, cara):
    with session_scope(engine) as session:
        raw, _ = auth.create_token(session, session.get(User, cara), "etl", now=NOW)
    with session_scope(engine) as session:
        session.get(User, cara).active = False
    with session_scope(engine) as session:
        assert auth.token_user(session, raw, now=NOW) is None
