"""The admin pages: the audit log (filters, newest first, pages, CSV) and the users (TECH-5)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from renewals.audit.models import AuditEvent
from renewals.db import session_scope
from renewals.policy import service as policy_service

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PAGE_SIZE = policy_service.load().web.page_size


def _sign_in(client, email: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    from web.conftest import PASSWORD

    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303


@pytest.fixture
def admin(client, add_user):
    add_user("ada@example.com", "admin")
    _sign_in(client, "ada@example.com")
    return client


@pytest.fixture
def history(engine: Engine) -> None:
    """Three days of events: approvals by Dora, concessions by Carl, a failed sign-in."""
    with session_scope(engine) as session:
        for day in range(3):
            at = T0 + timedelta(days=day)
            session.add_all(
                [
                    AuditEvent(at=at, actor="dora@example.com", action="concession.approved",
                               entity="concession", entity_id=f"C-{day}", detail={"pct": 20}),
                    AuditEvent(at=at + timedelta(hours=1), actor="carl@example.com",
                               action="concession.requested", entity="concession",
                               entity_id=f"C-{day}", detail={"pct": 20}),
                ]
            )  # fmt: skip
        session.add(
            AuditEvent(at=T0 + timedelta(days=1, hours=2), actor="mallory@example.com",
                       action="login.failed", entity="user", entity_id="mallory@example.com",
                       detail={"reason": "unknown_user"})
        )  # fmt: skip


def _ids(text: str) -> list[str]:
    return re.findall(r"<td>(C-\d)</td>", text)


def test_only_admins_see_the_audit_log_and_the_users(client, add_user):
    for role in ("csm", "specialist", "sales", "manager", "director", "vp", "executive"):
        add_user(f"{role}@example.com", role)
        client.cookies.clear()
        _sign_in(client, f"{role}@example.com")
        for path in ("/audit", "/users", "/audit?format=csv", "/users?format=csv"):
            response = client.get(path)
            assert response.status_code == 403, (role, path)
            assert "Only admins" in response.text
            assert "text/csv" not in response.headers["content-type"]


def test_the_audit_log_is_newest_first_and_filters(admin, history):
    page = admin.get("/audit")
    assert page.status_code == 200
    rows = re.findall(r"<td>(2026-11-\d\d \d\d:\d\d:\d\d)</td>", page.text)
    assert rows == sorted(rows, reverse=True) and len(rows) >= 7
    assert _ids(admin.get("/audit?action=concession.approved").text) == ["C-2", "C-1", "C-0"]
    assert _ids(admin.get("/audit?actor=CARL").text) == ["C-2", "C-1", "C-0"]
    assert _ids(admin.get("/audit?since=2026-11-21&until=2026-11-21&entity=concession").text) == [
        "C-1",
        "C-1",
    ]
    failed = admin.get("/audit?action=login.failed").text
    assert "mallory@example.com" in failed and "unknown_user" in failed
    assert "No audit events match" in admin.get("/audit?actor=nobody").text


def test_the_audit_log_sorts_by_a_column(admin, history):
    text = admin.get("/audit?entity=concession&sort=actor").text
    actors = re.findall(r"<td>((?:carl|dora)@example.com)</td>", text)
    assert actors == ["carl@example.com"] * 3 + ["dora@example.com"] * 3


def test_bad_filters_are_explained(admin):
    assert admin.get("/audit?since=yesterday").status_code == 422
    backwards = admin.get("/audit?since=2026-11-22&until=2026-11-20")
    assert backwards.status_code == 422 and "backwards" in backwards.text
    assert admin.get("/audit?sort=password_hash").status_code == 422
    assert admin.get("/audit?page=0").status_code == 422


def test_the_audit_log_pages(admin, engine):
    with session_scope(engine) as session:
        session.add_all(
            AuditEvent(at=T0 + timedelta(minutes=i), actor="bot@example.com", action="import",
                       entity="import_run", entity_id=f"run-{i:03d}")
            for i in range(PAGE_SIZE + 5)
        )  # fmt: skip
    first = admin.get("/audit?action=import").text
    second = admin.get("/audit?action=import&page=2").text
    assert f"run-{PAGE_SIZE + 4:03d}" in first and "run-000" not in first
    assert "run-000" in second and "Page 2 of 2" in second
    assert len(re.findall(r"run-\d{3}", second)) == 5


def test_the_csv_export_has_every_matching_row(admin, history):
    response = admin.get("/audit?entity=concession&format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 6
    assert [r["entity_id"] for r in rows[:2]] == ["C-2", "C-2"]
    assert rows[0]["detail"] == '{"pct": 20}'
    assert rows[0]["at"].startswith("2026-11-22T10:00")


def test_the_users_page_shows_roles_last_sign_in_and_locks(admin, add_user, engine):
    add_user("carl@example.com", "csm", manager_email="ada@example.com")
    from renewals.user.models import User

    with session_scope(engine) as session:
        session.get(User, "carl@example.com").locked_until = datetime.now(UTC) + timedelta(
            minutes=5
        )
        session.add(User(email="imp@example.com", name="Imp", role="sales", active=True))
    text = admin.get("/users").text
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(r"<tr>\s*<td><a[^>]*>([^<]+)</a>.*?</tr>", text, re.S)
    }
    assert "locked until" in rows["carl@example.com"]
    assert "no password" in rows["imp@example.com"]
    assert re.search(r"<td>20\d\d-\d\d-\d\d \d\d:\d\d</td>", rows["ada@example.com"])  # signed in
    assert "never" in rows["imp@example.com"]
    exported = list(csv.DictReader(io.StringIO(admin.get("/users?format=csv").text)))
    by_email = {r["email"]: r for r in exported}
    assert by_email["carl@example.com"]["manager_email"] == "ada@example.com"
    assert by_email["carl@example.com"]["locked_until"]
    assert by_email["imp@example.com"]["has_password"] == "False"
    assert "password_hash" not in exported[0]
