"""Forecast rules on plain values (TECH-1, TECH-5, FUND-1, FUND-2): forecast categories,
expected ARR, period keys, and retention math on closed contracts, each with its
reasons and rule IDs. No clock and no database.

Retention follows the usual SaaS conventions, on the cohort of contracts whose
renewal date (the contract's end date) falls in a period and whose outcome is known:

- starting ARR = the sum of the cohort's ARR before renewal;
- GRR (gross revenue retention) = sum over the cohort of min(outcome ARR, ARR) for
  the retained (renewed, expanded, downgraded; churned counts 0) / starting ARR:
  expansion is left out, so GRR is at most 100%;
- NRR (net revenue retention) = sum of outcome ARR (churned 0, expansion included)
  / starting ARR: above 100% when expansion outgrows churn and contraction;
- renewal rate by count = retained contracts / closed contracts;
- renewal rate by ARR = the original ARR of the retained contracts / starting ARR: the
  share of the ARR up for renewal whose customers stayed (a logo rate weighted by
  ARR); it differs from GRR by the contraction of downgrades;
- FUND-2 break-even: the new business needed to stay flat is 1 - NRR of the starting
  ARR (nothing when NRR is 100% or more); at renewal rate r (by ARR), before any
  expansion, it is 1 - r (95% -> 5%, 80% -> 20%).

Rates are exact fractions turned into floats (220,000 / 250,000 is 0.88, not
0.8799999), and money is Decimal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from renewals.kit.calendar import Quarter, quarter_of
from renewals.kit.i18n import Text
from renewals.policy.domain import ForecastCategories

CENT = Decimal("0.01")
ZERO = Decimal(0)


class Category(StrEnum):
    """TECH-5: forecast categories, most likely first."""

    commit = "commit"
    probable = "probable"
    at_risk = "at_risk"
    lost = "lost"

    @property
    def is_won(self) -> bool:
        """What the category calls: won (commit, probable) or lost (at_risk, lost)."""
        return self in (Category.commit, Category.probable)


CATEGORIES = tuple(c.value for c in Category)
AT_RISK_CATEGORIES = (Category.at_risk.value, Category.lost.value)
RETAINED_OUTCOMES = ("renewed", "expanded", "downgraded")
CHURNED_OUTCOMES = ("churned",)


def money(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> float | None:
    """numerator / denominator as the float nearest the exact fraction; None when empty."""
    if not denominator:
        return None
    return float(Fraction(numerator) / Fraction(denominator))


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


# --- categories and expected ARR -------------------------------------------------------------


@dataclass(frozen=True)
class Categorised:
    category: str
    reason: str


def categorise(likelihood: float, categories: ForecastCategories) -> Categorised:
    """TECH-5: the category of a likelihood with the threshold that put it there.

    Each threshold is inclusive: a likelihood of exactly `commit` (0.90) is commit,
    of exactly `probable` (0.70) probable, of exactly `at_risk` (0.30) at risk;
    below `at_risk` is lost.
    """
    c = categories
    if likelihood >= c.commit:
        found, why = Category.commit, f">= {c.commit:.0%} (forecast.categories.commit)"
    elif likelihood >= c.probable:
        found, why = Category.probable, f">= {c.probable:.0%} (forecast.categories.probable)"
    elif likelihood >= c.at_risk:
        found, why = Category.at_risk, f">= {c.at_risk:.0%} (forecast.categories.at_risk)"
    else:
        found, why = Category.lost, f"< {c.at_risk:.0%} (forecast.categories.at_risk)"
    return Categorised(found.value, f"TECH-5: likelihood {likelihood:.0%} {why}: {found.value}")


def category(likelihood: float, categories: ForecastCategories) -> str:
    """TECH-5: commit, probable, at_risk or lost; the thresholds are inclusive."""
    return categorise(likelihood, categories).category


def band(name: str, categories: ForecastCategories) -> tuple[float, float]:
    """The [low, high) likelihoods of a category (commit's high is 1.0, inclusive)."""
    c = categories
    return {
        Category.commit: (c.commit, 1.0),
        Category.probable: (c.probable, c.commit),
        Category.at_risk: (c.at_risk, c.probable),
        Category.lost: (0.0, c.at_risk),
    }[Category(name)]


@dataclass(frozen=True)
class Expected:
    amount: Decimal
    basis: str  # target | current
    reason: str


def expected_arr(likelihood: float, target_arr: Decimal | None, current_arr: Decimal) -> Expected:
    """FUND-1, TECH-1: likelihood x the target ARR, or x the current ARR without a target.

    No target is None or 0: a renewal's target is never meant to be nothing.
    """
    if target_arr:
        basis, value = "target", Decimal(target_arr)
    else:
        basis, value = "current", Decimal(current_arr)
    amount = money(Decimal(str(likelihood)) * value)
    return Expected(
        amount,
        basis,
        f"TECH-1: {likelihood:.0%} x {basis} ARR {value:,.2f} = {amount:,.2f}",
    )


@dataclass(frozen=True)
class Override:
    """An owner's call turned into the likelihood the with-overrides forecast uses."""

    category: str
    likelihood: float
    reason: str


def validate_override(
    category_in: str, likelihood_in: float | None, categories: ForecastCategories
) -> None:
    """TECH-5: an override names a category and, optionally, a likelihood in its band.

    Raises ValueError with a message for a person.
    """
    try:
        wanted = Category(category_in)
    except ValueError:
        raise ValueError(
            f"category must be one of {', '.join(CATEGORIES)}, got {category_in!r}"
        ) from None
    if likelihood_in is None:
        return
    if not 0.0 <= likelihood_in <= 1.0:
        raise ValueError(f"likelihood must be between 0 and 1, got {likelihood_in:g}")
    found = category(likelihood_in, categories)
    if found != wanted:
        low, high = band(wanted, categories)
        upper = "100%" if wanted == Category.commit else f"under {high:.0%}"
        raise ValueError(
            f"likelihood {likelihood_in:.0%} is {found}, not {wanted.value}: "
            f"{wanted.value} is {low:.0%} to {upper} (TECH-5, forecast.categories)"
        )


def override_likelihood(
    category_in: str,
    likelihood_in: float | None,
    *,
    model_likelihood: float,
    categories: ForecastCategories,
) -> Override:
    """TECH-5: the likelihood an owner's override stands for.

    A likelihood given with the override is used as it is (`validate_override` checks it
    when it is made). Without one, the model's likelihood is kept when it already lies
    in that category; otherwise the category's lower threshold is used (commit 90%,
    probable 70%, at risk 30%) and lost counts 0.
    """
    wanted = Category(category_in)
    if likelihood_in is not None:
        return Override(
            wanted.value,
            likelihood_in,
            f"TECH-5: owner's call {wanted.value} at {likelihood_in:.0%}",
        )
    if category(model_likelihood, categories) == wanted:
        return Override(
            wanted.value,
            model_likelihood,
            f"TECH-5: owner's call {wanted.value}, where the model already is: "
            f"{model_likelihood:.0%} kept",
        )
    value = 0.0 if wanted == Category.lost else band(wanted, categories)[0]
    threshold = "" if wanted == Category.lost else ", its lower threshold"
    return Override(
        wanted.value,
        value,
        f"TECH-5: owner's call {wanted.value} (model {model_likelihood:.0%}): counted at "
        f"{value:.0%}{threshold}",
    )


# --- periods ----------------------------------------------------------------------------------


def month_key(day: date) -> str:
    """ "2027-01" for any day in January 2027."""
    return f"{day.year:04d}-{day.month:02d}"


def complete_quarters(as_of: date, count: int) -> list[Quarter]:
    """The `count` calendar quarters that ended before `as_of`'s quarter, oldest first."""
    quarters: list[Quarter] = []
    quarter = quarter_of(as_of).previous()
    for _ in range(count):
        quarters.append(quarter)
        quarter = quarter.previous()
    return quarters[::-1]


# --- retention --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosedContract:
    """A contract that came up for renewal, with its outcome (None: still undecided)."""

    arr: Decimal
    outcome: str | None
    outcome_arr: Decimal | None = None


@dataclass(frozen=True)
class Retention:
    """GRR, NRR and renewal rates of one cohort (FUND-2, TECH-5)."""

    contracts: int  # closed ones, in the rates
    retained: int
    churned: int
    starting_arr: Decimal
    retained_arr: Decimal  # sum of min(outcome ARR, ARR) of the retained: GRR's numerator
    ending_arr: Decimal  # sum of outcome ARR, churned 0: NRR's numerator
    expansion_arr: Decimal
    contraction_arr: Decimal
    churned_arr: Decimal
    grr: float | None
    nrr: float | None
    renewal_rate_count: float | None
    renewal_rate_arr: float | None
    undecided: int = 0  # in the period but without an outcome: not in the rates
    undecided_arr: Decimal = ZERO
    reasons: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "contracts": self.contracts,
            "retained": self.retained,
            "churned": self.churned,
            "starting_arr": float(self.starting_arr),
            "retained_arr": float(self.retained_arr),
            "ending_arr": float(self.ending_arr),
            "expansion_arr": float(self.expansion_arr),
            "contraction_arr": float(self.contraction_arr),
            "churned_arr": float(self.churned_arr),
            "grr": self.grr,
            "nrr": self.nrr,
            "renewal_rate_count": self.renewal_rate_count,
            "renewal_rate_arr": self.renewal_rate_arr,
            "undecided": self.undecided,
            "undecided_arr": float(self.undecided_arr),
            "reasons": list(self.reasons),
        }


