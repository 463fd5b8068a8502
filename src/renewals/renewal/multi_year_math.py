"""Multi-year economics on plain values (MY-2, MY-3): "do the math first".

"The incentive should reflect the value you get from predictability and reduced churn
risk. I've seen companies discount 30% for multi-year, then realise they would rather have
had annual renewals at full price. Do the math first." (Renewal Strategy Framework)

For one renewal over a horizon of `years`: the single-year path renews each later year
with the account's renewal likelihood p, at full price; a multi-year term is committed at
its discount (fixed, or escalating each year, MY-3). The break-even likelihood is the p at
which both are worth the same: above it, the discount gives away more than the churn risk
it removes. No clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from renewals.policy.domain import Policy


@dataclass(frozen=True)
class Option:
    name: str
    years: int
    discount_pct: float
    escalator_pct: float
    value: float  # expected revenue over the horizon
    against_single: float  # value - the single-year path's
    break_even: float | None  # the likelihood at which it equals the single-year path
    reasons: tuple[str, ...]


def single_year_value(arr: float, p: float, years: int) -> float:
    """ARR this year, then each later year renewed with likelihood p (compounding)."""
    return arr * sum(p**k for k in range(years))


def committed_value(arr: float, discount_pct: float, escalator_pct: float, years: int) -> float:
    base = arr * (1 - discount_pct / 100)
    return base * sum((1 + escalator_pct / 100) ** k for k in range(years))


def break_even(target: float, arr: float, years: int) -> float | None:
    """The p in [0, 1] where the single-year path is worth `target` (bisection)."""
    if single_year_value(arr, 1.0, years) < target:
        return None  # worth more than a certain single-year path: never breaks even
    low, high = 0.0, 1.0
    for _ in range(50):
        mid = (low + high) / 2
        if single_year_value(arr, mid, years) < target:
            low = mid
        else:
            high = mid
    return round(high, 3)


def options(arr: float, likelihood: float, *, years: int, policy: Policy) -> list[Option]:
    """The single-year path and the policy's multi-year options over `years` (MY-2, MY-3)."""
    m = policy.multi_year
    single = single_year_value(arr, likelihood, years)
    out = [
        Option(
            "single-year renewals", 1, 0.0, 0.0, single, 0.0, None,
            (f"MY-2: renewed each year with likelihood {likelihood:.0%}: expected "
             f"{single:,.0f} over {years} years",),
        )
    ]  # fmt: skip
    bands = [(2, m.two_year_discount_pct), (3, m.three_year_discount_pct)]
    for term, band in bands:
        if term > years:
            continue
        for label, pct in (("lowest", band.min), ("highest", band.max)):
            for esc in (0.0, m.escalator_pct.min):
                value = committed_value(arr, pct, esc, term) + single_year_value(
                    arr * (1 - pct / 100) * (1 + esc / 100) ** term, likelihood, years - term
                ) * (likelihood if years > term else 0)
                even = break_even(value, arr, years)
                name = f"{term}-year, {pct:g}% off ({label} of MY-2)" + (
                    f", +{esc:g}% a year (MY-3)" if esc else ", fixed"
                )
                reasons = [
                    f"MY-2: {term} years committed at {pct:g}% off"
                    + (f", escalating {esc:g}% a year" if esc else "")
                    + f": {value:,.0f} over {years} years"
                ]
                if even is None:
                    reasons.append("worth more than even a certain single-year path")
                else:
                    verdict = (
                        "worth it"
                        if likelihood < even
                        else "gives away more than the risk it removes"
                    )
                    reasons.append(
                        f"break-even likelihood {even:.0%}: at this account's {likelihood:.0%} the "
                        f"discount is {verdict}"
                    )
                out.append(
                    Option(name, term, pct, esc, value, value - single, even, tuple(reasons))
                )
    return out
