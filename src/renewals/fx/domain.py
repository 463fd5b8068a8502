"""Conversion to the reporting currency on plain values (policy `currency`, issue 19).

A rate is the number of reporting-currency units per unit of a currency on a date. An
amount dated D converts at the newest rate on or before D, at most
`currency.max_rate_age_days` old; without one the conversion fails with an error that
names the currency and the date, never a silent sum of different currencies.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from renewals.errors import RenewalsError


class MissingRate(RenewalsError):
    def __init__(self, currency: str, day: date, reporting: str, max_age_days: int) -> None:
        self.currency, self.day = currency, day
        super().__init__(
            f"no {currency}->{reporting} rate for {day} (nor in the {max_age_days} days before): "
            f"add it to fx_rates.csv (`renewals fx import`) or to the policy's "
            f"[currency.rates.{currency}]",
            422,
        )


@dataclass
class RateTable:
    """Rates per currency, sorted by date; the reporting currency converts at 1."""

    reporting: str
    max_age_days: int
    _days: dict[str, list[date]] = field(default_factory=dict)
    _rates: dict[str, list[Decimal]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        reporting: str,
        max_age_days: int,
        rates: Iterable[tuple[str, date, Decimal]],
    ) -> RateTable:
        """Later entries for the same (currency, date) win (policy rates come last)."""
        merged: dict[str, dict[date, Decimal]] = {}
        for currency, day, rate in rates:
            merged.setdefault(currency.upper(), {})[day] = rate
        table = cls(reporting.upper(), max_age_days)
        for currency, by_day in merged.items():
            days = sorted(by_day)
            table._days[currency] = days
            table._rates[currency] = [by_day[d] for d in days]
        return table

    def rate(self, currency: str, day: date) -> Decimal:
        currency = currency.upper()
        if currency == self.reporting:
            return Decimal(1)
        days = self._days.get(currency, [])
        i = bisect.bisect_right(days, day) - 1
        if i < 0 or day - days[i] > timedelta(days=self.max_age_days):
            raise MissingRate(currency, day, self.reporting, self.max_age_days)
        return self._rates[currency][i]

    def convert(self, amount: Decimal, currency: str, day: date) -> Decimal:
        """`amount` in `currency` on `day`, in the reporting currency."""
        return amount * self.rate(currency, day)

    def currencies(self) -> list[str]:
        return sorted(self._days)


def policy_rates(rates: Mapping[str, Mapping[str, Decimal]]) -> list[tuple[str, date, Decimal]]:
    """The policy's [currency.rates] as (currency, date, rate)."""
    return [
        (code, date.fromisoformat(str(day)), Decimal(rate))
        for code, by_day in rates.items()
        for day, rate in by_day.items()
    ]
