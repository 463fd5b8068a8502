"""Web fixtures: the app on the test database, users with passwords, a signed-in client."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from factories import set_password
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from renewals.config import Settings
from renewals.db import session_scope
from renewals.user.models import User
from renewals.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def web_settings(engine: Engine, tmp_path: Path) -> Settings:
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path / "data",
        secret_key="test-secret-key",
    )


@pytest.fixture
def client(web_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(web_settings)) as test_client:
        yield test_client


@pytest.fixture
def add_user(engine: Engine) -> Callable[..., User]:
    """Create (or update) a user with the test password."""

    def _add(
        email: str, role: str = "csm", manager_email: str | None = None, name: str | None = None
    ) -> User:
        with session_scope(engine) as session:
            user = session.get(User, email) or User(
                email=email, name=name or email.split("@")[0].title(), role=role
            )
            user.role, user.manager_email, user.active = role, manager_email, True
            session.add(user)
            set_password(session, user, PASSWORD)
            return user

    return _add


def login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the session's CSRF token for later POSTs."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    home = client.get(response.headers["location"])
    found = re.search(r'data-csrf="([^"]+)"', home.text)
    assert found, home.text[:500]
    return found.group(1)


# --- a real browser: Debian's Chromium driven by Playwright, never `playwright install` ---

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()
