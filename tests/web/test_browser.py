"""The web app in a real browser (Debian's Chromium driven by Playwright, never
`playwright install`): a CSM works an at-risk account, asks for a 20% concession that
needs a director (CONC-3), the director approves it, another CSM is refused (TECH-5).

Screenshots of each role's home page are saved under test-artifacts/browser/ (or
$RENEWALS_TEST_ARTIFACTS) for people to look at.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from web.conftest import CHROMIUM, FLAGS, settle, track  # noqa: F401 (imported from here by other tests)
from web.live import PASSWORD, LiveServer, build_demo, serve

from renewals.account.models import Account
from renewals.concession.models import Concession
from renewals.contract_doc.models import ContractDocument
from renewals.db import session_scope
from renewals.proposal.models import Proposal
from renewals.renewal.models import Renewal
from renewals.task.models import Task
from renewals.user.models import User

pytestmark = pytest.mark.browser

ARTIFACTS = (
    Path(os.environ.get("RENEWALS_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts"))
    / "browser"
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    engine, settings = build_demo(tmp_path_factory, "browser")
    with serve(engine, settings) as server:
        yield server
    engine.dispose()


class Person:
    """One signed-in browser context; collects console errors (CSP violations, 404s...)."""

    def __init__(self, browser, live: LiveServer, email: str, width: int = 1366) -> None:  # type: ignore[no-untyped-def]
        self.live = live
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = track(self.context.new_page())
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(live.url + "/login")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        settle(self.page)
        assert "/login" not in self.page.url, self.page.content()[:2000]

    def goto(self, path: str):  # type: ignore[no-untyped-def]
        response = self.page.goto(self.live.url + path)
        settle(self.page)
        return response

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


def _cast(live: LiveServer) -> dict[str, str]:
    """The people of the story, read from the demo book: a CSM with an open at-risk
    renewal that has open tasks, their manager and director, another CSM, an executive."""
    with session_scope(live.engine) as session:
        users = {u.email: u for u in session.scalars(select(User))}
        candidates = session.execute(
            select(Renewal.owner_email, Renewal.renewal_id, Renewal.account_id)
            .join(Task, Task.renewal_id == Renewal.renewal_id)
            .where(
                Renewal.opportunity_type == "at_risk",
                Renewal.outcome.is_(None),
                Task.status == "open",
            )
            .order_by(Renewal.renewal_date)
        ).all()
        owner, renewal_id, account_id = next(c for c in candidates if users[c[0]].role == "csm")
        manager = users[owner].manager_email
        director = users[manager].manager_email
        other = next(
            e for e, u in users.items() if u.role == "csm" and e != owner and u.manager_email
        )
        executive = next(e for e, u in users.items() if u.role == "executive")
        assert users[manager].role == "manager" and users[director].role == "director"
    return {
        "csm": owner,
        "renewal": renewal_id,
        "account": account_id,
        "manager": manager,
        "director": director,
        "other_csm": other,
        "executive": executive,
    }


def _concession_to_signed_contract(
    browser, live: LiveServer, cast: dict[str, str], concession_id: int
) -> None:  # type: ignore[no-untyped-def]
    with session_scope(live.engine) as session:
        renewal = session.get(Renewal, cast["renewal"])
        concession = session.get(Concession, concession_id)
        assert renewal is not None and concession is not None
        arr = Decimal(renewal.current_arr)
        sunset = concession.sunset_clause
    approved_price = (arr * Decimal("0.80")).quantize(Decimal("0.01"))

    # The CSM drafts the proposal from the account page: it leads with the agreed terms.
    csm = Person(browser, live, cast["csm"])
    csm.goto(f"/accounts/{cast['account']}")
    form = csm.page.locator(f"form[action='/renewals/{cast['renewal']}/proposals']")
    form.locator("select[name=option]").select_option("")
    form.locator("button[type=submit]").click()
    settle(csm.page)
    assert "/proposals/" in csm.page.url, csm.page.content()[:3000]
    proposal_id = int(csm.page.url.rsplit("/", 1)[1])
    main = csm.page.inner_text("main")
    assert "leads with agreed" in main and "ready" in main, main[:1500]
    with session_scope(live.engine) as session:
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None and proposal.concession_id == concession_id
        agreed = proposal.options["options"]["agreed"]
        assert Decimal(agreed["annual_price"]) == approved_price
        assert agreed["term_months"] == 24 and agreed["give_back"] == "multi_year"
        assert sunset in agreed["clauses"]
        customer_text = re.sub(r"<[^>]+>", " ", proposal.html)
    assert renewal.renewal_id not in customer_text  # no internal id for the customer

    # The contract form shows the approved price, term and clauses; unchanged, it drafts them.
    assert csm.page.input_value("input[name=annual_value]") == str(approved_price)
    assert csm.page.input_value("input[name=term_months]") == "24"
    assert sunset in csm.page.input_value("textarea[name=clauses]")
    csm.page.get_by_role("button", name="Draft the renewal contract").click()
    settle(csm.page)
    assert "/contracts/" in csm.page.url, csm.page.content()[:3000]
    document_id = int(csm.page.url.rsplit("/", 1)[1])
    main = csm.page.inner_text("main")
    assert f"concession #{concession_id}" in main and "CONC-7" in main, main[:2000]
    csm.page.get_by_role("button", name="Submit for approval").click()
    settle(csm.page)
    with session_scope(live.engine) as session:
        doc = session.get(ContractDocument, document_id)
        assert doc is not None and doc.status == "pending_approval"
        # Covered by the director's concession: a standard contract, a manager approves it.
        assert doc.required_role == "manager", doc.routing
    csm.close()

    manager = Person(browser, live, cast["manager"])
    manager.goto(f"/contracts/{document_id}")
    manager.page.locator("form[action$='/approve'] button[type=submit]").click()
    settle(manager.page)
    assert not manager.errors, manager.errors
    manager.close()

    csm = Person(browser, live, cast["csm"])
    csm.goto(f"/contracts/{document_id}")
    send = csm.page.locator("form[action$='/send']")
    send.locator("input[name=signer_name]").fill("Pat Buyer")
    send.locator("input[name=signer_email]").fill("pat.buyer@customer.example")
    send.locator("button[type=submit]").click()
    settle(csm.page)
    link = csm.page.locator(".flash code").first.inner_text()
    assert "/sign/" in link, csm.page.content()[:2000]
    csm.close()

    # The customer signs at the link (no login) the contract at the approved price and term.
    customer = browser.new_context()
    page = track(customer.new_page())
    page.goto(live.url + "/sign/" + link.split("/sign/", 1)[1])
    page.locator("input[name=agree]").scroll_into_view_if_needed()
    page.check("input[name=agree]")
    page.fill("input[name=signed_name]", "Pat Buyer")
    page.click("button[type=submit]")
    settle(page)
    customer.close()
    with session_scope(live.engine) as session:
        doc = session.get(ContractDocument, document_id)
        assert doc is not None and doc.status == "signed" and doc.signed_name == "Pat Buyer"
        assert Decimal(doc.annual_value) == approved_price and doc.term_months == 24
        clauses = [c["key"] or c["text"] for c in doc.terms["clauses"]]
        assert sunset in clauses
        assert session.get(Renewal, cast["renewal"]).outcome is not None  # type: ignore[union-attr]


def test_csm_concession_director_approval_and_refusal(browser, live: LiveServer) -> None:  # type: ignore[no-untyped-def]
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    cast = _cast(live)
    with session_scope(live.engine) as session:
        account_name = session.get(Account, cast["account"]).name  # type: ignore[union-attr]

    # 1. The CSM's home page shows their real renewals, with the at-risk account.
    csm = Person(browser, live, cast["csm"])
    assert csm.page.url.endswith("/home")
    assert csm.page.locator("h1").first.inner_text() == "My renewals"
    assert csm.page.get_by_role("link", name=account_name).count() >= 1
    csm.screenshot("csm-home")

    # 2. Open the at-risk account from the home page.
    csm.page.get_by_role("link", name=account_name).first.click()
    settle(csm.page)
    assert csm.page.url.endswith(f"/accounts/{cast['account']}")
    assert "at risk" in csm.page.content()

    # 3. Complete one of its open tasks (HTMX swaps the row in place).
    form = csm.page.locator("form[action$='/done']").first
    task_id = int(form.get_attribute("action").split("/")[2])
    with csm.page.expect_response(lambda r: r.url.endswith(f"/tasks/{task_id}/done")) as done:
        form.locator("button[type=submit]").click()
    assert done.value.status == 200
    csm.page.locator(f"#task-{task_id}").get_by_text("done").first.wait_for()
    with session_scope(live.engine) as session:
        task = session.get(Task, task_id)
        assert task is not None and task.status == "done" and task.completed_by == cast["csm"]

    # 4. Ask for a 20% discount: a manager may approve 15%, so it needs a director (CONC-3).
    csm.page.get_by_role("link", name="Request a concession").first.click()
    settle(csm.page)
    csm.page.fill("input[name=discount_pct]", "20")
    csm.page.select_option("select[name=give_back]", "multi_year")
    csm.page.fill("input[name=sunset_clause]", "discount for year 1, standard pricing year 2")
    csm.page.fill(
        "textarea[name=business_rationale]", "Keeps a strategic logo through a rough patch"
    )
    csm.page.fill("textarea[name=expected_outcome]", "Two-year renewal at the current seat count")
    csm.page.fill(
        "textarea[name=alternatives_considered]", "Enhanced support only; rejected by the buyer"
    )
    csm.page.get_by_role("button", name="Request").click()
    settle(csm.page)
    assert "/concessions/" in csm.page.url, csm.page.content()[:3000]
    concession_id = int(csm.page.url.rsplit("/", 1)[1])
    assert "director" in csm.page.inner_text("main").lower()
    with session_scope(live.engine) as session:
        concession = session.get(Concession, concession_id)
        assert concession is not None
        assert (concession.status, concession.required_role) == ("pending", "director")
    assert not csm.errors, csm.errors
    csm.close()

    # The same home page on a phone: nothing wider than the screen but scrolling tables.
    phone = Person(browser, live, cast["csm"], width=390)
    overflow = phone.page.evaluate(
        "() => [...document.querySelectorAll('main > *')].filter(e => e.scrollWidth > 390 + 1"
        " && !e.querySelector('.table-wrap, .chart')).map(e => e.tagName + '.' + e.className)"
    )
    assert overflow == [], overflow
    phone.screenshot("csm-home-phone")
    phone.close()

    # 5. The manager cannot approve it; their home page is the team dashboard.
    manager = Person(browser, live, cast["manager"])
    assert manager.page.url.endswith("/manager")
    manager.screenshot("manager-home")
    manager.close()

    # 6. The director approves it from the approvals inbox.
    director = Person(browser, live, cast["director"])
    director.screenshot("director-home")
    director.goto("/approvals")
    director.page.locator(f"a[href='/concessions/{concession_id}']").first.click()
    settle(director.page)
    director.page.fill(
        "form[action$='/approve'] textarea[name=rationale]", "Worth keeping: two-year give-back"
    )
    director.page.locator("form[action$='/approve'] button[type=submit]").click()
    settle(director.page)
    with session_scope(live.engine) as session:
        concession = session.get(Concession, concession_id)
        assert (concession.status, concession.decided_by) == ("approved", cast["director"])
    assert not director.errors, director.errors
    director.close()

    # 6b. The approved concession flows into the proposal, the contract form and the signed
    # contract (issue 16 item 9): the approved price and term, its give-back and clauses.
    _concession_to_signed_contract(browser, live, cast, concession_id)

    executive = Person(browser, live, cast["executive"])
    assert executive.page.url.endswith("/executive")
    executive.screenshot("executive-home")
    executive.close()

    # 7. Another CSM is refused on that account's page and on the API.
    other = Person(browser, live, cast["other_csm"])
    other.screenshot("other-csm-home")
    response = other.goto(f"/accounts/{cast['account']}")
    assert response.status == 403
    assert "Not allowed" in other.page.inner_text("main")
    api = other.page.request.get(f"{live.url}/api/v1/accounts/{cast['account']}")
    assert api.status == 403 and api.json()["error"]["status"] == 403
    other.close()

    for name in ("csm-home", "manager-home", "director-home", "executive-home"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
