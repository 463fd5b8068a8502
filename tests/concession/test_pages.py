"""Concessions on the web (CONC-3, CONC-6): a CSM asks for 20%, the page says it needs a
director and why, the manager is refused, the director approves; blocked requests and
people who may not change the account."""

from __future__ import annotations

from pathlib import Path

import pytest
from books import Books
from dashboard.book import built_book, client_for, people
from sqlalchemy import Engine, select

from renewals.audit.models import AuditEvent
from renewals.concession.models import Concession
from renewals.db import session_scope
from renewals.renewal.models import Renewal

FORM = {
    "discount_pct": "20",
    "give_back": "multi_year",
    "sunset_clause": "discount for year 1, standard pricing year 2",
    "business_rationale": "Budget cut after their merger; usage is healthy",
    "expected_outcome": "Renews for two years; full price from year 2",
    "alternatives_considered": "6-month term; reduced scope",
}


@pytest.fixture
def book(books: Books, engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = built_book(books, engine, tmp_path)
    who = people(engine)
    with session_scope(engine) as session:
        renewal_id = session.scalars(
            select(Renewal.renewal_id)
            .where(Renewal.owner_email == who.csm, Renewal.opportunity_type == "at_risk")
            .order_by(Renewal.renewal_date)
        ).first()
    return engine, settings, who, renewal_id


def test_a_20_percent_discount_needs_a_director_who_approves_it(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings, who, renewal_id = book
    csm, token = client_for(settings, who.csm)
    form = csm.get(f"/renewals/{renewal_id}/concessions/new")
    assert form.status_code == 200 and "Business rationale" in form.text
    check = csm.post(
        f"/renewals/{renewal_id}/concessions/check",
        data=FORM,
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert "Needs a director" in check.text and "<html" not in check.text
    sent = csm.post(
        f"/renewals/{renewal_id}/concessions",
        data={**FORM, "csrf_token": token},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    concession_id = int(sent.headers["location"].rsplit("/", 1)[1])
    page = csm.get(sent.headers["location"]).text
    assert "Needs a director: 20% is above a manager&#39;s 15% (CONC-3)" in page
    assert who.director in page and "Budget cut after their merger" in page

    manager, token_m = client_for(settings, who.manager)
    refused = manager.post(
        f"/concessions/{concession_id}/approve", data={"csrf_token": token_m, "rationale": "ok"}
    )
    assert refused.status_code == 403
    assert "may not approve 20%" in refused.text and "CONC-3" in refused.text

    director, token_d = client_for(settings, who.director)
    inbox = director.get("/approvals").text
    assert f'href="/concessions/{concession_id}"' in inbox
    no_reason = director.post(
        f"/concessions/{concession_id}/decline", data={"csrf_token": token_d, "rationale": ""}
    )
    assert no_reason.status_code == 422
    approved = director.post(
        f"/concessions/{concession_id}/approve",
        data={"csrf_token": token_d, "rationale": "Two-year commitment pays for it"},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    with session_scope(engine) as session:
        c = session.get(Concession, concession_id)
        assert (c.status, c.decided_by) == ("approved", who.director)
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == str(concession_id))
        ).all()
    assert "concession.approve" in actions
    assert "Approved by " + who.director in director.get(f"/concessions/{concession_id}").text
    assert f'href="/concessions/{concession_id}"' not in director.get("/approvals").text


def test_blocked_requests_show_why_and_others_are_refused(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings, who, renewal_id = book
    csm, token = client_for(settings, who.csm)
    blocked = csm.post(
        f"/renewals/{renewal_id}/concessions",
        data={**FORM, "give_back": "", "business_rationale": "", "csrf_token": token},
    )
    assert blocked.status_code == 422
    assert "CONC-4" in blocked.text and "CONC-6" in blocked.text
    assert 'value="20"' in blocked.text  # the form keeps what was typed
    with session_scope(engine) as session:
        assert session.scalar(select(Concession.concession_id)) is None
    other, token_o = client_for(settings, who.other_csm)
    assert other.get(f"/renewals/{renewal_id}/concessions/new").status_code == 403
    refused = other.post(
        f"/renewals/{renewal_id}/concessions", data={**FORM, "csrf_token": token_o}
    )
    assert refused.status_code == 403
    assert csm.get("/renewals/R-nope/concessions/new").status_code == 404
    assert csm.post(f"/renewals/{renewal_id}/concessions", data=FORM).status_code == 403  # CSRF


def test_a_concession_beyond_price_is_sized_on_the_form_and_routed(book) -> None:  # type: ignore[no-untyped-def]
    """CONC-8: net 90 payment terms (beyond a CSM's net 60) go to a director; the page
    shows its clause, the CONC-10 cautions and what it needs documented."""
    engine, settings, who, renewal_id = book
    csm, token = client_for(settings, who.csm)
    form = {**FORM, "discount_pct": "", "give_back": "", "sunset_clause": ""}
    form["terms"] = "payment_terms=90"
    check = csm.post(
        f"/renewals/{renewal_id}/concessions/check",
        data=form,
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert "Needs a director" in check.text
    assert "Payment terms: net 90 days" in check.text
    assert "don&#39;t promise what you can&#39;t deliver" in check.text
    assert "the current and the new payment terms" in check.text
    sent = csm.post(
        f"/renewals/{renewal_id}/concessions",
        data={**form, "csrf_token": token},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    page = csm.get(sent.headers["location"]).text
    assert "Clauses for the terms (CONC-8): Payment terms: net 90 days" in page
    assert "payment_terms is contract_terms" not in page
    assert "CONC-10" in page
