"""The security suite (issue 8 acceptance, TECH-5): it walks `app.routes`, so every route
added later is covered without editing this file.

(a) every unsafe route reachable with a session cookie needs the session's CSRF token;
(b) the session cookie is HttpOnly and SameSite (and Secure over https);
(c) nothing but /login, /static/*, /sign/{token} and /webhooks/* answers without login:
    pages redirect to /login, the API (and /docs, /openapi.json, the /v1 event API) answers 401;
(d) passwords are never logged: not by our loggers, Uvicorn, Starlette or SQLAlchemy,
    not in CLI output, not in the audit log or any other table;
(e) security headers are on every answer and `next` never leads off-site.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, select
from starlette.routing import BaseRoute, Mount, Route, compile_path, replace_params
from typer.testing import CliRunner
from web.conftest import PASSWORD

from renewals.config import Settings
from renewals.user.commands import app as user_cli
from renewals.web.app import create_app

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# Reachable without a session, each authenticated another way (docs/web.md, "Security model").
PUBLIC_EXACT = {"/login", "/healthz"}  # /healthz: liveness for load balancers, no data (issue 23)
PUBLIC_PREFIXES = ("/static/", "/sign/", "/webhooks/")
# /v1/*: the product-event tracking API (issue 19) authenticates with a source's write key
# (HTTP Basic), never a session: without one it answers 401 like the REST API.
WRITE_KEY_ROUTES = ("/v1/",)
API_LIKE = ("/api/", "/openapi.json", *WRITE_KEY_ROUTES)
# The API's documentation page is for people: a redirect to /login or a 401 both keep it shut.
DOCS_PAGES = ("/docs", "/redoc")
SAMPLES: dict[type, str] = {
    int: "1",
    float: "1.5",
    Decimal: "1.5",
    uuid.UUID: "00000000-0000-4000-8000-000000000001",
    dt.date: "2026-11-24",
    dt.datetime: "2026-11-24T09:00:00",
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # with sample values for its parameters
    template: str

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def _is_public(path: str) -> bool:
    return path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES)


def _is_api(path: str) -> bool:
    return path.startswith(API_LIKE)


def _sample_value(route: BaseRoute, convertors: dict[str, Any], name: str) -> str:
    convertor = type(convertors[name]).__name__
    if convertor == "PathConvertor":
        return "x1/y1"
    if convertor != "StringConvertor":
        return {"IntegerConvertor": "1", "FloatConvertor": "1.5"}.get(convertor, SAMPLES[uuid.UUID])
    if isinstance(route, APIRoute):
        for field in route.dependant.path_params:
            if name in (field.name, field.alias):
                return SAMPLES.get(field.field_info.annotation, "x1")
    return "x1"


def _routes(routes: list[BaseRoute]) -> Iterator[tuple[str, set[str] | None, BaseRoute]]:
    """(full path, methods, the route) for every route, including those of included routers.

    FastAPI 0.16x keeps included routers as lazy `_IncludedRouter` entries in `app.routes`;
    `iter_route_contexts` resolves them with their prefixes.
    """
    for context in iter_route_contexts(routes):
        yield context.path or "", context.methods, context.original_route


def endpoints(routes: list[BaseRoute]) -> list[Endpoint]:
    """Every (method, path) the app answers, path parameters filled with plausible values."""
    found = []
    for path, methods, route in _routes(routes):
        if isinstance(route, Mount):
            continue  # checked in test_the_only_mount_is_static
        assert isinstance(route, Route), f"unexpected route type {route!r}: extend this suite"
        _, path_format, convertors = compile_path(path)
        values = {name: _sample_value(route, convertors, name) for name in convertors}
        sample, _ = replace_params(path_format, convertors, values)
        for method in sorted((methods or set()) - {"HEAD", "OPTIONS"}):
            found.append(Endpoint(method, sample, path))
    return found


def _app_endpoints(client: TestClient) -> list[Endpoint]:
    return endpoints(client.app.routes)  # type: ignore[attr-defined]


def _mounts(client: TestClient) -> list[str]:
    return [path for path, _, route in _routes(client.app.routes) if isinstance(route, Mount)]  # type: ignore[attr-defined]


def _assert_security_headers(response: httpx.Response, where: str) -> None:
    headers = response.headers
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("x-frame-options") == "DENY", where
    path = urlsplit(str(response.url)).path
    if path == "/openapi.json" or (path == "/docs" and response.status_code != 200):
        # JSON is never rendered, an empty redirect runs nothing: app.py leaves their CSP
        # out (Swagger UI's page sets its own, checked when it answers 200).
        return
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, where
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0], where


def _is_login_redirect(response: httpx.Response) -> bool:
    return response.status_code == 303 and response.headers.get("location", "").startswith(
        "/login?next="
    )


# --- (c) no route without login ---------------------------------------------------------


def test_the_walker_sees_the_known_routes(client):
    seen = {str(e) for e in _app_endpoints(client)}
    assert {"GET /login", "POST /login", "POST /logout", "GET /", "GET /audit"} <= seen


def test_the_only_mount_is_static(client):
    assert _mounts(client) == ["/static"], (
        "a mounted sub-app escapes this suite; add it here on purpose"
    )


@pytest.mark.parametrize("cookie", [None, "forged-or-expired-session"])
def test_no_route_answers_without_login_except_the_public_ones(client, cookie):
    if cookie:
        client.cookies.set("renewals_session", cookie)
    wrong = []
    for endpoint in _app_endpoints(client):
        if _is_public(endpoint.template):
            continue
        response = client.request(endpoint.method, endpoint.path, follow_redirects=False)
        _assert_security_headers(response, str(endpoint))
        if _is_api(endpoint.template):
            ok = response.status_code == 401
        elif endpoint.template.startswith(DOCS_PAGES):
            ok = response.status_code == 401 or _is_login_redirect(response)
        else:
            ok = _is_login_redirect(response)
        if not ok:
            wrong.append(f"{endpoint}: {response.status_code} {response.headers.get('location')}")
    assert wrong == [], "reachable without login:\n" + "\n".join(wrong)


def test_a_page_redirect_remembers_where_the_user_was_going(client):
    response = client.get("/audit?action=login", follow_redirects=False)
    assert response.headers["location"] == "/login?next=%2Faudit%3Faction%3Dlogin"


def test_a_bad_bearer_token_is_401_on_every_api_route(client):
    wrong = []
    for endpoint in _app_endpoints(client):
        if not endpoint.template.startswith("/api/"):
            continue
        response = client.request(
            endpoint.method,
            endpoint.path,
            headers={"Authorization": "Bearer rnw_not-a-token"},
            follow_redirects=False,
        )
        body = (
            response.json()
            if response.headers.get("content-type", "").startswith("application/json")
            else {}
        )
        if response.status_code != 401 or body.get("error", {}).get("status") != 401:
            wrong.append(f"{endpoint}: {response.status_code}")
    assert wrong == []


def test_the_static_files_and_the_login_page_are_public(client):
    assert client.get("/login").status_code == 200
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200


# --- (a) CSRF -----------------------------------------------------------------------------


def login(client: TestClient, email: str) -> str:
    """Sign in (as an admin) and return the session's CSRF token, read from /audit so that
    this suite does not depend on any dashboard."""
    assert _sign_in(client, email).status_code == 303
    page = client.get("/audit")
    assert page.status_code == 200, page.text[:300]
    return re.search(r'data-csrf="([^"]+)"', page.text).group(1)


def _csrf_refused(response: httpx.Response) -> bool:
    return response.status_code == 403 and "CSRF" in response.text


def test_every_unsafe_route_needs_the_session_csrf_token(client, add_user):
    add_user("ada@example.com", "admin")
    token = login(client, "ada@example.com")
    attempts = {
        "no token (form)": {
            "content": b"x=1",
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
        "no token (json)": {"json": {}},
        "wrong form token": {
            "content": b"csrf_token=wrong",
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
        "wrong header token": {"json": {}, "headers": {"X-CSRF-Token": "wrong"}},
        "empty header token": {"json": {}, "headers": {"X-CSRF-Token": ""}},
        "multipart, wrong token": {"files": {"f": ("a.txt", b"x")}, "data": {"csrf_token": "x"}},
    }
    unsafe = [
        e for e in _app_endpoints(client) if e.method in UNSAFE and not _is_public(e.template)
    ]
    assert any(e.template == "/logout" for e in unsafe)
    wrong = []
    for endpoint in unsafe:
        for label, kwargs in attempts.items():
            response = client.request(
                endpoint.method, endpoint.path, follow_redirects=False, **kwargs
            )
            if endpoint.template.startswith(WRITE_KEY_ROUTES):
                # The event API never reads the session: a signed-in browser's cookie grants
                # nothing there (401 without a write key), so there is nothing to forge.
                if response.status_code != 401:
                    wrong.append(f"{endpoint} with {label}: {response.status_code}, not 401")
            elif not _csrf_refused(response):
                wrong.append(f"{endpoint} with {label}: {response.status_code}")
    assert wrong == [], "unsafe routes without CSRF protection:\n" + "\n".join(wrong)
    # The session survived all that, and the right token works (so 403 meant CSRF, not "always").
    assert client.get("/audit").status_code == 200
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert _is_login_redirect(client.get("/audit", follow_redirects=False))


def test_the_header_token_works_for_htmx(client, add_user):
    add_user("ada@example.com", "admin")
    token = login(client, "ada@example.com")
    response = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert response.status_code == 303


def test_another_sessions_token_is_refused(client, add_user, web_settings):
    add_user("ada@example.com", "admin")
    add_user("bob@example.com", "admin")
    with TestClient(client.app) as other:
        bobs_token = login(other, "bob@example.com")
    login(client, "ada@example.com")
    response = client.post("/logout", data={"csrf_token": bobs_token}, follow_redirects=False)
    assert _csrf_refused(response)


def test_the_login_form_needs_its_double_submit_cookie(client, add_user):
    add_user("ada@example.com", "admin")
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"email": "ada@example.com", "password": PASSWORD}
    assert client.post("/login", data={**form, "csrf_token": "wrong"}).status_code == 403
    client.cookies.delete("renewals_login_csrf", path="/login")
    assert client.post("/login", data={**form, "csrf_token": token}).status_code == 403
    assert client.post("/login", data=form).status_code == 403


# --- (b) cookies ----------------------------------------------------------------------------


def _sign_in(client: TestClient, email: str, password: str = PASSWORD, **extra: str):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, **extra},
        follow_redirects=False,
    )


def _set_cookie(response: httpx.Response, name: str) -> str:
    found = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    assert len(found) == 1, response.headers.get_list("set-cookie")
    return found[0]


def test_the_session_cookie_is_httponly_and_samesite_but_not_secure_over_http(client, add_user):
    add_user("ada@example.com", "admin")
    login_page = client.get("/login")
    login_cookie = _set_cookie(login_page, "renewals_login_csrf").lower()
    assert "httponly" in login_cookie and "samesite=strict" in login_cookie
    response = _sign_in(client, "ada@example.com")
    cookie = _set_cookie(response, "renewals_session")
    attributes = {a.strip().split("=")[0].lower(): a for a in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert attributes["samesite"].strip().lower() in ("samesite=lax", "samesite=strict")
    assert "path" in attributes and attributes["path"].strip() == "Path=/"
    assert "secure" not in attributes  # a plain-http laptop demo must still work


def test_the_session_cookie_is_secure_over_https(web_settings, add_user):
    add_user("ada@example.com", "admin")
    with TestClient(create_app(web_settings), base_url="https://testserver") as client:
        response = _sign_in(client, "ada@example.com")
        cookie = _set_cookie(response, "renewals_session").lower()
        assert "secure" in [a.strip() for a in cookie.split(";")]
        assert "httponly" in cookie and "samesite=" in cookie
        assert "secure" in _set_cookie(client.get("/login"), "renewals_login_csrf").lower()


def test_the_session_cookie_holds_no_user_data(client, add_user, engine):
    add_user("ada@example.com", "admin")
    cookie = _sign_in(client, "ada@example.com").cookies["renewals_session"]
    assert "ada" not in cookie and len(cookie) >= 40
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("select id_hash from web_session").scalars().all()
    assert cookie not in stored  # only its hash is stored


# --- (e) headers and redirects ----------------------------------------------------------


def test_security_headers_on_pages_errors_redirects_and_static(client, add_user):
    for response in (
        client.get("/login"),
        client.get("/", follow_redirects=False),
        client.get("/no-such-page"),
        client.get("/static/app.css"),
        client.post("/login", data={}),
    ):
        _assert_security_headers(response, str(response.url))
    add_user("ada@example.com", "admin")
    login(client, "ada@example.com")
    wrong = []
    for endpoint in _app_endpoints(client):
        if endpoint.method == "GET" and "{" not in endpoint.template:
            response = client.get(endpoint.path, follow_redirects=False)
            try:
                _assert_security_headers(response, str(endpoint))
            except AssertionError:
                wrong.append(str(endpoint))
            if response.status_code >= 500:
                wrong.append(f"{endpoint}: {response.status_code}")
    assert wrong == []


EVIL_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    " //evil.example/",
    "javascript:alert(1)",
    "http:evil.example",
    "/%09/evil.example",
    "evil.example",
]


def _browser_target(location: str) -> tuple[str, str]:
    """(scheme, host) a browser would go to for this Location, as WHATWG URL parsing does."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip(" \x00-\x1f").replace("\\", "/")
    parts = urlsplit(cleaned)
    return parts.scheme, parts.netloc


