"""The renewal list is one query (issue 14): the API (/api/v1/renewals), the page
(/renewals) and its CSV export answer with the same renewals for the same filters, for a
CSM and for a manager (TECH-5 scope), on SQLite and PostgreSQL.

They used to disagree: the API matched the owner's email exactly as typed only after
lower-casing it, the page not at all; and the API's window left out overdue renewals,
the page's counted them in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from account.test_pages import (
    AS_OF,
    TODAY,
    Book,
    api_token,
    copy_or_build,
    csv_rows,
    sign_in,
)
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from renewals.db import session_scope
from renewals.renewal.models import Renewal
from renewals.web.app import create_app

ROLES = ("csm", "manager")


@pytest.fixture
def book(engine: Engine, tmp_path: Path, request: pytest.FixtureRequest) -> Book:
    built = copy_or_build(engine, tmp_path, request)
    with session_scope(built.engine) as session:
        # An overdue open renewal in the CSM's book, so the window's lower bound shows.
        overdue = session.scalars(
            select(Renewal)
            .where(Renewal.owner_email == built.csm, Renewal.outcome.is_(None))
            .order_by(Renewal.renewal_id)
        ).first()
        assert overdue is not None
        session.execute(
            update(Renewal)
            .where(Renewal.renewal_id == overdue.renewal_id)
            .values(renewal_date=TODAY - timedelta(days=10))
        )
    return built


@pytest.fixture
def client(book: Book) -> Iterator[TestClient]:
    with TestClient(create_app(book.settings)) as test_client:
        yield test_client


def _cases(book: Book) -> dict[str, tuple[str, str]]:
    """name -> (page query, API query) asking for the same renewals."""
    upper = book.csm.upper()
    return {
        "everything": ("stage=any", "open=false"),
        "open ones": ("", ""),
        "segment": ("stage=any&segment=enterprise", "open=false&segment=enterprise"),
        "owner in other letters": (f"stage=any&owner={upper}", f"open=false&owner={upper}"),
        "window with overdue ones": ("stage=any&window=60", "open=false&window=60"),
        "stage": ("stage=engagement", "stage=engagement&open=false"),
        "health": ("stage=any&category=red", "open=false&health=red"),
        "combined": (
            f"stage=any&window=120&owner={book.csm}",
            f"open=false&window=120&owner={book.csm}",
        ),
    }


def _api(client: TestClient, token: str, query: str) -> set[str]:
    response = client.get(
        f"/api/v1/renewals?size=1000&{AS_OF}&{query}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["pages"] <= 1
    return {item["renewal_id"] for item in body["items"]}


def _page(client: TestClient, query: str) -> set[str]:
    response = client.get(f"/renewals?show=all&{AS_OF}&format=csv&{query}")
    return {row["renewal_id"] for row in csv_rows(response)}


@pytest.mark.parametrize("role", ROLES)
def test_the_api_and_the_page_list_the_same_renewals(
    book: Book, client: TestClient, role: str
) -> None:
    email = {"csm": book.csm, "manager": book.manager}[role]
    token = api_token(book, email)
    sign_in(client, email)
    seen: Callable[[str], set[str]] = lambda query: _page(client, query)  # noqa: E731
    answered = {}
    for name, (page_query, api_query) in _cases(book).items():
        page_ids = seen(page_query)
        api_ids = _api(client, token, api_query)
        assert api_ids == page_ids, (role, name, api_ids ^ page_ids)
        answered[name] = page_ids
    # The cases narrow something: not every filter answers with the whole list.
    assert answered["everything"]
    assert answered["owner in other letters"]
    assert answered["window with overdue ones"] < answered["everything"]
    assert answered["segment"] < answered["everything"]
