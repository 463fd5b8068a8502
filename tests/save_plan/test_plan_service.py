"""Save plans against a real database (SQLite, and PostgreSQL when configured).

Persona: globex (mid-market, at risk: 45 days to renew, a compressed window, so the
fast fix is on), owned by carl (CSM); mia is his manager.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from renewals.account.models import Account, Stakeholder
from renewals.audit.models import AuditEvent
from renewals.contract.models import Contract
from renewals.db import session_scope
from renewals.engagement.models import Ticket
from renewals.health.models import HealthSnapshot
from renewals.kit import i18n
from renewals.policy import service as policy_service
from renewals.renewal.models import Renewal
from renewals.save_plan import plan_commands
from renewals.save_plan import plan_service as service
from renewals.save_plan.models import SavePlan, SaveProblem, SaveTriage
from renewals.save_plan.plan_service import NoTriage, SavePlanError
from renewals.signal.models import Signal
from renewals.task import service as task_service
from renewals.task.models import Task
from renewals.user import service as user_service
from renewals.user.models import User

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
CARL, MIA = "carl@renewals.example", "mia@renewals.example"
R = "R-globex"


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def add_signal(
    session: Session, kind: str, source: str, source_id: str, evidence: str, days_ago: int = 5
) -> None:
    session.add(
        Signal(
            account_id="globex",
            kind=kind,
            rule="SIG-x",
            severity="medium",
            source=source,
            source_id=source_id,
            source_date=TODAY - timedelta(days=days_ago),
            first_seen_on=TODAY - timedelta(days=days_ago),
            last_seen_on=TODAY,
            evidence=evidence,
            facts={},
        )
    )


def add_globex(
    session: Session, *, days_to_renewal: int = 45, window: str = "compressed", triage: bool = True
) -> None:
    """globex at risk, with its evidence; a triage unless `triage=False`."""
    session.add(User(email=MIA, name="Mia Manager", role="manager", active=True))
    session.add(User(email=CARL, name="Carl CSM", role="csm", manager_email=MIA, active=True))
    session.add(
        Account(
            account_id="globex",
            name="Globex GmbH",
            owner_email=CARL,
            customer_since=date(2022, 6, 15),
            language="de",
        )
    )
    renewal_date = TODAY + timedelta(days=days_to_renewal)
    session.add(
        Contract(
            contract_id="globex-c",
            account_id="globex",
            start_date=renewal_date - timedelta(days=365),
            end_date=renewal_date,
            arr=Decimal("48000"),
            currency="EUR",
            seats=100,
        )
    )
    session.flush()
    session.add(
        Renewal(
            renewal_id=R,
            contract_id="globex-c",
            account_id="globex",
            renewal_date=renewal_date,
            currency="EUR",
            current_arr=Decimal("48000"),
            target_arr=Decimal("48000"),
            segment="mid_market",
            opportunity_type="at_risk",
            touch_model="high",
            motion="csm_led",
            owner_role="csm",
            owner_email=CARL,
            stage="engagement",
            stage_since=TODAY - timedelta(days=10),
            health_score=38.0,
            health_category="red",
            risk="save",
            signals=["competitive", "negative_feedback", "usage_decline"],
            decisions={},
            created_on=TODAY - timedelta(days=60),
            updated_on=TODAY,
        )
    )
    session.flush()
    if triage:
        session.add(
            SaveTriage(
                renewal_id=R,
                account_id="globex",
                as_of=TODAY,
                status="open",
                probability_band="medium",
                success_rate=0.4,
                value_tier="medium",
                root_cause="service_experience",
                root_cause_confirmed=False,
                time_window=window,
                effort="standard",
                expected_value_hours=6.0,
                reasons={},
                facts={},
                inputs={},
                overrides={},
                created_on=TODAY,
                updated_on=TODAY,
            )
        )
    add_signal(
        session,
        "competitive",
        "ticket",
        "T1",
        "We are evaluating Contoso because exports keep failing.",
    )
    add_signal(session, "negative_feedback", "survey", "S1", "Support takes days to answer.")
    add_signal(
        session, "negative_feedback", "interaction", "I1", "The last releases broke our reports."
    )
    add_signal(  # as SIG-7 words it (a Text stored in English)
        session,
        "usage_decline",
        "usage",
        "events",
        "usage -34% on the previous 30 days (decline at -20%)",
    )
    for ticket_id, subject, priority, days_ago in (
        ("T1", "Export fails", "normal", 20),
        ("T2", "Export fails", "high", 6),
        ("T3", "SSO login broken", "urgent", 2),
        ("T4", "How do I add a user?", "normal", 4),
    ):
        session.add(
            Ticket(
                ticket_id=ticket_id,
                account_id="globex",
                opened_at=at(TODAY - timedelta(days=days_ago)),
                # one closed ticket: its timestamp comes back timezone-aware
                closed_at=at(TODAY - timedelta(days=1)) if ticket_id == "T1" else None,
                priority=priority,
                subject=subject,
            )
        )
    session.add(
        Stakeholder(
            stakeholder_id="anna",
            account_id="globex",
            name="Anna Roe",
            role="champion",
            last_engaged_at=TODAY - timedelta(days=12),
        )
    )
    session.add(
        HealthSnapshot(
            account_id="globex",
            as_of=TODAY,
            segment="mid_market",
            score=38.0,
            category="red",
            warning=True,
            trend="down",
            components=[],
            drivers=[],
            missing=[],
            reasons=[],
            features={
                "events_30d": 1234.0,
                "active_users_30d": 42.0,
                "seats": 100.0,
                "seat_utilisation": 0.42,
                "key_feature_adoption": 0.5,
                "usage_change_30d": -0.34,
            },
        )
    )
    session.flush()


def start(session: Session, **kwargs: object) -> SavePlan:
    return service.start_plan(session, R, by=CARL, as_of=TODAY, policy=POLICY, **kwargs)  # type: ignore[arg-type]


def fast_fix_tasks(session: Session) -> list[Task]:
    return list(
        session.scalars(select(Task).where(Task.key.like(f"{R}:fastfix:%")).order_by(Task.key))
    )


def audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


class TestStartPlan:
    def test_starting_the_plan_closes_the_kick_off_task_with_the_event(
        self, engine: Engine
    ) -> None:
        # TIME-4, issue 16: the at-risk path's task closes itself when its action happens.
        with session_scope(engine) as session:
            add_globex(session)
            kickoff, _ = task_service.ensure_task(
                session,
                account_id="globex",
                key=f"{R}:save_plan_kickoff",
                title="At-risk path: kick off the save plan",
                description="",
                rule="SEG-3",
                due_date=TODAY + timedelta(days=3),
                owner_email=CARL,
                created_on=TODAY,
            )
            kickoff.renewal_id, kickoff.step = R, "save_plan_kickoff"
            session.flush()
            plan = start(session)
            assert kickoff.status == "done" and kickoff.completed_by == CARL
            assert kickoff.status_reason.startswith("TIME-4: closed by itself: save_plan_started")  # type: ignore[union-attr]
            assert f"save plan {plan.plan_id} started" in kickoff.status_reason  # type: ignore[operator]
            assert "task.closed_by_event" in audit_actions(session)

    def test_it_lists_the_problems_in_priority_order_with_owners(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            plan = start(session)
            problems = service.problems_of(session, plan)
            assert plan.mode == "compressed" and plan.effort == "standard"
            assert [p.source_ref for p in problems] == [
                "T1,T2",  # 357.5: repeated and high, a fixable quick deal-breaker
                "T3",  # 350: urgent
                "competitive",  # 340: impact 5
                "negative_feedback",  # 337.5: raised twice
                "usage_decline",  # neither critical nor quick: deferred in a compressed window
            ]
            assert all(p.owner_email == CARL for p in problems)
            assert problems[-1].due_date is None
            assert problems[3].due_date == TODAY + timedelta(days=POLICY.save.short_term_days)

    def test_a_compressed_window_turns_on_the_fast_fix_with_keyed_tasks(
        self, engine: Engine
    ) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            plan = start(session)
            ids = service.fast_fix_ids(plan)
            assert plan.fast_fix and len(ids) == 3
            fast = [session.get(SaveProblem, i) for i in ids]
            assert all(p is not None and p.due_date == TODAY + timedelta(days=3) for p in fast)
            tasks = fast_fix_tasks(session)
            assert sorted(t.key for t in tasks) == sorted(f"{R}:fastfix:{i}" for i in ids)
            assert {(t.rule, t.renewal_id, t.owner_email, t.due_date) for t in tasks} == {
                ("SAVE-9", R, CARL, TODAY + timedelta(days=3))
            }

    def test_it_writes_the_guide_from_the_accounts_facts(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            guide = start(session).conversation_guide
        assert guide.startswith("# Save conversation: Globex GmbH")
        assert "Anna Roe (champion)" in guide
        assert '"Support takes days to answer."' in guide
        # SAVE-11: 42 of 100 seats in use is not a figure to lead with: it is in the
        # "know before the call" brief, not in the value to re-demonstrate.
        value, brief = guide.split("## Value to re-demonstrate", 1)[1].split(
            "Know before the call", 1
        )
        assert "people used the product" not in value
        assert "50% of the key features in use" in value  # at the favourable floor (FUND-5)
        assert "active users 30d: 42" in brief and "seat utilisation: 42%" in brief
        assert "Immediately (fast fix, within 48-72 hours)" in guide
        assert "by 27 November 2026" in guide

    def test_the_guide_reads_in_the_plan_owners_language(self, engine: Engine) -> None:
        """Issue 22: the guide is the team's: in the owner's language (Indonesian here),
        the customers' own words as they wrote them."""
        with session_scope(engine) as session:
            add_globex(session)
            user_service.set_language(session, CARL, "id", actor="test")
            guide = start(session).conversation_guide
        assert guide.startswith("# Percakapan penyelamatan: Globex GmbH")
        assert "## 2. Dengarkan dulu" in guide
        assert "Apa yang harus terpenuhi agar Anda memperpanjang dengan yakin?" in guide
        assert '"Support takes days to answer."' in guide  # their words, as written
        assert "Segera (perbaikan cepat, dalam 48-72 jam)" in guide
        assert "paling lambat 27 November 2026" in guide
        assert "Open with honesty" not in guide and "Listen first" not in guide

    def test_a_problem_is_stored_apart_from_the_customers_words_and_reads_in_the_language(
        self, engine: Engine
    ) -> None:
        """Issue 22: the product's words as a key and parameters, the customer's apart; read
        in the reader's language; a row from before (description only) reads the same."""
        with session_scope(engine) as session:
            add_globex(session)
            problems = {p.source_ref: p for p in service.problems_of(session, start(session))}
            competitive, tickets = problems["competitive"], problems["T1,T2"]
            assert competitive.summary == {"key": "signal", "params": {"kind": "competitive"}}
            assert competitive.quote == "We are evaluating Contoso because exports keep failing."
            assert tickets.summary == {
                "key": "ticket",
                "params": {"tickets": 2, "urgent": 1, "open": 1},
            }
            assert tickets.quote == "Export fails"
            usage = problems["usage_decline"]  # a measured fact: the product's words
            assert usage.quote is None and usage.summary is not None
            # the English description is kept as it was (audit, JSON, task titles)
            assert (
                tickets.description
                == "Support: \u201cExport fails\u201d (2 tickets, 1 high or urgent, 1 still open)"
            )
            read = {ref: str(service.words_of(p)) for ref, p in problems.items()}
            with i18n.using("de"):
                german = {ref: str(service.words_of(p)) for ref, p in problems.items()}
            assert german["competitive"] == (
                "Sie vergleichen uns mit einer Alternative (SIG-4): "
                "\u201cWe are evaluating Contoso because exports keep failing.\u201d"
            )
            assert german["T1,T2"] == (
                "Kundensupport (2 Tickets, 1 hoch oder dringend, 1 noch offen): "
                "\u201cExport fails\u201d"
            )
            assert german["usage_decline"].startswith(
                "Die Nutzung geht zurück, Lizenzen bleiben ungenutzt (SIG-7): Nutzung -34 %"
            )
            assert read["competitive"].startswith("They are comparing us with an alternative")
            for p in problems.values():  # as a row stored before issue 22
                p.summary, p.quote = None, None
            with i18n.using("de"):
                assert {ref: str(service.words_of(p)) for ref, p in problems.items()} == german
            assert {ref: str(service.words_of(p)) for ref, p in problems.items()} == read

    def test_the_fast_fix_tasks_read_in_the_readers_language(self, engine: Engine) -> None:
        """Issue 22: a fast-fix task's title and description are stored in English and read
        back in the reader's language, the problem through its kind's template (the
        customer's words as they wrote them)."""
        with session_scope(engine) as session:
            add_globex(session)
            plan = start(session)
            competitive = next(
                p for p in service.problems_of(session, plan) if p.source_ref == "competitive"
            )
            task = session.scalar(
                select(Task).where(Task.key == f"{R}:fastfix:{competitive.problem_id}")
            )
            assert task is not None
            assert task.title == f"Fast fix: {competitive.description}"  # English, as before
            with i18n.using("de"):
                title, description = i18n.tr(task.title), i18n.tr(task.description)
        assert title == (
            "Schnelle Behebung: Sie vergleichen uns mit einer Alternative (SIG-4): "
            "We are evaluating Contoso because exports keep failing."
        )
        assert description == (
            "SAVE-9: innerhalb des Zeitfensters der schnellen Behebung beheben und das Ergebnis "
            f"mit dem Kunden prüfen (`renewals saves problem verify {competitive.problem_id}`)."
        )

    def test_the_account_page_reads_the_problems_in_the_readers_language(
        self, engine: Engine, tmp_path: Path
    ) -> None:
        """Issue 22: the plan's problems on the account page in the CSM's language (German
        here), the customer's words as they wrote them (translate="no"), a row from before
        issue 22 too."""
        from dashboard.book import PASSWORD, client_for
        from factories import set_password

        from renewals.config import Settings

        with session_scope(engine) as session:
            add_globex(session)
            problems = {p.source_ref: p for p in service.problems_of(session, start(session))}
            problems["competitive"].summary = problems["competitive"].quote = None  # an old row
            set_password(session, session.get(User, CARL), PASSWORD)
            user_service.set_language(session, CARL, "de", actor="test")
        settings = Settings(
            database_url=engine.url.render_as_string(hide_password=False),
            data_dir=tmp_path,
            secret_key="page-tests",
        )
        client, _ = client_for(settings, CARL)
        page = client.get("/accounts/globex").text
        assert (
            'Sie vergleichen uns mit einer Alternative (SIG-4): <q translate="no">'
            "We are evaluating Contoso because exports keep failing.</q>"
        ) in page
        assert (
            "Kundensupport (2 Tickets, 1 hoch oder dringend, 1 noch offen): "
            '<q translate="no">Export fails</q>'
        ) in page
        table = page.split("<th>Problem (SAVE-8)</th>", 1)[1].split("</table>", 1)[0]
        assert "Export fails" in table  # it can fail
        assert "They are comparing us" not in table and "Support: " not in table

    def test_it_keeps_tactics_and_alternatives_with_their_rules(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            plan = start(session)
            keys = {t["key"] for t in plan.tactics}
            assert {"csm_and_manager", "compressed", "fast_fix", "relationship_repair"} <= keys
            pause = next(a for a in plan.alternatives if a["key"] == "pause")
            assert pause["params"] == {"pause_days": POLICY.save.flexibility.pause_days}

    def test_a_second_start_returns_the_plan_unchanged(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            first = start(session)
            again = start(session, fast_fix=False)
            assert again.plan_id == first.plan_id and again.fast_fix
            count = session.scalar(select(func.count()).select_from(SaveProblem))
            assert count == 5
            assert len(fast_fix_tasks(session)) == 3
            assert audit_actions(session) == ["save_plan.start"]

    def test_the_person_may_turn_the_fast_fix_off(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            plan = start(session, fast_fix=False)
            assert not plan.fast_fix and service.fast_fix_ids(plan) == []
            assert fast_fix_tasks(session) == []

    def test_a_comprehensive_window_has_no_fast_fix_unless_asked(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session, days_to_renewal=120, window="comprehensive")
            assert not start(session).fast_fix
        with session_scope(engine) as session:
            session.execute(SaveProblem.__table__.delete())
            session.execute(SavePlan.__table__.delete())
            assert start(session, fast_fix=True).fast_fix

    def test_it_needs_a_triage(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session, triage=False)
            with pytest.raises(NoTriage) as caught:
                start(session)
        assert caught.value.message == (
            "R-globex: no triage: the renewal is not at risk or `renewals run` has not run"
        )

    def test_it_needs_an_active_user(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            with pytest.raises(SavePlanError, match="not an active user"):
                service.start_plan(session, R, by="nobody@x.example", as_of=TODAY, policy=POLICY)


class TestProblems:
    def test_verify_closes_the_fast_fix_task_and_is_audited(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            plan = start(session)
            problem_id = service.fast_fix_ids(plan)[0]
            service.update_problem(
                session, problem_id, by=CARL, as_of=TODAY, fix="Patched the CSV exporter"
            )
            problem = service.verify_problem(
                session,
                problem_id,
                by=CARL,
                verified_on=TODAY + timedelta(days=2),
                note="Anna Roe confirmed exports run again",
            )
            assert problem.status == "verified"
            assert problem.verified_on == problem.completed_on == TODAY + timedelta(days=2)
            task = next(t for t in fast_fix_tasks(session) if t.key.endswith(f":{problem_id}"))
            assert task.status == "done" and task.completed_by == CARL
            with pytest.raises(SavePlanError, match="already verified"):
                service.verify_problem(
                    session, problem_id, by=CARL, verified_on=TODAY, note="again"
                )
            with pytest.raises(SavePlanError, match="final"):
                service.update_problem(session, problem_id, by=CARL, as_of=TODAY, status="open")
            assert audit_actions(session) == [
                "save_plan.start",
                "save_plan.problem_update",
                "save_plan.problem_verify",
            ]

    def test_verification_needs_a_note(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            problem_id = service.fast_fix_ids(start(session))[0]
            with pytest.raises(SavePlanError, match="needs a note"):
                service.verify_problem(session, problem_id, by=CARL, verified_on=TODAY, note=" ")

    def test_update_tracks_status_owner_and_due_date(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            plan = start(session)
            first, second = service.fast_fix_ids(plan)[:2]
            service.update_problem(
                session,
                first,
                by=CARL,
                as_of=TODAY,
                status="done",
                owner=MIA,
                due=TODAY + timedelta(days=1),
                success_metric="no export ticket for 30 days",
            )
            service.update_problem(session, second, by=CARL, as_of=TODAY, status="dropped")
            tasks = {t.key.rsplit(":", 1)[1]: t for t in fast_fix_tasks(session)}
            assert tasks[str(first)].status == "done"
            assert tasks[str(first)].owner_email == MIA
            assert tasks[str(second)].status == "cancelled"
            done = session.get(SaveProblem, first)
            assert done is not None and done.completed_on == TODAY
            event = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "save_plan.problem_update")
            ).first()
            assert event is not None
            assert event.detail["changes"]["owner_email"] == {"from": CARL, "to": MIA}
            with pytest.raises(SavePlanError, match="status must be one of"):
                service.update_problem(session, first, by=CARL, as_of=TODAY, status="verified")

    def test_an_added_problem_joins_a_fast_fix_with_room(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            plan = start(session)

            def add(description: str) -> SaveProblem:
                return service.add_problem(
                    session,
                    R,
                    by=CARL,
                    as_of=TODAY,
                    policy=POLICY,
                    description=description,
                    deal_breaker=True,
                    quick=True,
                    impact=4,
                )

            full = add("Invoices show the wrong VAT")
            assert full.problem_id not in service.fast_fix_ids(plan)
            assert full.priority == 300 + 30 + 20
            assert full.due_date == TODAY + timedelta(days=POLICY.save.short_term_days)
            dropped = service.fast_fix_ids(plan)[0]
            service.update_problem(session, dropped, by=CARL, as_of=TODAY, status="dropped")
            joined = add("Reports time out")
            assert service.fast_fix_ids(plan)[-1] == joined.problem_id
            assert joined.due_date == TODAY + timedelta(days=3)
            keys = {t.key: t.status for t in fast_fix_tasks(session)}
            assert keys[f"{R}:fastfix:{joined.problem_id}"] == "open"
            assert keys[f"{R}:fastfix:{dropped}"] == "cancelled"
            assert audit_actions(session).count("save_plan.problem_add") == 2


class TestHoursAndClose:
    def test_close_as_lost_cancels_open_fast_fix_tasks(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            start(session)
            service.record_hours(session, R, by=CARL, hours=2.5, on=TODAY, note="exec call")
            plan = service.close_plan(session, R, by=MIA, outcome="lost", on=TODAY)
            assert (plan.status, plan.outcome, plan.closed_on) == ("closed", "lost", TODAY)
            assert plan.effort_hours == 2.5
            assert {t.status for t in fast_fix_tasks(session)} == {"cancelled"}
            with pytest.raises(SavePlanError, match="closed"):
                service.close_plan(session, R, by=MIA, outcome="saved", on=TODAY)
            with pytest.raises(SavePlanError, match="closed"):
                service.record_hours(session, R, by=CARL, hours=1, on=TODAY)
            assert audit_actions(session) == [
                "save_plan.start",
                "save_plan.hours",
                "save_plan.close",
            ]

    def test_a_saved_plans_promises_stay_open_to_verification(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            problem_id = service.fast_fix_ids(start(session))[0]
            service.close_plan(session, R, by=CARL, outcome="saved", on=TODAY)
            assert {t.status for t in fast_fix_tasks(session)} == {"open"}
            service.verify_problem(
                session, problem_id, by=CARL, verified_on=TODAY, note="Anna confirmed"
            )

    def test_it_rejects_a_bad_outcome_and_bad_hours(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            start(session)
            with pytest.raises(SavePlanError, match="outcome must be one of saved, lost"):
                service.close_plan(session, R, by=CARL, outcome="won", on=TODAY)
            with pytest.raises(SavePlanError, match="hours must be above 0"):
                service.record_hours(session, R, by=CARL, hours=0, on=TODAY)


def cli(engine: Engine) -> tuple[typer.Typer, dict[str, str]]:
    """A root app mounting the commands as the lead mounts them under `saves`."""
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    saves = typer.Typer()
    saves.command("plan")(plan_commands.plan)
    saves.command("hours")(plan_commands.hours)
    saves.command("close")(plan_commands.close)
    saves.add_typer(plan_commands.problem_app, name="problem")
    app.add_typer(saves, name="saves")
    env = {"RENEWALS_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    return app, env


class TestCommands:
    def test_the_plans_problems_read_in_the_cli_language(self, engine: Engine) -> None:
        """Issue 22: `renewals --language de saves plan` reads the problems in German, the
        customer's words as written; --json carries the stored summary and quote."""
        from renewals.cli import app

        with session_scope(engine) as session:
            add_globex(session)
            start(session)
        env = {
            "RENEWALS_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "COLUMNS": "400",
        }
        runner = CliRunner()
        result = runner.invoke(app, ["--language", "de", "saves", "plan", R], env=env)
        assert result.exit_code == 0, result.output
        assert (
            "Sie vergleichen uns mit einer Alternative (SIG-4): "
            "\u201cWe are evaluating Contoso because exports keep failing.\u201d"
        ) in result.stdout
        assert "They are comparing us" not in result.stdout
        english = runner.invoke(app, ["saves", "plan", R], env=env).stdout
        assert "They are comparing us with an alternative (SIG-4)" in english
        report = json.loads(runner.invoke(app, ["saves", "plan", R, "--json"], env=env).stdout)
        tickets = next(p for p in report["problems"] if p["source_ref"] == "T1,T2")
        assert tickets["quote"] == "Export fails"
        assert tickets["summary"] == {
            "key": "ticket",
            "params": {"tickets": 2, "urgent": 1, "open": 1},
        }

    def test_the_api_plan_carries_each_problems_summary_and_quote(
        self, engine: Engine, tmp_path: Path
    ) -> None:
        """GET /api/v1/renewals/{id}/plan gives each problem the product's words (key and
        values) and the customer's own apart, as `saves plan --json` and the page do."""
        from fastapi.testclient import TestClient

        from renewals.config import Settings
        from renewals.kit.time import utc_now
        from renewals.user import auth
        from renewals.web.app import create_app

        with session_scope(engine) as session:
            add_globex(session)
            start(session)
            carl = session.get(User, CARL)
            assert carl is not None
            token, _ = auth.create_token(session, carl, "tests", now=utc_now())
        settings = Settings(
            database_url=engine.url.render_as_string(hide_password=False),
            data_dir=tmp_path / "data",
            secret_key="test-secret-key",
        )
        with TestClient(create_app(settings)) as client:
            response = client.get(
                f"/api/v1/renewals/{R}/plan", headers={"Authorization": f"Bearer {token}"}
            )
        assert response.status_code == 200, response.text
        problems = {p["source_ref"]: p for p in response.json()["problems"]}
        assert problems["T1,T2"]["summary"] == {
            "key": "ticket",
            "params": {"tickets": 2, "urgent": 1, "open": 1},
        }
        assert problems["T1,T2"]["quote"] == "Export fails"
        assert problems["competitive"]["summary"] == {
            "key": "signal",
            "params": {"kind": "competitive"},
        }
        assert problems["competitive"]["quote"] == (
            "We are evaluating Contoso because exports keep failing."
        )

    def test_plan_starts_then_shows_and_problems_are_verified(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
        app, env = cli(engine)
        runner = CliRunner()
        day = ["--as-of", TODAY.isoformat()]
        result = runner.invoke(app, ["saves", "plan", R, *day], env=env)
        assert result.exit_code == 1 and "start it with --by EMAIL" in result.stderr
        result = runner.invoke(app, ["saves", "plan", R, "--by", CARL, *day], env=env)
        assert result.exit_code == 0, result.output
        assert "Started the save plan of R-globex." in result.stdout
        assert "Problems, highest priority first (SAVE-8)" in result.stdout
        assert "Pause: a 90-day pause instead of a cancellation" in result.stdout
        assert "## 5. Secure a mutual commitment" in result.stdout

        result = runner.invoke(app, ["saves", "plan", R, "--json"], env=env)
        report = json.loads(result.stdout)
        fast = [p for p in report["problems"] if p["fast_fix"]]
        assert len(fast) == 3 and report["status"] == "active"
        problem_id = str(fast[0]["problem_id"])

        result = runner.invoke(
            app,
            ["saves", "problem", "verify", problem_id, "--note", "Anna: fixed", "--by", CARL],
            env=env,
        )
        assert result.exit_code == 0, result.output
        result = runner.invoke(
            app,
            ["saves", "problem", "update", problem_id, "--status", "open", "--by", CARL],
            env=env,
        )
        assert result.exit_code == 1 and "final" in result.stderr
        result = runner.invoke(app, ["saves", "hours", R, "2", "--by", CARL], env=env)
        assert "2 hours recorded, 2 in total" in result.stdout
        result = runner.invoke(
            app, ["saves", "close", R, "--outcome", "saved", "--by", CARL], env=env
        )
        assert result.exit_code == 0 and "closed as saved" in result.stdout
