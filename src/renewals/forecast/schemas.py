"""The forecast as the JSON API shows it (TECH-1, TECH-5, FUND-2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ConfigDict

from renewals.web.api_common import Out


class CategoryTotal(Out):
    renewals: int
    arr: float


class GroupRead(Out):
    """One group's forecast; `*_with_overrides` counts the owners' calls."""

    key: str
    renewals: int
    arr: float
    target_arr: float
    expected_arr: float
    expected_arr_with_overrides: float
    at_risk_arr: float
    at_risk_arr_with_overrides: float
    overrides: int
    categories: dict[str, CategoryTotal]


class ForecastRead(Out):
    as_of: date
    snapshot_as_of: date
    by: str
    days: int | None
    scope: str
    engines: dict[str, int]
    model_ids: list[int]
    currency: str  # TECH-5: the reporting currency of every amount
    currencies: list[str]  # the contracts' own currencies, converted from
    groups: list[GroupRead]
    total: GroupRead
    reasons: list[str]


class Figures(Out):
    """A block of retention figures (GRR, NRR, ARR amounts, reasons); see docs/forecast.md."""

    model_config = ConfigDict(extra="allow")


class QuarterRead(Out):
    model_config = ConfigDict(extra="allow")

    quarter: str
    start: date
    end: date
    against_target: dict[str, Any]


class RetentionRead(Out):
    """FUND-2: quarterly GRR/NRR history, the trailing four quarters, break-even, and the
    expected retention of this quarter and the next."""

    as_of: date
    currency: str  # TECH-5: the reporting currency of every amount
    target: float
    healthy: float
    history: list[QuarterRead]
    trailing_four_quarters: Figures
    trailing_against_target: dict[str, Any]
    break_even: Figures
    snapshot_as_of: date | None
    forward: list[QuarterRead]
    reasons: list[str]
