"""Every list is one query (issue 14): for every listed resource the API (/api/v1/...) and
its page answer with the same rows for the same filters, for a CSM and for a manager
(TECH-5 scope), on SQLite and PostgreSQL.

The pages: the account and renewal lists (their CSV export, every row), and the account
page for what it lists per renewal (the save desk triage, concessions, proposals and
contract documents), which the API lists with `?account_id=` (and `?renewal_id=`). An
account the viewer may not see is a 403 on the page and no rows in the API.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from account.test_pages import (
    AS_OF,
    POLICY,
    TODAY,
    Book,
    api_token,
    copy_or_build,
    csv_rows,
    sign_in,
)
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from renewals.account.models import Account
from renewals.concession.models import Concession
from renewals.contract_doc.models import ContractDocument
from renewals.db import session_scope
from renewals.outbox.models import OutboxMessage
from renewals.proposal.models import Proposal
from renewals.renewal.models import Renewal
from renewals.save_plan.models import SaveTriage
from renewals.signal.models import Signal
from renewals.web.app import create_app

ROLES = ("csm", "manager")
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    book: Book
    accounts: tuple[str, ...]  # accounts with concessions, proposals and contracts
    renewals: dict[str, str]  # account -> one of its renewals to filter by


def _records(session, account_id: str, renewal_ids: list[str], by: str) -> None:  # type: ignore[no-untyped-def]
    """Two concessions, proposals and contracts on each renewal, of two statuses each."""
    for n, renewal_id in enumerate(renewal_ids * 2):
        session.add(
            Concession(
                renewal_id=renewal_id,
                account_id=account_id,
                kinds=["discount"],
                discount_pct=10.0 + n,
                requested_by=by,
                requested_at=NOW,
                risk_severity="high",
                required_role="director",
                status=("pending", "approved")[n % 2],
                next_approver_email="nobody@renewals.example",
            )
        )
        proposal = Proposal(
            renewal_id=renewal_id,
            account_id=account_id,
            as_of=TODAY,
            language="en",
            currency="USD",
            option="better",
            status=("ready", "draft")[n % 2],
            created_by=by,
            created_at=NOW,
        )
        session.add(proposal)
        session.flush()
        session.add(
            ContractDocument(
                renewal_id=renewal_id,
                account_id=account_id,
                proposal_id=proposal.proposal_id,
                language="en",
                currency="USD",
                annual_value=Decimal("1000") * (n + 1),
                term_months=12,
                status=("sent", "draft")[n % 2],
                created_by=by,
                created_at=NOW,
            )
        )


@pytest.fixture
def world(engine: Engine, tmp_path: Path, request: pytest.FixtureRequest) -> World:
    book = copy_or_build(engine, tmp_path, request)
    accounts: list[str] = []
    renewals: dict[str, str] = {}
    with session_scope(book.engine) as session:
        # For each of two CSMs, their account with the most renewals (so that a renewal
        # filter narrows), triaged ones first among those.
        for owner in (book.csm, book.other_csm):
            counted = (
                select(Account.account_id, func.count(Renewal.renewal_id).label("n"))
                .join(Renewal, Renewal.account_id == Account.account_id)
                .where(Account.owner_email == owner)
                .group_by(Account.account_id)
            ).subquery()
            triaged = select(SaveTriage.account_id)
            account_id = session.scalar(
                select(counted.c.account_id)
                .order_by(counted.c.n.desc(), counted.c.account_id.in_(triaged).desc())
                .order_by(counted.c.account_id)
                .limit(1)
            )
            assert account_id is not None
            ids = list(
                session.scalars(
                    select(Renewal.renewal_id)
                    .where(Renewal.account_id == account_id)
                    .order_by(Renewal.renewal_date, Renewal.renewal_id)
                )
            )
            _records(session, account_id, ids, owner)
            accounts.append(account_id)
            renewals[account_id] = ids[-1]
    return World(book, tuple(accounts), renewals)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.book.settings)) as test_client:
        yield test_client


# --- what the pages show ------------------------------------------------------------------


def _list_page(client: TestClient, path: str, key: str, query: str) -> set[str]:
    response = client.get(f"{path}?show=all&{AS_OF}&format=csv&{query}")
    return {row[key] for row in csv_rows(response)}


SECTION = re.compile(r'<article id="renewal-([^"]+)"')
# (id, status) of each item the account page lists
ON_PAGE = {
    "concessions": re.compile(
        r'<li><a href="/concessions/(\d+)">#\d+</a>[^<]* · <span class="badge[^"]*">([^<]+)<'
    ),
    "proposals": re.compile(
        r'<a href="/proposals/(\d+)">Proposal #\d+</a> · option <strong>\w+</strong> · '
        r'<span class="badge">([^<]+)<'
    ),
    "contracts": re.compile(
        r'<a href="/contracts/(\d+)">Contract #\d+</a> · <span class="badge[^"]*">([^<]+)<'
    ),
}
STATUSES = {"concessions": "pending", "proposals": "ready", "contracts": "sent"}


def _account_page(
    client: TestClient, resource: str, account_id: str, renewal: str | None, status: str = ""
) -> set[str]:
    """What the account page lists of `resource` (in one renewal's section if asked, with
    one status if asked; the save desk: the renewals triaged with that status); an account
    the viewer may not see lists nothing (403)."""
    response = client.get(f"/accounts/{account_id}?{AS_OF}")
    if response.status_code == 403:
        return set()
    assert response.status_code == 200, response.text
    parts = SECTION.split(response.text)
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    found: set[str] = set()
    for renewal_id, html in sections.items():
        html = html.split("</article>", 1)[0]
        if renewal is not None and renewal_id != renewal:
            continue
        if resource == "saves":
            if f"; status {status}</td>" in html:
                found.add(renewal_id)
        else:
            found |= {
                item
                for item, shown in ON_PAGE[resource].findall(html)
                if not status or shown == status.replace("_", " ")
            }
    return found


# --- what the API answers -----------------------------------------------------------------

API = {
    "accounts": ("/api/v1/accounts", "account_id"),
    "renewals": ("/api/v1/renewals", "renewal_id"),
    "saves": ("/api/v1/saves", "renewal_id"),
    "concessions": ("/api/v1/concessions", "concession_id"),
    "proposals": ("/api/v1/proposals", "proposal_id"),
    "contracts": ("/api/v1/contracts", "document_id"),
}


def _api(client: TestClient, token: str, resource: str, query: str) -> set[str]:
    path, key = API[resource]
    response = client.get(
        f"{path}?size=1000&{AS_OF}&{query}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["pages"] <= 1
    return {str(item[key]) for item in body["items"]}


# --- the cases: (resource, name) -> (what the page shows, the API query) ------------------

Case = tuple[Callable[[TestClient], set[str]], str]


def _cases(world: World) -> dict[tuple[str, str], Case]:
    book = world.book
    upper = book.csm.upper()
    cases: dict[tuple[str, str], Case] = {
        ("accounts", "everything"): (lambda c: _list_page(c, "/accounts", "account_id", ""), ""),
        ("accounts", "segment"): (
            lambda c: _list_page(c, "/accounts", "account_id", "segment=enterprise"),
            "segment=enterprise",
        ),
        ("accounts", "owner in other letters"): (
            lambda c: _list_page(c, "/accounts", "account_id", f"owner={upper}"),
            f"owner={upper}",
        ),
        ("accounts", "part of a name or an id"): (
            lambda c: _list_page(c, "/accounts", "account_id", "q=a"),
            "q=a",
        ),
        ("renewals", "everything"): (
            lambda c: _list_page(c, "/renewals", "renewal_id", "stage=any"),
            "open=false",
        ),
        ("renewals", "owner and window"): (
            lambda c: _list_page(
                c, "/renewals", "renewal_id", f"stage=any&window=90&owner={upper}"
            ),
            f"open=false&window=90&owner={upper}",
        ),
    }
    for account_id in world.accounts:
        renewal = world.renewals[account_id]
        for status in ("open", "saved", "lost", "resolved"):
            cases[("saves", f"account {account_id} {status}")] = (
                lambda c, a=account_id, s=status: _account_page(c, "saves", a, None, s),
                f"account_id={account_id}&status={status}",
            )
        for resource in ("concessions", "proposals", "contracts"):
            cases[(resource, f"account {account_id}")] = (
                lambda c, r=resource, a=account_id: _account_page(c, r, a, None),
                f"account_id={account_id}",
            )
            cases[(resource, f"renewal {renewal}")] = (
                lambda c, r=resource, a=account_id, n=renewal: _account_page(c, r, a, n),
                f"account_id={account_id}&renewal_id={renewal}",
            )
            status = STATUSES[resource]
            cases[(resource, f"account {account_id} {status}")] = (
                lambda c, r=resource, a=account_id, s=status: _account_page(c, r, a, None, s),
                f"account_id={account_id}&status={status}",
            )
    return cases


@pytest.mark.parametrize("role", ROLES)
def test_the_api_and_the_pages_list_the_same_rows(
    world: World, client: TestClient, role: str
) -> None:
    book = world.book
    email = {"csm": book.csm, "manager": book.manager}[role]
    token = api_token(book, email)
    sign_in(client, email)
    answered: dict[tuple[str, str], set[str]] = {}
    for (resource, name), (page, api_query) in _cases(world).items():
        page_ids = page(client)
        api_ids = _api(client, token, resource, api_query)
        assert api_ids == page_ids, (role, resource, name, api_ids ^ page_ids)
        answered[(resource, name)] = page_ids
    # The cases list something and the filters narrow: not every answer is the whole list.
    everything = answered[("accounts", "everything")]
    assert everything and answered[("accounts", "owner in other letters")]
    assert answered[("accounts", "segment")] < everything
    assert answered[("renewals", "owner and window")] < answered[("renewals", "everything")]
    own = world.accounts[0]  # the CSM's own account: seen by the CSM and their manager
    assert any(v for (resource, _), v in answered.items() if resource == "saves")
    for resource in ("concessions", "proposals", "contracts"):
        assert answered[(resource, f"account {own}")], resource
    for resource in ("concessions", "proposals", "contracts"):
        narrowed = answered[(resource, f"account {own} {STATUSES[resource]}")]
        assert narrowed and narrowed < answered[(resource, f"account {own}")], resource


@pytest.mark.parametrize("role", ROLES)
def test_the_approvals_inbox_lists_what_the_pages_list(
    world: World, client: TestClient, role: str
) -> None:
    """Issue 14, CONC-3, TIME-5: what waits for a person is one query each: the API's
    /approvals lists the concessions of the /approvals page (routed to them, whatever the
    case of the address) and the messages of the outbox page (waiting for approval on a
    renewal or account whose owner is in their scope: who `approve` lets act)."""
    book = world.book
    me = book.csm if role == "csm" else book.manager
    with session_scope(book.engine) as session:
        mine = session.scalars(
            select(Concession).where(Concession.account_id.in_(world.accounts))
        ).all()
        for n, concession in enumerate(mine):
            concession.status = "pending"
            concession.next_approver_email = (me.upper(), me, "nobody@renewals.example")[n % 3]
        pending = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "pending_approval")
        ).all()
        owners = {
            (m.message_id, a.owner_email)
            for m in pending
            if (a := session.get(Account, m.account_id)) is not None
        }
    assert pending and len({o for _, o in owners}) > 1  # messages of several owners
    sign_in(client, me)
    page_concessions = {r["concession_id"] for r in csv_rows(client.get("/approvals?format=csv"))}
    outbox = client.get("/outbox?status=pending_approval&format=csv")
    page_messages = {r["message_id"] for r in csv_rows(outbox)}
    token = api_token(book, me)
    inbox = client.get("/api/v1/approvals", headers={"Authorization": f"Bearer {token}"})
    assert inbox.status_code == 200, inbox.text
    assert {str(c["concession_id"]) for c in inbox.json()["concessions"]} == page_concessions
    assert {str(m["message_id"]) for m in inbox.json()["messages"]} == page_messages
    assert len(page_concessions) == len([c for n, c in enumerate(mine) if n % 3 != 2])
    assert page_messages
    if role == "csm":  # a scope, not the book (the manager's team owns all five here)
        assert len(page_messages) < len(pending)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("api_query", "page_query"),
    [
        ("status=open", "status=open"),
        ("status=overdue", "status=all&due=overdue"),
        ("status=done", "status=done"),
    ],
)
def test_the_task_queue_is_one_query_for_the_api_and_the_page(
    world: World, client: TestClient, role: str, api_query: str, page_query: str
) -> None:
    """Issue 14, TIME-4, TECH-5: the API's task list and the /tasks page (its CSV) list the
    same tasks for the same filters: your own, and your whole scope (a manager's team;
    a CSM's own tasks); one person outside your scope is a 403 on both."""
    book = world.book
    me = book.csm if role == "csm" else book.manager
    sign_in(client, me)
    token = {"Authorization": f"Bearer {api_token(book, me)}"}

    def api_ids(query: str) -> set[str]:
        found: set[str] = set()
        page = 1
        while True:
            response = client.get(
                f"/api/v1/tasks?{query}&{AS_OF}&size=500&page={page}", headers=token
            )
            assert response.status_code == 200, response.text
            body = response.json()
            found |= {str(t["task_id"]) for t in body["items"]}
            if page * 500 >= body["total"]:
                return found
            page += 1

    def page_ids(query: str) -> set[str]:
        return {r["task_id"] for r in csv_rows(client.get(f"/tasks?{query}&{AS_OF}&format=csv"))}

    own = api_ids(f"mine=true&{api_query}")
    assert own == page_ids(page_query)
    scope = api_ids(f"mine=false&{api_query}")
    if api_query != "status=done":
        assert scope  # something to compare: the CSM's, the team's open and overdue tasks
    if role == "manager":
        assert scope == page_ids(f"owner=team&{page_query}")
        assert scope >= own
    else:
        assert scope == own  # a CSM's scope is their own queue
        assert client.get(f"/tasks?owner=team&{page_query}").status_code == 403
    assert (
        client.get(f"/api/v1/tasks?owner={book.admin}&{api_query}", headers=token).status_code
        == 403
    )
    assert client.get(f"/tasks?owner={book.admin}&{page_query}").status_code == 403


SIGNAL_ROW = re.compile(r'<tr id="signal-(\d+)">\s*<td>[^<]*<br><span class="([^"]+)">')


@pytest.mark.parametrize("role", ROLES)
def test_an_accounts_signals_are_one_list_for_the_api_and_the_page(
    world: World, client: TestClient, role: str
) -> None:
    """Issue 14, SIG-0, TECH-5: the account page's signals and the API's
    /accounts/{id}/signals?all=true are one query (signal.service.account_signals): the same
    signals in the same order, each marked in force alike, and the API's default list
    (in force) is what the page marks in force; an account the viewer may not see (the other
    CSM's, for a CSM) is a 403 on both."""
    book = world.book
    me = book.csm if role == "csm" else book.manager
    sign_in(client, me)
    token = {"Authorization": f"Bearer {api_token(book, me)}"}
    with session_scope(book.engine) as session:
        busiest = {
            owner: session.scalar(
                select(Signal.account_id)
                .join(Account, Account.account_id == Signal.account_id)
                .where(Account.owner_email == owner)
                .group_by(Signal.account_id)
                .order_by(func.count().desc(), Signal.account_id)
                .limit(1)
            )
            for owner in (book.csm, book.other_csm)
        }
        size = POLICY.web.page_size
    compared = refused = 0
    for owner, account_id in busiest.items():
        assert account_id is not None, owner
        page = client.get(f"/accounts/{account_id}?{AS_OF}")
        everything = client.get(
            f"/api/v1/accounts/{account_id}/signals?all=true&size={size}&{AS_OF}", headers=token
        )
        in_force = client.get(
            f"/api/v1/accounts/{account_id}/signals?size=1000&{AS_OF}", headers=token
        )
        if page.status_code == 403:  # an account the viewer may not see
            assert everything.status_code == in_force.status_code == 403
            refused += 1
            continue
        assert page.status_code == 200 and everything.status_code == 200, everything.text
        shown = [(int(i), "at_risk" in badge) for i, badge in SIGNAL_ROW.findall(page.text)]
        listed = [(s["signal_id"], s["active"]) for s in everything.json()["items"]]
        assert shown == listed, (role, account_id)
        forced = {s["signal_id"] for s in in_force.json()["items"]}
        assert {i for i, active in shown if active} == forced & {i for i, _ in shown}
        compared += len(shown)
    assert compared >= 2  # signals to compare
    assert refused == (role == "csm" and not POLICY.web.csm_can_read_others)
