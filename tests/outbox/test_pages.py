"""Outbox approval on the web (TIME-5): who sees which messages, approve and decline
with HTMX row fragments, reasons required, refusals as 403."""

from __future__ import annotations

from pathlib import Path

import pytest
from books import Books
from dashboard.book import built_book, client_for, people
from sqlalchemy import Engine, select, update

from renewals.db import session_scope
from renewals.outbox.models import OutboxMessage
from renewals.renewal.models import Renewal


@pytest.fixture
def book(books: Books, engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = built_book(books, engine, tmp_path)
    who = people(engine)
    # Two customer messages of the CSM's renewals wait for a person (TIME-5 approve_each).
    with session_scope(engine) as session:
        ids = session.scalars(
            select(OutboxMessage.message_id)
            .join(Renewal, Renewal.renewal_id == OutboxMessage.renewal_id)
            .where(Renewal.owner_email == who.csm, OutboxMessage.audience == "customer")
            .order_by(OutboxMessage.message_id)
            .limit(2)
        ).all()
        assert len(ids) == 2
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.message_id.in_(ids))
            .values(status="pending_approval", approved_by=None)
        )
    return engine, settings, who, list(ids)


def _status(engine: Engine, message_id: int) -> str:
    with session_scope(engine) as session:
        return session.get(OutboxMessage, message_id).status


def test_the_owner_approves_and_declines_with_a_reason(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings, who, (first, second) = book
    client, token = client_for(settings, who.csm)
    page = client.get("/outbox")
    assert f'id="msg-{first}"' in page.text and f'id="msg-{second}"' in page.text
    # the whole link (with its closing quote): msg-2 must not count msg-20..29
    assert client.get("/home").text.count(f'"/outbox#msg-{first}"') == 1
    hx = {"HX-Request": "true", "X-CSRF-Token": token}
    assert client.post(f"/outbox/{first}/approve").status_code == 403  # no CSRF token
    approved = client.post(f"/outbox/{first}/approve", headers=hx)
    assert approved.status_code == 200 and approved.text.lstrip().startswith(
        f'<tr id="msg-{first}"'
    )
    assert _status(engine, first) == "approved"
    assert client.post(f"/outbox/{second}/decline", headers=hx).status_code == 422
    assert _status(engine, second) == "pending_approval"
    declined = client.post(
        f"/outbox/{second}/decline",
        data={"reason": "I call them myself", "csrf_token": token},
        follow_redirects=False,
    )
    assert declined.status_code == 303 and declined.headers["location"] == "/outbox"
    assert _status(engine, second) == "cancelled"
    assert f'id="msg-{first}"' not in client.get("/outbox").text  # no longer waiting


def test_another_csm_neither_sees_nor_approves_them(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings, who, (first, _) = book
    other, token = client_for(settings, who.other_csm)
    assert f'id="msg-{first}"' not in other.get("/outbox").text
    refused = other.post(f"/outbox/{first}/approve", data={"csrf_token": token})
    assert refused.status_code == 403 and "TIME-5" in refused.text
    assert _status(engine, first) == "pending_approval"
    manager, _ = client_for(settings, who.manager)
    assert f'id="msg-{first}"' in manager.get("/outbox").text
