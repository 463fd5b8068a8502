"""TIME-1..5 on plain values: which steps and messages are due for a renewal on a day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from renewals.account.domain import Segment
from renewals.playbook.timeline import (
    RenewalView,
    is_subscription,
    planned_messages,
    planned_tasks,
    team_load,
    workflow_id,
)
from renewals.policy import service as policy_service

POLICY = policy_service.load()
AS_OF = date(2026, 11, 24)


def view(days: int, segment: Segment = Segment.enterprise, **changes: object) -> RenewalView:
    values: dict[str, object] = {
        "renewal_id": "R-C1",
        "segment": segment,
        "arr": Decimal(150_000),
        "renewal_date": AS_OF + timedelta(days=days),
        "stage": "assessment",
        "health_category": "green",
        "opportunity_type": "flat",
        "motion": "efficient",
    }
    values.update(changes)
    # FUND-4 has its own tests: here the renewal falls mid-year in the customer's fiscal
    # year (month 7), where the budget moves no step and adds no task.
    renewal_month = values["renewal_date"].month  # type: ignore[attr-defined]
    values.setdefault("fiscal_year_start_month", (renewal_month + 5) % 12 + 1)
    return RenewalView(**values)  # type: ignore[arg-type]


def steps(days: int, segment: Segment = Segment.enterprise, **changes: object) -> dict[str, object]:
    return {
        t.step: t for t in planned_tasks(view(days, segment, **changes), as_of=AS_OF, policy=POLICY)
    }


class TestTasks:
    def test_enterprise_starts_at_t_minus_120(self) -> None:
        lookahead = POLICY.timelines.lookahead_days
        assert steps(120 + lookahead + 1) == {}
        first = steps(120 + lookahead)
        assert list(first) == ["internal_account_review"]
        task = first["internal_account_review"]
        assert task.rule == "TIME-1"  # type: ignore[attr-defined]
        assert task.due_date == AS_OF + timedelta(days=lookahead)  # type: ignore[attr-defined]
        assert not task.late  # type: ignore[attr-defined]

    def test_late_entry_gathers_passed_steps_into_one_catch_up_task(self) -> None:
        # TIME-4: an enterprise renewal entering 100 days out: T-120 passed before it
        # entered, so it is listed in one catch-up task (due in catch_up_due_days, not
        # overdue); T-90 is 10 days away, inside the look-ahead; T-60 is not yet.
        tasks = steps(100)
        assert set(tasks) == {"catch_up", "executive_business_review"}
        catch_up = tasks["catch_up"]
        assert catch_up.rule == "TIME-4"  # type: ignore[attr-defined]
        assert catch_up.covers == ("T-120",)  # type: ignore[attr-defined]
        assert not catch_up.late  # type: ignore[attr-defined]
        assert catch_up.due_date == AS_OF + timedelta(  # type: ignore[attr-defined]
            days=POLICY.timelines.catch_up_due_days
        )
        assert "Internal account review" in catch_up.description  # type: ignore[attr-defined]
        assert not tasks["executive_business_review"].late  # type: ignore[attr-defined]

    def test_a_renewal_entering_at_t30_gets_one_catch_up_for_four_steps(self) -> None:
        tasks = steps(30)
        assert tasks["catch_up"].covers == ("T-120", "T-90", "T-60", "T-45")  # type: ignore[attr-defined]
        assert not any(t.late for t in tasks.values())  # type: ignore[attr-defined]

    def test_a_step_passed_after_entry_is_overdue_not_caught_up(self) -> None:
        # Entered 30 days ago at T-130: T-120 came due after entry and is genuinely overdue.
        tasks = steps(100, entered_on=AS_OF - timedelta(days=30))
        assert "catch_up" not in tasks
        assert tasks["internal_account_review"].late  # type: ignore[attr-defined]

    def test_the_catch_up_task_is_never_due_after_the_renewal_date(self) -> None:
        tasks = steps(1)
        assert tasks["catch_up"].due_date == AS_OF + timedelta(days=1)  # type: ignore[attr-defined]

    def test_mid_market_t90_only_for_larger_accounts(self) -> None:
        # TIME-2: T-90 is optional, for larger accounts (min_arr in the policy).
        early = AS_OF - timedelta(days=30)
        large = steps(80, Segment.mid_market, arr=Decimal(60_000), entered_on=early)
        assert "internal_health_review" in large
        small = steps(80, Segment.mid_market, arr=Decimal(20_000), entered_on=early)
        assert "internal_health_review" not in small
        assert set(steps(60 + 14, Segment.mid_market, arr=Decimal(20_000))) == {"renewal_notice"}

    def test_smb_starts_at_t_minus_60(self) -> None:
        assert steps(60 + 15, Segment.smb, arr=Decimal(5_000)) == {}
        smb = steps(60 + 14, Segment.smb, arr=Decimal(5_000))
        assert list(smb) == ["automated_reminder"]
        assert smb["automated_reminder"].rule == "TIME-3"  # type: ignore[attr-defined]

    def test_smb_automated_steps_are_carried_out_by_the_system(self) -> None:
        # TIME-3: automated steps are the system's, with what it does; never a catch-up.
        smb = steps(10, Segment.smb, arr=Decimal(5_000))
        assert set(smb) == {
            "automated_reminder",
            "auto_proposal",
            "followup_reminder",
            "final_reminder",
        }
        assert all(t.automated for t in smb.values())  # type: ignore[attr-defined]
        assert "follow_up" in smb["followup_reminder"].automation  # type: ignore[attr-defined]
        assert "formal_notice" in smb["auto_proposal"].automation  # type: ignore[attr-defined]

    def test_the_message_an_automated_step_sends_comes_from_its_done_when(self) -> None:
        """TIME-3: matched by name, not by day: moving a step's day keeps its message."""
        moved = [
            s.model_copy(update={"offset_days": 21}) if s.key == "auto_proposal" else s
            for s in POLICY.timelines.smb
        ]
        policy = POLICY.model_copy(
            update={"timelines": POLICY.timelines.model_copy(update={"smb": moved})}
        )
        smb_view = view(10, Segment.smb, arr=Decimal(5_000))
        smb = {t.step: t for t in planned_tasks(smb_view, as_of=AS_OF, policy=policy)}
        assert "formal_notice message (T-21)" in smb["auto_proposal"].automation

    @pytest.mark.parametrize(
        "changes", [{"health_category": "red"}, {"opportunity_type": "at_risk"}]
    )
    def test_an_at_risk_or_red_smb_renewal_gets_people_not_automation(
        self, changes: dict[str, object]
    ) -> None:
        # TIME-5, SEG-2/3: a person handles these; passed steps go into the catch-up.
        smb = steps(10, Segment.smb, arr=Decimal(5_000), **changes)
        assert not any(t.automated for t in smb.values())  # type: ignore[attr-defined]
        assert smb["catch_up"].covers == ("T-60", "T-30", "T-14")  # type: ignore[attr-defined]

    def test_red_and_at_risk_paths_add_their_tasks(self) -> None:
        tasks = steps(200, health_category="red", opportunity_type="at_risk")
        assert set(tasks) == {"red_review_meeting", "save_plan_kickoff"}
        assert tasks["red_review_meeting"].rule == "SEG-2"  # type: ignore[attr-defined]
        assert tasks["save_plan_kickoff"].due_date == AS_OF + timedelta(days=3)  # type: ignore[attr-defined]

    def test_no_path_task_falls_due_after_the_renewal_date(self) -> None:
        # SAVE-6, TIME-4: an at-risk renewal a day out gets its kick-off due that day.
        tasks = steps(1, opportunity_type="at_risk")
        assert tasks["save_plan_kickoff"].due_date == AS_OF + timedelta(days=1)  # type: ignore[attr-defined]


