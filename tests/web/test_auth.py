"""Sign-in, sessions and CSRF on the login form (TECH-5)."""

from __future__ import annotations

from sqlalchemy import select
from web.conftest import PASSWORD, login

from renewals.audit.models import AuditEvent
from renewals.db import session_scope


def test_login_sets_an_httponly_samesite_session_and_logout_ends_it(client, add_user, engine):
    add_user("cara@example.com", "csm")
    page = client.get("/login")
    token = client.cookies.get("renewals_login_csrf")
    response = client.post(
        "/login",
        data={"email": "cara@example.com", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/home"
    cookie = response.headers["set-cookie"]
    assert "renewals_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert page.status_code == 200


def test_a_wrong_password_is_refused_audited_and_never_logged(client, add_user, engine, caplog):
    add_user("cara@example.com", "csm")
    client.get("/login")
    token = client.cookies.get("renewals_login_csrf")
    secret = "wrong-password-123"
    response = client.post(
        "/login", data={"email": "cara@example.com", "password": secret, "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Email or password is wrong" in response.text
    with session_scope(engine) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login.failed")
        ).all()
        assert [e.entity_id for e in events] == ["cara@example.com"]
        assert secret not in str(events[0].detail)
    assert secret not in caplog.text


def test_the_login_form_needs_its_csrf_token(client, add_user):
    add_user("cara@example.com", "csm")
    client.get("/login")
    response = client.post(
        "/login", data={"email": "cara@example.com", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403


def test_an_error_page_keeps_the_signed_in_navigation(client, add_user):
    add_user("cara@example.com", "csm")
    login(client, "cara@example.com")
    page = client.get("/accounts/no-such-account")
    assert page.status_code == 404
    assert "Sign out" in page.text and 'href="/tasks"' in page.text
    client.cookies.clear()
    anonymous = client.get("/static/no-such-file.css")
    assert anonymous.status_code == 404 and "Sign out" not in anonymous.text
