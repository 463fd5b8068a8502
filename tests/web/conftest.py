"""Web fixtures: the app on the test database, users with passwords, a signed-in client."""

from __future__ import annotations

import re
import time
import weakref
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


# --- waiting for a page: its document loaded and no request of it in flight ---
#
# Playwright's wait_for_load_state("networkidle") waits until a new document has had no
# request in flight for 500 ms, a fixed half second of nothing after every page the
# browser tests open (more than 200 of them, about 120 in the walk in each language). The
# pages load what they need before the load event (no request starts by itself after it:
# HTMX only on a click or a submit), so `settle` waits for the same state, the document
# loaded and none of the page's requests in flight (a click's HTMX request included),
# with QUIET_MS of quiet instead of 500 (issue 14).

QUIET_MS = 50


class _Requests:
    """A page's requests: those in flight, and how many have started."""

    def __init__(self) -> None:
        self.in_flight: set[object] = set()
        self.started = 0

    def start(self, request: object) -> None:
        self.in_flight.add(request)
        self.started += 1

    def end(self, request: object) -> None:
        self.in_flight.discard(request)


_PAGES: weakref.WeakKeyDictionary[object, _Requests] = weakref.WeakKeyDictionary()


def track(page):  # type: ignore[no-untyped-def]
    """Follow `page`'s requests from now on, for `settle`; returns the page."""
    requests = _Requests()
    page.on("request", lambda request: requests.start(request))
    page.on("requestfinished", lambda request: requests.end(request))
    page.on("requestfailed", lambda request: requests.end(request))
    _PAGES[page] = requests
    return page


def settle(page, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page's document has loaded and no request of the page has been in
    flight or begun for QUIET_MS (what "networkidle" waits for, with 50 ms, not 500)."""
    requests = _PAGES.get(page)
    assert requests is not None, "settle(page) needs track(page) when the page is made"
    page.wait_for_load_state("load", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while True:
        while requests.in_flight:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{page.url}: requests still in flight after {timeout} s")
            page.wait_for_timeout(10)  # Playwright delivers the request events meanwhile
        started = requests.started
        page.wait_for_timeout(QUIET_MS)
        if not requests.in_flight and requests.started == started:
            return