def retention(contracts: Iterable[ClosedContract]) -> Retention:
    """FUND-2: GRR, NRR and renewal rates (by count and by ARR) of a cohort of contracts.

    Undecided contracts (no outcome) are counted apart and left out of every rate; an
    outcome other than renewed/expanded/downgraded/churned is left out too. A retained
    contract without an outcome ARR counts at its own ARR (flat).
    """
    starting = retained_arr = ending = expansion = contraction = churned_arr = kept_arr = ZERO
    closed = retained = churned = undecided = unknown = no_outcome_arr = 0
    undecided_arr = ZERO
    for c in contracts:
        arr = Decimal(c.arr)
        if c.outcome is None:
            undecided += 1
            undecided_arr += arr
            continue
        if c.outcome not in RETAINED_OUTCOMES and c.outcome not in CHURNED_OUTCOMES:
            unknown += 1
            continue
        closed += 1
        starting += arr
        if c.outcome in CHURNED_OUTCOMES:
            churned += 1
            churned_arr += arr
            continue
        retained += 1
        kept_arr += arr
        if c.outcome_arr is None:
            no_outcome_arr += 1
        out = arr if c.outcome_arr is None else Decimal(c.outcome_arr)
        retained_arr += min(out, arr)
        ending += out
        if out > arr:
            expansion += out - arr
        else:
            contraction += arr - out
    grr, nrr = ratio(retained_arr, starting), ratio(ending, starting)
    by_count = ratio(retained, closed)
    by_arr = ratio(kept_arr, starting)
    reasons = []
    if closed:
        reasons = [
            f"FUND-2: starting ARR {starting:,.2f} of {closed:,} closed contracts",
            f"FUND-2: GRR {pct(grr)} = retained ARR without expansion {retained_arr:,.2f} / "
            f"{starting:,.2f} (churn {churned_arr:,.2f}, contraction {contraction:,.2f})",
            f"FUND-2: NRR {pct(nrr)} = ending ARR {ending:,.2f} / {starting:,.2f} "
            f"(expansion {expansion:,.2f} included)",
            f"FUND-2: renewal rate {pct(by_count)} by count ({retained:,} of {closed:,} "
            f"retained), {pct(by_arr)} by ARR ({kept_arr:,.2f} of {starting:,.2f} up for "
            "renewal stayed)",
        ]
    else:
        reasons = ["FUND-2: no closed contracts in the period: no rates"]
    if undecided:
        reasons.append(
            f"FUND-2: {undecided:,} contracts ({undecided_arr:,.2f}) without an outcome yet "
            "are left out"
        )
    if unknown:
        reasons.append(f"FUND-2: {unknown:,} contracts with an unknown outcome are left out")
    if no_outcome_arr:
        reasons.append(
            f"FUND-2: {no_outcome_arr:,} retained contracts without an outcome ARR count as flat"
        )
    return Retention(
        contracts=closed,
        retained=retained,
        churned=churned,
        starting_arr=starting,
        retained_arr=retained_arr,
        ending_arr=ending,
        expansion_arr=expansion,
        contraction_arr=contraction,
        churned_arr=churned_arr,
        grr=grr,
        nrr=nrr,
        renewal_rate_count=by_count,
        renewal_rate_arr=by_arr,
        undecided=undecided,
        undecided_arr=undecided_arr,
        reasons=tuple(reasons),
    )


