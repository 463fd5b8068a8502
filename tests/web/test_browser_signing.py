"""The customer's signing pages in a real browser (issue 15, TECH-4), read as a customer
reads them, in English, German, Indonesian and Malay: the vendor's name and address from
settings, the account's legal name (never its internal id), no Python repr, dates and
money in the document's language, no field focused on load (the contract comes first),
and the checksum inside its card. Screenshots of the contract, the signing page and the
signed page in each language, and of the proposal the customer received, are saved under
test-artifacts/signing/.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from factories import ACCOUNTS, CONTRACTS, write_book
from web.conftest import settle, track
from web.live import free_port_in, serve
from web.test_browser import CHROMIUM, FLAGS

from renewals import migrate
from renewals.account.models import Account
from renewals.config import Settings
from renewals.contract_doc import service as contract_service
from renewals.db import make_engine, session_scope
from renewals.ingest.service import run_import
from renewals.policy import service as policy_service
from renewals.proposal import service as proposal_service
from renewals.scheduler import run_all
from renewals.user.models import User

pytestmark = pytest.mark.browser

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
VENDOR = ("Nordlicht Software GmbH", "Friedrichstraße 68, 10117 Berlin, Germany")
ARTIFACTS = (
    Path(os.environ.get("RENEWALS_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts"))
    / "signing"
)
CARL, VERA = "carl@renewals.example", "vera@renewals.example"
# account -> (language, legal name as the customer knows it, a word of the language)
CUSTOMERS = {
    "acme": ("en", "Acme Corp", "Sign the contract"),
    "globex": ("de", "Globex GmbH", "Vertrag unterschreiben"),
    "initech": ("id", "PT Initech Indonesia", "Tandatangani kontrak"),
    "umbrella": ("ms", "Umbrella Sdn Bhd", "Tandatangani kontrak"),
}
SIGNED = {
    "en": "the contract is signed",
    "de": "Vielen Dank, der Vertrag ist unterschrieben",
    "id": "kontrak telah ditandatangani",
    "ms": "kontrak telah ditandatangani",
}
MONTH = {"en": "December", "de": "Dezember", "id": "Desember", "ms": "Disember"}


def _book(tmp: Path) -> list[dict[str, Any]]:
    accounts = [dict(a) for a in ACCOUNTS] + [
        {
            **ACCOUNTS[2],
            "account_id": "umbrella",
            "name": "Umbrella Sdn Bhd",
            "customer_since": "2023-05-01",
        }
    ]
    for account in accounts:
        language, name, _ = CUSTOMERS[account["account_id"]]
        account.update(language=language, name=name)
    contracts = [dict(c) for c in CONTRACTS] + [
        {
            **CONTRACTS[-1],
            "contract_id": "umbrella-2026",
            "account_id": "umbrella",
            "currency": "MYR",
            "arr": "24000",
        }
    ]
    write_book(tmp / "book", accounts=accounts, contracts=contracts)
    return accounts


@pytest.fixture(scope="module")
def signing(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    tmp = tmp_path_factory.mktemp("signing")
    port = free_port_in(18200, 18299)
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'signing.db'}",
        data_dir=tmp / "data",
        secret_key="signing-test",
        vendor_name=VENDOR[0],
        vendor_address=VENDOR[1],
        public_url=f"http://127.0.0.1:{port}",
    )
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    _book(tmp)
    run_import(engine, tmp / "book", data_dir=settings.data_dir)
    outcomes = run_all(engine, policy=POLICY, as_of=TODAY, settings=settings)
    assert {o.status for o in outcomes} == {"ok"}, outcomes
    links, proposals = {}, {}
    with session_scope(engine) as session:
        session.add(User(email="dora@renewals.example", name="Dora", role="director"))
        session.flush()
        for account_id in CUSTOMERS:
            proposal = proposal_service.create(
                session,
                f"R-{account_id}-2026",
                option=None,
                by=CARL,
                as_of=TODAY,
                policy=POLICY,
                vendor_name=settings.vendor_name,
            )
            proposals[account_id] = proposal.html
            doc = contract_service.create(
                session,
                f"R-{account_id}-2026",
                by=CARL,
                policy=POLICY,
                vendor=contract_service.vendor_of(settings),
            )
            session.flush()
            contract_service.submit(session, doc.document_id, by=CARL, policy=POLICY)
            if doc.status != "approved":
                contract_service.approve(session, doc.document_id, by=VERA, policy=POLICY)
            sent = contract_service.send(
                session,
                doc.document_id,
                by=CARL,
                policy=POLICY,
                settings=settings,
                secret="signing-test",
                as_of=TODAY,
                signer_name="Ann Buyer",
                signer_email=f"ann@{account_id}.example",
            )
            links[account_id] = sent.link
    with serve(engine, settings, port=port) as server, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield server, browser, links, proposals
        browser.close()
    engine.dispose()


def _no_internals(text: str, account_id: str) -> list[str]:
    problems = []
    for pattern in (
        # The internal account id (names are capitalised); the contract being renewed keeps
        # its number ("renews contract acme-2026"), which the customer has on their copy.
        rf"\b{account_id}\b(?!-20\d\d)",
        r"R-[a-z]+-20\d\d",  # an internal renewal id
        r"<built-in|object at 0x|\bNone\b|\bTrue\b|\bFalse\b",  # Python repr
        r"[a-z]+_[a-z]+_?[a-z]*",  # a raw field name such as account_id
    ):
        found = re.search(pattern, text)
        if found:
            problems.append(f"{pattern!r}: {text[max(0, found.start() - 60) : found.end() + 60]!r}")
    return problems


@pytest.mark.parametrize("account_id", list(CUSTOMERS))
def test_a_customer_signs_in_their_language(signing, account_id: str) -> None:  # type: ignore[no-untyped-def]
    server, browser, links, proposals = signing
    language, name, button = CUSTOMERS[account_id]
    link = links[account_id]
    assert link.startswith(server.url + "/sign/"), link  # the public URL is the server's
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = track(context.new_page())
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # The proposal the customer received (its PDF is this HTML): in their language, from
    # the vendor, no Python repr (it keeps the renewal as its reference: "Proposal #1, R-...").
    page.set_content(proposals[account_id])
    proposal = page.inner_text("body")
    as_of = "24. November 2026" if language == "de" else "24 November 2026"
    assert VENDOR[0] in proposal and name in proposal and as_of in proposal
    assert not re.search(r"<built-in|object at 0x|\bNone\b|\bTrue\b|\bFalse\b", proposal)
    page.screenshot(path=str(ARTIFACTS / f"{language}-proposal.png"), full_page=True)

    # The contract itself, as the frame shows it.
    page.goto(link + "/document")
    contract = page.inner_text("body")
    assert VENDOR[0] in contract and VENDOR[1] in contract and name in contract
    assert MONTH[language] in contract or language == "en"  # dates in words, its language
    assert _no_internals(contract, account_id) == []
    page.screenshot(path=str(ARTIFACTS / f"{language}-contract.png"), full_page=True)

    # The signing page: nothing focused (the contract comes first), the checksum fits.
    page.goto(link)
    settle(page)
    assert page.evaluate("document.activeElement.tagName") == "BODY"
    text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert VENDOR[0] in text and name in text and button in text
    assert _no_internals(text, account_id) == []
    checksum = page.locator(".checksum code")
    card = page.locator(".checksum").locator("xpath=ancestor::section[1]")
    box, card_box = checksum.bounding_box(), card.bounding_box()
    assert box and card_box and box["x"] + box["width"] <= card_box["x"] + card_box["width"] + 1
    page.screenshot(path=str(ARTIFACTS / f"{language}-sign.png"), full_page=True)

    # Sign: the thank-you page names the signer and the account, in the same language.
    page.locator("input[name=agree]").scroll_into_view_if_needed()
    page.check("input[name=agree]")
    page.fill("input[name=signed_name]", "Ann Buyer")
    page.click("button[type=submit]")
    settle(page)
    signed = page.inner_text("body")
    assert SIGNED[language] in signed and "Ann Buyer" in signed and name in signed
    assert VENDOR[0] in signed
    assert _no_internals(signed, account_id) == []
    page.screenshot(path=str(ARTIFACTS / f"{language}-signed.png"), full_page=True)
    assert errors == []
    context.close()
    with session_scope(server.engine) as session:
        account = session.get(Account, account_id)
        assert account is not None and account.name == name
