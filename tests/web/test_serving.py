"""The server under load (issue 23): no database work on the event loop, at most one
connection per request, 503 with Retry-After past capacity, and a real `renewals serve`
that 30 signed-in clients at once cannot freeze."""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from web.conftest import login
from web.live import PASSWORD, _free_port, build_demo

from renewals.account.models import Account
from renewals.config import Settings
from renewals.db import session_scope
from renewals.kit.templates import in_language
from renewals.user.models import User
from renewals.web.admission import Admission, AdmissionStats
from renewals.web.app import create_app

# The only coroutines allowed in a request's dependency tree: they read the request body,
# which must be awaited, and touch no database.
ASYNC_ALLOWED = {"sent_csrf_token", "raw_body", "event_body", "healthz"}


def _calls(dependant) -> Iterator:  # type: ignore[no-untyped-def]
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def test_no_route_or_dependency_that_can_reach_the_database_is_async(
    web_settings: Settings,
) -> None:
    app = create_app(web_settings)
    offenders = set()
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        for call in _calls(route.dependant):
            if call is None:
                continue
            target = call if inspect.isroutine(call) else type(call).__call__
            name = getattr(call, "__name__", type(call).__name__)
            if inspect.iscoroutinefunction(target) and name not in ASYNC_ALLOWED:
                offenders.add(f"{route.path}: {call.__module__}.{name}")
    assert not offenders, "async code on a request path that may touch the database:\n" + (
        "\n".join(sorted(offenders))
    )


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Settings]:
    """A small demo book after one daily run, shared by this module's tests (read only)."""
    return build_demo(tmp_path_factory, "serving", accounts=60)


def test_every_page_uses_one_connection_and_never_the_event_loop(
    book: tuple[Engine, Settings],
) -> None:
    """Each role walks every parameterless page (and the pages of a few accounts); the pool
    never has more than one connection out, and no query runs on the event loop."""
    engine, settings = book
    with session_scope(engine) as session:
        account_ids = list(
            session.scalars(select(Account.account_id).order_by(Account.account_id).limit(3))
        )
        users = {u.role: u.email for u in session.scalars(select(User).order_by(User.email))}
    app = create_app(settings)
    out = 0
    peak = Counter[str]()
    current = {"path": ""}

    def _checkout(*_: object) -> None:
        nonlocal out
        out += 1
        peak[current["path"]] = max(peak[current["path"]], out)

    def _checkin(*_: object) -> None:
        nonlocal out
        out -= 1

    web_engine = app.state.web.engine
    event.listen(web_engine.pool, "checkout", _checkout)
    event.listen(web_engine.pool, "checkin", _checkin)
    paths = sorted(
        r.path
        for r in app.routes
        if isinstance(r, APIRoute) and "GET" in r.methods and "{" not in r.path
    ) + [f"/accounts/{a}" for a in account_ids]
    paths += ["/no-such-page", "/accounts/nope", "/home?as_of=bad", "/api/v1/accounts/nope"]
    with TestClient(app) as client:
        for role in ("csm", "manager", "executive", "admin"):
            client.cookies.clear()
            login(client, users[role], PASSWORD)
            for path in paths:
                current["path"] = path
                response = client.get(path)
                assert response.status_code < 500, (path, response.status_code)
    assert app.state.loop_guard.count == 0, app.state.loop_guard.last
    assert out == 0
    too_many = {p: n for p, n in peak.items() if n > 1}
    assert not too_many, f"requests that held more than one connection: {too_many}"