@dataclass(frozen=True)
class BreakEven:
    """FUND-2: the new business needed to stay flat, as a share of starting ARR and money."""

    starting_arr: Decimal
    needed_share: float | None  # 1 - NRR, at least 0
    needed_arr: Decimal  # starting - ending ARR, at least 0
    surplus_arr: Decimal  # ending - starting ARR when NRR is above 100%
    renewal_rate_arr: float | None
    needed_share_at_renewal_rate: float | None  # 1 - r
    needed_arr_at_renewal_rate: Decimal  # starting - retained ARR
    reasons: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "starting_arr": float(self.starting_arr),
            "needed_share": self.needed_share,
            "needed_arr": float(self.needed_arr),
            "surplus_arr": float(self.surplus_arr),
            "renewal_rate_arr": self.renewal_rate_arr,
            "needed_share_at_renewal_rate": self.needed_share_at_renewal_rate,
            "needed_arr_at_renewal_rate": float(self.needed_arr_at_renewal_rate),
            "reasons": list(self.reasons),
        }


def break_even(r: Retention) -> BreakEven:
    """FUND-2: at renewal rate r new business of (1 - r) is needed to stay flat; with
    expansion counted, 1 - NRR."""
    if not r.starting_arr:
        return BreakEven(
            ZERO, None, ZERO, ZERO, None, None, ZERO, ("FUND-2: no closed contracts: no figure",)
        )
    gap = r.starting_arr - r.ending_arr
    needed = max(gap, ZERO)
    share = ratio(needed, r.starting_arr)
    lost = r.starting_arr - r.retained_arr
    share_at_rate = ratio(lost, r.starting_arr)
    reasons = [
        f"FUND-2: with GRR {pct(r.grr)} (churn and contraction; renewal rate "
        f"{pct(r.renewal_rate_arr)} by ARR) new business of {pct(share_at_rate)} "
        f"({lost:,.2f}) is needed to stay flat before expansion"
    ]
    if gap > 0:
        reasons.append(
            f"FUND-2: with expansion (NRR {pct(r.nrr)}) new business of {pct(share)} "
            f"({needed:,.2f}) is needed to stay flat"
        )
    else:
        reasons.append(
            f"FUND-2: NRR {pct(r.nrr)}: the renewing base grows {-gap:,.2f} without new business"
        )
    return BreakEven(
        starting_arr=r.starting_arr,
        needed_share=share,
        needed_arr=needed,
        surplus_arr=max(-gap, ZERO),
        renewal_rate_arr=r.renewal_rate_arr,
        needed_share_at_renewal_rate=share_at_rate,
        needed_arr_at_renewal_rate=lost,
        reasons=tuple(reasons),
    )