def test_next_never_leads_off_site(client, add_user):
    add_user("ada@example.com", "admin")
    wrong = []
    for evil in EVIL_NEXT:
        form = client.get("/login", params={"next": evil})
        hidden = html.unescape(re.search(r'name="next" value="([^"]*)"', form.text).group(1))
        response = _sign_in(client, "ada@example.com", next=evil)
        location = response.headers.get("location", "")
        if hidden and _browser_target(hidden) != ("", ""):
            wrong.append(f"{evil!r}: the form keeps {hidden!r}")
        if response.status_code != 303 or not location.startswith("/"):
            wrong.append(f"{evil!r}: {response.status_code} {location!r}")
        elif _browser_target(location) != ("", ""):
            wrong.append(f"{evil!r}: redirects to {location!r}")
    assert wrong == []


def test_a_same_site_next_is_kept(client, add_user):
    add_user("ada@example.com", "admin")
    response = _sign_in(client, "ada@example.com", next="/audit?action=login")
    assert response.headers["location"] == "/audit?action=login"


# --- (d) passwords never logged ------------------------------------------------------


LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "starlette", "fastapi", "httpx")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_url(web_settings: Settings) -> Iterator[str]:
    """The app on a real Uvicorn (debug logging, access log on, our handlers: caplog sees all)."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(web_settings),
        host="127.0.0.1",
        port=port,
        log_config=None,  # keep the propagating loggers, so caplog captures Uvicorn's lines
        log_level="debug",
        access_log=True,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _every_stored_value(engine: Engine) -> str:
    """All rows of every table, as text: the audit log, users, sessions, tokens, the rest."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return "\n".join(
            repr(conn.execute(select(table)).all()) for table in metadata.sorted_tables
        )


