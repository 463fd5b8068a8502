"""Conversion to the reporting currency on plain values (policy `currency`, issue 19).

A rate is the number of reporting-currency units per unit of a currency on a date. An
amount dated D converts at the newest rate on or before D, at most
`currency.max_rate_age_days` old; without one the conversion fails with an error that
names the currency and the date, never a silent sum of different currencies.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from renewals.errors import RenewalsError

K = TypeVar("K", bound=Hashable)
Amount = Decimal | float | int | str | None


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

    def day_for(self, day: date, as_of: date) -> date:
        """TECH-5: the date an amount converts at: its own, or `as_of` when it lies ahead
        (a renewal due next quarter converts at today's rate: no rate is published yet)."""
        return min(day, as_of)

    def total(self, amounts: Iterable[tuple[str, Amount]], day: date) -> Decimal:
        """TECH-5: amounts in several currencies as one reporting-currency total on `day`:
        each currency's amounts are added first, then converted and added (what a SQL
        GROUP BY currency returns). None counts as nothing (an empty SUM)."""
        return self.totals(((None, c, a) for c, a in amounts), day).get(None, Decimal(0))

    def totals(self, rows: Iterable[tuple[K, str, Amount]], day: date) -> dict[K, Decimal]:
        """TECH-5: per key, the (key, currency, amount) rows of a `GROUP BY key, currency`
        converted on `day` and added; keys keep their first-seen order."""
        per: dict[K, dict[str, Decimal]] = {}
        for key, currency, amount in rows:
            by_currency = per.setdefault(key, {})
            code = (currency or self.reporting).upper()
            by_currency[code] = by_currency.get(code, Decimal(0)) + Decimal(amount or 0)
        return {
            key: sum(
                (self.convert(amount, code, day) for code, amount in sorted(by_currency.items())),
                Decimal(0),
            )
            for key, by_currency in per.items()
        }


def policy_rates(rates: Mapping[str, Mapping[str, Decimal]]) -> list[tuple[str, date, Decimal]]:
    """The policy's [currency.rates] as (currency, date, rate)."""
    return [
        (code, date.fromisoformat(str(day)), Decimal(rate))
        for code, by_day in rates.items()
        for day, rate in by_day.items()
    ]
