"""The JSON API under /api/v1 on a small hand-made book: authentication, account scope
(TECH-5), pagination, filters, validation errors and approval authority (CONC-3).

Personas: carl (CSM) -> mia (manager, 15%) -> dora (director, 25%); sam (CSM, another
team); ada (admin). carl owns acme, globex and five small accounts; sam owns hooli.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import factories
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web.conftest import login

from renewals.audit.models import AuditEvent
from renewals.db import session_scope
from renewals.kit.time import utc_now
from renewals.save_plan.models import SaveTriage
from renewals.task.models import Task
from renewals.user import auth
from renewals.user.models import User

TODAY = date(2026, 11, 24)
CARL, MIA, DORA, SAM, ADA = (f"{n}@vendor.example" for n in ("carl", "mia", "dora", "sam", "ada"))
TIED = {
    "give_back": "multi_year",
    "sunset_clause": "discount for year 1, standard pricing year 2",
    "business_rationale": "Budget cut after their merger; usage is healthy",
    "expected_outcome": "Renews for two years; full price from year 2",
    "alternatives_considered": "6-month term; reduced scope",
    "as_of": TODAY.isoformat(),
}


def add_renewal(
    session: Any,
    account_id: str,
    *,
    owner: str,
    segment: str = "mid_market",
    stage: str = "engagement",
    days: int = 60,
    arr: str = "42000",
    health: str = "yellow",
) -> str:
    return factories.add_renewal(
        session,
        account_id,
        renewal_date=TODAY + timedelta(days=days),
        arr=arr,
        owner=owner,
        segment=segment,
        stage=stage,
        health_category=health,
        risk="at_risk",
        signals=["budget"],
        decisions={
            "segment": {
                "value": segment,
                "reasons": [f"SEG-1: ARR {arr} is in the {segment} band"],
                "rules": ["SEG-1"],
                "facts": {"arr": arr},
            }
        },
    )


@pytest.fixture
def book(engine: Engine, add_user: Callable[..., User]) -> dict[str, str]:
    """The personas with an API token each (only carl also signs in with a password:
    hashing is slow on purpose), and the accounts."""
    with session_scope(engine) as session:
        for email, role, manager in (
            (DORA, "director", None),
            (MIA, "manager", DORA),
            (CARL, "csm", MIA),
            (SAM, "csm", DORA),
            (ADA, "admin", None),
        ):
            name = email.split("@")[0].title()
            session.add(User(email=email, name=name, role=role, manager_email=manager))
    add_user(CARL, "csm", MIA)
    with session_scope(engine) as session:
        add_renewal(session, "acme", owner=CARL, segment="enterprise", stage="closing", days=20)
        session.flush()
        add_renewal(session, "globex", owner=CARL, days=60)
        add_renewal(session, "hooli", owner=SAM, days=90)
        for n in range(5):
            add_renewal(session, f"small{n}", owner=CARL, segment="smb", days=200 + n, arr="5000")
        session.flush()
        session.add(
            SaveTriage(
                renewal_id="R-globex-c",
                account_id="globex",
                as_of=TODAY,
                status="open",
                probability_band="medium",
                success_rate=0.4,
                value_tier="medium",
                root_cause="circumstantial",
                root_cause_confirmed=True,
                time_window="compressed",
                effort="standard",
                expected_value_hours=6.0,
                reasons={"effort": ["SAVE-6: medium value, medium odds"]},
                facts={},
                inputs={},
                overrides={},
                created_on=TODAY,
                updated_on=TODAY,
            )
        )
        for account_id, owner, due in (("globex", CARL, -3), ("hooli", SAM, 5)):
            session.add(
                Task(
                    account_id=account_id,
                    key=f"{account_id}:call",
                    renewal_id=f"R-{account_id}-c",
                    step="call",
                    title="Call the champion",
                    rule="TIME-1",
                    due_date=TODAY + timedelta(days=due),
                    owner_email=owner,
                    status="open",
                    created_on=TODAY,
                )
            )
        tokens = {}
        for email in (CARL, MIA, DORA, SAM, ADA):
            user = session.get(User, email)
            tokens[email], _ = auth.create_token(session, user, "tests", now=utc_now())
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def task_id(engine: Engine, account_id: str) -> int:
    with session_scope(engine) as session:
        return session.scalars(select(Task.task_id).where(Task.account_id == account_id)).one()


# --- authentication ----------------------------------------------------------------------


def test_it_answers_401_in_the_error_format_without_a_token(client: TestClient, book: dict) -> None:
    response = client.get("/api/v1/accounts")
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401
    wrong = client.get("/api/v1/accounts", headers=bearer("rnw_not-a-token"))
    assert wrong.status_code == 401


def test_the_schema_and_docs_need_a_sign_in(client: TestClient, book: dict) -> None:
    assert client.get("/openapi.json").status_code == 401
    docs = client.get("/docs", follow_redirects=False)
    assert docs.status_code == 303 and docs.headers["location"].startswith("/login")
    schema = client.get("/openapi.json", headers=bearer(book[CARL])).json()
    assert "/api/v1/renewals" in schema["paths"]
    detail = schema["paths"]["/api/v1/concessions/{concession_id}/approve"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(detail["responses"])


def test_docs_load_swagger_ui_from_our_own_files(client: TestClient, book: dict) -> None:
    login(client, CARL)
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui-bundle-5.35.0.js" in page.text
    assert "<script>" not in page.text  # no inline script: CSP script-src 'self'
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert client.get("/static/vendor/swagger-ui-bundle-5.35.0.js").status_code == 200


def test_a_session_cookie_works_but_unsafe_calls_need_the_csrf_header(
    client: TestClient, engine: Engine, book: dict
) -> None:
    csrf = login(client, CARL)
    assert client.get("/api/v1/tasks").status_code == 200
    url = f"/api/v1/tasks/{task_id(engine, 'globex')}/done"
    assert client.post(url, json={}).status_code == 403
    done = client.post(url, json={"note": "called"}, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200 and done.json()["status"] == "done"


# --- scope (TECH-5) ---------------------------------------------------------------------


def test_a_csm_is_refused_another_csms_account(client: TestClient, book: dict) -> None:
    sam = bearer(book[SAM])
    for path in (
        "/api/v1/accounts/acme",
        "/api/v1/accounts/acme/health",
        "/api/v1/accounts/acme/signals",
        "/api/v1/renewals/R-acme-c",
        "/api/v1/renewals/R-globex-c/triage",
    ):
        response = client.get(path, headers=sam)
        assert response.status_code == 403, (path, response.text)
        assert SAM in response.json()["error"]["message"]
    listed = client.get("/api/v1/accounts", headers=sam).json()
    assert [a["account_id"] for a in listed["items"]] == ["hooli"]
    assert client.get("/api/v1/accounts/nowhere", headers=sam).status_code == 404


def test_a_manager_sees_the_team_and_an_admin_everything(client: TestClient, book: dict) -> None:
    mia = client.get("/api/v1/renewals?size=100", headers=bearer(book[MIA])).json()
    assert "R-hooli-c" not in {r["renewal_id"] for r in mia["items"]} and mia["total"] == 7
    ada = client.get("/api/v1/renewals?size=100", headers=bearer(book[ADA])).json()
    assert ada["total"] == 8


def test_a_csm_may_not_change_another_csms_task(
    client: TestClient, engine: Engine, book: dict
) -> None:
    url = f"/api/v1/tasks/{task_id(engine, 'hooli')}/done"
    assert client.post(url, json={}, headers=bearer(book[CARL])).status_code == 403
    assert client.post(url, json={}, headers=bearer(book[SAM])).status_code == 200
    again = client.post(url, json={}, headers=bearer(book[SAM]))
    assert again.status_code == 409


# --- pagination, filters, sorting --------------------------------------------------------


def test_pages_carry_their_meta(client: TestClient, book: dict) -> None:
    carl = bearer(book[CARL])
    first = client.get("/api/v1/accounts?size=3&sort=account_id", headers=carl).json()
    assert (first["page"], first["size"], first["total"], first["pages"]) == (1, 3, 7, 3)
    assert [a["account_id"] for a in first["items"]] == ["acme", "globex", "small0"]
    last = client.get("/api/v1/accounts?size=3&page=3&sort=account_id", headers=carl).json()
    assert [a["account_id"] for a in last["items"]] == ["small4"]
    beyond = client.get("/api/v1/accounts?size=3&page=9", headers=carl).json()
    assert beyond["items"] == [] and beyond["total"] == 7


def test_filters_narrow_the_renewals(client: TestClient, book: dict) -> None:
    carl = bearer(book[CARL])

    def ids(query: str) -> set[str]:
        body = client.get(f"/api/v1/renewals?as_of={TODAY}&{query}", headers=carl).json()
        return {r["renewal_id"] for r in body["items"]}

    everything = ids("size=100")
    assert len(everything) == 7
    assert ids("segment=enterprise") == {"R-acme-c"}
    assert ids("stage=closing") == {"R-acme-c"}
    assert ids("window=90") == {"R-acme-c", "R-globex-c"}
    assert ids("segment=smb&window=90") == set()
    assert ids(f"owner={SAM}") == set()  # not in carl's scope
    ordered = client.get(
        f"/api/v1/renewals?as_of={TODAY}&sort=renewal_date&desc=true&size=2", headers=carl
    ).json()
    assert [r["renewal_id"] for r in ordered["items"]] == ["R-small4-c", "R-small3-c"]


def test_a_renewal_carries_its_decisions_with_reasons(client: TestClient, book: dict) -> None:
    body = client.get("/api/v1/renewals/R-acme-c", headers=bearer(book[CARL])).json()
    assert body["decisions"]["segment"]["value"] == "enterprise"
    assert body["decisions"]["segment"]["rules"] == ["SEG-1"]
    assert body["decisions"]["segment"]["reasons"][0].startswith("SEG-1")
    assert body["can_edit"] is True
    triage = client.get("/api/v1/renewals/R-globex-c/triage", headers=bearer(book[CARL])).json()
    assert triage["reasons"]["effort"] == ["SAVE-6: medium value, medium odds"]


def test_tasks_mine_overdue_and_snoozed_with_a_reason(
    client: TestClient, engine: Engine, book: dict
) -> None:
    carl = bearer(book[CARL])
    overdue = client.get(f"/api/v1/tasks?status=overdue&as_of={TODAY}", headers=carl).json()
    assert [t["account_id"] for t in overdue["items"]] == ["globex"]
    assert overdue["items"][0]["overdue"] is True
    url = f"/api/v1/tasks/{task_id(engine, 'globex')}/snooze"
    until = (TODAY + timedelta(days=7)).isoformat()
    snoozed = client.post(url, json={"until": until, "reason": "customer on holiday"}, headers=carl)
    assert snoozed.status_code == 200, snoozed.text
    assert snoozed.json()["status"] == "snoozed"
    assert "customer on holiday" in snoozed.json()["status_reason"]


# --- validation (422) ---------------------------------------------------------------------


def test_bad_input_is_a_422_naming_each_field(
    client: TestClient, engine: Engine, book: dict
) -> None:
    carl = bearer(book[CARL])
    url = f"/api/v1/tasks/{task_id(engine, 'globex')}/snooze"
    response = client.post(url, json={"until": 20261201, "reason": "", "x": 1}, headers=carl)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["status"] == 422
    locs = {".".join(f["loc"]) for f in error["fields"]}
    assert {"body.until", "body.reason", "body.x"} <= locs
    query = client.get("/api/v1/renewals?size=0&segment=huge&sort=nope", headers=carl)
    assert query.status_code == 422
    assert {".".join(f["loc"]) for f in query.json()["error"]["fields"]} == {
        "query.size",
        "query.segment",
        "query.sort",
    }
    as_text = client.post(
        "/api/v1/concessions",
        json={**TIED, "renewal_id": "R-globex-c", "discount_pct": "10"},
        headers=carl,
    )
    assert as_text.status_code == 422  # a number, not a string that looks like one


def test_errors_read_in_the_readers_language_with_the_same_shape(
    client: TestClient, engine: Engine, book: dict
) -> None:
    """Issue 22: an error's message follows the signed-in user's language, else the
    browser's Accept-Language; the JSON shape, the status, `loc` and `type` stay as they are."""
    carl = bearer(book[CARL])
    url = f"/api/v1/tasks/{task_id(engine, 'globex')}/snooze"
    bad = {"until": 20261201, "reason": "", "x": 1}
    english = client.post(url, json=bad, headers=carl).json()["error"]
    german = client.post(url, json=bad, headers={**carl, "Accept-Language": "de-DE,de;q=0.9"})
    error = german.json()["error"]
    assert german.status_code == 422 and set(error) == set(english) == {
        "status",
        "message",
        "fields",
    }
    assert english["message"] == "Some fields are invalid."
    assert error["message"] == "Einige Felder sind ungültig."
    assert [(f["loc"], f["type"]) for f in error["fields"]] == [
        (f["loc"], f["type"]) for f in english["fields"]
    ]
    said = {f["type"]: f["message"] for f in error["fields"]}
    assert said["extra_forbidden"] == "Zusätzliche Eingaben sind nicht erlaubt", said
    # a RenewalsError (403, 404, 409): the user's own language wins over the browser's
    with session_scope(engine) as session:
        session.get(User, SAM).language = "id"
    sam = {**bearer(book[SAM]), "Accept-Language": "de"}
    refused = client.get("/api/v1/accounts/acme", headers=sam)
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == f"{SAM} tidak boleh melihat akun acme"
    done = client.post("/api/v1/tasks/999999/done", json={}, headers=sam)
    assert done.status_code == 404, done.text
    assert done.json() == {"error": {"status": 404, "message": "tidak ada tugas 999999"}}
    # no user, no header: English
    assert client.get("/api/v1/accounts").json()["error"]["message"].startswith("Sign in")
    assert (
        client.get("/api/v1/accounts", headers={"Accept-Language": "ms"})
        .json()["error"]["message"]
        .startswith("Log masuk")
    )


