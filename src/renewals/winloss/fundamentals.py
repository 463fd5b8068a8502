"""Renewal fundamentals on plain values (FUND-7, FUND-8, FUND-9, TIME-4 day 0).

- FUND-7: "You can have good retention and lose the renewal ... I have seen customers with
  80%+ daily active users still churn because of a budget freeze. You can also have weak
  retention and get the renewal ... the contract auto-renews and the customer does not
  notice until too late. These renewals are fragile: they will not survive another year."
- FUND-8: "The renewal is the most honest feedback you will get. Customers can say they are
  happy in a quarterly review. They can give a high NPS to be polite." Outcomes outrank
  scores: where the two disagree, the outcome is the answer.
- FUND-9: "Customers notice when your attention drops after they sign."
- TIME-4: "If you are still negotiating on renewal day, something is wrong with your
  timeline": a renewal decided after its date failed its timeline.

No clock: `as_of` and every date are parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from renewals.kit.i18n import Text, joined
from renewals.policy.domain import Policy


class Retention(StrEnum):
    fragile = "fragile"  # won with weak retention (FUND-7)
    strong_usage_lost = "strong_usage_lost"  # lost with strong usage (FUND-7)
    consistent = "consistent"  # retention and outcome agree
    unknown = "unknown"  # no usage or health to read at the decision


@dataclass(frozen=True)
class RetentionFacts:
    won: bool
    reason_category: str | None
    active_rate: float | None  # active users in the 30 days before the decision / seats
    health_category: str | None  # the last snapshot within a week before the decision
    nps: int | None  # the last NPS in the window before the decision


def read(f: RetentionFacts, policy: Policy) -> dict[str, object]:
    """FUND-7: what the retention at the decision makes of the outcome, with reasons."""
    fund = policy.fundamentals
    weak_use = policy.signals.low_seat_utilisation
    reasons: list[Text] = []
    strong = f.active_rate is not None and f.active_rate >= fund.strong_usage_active_rate
    weak_health = f.health_category in fund.weak_retention_categories
    weak_usage = f.active_rate is not None and f.active_rate < weak_use
    rate = f.active_rate
    if f.won and (weak_health or weak_usage):
        kind = Retention.fragile
        why: list[Text] = []
        if weak_health:
            why.append(Text("health was {category}", category=f.health_category))
        if weak_usage:
            why.append(
                Text(
                    "{rate:.0%} of seats active (below {weak:.0%}, SIG-7)",
                    rate=rate,
                    weak=weak_use,
                )
            )
        if f.reason_category == "auto_renewed":
            why.append(Text("it auto-renewed"))
        reasons.append(
            Text(
                "FUND-7: renewed although {reasons}: a fragile renewal that will not survive "
                "another year without work",
                reasons=joined(why),
            )
        )
    elif not f.won and strong:
        kind = Retention.strong_usage_lost
        reasons.append(
            Text(
                "FUND-7: lost although {rate:.0%} of seats were active (at or above {strong:.0%}): "
                "strong retention, lost renewal ({reason})",
                rate=rate,
                strong=fund.strong_usage_active_rate,
                reason=f.reason_category or Text("reason unknown"),
            )
        )
    elif f.active_rate is None and f.health_category is None:
        kind = Retention.unknown
        reasons.append(Text("FUND-7: no usage or health at the decision to read retention from"))
    else:
        kind = Retention.consistent
        reasons.append(
            Text(
                "FUND-7: retention (health {category}) and outcome agree",
                category=f.health_category,
            )
            if rate is None
            else Text("FUND-7: retention ({rate:.0%} of seats active) and outcome agree", rate=rate)
        )
    said = said_vs_did(f.nps, f.won, policy)
    if said:
        reasons.append(said)
    return {
        "kind": kind.value,
        "active_rate": f.active_rate,
        "health_category": f.health_category,
        "nps": f.nps,
        "said_vs_did": _said_kind(f.nps, f.won, policy),
        "reasons": reasons,
    }


def _said_kind(nps: int | None, won: bool, policy: Policy) -> str | None:
    if nps is None:
        return None
    if nps >= policy.fundamentals.nps_promoter and not won:
        return "promoter_lost"
    if nps <= policy.signals.low_nps and won:
        return "detractor_renewed"
    return None


def said_vs_did(nps: int | None, won: bool, policy: Policy) -> Text | None:
    """FUND-8: the outcome where the score disagrees with it."""
    kind = _said_kind(nps, won, policy)
    if kind == "promoter_lost":
        return Text(
            "FUND-8: NPS {nps} (a promoter) and yet lost: the renewal is the honest answer",
            nps=nps,
        )
    if kind == "detractor_renewed":
        return Text(
            "FUND-8: NPS {nps} (a detractor) and yet renewed: see whether it is fragile", nps=nps
        )
    return None


@dataclass(frozen=True)
class DayZero:
    """TIME-4: renewals decided after their date (the timeline failed), by segment."""

    decided: int
    late: int
    late_by_segment: dict[str, tuple[int, int]]  # segment -> (late, decided)
    open_past_date: int  # open renewals whose date has passed on as_of

    @property
    def late_rate(self) -> float | None:
        return self.late / self.decided if self.decided else None


def day_zero(
    closed: Iterable[tuple[str | None, date, date | None]],
    open_dates: Iterable[date],
    *,
    as_of: date,
) -> DayZero:
    """TIME-4 from (segment, renewal date, decided on) of closed renewals and the dates of
    the open ones: decided after the renewal date = still negotiating on day 0."""
    decided = late = 0
    by_segment: dict[str, list[int]] = {}
    for segment, renewal_date, decided_on in closed:
        if decided_on is None:
            continue
        decided += 1
        is_late = decided_on > renewal_date
        late += is_late
        counts = by_segment.setdefault(segment or "-", [0, 0])
        counts[0] += is_late
        counts[1] += 1
    past = sum(1 for d in open_dates if d < as_of)
    return DayZero(decided, late, {k: (v[0], v[1]) for k, v in sorted(by_segment.items())}, past)


def attention_dropped(before: int, after: int, policy: Policy) -> bool:
    """FUND-9: fewer touches after signature than `attention_drop_ratio` of those before."""
    return before > 0 and after < before * policy.fundamentals.attention_drop_ratio


def follow_up_title(fragile: bool) -> str:
    if fragile:
        return Text(
            "After signature: deliver commitments, plan the next 90 days (fragile renewal: "
            "work on retention now)"
        )
    return Text("After signature: deliver commitments, plan the next 90 days, keep engaged")
