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

from renewals.kit.i18n import Text, joined
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


def _name(term: int, pct: float, esc: float, *, lowest: bool) -> str:
    """A multi-year option's name (MY-2's band, MY-3's escalator), read in each language."""
    if lowest and esc:
        return Text(
            "{term}-year, {pct:g}% off (lowest of MY-2), +{esc:g}% a year (MY-3)",
            term=term, pct=pct, esc=esc,
        )  # fmt: skip
    if lowest:
        return Text("{term}-year, {pct:g}% off (lowest of MY-2), fixed", term=term, pct=pct)
    if esc:
        return Text(
            "{term}-year, {pct:g}% off (highest of MY-2), +{esc:g}% a year (MY-3)",
            term=term, pct=pct, esc=esc,
        )  # fmt: skip
    return Text("{term}-year, {pct:g}% off (highest of MY-2), fixed", term=term, pct=pct)


def options(arr: float, likelihood: float, *, years: int, policy: Policy) -> list[Option]:
    """The single-year path and the policy's multi-year options over `years` (MY-2, MY-3)."""
    m = policy.multi_year
    single = single_year_value(arr, likelihood, years)
    out = [
        Option(
            Text("single-year renewals"), 1, 0.0, 0.0, single, 0.0, None,
            (Text("MY-2: renewed each year with likelihood {p:.0%}: expected {value:,.0f} "
                  "over {years} years", p=likelihood, value=single, years=years),),
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
                name = _name(term, pct, esc, lowest=label == "lowest")
                reasons: list[str] = [
                    Text(
                        "MY-2: {term} years committed at {pct:g}% off, escalating {esc:g}% a "
                        "year: {value:,.0f} over {years} years",
                        term=term, pct=pct, esc=esc, value=value, years=years,
                    )
                    if esc
                    else Text(
                        "MY-2: {term} years committed at {pct:g}% off: {value:,.0f} over "
                        "{years} years",
                        term=term, pct=pct, value=value, years=years,
                    )
                ]  # fmt: skip
                if even is None:
                    reasons.append(Text("worth more than even a certain single-year path"))
                elif likelihood < even:
                    reasons.append(
                        Text(
                            "break-even likelihood {even:.0%}: at this account's {p:.0%} the "
                            "discount is worth it",
                            even=even,
                            p=likelihood,
                        )
                    )
                else:
                    reasons.append(
                        Text(
                            "break-even likelihood {even:.0%}: at this account's {p:.0%} the "
                            "discount gives away more than the risk it removes",
                            even=even,
                            p=likelihood,
                        )
                    )
                out.append(
                    Option(name, term, pct, esc, value, value - single, even, tuple(reasons))
                )
    return out


# --- beyond the arithmetic (MY-5, MY-6, BUN-3, BUN-4) ---------------------------------


@dataclass(frozen=True)
class Caution:
    """A Strategy Framework warning about multi-year terms, with its rule and reason."""

    rule: str
    text: str


def wanted(found: list[Option]) -> Option:
    """MY-5: the option we want: the multi-year option worth the most above the single-year
    path, else the single-year path itself (no discount pays at this likelihood)."""
    gains = [o for o in found[1:] if o.against_single > 0]
    return max(gains, key=lambda o: o.against_single) if gains else found[0]


def presentation(found: list[Option], *, short_term_months: int, count: int = 3) -> list[str]:
    """BUN-4: `count` options in the order to show them, the one we want in the middle:
    smaller commitments before it, larger ones after it (options ordered by term, then
    discount, then escalator). Where the ladder runs out: a short term (SAVE-9) below the
    single-year path, a custom multi-year deal above the largest option."""
    pick = wanted(found)
    ladder = sorted(found, key=lambda o: (o.years, o.discount_pct, o.escalator_pct))
    at = ladder.index(pick)
    side = max(1, count // 2)
    before = [o.name for o in ladder[max(0, at - side) : at]]
    if len(before) < side:  # the single-year path: the smaller commitment is a short term
        before.insert(
            0,
            Text(
                "a {months}-month term (save.flexibility.short_term_months)",
                months=short_term_months,
            ),
        )
    after = [o.name for o in ladder[at + 1 : at + 1 + side]]
    if len(after) < side:
        after.append(Text("a custom multi-year deal"))
    return [*before[-side:], pick.name, *after[:side]]


def cautions(
    found: list[Option],
    likelihood: float,
    *,
    opportunity_type: str | None,
    days_to_renewal: int | None,
    policy: Policy,
) -> list[Caution]:
    """MY-5, MY-6, BUN-3, BUN-4 for one renewal, each with its reason from the options and
    the renewal's own facts."""
    m = policy.multi_year
    out: list[Caution] = []
    multi = found[1:]
    losing = [o for o in multi if o.against_single < 0]
    pick = wanted(found)
    if pick is found[0]:
        head = Text("no multi-year option pays at a {p:.0%} yearly likelihood", p=likelihood)
    else:
        head = Text(
            "the best is {name} ({gain:+,.0f} against single-year)",
            name=pick.name,
            gain=pick.against_single,
        )
    out.append(
        Caution(
            "MY-5",
            Text(
                "do the math first: {losing} of {total} multi-year options give away more than "
                "the churn risk they remove; {head}",
                losing=len(losing),
                total=len(multi),
                head=head,
            ),
        )
    )
    longest = max((o.years for o in multi), default=1)
    clause = m.renegotiation_clause
    has = clause in policy.proposal.flexibility_clauses
    out.append(
        Caution(
            "MY-6",
            Text(
                "a {years}-year term outlives product change (a customer that outgrows it in "
                "year two feels trapped): {clause} is among the clauses offered "
                "(proposal.flexibility_clauses)",
                years=longest,
                clause=clause,
            )
            if has
            else Text(
                "a {years}-year term outlives product change (a customer that outgrows it in "
                "year two feels trapped): add {clause} to proposal.flexibility_clauses before "
                "offering it",
                years=longest,
                clause=clause,
            ),
        )
    )
    if opportunity_type == "expansion":
        if days_to_renewal is not None and days_to_renewal <= m.bundle_finalise_days:
            text = Text(
                "{left} days to renewal, past the {days}-day point where bundled terms are "
                "final: bundling now delays the renewal; close it alone and run the expansion "
                "as a parallel track (BUN-1)",
                left=days_to_renewal,
                days=m.bundle_finalise_days,
            )
        elif days_to_renewal is None:
            text = Text(
                "bundling the expansion can delay the renewal: finalise the bundled terms by "
                "{days} days before the renewal",
                days=m.bundle_finalise_days,
            )
        else:
            text = Text(
                "bundling the expansion can delay the renewal: finalise the bundled terms by "
                "{days} days before the renewal ({left} days to renewal)",
                days=m.bundle_finalise_days,
                left=days_to_renewal,
            )
        out.append(Caution("BUN-3", text))
    order = presentation(
        found,
        short_term_months=policy.save.flexibility.short_term_months,
        count=m.presented_options,
    )
    middle = order[len(order) // 2]
    out.append(
        Caution(
            "BUN-4",
            Text(
                "customers tend to pick the middle option: present {options}, with {middle} in "
                "the middle",
                options=joined(order, " | "),
                middle=middle,
            ),
        )
    )
    return out