def test_a_value_not_among_the_choices_reads_in_the_readers_language(
    client: TestClient, engine: Engine, book: dict
) -> None:
    """Issue 22: an unknown `?sort=` or `?status=` names its parameter (`loc`) and lists the
    choices as they are, in the reader's words; a date that is not one says how to write it.
    English as Pydantic says it."""
    from cli_languages import english_left, english_phrases

    carl = bearer(book[CARL])
    url = f"/api/v1/tasks/{task_id(engine, 'globex')}/snooze"
    asked = [
        ("get", "/api/v1/renewals?sort=nope", None),
        ("get", "/api/v1/tasks?status=nope", None),
        ("post", url, {"until": 20261201, "reason": "later"}),
    ]
    said: dict[str, list[str]] = {}
    for language in ("en", "de", "ms"):
        headers = {**carl, "Accept-Language": language}
        said[language] = []
        for method, where, body in asked:
            answer = client.request(method, where, json=body, headers=headers)
            assert answer.status_code == 422, answer.text
            [field] = answer.json()["error"]["fields"]
            said[language].append(field["message"])
    assert (
        said["en"][1]
        == "Input should be 'open', 'snoozed', 'done', 'cancelled', 'overdue' or 'active'"
    )
    assert said["en"][2] == "Value error, a date as YYYY-MM-DD"
    assert said["de"][1] == (
        "Eingabe muss 'open', 'snoozed', 'done', 'cancelled', 'overdue' oder 'active' sein"
    )
    for language in ("de", "ms"):
        phrases = english_phrases(language) - {"YYYY-MM-DD"}  # a format: the same everywhere
        for message, english in zip(said[language], said["en"], strict=True):
            assert message != english and english_left(phrases, message) == [], message


