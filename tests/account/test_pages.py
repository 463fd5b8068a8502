"""The account list and the account page on a real book (TECH-5, HEALTH-5): a 40-account demo
book imported and run on two days, then read through the web app as its CSMs, their
manager and an admin would (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from books import Books
from factories import set_password
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import Engine, func, select

from renewals.account.models import Account, Stakeholder
from renewals.concession.models import Concession
from renewals.config import Settings
from renewals.contract_doc.models import ContractDocument
from renewals.db import session_scope
from renewals.demo.generator import generate_book
from renewals.health.models import HealthSnapshot
from renewals.ingest.service import run_import
from renewals.kit.time import utc_now
from renewals.policy import service as policy_service
from renewals.proposal.models import Proposal
from renewals.renewal.models import Renewal
from renewals.scheduler import run_all
from renewals.signal.models import Signal
from renewals.task import service as task_service
from renewals.task.models import Task
from renewals.user import auth
from renewals.user.models import User
from renewals.web.app import create_app
from renewals.winloss.models import WinLossRecord

TODAY = date(2026, 11, 24)
WEEK_BEFORE = TODAY - timedelta(days=7)
AS_OF = f"as_of={TODAY.isoformat()}"
POLICY = policy_service.load()
PASSWORD = "pages test password"
NAME_CELL = re.compile(r'<td><a href="/accounts/([^"#]+)">')


@dataclass(frozen=True)
class Book:
    engine: Engine
    settings: Settings
    csm: str  # the CSM with the most accounts
    other_csm: str  # another CSM
    manager: str  # the CSM's manager
    admin: str


def build_book(engine: Engine, tmp_path: Path) -> tuple[str, str, str, str]:
    """A 40-account demo book, run a week ago and today, every user with PASSWORD; its
    CSM with the most accounts, another CSM, the first's manager and an admin."""
    generate_book(tmp_path / "book", accounts=40, seed=7, as_of=TODAY)
    run_import(engine, tmp_path / "book", data_dir=tmp_path / "data")
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path / "data",
        secret_key="test-secret-key",
    )
    for day in (WEEK_BEFORE, TODAY):
        outcomes = run_all(engine, policy=POLICY, as_of=day, settings=settings)
        assert {o.status for o in outcomes} == {"ok"}, outcomes
    with session_scope(engine) as session:
        owners = session.execute(
            select(Account.owner_email, User.manager_email)
            .join(User, User.email == Account.owner_email)
            .where(User.role == "csm")
            .group_by(Account.owner_email, User.manager_email)
            .order_by(func.count().desc(), Account.owner_email)
        ).all()
        for user in session.scalars(select(User)):
            set_password(session, user, PASSWORD)
        admin = session.scalar(select(User.email).where(User.role == "admin"))
    (csm, manager), (other, _) = owners[0], owners[1]
    return csm, other, manager, admin


def copy_or_build(engine: Engine, tmp_path: Path, request: pytest.FixtureRequest) -> Book:
    """A fresh book for this test: a copy of the session's book (tests/books.py: SQLite its
    file, PostgreSQL its rows), with a copy of its data directory."""
    books: Books = request.getfixturevalue("books")
    csm, other, manager, admin = books.copy(engine, tmp_path, build_book, key="account_pages_40_7")
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path / "data",
        secret_key="test-secret-key",
    )
    return Book(engine, settings, csm, other, manager, admin)


@pytest.fixture
def book(engine: Engine, tmp_path: Path, request: pytest.FixtureRequest) -> Book:
    return copy_or_build(engine, tmp_path, request)


@pytest.fixture
def client(book: Book) -> Iterator[TestClient]:
    with TestClient(create_app(book.settings)) as test_client:
        yield test_client


