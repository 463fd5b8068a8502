"""FUND-4 on plain values: the customer's fiscal year times the budget ask and the steps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from renewals.account.domain import Segment
from renewals.kit.calendar import fiscal_year_start
from renewals.playbook.timeline import RenewalView, planned_tasks, schedule
from renewals.policy import service as policy_service
from renewals.renewal.budget import Phase, timing

POLICY = policy_service.load()
NOVEMBER = date(2027, 11, 15)


def view(
    renewal_date: date, fiscal_month: int, segment: Segment = Segment.mid_market
) -> RenewalView:
    return RenewalView(
        "R-C1", segment, Decimal(40_000), renewal_date, "assessment", "green", "flat",
        "efficient", None, fiscal_month,
    )  # fmt: skip


class TestFiscalYear:
    @pytest.mark.parametrize(
        ("day", "start_month", "start"),
        [
            (date(2027, 11, 15), 1, date(2027, 1, 1)),
            (date(2027, 11, 15), 7, date(2027, 7, 1)),
            (date(2027, 3, 1), 7, date(2026, 7, 1)),
            (date(2027, 7, 1), 7, date(2027, 7, 1)),
        ],
    )
    def test_start_of_the_year_holding_the_day(
        self, day: date, start_month: int, start: date
    ) -> None:
        assert fiscal_year_start(day, start_month) == start

    def test_month_13_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="month 1-12"):
            fiscal_year_start(NOVEMBER, 13)


class TestNovemberRenewal:
    """The seed's example: a November renewal, calendar year against a June fiscal year."""

    def test_calendar_year_plans_next_years_budget_now(self) -> None:
        t = timing(NOVEMBER, 1, lead_days=90, policy=POLICY.budget)
        assert t.phase == Phase.year_end
        assert t.fiscal_month == 11
        assert t.ask_date == date(2027, 10, 1)  # 3 planning months before 1 January
        assert t.check_due == date(2027, 10, 1)
        assert t.payment_gap_days == (date(2028, 1, 1) - NOVEMBER).days
        assert "FUND-4" in t.reasons[0]

    def test_june_fiscal_year_renews_mid_year_from_the_allocated_budget(self) -> None:
        t = timing(NOVEMBER, 7, lead_days=90, policy=POLICY.budget)
        assert t.phase == Phase.mid_year
        assert t.fiscal_month == 5
        assert t.ask_date == date(2027, 4, 1)
        assert t.check_due == date(2027, 8, 17)  # the motion's start: T-90
        assert not t.pulls_forward
        assert t.payment_gap_days == 0

    def test_the_two_get_different_task_dates(self) -> None:
        calendar = {s.step: s.due_date for s in schedule(view(NOVEMBER, 1), POLICY)}
        june = {s.step: s.due_date for s in schedule(view(NOVEMBER, 7), POLICY)}
        assert calendar["budget_check"] == date(2027, 10, 1)
        assert "budget_check" not in june


class TestNewBudget:
    def test_terms_move_up_to_the_ask_before_the_budget_is_set(self) -> None:
        # A February renewal, calendar year: the budget is set from 1 October before.
        february = date(2027, 2, 15)
        t = timing(february, 1, lead_days=90, policy=POLICY.budget)
        assert t.phase == Phase.new_budget
        assert t.ask_date == date(2026, 10, 1)
        planned = {s.step: s for s in schedule(view(february, 1), POLICY)}
        notice = planned["renewal_notice"]
        assert notice.due_date == date(2026, 10, 1)
        assert notice.moved_from == date(2026, 12, 17)  # T-60
        assert planned["proposal"].moved_from is None  # not a pricing-float step
        assert planned["budget_check"].due_date == date(2026, 10, 1)

    def test_the_task_says_why_it_moved(self) -> None:
        february = date(2027, 2, 15)
        tasks = {
            t.step: t
            for t in planned_tasks(view(february, 1), as_of=date(2026, 9, 25), policy=POLICY)
        }
        assert tasks["budget_check"].rule == "FUND-4"
        assert tasks["budget_check"].due_date == date(2026, 10, 1)
        assert "moved up to the budget ask date" in tasks["renewal_notice"].description

    def test_an_ask_beyond_max_lead_days_is_the_previous_cycle(self) -> None:
        # 31 March, calendar year: the ask (1 October) is 181 days before: last cycle.
        t = timing(date(2027, 3, 31), 1, lead_days=90, policy=POLICY.budget)
        assert t.phase == Phase.new_budget
        assert not t.pulls_forward
        assert "last cycle" in t.reasons[-1]


def test_smb_gets_no_budget_task_but_its_reminder_moves() -> None:
    february = date(2027, 2, 15)
    planned = {s.step: s for s in schedule(view(february, 1, Segment.smb), POLICY)}
    assert "budget_check" not in planned  # FUND-4 check_segments: SMB is automated
    assert planned["automated_reminder"].due_date == date(2026, 10, 1)
