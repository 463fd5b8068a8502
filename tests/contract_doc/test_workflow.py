"""The contract workflow end to end on a real book (SQLite and PostgreSQL), as people use
it: drafted and sent with the CLI, approved on the staff page, signed on the public
signing page, reported by an e-signature provider's webhook, and kept closed through
the daily run (TECH-4, CONC-3, FUND-1).

Personas (factories): carl (CSM, owns every account) -> mia (manager) -> vera (VP);
dora (director) is added here. globex (German, EUR 42,000) gets a non-standard
contract; initech (USD 6,000, SMB) a standard one.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from factories import write_book
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner
from web.conftest import login

from renewals.audit.models import AuditEvent
from renewals.config import Settings
from renewals.contract.models import Contract
from renewals.contract_doc import jobs as contract_jobs  # noqa: F401  (registers the job)
from renewals.contract_doc import tokens
from renewals.contract_doc.commands import app as contract_app
from renewals.contract_doc.models import ContractDocument
from renewals.db import session_scope
from renewals.ingest.service import run_import
from renewals.kit.time import utc_now
from renewals.outbox.models import MessagePermission, OutboxMessage
from renewals.policy import service as policy_service
from renewals.renewal.models import Renewal, StageChange
from renewals.scheduler import run_all

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
CARL, MIA, VERA, DORA = (f"{n}@renewals.example" for n in ("carl", "mia", "vera", "dora"))
WEBHOOK_SECRET = "whsec-test"
runner = CliRunner()


@pytest.fixture
def book(engine: Engine, tmp_path: Path, web_settings: Settings, add_user: Any) -> Settings:
    """The three personas imported, the daily run done, passwords for the staff."""
    run_import(engine, write_book(tmp_path / "book"), data_dir=web_settings.data_dir)
    run(engine, web_settings, TODAY)
    add_user(VERA, "vp")
    add_user(MIA, "manager", VERA)
    add_user(CARL, "csm", MIA)
    add_user(DORA, "director", VERA)
    return web_settings


def run(engine: Engine, settings: Settings, day: date) -> None:
    outcomes = run_all(engine, policy=POLICY, as_of=day, settings=settings)
    assert [o.status for o in outcomes] == ["ok"] * len(outcomes), outcomes
    assert "contract.expire_links" in [o.name for o in outcomes]


def cli(settings: Settings, *args: str, env: dict[str, str | None] | None = None) -> Any:
    environment: dict[str, str | None] = {
        "RENEWALS_DATABASE_URL": settings.database_url,
        "RENEWALS_DATA_DIR": str(settings.data_dir),
        "RENEWALS_SECRET_KEY": str(settings.secret_key),
        "COLUMNS": "200",
        **(env or {}),
    }
    return runner.invoke(contract_app, list(args), env=environment)


def token_of(output: str) -> str:
    found = re.search(r"/sign/([A-Za-z0-9_.\-]+)", output)
    assert found, output
    return found.group(1)


def doc_of(engine: Engine, document_id: int) -> ContractDocument:
    with session_scope(engine) as session:
        doc = session.get(ContractDocument, document_id)
        assert doc is not None
        session.expunge(doc)
        return doc


def actions(engine: Engine, document_id: int) -> list[str]:
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(
                    AuditEvent.entity == "contract_document",
                    AuditEvent.entity_id == str(document_id),
                )
                .order_by(AuditEvent.id)
            )
        )


def renewal_state(engine: Engine, renewal_id: str) -> tuple[Any, ...]:
    with session_scope(engine) as session:
        r = session.get(Renewal, renewal_id)
        assert r is not None
        c = session.get(Contract, r.contract_id)
        assert c is not None
        changes = session.scalars(
            select(StageChange.to_stage).where(StageChange.renewal_id == renewal_id)
        ).all()
        return (
            r.stage,
            r.outcome,
            r.closed_on,
            r.updated_on,
            r.owner_email,
            c.outcome,
            c.outcome_arr,
            c.closed_at,
            c.close_reason,
            tuple(changes),
        )


def signing_form(client: TestClient, token: str) -> dict[str, str]:
    page = client.get(f"/sign/{token}")
    assert page.status_code == 200, page.text
    key = re.search(r'name="form_key" value="([0-9a-f]{64})"', page.text)
    assert key
    return {"form_key": key.group(1)}


def test_the_contract_workflow_end_to_end(
    book: Settings, engine: Engine, client: TestClient
) -> None:
    settings = book
    # Draft (CLI): an 18-month term and a custom clause are non-standard -> director.
    created = cli(
        settings,
        "create",
        "R-globex-2026",
        "--by",
        CARL,
        "--term-months",
        "18",
        "--clause",
        "annual_true_up",
        "--clause",
        "Kostenlose Schulung für das neue Team",
        "--json",
    )
    assert created.exit_code == 0, created.output
    row = json.loads(created.output)
    doc_id = row["id"]
    assert row["status"] == "draft" and row["language"] == "de"  # TECH-4: account's language
    assert row["required_role"] == "director"
    assert row["routing"]["nonstandard"] == ["term", "clause"]
    assert row["annual_value"] == "42000.00" and row["currency"] == "EUR"
    doc = doc_of(engine, doc_id)
    assert "Verlängerungsvertrag" in doc.html and "Globex GmbH" in doc.html
    assert "42.000 EUR" in doc.html and "Kostenlose Schulung" in doc.html
    assert "Einmal im Jahr" in doc.html  # the standard clause in German wording
    assert "http" not in doc.html.replace('lang="de"', "")  # self-contained: no remote URLs
    assert cli(settings, "create", "R-globex-2026", "--by", CARL).exit_code == 1  # one at a time

    # Submit and approve on the staff pages: the manager lacks authority, the drafter may
    # not approve their own contract, the director may.
    csrf = login(client, CARL)
    assert client.post(f"/contracts/{doc_id}/submit", data={"csrf_token": csrf}).status_code == 200
    refused = client.post(f"/contracts/{doc_id}/approve", data={"csrf_token": csrf})
    assert refused.status_code == 403 and "drafted" in refused.text
    client.post("/logout", data={"csrf_token": csrf})
    csrf = login(client, MIA)
    page = client.get(f"/contracts/{doc_id}")
    assert "director" in page.text and "Approve</button>" not in page.text
    refused = client.post(f"/contracts/{doc_id}/approve", data={"csrf_token": csrf})
    assert refused.status_code == 403 and "director" in refused.text
    client.post("/logout", data={"csrf_token": csrf})
    csrf = login(client, DORA)
    assert "Approve</button>" in client.get(f"/contracts/{doc_id}").text
    assert (
        client.post(
            f"/contracts/{doc_id}/approve", data={"csrf_token": "forged", "note": "ok"}
        ).status_code
        == 403
    )  # CSRF
    approved = client.post(f"/contracts/{doc_id}/approve", data={"csrf_token": csrf, "note": "ok"})
    assert approved.status_code == 200
    assert doc_of(engine, doc_id).approved_by == DORA
    client.post("/logout", data={"csrf_token": csrf})
    client.cookies.clear()

    # Send (CLI): prints the signing link for the named signer.
    sent = cli(
        settings,
        "send",
        str(doc_id),
        "--by",
        CARL,
        "--signer-name",
        "Greta Gruber",
        "--signer-email",
        "greta@globex.example",
    )
    assert sent.exit_code == 0, sent.output
    first = token_of(sent.output)

    # The signing page needs no login and shows only this contract.
    page = client.get(f"/sign/{first}")
    assert page.status_code == 200 and "unterschreiben" in page.text
    assert "Sign out" not in page.text and "acme" not in page.text.lower()
    document = client.get(f"/sign/{first}/document")
    assert "Globex GmbH" in document.text
    assert "script-src" not in document.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in document.headers["content-security-policy"]

    # Tampered token: 400. Expired link (the database's expires_at decides): 410; the
    # daily job marks it expired; a new link replaces the old one for good.
    tampered = first[:-3] + ("xyz" if not first.endswith("xyz") else "abc")
    bad = client.get(f"/sign/{tampered}")
    assert bad.status_code == 400 and 'lang="en"' in bad.text
    # A link naming no contract speaks the browser's language; never the internal brand.
    bad = client.get(f"/sign/{tampered}", headers={"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"})
    assert bad.status_code == 400 and "Tautan penandatanganan ini tidak valid" in bad.text
    assert ">renewals<" not in bad.text and "Sign out" not in bad.text
    assert (
        client.post(
            f"/sign/{tampered}",
            data={
                "signed_name": "X Y",
                "agree": "yes",
                "form_key": tokens.form_key("test-secret-key", tampered),
            },
        ).status_code
        == 400
    )
    with session_scope(engine) as session:
        session.execute(
            update(ContractDocument)
            .where(ContractDocument.document_id == doc_id)
            .values(expires_at=datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
        )
    gone = client.get(f"/sign/{first}")
    # The contract's language (German), whatever the browser says (TECH-4).
    assert gone.status_code == 410 and "abgelaufen" in gone.text and 'lang="de"' in gone.text
    run(engine, settings, TODAY)
    assert doc_of(engine, doc_id).status == "expired"
    resent = cli(settings, "send", str(doc_id), "--by", CARL)
    assert resent.exit_code == 0, resent.output
    second = token_of(resent.output)
    assert client.get(f"/sign/{first}").status_code == 410  # the old link is superseded
    assert doc_of(engine, doc_id).signer_name == "Greta Gruber"  # kept from the first send

    # Signing: consent, a name and the token-bound form value are required.
    form = signing_form(client, second)
    missing = client.post(f"/sign/{second}", data={**form, "signed_name": "Greta Gruber"})
    assert missing.status_code == 422 and "Bitte bestätigen Sie mit dem Häkchen" in missing.text
    long = client.post(f"/sign/{second}", data={**form, "signed_name": "G" * 5000, "agree": "yes"})
    assert long.status_code == 422 and "höchstens 300 Zeichen" in long.text  # no framework page
    forged = client.post(
        f"/sign/{second}", data={"form_key": "0" * 64, "signed_name": "G G", "agree": "yes"}
    )
    assert forged.status_code == 403
    signed = client.post(
        f"/sign/{second}", data={**form, "signed_name": " Greta  Gruber ", "agree": "yes"}
    )
    assert signed.status_code == 200 and "unterschrieben" in signed.text
    assert client.get(f"/sign/{second}").status_code == 410  # used
    again = client.post(f"/sign/{second}", data={**form, "signed_name": "Eve", "agree": "yes"})
    assert again.status_code == 410 and "bereits unterschrieben" in again.text

    # The signature is recorded, the executed copy stored with its checksum.
    doc = doc_of(engine, doc_id)
    assert doc.status == "signed" and doc.signed_name == "Greta Gruber"
    assert doc.signed_via == "link" and doc.signed_ip == "testclient"
    assert doc.signed_at is not None and abs(utc_now() - doc.signed_at) < timedelta(minutes=5)
    path = Path(doc.file_path or "")
    assert path.parent == Path(settings.data_dir) / "contracts" and path.is_file()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == doc.sha256
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Greta Gruber" in text and "testclient" in text
    assert hashlib.sha256(doc.html.encode()).hexdigest()[:16] in text.replace("\n", "")
    verified = cli(settings, "verify", str(doc_id))
    assert verified.exit_code == 0 and "ok" in verified.output
    assert actions(engine, doc_id) == [
        "contract.create",
        "contract.submit",
        "contract.approve",
        "contract.send",
        "contract.expire",
        "contract.send",
        "contract.sign",
        "contract.store",
        "contract.close_renewal",
    ]

    # The renewal is closed won, and the contract's outcome recorded as an import would.
    closed = renewal_state(engine, "R-globex-2026")
    assert closed[:3] == ("closed_won", "renewed", doc.signed_at.date())
    assert closed[5:8] == ("renewed", doc.annual_value, doc.signed_at.date())
    assert closed[-1][-1] == "closed_won"

    # The daily run, the same day and later days, leaves the closed renewal as it is.
    run(engine, settings, TODAY)
    run(engine, settings, TODAY + timedelta(days=7))
    run(engine, settings, TODAY + timedelta(days=40))
    assert renewal_state(engine, "R-globex-2026") == closed
    assert doc_of(engine, doc_id).status == "signed"

    # A tampered executed copy is detected.
    path.write_bytes(path.read_bytes() + b"%")
    broken = cli(settings, "verify", str(doc_id))
    assert broken.exit_code == 1 and "does not match" in broken.output


def test_a_standard_contract_queues_its_link_through_the_outbox(
    book: Settings, engine: Engine
) -> None:
    settings = book
    created = cli(settings, "create", "R-initech-2026", "--by", CARL, "--json")
    assert created.exit_code == 0, created.output
    row = json.loads(created.output)
    doc_id = row["id"]
    assert row["required_role"] == "manager" and row["routing"]["nonstandard"] == []
    assert row["language"] == "en" and row["term_months"] == 12
    assert cli(settings, "submit", str(doc_id), "--by", CARL).exit_code == 0
    assert cli(settings, "send", str(doc_id), "--by", CARL).exit_code == 1  # not approved
    assert cli(settings, "approve", str(doc_id), "--by", MIA, "--note", "standard").exit_code == 0
    with session_scope(engine) as session:  # TIME-5: the owner wants to see each message
        session.add(
            MessagePermission(
                account_id="initech", mode="approve_each", set_by=CARL, set_at=utc_now()
            )
        )
    sent = cli(
        settings,
        "send",
        str(doc_id),
        "--by",
        CARL,
        "--signer-name",
        "Ina Tech",
        "--signer-email",
        "ina@initech.example",
        "--queue",
        "--as-of",
        TODAY.isoformat(),
    )
    assert sent.exit_code == 0, sent.output
    link = token_of(sent.output)
    with session_scope(engine) as session:
        message = session.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.like(f"contract:{doc_id}:%"))
        )
        assert message is not None
        assert message.status == "pending_approval"  # TIME-5: waits for a person
        assert message.to_address == "ina@initech.example" and message.rule == "TECH-4"
        assert link in message.body and "ready to sign" in message.subject
    listed = cli(settings, "list", "--status", "sent", "--json")
    assert [json.loads(line)["id"] for line in listed.output.splitlines()] == [doc_id]
    assert cli(settings, "list", "--status", "nope").exit_code == 1
    html = Path(settings.data_dir) / "draft.html"
    shown = cli(settings, "status", str(doc_id), "--json", "--html", str(html))
    assert shown.exit_code == 0, shown.output
    status = json.loads(shown.output)
    assert status["status"] == "sent" and status["signer_email"] == "ina@initech.example"
    assert [e["action"] for e in status["history"]] == [
        "contract.create",
        "contract.submit",
        "contract.approve",
        "contract.send",
        "contract.queue_message",
    ]
    assert "Initech" in html.read_text() and "6,000 USD" in html.read_text()


def test_the_provider_webhook_signs_once_and_refuses_forgeries(
    book: Settings, engine: Engine, tmp_path: Path
) -> None:
    settings = book.model_copy(update={"esign_webhook_secret": WEBHOOK_SECRET})
    from renewals.web.app import create_app

    for args in (
        ("create", "R-initech-2026", "--by", CARL, "--annual-value", "6600"),
        ("submit", "1", "--by", CARL),
        ("approve", "1", "--by", MIA),
    ):
        assert cli(settings, *args).exit_code == 0
    event = {
        "event_id": "evt-1",
        "document_id": 1,
        "external_id": "env-77",
        "provider": "docusign",
        "status": "completed",
        "signer_name": "Ina Tech",
        "signed_at": "2026-11-25T09:30:00Z",
        "signer_ip": "203.0.113.9",
    }
    body = json.dumps(event).encode()

    def post(client: TestClient, data: bytes, header: str | None) -> Any:
        headers = {"content-type": "application/json"}
        if header is not None:
            headers["X-Renewals-Signature"] = header
        return client.post("/webhooks/esign", content=data, headers=headers)

    with TestClient(create_app(book)) as off:  # no secret configured: refused
        refused = post(off, body, tokens.webhook_signature(WEBHOOK_SECRET, body))
        assert refused.status_code == 503 and refused.json()["error"]["status"] == 503
    with TestClient(create_app(settings)) as client:
        assert post(client, body, None).status_code == 401
        assert post(client, body, tokens.webhook_signature("wrong", body)).status_code == 401
        ok = post(client, body, tokens.webhook_signature(WEBHOOK_SECRET, body))
        assert ok.status_code == 200, ok.text
        assert ok.json() == {
            "document_id": 1,
            "status": "signed",
            "changed": True,
            "message": "contract 1 is now signed",
        }
        repeat = post(client, body, tokens.webhook_signature(WEBHOOK_SECRET, body))
        assert repeat.status_code == 200 and repeat.json()["changed"] is False
        late = json.dumps({**event, "status": "declined", "event_id": "evt-2"}).encode()
        conflict = post(client, late, tokens.webhook_signature(WEBHOOK_SECRET, late))
        assert conflict.status_code == 409
        other = json.dumps({**event, "external_id": "env-99"}).encode()
        assert (
            post(client, other, tokens.webhook_signature(WEBHOOK_SECRET, other)).status_code == 409
        )
        bad = json.dumps({**event, "status": "voided"}).encode()
        assert post(client, bad, tokens.webhook_signature(WEBHOOK_SECRET, bad)).status_code == 422
    doc = doc_of(engine, 1)
    assert (doc.signed_via, doc.external_id, doc.signed_ip) == ("docusign", "env-77", "203.0.113.9")
    assert doc.signed_at is not None and doc.signed_at.isoformat() == "2026-11-25T09:30:00+00:00"
    state = renewal_state(engine, "R-initech-2026")
    assert state[:3] == ("closed_won", "expanded", date(2026, 11, 25))  # FUND-1: 6,600 > 6,000
    assert actions(engine, 1).count("contract.provider_sign") == 1
    run(engine, settings, TODAY + timedelta(days=2))
    assert renewal_state(engine, "R-initech-2026") == state


def test_staff_pages_need_login_and_access_to_the_account(
    book: Settings, engine: Engine, client: TestClient, add_user: Any
) -> None:
    assert cli(book, "create", "R-initech-2026", "--by", CARL).exit_code == 0
    anonymous = client.get("/contracts/1", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    add_user("nina@renewals.example", "csm")  # owns nothing
    login(client, "nina@renewals.example")
    assert client.get("/contracts/1").status_code == 403
    assert client.get("/contracts/1/document").status_code == 403


def test_a_contract_drafted_after_the_renewal_date_starts_on_the_day_it_is_drafted(
    book: Settings, engine: Engine
) -> None:
    """What the customer signs never starts in the past (TECH-4, contracts.late_start):
    globex's contract ends 2027-04-01; drafted ten days later, the new term, the
    document's dates and the reasons all say so."""
    from renewals.contract_doc import service
    from renewals.kit.locale import format_date_long

    with session_scope(engine) as session:
        renewal = session.get(Renewal, "R-globex-2026")
        assert renewal is not None
        ended = session.get(Contract, renewal.contract_id).end_date  # type: ignore[union-attr]
        late = ended + timedelta(days=10)
        doc = service.create(
            session,
            "R-globex-2026",
            by=CARL,
            policy=POLICY,
            vendor=service.Vendor("Renewals Example GmbH", "Hauptstr. 1, Berlin"),
            as_of=late,
        )
        assert doc.terms["start_date"] == late.isoformat()
        assert any("TECH-4" in s and ended.isoformat() in s for s in doc.terms["sources"])
        # The document reads the late start, never the past one (German long dates).
        assert format_date_long(late, "de") in doc.html
        assert not re.search(rf"(?<!\d){re.escape(format_date_long(ended, 'de'))}", doc.html)


