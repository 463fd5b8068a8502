"""A small book with one person per role and records in each state, and clients signed in
as each of them, for the route x role x record-state matrix, the page fuzzing and the
CSV injection tests (issue 15).

The book is the factories' three accounts (acme, globex, initech, all owned by carl) after
one daily run; then concessions, a proposal and contracts are made through the services,
as people would. It is built once per database kind for the whole run (tests/books.py) and
each test gets a copy, with an app and clients of its own. Sessions are opened directly in
the database (a password sign-in per role would cost an argon2 hash each): the cookie and
the CSRF token work as after /login.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from books import Books
from factories import write_book
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from renewals.concession import service as concession_service
from renewals.concession.domain import Rationale
from renewals.config import Settings
from renewals.contract_doc import service as contract_service
from renewals.db import session_scope
from renewals.ingest.service import run_import
from renewals.kit.time import utc_now
from renewals.outbox.models import OutboxMessage
from renewals.policy import service as policy_service
from renewals.proposal import service as proposal_service
from renewals.scheduler import run_all
from renewals.signal.models import Signal
from renewals.signal.service import TEXT_SOURCES
from renewals.task import service as task_service
from renewals.task.models import Task
from renewals.user.models import User, WebSession
from renewals.web.app import create_app
from renewals.web.deps import SESSION_COOKIE

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
# Who plays each role. carl owns every account; sam is a CSM of another team.
EMAILS = {
    "csm_owner": "carl@renewals.example",
    "other_csm": "sam@renewals.example",
    "manager": "mia@renewals.example",
    "director": "dora@renewals.example",
    "vp": "vera@renewals.example",
    "executive": "eve@renewals.example",
    "admin": "ada@renewals.example",
}
ROLES = ("anonymous", *EMAILS)
TIED = {
    "give_back": "multi_year",
    "sunset_clause": "discount for year 1, standard pricing year 2",
    "business_rationale": "Budget cut after their merger; usage is healthy",
    "expected_outcome": "Renews for two years; full price from year 2",
    "alternatives_considered": "6-month term; reduced scope",
}


@dataclass
class World:
    settings: Settings
    app: FastAPI
    records: dict[str, Any]  # "<kind>:<state>" -> the id in a URL
    clients: dict[str, TestClient]
    csrf: dict[str, str]
    cookies: dict[str, str]


def _users(engine: Engine) -> None:
    with session_scope(engine) as session:
        for role, email, manager in (
            ("csm", EMAILS["other_csm"], EMAILS["director"]),
            ("director", EMAILS["director"], EMAILS["vp"]),
            ("executive", EMAILS["executive"], None),
            ("admin", EMAILS["admin"], None),
        ):
            name = email.split("@")[0].title()
            session.add(User(email=email, name=name, role=role, manager_email=manager))


def _records(engine: Engine, settings: Settings) -> dict[str, Any]:
    carl, mia, dora = EMAILS["csm_owner"], EMAILS["manager"], EMAILS["director"]
    records: dict[str, Any] = {
        "account:own": "acme",
        "account:missing": "no-such-account",
        "renewal:own": "R-acme-2026",
        "renewal:missing": "R-none",
        "day:snapshot": TODAY.isoformat(),
        "token:bogus": "not-a-signing-link",
        "task:missing": 2_000_000_000,
        "concession:missing": 2_000_000_000,
        "message:missing": 2_000_000_000,
        "proposal:missing": 2_000_000_000,
        "document:missing": 2_000_000_000,
        "signal:missing": 2_000_000_000,
    }
    with session_scope(engine) as session:
        tasks = session.scalars(
            select(Task).where(Task.status == "open").order_by(Task.task_id)
        ).all()
        records["task:open"] = tasks[0].task_id
        done = tasks[1]
        task_service.complete_task(session, done.task_id, by=carl, note="called")
        records["task:done"] = done.task_id
        for status in ("pending_approval", "approved"):
            records[f"message:{status.split('_')[0]}"] = session.scalar(
                select(OutboxMessage.message_id)
                .where(OutboxMessage.status == status)
                .order_by(OutboxMessage.message_id)
            )
        pending = concession_service.request(
            session,
            "R-globex-2026",
            discount_pct=20,
            kinds=["discount"],
            requested_by=carl,
            give_back=TIED["give_back"],
            sunset_clause=TIED["sunset_clause"],
            rationale=Rationale(*list(TIED.values())[2:]),
            policy=POLICY,
            as_of=TODAY,
        )
        decided = concession_service.request(
            session,
            "R-acme-2026",
            discount_pct=10,
            kinds=["discount"],
            requested_by=carl,
            give_back=TIED["give_back"],
            sunset_clause=TIED["sunset_clause"],
            rationale=Rationale(*list(TIED.values())[2:]),
            policy=POLICY,
            as_of=TODAY,
        )
        session.flush()
        concession_service.approve(
            session, decided.concession_id, by=mia, note="fine", policy=POLICY
        )
        records["concession:pending"] = pending.concession_id
        records["concession:decided"] = decided.concession_id
        proposal = proposal_service.create(
            session, "R-acme-2026", option=None, by=carl, as_of=TODAY, policy=POLICY
        )
        session.flush()
        records["proposal:current"] = proposal.proposal_id
        draft = contract_service.create(session, "R-acme-2026", by=carl, policy=POLICY)
        submitted = contract_service.create(session, "R-globex-2026", by=carl, policy=POLICY)
        session.flush()
        contract_service.submit(session, submitted.document_id, by=carl, policy=POLICY)
        records["document:draft"] = draft.document_id
        records["document:submitted"] = submitted.document_id
        records["signal:words"], records["signal:numbers"] = _signals(session, "acme")
        del dora
    assert all(v is not None for v in records.values()), records
    return records


def _signals(session: Any, account_id: str) -> tuple[int, int]:
    """A signal found in words on the account and one from numbers (each added if the run
    found none), for the labelling routes (issue 18)."""
    found = []
    for words, kind, rule, source, evidence in (
        (True, "budget", "SIG-5", "interaction", "We need to cut costs across all tools."),
        (False, "usage_decline", "SIG-7", "usage", "active users down 50%"),
    ):
        sources = Signal.source.in_(TEXT_SOURCES) if words else Signal.source.not_in(TEXT_SOURCES)
        signal_id = session.scalar(
            select(Signal.signal_id)
            .where(Signal.account_id == account_id, sources)
            .order_by(Signal.signal_id)
        )
        if signal_id is None:
            signal = Signal(
                account_id=account_id,
                kind=kind,
                rule=rule,
                severity="medium",
                source=source,
                source_id="world",
                source_date=TODAY,
                first_seen_on=TODAY,
                last_seen_on=TODAY,
                language="en" if words else None,
                evidence=evidence,
                facts={},
            )
            session.add(signal)
            session.flush()
            signal_id = signal.signal_id
        found.append(signal_id)
    return found[0], found[1]


def open_session(engine: Engine, email: str) -> tuple[str, str]:
    """A web session for `email` as /login opens it: (cookie value, CSRF token)."""
    raw, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utc_now()
    with session_scope(engine) as session:
        session.add(
            WebSession(
                id_hash=hashlib.sha256(raw.encode()).hexdigest(),
                user_email=email,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=8),
                ip="testclient",
            )
        )
    return raw, csrf


def _world_settings(root: Path, database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=root / "data",
        secret_key="world-secret",
        esign_webhook_secret="world-webhook-secret",  # on, so that it is fuzzed for real
        vendor_name="Renewals Example Ltd",
        vendor_address="1 Example Street, 10115 Berlin, Germany",
    )


def _build_rows(engine: Engine, root: Path) -> dict[str, Any]:
    """The world's book and records (tests/books.py builds it once per database kind)."""
    settings = _world_settings(root, engine.url.render_as_string(hide_password=False))
    run_import(engine, write_book(root / "book"), data_dir=settings.data_dir)
    outcomes = run_all(engine, policy=POLICY, as_of=TODAY, settings=settings)
    assert {o.status for o in outcomes} == {"ok"}, outcomes
    _users(engine)
    return _records(engine, settings)


def build_world(books: Books, engine: Engine, tmp_path: Path) -> World:
    """The world on `engine`: a copy of its book (built once, tests/books.py), then an app
    and a signed-in client per role of this test's own."""
    records = books.copy(engine, tmp_path, _build_rows, key="web_world")
    settings = _world_settings(tmp_path, engine.url.render_as_string(hide_password=False))
    app = create_app(settings)
    clients: dict[str, TestClient] = {}
    csrf: dict[str, str] = {}
    cookies: dict[str, str] = {}
    for role in ROLES:
        client = TestClient(app, raise_server_exceptions=False)
        if role != "anonymous":
            cookies[role], csrf[role] = open_session(engine, EMAILS[role])
            client.cookies.set(SESSION_COOKIE, cookies[role])
        else:
            csrf[role] = ""
        clients[role] = client
    return World(settings, app, records, clients, csrf, cookies)


def signed_in_again(world: World, role: str) -> None:
    """Put the role's session cookie back (after /logout or a sign-in changed the jar)."""
    client = world.clients[role]
    client.cookies.clear()
    if role in world.cookies:
        client.cookies.set(SESSION_COOKIE, world.cookies[role])
