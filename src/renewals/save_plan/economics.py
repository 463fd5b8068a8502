"""Save economics on plain values (SAVE-1, SAVE-7, LOST-1): what a save costs, what it can
bring back, and what the same hours would bring elsewhere.

"Prevention is 5-10x easier than saves ... Save attempts are 40-60% successful at best,
with experienced teams ... Saves consume massive resources - easily 3-5x the effort of a
normal renewal." "Spending 50K in resources to save 20K accounts? That is not
sustainable." "40 hours on a save with a 10% chance is 4 hours of expected value. You
could spend the same 40 hours on healthy-account expansion or on relationships that
prevent future at-risk situations." (At-Risk Renewal Management)

- the success rate is the triage band's (SAVE-2), capped at the ceiling (40-60% at best);
- the cost is the save's hours (SAVE-7, at least 3-5x a normal renewal's team hours,
  SEG-1) at the loaded hourly rate (ROI-1);
- a save whose cost exceeds `max_cost_to_value` x the account's ARR is refused (LOST-1);
- the same hours on prevention (5-10x easier) cover that many accounts like this one before
  they slip, each kept at the high band's lowest rate; on expansion they bring the book's
  own expected expansion ARR per team hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from renewals.kit.i18n import Text
from renewals.policy.domain import Policy


class Verdict(StrEnum):
    save = "save"  # worth the attempt
    poor = "poor"  # the expected ARR back does not cover the cost
    refuse = "refuse"  # costs more than the account is worth (LOST-1)
    none = "none"  # SAVE-5: no effort (graceful exit)


@dataclass(frozen=True)
class SaveEconomics:
    renewal_id: str
    arr: float
    effort: str
    success_rate: float  # after the SAVE-1 ceiling
    hours: tuple[float, float]  # the save's hours, low-high
    cost: tuple[float, float]  # in money (ROI-1 loaded rate)
    expected_arr: float  # success rate x ARR
    expected_value_hours: float  # SAVE-7: hours x success rate
    prevention_arr: float  # the same hours on prevention
    expansion_arr: float | None  # the same hours on expansion (None: no expansion in the book)
    verdict: Verdict
    reasons: tuple[str, ...]

    @property
    def best_alternative(self) -> str | None:
        options = {"prevention": self.prevention_arr, "expansion": self.expansion_arr or 0.0}
        name = max(options, key=lambda k: options[k])
        return name if options[name] > self.expected_arr else None


def economics(
    *,
    renewal_id: str,
    arr: float,
    effort: str,
    band_rate: float,
    normal_hours: float,
    expansion_arr_per_hour: float | None,
    policy: Policy,
) -> SaveEconomics:
    """SAVE-1, SAVE-7, LOST-1 for one triaged renewal (`effort` and `band_rate` from SAVE-5
    and SAVE-2; `normal_hours` a normal renewal's team hours in its segment, SEG-1)."""
    e = policy.save.economics
    rate = policy.roi.loaded_hourly_rate
    reasons: list[str] = []
    p = min(band_rate, e.success_ceiling.max)
    if p < band_rate:
        reasons.append(
            Text(
                "SAVE-1: save attempts succeed {low:.0%}-{high:.0%} at best: the band's "
                "{band:.0%} counts as {p:.0%}",
                low=e.success_ceiling.min,
                high=e.success_ceiling.max,
                band=band_rate,
                p=p,
            )
        )
    if effort == "none":
        return SaveEconomics(
            renewal_id, arr, effort, p, (0.0, 0.0), (0.0, 0.0), 0.0, 0.0, 0.0,
            None if expansion_arr_per_hour is None else 0.0, Verdict.none,
            (*reasons, Text("SAVE-5: no save effort: graceful exit, learn")),
        )  # fmt: skip
    planned = float(getattr(policy.save.effort_hours, effort))
    low = max(planned, normal_hours * e.save_cost_multiplier.min)
    high = max(planned, normal_hours * e.save_cost_multiplier.max)
    cost = (low * float(rate), high * float(rate))
    reasons.append(
        Text(
            "SAVE-1: a save costs {min:g}-{max:g}x a normal renewal ({normal:g} h, SEG-1); "
            "{effort} effort plans {planned:g} h (SAVE-7): {low:g}-{high:g} h x {rate:,.0f} "
            "(ROI-1) = {cost_low:,.0f}-{cost_high:,.0f}",
            min=e.save_cost_multiplier.min,
            max=e.save_cost_multiplier.max,
            normal=normal_hours,
            effort=effort,
            planned=planned,
            low=low,
            high=high,
            rate=float(rate),
            cost_low=cost[0],
            cost_high=cost[1],
        )
    )
    expected = p * arr
    ev_hours = round(low * p, 1)
    reasons.append(
        Text(
            "SAVE-7: {low:g} h x {p:.0%} = {hours:g} hours of expected value; {p:.0%} x ARR "
            "{arr:,.0f} = {expected:,.0f} expected back",
            low=low,
            p=p,
            hours=ev_hours,
            arr=arr,
            expected=expected,
        )
    )
    high_band = policy.save.probability.high.min
    prevention = e.prevention_cost_ratio.min * high_band * arr
    reasons.append(
        Text(
            "SAVE-1, SAVE-7: the same {low:g} h on prevention ({min:g}-{max:g}x easier) cover "
            "{min:g} accounts like this before they slip, each kept at {band:.0%}: "
            "{prevention:,.0f}",
            low=low,
            min=e.prevention_cost_ratio.min,
            max=e.prevention_cost_ratio.max,
            band=high_band,
            prevention=prevention,
        )
    )
    expansion = None if expansion_arr_per_hour is None else low * expansion_arr_per_hour
    if expansion is not None:
        reasons.append(
            Text(
                "SAVE-7: on expansion they bring {expansion:,.0f} (the book's expected "
                "expansion ARR per team hour, {per_hour:,.0f})",
                expansion=expansion,
                per_hour=expansion_arr_per_hour or 0,
            )
        )
    limit = e.max_cost_to_value * arr
    if cost[0] > limit:
        verdict = Verdict.refuse
        reasons.append(
            Text(
                "LOST-1: the save costs at least {cost:,.0f}, more than the account's worth "
                "({times:g} x ARR = {limit:,.0f}): refuse it, exit gracefully",
                cost=cost[0],
                times=e.max_cost_to_value,
                limit=limit,
            )
        )
    elif expected < (cost[0] + cost[1]) / 2:
        verdict = Verdict.poor
        reasons.append(
            Text(
                "MET-1: {expected:,.0f} expected back does not cover the cost ({cost:,.0f}): "
                "save ROI below 1",
                expected=expected,
                cost=(cost[0] + cost[1]) / 2,
            )
        )
    else:
        verdict = Verdict.save
    return SaveEconomics(
        renewal_id, arr, effort, p, (low, high), cost, expected, ev_hours, prevention,
        expansion, verdict, tuple(reasons),
    )  # fmt: skip
