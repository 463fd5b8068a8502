"""The lifecycle steps of the daily run on real books (SQLite and PostgreSQL):
renewals with reasons, timeline tasks, campaign messages, idempotence and closing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from books import Books, Demo
from factories import write_book
from run_state import lifecycle
from sqlalchemy import Engine, func, select, update

from renewals.account.models import Account
from renewals.config import Settings
from renewals.contract.models import Contract
from renewals.db import session_scope
from renewals.ingest.service import run_import
from renewals.outbox import service as outbox_service
from renewals.outbox.models import OutboxMessage
from renewals.playbook import messages
from renewals.playbook import service as playbook_service
from renewals.policy import service as policy_service
from renewals.renewal import service
from renewals.renewal.models import Renewal, StageChange
from renewals.scheduler import run_all
from renewals.task.models import Task
from renewals.user.models import User

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
RULE_ID = r"[A-Z]+-\d+"


def run(engine: Engine, settings: Settings, day: date = TODAY) -> None:
    outcomes = run_all(engine, policy=POLICY, as_of=day, settings=settings)
    assert [o.status for o in outcomes] == ["ok"] * len(outcomes), outcomes


@pytest.fixture
def book(books: Books, engine: Engine, tmp_path: Path) -> tuple[Engine, Settings]:
    books.copy(engine, tmp_path, Demo(120, seed=7))  # imported once (tests/books.py)
    return engine, Settings(database_url=str(engine.url), data_dir=tmp_path / "data")


@pytest.fixture
def run_book(books: Books, engine: Engine, tmp_path: Path) -> tuple[Engine, Settings]:
    """The same book after its first daily run on TODAY, every job "ok" (what `run` checks):
    built once per session and shared with the save desk and forecast tests (tests/books.py)."""
    books.copy(engine, tmp_path, Demo(120, seed=7, days=(TODAY,)))
    return engine, Settings(database_url=str(engine.url), data_dir=tmp_path / "data")


def test_every_open_contract_has_one_owned_renewal_with_reasons(run_book) -> None:  # type: ignore[no-untyped-def]
    engine, settings = run_book  # run once on TODAY (the fixture)
    with session_scope(engine) as session:
        open_contracts = set(
            session.scalars(select(Contract.contract_id).where(Contract.outcome.is_(None)))
        )
        renewals = session.scalars(select(Renewal)).all()
        assert {r.contract_id for r in renewals} == open_contracts
        for r in renewals:
            assert r.owner_email, r.renewal_id  # OWN-2: exactly one owner, a person
            for key in ("segment", "opportunity", "touch", "motion", "owner"):
                decision = r.decisions[key]
                assert decision["reasons"], (r.renewal_id, key)
                assert decision["rules"], (r.renewal_id, key)
            assert r.decisions["segment"]["value"] == r.segment
            assert r.decisions["owner"]["email"] == r.owner_email
            assert r.stage in ("assessment", "preparation", "engagement", "execution")
        history = session.scalars(select(StageChange)).all()
        assert {c.renewal_id for c in history} == {r.renewal_id for r in renewals}


def test_rerun_adds_nothing_and_a_week_later_adds_only_what_came_due(run_book) -> None:  # type: ignore[no-untyped-def]
    engine, settings = run_book  # run once on TODAY (the fixture)
    first = lifecycle(engine)
    assert first["tasks"] and first["messages"]
    run(engine, settings)
    assert lifecycle(engine) == first

    later = TODAY + timedelta(days=7)
    run(engine, settings, later)
    second = lifecycle(engine)
    new_tasks = set(second["tasks"]) - set(first["tasks"])
    lookahead = timedelta(days=POLICY.timelines.lookahead_days)
    with session_scope(engine) as session:
        renewals = {r.renewal_id: r for r in session.scalars(select(Renewal))}
    for task in new_tasks:
        renewal_id, step, due = task[2], task[3], task[5]
        assert task[9] == later  # created on the later day
        if renewal_id is None or step in {s.key for s in POLICY.paths.red + POLICY.paths.at_risk}:
            continue  # HEALTH-4 reviews and path tasks start on the day they are found
        # TIME-4: only steps whose look-ahead window opened in (D, D+7]
        assert TODAY < due - lookahead <= later, (renewal_id, step, due)
    old_keys = {t[1] for t in first["tasks"]}
    assert {t[1] for t in second["tasks"]} >= old_keys
    new_messages = {m[0] for m in second["messages"]} - {m[0] for m in first["messages"]}
    with session_scope(engine) as session:
        for message in session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.in_(new_messages))
        ):
            trigger = date.fromisoformat(message.facts["trigger_date"])
            assert TODAY < trigger <= later, (message.idempotency_key, trigger)
            assert renewals[message.renewal_id].stage not in ("closed_won", "closed_lost")


def test_customer_messages_wait_for_a_person_without_an_allowance(run_book) -> None:  # type: ignore[no-untyped-def]
    engine, settings = run_book  # run once on TODAY (the fixture)
    with session_scope(engine) as session:
        rows = session.execute(
            select(OutboxMessage.audience, OutboxMessage.status, Renewal.segment).join(
                Renewal, Renewal.renewal_id == OutboxMessage.renewal_id
            )
        ).all()
    assert rows and {s for _, _, s in rows} >= {"smb"}
    for audience, status, segment in rows:
        if audience == "customer":
            # TIME-5: never sent without a person's allowance for that account, SMB too
            assert status in ("pending_approval", "cancelled", "blocked"), (segment, status)
        if audience == "internal":
            assert status in ("approved", "blocked", "cancelled")


def test_an_allowance_never_covers_at_risk_accounts_and_old_messages_are_withdrawn(book) -> None:  # type: ignore[no-untyped-def]
    # TIME-5 (issue 16): a bulk allowance for every account; at-risk and red renewals'
    # customer messages still wait for a person; a newer message withdraws the older.
    engine, settings = book
    with session_scope(engine) as session:
        admin = session.scalars(select(User.email).where(User.role == "admin")).first()
        accounts = session.scalars(select(Account.account_id)).all()
        outbox_service.set_permissions(session, accounts, "auto", by=admin, reason="pilot")
    run(engine, settings)
    with session_scope(engine) as session:
        rows = session.execute(
            select(OutboxMessage, Renewal)
            .join(Renewal, Renewal.renewal_id == OutboxMessage.renewal_id)
            .where(OutboxMessage.audience == "customer")
        ).all()
    assert rows
    held = approved = 0
    for message, renewal in rows:
        risky = renewal.health_category == "red" or renewal.opportunity_type == "at_risk"
        if risky and message.status != "cancelled":
            assert message.status in ("pending_approval", "blocked"), message.idempotency_key
            held += message.status == "pending_approval"
        if message.status == "approved":
            assert not risky and message.facts["approved_via"] == "permission"
            approved += 1
    assert held and approved
    for day in (TODAY + timedelta(days=7), TODAY + timedelta(days=30)):
        run(engine, settings, day)
    with session_scope(engine) as session:
        open_per_renewal = session.execute(
            select(OutboxMessage.renewal_id, func.count())
            .where(
                OutboxMessage.audience == "customer",
                OutboxMessage.status.in_(("pending_approval", "approved", "failed")),
            )
            .group_by(OutboxMessage.renewal_id)
        ).all()
        withdrawn = session.scalars(
            select(OutboxMessage.status_reason).where(
                OutboxMessage.status_reason.like("%superseded by the%")
            )
        ).all()
    assert open_per_renewal and max(n for _, n in open_per_renewal) == 1
    assert withdrawn


def test_closing_a_contract_closes_its_renewal_and_stops_its_work(run_book) -> None:  # type: ignore[no-untyped-def]
    engine, settings = run_book  # run once on TODAY (the fixture)
    with session_scope(engine) as session:
        renewal = session.scalars(
            select(Renewal).join(Task, Task.renewal_id == Renewal.renewal_id).limit(1)
        ).first()
        assert renewal is not None
        renewal_id, contract_id = renewal.renewal_id, renewal.contract_id
        session.execute(
            update(Contract)
            .where(Contract.contract_id == contract_id)
            .values(outcome="churned", closed_at=TODAY + timedelta(days=1))
        )
    run(engine, settings, TODAY + timedelta(days=2))
    with session_scope(engine) as session:
        renewal = session.get(Renewal, renewal_id)
        assert renewal.stage == "closed_lost" and renewal.outcome == "churned"
        assert renewal.closed_on == TODAY + timedelta(days=1)
        tasks = session.execute(
            select(Task.rule, Task.status).where(Task.renewal_id == renewal_id)
        ).all()
        # the playbook's work stops; only LOST-4 win-back touches are new, open work
        assert {s for r, s in tasks if r != "LOST-4"} <= {"cancelled", "done", "automated"}
        assert {r for r, s in tasks if s == "open"} <= {"LOST-4"}
        pending = session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.renewal_id == renewal_id)
        ).all()
        assert not {"pending_approval", "approved"} & set(pending)
        last = service.stage_history(session, renewal_id)[-1]
        assert (last.to_stage, last.rule) == ("closed_lost", "FUND-1")


class TestLateEntry:
    """The factories' book: acme's enterprise renewal is 38 days out on its first run."""

    @pytest.fixture
    def small(self, engine: Engine, tmp_path: Path) -> tuple[Engine, Settings]:
        write_book(tmp_path / "book")
        run_import(engine, tmp_path / "book", data_dir=tmp_path / "data")
        return engine, Settings(database_url=str(engine.url), data_dir=tmp_path / "data")

    def test_passed_steps_become_one_catch_up_task(self, small) -> None:  # type: ignore[no-untyped-def]
        # TIME-4: the steps that passed before the renewal reached the playbook are one
        # catch-up task listing them, due soon; day one shows nothing overdue.
        engine, settings = small
        run(engine, settings)
        with session_scope(engine) as session:
            tasks = {
                t.step: t
                for t in session.scalars(select(Task).where(Task.renewal_id == "R-acme-2026"))
            }
            overdue = session.scalar(
                select(func.count()).where(Task.status == "open", Task.due_date < TODAY)
            )
        assert overdue == 0
        catch_up = tasks["catch_up"]
        assert catch_up.rule == "TIME-4" and catch_up.status == "open"
        assert catch_up.due_date == TODAY + timedelta(days=POLICY.timelines.catch_up_due_days)
        for when, step in (
            ("T-120", "internal_account_review"),
            ("T-90", "executive_business_review"),
            ("T-60", "renewal_notice"),
            ("T-45", "formal_proposal"),
        ):
            assert when in catch_up.description
            assert step not in tasks  # listed in the catch-up, not a task of its own
        assert "present_proposal" in tasks  # T-30: within the 14-day look-ahead
        assert not tasks["present_proposal"].status_reason
        assert "final_terms_contract" not in tasks  # T-14 comes later
        run(engine, settings)  # idempotent: the same day adds no second catch-up
        with session_scope(engine) as session:
            assert session.scalar(select(func.count()).where(Task.step == "catch_up")) == len(
                session.scalars(select(Task.renewal_id).where(Task.step == "catch_up")).all()
            )

    def test_renewal_command_explains_it(self, small, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        from typer.testing import CliRunner

        from renewals.cli import app

        engine, settings = small
        run(engine, settings)
        result = CliRunner().invoke(
            app,
            [
                "--db",
                str(engine.url.render_as_string(hide_password=False)),
                "--data-dir",
                str(settings.data_dir),
                "renewal",
                "R-acme-2026",
                "--as-of",
                TODAY.isoformat(),
                "--json",
            ],
        )
        assert result.exit_code == 0, result.output
        import json

        report = json.loads(result.output)
        assert report["decisions"]["segment"]["value"] == "enterprise"
        assert any("SEG-1" in r for r in report["decisions"]["segment"]["reasons"])
        assert any("OWN-2" in r for r in report["decisions"]["owner"]["reasons"])
        assert report["days_to_renewal"] == 38
        assert any(t["step"] == "catch_up" for t in report["tasks"])
        assert report["customer_timeline"]


def test_day_one_is_only_what_a_person_must_do_now(run_book) -> None:  # type: ignore[no-untyped-def]
    # Issue 16: no overdue work on day one, automated steps are the system's records,
    # and a red account has one review meeting (HEALTH-4 and the SEG-2 red path).
    engine, settings = run_book  # run once on TODAY (the fixture)
    with session_scope(engine) as session:
        tasks = session.scalars(select(Task)).all()
        renewals = {r.renewal_id: r for r in session.scalars(select(Renewal))}
    assert not [t.key for t in tasks if t.status == "open" and t.due_date < TODAY]
    automated = [t for t in tasks if t.status == "automated"]
    assert automated, "the 120-account book has SMB renewals with automated steps"
    for t in automated:
        renewal = renewals[t.renewal_id]
        assert t.rule == "TIME-3" and t.completed_by == "system"
        assert "TIME-3: carried out by the system" in (t.status_reason or "")
        # TIME-5: a red or at-risk renewal's steps are a person's, never automation's
        assert renewal.health_category != "red" and renewal.opportunity_type != "at_risk"
    for t in tasks:
        if t.rule == "TIME-3" and t.status != "automated" and t.step != "catch_up":
            renewal = renewals[t.renewal_id]
            assert renewal.health_category == "red" or renewal.opportunity_type == "at_risk"
    reviews: dict[str, int] = {}
    for t in tasks:
        if t.status == "open" and (t.rule == "HEALTH-4" or t.step == "red_review_meeting"):
            reviews[t.account_id] = reviews.get(t.account_id, 0) + 1
    assert reviews and max(reviews.values()) == 1


def test_a_sent_message_closes_the_task_that_asked_for_it(run_book) -> None:  # type: ignore[no-untyped-def]
    # TIME-4, TIME-5 (issue 16): sending a campaign message completes the task whose step
    # waits for it (`done_when = ["message:<step>"]`), e.g. an at-risk SMB renewal's reminder.
    engine, settings = run_book  # run once on TODAY (the fixture)
    later = TODAY + timedelta(days=7)
    run(engine, settings, later)
    with session_scope(engine) as session:
        pairs, sent_step = [], None
        for step in messages.CUSTOMER_STEPS:
            waiting = playbook_service.steps_done_by(POLICY, f"message:{step}")
            pairs = session.execute(
                select(Task.task_id, OutboxMessage.message_id)
                .join(OutboxMessage, OutboxMessage.renewal_id == Task.renewal_id)
                .where(
                    Task.step.in_(sorted(waiting)),
                    Task.status == "open",
                    OutboxMessage.step == step,
                    OutboxMessage.status.in_(("pending_approval", "approved")),
                )
            ).all()
            if pairs:
                sent_step = step
                break
        assert pairs, "the book has an open task waiting for its queued campaign message"
        task_id, message_id = pairs[0]
        message = session.get(OutboxMessage, message_id)
        message.status, message.sent_at = "sent", datetime(2026, 12, 1, 9, tzinfo=UTC)
    run(engine, settings, later + timedelta(days=1))
    with session_scope(engine) as session:
        task = session.get(Task, task_id)
        assert task.status == "done" and task.completed_by == "system"
        assert f"outbox message {message_id} ({sent_step}) was sent" in task.status_reason
        assert task.status_reason.startswith(f"TIME-4: closed by itself: message:{sent_step}")
        others = [t for t, m in pairs if m != message_id]
        assert all(session.get(Task, t).status == "open" for t in others)
