"""schemathesis against the app's own OpenAPI schema, in-process (ASGI), as an admin with
a bearer token, on a generated demo book after the daily run: no operation may answer
with a server error (5xx), and every answer must match its declared schema (status code,
content type, body), errors included (issue 8, acceptance "schemathesis").

Examples per operation are few and derandomized, so the run is reproducible and takes
well under a minute on two cores. The book is built once per database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from databases import PostgresDatabase
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from sqlalchemy import Engine, select

from renewals import migrate
from renewals.concession import service as concession_service
from renewals.concession.domain import Rationale
from renewals.config import Settings
from renewals.db import make_engine, session_scope
from renewals.demo.generator import generate_book
from renewals.ingest.service import run_import
from renewals.kit.time import utc_now
from renewals.outbox.models import OutboxMessage
from renewals.policy import service as policy_service
from renewals.proposal import service as proposal_service
from renewals.renewal.models import Renewal
from renewals.scheduler import run_all
from renewals.task.models import Task
from renewals.user import auth
from renewals.user.models import User
from renewals.web.app import create_app

TODAY = date(2026, 11, 24)
ADMIN = "api-admin@renewals.example"
EXAMPLES = 6  # per operation and phase; enough to reach every parameter's edge cases


@dataclass(frozen=True)
class ApiUnderTest:
    app: Any
    token: str
    ids: dict[str, Any]  # a real record per path parameter name


def _engine(kind: str, tmp: Path, request: pytest.FixtureRequest) -> Engine:
    if kind == "sqlite":
        return make_engine(f"sqlite:///{tmp / 'api.db'}")
    database: PostgresDatabase = request.getfixturevalue("postgres_database")
    database.restore("migrated")
    return make_engine(database.url)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def api_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiUnderTest]:
    """The app on a 60-account demo book after the daily run, a pending concession, and an
    admin's API token."""
    tmp = tmp_path_factory.mktemp("api")
    engine = _engine(request.param, tmp, request)
    migrate.upgrade(engine)
    policy = policy_service.load()
    app_settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        data_dir=tmp / "data",
        secret_key="schema-test",
        esign_webhook_secret="schema-test-webhook",
    )
    generate_book(tmp / "book", accounts=60, seed=7, as_of=TODAY)
    run_import(engine, tmp / "book", data_dir=app_settings.data_dir)
    outcomes = run_all(engine, policy=policy, as_of=TODAY, settings=app_settings)
    assert {o.status for o in outcomes} == {"ok"}, outcomes
    with session_scope(engine) as session:
        admin = User(email=ADMIN, name="API Admin", role="admin", active=True)
        session.add(admin)
        session.flush()
        raw, _ = auth.create_token(session, admin, "schemathesis", now=utc_now())
        renewal = session.scalars(
            select(Renewal).where(Renewal.outcome.is_(None)).order_by(Renewal.renewal_id)
        ).first()
        assert renewal is not None and renewal.owner_email
        concession = concession_service.request(
            session,
            renewal.renewal_id,
            discount_pct=20,
            kinds=["discount"],
            requested_by=renewal.owner_email,
            give_back="multi_year",
            sunset_clause="year 1 only",
            rationale=Rationale("budget cut", "renews for two years", "shorter term"),
            policy=policy,
            as_of=TODAY,
        )
        task = session.scalars(
            select(Task).where(Task.status == "open").order_by(Task.task_id)
        ).first()
        message = session.scalars(select(OutboxMessage).order_by(OutboxMessage.message_id)).first()
        proposal = proposal_service.create(
            session, renewal.renewal_id, option=None, by=ADMIN, as_of=TODAY, policy=policy
        )
        ids = {
            "account_id": renewal.account_id,
            "renewal_id": renewal.renewal_id,
            "task_id": task.task_id if task else 1,
            "concession_id": concession.concession_id,
            "message_id": message.message_id if message else 1,
            "proposal_id": proposal.proposal_id,
            "document_id": 1,
        }
    yield ApiUnderTest(create_app(app_settings), raw, ids)
    engine.dispose()


def _run(strategy: object, check: object) -> None:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        check(case)  # type: ignore[operator]

    run()


def test_api_has_no_server_errors_and_matches_its_schema(api_app: ApiUnderTest) -> None:
    """Every operation three ways: schema-valid data (with random ids), invalid data (must
    be a 4xx, never a 5xx), and schema-valid data on records that exist."""
    auth_header = {"Authorization": f"Bearer {api_app.token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_app.app, headers=auth_header)
    problems: dict[str, str] = {}
    statuses: dict[str, set[int]] = defaultdict(set)
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        ours = operation.path.startswith("/api/v1/")

        def check(case: schemathesis.Case, label: str = operation.label, ours: bool = ours) -> None:
            # Our API: every check (status codes, content types, bodies as declared). Other
            # routes in the schema (the e-signature webhook): no server errors.
            response = case.call_and_validate(
                headers=auth_header, checks=None if ours else [not_a_server_error]
            )
            statuses[label].add(response.status_code)

        names = [p.name for p in operation.path_parameters]
        strategies = {
            "positive": operation.as_strategy(),
            "negative": operation.as_strategy(GenerationMode.NEGATIVE),
        }
        if names:
            real = {name: api_app.ids[name] for name in names}
            strategies["existing"] = operation.as_strategy(path_parameters=real)
        for mode, strategy in strategies.items():
            try:
                _run(strategy, check)
            except Unsatisfiable:
                continue  # no invalid input exists (an operation without parameters)
            except BaseException as exc:  # one operation's failure must not hide the others'
                if isinstance(exc, KeyboardInterrupt):
                    raise
                problems[f"{operation.label} ({mode})"] = str(exc)[:3000]
    assert operations >= 26
    assert not problems, "\n\n".join(f"{k}:\n{v}" for k, v in problems.items())
    # The run reached the records themselves, not only 404s.
    assert 200 in statuses["GET /api/v1/renewals/{renewal_id}"], dict(statuses)
    assert 200 in statuses["GET /api/v1/accounts/{account_id}/health"], dict(statuses)
    assert 200 in statuses["GET /api/v1/proposals/{proposal_id}"], dict(statuses)
