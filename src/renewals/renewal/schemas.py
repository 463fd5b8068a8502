"""Renewals as the JSON API shows them: every decision with its reasons and rule IDs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict

from renewals.web.api_common import Out


class RenewalRead(Out):
    renewal_id: str
    account_id: str
    account_name: str
    renewal_date: date
    currency: str
    current_arr: Decimal
    target_arr: Decimal
    segment: str
    opportunity_type: str
    touch_model: str
    motion: str
    owner_role: str
    owner_email: str | None
    stage: str
    stage_since: date
    likelihood: float | None
    health_score: float | None
    health_category: str | None
    risk: str | None
    signals: list[str]
    forecast_category: str | None
    outcome: str | None


class DecisionRead(Out):
    """One decision (segment, opportunity, touch, motion, owner): value, reasons, rules, facts."""

    model_config = ConfigDict(extra="allow")

    value: str | None
    reasons: list[str]
    rules: list[str]
    facts: dict[str, Any] = {}


class StageChangeRead(Out):
    from_stage: str | None
    to_stage: str
    on: date
    at: datetime
    by: str
    rule: str | None
    reason: str


class RenewalForecast(Out):
    """TECH-1: the renewal's likelihood and category in the latest forecast, with drivers."""

    as_of: date
    likelihood: float
    category: str
    engine: str
    expected_arr: Decimal
    drivers: list[dict[str, Any]]
    override_category: str | None
    override_likelihood: float | None


class RenewalDetail(RenewalRead):
    decisions: dict[str, DecisionRead]
    stage_history: list[StageChangeRead]
    forecast: RenewalForecast | None
    closed_on: date | None
    can_edit: bool