def test_a_starting_worker_compiles_every_page_before_its_first_request(
    book: tuple[Engine, Settings],
) -> None:
    """The first visitor of a new worker does not pay for compiling templates, and the worker
    hands the interpreter lock over every web_switch_interval_ms (docs/deploy.md).

    A template is loaded (compiled, or taken from the compiled templates another app of
    this process made: kit.templates.CompiledTemplates) once per app, when first used,
    for the languages the pages are read in (the policy's, English here: in_language)."""
    _, settings = book
    app = create_app(settings.model_copy(update={"web_switch_interval_ms": 2.0}))
    env = app.state.web.templates.env
    pages = [in_language(name, "en") for name in env.list_templates() if name.endswith(".html")]
    loaded: list[str] = []
    real_load = env.loader.load

    def _load(environment, name, globals=None):  # type: ignore[no-untyped-def]
        loaded.append(name)
        return real_load(environment, name, globals)

    env.loader.load = _load  # type: ignore[method-assign,union-attr]
    before = sys.getswitchinterval()
    try:
        with TestClient(app) as client:
            assert sorted(loaded) == sorted(pages)  # all of them, at start-up
            assert sys.getswitchinterval() == pytest.approx(0.002)
            loaded.clear()
            client.get("/login")
            client.get("/no-such-page")
            assert loaded == []  # nothing compiled or loaded while answering
    finally:
        sys.setswitchinterval(before)

    # A second app of the process (the tests build one per test) compiles none of them again.
    again = create_app(settings)
    compiled: list[str] = []
    real_compile = again.state.web.templates.env.compile

    def _compile(source, name=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        compiled.append(name)
        return real_compile(source, name, *args, **kwargs)

    again.state.web.templates.env.compile = _compile  # type: ignore[method-assign]
    with TestClient(again) as client:
        assert compiled == []
        assert "csrf_token" in client.get("/login").text


def test_past_capacity_the_server_answers_503_with_retry_after_and_recovers() -> None:
    """Admission with one place and no backlog: a second request at once is shed."""
    gate = asyncio.Event()

    async def slow(request):  # type: ignore[no-untyped-def]
        await gate.wait()
        return PlainTextResponse("done")

    async def fast(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("ok")

    inner = Starlette(routes=[Route("/slow", slow), Route("/fast", fast)])
    stats = AdmissionStats(limit=1)
    app = Admission(
        inner, stats=stats, backlog=0, wait_seconds=5, headers={"X-Frame-Options": "DENY"}
    )

    async def scenario() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            first = asyncio.create_task(client.get("/slow"))
            while stats.in_flight == 0:
                await asyncio.sleep(0.001)
            shed = await client.get("/fast")
            gate.set()
            done = await first
            after = await client.get("/fast")
            return shed, done, after

    shed, done, after = asyncio.run(scenario())
    assert shed.status_code == 503
    assert shed.headers["retry-after"] == "1"
    assert shed.headers["x-frame-options"] == "DENY"
    assert "busy" in shed.text
    assert done.status_code == 200 and after.status_code == 200
    assert stats.shed == 1 and stats.in_flight == 0


def test_a_request_waits_its_turn_within_the_backlog() -> None:
    gate = asyncio.Event()

    async def slow(request):  # type: ignore[no-untyped-def]
        await gate.wait()
        return PlainTextResponse("done")

    inner = Starlette(routes=[Route("/slow", slow)])
    stats = AdmissionStats(limit=1)
    app = Admission(inner, stats=stats, backlog=5, wait_seconds=5)

    async def scenario() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            tasks = [asyncio.create_task(client.get("/slow")) for _ in range(4)]
            while stats.waiting < 3:
                await asyncio.sleep(0.001)
            gate.set()
            return [r.status_code for r in await asyncio.gather(*tasks)]

    assert asyncio.run(scenario()) == [200, 200, 200, 200]
    assert stats.peak_in_flight == 1 and stats.shed == 0


# --- a real server -----------------------------------------------------------------------

CLIENTS = 30
SECONDS = 6.0


def _sign_in(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.text[:300]
    return client


@pytest.mark.slow
def test_thirty_signed_in_clients_cannot_freeze_renewals_serve(
    book: tuple[Engine, Settings], tmp_path: Path
) -> None:
    """`renewals serve` as shipped, on a small book; 30 clients load the home page, lists,
    account pages and the API at once for a few seconds: every answer is a 200 (or 403 for
    an account the user may not see), the log
    has no pool timeout, and afterwards the server answers within a second."""
    engine, settings = book
    with session_scope(engine) as session:
        emails = list(session.scalars(select(User.email).where(User.active).order_by(User.email)))
        accounts = list(
            session.scalars(select(Account.account_id).order_by(Account.account_id).limit(20))
        )
    engine.dispose()
    port = _free_port()
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "RENEWALS_DATABASE_URL": settings.database_url,
        "RENEWALS_DATA_DIR": str(settings.data_dir),
        "RENEWALS_SECRET_KEY": "load-test",
        "COLUMNS": "200",
    }
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from renewals.cli import main; main()",
                "serve",
                "--port",
                str(port),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not start\n" + log.read_text()
            time.sleep(0.2)
        clients = [_sign_in(base, emails[i % len(emails)]) for i in range(CLIENTS)]
        paths = ["/home", "/accounts", "/renewals", "/tasks", "/api/v1/accounts"]
        paths += [f"/accounts/{a}" for a in accounts]
        statuses: Counter[int | str] = Counter()
        lock = threading.Lock()
        start = threading.Barrier(CLIENTS)

        def work(n: int, client: httpx.Client) -> None:
            start.wait()
            stop = time.monotonic() + SECONDS
            i = n
            while time.monotonic() < stop:
                try:
                    status: int | str = client.get(paths[i % len(paths)]).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                with lock:
                    statuses[status] += 1
                i += 1

        threads = [threading.Thread(target=work, args=(n, c)) for n, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=SECONDS + 90)
        assert not any(t.is_alive() for t in threads), "clients still waiting: the server stalled"
        after = time.monotonic()
        probe = clients[0]
        assert probe.get("/healthz").status_code == 200
        assert probe.get("/home").status_code == 200
        recovered = time.monotonic() - after
        for c in clients:
            c.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            raise AssertionError("the server did not stop within 20 s of SIGTERM") from None
    text = log.read_text()
    # 403: a CSM opening another CSM's account (TECH-5); anything else is a failure.
    assert set(statuses) <= {200, 403}, (statuses, text[-3000:])
    assert sum(statuses.values()) >= CLIENTS, statuses
    assert "QueuePool limit" not in text and "TimeoutError" not in text, text[-3000:]
    assert "event loop" not in text, text[-3000:]
    assert recovered < 1.0, f"the server took {recovered:.2f} s to answer after the load"


def test_dashboards_are_computed_once_and_again_after_a_change(
    book: tuple[Engine, Settings],
) -> None:
    """The manager's dashboard is computed once for the same day and parameters, served from
    the cache on the next visit, and computed again once someone changes the data."""
    engine, settings = book
    with session_scope(engine) as session:
        manager = session.scalar(select(User.email).where(User.role == "manager"))
    app = create_app(settings)
    cache = app.state.page_cache
    with TestClient(app) as client:
        login(client, manager, PASSWORD)
        first = client.get("/manager")
        assert first.status_code == 200
        misses = cache.stats.misses
        again = client.get("/manager")
        assert again.status_code == 200 and cache.stats.misses == misses
        assert cache.stats.hits >= 1
        # Paging a table reuses the figures: only that table's page is new.
        hits = cache.stats.hits
        client.get("/manager?completion_page=1")
        assert cache.stats.misses == misses + 1 and cache.stats.hits == hits + 1
        with session_scope(engine) as session:  # e.g. the daily run, or a person's action
            user = session.get(User, manager)
            user.name = user.name + " "
        assert client.get("/manager").status_code == 200
        # the figures, the book-wide figures they show (forecast by owner, stage stalls,
        # win/loss: kit/figures.py) and their page, again
        assert cache.stats.misses == misses + 6


def test_teams_share_the_books_win_loss_instead_of_each_computing_it(
    book: tuple[Engine, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every team's dashboard shows the same whole-book win/loss (LEARN-1): it is computed
    once for all of them, not once per team (it is most of a team page's cost)."""
    from renewals.winloss import service as winloss_service

    engine, settings = book
    with session_scope(engine) as session:
        people = list(
            session.scalars(select(User.email).where(User.role.in_(("manager", "director", "vp"))))
        )
    assert len(people) >= 2
    calls = []
    real = winloss_service.report
    monkeypatch.setattr(winloss_service, "report", lambda *a, **k: calls.append(k) or real(*a, **k))
    app = create_app(settings)
    with TestClient(app) as client:
        cookies = []
        for email in people:  # signing in writes the user's row: all of them first
            client.cookies.clear()
            login(client, email, PASSWORD)
            cookies.append(dict(client.cookies))
        for jar in cookies:
            client.cookies.clear()
            client.cookies.update(jar)
            assert client.get("/manager").status_code == 200
    teams = {key[1] for key in app.state.page_cache._entries if key[0] == "manager"}
    assert len(teams) >= 2  # at least two different teams' pages were computed
    assert len(calls) == 1, calls


def test_sqlite_readers_never_wait_for_the_daily_job_and_writers_get_503_not_a_hang(
    book: tuple[Engine, Settings],
) -> None:
    """SQLite in WAL: while another process holds the write lock (the daily job writing),
    pages still read at once, and a page that must write waits only the busy timeout and
    then answers 503 with Retry-After."""
    import sqlite3

    engine, settings = book
    with session_scope(engine) as session:
        manager = session.scalar(select(User.email).where(User.role == "manager"))
    app = create_app(settings.model_copy(update={"db_timeout_seconds": 0.5}))
    with TestClient(app) as client:
        csrf = login(client, manager, PASSWORD)
        path = settings.database_url.removeprefix("sqlite:///")
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # the write lock, as a daily-run transaction holds it
        writer.execute("UPDATE app_user SET name = name")
        try:
            started = time.monotonic()
            assert client.get("/tasks").status_code == 200
            assert time.monotonic() - started < 5
            started = time.monotonic()
            busy = client.post("/logout", headers={"X-CSRF-Token": csrf}, follow_redirects=False)
            waited = time.monotonic() - started
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        assert busy.status_code == 503, busy.text[:300]
        assert busy.headers["retry-after"] == "1"
        assert busy.headers["x-frame-options"] == "DENY"
        assert 0.4 < waited < 5
        # The lock is gone: the same request goes through.
        done = client.post("/logout", headers={"X-CSRF-Token": csrf}, follow_redirects=False)
        assert done.status_code == 303
