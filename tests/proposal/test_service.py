"""Proposals on a generated demo book: the CLI writes a PDF with the account's real figures
and three correctly priced options; at-risk renewals bundle nothing and say why; discounts
beyond the requester's authority wait for the concession chain; wins, ROI and the pages."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from books import Books, Demo
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine, select
from typer.testing import CliRunner
from web.conftest import login

from renewals.account.models import Account
from renewals.audit.models import AuditEvent
from renewals.concession import service as concession_service
from renewals.config import Settings
from renewals.contract.models import Contract
from renewals.contract_doc.models import ContractDocument
from renewals.db import session_scope
from renewals.health.models import HealthSnapshot
from renewals.kit.locale import format_money
from renewals.policy import service as policy_service
from renewals.proposal import commands, service
from renewals.proposal.models import Proposal
from renewals.renewal.models import Renewal
from renewals.web.formatting import money

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
runner = CliRunner()


@pytest.fixture
def book(books: Books, engine: Engine, tmp_path: Path) -> dict[str, str]:
    # The 40-account book (seed 7) imported and run on TODAY, built once (tests/books.py).
    books.copy(engine, tmp_path, Demo(40, seed=7, days=(TODAY,)))
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data"
    )
    return {
        "RENEWALS_DATABASE_URL": settings.database_url,
        "RENEWALS_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "220",
    }


def _smb(engine: Engine, *, at_risk: bool) -> Renewal:
    """An open SMB renewal: at risk, or one offered all three options. Which one depends on
    the day's decisions on the demo book, so the tests read its facts (term, language) rather
    than assume them."""
    with session_scope(engine) as session:
        rows = session.scalars(
            select(Renewal)
            .where(Renewal.segment == "smb", Renewal.outcome.is_(None))
            .order_by(Renewal.renewal_date, Renewal.renewal_id)
        ).all()
        for r in rows:
            if at_risk:
                if r.opportunity_type == "at_risk":
                    return r
                continue
            view = service.preview(session, r.renewal_id, as_of=TODAY, policy=POLICY)
            if all(o["offered"] for o in view.options["options"].values()):
                return r
    raise AssertionError("the demo book has no such SMB renewal")


def _pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


def test_smb_proposal_pdf_has_the_real_figures_and_three_prices(
    book: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    renewal = _smb(engine, at_risk=False)
    with session_scope(engine) as session:  # the figures below are read in English
        session.get(Account, renewal.account_id).language = "en"
    out = tmp_path / "out.pdf"
    result = runner.invoke(
        commands.app,
        [
            "create",
            renewal.renewal_id,
            "--option",
            "better",
            "--pdf",
            str(out),
            "--as-of",
            "2026-11-24",
        ],
        env=book,
    )
    assert result.exit_code == 0, result.output
    assert "BUN-1" in result.output and "MY-1" in result.output
    with session_scope(engine) as session:
        contract = session.get(Contract, renewal.contract_id)
        snap = session.get(HealthSnapshot, (renewal.account_id, TODAY))
        proposal = session.scalars(select(Proposal)).one()
        assert proposal.status == "ready" and proposal.option == "better"
        assert proposal.pdf_sha256 and Path(proposal.pdf_path) == out.resolve()
    # Prices worked out here from the contract, the snapshot and the policy (BUN-2, MY-2).
    arr, seats = Decimal(renewal.current_arr), contract.seats
    users, b = snap.features["active_users_30d"], POLICY.bundling
    per_seat = arr / seats
    needed = max(int(users / b.expansion_seat_utilisation) + 1 - seats, 0)
    modest = max(1, -(-seats * int(b.modest_expansion_pct) // 100), needed)
    full = max(-(-seats * int(b.full_expansion_pct) // 100), modest)
    cent = Decimal("0.01")
    better = (arr + (per_seat * modest).quantize(cent)).quantize(cent)
    discount = Decimal(str(POLICY.multi_year.two_year_discount_pct.min))
    best = ((arr + (per_seat * full).quantize(cent)) * (100 - discount) / 100).quantize(cent)

    text = _pdf_text(out)
    assert renewal.renewal_id not in text  # the customer reads no internal id
    for figure in (
        format_money(arr, renewal.currency, "en"),
        format_money(better, renewal.currency, "en"),
        format_money(best, renewal.currency, "en"),
    ):
        assert figure in text, (figure, text)
    assert f"Active users (last 30 days) {users:g}" in text
    assert f"Seats in your contract {seats}" in text
    assert "Good" in text and "Better" in text and "Best" in text
    assert f"{float(discount):g}%" in text


def test_at_risk_renewal_offers_no_bundled_expansion_and_says_why(
    book: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    renewal = _smb(engine, at_risk=True)
    with session_scope(engine) as session:
        session.get(Renewal, renewal.renewal_id)
        from renewals.account.models import Account

        session.get(Account, renewal.account_id).language = "fr"  # no French template
    out = tmp_path / "risk.pdf"
    result = runner.invoke(
        commands.app,
        ["create", renewal.renewal_id, "--pdf", str(out), "--as-of", "2026-11-24"],
        env=book,
    )
    assert result.exit_code == 0, result.output
    assert "BUN-1: at risk: secure the renewal first" in result.output
    assert "written in English" in result.output
    text = _pdf_text(out)
    assert "Expansion is not included in this proposal" in text
    assert "secure your renewal" in text
    assert format_money(Decimal(renewal.current_arr), renewal.currency, "en") in text
    refused = runner.invoke(
        commands.app, ["create", renewal.renewal_id, "--option", "better"], env=book
    )
    assert refused.exit_code == 1
    assert "not offered" in refused.output


def test_the_standard_multi_year_incentive_needs_no_manager(
    book: dict[str, str], engine: Engine
) -> None:
    """MY-2: the policy pre-approves its own 10% two-year incentive (a CSM may approve
    5%, CONC-3): the "best" proposal is ready at once, the concession says why."""
    renewal = _smb(engine, at_risk=False)
    with session_scope(engine) as session:
        proposal = service.create(
            session, renewal.renewal_id, option="best", by=None, as_of=TODAY, policy=POLICY
        )
        assert proposal.status == "ready"
        concession = concession_service.get(session, proposal.concession_id)
        assert (concession.status, concession.discount_pct) == ("approved", 10.0)
        assert concession.evaluation["preapproved"].startswith("MY-2")
        steps = concession_service.steps(session, concession.concession_id)
        assert [s.action for s in steps] == ["requested", "approved"]
        assert "pre-approved by policy" in steps[-1].note


def test_a_discount_beyond_authority_waits_for_the_concession_chain(
    book: dict[str, str], engine: Engine
) -> None:
    renewal = _smb(engine, at_risk=False)
    # Without the MY-2 pre-approval the incentive follows CONC-3 like any discount.
    strict = POLICY.model_copy(
        update={
            "proposal": POLICY.proposal.model_copy(
                update={"multi_year_incentive_preapproved": False}
            )
        }
    )
    with session_scope(engine) as session:
        proposal = service.create(
            session, renewal.renewal_id, option="best", by=None, as_of=TODAY, policy=strict
        )
        # The owner is a CSM (5%, CONC-3); the 2-year incentive is 10%.
        assert proposal.status == "needs_approval"
        concession = concession_service.get(session, proposal.concession_id)
        assert concession.discount_pct == 10.0 and concession.give_back == "multi_year"
        approver, pid = concession.next_approver_email, proposal.proposal_id
    with session_scope(engine) as session:
        concession_service.approve(session, concession.concession_id, by=approver, policy=POLICY)
    shown = runner.invoke(commands.app, ["show", str(pid), "--json"], env=book)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["status"] == "ready"
    # A new proposal supersedes it.
    again = runner.invoke(
        commands.app, ["create", renewal.renewal_id, "--option", "good"], env=book
    )
    assert again.exit_code == 0, again.output
    listed = [  # JSON Lines: one proposal per line
        json.loads(line)
        for line in runner.invoke(
            commands.app, ["list", "--renewal", renewal.renewal_id, "--json"], env=book
        ).output.splitlines()
    ]
    assert [(r["option"], r["status"]) for r in listed] == [
        ("good", "ready"),
        ("best", "superseded"),
    ]
    with session_scope(engine) as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert {"proposal.create", "proposal.status", "concession.request"} <= set(actions)


def test_wins_and_roi_feed_the_value_summary(book: dict[str, str], engine: Engine) -> None:
    renewal = _smb(engine, at_risk=False)
    account = renewal.account_id
    by = renewal.owner_email
    with session_scope(engine) as session:  # a win of this term (FUND-5: the term's wins)
        won_on = min(session.get(Contract, renewal.contract_id).start_date + timedelta(1), TODAY)
    added = runner.invoke(
        commands.wins_app,
        [
            "add",
            account,
            "--on",
            won_on.isoformat(),
            "--title",
            "Migrated 10,000 records",
            "--hours-saved",
            "40",
            "--revenue",
            "1500",
            "--by",
            by,
        ],
        env=book,
    )
    assert added.exit_code == 0, added.output
    bad = runner.invoke(
        commands.wins_app,
        ["add", account, "--on", "2026-13-01", "--title", "x", "--by", by],
        env=book,
    )
    assert bad.exit_code == 2 and "ISO date" in bad.output
    nobody = runner.invoke(
        commands.wins_app,
        ["add", account, "--on", "2026-06-01", "--title", "x", "--by", "x@y.z"],
        env=book,
    )
    assert nobody.exit_code == 1 and "not an active user" in nobody.output
    roi = runner.invoke(
        commands.roi_app,
        ["set", account, "--hours-per-week", "10", "--source", "customer survey", "--by", by],
        env=book,
    )
    assert roi.exit_code == 0, roi.output
    assert runner.invoke(commands.roi_app, ["set", account, "--by", by], env=book).exit_code == 1
    shown = json.loads(
        runner.invoke(commands.roi_app, ["show", account, "--json"], env=book).output
    )
    assert shown["hours_saved_per_week"] == 10 and shown["source"] == "customer survey"
    wins = [
        json.loads(line)
        for line in runner.invoke(
            commands.wins_app, ["list", account, "--json"], env=book
        ).output.splitlines()
    ]
    assert [w["title"] for w in wins] == ["Migrated 10,000 records"]

    created = runner.invoke(commands.app, ["create", renewal.renewal_id, "--json"], env=book)
    assert created.exit_code == 0, created.output
    summary = json.loads(created.output)["value_summary"]
    lines = {line["key"]: line["value"] for line in summary["roi"]["lines"]}
    # ROI-1: 10 h x 52 x 144 = 74,880; 40 h x 144 = 5,760; revenue from the win.
    assert lines == {
        "labour_value": "74880.00",
        "win_hours_value": "5760.00",
        "revenue_generated": "1500.00",
    }
    assert [w["title"] for w in summary["wins"]["items"]] == ["Migrated 10,000 records"]
    with session_scope(engine) as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"wins.add", "roi.set", "proposal.create"} <= actions


def test_pages_create_show_and_download(
    book: dict[str, str], engine: Engine, client: TestClient, add_user
) -> None:  # type: ignore[no-untyped-def]
    renewal = _smb(engine, at_risk=False)
    add_user(renewal.owner_email, "csm")
    add_user("stranger@renewals.example", "csm")
    csrf = login(client, "stranger@renewals.example")
    refused = client.post(
        f"/renewals/{renewal.renewal_id}/proposals",
        data={"option": "good", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    client.cookies.clear()
    csrf = login(client, renewal.owner_email)
    no_csrf = client.post(f"/renewals/{renewal.renewal_id}/proposals", data={"option": "good"})
    assert no_csrf.status_code == 403
    created = client.post(
        f"/renewals/{renewal.renewal_id}/proposals",
        data={"option": "better", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    page = client.get(created.headers["location"])
    assert page.status_code == 200
    with session_scope(engine) as session:
        proposal = session.scalars(select(Proposal)).one()
        better = proposal.options["options"]["better"]["annual_price"]
        assert proposal.created_by == renewal.owner_email
    # Money on pages is grouped with its currency (issue 15): "6,659.33 USD", not "6659.33".
    shown = money(better, proposal.currency)
    assert shown in page.text and "BUN-1" in page.text and "MY-1" in page.text
    pdf = client.get(f"/proposals/{proposal.proposal_id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    last = PdfReader(io.BytesIO(pdf.content)).pages[-1].extract_text()
    assert f"#{proposal.proposal_id}" in last and renewal.renewal_id not in last
    assert client.get("/proposals/9999").status_code == 404
    # A ready proposal drafts its contract from the page (TECH-4): price and term from it.
    assert proposal.status == "ready"
    assert f'action="/proposals/{proposal.proposal_id}/contract"' in page.text
    drafted = client.post(
        f"/proposals/{proposal.proposal_id}/contract",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert drafted.status_code == 303, drafted.text
    with session_scope(engine) as session:
        document = session.scalars(select(ContractDocument)).one()
        assert (document.proposal_id, document.status) == (proposal.proposal_id, "draft")
        assert str(document.annual_value) == better.replace(",", "")
    assert client.get(drafted.headers["location"]).status_code == 200