@dataclass(frozen=True)
class AgainstTarget:
    """FUND-2, TECH-5: NRR against the policy's target and the healthy line."""

    nrr: float | None
    target: float
    healthy: float
    gap: float | None  # nrr - target, in rate points
    met: bool | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "nrr": self.nrr,
            "target": self.target,
            "healthy": self.healthy,
            "gap": self.gap,
            "met": self.met,
            "reason": self.reason,
        }


def against_target(nrr: float | None, *, target: float, healthy: float) -> AgainstTarget:
    """FUND-2, TECH-5: whether an NRR meets `forecast.target_nrr_rate` (at or above)."""
    if nrr is None:
        return AgainstTarget(None, target, healthy, None, None, Text("FUND-2: no NRR to compare"))
    gap = round(nrr - target, 6)
    met = nrr >= target
    values = {"nrr": pct(nrr), "target": pct(target), "points": f"{abs(gap) * 100:.1f}"}
    verdict = (
        Text(
            "FUND-2, TECH-5: NRR {nrr} meets the target {target} (forecast.target_nrr_rate) "
            "with {points} points to spare",
            **values,
        )
        if met
        else Text(
            "FUND-2, TECH-5: NRR {nrr} misses the target {target} (forecast.target_nrr_rate) "
            "by {points} points",
            **values,
        )
    )
    health = (
        Text("healthy ({line}, fundamentals.healthy_nrr_rate)", line=pct(healthy))
        if nrr >= healthy
        else Text(
            "below the healthy line ({line}, fundamentals.healthy_nrr_rate)", line=pct(healthy)
        )
    )
    reason = f"{verdict}; {health}"
    return AgainstTarget(nrr, target, healthy, gap, met, reason)


