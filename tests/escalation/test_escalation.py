"""ESC-1 (when to escalate) on plain values; ESC-2 (brief and protocol steps) against a
real database (SQLite, and PostgreSQL when configured).

Personas: globex (at risk, 60,000 EUR, customer since 2022, one renewal behind it),
carl (its CSM), vera (VP, the executive who engages).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from renewals.account.models import Account, Stakeholder
from renewals.audit.models import AuditEvent
from renewals.contract.models import Contract
from renewals.db import session_scope
from renewals.escalation import commands, domain, service
from renewals.escalation.domain import EscalationFacts
from renewals.escalation.service import EscalationError
from renewals.policy import service as policy_service
from renewals.renewal.models import Renewal
from renewals.save_plan import plan_service
from renewals.save_plan.models import Escalation, SaveTriage
from renewals.signal.models import Signal
from renewals.user import service as user_service
from renewals.user.models import User

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
WITHIN = POLICY.escalation.engage_within_days
CARL, VERA = "carl@renewals.example", "vera@renewals.example"
R = "R-globex"

# A high-value at-risk renewal a competitor is circling: escalate (ESC-1).
circled = EscalationFacts(
    arr=Decimal("50000"),
    currency="EUR",
    strategic=False,
    effort="standard",
    plan_started_on=None,
    plan_effort=None,
    open_deal_breakers=0,
    executive_contacts=(),
    executive_signals=("competitive",),
)
quiet = replace(circled, executive_signals=())  # valuable, but nothing calls for an executive


def decide(facts: EscalationFacts, **policy: object) -> domain.EscalationDecision:
    escalation = POLICY.escalation.model_copy(update=policy)
    return domain.should_escalate(facts, as_of=TODAY, escalation=escalation, save=POLICY.save)


class TestShouldEscalate:
    @pytest.mark.parametrize(
        ("facts", "policy", "expected"),
        [
            pytest.param(circled, {}, True, id="50,000 and a competitor"),
            pytest.param(replace(circled, arr=Decimal("49999")), {}, False, id="49,999"),
            pytest.param(
                replace(circled, arr=Decimal("49999"), strategic=True), {}, True, id="strategic"
            ),
            pytest.param(
                replace(circled, arr=Decimal("49999"), strategic=True),
                {"strategic_always": False},
                False,
                id="strategic, but strategic_always off",
            ),
            pytest.param(
                circled, {"min_arr": Decimal("50001")}, False, id="min_arr raised to 50,001"
            ),
            pytest.param(quiet, {}, False, id="valuable but own options first"),
            pytest.param(replace(quiet, effort="full"), {}, True, id="full effort"),
            pytest.param(
                replace(
                    quiet,
                    plan_started_on=TODAY - timedelta(days=14),
                    plan_effort="standard",
                    open_deal_breakers=1,
                ),
                {},
                True,
                id="standard plan 14 days, deal-breaker open",
            ),
            pytest.param(
                replace(
                    quiet,
                    plan_started_on=TODAY - timedelta(days=13),
                    plan_effort="standard",
                    open_deal_breakers=1,
                ),
                {},
                False,
                id="standard plan 13 days",
            ),
            pytest.param(
                replace(
                    quiet,
                    plan_started_on=TODAY - timedelta(days=30),
                    plan_effort="standard",
                    open_deal_breakers=0,
                ),
                {},
                False,
                id="plan running, no deal-breaker open",
            ),
            pytest.param(
                replace(quiet, executive_contacts=("Dirk Bauer (decision maker)",)),
                {},
                True,
                id="executive relationship",
            ),
            pytest.param(
                replace(quiet, executive_signals=("business_change",)),
                {},
                True,
                id="business change",
            ),
            pytest.param(replace(circled, effort="none"), {}, False, id="no save effort"),
        ],
    )
    def test_esc_1_criteria(
        self, facts: EscalationFacts, policy: dict[str, object], expected: bool
    ) -> None:
        decision = decide(facts, **policy)
        assert decision.escalate is expected
        assert all(r.startswith(("ESC-1", "SAVE-5")) for r in decision.reasons)
        # The daily job's pre-screen never drops a renewal ESC-1 would escalate.
        could = domain.could_escalate(
            arr=facts.arr,
            strategic=facts.strategic,
            effort=facts.effort,
            escalation=POLICY.escalation.model_copy(update=policy),
        )
        assert could is (decision.criteria["value"] and facts.effort != "none")
        assert could or not decision.escalate

    def test_it_says_why_in_words_with_the_rule(self) -> None:
        yes = decide(circled)
        assert yes.reasons == [
            "ESC-1: ARR 50,000 EUR is at least 50,000 EUR (high-value account)",
            "ESC-1: executive-level problems: competitive (SIG-4)",
        ]
        assert yes.criteria == {
            "value": True,
            "own_options_exhausted": False,
            "executive_relationship": False,
            "executive_level_problems": True,
        }
        no = decide(replace(circled, arr=Decimal("49999")))
        assert no.reasons[0] == (
            "ESC-1: ARR 49,999 EUR is below 50,000 EUR and the account is not strategic: "
            "not worth an executive's time"
        )


class TestProtocolOrder:
    def test_steps_go_in_order(self) -> None:
        assert domain.check_next_step("suggested", 1) is None
        assert domain.check_next_step("brief", 2) is None
        assert domain.check_next_step("engaged", 3) is None
        assert domain.check_next_step("follow_through", 4) is None
        assert "the next is step 1" in (domain.check_next_step("suggested", 2) or "")
        assert "closed" in (domain.check_next_step("closed", 4) or "")
        assert "declined" in (domain.check_next_step("declined", 1) or "")
        assert "steps are 1-4" in (domain.check_next_step("suggested", 5) or "")

    def test_the_executive_engages_before_the_decision(self) -> None:
        renewal = TODAY + timedelta(days=3)
        assert domain.engage_by(
            as_of=TODAY, renewal_date=renewal, window="emergency", within=WITHIN
        ) == (TODAY + timedelta(days=2))
        assert domain.engage_by(
            as_of=TODAY, renewal_date=renewal, window="comprehensive", within=WITHIN
        ) == (renewal - timedelta(days=1))


# --- the database --------------------------------------------------------------------


def add_globex(session: Session, *, arr: str = "60000", strategic: bool = False) -> None:
    session.add(User(email=VERA, name="Vera VP", role="vp", active=True))
    session.add(User(email=CARL, name="Carl CSM", role="csm", active=True))
    session.add(
        Account(
            account_id="globex",
            name="Globex & Co",
            industry="Logistics",
            owner_email=CARL,
            strategic=strategic,
            customer_since=date(2022, 6, 15),
        )
    )
    renewal_date = TODAY + timedelta(days=50)
    session.add(
        Contract(
            contract_id="globex-2025",
            account_id="globex",
            start_date=renewal_date - timedelta(days=730),
            end_date=renewal_date - timedelta(days=365),
            arr=Decimal("52000"),
            currency="EUR",
            outcome="renewed",
            outcome_arr=Decimal(arr),
            closed_at=renewal_date - timedelta(days=365),
        )
    )
    session.add(
        Contract(
            contract_id="globex-2026",
            account_id="globex",
            start_date=renewal_date - timedelta(days=365),
            end_date=renewal_date,
            arr=Decimal(arr),
            currency="EUR",
        )
    )
    session.flush()
    session.add(
        Renewal(
            renewal_id=R,
            contract_id="globex-2026",
            account_id="globex",
            renewal_date=renewal_date,
            currency="EUR",
            current_arr=Decimal(arr),
            target_arr=Decimal(arr),
            segment="mid_market",
            opportunity_type="at_risk",
            touch_model="high",
            motion="csm_led",
            owner_role="csm",
            owner_email=CARL,
            stage="engagement",
            stage_since=TODAY - timedelta(days=10),
            health_score=41.0,
            health_category="red",
            risk="save",
            signals=["competitive"],
            decisions={},
            created_on=TODAY - timedelta(days=60),
            updated_on=TODAY,
        )
    )
    session.flush()
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
            time_window="compressed",
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
    session.add(
        Signal(
            account_id="globex",
            kind="competitive",
            rule="SIG-4",
            severity="high",
            source="ticket",
            source_id="T1",
            source_date=TODAY - timedelta(days=4),
            first_seen_on=TODAY - timedelta(days=4),
            last_seen_on=TODAY,
            evidence="We are evaluating Contoso because exports keep failing.",
            facts={},
        )
    )
    session.add(
        Stakeholder(
            stakeholder_id="dirk",
            account_id="globex",
            name="Dirk Bauer",
            role="decision_maker",
            last_engaged_at=TODAY - timedelta(days=200),
        )
    )
    session.flush()


class TestSuggest:
    def test_it_suggests_once(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            first = service.suggest(session, as_of=TODAY, policy=POLICY)
            again = service.suggest(session, as_of=TODAY, policy=POLICY)
            rows = session.scalars(select(Escalation)).all()
            assert (first.created, again.created, again.existing) == (1, 0, 1)
            assert [(r.renewal_id, r.status) for r in rows] == [(R, "suggested")]
            assert "ESC-1: executive-level problems: competitive (SIG-4)" in rows[0].reasons

    def test_it_leaves_a_small_account_alone(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session, arr="49999")
            report = service.suggest(session, as_of=TODAY, policy=POLICY)
            assert (report.created, report.not_needed) == (0, 1)


class TestBrief:
    def test_it_has_history_problems_plan_goal_talking_points_and_timing(
        self, engine: Engine
    ) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            plan_service.start_plan(session, R, by=CARL, as_of=TODAY, policy=POLICY)
            service.suggest(session, as_of=TODAY, policy=POLICY)
            result = service.brief(session, R, by=CARL, as_of=TODAY, policy=POLICY)
            stored = session.scalars(select(Escalation.brief)).one()
        text = result.markdown
        assert stored == text
        assert text.startswith("# Executive brief: Globex & Co")
        # account history
        assert "Customer since: 15 June 2022 (4 years)" in text
        assert "Renewals so far: 1 (1 renewed)" in text
        assert "globex-2025: 2025-01-13 to 2026-01-13, 52,000 EUR, renewed at 60,000 EUR" in text
        # current problems and the save plan
        assert "They are comparing us with an alternative (SIG-4)" in text
        assert "**(deal-breaker)**" in text
        assert "Plan started on 24 November 2026 (compressed, standard effort, fast fix on)" in text
        # goal, talking points, timing
        assert "## Goal of your involvement" in text
        assert "Secure Dirk Bauer (decision maker)'s commitment to the save plan" in text
        assert "with a fair comparison before they decide on an alternative" in text
        assert "1. Thank Globex & Co for 4 years as a customer (since 2022-06-15)." in text
        assert "No concession is approved: do not offer one on the call" in text
        assert "Engage by 1 December 2026" in text  # compressed: within 7 days
        assert "## Why this escalation (ESC-1)" in text
        # HTML: same facts, escaped
        assert "<h1>Executive brief: Globex &amp; Co</h1>" in result.html
        assert "Globex & Co" not in result.html

    def test_it_reads_in_its_readers_language(self, engine: Engine) -> None:
        """Issue 22: the brief is internal: it reads in the executive's (else the owner's)
        language from the one English template; names, rule IDs and figures as they are."""
        with session_scope(engine) as session:
            add_globex(session)
            plan_service.start_plan(session, R, by=CARL, as_of=TODAY, policy=POLICY)
            service.suggest(session, as_of=TODAY, policy=POLICY)
            user_service.set_language(session, CARL, "de", actor="test")
            result = service.brief(session, R, by=CARL, as_of=TODAY, policy=POLICY)
        text = result.markdown
        assert text.startswith("# Briefing für die Geschäftsführung: Globex & Co")
        assert "Kunde seit: 15. Juni 2022 (4 Jahre)" in text
        assert "## Ziel Ihres Einsatzes" in text
        assert "Die Zusage von Dirk Bauer" in text and "fairen Vergleich" in text
        assert "1. Globex & Co für 4 Jahre als Kunde danken (seit 2022-06-15)." in text
        assert "## Warum diese Eskalation (ESC-1)" in text
        assert "ESC-1: Probleme auf Führungsebene" in text
        assert "Goal of your involvement" not in text and "Talking points" not in text
        assert '<html lang="de">' in result.html

    def test_a_brief_without_a_suggestion_records_who_asked(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session, arr="20000")
            result = service.brief(
                session, R, by=CARL, as_of=TODAY, policy=POLICY, goal="Meet their CFO"
            )
            assert result.escalation.reasons[-1] == f"requested by {CARL}"
            assert result.escalation.goal == "Meet their CFO"
            assert "Meet their CFO." in result.markdown
            assert "The ask: Meet their CFO." in result.markdown


class TestSteps:
    def test_the_four_steps_advance_in_order_with_who_and_when(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            service.suggest(session, as_of=TODAY, policy=POLICY)

            def step(n: int, **kwargs: object) -> Escalation:
                return service.advance_step(
                    session, R, n, by=CARL, on=TODAY, policy=POLICY, **kwargs
                )  # type: ignore[arg-type]

            with pytest.raises(EscalationError, match="the next is step 1"):
                step(2, executive_email=VERA)
            assert step(1).status == "brief"
            assert session.scalars(select(Escalation.brief)).one().startswith("# Executive")
            with pytest.raises(EscalationError, match="needs the executive"):
                step(2)
            assert step(2, executive_email=VERA).executive_email == VERA
            with pytest.raises(EscalationError, match="needs a note"):
                step(3)
            step(3, note="Vera offered a roadmap call; Carl sends weekly updates")
            row = step(4, note="Engage the decision maker earlier next time")
            assert row.status == "closed"
            assert [(s["step"], s["status"], s["by"], s["on"]) for s in row.steps] == [
                (1, "brief", CARL, "2026-11-24"),
                (2, "engaged", CARL, "2026-11-24"),
                (3, "follow_through", CARL, "2026-11-24"),
                (4, "closed", CARL, "2026-11-24"),
            ]
            assert row.steps[1]["executive"] == VERA
            with pytest.raises(EscalationError, match="closed"):
                step(4, note="again")
            actions = session.scalars(
                select(AuditEvent.action).where(AuditEvent.entity == "escalation")
            ).all()
            assert actions == [
                "escalation.suggest",
                "escalation.brief",
                "escalation.step",
                "escalation.step",
                "escalation.step",
                "escalation.step",
            ]

    def test_a_declined_suggestion_takes_no_steps(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            service.suggest(session, as_of=TODAY, policy=POLICY)
            service.decline(session, R, by=CARL, on=TODAY, reason="the CSM has it in hand")
            with pytest.raises(EscalationError, match="declined"):
                service.advance_step(session, R, 1, by=CARL, on=TODAY, policy=POLICY)
            assert service.list_escalations(session) == []
            assert len(service.list_escalations(session, include_ended=True)) == 1


class TestCommands:
    def test_list_brief_and_step(self, engine: Engine, tmp_path: Path) -> None:
        with session_scope(engine) as session:
            add_globex(session)
            service.suggest(session, as_of=TODAY, policy=POLICY)
        app = typer.Typer()

        @app.callback()
        def root() -> None:
            """Test root."""

        app.add_typer(commands.app, name="escalation")
        env = {"RENEWALS_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
        runner = CliRunner()
        result = runner.invoke(app, ["escalation", "list", "--json"], env=env)
        assert result.exit_code == 0, result.output
        assert [
            (r["renewal_id"], r["status"], r["step"])
            for r in map(json.loads, result.stdout.splitlines())
        ] == [(R, "suggested", 0)]
        page = tmp_path / "brief.html"
        result = runner.invoke(
            app,
            ["escalation", "brief", R, "--by", CARL, "--html", str(page), "--as-of", "2026-11-24"],
            env=env,
        )
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("# Executive brief: Globex & Co")
        assert page.read_text(encoding="utf-8").startswith("<!doctype html>")
        result = runner.invoke(app, ["escalation", "step", R, "2", "--by", CARL], env=env)
        assert result.exit_code == 1 and "the next is step 1" in result.stderr
        result = runner.invoke(app, ["escalation", "step", R, "1", "--by", CARL], env=env)
        assert result.exit_code == 0 and "now brief" in result.stdout
