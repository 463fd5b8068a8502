"""Health readings as the JSON API shows them: score, components, drivers and facts (HEALTH-5)."""

from __future__ import annotations

from datetime import date
from typing import Any

from renewals.web.api_common import Out


class HealthRead(Out):
    """HEALTH-1..5: one day's score of one account and everything that explains it."""

    account_id: str
    as_of: date
    segment: str | None
    score: float | None
    category: str | None
    warning: bool
    previous_score: float | None
    previous_as_of: date | None
    trend: str
    components: list[dict[str, Any]]
    drivers: list[dict[str, Any]]
    missing: list[str]
    reasons: list[str]
    facts: dict[str, float | None]
    risk: str | None
    risk_reasons: list[str] | None


class HealthHistory(Out):
    account_id: str
    items: list[HealthRead]