def test_passwords_are_never_logged_printed_or_stored(live_url, engine, web_settings, caplog):
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # statements and parameters
    env = {"RENEWALS_DATABASE_URL": web_settings.database_url, "COLUMNS": "200"}
    first, reset, wrong = "first password 1234", "reset password 5678", "wrong password 9012"
    cli = CliRunner()
    added = cli.invoke(
        user_cli,
        ["add", "ada@example.com", "--name", "Ada", "--role", "admin", "--password-stdin"],
        env=env,
        input=first + "\n",
    )
    assert added.exit_code == 0, added.output
    changed = cli.invoke(user_cli, ["password", "ada@example.com"], env=env, input=f"{reset}\n" * 2)
    assert changed.exit_code == 0, changed.output

    with httpx.Client(base_url=live_url) as browser:

        def sign_in(email: str, password: str) -> httpx.Response:
            page = browser.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            return browser.post(
                "/login", data={"email": email, "password": password, "csrf_token": token}
            )

        assert sign_in("ada@example.com", wrong).status_code == 401
        assert sign_in(reset, reset).status_code == 401  # a password typed into the email field
        assert sign_in("nobody@example.com", first).status_code == 401
        good = sign_in("ada@example.com", reset)
        assert good.status_code == 303 and good.headers["location"] == "/executive"
        assert browser.get("/audit").status_code == 200

    logged = caplog.text
    assert "POST /login" in logged  # the access log and SQL log really were captured
    assert "INSERT INTO audit_event" in logged
    stored = _every_stored_value(engine)
    assert "login.failed" in stored and "user.password_set" in stored
    for secret in (first, reset, wrong):
        assert secret not in logged, f"{secret!r} in the logs"
        assert secret not in added.output + changed.output, f"{secret!r} printed"
        assert secret not in stored, f"{secret!r} stored in the database"