# --- forward-looking --------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenRenewal:
    """An open renewal of a forecast: ARR, target and the likelihoods of the day."""

    arr: Decimal
    target_arr: Decimal
    likelihood: float
    override_likelihood: float | None = None


@dataclass(frozen=True)
class ExpectedRetention:
    """FUND-2, TECH-1: a period's expected GRR and NRR, closed outcomes plus the open
    renewals at their likelihood."""

    closed: int
    open: int
    starting_arr: Decimal
    expected_retained_arr: Decimal
    expected_ending_arr: Decimal
    expected_ending_arr_with_overrides: Decimal
    grr: float | None
    nrr: float | None
    nrr_with_overrides: float | None
    reasons: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "closed": self.closed,
            "open": self.open,
            "starting_arr": float(self.starting_arr),
            "expected_retained_arr": float(self.expected_retained_arr),
            "expected_ending_arr": float(self.expected_ending_arr),
            "expected_ending_arr_with_overrides": float(self.expected_ending_arr_with_overrides),
            "grr": self.grr,
            "nrr": self.nrr,
            "nrr_with_overrides": self.nrr_with_overrides,
            "reasons": list(self.reasons),
        }


def expected_retention(
    closed: Iterable[ClosedContract], open_renewals: Iterable[OpenRenewal]
) -> ExpectedRetention:
    """FUND-2, TECH-1: expected GRR and NRR of a period.

    Closed contracts count at their outcome (as in `retention`); each open renewal
    adds its ARR to the starting ARR, likelihood x min(target, ARR) to the retained
    ARR (no expansion in GRR) and likelihood x target ARR to the ending ARR (the
    expected ARR; the current ARR without a target).
    """
    actual = retention(closed)
    retained, ending, with_overrides = actual.retained_arr, actual.ending_arr, actual.ending_arr
    starting = actual.starting_arr
    count = 0
    for o in open_renewals:
        count += 1
        arr = Decimal(o.arr)
        target = Decimal(o.target_arr) if o.target_arr else arr
        starting += arr
        retained += money(Decimal(str(o.likelihood)) * min(target, arr))
        ending += expected_arr(o.likelihood, o.target_arr, arr).amount
        chosen = o.likelihood if o.override_likelihood is None else o.override_likelihood
        with_overrides += expected_arr(chosen, o.target_arr, arr).amount
    grr, nrr = ratio(retained, starting), ratio(ending, starting)
    nrr_overrides = ratio(with_overrides, starting)
    reasons = (
        f"FUND-2: {actual.contracts:,} closed at their outcome and {count:,} open at their "
        f"likelihood (TECH-1); starting ARR {starting:,.2f}",
        f"FUND-2: expected GRR {pct(grr)} = {retained:,.2f} / {starting:,.2f}",
        f"FUND-2: expected NRR {pct(nrr)} = {ending:,.2f} / {starting:,.2f}; "
        f"{pct(nrr_overrides)} with the owners' overrides",
    )
    return ExpectedRetention(
        closed=actual.contracts,
        open=count,
        starting_arr=starting,
        expected_retained_arr=retained,
        expected_ending_arr=ending,
        expected_ending_arr_with_overrides=with_overrides,
        grr=grr,
        nrr=nrr,
        nrr_with_overrides=nrr_overrides,
        reasons=reasons,
    )


def call_was_right(category_called: str, outcome: str) -> bool:
    """LEARN-2: a won call (commit, probable) is right when the customer renewed
    (renewed, expanded, downgraded); a lost call (at_risk, lost) when they churned."""
    return Category(category_called).is_won == (outcome in RETAINED_OUTCOMES)