def sign_in(client: TestClient, email: str) -> str:
    """Sign in through the login form, landing on /accounts; returns the CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/accounts"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/accounts"
    found = re.search(r'data-csrf="([^"]+)"', client.get("/accounts").text)
    assert found
    return found.group(1)


def api_token(book: Book, email: str) -> str:
    """A bearer token for the user, to read the same book through the API."""
    with session_scope(book.engine) as session:
        user = session.get(User, email)
        assert user is not None
        token, _ = auth.create_token(session, user, "parity", now=utc_now())
    return token


def csv_rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def in_scope(engine: Engine, *owners: str) -> set[str]:
    """TECH-5: accounts owned by these people, or whose open renewal they own."""
    with session_scope(engine) as session:
        owned = set(
            session.scalars(select(Account.account_id).where(Account.owner_email.in_(owners)))
        )
        renewing = set(
            session.scalars(
                select(Renewal.account_id).where(
                    Renewal.outcome.is_(None), Renewal.owner_email.in_(owners)
                )
            )
        )
    return owned | renewing


def busiest_account(engine: Engine, owner: str) -> str:
    """The owner's account with an open renewal, the most signals and the most open tasks
    (steps automation carried out, TIME-3, are records, not tasks to show)."""
    with session_scope(engine) as session:
        signals = (
            select(func.count()).where(Signal.account_id == Account.account_id).scalar_subquery()
        )
        tasks = (
            select(func.count())
            .where(Task.account_id == Account.account_id, Task.status == "open")
            .scalar_subquery()
        )
        return session.scalar(
            select(Account.account_id)
            .join(Renewal, Renewal.account_id == Account.account_id)
            .where(Account.owner_email == owner, Renewal.outcome.is_(None))
            .order_by(signals.desc(), tasks.desc(), Account.account_id)
            .limit(1)
        )


# --- the account page ------------------------------------------------------------------------


def test_the_account_page_shows_the_real_score_components_signals_people_and_tasks(
    book: Book, client: TestClient
) -> None:
    csrf = sign_in(client, book.csm)
    account_id = busiest_account(book.engine, book.csm)
    page = client.get(f"/accounts/{account_id}?{AS_OF}")
    assert page.status_code == 200, page.text[:500]
    html = page.text
    facts = f"/accounts/{account_id}/health/{TODAY.isoformat()}"
    with session_scope(book.engine) as session:
        snap = session.get(HealthSnapshot, (account_id, TODAY))
        # HEALTH-1/5: the score, each component and each driver link to the snapshot's facts
        assert f'<a href="{facts}#score">{snap.score:.0f}</a>' in html
        for component in snap.components:
            assert f'href="{facts}#component-{component["name"]}"' in html
        for driver in snap.drivers:
            assert str(escape(driver["text"])) in html
            assert f'href="{facts}#feature-{driver["feature"]}"' in html
        for reason in snap.reasons:
            assert str(escape(reason)) in html
        # the trend chart: one point per stored snapshot, oldest first
        spec = re.search(r"data-chart='([^']+)'", html)
        assert spec, "no trend chart"
        chart = json.loads(spec.group(1).replace("&#34;", '"').replace("&#39;", "'"))
        previous = session.get(HealthSnapshot, (account_id, WEEK_BEFORE))
        assert chart["data"]["labels"] == [WEEK_BEFORE.isoformat(), TODAY.isoformat()]
        assert chart["data"]["datasets"][0]["data"] == [previous.score, snap.score]
        # signals with their evidence and rule IDs
        signals = session.scalars(select(Signal).where(Signal.account_id == account_id)).all()
        assert signals
        for signal in signals:
            assert str(escape(signal.evidence)) in html
            assert f"<code>{signal.rule}</code>" in html
        # the stakeholder map names every stakeholder (STK-1)
        people = session.scalars(
            select(Stakeholder.name).where(Stakeholder.account_id == account_id)
        ).all()
        for name in people:
            assert str(escape(name)) in html
        # open tasks with Done and Snooze forms that carry the session's CSRF token
        tasks = session.scalars(
            select(Task).where(Task.account_id == account_id, Task.status == "open")
        ).all()
        assert tasks
        for task in tasks:
            assert str(escape(task.title)) in html
            assert f'hx-post="/tasks/{task.task_id}/done"' in html
            assert f'hx-post="/tasks/{task.task_id}/snooze"' in html
        assert f'name="csrf_token" value="{csrf}"' in html
        # the renewal's decisions with reasons and rule IDs, and the actions on it
        renewal = session.scalars(
            select(Renewal).where(Renewal.account_id == account_id, Renewal.outcome.is_(None))
        ).first()
        for key in ("segment", "motion", "owner"):
            for reason in renewal.decisions[key]["reasons"]:
                assert str(escape(reason)) in html
        assert f'href="/renewals/{renewal.renewal_id}/concessions/new"' in html
        assert f'action="/renewals/{renewal.renewal_id}/proposals"' in html


def test_the_page_lists_concessions_proposals_contracts_and_the_win_loss_record(
    book: Book, client: TestClient
) -> None:
    with session_scope(book.engine) as session:
        record = session.scalars(
            select(WinLossRecord)
            .join(Account, Account.account_id == WinLossRecord.account_id)
            .join(Renewal, Renewal.account_id == Account.account_id)
            .where(
                Account.owner_email == book.csm,
                Renewal.outcome.is_(None),
                WinLossRecord.customer_words.is_not(None),
            )
            .order_by(WinLossRecord.contract_id)
        ).first()
        assert record is not None
        account_id = record.account_id
        renewal_id = session.scalar(
            select(Renewal.renewal_id).where(
                Renewal.account_id == account_id, Renewal.outcome.is_(None)
            )
        )
        now = datetime(2026, 11, 24, 10, tzinfo=UTC)
        concession = Concession(
            renewal_id=renewal_id,
            account_id=account_id,
            kinds=["discount"],
            discount_pct=20.0,
            requested_by=book.csm,
            requested_at=now,
            risk_severity="high",
            required_role="director",
            status="pending",
            next_approver_email="dora@renewals.example",
        )
        session.add(concession)
        session.flush()
        proposal = Proposal(
            renewal_id=renewal_id,
            account_id=account_id,
            as_of=TODAY,
            language="en",
            currency="USD",
            option="better",
            status="ready",
            created_by=book.csm,
            created_at=now,
        )
        session.add(proposal)
        session.flush()
        document = ContractDocument(
            renewal_id=renewal_id,
            account_id=account_id,
            proposal_id=proposal.proposal_id,
            language="en",
            currency="USD",
            annual_value=Decimal("48000"),
            term_months=24,
            status="sent",
            created_by=book.csm,
            created_at=now,
        )
        session.add(document)
        session.flush()
        ids = concession.concession_id, proposal.proposal_id, document.document_id
        words, outcome = record.customer_words, record.outcome
    sign_in(client, book.csm)
    html = client.get(f"/accounts/{account_id}?{AS_OF}").text
    assert f'<a href="/concessions/{ids[0]}">#{ids[0]}</a> discount 20%' in html
    assert "needs director (CONC-3), waiting for dora@renewals.example" in html
    assert (
        f'<a href="/proposals/{ids[1]}">Proposal #{ids[1]}</a> · option <strong>better</strong>'
        in html
    )
    assert f'<a href="/contracts/{ids[2]}">Contract #{ids[2]}</a>' in html
    assert "48,000 USD a year for 24 months" in html
    # LEARN-1: the closed renewal, the customer's words and why the category was suggested
    assert str(escape(words)) in html and f">{outcome}</span>" in html


def test_the_health_facts_view_lists_every_fact_and_what_moved_the_score(
    book: Book, client: TestClient
) -> None:
    sign_in(client, book.csm)
    account_id = busiest_account(book.engine, book.csm)
    page = client.get(f"/accounts/{account_id}/health/{TODAY.isoformat()}")
    assert page.status_code == 200
    html = page.text
    with session_scope(book.engine) as session:
        snap = session.get(HealthSnapshot, (account_id, TODAY))
        for feature in snap.features:
            assert f'id="feature-{feature}"' in html
        for component in snap.components:
            assert f'id="component-{component["name"]}"' in html
            assert f'id="move-{component["name"]}"' in html  # compared with the week before
        for reason in snap.reasons:
            assert str(escape(reason)) in html
    assert f"{snap.previous_score:.1f} → {snap.score:.1f}" in html
    assert "HEALTH-5" in html
    # a day without a snapshot says so, and which days exist
    missing = client.get(f"/accounts/{account_id}/health/2026-11-20")
    assert missing.status_code == 404 and "no health snapshot on 2026-11-20" in missing.text
    assert client.get(f"/accounts/{account_id}/health/not-a-day").status_code == 422


def test_a_csm_is_refused_another_csms_account_page_and_facts(
    book: Book, client: TestClient
) -> None:
    theirs = busiest_account(book.engine, book.other_csm)
    assert theirs not in in_scope(book.engine, book.csm)
    sign_in(client, book.csm)
    page = client.get(f"/accounts/{theirs}?{AS_OF}")
    assert page.status_code == 403 and "Not allowed" in page.text
    assert client.get(f"/accounts/{theirs}/health/{TODAY.isoformat()}").status_code == 403
    assert client.get("/accounts/no-such-account").status_code == 404
    listed = set(NAME_CELL.findall(client.get(f"/accounts?{AS_OF}&size=1000").text))
    assert theirs not in listed


def test_read_only_when_the_policy_lets_csms_read_others(book: Book, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[web]\ncsm_can_read_others = true\n", encoding="utf-8")
    settings = book.settings.model_copy(update={"policy_file": policy})
    theirs = busiest_account(book.engine, book.other_csm)
    with session_scope(book.engine) as session:  # a person's task on it to show
        task_service.ensure_task(
            session,
            account_id=theirs,
            key="call-back",
            title="Call the champion back",
            description="",
            rule="STK-2",
            due_date=TODAY,
            owner_email=book.other_csm,
            created_on=TODAY,
        )
    with TestClient(create_app(settings)) as client:
        sign_in(client, book.csm)
        page = client.get(f"/accounts/{theirs}?{AS_OF}")
        assert page.status_code == 200
        html = page.text
        assert "Read-only" in html
        assert "/done" not in html and "/snooze" not in html
        assert "concessions/new" not in html and '/proposals"' not in html
        # their tasks are still shown, without buttons
        with session_scope(book.engine) as session:
            task = session.scalars(
                select(Task).where(Task.account_id == theirs, Task.status == "open")
            ).first()
        assert task is not None and str(escape(task.title)) in html
        # the list shows one's own accounts unless asked for all
        mine = set(NAME_CELL.findall(client.get(f"/accounts?{AS_OF}&size=1000").text))
        everyone = set(NAME_CELL.findall(client.get(f"/accounts?{AS_OF}&size=1000&show=all").text))
        assert theirs not in mine and theirs in everyone and mine < everyone


def test_a_page_needs_a_signed_in_user(client: TestClient, book: Book) -> None:
    response = client.get("/accounts/acc-00001", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faccounts%2Facc-00001"


# --- the account list --------------------------------------------------------------------------


def test_the_list_shows_exactly_the_accounts_in_scope_with_their_latest_health(
    book: Book, client: TestClient
) -> None:
    sign_in(client, book.csm)
    html = client.get(f"/accounts?{AS_OF}&size=1000").text
    assert set(NAME_CELL.findall(html)) == in_scope(book.engine, book.csm)
    rows = csv_rows(client.get(f"/accounts?{AS_OF}&format=csv"))
    with session_scope(book.engine) as session:
        snaps = {
            s.account_id: s
            for s in session.scalars(select(HealthSnapshot).where(HealthSnapshot.as_of == TODAY))
        }
    for row in rows:
        snap = snaps.get(row["account_id"])
        if snap is None:
            assert row["health_score"] == "" and row["health_category"] == ""
        else:
            assert float(row["health_score"]) == snap.score
            assert row["health_category"] == snap.category and row["risk"] == (snap.risk or "")
    # a manager sees the team's accounts; an admin every account
    client.cookies.clear()
    sign_in(client, book.manager)
    with session_scope(book.engine) as session:
        team = session.scalars(select(User.email).where(User.manager_email == book.manager)).all()
    team_rows = csv_rows(client.get(f"/accounts?{AS_OF}&format=csv"))
    assert {r["account_id"] for r in team_rows} == in_scope(book.engine, book.manager, *team)
    client.cookies.clear()
    sign_in(client, book.admin)
    with session_scope(book.engine) as session:
        total = session.scalar(select(func.count()).select_from(Account))
    assert len(csv_rows(client.get(f"/accounts?{AS_OF}&format=csv"))) == total


def test_filters_narrow_the_list_and_the_csv_has_the_same_rows(
    book: Book, client: TestClient
) -> None:
    sign_in(client, book.admin)
    everything = csv_rows(client.get(f"/accounts?{AS_OF}&format=csv"))
    name = everything[0]["name"]
    cases = {
        "category=red": lambda r: r["health_category"] == "red",
        "category=unscored": lambda r: r["health_category"] == "",
        "risk=at_risk": lambda r: r["risk"] == "at_risk",
        "segment=smb": lambda r: r["segment"] == "smb",
        f"owner={book.csm}": lambda r: book.csm in (r["owner"], r["renewal_owner"]),
        "window=90": lambda r: (
            r["renewal_date"] != ""
            and date.fromisoformat(r["renewal_date"]) <= TODAY + timedelta(days=90)
        ),
        f"q={name.split()[0].lower()}": lambda r: (
            name.split()[0].lower() in (r["name"].lower() + r["account_id"].lower())
        ),
        "q=ACC-0000": lambda r: r["account_id"].startswith("acc-0000"),
    }
    for params, keep in cases.items():
        expected = [r["account_id"] for r in everything if keep(r)]
        assert expected and len(expected) < len(everything), params
        got = csv_rows(client.get(f"/accounts?{AS_OF}&{params}&format=csv"))
        assert sorted(r["account_id"] for r in got) == sorted(expected), params
        shown = NAME_CELL.findall(client.get(f"/accounts?{AS_OF}&{params}&size=1000").text)
        assert shown == [r["account_id"] for r in got], params  # same rows, same order
    # filters combine; blank form fields mean "no filter"
    both = csv_rows(client.get(f"/accounts?{AS_OF}&category=red&window=90&segment=&format=csv"))
    assert {r["account_id"] for r in both} == {
        r["account_id"] for r in everything if cases["category=red"](r) and cases["window=90"](r)
    }
    empty = client.get(f"/accounts?{AS_OF}&q=zzzz-no-such-name")
    assert "No account matches these filters" in empty.text


def test_sorting_and_paging_follow_the_csv_order(book: Book, client: TestClient) -> None:
    sign_in(client, book.admin)
    by_arr = csv_rows(client.get(f"/accounts?{AS_OF}&sort=arr&desc=1&format=csv"))
    arrs = [Decimal(r["arr"]) for r in by_arr if r["arr"]]
    assert arrs == sorted(arrs, reverse=True)
    second = client.get(f"/accounts?{AS_OF}&sort=arr&desc=1&size=5&page=2").text
    assert NAME_CELL.findall(second) == [r["account_id"] for r in by_arr[5:10]]
    assert "Page 2 of" in second and f"{len(by_arr)} rows" in second
    by_name = csv_rows(client.get(f"/accounts?{AS_OF}&sort=name&format=csv"))
    assert [r["name"] for r in by_name] == sorted(r["name"] for r in by_name)
    # default: the soonest renewal first, accounts without one last
    default = csv_rows(client.get(f"/accounts?{AS_OF}&format=csv"))
    dates = [r["renewal_date"] for r in default]
    dated = [d for d in dates if d]
    assert dated == sorted(dated) and dates == dated + [""] * (len(dates) - len(dated))


def test_bad_list_input_is_a_clear_error(book: Book, client: TestClient) -> None:
    sign_in(client, book.csm)
    bad_sort = client.get("/accounts?sort=password")
    # 422 like its API twin (/api/v1/accounts?sort=password): the input is refused, naming
    # the field and the columns one may sort by (issue 14).
    assert bad_sort.status_code == 422 and "cannot sort by" in bad_sort.text
    assert "sortable columns" in bad_sort.text
    assert client.get("/accounts?sort=password&format=csv").status_code == 422
    for params in ("category=purple", "window=-1", "page=0", "segment=huge", "as_of=yesterday"):
        response = client.get(f"/accounts?{params}")
        assert response.status_code == 422, params


def test_a_task_done_from_the_account_page_comes_back_as_a_row_and_stays_done(
    book: Book, client: TestClient
) -> None:
    csrf = sign_in(client, book.csm)
    account_id = busiest_account(book.engine, book.csm)
    with session_scope(book.engine) as session:
        task_id = session.scalars(
            select(Task.task_id)
            .where(Task.account_id == account_id, Task.status == "open")
            .order_by(Task.due_date, Task.task_id)
        ).first()
    html = client.get(f"/accounts/{account_id}?{AS_OF}").text
    assert f'<tr id="task-{task_id}" class="task">' in html
    # the button's HTMX request; its answer replaces the row with id task-N
    answer = client.post(
        f"/tasks/{task_id}/done",
        data={"note": "called them"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert answer.status_code == 200 and f'id="task-{task_id}"' in answer.text
    assert answer.text.lstrip().startswith("<tr")
    after = client.get(f"/accounts/{account_id}?{AS_OF}").text
    row = after[after.index(f'<tr id="task-{task_id}"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="badge done">done</span>' in row and "/done" not in row
    assert f"by {book.csm}" in row