class TestTeamLoad:
    def test_owners_over_capacity_are_reported_busiest_first(self) -> None:
        # SEG-1: enterprise 25 h over 120 days is about 1.46 h/week per renewal.
        many = [("a@x", Segment.enterprise, AS_OF + timedelta(days=30))] * 15
        few = [("b@x", Segment.smb, AS_OF + timedelta(days=30))] * 2
        later = [("b@x", Segment.smb, AS_OF + timedelta(days=200))]
        loads = team_load(many + few + later, as_of=AS_OF, policy=POLICY)
        assert [x.owner for x in loads] == ["a@x", "b@x"]
        assert loads[0].renewals == 15 and loads[0].over
        assert loads[0].hours_per_week == round(15 * 25 * 7 / 120, 1)
        assert loads[1].renewals == 2 and not loads[1].over


def msgs(days: int, **changes: object) -> dict[str, object]:
    return {m.step: m for m in planned_messages(view(days, **changes), as_of=AS_OF, policy=POLICY)}


class TestCampaign:
    @pytest.mark.parametrize(
        ("days", "expected"),
        [
            (91, set()),
            (90, {"owner_alert"}),
            (60, {"owner_alert", "heads_up"}),
            (30, {"owner_alert", "heads_up", "formal_notice"}),
        ],
    )
    def test_messages_by_day(self, days: int, expected: set[str]) -> None:
        assert set(msgs(days)) == expected

    def test_t14_escalates_only_outside_a_late_stage(self) -> None:
        assert "escalation" in msgs(14, stage="engagement")
        assert "escalation" not in msgs(14, stage="closing")
        assert msgs(14, stage="engagement")["escalation"].audience == "internal"  # type: ignore[attr-defined]

    def test_late_entry_sends_only_the_latest_customer_message(self) -> None:
        planned = msgs(20)
        assert planned["formal_notice"].superseded_by is None  # type: ignore[attr-defined]
        assert planned["heads_up"].superseded_by == "formal_notice"  # type: ignore[attr-defined]
        assert planned["owner_alert"].superseded_by is None  # type: ignore[attr-defined]

    def test_no_customer_message_after_the_renewal_date(self) -> None:
        planned = msgs(-3)
        assert {m.audience for m in planned.values()} == {"internal"}  # type: ignore[attr-defined]