# --- concessions and approval authority (CONC-3) ------------------------------------------


def test_approval_beyond_authority_is_refused_and_within_it_succeeds(
    client: TestClient, engine: Engine, book: dict
) -> None:
    asked = client.post(
        "/api/v1/concessions",
        json={**TIED, "renewal_id": "R-globex-c", "discount_pct": 20, "kinds": ["discount"]},
        headers=bearer(book[CARL]),
    )
    assert asked.status_code == 201, asked.text
    concession = asked.json()
    assert concession["status"] == "pending"
    assert concession["required_role"] == "director"
    assert concession["chain"][0]["action"] == "requested"
    url = f"/api/v1/concessions/{concession['concession_id']}"

    refused = client.post(f"{url}/approve", json={"note": "ok"}, headers=bearer(book[MIA]))
    assert refused.status_code == 403
    assert "CONC-3" in refused.json()["error"]["message"]
    sam = client.post(f"{url}/approve", json={}, headers=bearer(book[SAM]))
    assert sam.status_code == 403

    waiting = client.get("/api/v1/approvals", headers=bearer(book[DORA])).json()
    assert [c["concession_id"] for c in waiting["concessions"]] == [concession["concession_id"]]
    approved = client.post(f"{url}/approve", json={"note": "fine"}, headers=bearer(book[DORA]))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert [s["action"] for s in approved.json()["chain"]] == ["requested", "approved"]
    again = client.post(f"{url}/decline", json={"note": "no"}, headers=bearer(book[DORA]))
    assert again.status_code == 409
    with session_scope(engine) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "concession")
        ).all()
    assert actions == ["concession.request", "concession.approve"]


def test_a_csm_may_not_request_a_concession_on_another_csms_renewal(
    client: TestClient, book: dict
) -> None:
    response = client.post(
        "/api/v1/concessions",
        json={**TIED, "renewal_id": "R-hooli-c", "discount_pct": 5, "kinds": ["discount"]},
        headers=bearer(book[CARL]),
    )
    assert response.status_code == 403


def test_a_declined_concession_needs_a_reason(client: TestClient, book: dict) -> None:
    asked = client.post(
        "/api/v1/concessions",
        json={**TIED, "renewal_id": "R-globex-c", "discount_pct": 10, "kinds": ["discount"]},
        headers=bearer(book[CARL]),
    ).json()
    url = f"/api/v1/concessions/{asked['concession_id']}/decline"
    assert client.post(url, json={"note": " "}, headers=bearer(book[MIA])).status_code == 422
    declined = client.post(url, json={"note": "try a value plan"}, headers=bearer(book[MIA]))
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
