"""The save desk as the JSON API shows it: triage (SAVE-2..7) and plan (SAVE-8..11)."""

from __future__ import annotations

from datetime import date
from typing import Any

from renewals.web.api_common import Out


class TriageRead(Out):
    """SAVE-2..7 for one at-risk renewal: each field with its reasons; overrides win."""

    renewal_id: str
    account_id: str
    as_of: date
    status: str
    probability_band: str
    success_rate: float
    value_tier: str
    root_cause: str
    root_cause_confirmed: bool
    time_window: str
    effort: str
    expected_value_hours: float
    reasons: dict[str, Any]
    facts: dict[str, Any]
    inputs: dict[str, Any]
    overrides: dict[str, Any]
    updated_on: date
    closed_on: date | None


class ProblemRead(Out):
    problem_id: int
    description: str
    # what the product says about the problem, as a message key and its values (SAVE-8;
    # None for a problem a person wrote, or one stored before), and the customer's own words
    summary: dict[str, Any] | None
    quote: str | None
    source: str
    source_ref: str | None
    frequency: int
    deal_breaker: bool
    fixable: bool
    quick: bool
    impact: int
    priority: float
    root_cause: str | None
    fix: str | None
    owner_email: str | None
    due_date: date | None
    success_metric: str | None
    status: str
    completed_on: date | None
    verified_on: date | None


class PlanRead(Out):
    """SAVE-8..11: the plan, its problems in priority order and the fast-fix items."""

    plan_id: int
    renewal_id: str
    account_id: str
    owner_email: str | None
    started_on: date
    mode: str
    effort: str
    fast_fix: bool
    tactics: list[dict[str, Any]]
    alternatives: list[dict[str, Any]]
    conversation_guide: str
    status: str
    outcome: str | None
    closed_on: date | None
    effort_hours: float
    problems: list[ProblemRead]
    fast_fix_ids: list[int]