def test_the_contract_refusals_read_in_the_readers_language(
    book: Settings, engine: Engine, add_user: Any
) -> None:
    """Issue 22: what `renewals contract` refuses (no such contract, a status, a proposal,
    a closed or already drafted renewal, who may act, a step the status does not allow, a
    decline without a reason) and what the e-signature webhook answers read in de, id and
    ms with no English phrase of the catalogue left; in English as before."""
    from cli_languages import cli as renewals
    from cli_languages import english_left, english_phrases, said_in_each_language

    from renewals.web.app import create_app

    olga = "olga@renewals.example"
    add_user(olga, "csm", MIA)  # owns no account: may not draft its contracts
    run = renewals(book)
    run("contract", "create", "R-initech-2026", "--by", CARL)
    commands = [
        (("contract", "status", "99"), 1),
        (("contract", "list", "--status", "nope"), 1),
        (("contract", "create", "R-globex-2026", "--by", CARL, "--proposal", "99"), 1),
        (("contract", "create", "R-globex-2026", "--by", olga), 1),
        (("contract", "create", "R-initech-2026", "--by", CARL), 1),
        (("contract", "create", "R-globex-2026", "--by", CARL, "--annual-value", "0"), 1),
        (("contract", "approve", "1", "--by", MIA), 1),
        (("contract", "approve", "1", "--by", "nobody@renewals.example"), 1),
        (("contract", "decline", "1", "--by", CARL, "--reason", " "), 1),
        (("contract", "send", "1", "--by", CARL), 1),
        (("contract", "verify", "1"), 1),
    ]  # fmt: skip
    said = said_in_each_language(run, commands)
    assert "kann nicht freigegeben werden" in said["de"][6], said["de"][6]
    assert "error: a contract that is draft cannot be approved (TECH-4: only from " in said["en"][6]
    assert (
        "error: renewal R-initech-2026 already has contract 1 (draft); decline it first "
        "(`renewals contract decline 1`)" in said["en"][4]
    )
    assert "hat keine unterschriebene Fassung" in said["de"][10], said["de"][10]
    # the signer chosen from the stakeholder map (STK-1), said in the reader's words
    from renewals.account.models import Stakeholder

    with session_scope(engine) as session:
        session.add(
            Stakeholder(
                stakeholder_id="p9",
                account_id="initech",
                name="Ina Tech",
                email="ina@initech.example",
                role="decision_maker",
            )
        )
    run("contract", "submit", "1", "--by", CARL)
    run("contract", "approve", "1", "--by", MIA)
    sent = run("--language", "ms", "contract", "send", "1", "--by", CARL)
    assert "STK-1: " in sent and english_left(english_phrases("ms"), sent) == [], sent
    settings = book.model_copy(update={"esign_webhook_secret": WEBHOOK_SECRET})
    body = json.dumps({"document_id": 1, "status": "voided"}).encode()
    signed = {"X-Renewals-Signature": tokens.webhook_signature(WEBHOOK_SECRET, body)}
    listed = {"X-Renewals-Signature": tokens.webhook_signature(WEBHOOK_SECRET, b"[1]")}
    with TestClient(create_app(settings)) as client:
        answers = {}
        for language in ("en", "de", "ms"):
            headers = {"content-type": "application/json", "Accept-Language": language}
            answers[language] = [
                client.post("/webhooks/esign", content=body, headers=headers).json(),
                client.post("/webhooks/esign", content=body, headers={**headers, **signed}).json(),
                client.post(
                    "/webhooks/esign", content=b"[1]", headers={**headers, **listed}
                ).json(),
            ]
    for language in ("de", "ms"):
        phrases = english_phrases(language)
        for answer, english in zip(answers[language], answers["en"], strict=True):
            message = answer["error"]["message"]
            assert message != english["error"]["message"], message
            assert english_left(phrases, message) == [], message
    assert answers["en"][1]["error"]["message"] == (
        "unknown status 'voided': send one of signed, completed, declined, rejected, expired"
    )
