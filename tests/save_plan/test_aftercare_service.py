"""The aftercare job on database rows (SQLite and PostgreSQL): closing saves as saved or
lost, lost causes, win-back tasks, post-save health checks, overdue promise alerts,
idempotent re-runs, and the exit/debrief/lessons commands."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import factories
import pytest
import typer
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from renewals.account.models import Account, Stakeholder
from renewals.contract.models import Contract
from renewals.db import session_scope
from renewals.errors import RenewalsError
from renewals.policy import service as policy_service
from renewals.renewal.models import Renewal
from renewals.save_plan import aftercare_service as service
from renewals.save_plan import report_commands
from renewals.save_plan.models import PostSave, SaveExit, SavePlan, SaveProblem, SaveTriage
from renewals.signal.models import Signal
from renewals.task.models import Task
from renewals.user.models import User

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
VERA = "vera@renewals.example"
MIA = "mia@renewals.example"
CARL = "carl@renewals.example"

runner = CliRunner()


# --- factories ---------------------------------------------------------------------------


def add_people(session: Session) -> None:
    session.add(User(email=VERA, name="Vera VP", role="vp", active=True))
    session.add(User(email=MIA, name="Mia Manager", role="manager", manager_email=VERA))
    session.add(User(email=CARL, name="Carl CSM", role="csm", manager_email=MIA, active=True))


def add_renewal(
    session: Session,
    *,
    account_id: str,
    renewal_date: date,
    arr: str = "48000",
    stage: str = "engagement",
    outcome: str | None = None,
    closed_on: date | None = None,
    competitor: str | None = None,
    close_reason: str | None = None,
    signals: list[str] | None = None,
    strategic: bool = False,
    segment: str = "mid_market",
    owner: str = CARL,
) -> str:
    """An account (created once), a contract and its renewal; returns the renewal id."""
    renewal_id = factories.add_renewal(
        session,
        account_id,
        renewal_date=renewal_date,
        arr=arr,
        contract_id=f"{account_id}-{renewal_date.isoformat()}",
        account={"owner_email": None, "strategic": strategic},
        contract={
            "outcome": outcome,
            "closed_at": closed_on,
            "competitor": competitor,
            "close_reason": close_reason,
        },
        segment=segment,
        touch_model="negotiated",
        motion="intervention",
        owner_email=owner,
        stage=stage,
        stage_since=TODAY - timedelta(days=10),
        signals=signals or [],
        outcome=outcome,
        created_on=TODAY - timedelta(days=200),
        closed_on=closed_on,
    )
    session.flush()
    return renewal_id


def add_triage(
    session: Session,
    renewal_id: str,
    *,
    band: str = "medium",
    root_cause: str = "service_experience",
    effort: str = "standard",
    inputs: dict[str, str] | None = None,
    status: str = "open",
) -> None:
    renewal = session.get(Renewal, renewal_id)
    assert renewal is not None
    session.add(
        SaveTriage(
            renewal_id=renewal_id,
            account_id=renewal.account_id,
            as_of=TODAY - timedelta(days=1),
            status=status,
            probability_band=band,
            success_rate=0.4,
            value_tier="medium",
            root_cause=root_cause,
            root_cause_confirmed=False,
            time_window="compressed",
            effort=effort,
            expected_value_hours=6.0,
            reasons={},
            facts={},
            inputs=inputs or {},
            overrides={},
            created_on=TODAY - timedelta(days=60),
            updated_on=TODAY - timedelta(days=1),
        )
    )


def add_plan(
    session: Session,
    renewal_id: str,
    *,
    started_on: date = TODAY - timedelta(days=45),
    effort: str = "standard",
    status: str = "active",
    outcome: str | None = None,
    closed_on: date | None = None,
) -> int:
    renewal = session.get(Renewal, renewal_id)
    assert renewal is not None
    plan = SavePlan(
        renewal_id=renewal_id,
        account_id=renewal.account_id,
        owner_email=CARL,
        started_on=started_on,
        mode="compressed",
        effort=effort,
        tactics=[{"key": "fast_fix", "text": "Fast fix", "rule": "SAVE-9", "done": True}],
        status=status,
        outcome=outcome,
        closed_on=closed_on,
        effort_hours=12,
    )
    session.add(plan)
    session.flush()
    return plan.plan_id


def add_problem(
    session: Session,
    plan_id: int,
    *,
    due: date | None,
    status: str = "in_progress",
    owner: str | None = CARL,
    description: str = "Fix the broken CSV export",
) -> int:
    problem = SaveProblem(
        plan_id=plan_id,
        description=description,
        source="csm",
        owner_email=owner,
        due_date=due,
        status=status,
    )
    session.add(problem)
    session.flush()
    return problem.problem_id


def add_signal(session: Session, account_id: str, kind: str, first_seen: date) -> None:
    session.add(
        Signal(
            account_id=account_id,
            kind=kind,
            rule={"competitive": "SIG-4", "stakeholder_change": "SIG-6"}.get(kind, "SIG-2"),
            severity="high",
            source="ticket",
            source_id=f"{kind}-{first_seen}",
            source_date=first_seen,
            first_seen_on=first_seen,
            last_seen_on=first_seen,
            evidence=f"{kind} seen on {first_seen}",
        )
    )


def tasks(session: Session, rule: str) -> list[Task]:
    return list(
        session.scalars(select(Task).where(Task.rule == rule).order_by(Task.due_date, Task.key))
    )


def run(engine: Engine, day: date = TODAY) -> service.AftercareReport:
    with session_scope(engine) as session:
        return service.run_aftercare(session, POLICY, as_of=day)


# --- (a) closing ---------------------------------------------------------------------------


@pytest.fixture
def decided(engine: Engine) -> Engine:
    """acme was saved (won with a plan) on 2026-11-20; initech renewed without a plan;
    globex churned to Rivalry on 2026-11-10 after a plan; hooli churned untriaged."""
    with session_scope(engine) as session:
        add_people(session)
        acme = add_renewal(
            session,
            account_id="acme",
            renewal_date=date(2026, 11, 30),
            stage="closed_won",
            outcome="renewed",
            closed_on=date(2026, 11, 20),
            signals=["usage_decline"],
        )
        add_triage(session, acme)
        add_plan(session, acme, started_on=date(2026, 10, 1))
        initech = add_renewal(
            session,
            account_id="initech",
            renewal_date=date(2026, 12, 15),
            stage="closed_won",
            outcome="renewed",
            closed_on=date(2026, 11, 21),
        )
        add_triage(session, initech)
        globex = add_renewal(
            session,
            account_id="globex",
            renewal_date=date(2026, 12, 31),
            stage="closed_lost",
            outcome="churned",
            closed_on=date(2026, 11, 10),
            competitor="Rivalry Inc",
            close_reason="Price and missing SSO",
        )
        add_triage(session, globex)
        add_plan(session, globex)
        # Signals: one before the contract started, two before the decision, one after.
        add_signal(session, "globex", "budget", date(2025, 6, 1))
        add_signal(session, "globex", "stakeholder_change", date(2026, 5, 2))
        add_signal(session, "globex", "competitive", date(2026, 9, 1))
        add_signal(session, "globex", "engagement_drop", date(2026, 11, 15))
        add_renewal(
            session,
            account_id="hooli",
            renewal_date=date(2026, 1, 31),
            stage="closed_lost",
            outcome="churned",
            closed_on=date(2026, 1, 5),
        )
    return engine


class TestClosing:
    def test_a_won_renewal_with_a_plan_is_saved_and_monitored(self, decided: Engine) -> None:
        report = run(decided)
        assert (report.saved, report.resolved, report.lost) == (1, 1, 1)
        assert report.plans_closed == 2
        with session_scope(decided) as session:
            rid = "R-acme-2026-11-30"
            triage = session.get(SaveTriage, rid)
            assert triage is not None
            assert (triage.status, triage.closed_on) == ("saved", date(2026, 11, 20))
            plan = session.scalars(select(SavePlan).where(SavePlan.renewal_id == rid)).one()
            assert (plan.status, plan.outcome, plan.closed_on) == (
                "closed",
                "saved",
                date(2026, 11, 20),
            )
            post = session.get(PostSave, rid)
            assert post is not None
            assert (post.saved_on, post.monitor_until, post.health_check_days) == (
                date(2026, 11, 20),
                date(2027, 11, 20),
                7,
            )
            assert post.lessons["time_to_resolution_days"] == 50
            assert post.lessons["risk"]["signals"] == ["usage_decline"]
            # POST-4: the prevent-a-repeat questions come with the lessons.
            assert "Is this happening to other customers?" in post.lessons["prevent_repeat"]
            assert post.lessons["tactics"] == [{"key": "fast_fix", "rule": "SAVE-9", "done": True}]

    def test_a_won_renewal_without_a_plan_is_resolved_not_saved(self, decided: Engine) -> None:
        run(decided)
        with session_scope(decided) as session:
            triage = session.get(SaveTriage, "R-initech-2026-12-15")
            assert triage is not None and triage.status == "resolved"
            assert session.get(PostSave, "R-initech-2026-12-15") is None
            assert session.get(SaveExit, "R-initech-2026-12-15") is None

    def test_a_lost_renewal_is_lost_with_an_exit_and_a_prefilled_debrief(
        self, decided: Engine
    ) -> None:
        run(decided)
        with session_scope(decided) as session:
            rid = "R-globex-2026-12-31"
            triage = session.get(SaveTriage, rid)
            assert triage is not None and triage.status == "lost"
            plan = session.scalars(select(SavePlan).where(SavePlan.renewal_id == rid)).one()
            assert (plan.status, plan.outcome) == ("closed", "lost")
            exit_row = session.get(SaveExit, rid)
            assert exit_row is not None and exit_row.status == "open"
            assert exit_row.reasons == [
                "renewal closed lost on 2026-11-10 (churned) to Rivalry Inc"
            ]
            assert [i["key"] for i in exit_row.checklist][0] == "data_export"
            debrief = exit_row.debrief
            assert debrief["competitor"] == "Rivalry Inc"
            assert debrief["stated_reason"] == "Price and missing SSO"
            assert debrief["told_on"] == "2026-11-10"
            assert debrief["earliest_warning_on"] == "2026-05-02"
            # Before the decision and since the contract started (2025-12-31 is the start).
            assert [s["kind"] for s in debrief["missed_signals"]] == [
                "stakeholder_change",
                "competitive",
            ]
            assert session.get(PostSave, rid) is None

    def test_an_untriaged_churn_gets_win_back_touches_but_no_exit(self, decided: Engine) -> None:
        run(decided)
        with session_scope(decided) as session:
            assert session.get(SaveExit, "R-hooli-2026-01-31") is None
            hooli = [t for t in tasks(session, "LOST-4") if t.account_id == "hooli"]
            assert [(t.key, t.due_date) for t in hooli] == [
                ("winback:R-hooli-2026-01-31:3", date(2026, 4, 30)),
                ("winback:R-hooli-2026-01-31:6", date(2026, 7, 31)),
                ("winback:R-hooli-2026-01-31:12", date(2027, 1, 31)),
            ]
            # Touches already past when scheduled say so.
            assert hooli[0].status_reason == "late entry on 2026-11-24: overdue since 2026-04-30"
            assert hooli[2].status_reason is None

    def test_a_rerun_of_the_day_adds_nothing(self, decided: Engine) -> None:
        first = run(decided)
        assert first.winback_tasks == 6 and first.health_checks == 1
        second = run(decided)
        assert second == service.AftercareReport()
        with session_scope(decided) as session:
            assert len(tasks(session, "LOST-4")) == 6
            assert len(tasks(session, "POST-1")) == 1
            assert len(session.scalars(select(SaveExit)).all()) == 1


class TestWinback:
    def test_touches_are_created_once_for_the_renewal_owner(self, decided: Engine) -> None:
        run(decided)
        with session_scope(decided) as session:
            globex = [t for t in tasks(session, "LOST-4") if t.account_id == "globex"]
            # Churn date: the contract end (2026-12-31), after the close on 2026-11-10.
            assert [t.due_date for t in globex] == [
                date(2027, 3, 31),
                date(2027, 6, 30),
                date(2027, 12, 31),
            ]
            assert {t.owner_email for t in globex} == {CARL}
            assert {t.renewal_id for t in globex} == {"R-globex-2026-12-31"}
            assert "to Rivalry Inc" in globex[0].description
            # A touch someone completed is not created again.
            globex[0].status = "done"
        assert run(decided).winback_tasks == 0

    def test_imported_churns_get_only_the_touches_still_ahead(self, engine: Engine) -> None:
        # An account that churned 4 months before we were installed: the 3-month check-in
        # is history; the 6- and 12-month touches are planned, once (LOST-4).
        with session_scope(engine) as session:
            add_people(session)
            session.add(Account(account_id="hooli", name="Hooli", owner_email=CARL))
            session.add(
                Contract(
                    contract_id="hooli-2026",
                    account_id="hooli",
                    start_date=date(2025, 7, 24),
                    end_date=date(2026, 7, 24),
                    arr=Decimal("30000"),
                    outcome="churned",
                    closed_at=date(2026, 7, 1),
                    competitor="Rivalry Inc",
                )
            )
        run(engine)
        with session_scope(engine) as session:
            hooli = [t for t in tasks(session, "LOST-4") if t.account_id == "hooli"]
            assert [t.due_date for t in hooli] == [date(2027, 1, 24), date(2027, 7, 24)]
            assert {t.owner_email for t in hooli} == {CARL}
            assert {t.renewal_id for t in hooli} == {None}
            assert "imported history" in hooli[0].description
        assert run(engine).winback_tasks == 0


class TestPostSave:
    def test_weekly_checks_appear_a_week_ahead_and_once(self, decided: Engine) -> None:
        run(decided)
        run(decided, TODAY + timedelta(days=1))
        run(decided, TODAY + timedelta(days=3))
        with session_scope(decided) as session:
            checks = tasks(session, "POST-1")
            assert [(t.key, t.due_date) for t in checks] == [
                ("postsave:R-acme-2026-11-30:2026-11-27", date(2026, 11, 27)),
                ("postsave:R-acme-2026-11-30:2026-12-04", date(2026, 12, 4)),
            ]
            assert checks[0].owner_email == CARL
            assert "POST-4: trust is rebuilt by actions" in checks[0].description

    def test_checks_go_to_the_owner_of_the_accounts_next_renewal(self, decided: Engine) -> None:
        with session_scope(decided) as session:
            add_renewal(session, account_id="acme", renewal_date=date(2027, 11, 30), owner=MIA)
        run(decided)
        with session_scope(decided) as session:
            assert [t.owner_email for t in tasks(session, "POST-1")] == [MIA]

    def test_monitoring_ends_after_the_fragile_months(self, decided: Engine) -> None:
        run(decided)
        report = run(decided, date(2027, 11, 21))
        assert report.monitoring_ended == 1
        with session_scope(decided) as session:
            post = session.get(PostSave, "R-acme-2026-11-30")
            assert post is not None and post.status == "ended"
        assert run(decided, date(2027, 11, 28)).health_checks == 0


# --- (b) lost causes -------------------------------------------------------------------------


@pytest.fixture
def at_risk(engine: Engine) -> Engine:
    """Two open at-risk renewals: umbrella (an alternative chosen), soylent (gone silent)."""
    with session_scope(engine) as session:
        add_people(session)
        umbrella = add_renewal(session, account_id="umbrella", renewal_date=date(2027, 2, 1))
        add_triage(session, umbrella, inputs={"alternative": "chosen"})
        soylent = add_renewal(
            session,
            account_id="soylent",
            renewal_date=date(2027, 1, 15),
            signals=["engagement_drop"],
        )
        add_triage(session, soylent)
        session.add(
            Stakeholder(
                stakeholder_id="s-1",
                account_id="soylent",
                name="Sam Champion",
                role="champion",
                last_engaged_at=TODAY - timedelta(days=200),
            )
        )
    return engine


class TestLostCauses:
    def test_it_opens_an_exit_for_each_lost_cause_once(self, at_risk: Engine) -> None:
        assert run(at_risk).lost_causes == 2
        assert run(at_risk).lost_causes == 0
        with session_scope(at_risk) as session:
            umbrella = session.get(SaveExit, "R-umbrella-2027-02-01")
            soylent = session.get(SaveExit, "R-soylent-2027-01-15")
            assert umbrella is not None and soylent is not None
            assert umbrella.status == "open" and umbrella.detected_on == TODAY
            assert umbrella.reasons[0].startswith("LOST-1: signed with a competitor")
            assert soylent.reasons[0].startswith("LOST-1: refuses to engage")
            # Triage stays open: a person decides whether to let go.
            triage = session.get(SaveTriage, "R-umbrella-2027-02-01")
            assert triage is not None and triage.status == "open"

    def test_a_recently_engaged_stakeholder_means_it_is_not_a_refusal(
        self, at_risk: Engine
    ) -> None:
        with session_scope(at_risk) as session:
            stakeholder = session.get(Stakeholder, "s-1")
            assert stakeholder is not None
            stakeholder.last_engaged_at = TODAY - timedelta(days=5)
        run(at_risk)
        with session_scope(at_risk) as session:
            assert session.get(SaveExit, "R-soylent-2027-01-15") is None

    def test_a_new_criterion_adds_its_reason_to_the_open_exit(self, at_risk: Engine) -> None:
        run(at_risk)
        with session_scope(at_risk) as session:
            triage = session.get(SaveTriage, "R-umbrella-2027-02-01")
            assert triage is not None
            triage.root_cause, triage.probability_band = "product_fit", "low"
            triage.root_cause_confirmed = True
        run(at_risk, TODAY + timedelta(days=1))
        with session_scope(at_risk) as session:
            row = session.get(SaveExit, "R-umbrella-2027-02-01")
            assert row is not None and len(row.reasons) == 2
            assert "product-market fit" in row.reasons[1]

    def test_a_detected_lost_cause_that_churns_gets_its_debrief_prefilled(
        self, at_risk: Engine
    ) -> None:
        run(at_risk)
        with session_scope(at_risk) as session:
            renewal = session.get(Renewal, "R-umbrella-2027-02-01")
            assert renewal is not None
            renewal.stage, renewal.outcome, renewal.closed_on = "closed_lost", "churned", TODAY
        report = run(at_risk, TODAY + timedelta(days=1))
        assert report.lost == 1 and report.exits == 0  # the exit existed already
        with session_scope(at_risk) as session:
            row = session.get(SaveExit, "R-umbrella-2027-02-01")
            assert row is not None
            assert row.debrief["told_on"] == TODAY.isoformat()
            assert row.debrief["outcome"] == "churned"


# --- (e) promises ----------------------------------------------------------------------------


@pytest.fixture
def promised(engine: Engine) -> tuple[Engine, dict[str, int]]:
    with session_scope(engine) as session:
        add_people(session)
        acme = add_renewal(session, account_id="acme", renewal_date=date(2027, 1, 31))
        add_triage(session, acme)
        plan = add_plan(session, acme)
        lost = add_renewal(session, account_id="globex", renewal_date=date(2027, 1, 31))
        lost_plan = add_plan(session, lost, status="closed", outcome="lost", closed_on=TODAY)
        ids = {
            "late": add_problem(session, plan, due=TODAY - timedelta(days=1)),
            "today": add_problem(session, plan, due=TODAY),
            "verified": add_problem(
                session, plan, due=TODAY - timedelta(days=9), status="verified"
            ),
            "done_unverified": add_problem(
                session, plan, due=TODAY - timedelta(days=3), status="done", owner=MIA
            ),
            "unowned": add_problem(session, plan, due=TODAY - timedelta(days=2), owner=None),
            "lost_plan": add_problem(session, lost_plan, due=TODAY - timedelta(days=5)),
        }
    return engine, ids


class TestPromises:
    def test_an_overdue_promise_alerts_the_owners_manager_once(
        self, promised: tuple[Engine, dict[str, int]]
    ) -> None:
        engine, ids = promised
        assert run(engine).promise_alerts == 3
        assert run(engine).promise_alerts == 0
        assert run(engine, TODAY + timedelta(days=1)).promise_alerts == 1  # "today" is now late
        with session_scope(engine) as session:
            alerts = {t.key: t for t in tasks(session, "POST-2")}
        late = alerts[f"promise:{ids['late']}:overdue"]
        assert (late.owner_email, late.due_date, late.account_id) == (MIA, TODAY, "acme")
        assert late.renewal_id is None  # closing the renewal must not cancel it
        assert "R-acme-2027-01-31" in late.description
        assert "1 days overdue" in late.description
        # Mia has Vera as manager; an unowned promise goes to the plan owner's manager.
        assert alerts[f"promise:{ids['done_unverified']}:overdue"].owner_email == VERA
        assert "not verified by the customer" in (
            alerts[f"promise:{ids['done_unverified']}:overdue"].description
        )
        assert alerts[f"promise:{ids['unowned']}:overdue"].owner_email == MIA
        assert f"promise:{ids['verified']}:overdue" not in alerts
        assert f"promise:{ids['lost_plan']}:overdue" not in alerts

    @pytest.mark.parametrize(
        ("stage", "outcome", "status"),
        [("closed_won", "renewed", "open"), ("closed_lost", "churned", "cancelled")],
    )
    def test_alerts_stay_when_the_renewal_is_saved_and_go_when_it_is_lost(
        self, promised: tuple[Engine, dict[str, int]], stage: str, outcome: str, status: str
    ) -> None:
        engine, ids = promised
        run(engine)
        with session_scope(engine) as session:
            renewal = session.get(Renewal, "R-acme-2027-01-31")
            assert renewal is not None
            renewal.stage, renewal.outcome, renewal.closed_on = stage, outcome, TODAY
        run(engine, TODAY + timedelta(days=1))
        with session_scope(engine) as session:
            late = session.scalars(
                select(Task).where(Task.key == f"promise:{ids['late']}:overdue")
            ).one()
            assert late.status == status


# --- people: exit, debrief, lessons, and the commands ------------------------------------


def cli(engine: Engine) -> tuple[typer.Typer, dict[str, str]]:
    """A root app mounting the commands as the `saves` sub-app does."""
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    app.command("report")(report_commands.report)
    app.command("exit")(report_commands.exit_)
    app.command("debrief")(report_commands.debrief)
    app.command("lessons")(report_commands.lessons)
    app.add_typer(report_commands.winback_app, name="winback")
    env = {"RENEWALS_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    return app, env


class TestPeople:
    def test_ticking_every_item_exits_gracefully(self, decided: Engine) -> None:
        run(decided)
        rid = "R-globex-2026-12-31"
        with session_scope(decided) as session:
            row = service.tick_exit(
                session, rid, done=["data_export", "door_open"], undo=[], by=CARL, on=TODAY
            )
            assert row.status == "open"
            row = service.tick_exit(
                session,
                rid,
                done=["knowledge_transfer", "offboarding_support", "continued_service"],
                undo=[],
                by=CARL,
                on=TODAY,
            )
            assert row.status == "exited"
            with pytest.raises(RenewalsError, match="not an active user"):
                service.tick_exit(
                    session, rid, done=["door_open"], undo=[], by="nobody@x.example", on=TODAY
                )
            with pytest.raises(RenewalsError, match="no exit item"):
                service.tick_exit(session, rid, done=["party"], undo=[], by=CARL, on=TODAY)

    def test_a_debrief_completes_only_with_its_essential_answers(self, decided: Engine) -> None:
        run(decided)
        rid = "R-globex-2026-12-31"
        with session_scope(decided) as session:
            with pytest.raises(RenewalsError, match="still needs: real_reasons"):
                service.fill_debrief(session, rid, {}, by=CARL, on=TODAY, complete=True)
            row = service.fill_debrief(
                session,
                rid,
                {
                    "real_reasons": ["champion left in May"],
                    "really_lost_on": date(2026, 5, 2),
                    "could_have_been_saved": "yes",
                    "how": "multi-thread before May",
                    "what_to_change": "alert the manager on SIG-6",
                },
                by=CARL,
                on=TODAY,
                complete=True,
            )
            assert row.debrief["completed_on"] == TODAY.isoformat()
            assert row.debrief["competitor"] == "Rivalry Inc"  # the prefill stays

    def test_a_person_can_declare_a_lost_cause(self, at_risk: Engine) -> None:
        with session_scope(at_risk) as session:
            row = service.declare_lost(
                session,
                "R-umbrella-2027-02-01",
                ["final_decision"],
                note="board decided",
                by=CARL,
                on=TODAY,
            )
            assert row.reasons == [
                f"LOST-1: final, non-negotiable decision: declared by {CARL}: board decided"
            ]
            with pytest.raises(RenewalsError, match="--because must be one of"):
                service.declare_lost(
                    session, "R-umbrella-2027-02-01", ["bad_vibes"], note="", by=CARL, on=TODAY
                )
        # The daily run adds its own finding to the declared exit, not a second exit.
        assert run(at_risk).lost_causes == 1  # soylent only
        with session_scope(at_risk) as session:
            row = session.get(SaveExit, "R-umbrella-2027-02-01")
            assert row is not None and len(row.reasons) == 2

    def test_lessons_are_recorded_on_a_saved_renewal_only(self, decided: Engine) -> None:
        run(decided)
        with session_scope(decided) as session:
            post = service.record_lessons(
                session, "R-acme-2026-11-30", {"tactics_worked": "fast fix"}, by=CARL
            )
            assert post.lessons["tactics_worked"] == "fast fix"
            assert post.lessons["time_to_resolution_days"] == 50
            with pytest.raises(RenewalsError, match="not a saved renewal"):
                service.record_lessons(
                    session, "R-globex-2026-12-31", {"systemic_fix": "x"}, by=CARL
                )

    def test_the_commands_show_and_change_the_exit_and_list_win_backs(
        self, decided: Engine
    ) -> None:
        run(decided)
        app, env = cli(decided)
        rid = "R-globex-2026-12-31"
        result = runner.invoke(app, ["exit", rid, "--done", "data_export", "--by", CARL], env=env)
        assert result.exit_code == 0, result.output
        assert "Graceful exit (LOST-2)" in result.stdout
        assert "still needs" in result.stdout
        result = runner.invoke(app, ["exit", rid, "--done", "data_export"], env=env)
        assert result.exit_code == 2 and "--by EMAIL" in result.stderr
        result = runner.invoke(
            app,
            ["debrief", rid, "--real-reason", "champion left", "--by", CARL],
            env=env,
        )
        assert result.exit_code == 0, result.output
        assert "champion left" in result.stdout
        result = runner.invoke(app, ["exit", "R-acme-2026-11-30"], env=env)
        assert result.exit_code == 1 and "no exit record" in result.stderr
        result = runner.invoke(
            app, ["winback", "list", "--as-of", TODAY.isoformat(), "--json"], env=env
        )
        assert result.exit_code == 0, result.output
        assert len([json.loads(line) for line in result.stdout.splitlines()]) == 6  # JSON Lines
        result = runner.invoke(app, ["lessons", "R-acme-2026-11-30"], env=env)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["monitor_until"] == "2027-11-20"

    def test_an_exit_is_stamped_with_the_as_of_day_not_today(self, decided: Engine) -> None:
        app, env = cli(decided)
        rid, declared, ticked = "R-acme-2026-11-30", date(2026, 11, 20), date(2026, 11, 21)
        args = ["exit", rid, "--because", "final_decision", "--by", CARL]
        result = runner.invoke(app, [*args, "--as-of", declared.isoformat()], env=env)
        assert result.exit_code == 0, result.output
        args = ["exit", rid, "--done", "data_export", "--by", CARL]
        result = runner.invoke(app, [*args, "--as-of", ticked.isoformat()], env=env)
        assert result.exit_code == 0, result.output
        with session_scope(decided) as session:
            row = session.get(SaveExit, rid)
            assert row is not None and row.detected_on == declared  # LOST-1, declared then
            item = next(i for i in row.checklist if i["key"] == "data_export")
            assert item["done_on"] == ticked.isoformat()  # LOST-2

    def test_a_debrief_is_completed_on_the_as_of_day_not_today(self, decided: Engine) -> None:
        run(decided)
        app, env = cli(decided)
        rid, answered = "R-globex-2026-12-31", date(2026, 12, 2)
        answers = [
            *("--real-reason", "champion left in May", "--really-lost-on", "2026-05-02"),
            *("--could-have-been-saved", "yes", "--how", "multi-thread before May"),
            *("--change", "alert the manager on SIG-6", "--complete", "--by", CARL),
        ]
        result = runner.invoke(
            app, ["debrief", rid, *answers, "--as-of", answered.isoformat()], env=env
        )
        assert result.exit_code == 0, result.output
        with session_scope(decided) as session:
            row = session.get(SaveExit, rid)
            assert row is not None
            assert row.debrief["completed_on"] == answered.isoformat()  # LOST-3

    def test_the_report_command_prints_met_1(self, decided: Engine) -> None:
        run(decided)
        app, env = cli(decided)
        result = runner.invoke(app, ["report", "--as-of", TODAY.isoformat()], env=env)
        assert result.exit_code == 0, result.output
        assert "Save metrics (MET-1)" in result.stdout
        assert "Attempt rate" in result.stdout
        result = runner.invoke(
            app, ["report", "--as-of", TODAY.isoformat(), "--by", "owner", "--json"], env=env
        )
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["overall"]["attempted"] == 2 and data["overall"]["saved"] == 1
        assert list(data["groups"]) == [CARL]

    def test_the_report_says_how_to_start_when_there_is_nothing(self, engine: Engine) -> None:
        app, env = cli(engine)
        result = runner.invoke(app, ["report"], env=env)
        assert result.exit_code == 0, result.output
        assert "no at-risk renewals triaged yet" in result.stdout