class TestSubscriptions:
    """SEG-4 (issue 17): a contract shorter than touch.short_term_below_months is a
    subscription: no playbook of dated steps per billing period, one workflow per account."""

    def test_a_monthly_renewal_gets_no_dated_steps_and_no_campaign(self) -> None:
        monthly = view(10, Segment.mid_market, term_months=1, account_id="acc-1")
        assert planned_tasks(monthly, as_of=AS_OF, policy=POLICY) == []
        assert planned_messages(monthly, as_of=AS_OF, policy=POLICY) == []
        annual = view(10, Segment.mid_market, term_months=12, account_id="acc-1")
        assert planned_tasks(annual, as_of=AS_OF, policy=POLICY)  # a term contract still does

    def test_a_red_subscription_gets_the_path_once_per_account(self) -> None:
        may = view(10, Segment.enterprise, term_months=1, account_id="acc-1", health_category="red")
        june = view(
            40,
            Segment.enterprise,
            term_months=1,
            account_id="acc-1",
            health_category="red",
            renewal_id="R-C2",
        )
        tasks = planned_tasks(may, as_of=AS_OF, policy=POLICY)
        assert tasks and {t.rule for t in tasks} == {"SEG-2"}
        assert workflow_id(may, POLICY) == workflow_id(june, POLICY) == "subscription:acc-1"
        assert {t.key(workflow_id(may, POLICY)) for t in tasks} == {
            t.key(workflow_id(june, POLICY))
            for t in planned_tasks(june, as_of=AS_OF, policy=POLICY)
        }

    def test_an_smb_subscription_gets_automated_touches_only(self) -> None:
        red = view(
            10,
            Segment.smb,
            term_months=1,
            account_id="acc-1",
            health_category="red",
            opportunity_type="at_risk",
        )
        assert planned_tasks(red, as_of=AS_OF, policy=POLICY) == []

    def test_the_line_is_policy(self) -> None:
        monthly = view(10, Segment.smb, term_months=1, account_id="acc-1")
        off = POLICY.model_copy(
            update={"touch": POLICY.touch.model_copy(update={"short_term_below_months": 0})}
        )
        assert not is_subscription(monthly, off) and is_subscription(monthly, POLICY)
        assert workflow_id(monthly, off) == "R-C1"
