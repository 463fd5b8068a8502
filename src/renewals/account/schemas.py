"""Accounts as the JSON API shows them (TECH-5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from renewals.web.api_common import Out


class AccountRead(Out):
    account_id: str
    name: str
    industry: str | None
    owner_email: str | None
    strategic: bool
    customer_since: date | None
    segment_override: str | None
    language: str | None


class AccountRenewal(Out):
    renewal_id: str
    renewal_date: date
    segment: str
    stage: str
    opportunity_type: str
    current_arr: Decimal
    currency: str
    owner_email: str | None
    health_category: str | None
    risk: str | None
    likelihood: float | None
    outcome: str | None


class AccountHealth(Out):
    as_of: date
    score: float | None
    category: str | None
    trend: str
    risk: str | None


class AccountDetail(AccountRead):
    """The account with its renewals (soonest first) and its latest health reading."""

    fiscal_year_start_month: int
    renewals: list[AccountRenewal]
    health: AccountHealth | None
    can_edit: bool
