"""FUND-4 budget cycles on plain values: when the customer sets the budget a renewal needs.

"Understanding each customer's budget cycle helps you time conversations and set
realistic expectations. A November renewal for a calendar-year company is very different
from a November renewal for a company with a June fiscal year." (Renewal Fundamentals)

A customer sets next fiscal year's budget in the `planning_months` before that year starts
(a product default: the seeds give no number). Where the renewal falls in the customer's
fiscal year decides what the team must do, and when:

- new_budget: the renewal comes in the first `new_budget_months` of a fiscal year, so its
  money is in the budget being set just before: ask before that planning starts. This is
  often earlier than the segment's playbook would talk about terms, so the steps that
  float terms and pricing (`pull_forward_steps`) move up to the ask date.
- year_end: the renewal comes while the customer plans next year (the last
  `planning_months` of its year): this year's budget is nearly spent and next year's is
  being set. Ask at the start of that planning: the renewal and any increase go in it,
  and a renewal that needs new money may wait for the new year (the payment gap).
- mid_year: the budget was allocated at the start of the year: the renewal must fit what
  was set; any increase waits for next year's budget. The budget check belongs at the
  start of the renewal's motion.

An ask date more than `max_lead_days` before the renewal belongs to the previous cycle.
No clock: everything follows from the renewal date and the fiscal-year start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from renewals.kit.calendar import add_months, fiscal_year_start
from renewals.kit.i18n import Text
from renewals.kit.locale import month_name
from renewals.policy.domain import Budget

BUDGET_STEP = "budget_check"


class Phase(StrEnum):
    new_budget = "new_budget"
    mid_year = "mid_year"
    year_end = "year_end"


@dataclass(frozen=True)
class BudgetTiming:
    """FUND-4 for one renewal: its place in the customer's fiscal year and the ask date."""

    fiscal_year_start_month: int
    fiscal_month: int  # 1-12: the renewal's month within the customer's fiscal year
    fiscal_year_start: date  # the fiscal year holding the renewal date
    next_fiscal_year_start: date
    phase: Phase
    ask_date: date  # when to ask for the budget that pays for the renewal (or any increase)
    check_due: date  # when the budget-check task falls due
    pulls_forward: bool  # the ask comes before the steps that float terms: move them up
    payment_gap_days: int  # year_end: renewal date to the new budget (0 otherwise)
    reasons: tuple[str, ...]

    def step_due(self, step: str, due: date, policy: Budget) -> date:
        """A playbook step's due date: a step that floats terms and pricing comes no later
        than the ask date when the ask is the earlier (FUND-4)."""
        if self.pulls_forward and step in policy.pull_forward_steps and self.ask_date < due:
            return self.ask_date
        return due

    def describe_year(self) -> str:
        if self.fiscal_year_start_month == 1:
            return Text("calendar year")
        return Text(
            "fiscal year {first}-{last}",
            first=month_name(self.fiscal_year_start_month),
            last=month_name((self.fiscal_year_start_month - 2) % 12 + 1),
        )


def timing(
    renewal_date: date, fiscal_year_start_month: int, *, lead_days: int, policy: Budget
) -> BudgetTiming:
    """FUND-4: the renewal's budget phase, ask date and budget-check due date.

    `lead_days` is when the renewal's motion starts (SEG-1): a mid-year renewal's budget
    check falls due then, since its budget was set long before."""
    start = fiscal_year_start(renewal_date, fiscal_year_start_month)
    following = add_months(start, 12)
    month = (renewal_date.year - start.year) * 12 + renewal_date.month - start.month + 1
    planning = policy.planning_months
    motion_start = renewal_date - timedelta(days=lead_days)
    year = (
        Text("calendar year")
        if fiscal_year_start_month == 1
        else Text("fiscal year starting in {month}", month=month_name(fiscal_year_start_month))
    )
    where = Text(
        "FUND-4: the renewal on {renewal_date} is in month {month} of the customer's {year}",
        renewal_date=renewal_date,
        month=month,
        year=year,
    )
    gap = 0
    if month <= policy.new_budget_months:
        phase = Phase.new_budget
        ask = add_months(start, -planning)
        why = Text(
            "{where}: it comes right after the new budget (first {months} months), set from "
            "{ask} (the {planning} months before {start}): ask before then",
            where=where,
            months=policy.new_budget_months,
            ask=ask,
            planning=planning,
            start=start,
        )
    elif month > 12 - planning:
        phase = Phase.year_end
        ask = add_months(following, -planning)
        gap = (following - renewal_date).days
        why = Text(
            "{where}: this year's budget is nearly spent and next year's is set from {ask} "
            "(the {planning} months before {following}): put the renewal and any increase in "
            "it; new money may wait for {following} ({gap} days after the renewal date)",
            where=where,
            ask=ask,
            planning=planning,
            following=following,
            gap=gap,
        )
    else:
        phase = Phase.mid_year
        ask = add_months(start, -planning)
        why = Text(
            "{where}: mid-year: the budget was allocated for the year from {start} (set from "
            "{ask}); the renewal must fit it and any increase waits for next year's budget, "
            "asked from {next_ask}",
            where=where,
            start=start,
            ask=ask,
            next_ask=add_months(following, -planning),
        )
    reasons = [why]
    in_cycle = (renewal_date - ask).days <= policy.max_lead_days
    if phase != Phase.mid_year and in_cycle:
        check_due = ask
        pulls = True
        reasons.append(
            Text(
                "FUND-4: budget check due {ask}; the steps that float terms and pricing come "
                "no later than it (before the motion's usual start, {start})",
                ask=ask,
                start=motion_start,
            )
            if ask < motion_start
            else Text(
                "FUND-4: budget check due {ask}; the steps that float terms and pricing come no later than it",
                ask=ask,
            )
        )
    else:
        check_due = motion_start
        pulls = False
        days = (renewal_date - ask).days
        reasons.append(
            Text(
                "FUND-4: its budget was set from {ask}, {days} days before the renewal: check "
                "at the motion's start ({start}) that the renewal is in it",
                ask=ask,
                days=days,
                start=motion_start,
            )
            if phase == Phase.mid_year
            else Text(
                "FUND-4: its budget was set from {ask}, {days} days before the renewal (over "
                "{limit}: last cycle): check at the motion's start ({start}) that the renewal "
                "is in it",
                ask=ask,
                days=days,
                limit=policy.max_lead_days,
                start=motion_start,
            )
        )
    return BudgetTiming(
        fiscal_year_start_month,
        month,
        start,
        following,
        phase,
        ask,
        check_due,
        pulls,
        gap,
        tuple(reasons),
    )


def check_task_title(t: BudgetTiming) -> str:
    titles = {
        Phase.new_budget: Text(
            "Budget check: get the renewal into the budget they are about to set"
        ),
        Phase.year_end: Text(
            "Budget check: next year's budget is being set: renewal and any increase in it"
        ),
        Phase.mid_year: Text(
            "Budget check: confirm the renewal is in this year's allocated budget"
        ),
    }
    return titles[t.phase]
