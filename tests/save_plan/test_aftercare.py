"""LOST-1..4 and POST-1/2 on plain values (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from renewals.policy import service as policy_service
from renewals.save_plan import aftercare as rules
from renewals.save_plan.aftercare import LostCause, LostCauseFacts, Promise, SignalSeen

POLICY = policy_service.load()
TODAY = date(2026, 11, 24)

# A mid-market renewal at risk but not lost: nothing below makes it a lost cause.
globex = LostCauseFacts(
    renewal_id="R-globex",
    arr=Decimal("48000"),
    strategic=False,
    probability_band="medium",
    root_cause="service_experience",
    root_cause_confirmed=False,
    signals=("negative_feedback", "usage_decline"),
    engaged_stakeholders=2,
    save_hours=POLICY.save.effort_hours.standard,
    hourly_rate=POLICY.roi.loaded_hourly_rate,
    inputs={},
)


class TestLostCause:
    def test_it_finds_no_lost_cause_in_an_ordinary_at_risk_renewal(self) -> None:
        decision = rules.lost_cause(globex)
        assert not decision.lost
        assert decision.reasons == ()

    def test_it_calls_a_contract_churned_to_a_competitor_signed_with_a_competitor(self) -> None:
        facts = replace(globex, contract_outcome="churned", competitor="Rivalry Inc")
        decision = rules.lost_cause(facts)
        assert decision.causes == (LostCause.signed_with_competitor,)
        assert "Rivalry Inc" in decision.reasons[0]
        assert decision.reasons[0].startswith("LOST-1: signed with a competitor")

    def test_it_takes_the_csms_chosen_alternative_as_signed_with_a_competitor(self) -> None:
        decision = rules.lost_cause(replace(globex, inputs={"alternative": "chosen"}))
        assert decision.causes == (LostCause.signed_with_competitor,)
        assert "recorded the alternative" in decision.reasons[0]

    def test_an_alternative_being_evaluated_is_not_lost(self) -> None:
        assert not rules.lost_cause(replace(globex, inputs={"alternative": "evaluating"})).lost

    def test_it_needs_a_confirmed_product_fit_and_a_low_band_for_a_product_fit_lost_cause(
        self,
    ) -> None:
        fit_low = replace(
            globex, root_cause="product_fit", root_cause_confirmed=True, probability_band="low"
        )
        assert rules.lost_cause(fit_low).causes == (LostCause.product_fit,)
        assert "confirmed by the CSM" in rules.lost_cause(fit_low).reasons[0]
        assert not rules.lost_cause(replace(fit_low, probability_band="medium")).lost
        assert not rules.lost_cause(replace(fit_low, root_cause="value_perception")).lost
        # Suggested from a competitive signal only: not yet a lost cause.
        assert not rules.lost_cause(replace(fit_low, root_cause_confirmed=False)).lost

    def test_it_calls_disengagement_with_nobody_engaged_a_refusal_to_engage(self) -> None:
        silent = replace(globex, signals=("engagement_drop",), engaged_stakeholders=0)
        assert rules.lost_cause(silent).causes == (LostCause.refuses_to_engage,)
        # One engaged stakeholder is someone to talk to.
        assert not rules.lost_cause(replace(silent, engaged_stakeholders=1)).lost
        # No one engaged but no disengagement evidence: not a refusal.
        assert not rules.lost_cause(replace(silent, signals=())).lost

    def test_stakeholders_recorded_as_checked_out_count_as_disengagement(self) -> None:
        facts = replace(globex, engaged_stakeholders=0, inputs={"willingness": "checked_out"})
        decision = rules.lost_cause(facts)
        assert decision.causes == (LostCause.refuses_to_engage,)
        assert "checked out" in decision.reasons[0]

    def test_it_calls_a_save_costing_more_than_the_arr_a_lost_cause(self) -> None:
        # SAVE-1, ROI-1: 15 h (a standard save) x 144 = 2,160 > 2,000 ARR.
        small = replace(globex, arr=Decimal("2000"))
        decision = rules.lost_cause(small)
        assert decision.causes == (LostCause.save_cost_exceeds_value,)
        assert "2,160 > ARR 2,000" in decision.reasons[0]
        # At exactly the cost it is not more than the value.
        assert not rules.lost_cause(replace(globex, arr=Decimal("2160"))).lost

    def test_a_strategic_account_is_never_lost_on_cost_alone(self) -> None:
        assert not rules.lost_cause(replace(globex, arr=Decimal("2000"), strategic=True)).lost

    def test_it_lists_every_criterion_met(self) -> None:
        facts = replace(
            globex,
            arr=Decimal("2000"),
            root_cause="product_fit",
            root_cause_confirmed=True,
            probability_band="low",
            signals=("engagement_drop", "competitive"),
            engaged_stakeholders=0,
            inputs={"alternative": "chosen"},
        )
        assert rules.lost_cause(facts).causes == (
            LostCause.signed_with_competitor,
            LostCause.product_fit,
            LostCause.refuses_to_engage,
            LostCause.save_cost_exceeds_value,
        )

    def test_a_declared_cause_reads_like_a_detected_one(self) -> None:
        text = rules.declared_reason(LostCause.final_decision, "CFO said no", "carl@x.example")
        assert text == (
            "LOST-1: final, non-negotiable decision: declared by carl@x.example: CFO said no"
        )


class TestGracefulExit:
    def test_the_checklist_has_the_five_lost_2_items_undone(self) -> None:
        checklist = rules.exit_checklist()
        assert [i["key"] for i in checklist] == [
            "data_export",
            "knowledge_transfer",
            "offboarding_support",
            "continued_service",
            "door_open",
        ]
        assert not any(i["done"] for i in checklist)
        assert not rules.checklist_done(checklist)

    def test_ticking_every_item_completes_it_and_undo_reopens(self) -> None:
        checklist = rules.exit_checklist()
        for key in rules.EXIT_KEYS:
            checklist = rules.tick(checklist, key, done=True, by="carl", on=TODAY)
        assert rules.checklist_done(checklist)
        assert checklist[0]["done_on"] == "2026-11-24" and checklist[0]["by"] == "carl"
        checklist = rules.tick(checklist, "door_open", done=False, by="carl", on=TODAY)
        assert not rules.checklist_done(checklist)
        assert checklist[-1]["done_on"] is None

    def test_ticking_returns_a_new_list(self) -> None:
        checklist = rules.exit_checklist()
        rules.tick(checklist, "data_export", done=True, by="carl", on=TODAY)
        assert not checklist[0]["done"]

    def test_an_unknown_item_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="data_export"):
            rules.tick(rules.exit_checklist(), "party", done=True, by="carl", on=TODAY)


class TestDebrief:
    signals = [
        SignalSeen("stakeholder_change", "SIG-6", "high", date(2026, 5, 2), "champion left"),
        SignalSeen("usage_decline", "SIG-7", "medium", date(2026, 7, 1), "-35% in 30 days"),
        SignalSeen("competitive", "SIG-4", "high", date(2026, 10, 1), "looking at Rivalry"),
        SignalSeen("budget", "SIG-5", "low", date(2025, 1, 1), "old budget remark"),
    ]

    def test_missed_signals_are_those_first_seen_before_the_decision_since_the_start(
        self,
    ) -> None:
        found = rules.missed_signals(
            self.signals, decided_on=date(2026, 10, 1), since=date(2026, 1, 1)
        )
        assert [s.kind for s in found] == ["stakeholder_change", "usage_decline"]

    def test_the_template_prefills_what_the_data_knows(self) -> None:
        missed = rules.missed_signals(self.signals, decided_on=date(2026, 10, 1))
        debrief = rules.debrief_template(
            told_on=date(2026, 10, 1),
            stated_reason="price",
            competitor="Rivalry Inc",
            signals=missed,
            outcome="churned",
        )
        assert debrief["told_on"] == "2026-10-01"
        assert debrief["earliest_warning_on"] == "2025-01-01"
        assert debrief["stated_reason"] == "price"
        assert debrief["competitor"] == "Rivalry Inc"
        assert [s["kind"] for s in debrief["missed_signals"]] == [
            "budget",
            "stakeholder_change",
            "usage_decline",
        ]
        for question in rules.DEBRIEF_QUESTIONS:
            assert question in debrief
        assert rules.debrief_missing(debrief) == [
            "real_reasons",
            "really_lost_on",
            "could_have_been_saved",
            "what_to_change",
        ]

    def test_answers_append_to_lists_and_validate(self) -> None:
        debrief = rules.debrief_template(
            told_on=TODAY, stated_reason=None, competitor=None, signals=[]
        )
        debrief = rules.update_debrief(debrief, {"real_reasons": ["champion left"]})
        debrief = rules.update_debrief(
            debrief,
            {
                "real_reasons": ["champion left", "no exec sponsor"],
                "really_lost_on": date(2026, 5, 2),
                "could_have_been_saved": "yes",
            },
        )
        assert debrief["real_reasons"] == ["champion left", "no exec sponsor"]
        assert debrief["really_lost_on"] == "2026-05-02"
        assert rules.debrief_missing(debrief) == ["what_to_change", "how"]
        with pytest.raises(ValueError, match="could_have_been_saved"):
            rules.update_debrief(debrief, {"could_have_been_saved": "maybe"})
        with pytest.raises(ValueError, match="no debrief field"):
            rules.update_debrief(debrief, {"mood": "sad"})

    def test_prefill_keeps_answers_and_fills_blanks(self) -> None:
        template = rules.debrief_template(
            told_on=TODAY, stated_reason="price", competitor="Rivalry", signals=[]
        )
        merged = rules.prefill({"real_reasons": ["budget cut"], "competitor": None}, template)
        assert merged["real_reasons"] == ["budget cut"]
        assert merged["competitor"] == "Rivalry"


class TestWinback:
    def test_touches_at_3_6_and_12_months(self) -> None:
        touches = rules.winback_touches(date(2026, 3, 15), POLICY.winback.touch_months)
        assert [(t.months, t.due_date, t.kind) for t in touches] == [
            (3, date(2026, 6, 15), "check_in"),
            (6, date(2026, 9, 15), "updates"),
            (12, date(2027, 3, 15), "win_back"),
        ]
        assert touches[0].key("R-1") == "winback:R-1:3"
        assert touches[2].step == "winback_12m"
        assert "formal win-back conversation" in touches[2].description

    def test_month_end_churn_lands_on_the_last_day_of_shorter_months(self) -> None:
        touches = rules.winback_touches(date(2026, 1, 31), [1, 3, 6, 12])
        assert [t.due_date for t in touches] == [
            date(2026, 2, 28),
            date(2026, 4, 30),
            date(2026, 7, 31),
            date(2027, 1, 31),
        ]
        assert rules.add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)  # leap year

    def test_the_churn_date_is_the_contract_end_unless_closed_later(self) -> None:
        end = date(2026, 12, 31)
        assert rules.churn_date(end, date(2026, 10, 2)) == end
        assert rules.churn_date(end, date(2027, 1, 10)) == date(2027, 1, 10)
        assert rules.churn_date(end, None) == end


class TestPostSaveMonitoring:
    window = rules.monitoring_window(
        date(2026, 1, 31),
        fragile_months=int(POLICY.post_save.fragile_months.max),
        cadence_days=POLICY.post_save.health_check_days,
    )

    def test_the_window_is_the_fragile_months_from_the_save(self) -> None:
        assert self.window.monitor_until == date(2027, 1, 31)
        assert self.window.cadence_days == 7
        assert not rules.monitoring_ended(self.window, as_of=date(2027, 1, 31))
        assert rules.monitoring_ended(self.window, as_of=date(2027, 2, 1))

    def test_weekly_checks_come_due_up_to_a_week_ahead(self) -> None:
        dates = rules.health_check_dates(self.window, as_of=date(2026, 2, 1), lookahead_days=7)
        assert dates == [date(2026, 2, 7)]
        dates = rules.health_check_dates(self.window, as_of=date(2026, 2, 7), lookahead_days=7)
        assert dates == [date(2026, 2, 7), date(2026, 2, 14)]

    def test_checks_already_superseded_by_a_later_one_are_skipped(self) -> None:
        # A month without runs: one current check and the next, no backlog.
        dates = rules.health_check_dates(self.window, as_of=date(2026, 3, 10), lookahead_days=7)
        assert dates == [date(2026, 3, 7), date(2026, 3, 14)]

    def test_no_checks_after_the_window(self) -> None:
        dates = rules.health_check_dates(self.window, as_of=date(2027, 1, 29), lookahead_days=7)
        assert dates == [date(2027, 1, 23), date(2027, 1, 30)]
        assert all(d <= self.window.monitor_until for d in dates)
        assert rules.health_check_dates(self.window, as_of=date(2027, 3, 1)) == []


class TestPromises:
    promise = Promise(7, "Fix the export bug", "carl@x.example", TODAY, "in_progress")

    def test_a_promise_due_today_is_not_overdue_yet(self) -> None:
        assert not rules.is_overdue(self.promise, as_of=TODAY)
        assert rules.is_overdue(self.promise, as_of=date(2026, 11, 25))

    def test_done_but_not_verified_is_still_overdue(self) -> None:
        done = replace(self.promise, status="done", completed_on=date(2026, 11, 20))
        assert rules.is_overdue(done, as_of=date(2026, 11, 30))
        text = rules.promise_progress(done, as_of=date(2026, 11, 30))
        assert text == (
            "6 days overdue (due 2026-11-24); done on 2026-11-20; completion not "
            "communicated to the customer; not verified by the customer"
        )

    def test_verified_dropped_or_undated_promises_are_never_overdue(self) -> None:
        later = date(2027, 1, 1)
        assert not rules.is_overdue(replace(self.promise, status="verified"), as_of=later)
        assert not rules.is_overdue(replace(self.promise, status="dropped"), as_of=later)
        assert not rules.is_overdue(replace(self.promise, due_date=None), as_of=later)
