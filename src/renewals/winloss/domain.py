"""Win/loss rules on plain values (FUND-3, LEARN-1, LEARN-2): no database here.

- **Why** (FUND-3): the customer's words, categorised by the risk-text detectors
  (`signal.text.detect`, English, German, Indonesian, Malay) plus a few cue words per
  category, and the competitor named on the contract. The category is a suggestion
  (`reason_confirmed` false) until a person confirms or corrects it.
- **When it was really lost** (LEARN-1): the risk signals first seen in the
  `missed_signal_days` before the decision are the ones we had and missed; the
  earliest of them is when it was really lost, the decision date when they told us.
- **Patterns** (LEARN-1): "one loss to a competitor is data; five to the same
  competitor is a pattern": the same competitor, or the same reason, at least
  `pattern_count` times within `pattern_days`.
- **Stalls** (LEARN-2): the median days renewals spend in each TIME-4 stage, against
  the stage's planned length.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from statistics import median
from typing import Any

from renewals.kit.i18n import Text
from renewals.policy.domain import Stages
from renewals.signal import text

LOST = "churned"
PARTIAL = "downgraded"  # retained, but with ARR lost: its reason matters as much
WON = ("renewed", "expanded", "downgraded")


class ReasonCategory(StrEnum):
    """Why a renewal was lost or reduced (the first seven) or won (the last three)."""

    price_budget = "price_budget"
    product_fit = "product_fit"  # missing features, too complex, a competitor's product
    service_experience = "service_experience"
    value_perception = "value_perception"  # low adoption, not worth it
    business_change = "business_change"  # merger, acquisition, pivot, layoffs
    champion_left = "champion_left"
    other = "other"
    value_realised = "value_realised"
    growth = "growth"
    auto_renewed = "auto_renewed"

    @classmethod
    def loss_categories(cls) -> tuple[ReasonCategory, ...]:
        return (
            cls.price_budget,
            cls.product_fit,
            cls.service_experience,
            cls.value_perception,
            cls.business_change,
            cls.champion_left,
            cls.other,
        )

    @classmethod
    def win_categories(cls) -> tuple[ReasonCategory, ...]:
        return (cls.value_realised, cls.growth, cls.auto_renewed, cls.other)


def lost_arr(outcome: str) -> bool:
    """A churn loses the ARR, a downgrade part of it: both have a reason for the loss."""
    return outcome in (LOST, PARTIAL)


# Cue words that sharpen what the detectors find, in en / de / id / ms. The detectors
# know risk (SIG-2..8) but not which part of the product or service it was about, and
# they file an acquisition under stakeholder change (SIG-6).
CUES: dict[str, str] = {
    "acquisition": (
        r"acquir\w*|acquisition|merge[dr]?|merger|takeover|taken over|consolidat\w*|"
        r"übernomm\w*|übernahme|fusion\w*|fusioniert|konsolidier\w*|"
        r"diakuisisi|akuisisi|pengambilalihan|diambil alih|penggabungan|konsolidasi|bergabung"
    ),
    "champion": r"champion|sponsor|fürsprecher\w*|juara|penaja|penyokong utama",
    "price": (
        r"price\w*|pricing|expensive|costs?|budget\w*|cheaper|"
        r"preis\w*|teuer\w*|kosten|günstiger|harga\w*|mahal|biaya|anggaran|bajet|kos|murah"
    ),
    "product": (
        r"features?|functionality|complex\w*|complicated|bugs?|buggy|usability|hard to use|"
        r"integrations?|funktion\w*|kompliziert\w*|komplex\w*|fehler\w*|"
        r"fitur|rumit|kompleks|ciri(?:-ciri)?|sulit digunakan|sukar digunakan|integrasi"
    ),
    "service": (
        r"support|service|customer success|onboarding|account manager|response times?|"
        r"kundendienst\w*|kundenservice|betreuung|dukungan|layanan|sokongan|perkhidmatan|khidmat"
    ),
    "value": (
        r"value|roi|worth|adoption|unused|not using|low usage|"
        r"mehrwert|nutzen|lohnt|ungenutzt|genutzt|manfaat|nilai|berbaloi|jarang digunakan|"
        r"tidak digunakan|penggunaan rendah"
    ),
    "growth": (
        r"add(?:ed|ing)? (?:seats|users|licen[cs]es)|more seats|expan\w*|upgrad\w*|"
        r"new team|business unit|modules?|zusätzlich\w*|erweiter\w*|"
        r"tambah\w*|menambah\w*|naik taraf|unit bisnis"
    ),
    "won_value": (
        r"happy|value|adoption|roi|satisf\w*|zufrieden\w*|mehrwert|puas|manfaat|nilai|"
        r"berpuas hati"
    ),
    "auto": r"auto-?renew\w*|automatisch verlängert|diperpanjang otomatis|pembaharuan automatik",
}
_CUES = {name: re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE) for name, pattern in CUES.items()}


def _cue(name: str, words: str) -> str | None:
    match = _CUES[name].search(words)
    return match.group(0) if match else None


@dataclass(frozen=True)
class ReasonDecision:
    category: ReasonCategory
    reasons: tuple[str, ...]
    kinds: tuple[str, ...] = ()  # the signal kinds the detectors found in the words


def categorize(words: str | None, *, competitor: str | None, outcome: str) -> ReasonDecision:
    """FUND-3, LEARN-1: the reason category of a closed renewal from the customer's words
    and the competitor named, with the reasons; a suggestion until a person confirms it.

    Losses and downgrades, first match wins (the stated cause before the symptom):
    champion left (SIG-6, not an acquisition) > business change (SIG-8 or an
    acquisition) > price/budget (SIG-5 or a price word) > service (a service word) >
    product fit (a product word) > value perception (a value word or SIG-7) > product
    fit (SIG-4 or a competitor named: they chose another product) > service (another
    complaint, SIG-3) > value perception (they stopped engaging, SIG-2) > other.
    Wins: auto-renewed > growth (expanded, or a growth word) > value realised > other.
    """
    said = (words or "").strip()
    found = {s.signal: s for s in text.detect_once(said)} if said else {}
    kinds = tuple(found)
    quoted = (
        Text("FUND-3: the customer's words: {said!r}", said=said)
        if said
        else Text("FUND-3: no words recorded")
    )
    basis = [quoted] + [
        f"{s.rule} {s.signal}: matched {s.matched!r} ({s.language})" for s in found.values()
    ]

    def decide(category: ReasonCategory, why: str) -> ReasonDecision:
        return ReasonDecision(
            category,
            (*basis, Text("LEARN-1: {category}: {why}", category=category.value, why=why)),
            kinds,
        )

    if not lost_arr(outcome):
        if cue := _cue("auto", said):
            return decide(
                ReasonCategory.auto_renewed,
                Text("renewed without a decision ({cue})", cue=repr(cue)),
            )
        if outcome == "expanded" or _cue("growth", said):
            cue = _cue("growth", said)
            return decide(
                ReasonCategory.growth,
                Text("they grew ({cue})", cue=repr(cue)) if cue else Text("the contract expanded"),
            )
        if cue := _cue("won_value", said):
            return decide(
                ReasonCategory.value_realised, Text("they cite value ({cue})", cue=repr(cue))
            )
        return decide(ReasonCategory.other, Text("no reason the cue words recognise"))

    acquisition = _cue("acquisition", said)
    if "stakeholder_change" in found and not acquisition:
        return decide(ReasonCategory.champion_left, Text("the champion or sponsor left (SIG-6)"))
    if "business_change" in found or acquisition:
        shown = acquisition or found["business_change"].matched
        return decide(
            ReasonCategory.business_change, Text("their business changed ({cue})", cue=repr(shown))
        )
    price = found["budget"].matched if "budget" in found else _cue("price", said)
    if price:
        return decide(ReasonCategory.price_budget, Text("price or budget ({cue})", cue=repr(price)))
    if cue := _cue("service", said):
        return decide(ReasonCategory.service_experience, Text("the service ({cue})", cue=repr(cue)))
    if cue := _cue("product", said):
        return decide(
            ReasonCategory.product_fit, Text("the product did not fit ({cue})", cue=repr(cue))
        )
    if cue := _cue("value", said):
        return decide(
            ReasonCategory.value_perception, Text("the value was not seen ({cue})", cue=repr(cue))
        )
    if "usage_decline" in found:
        return decide(ReasonCategory.value_perception, Text("they stopped using it (SIG-7)"))
    if "competitive" in found or competitor:
        return decide(
            ReasonCategory.product_fit,
            Text("they chose a competitor's product ({competitor})", competitor=competitor)
            if competitor
            else Text("they chose a competitor's product"),
        )
    if "negative_feedback" in found:
        return decide(
            ReasonCategory.service_experience, Text("a complaint about the experience (SIG-3)")
        )
    if "engagement_drop" in found:
        return decide(ReasonCategory.value_perception, Text("they stopped engaging (SIG-2)"))
    return decide(ReasonCategory.other, Text("no reason the detectors or cue words recognise"))


# --- when it was really lost ----------------------------------------------------------------


@dataclass(frozen=True)
class SignalFact:
    """A risk signal as known to the system: the day we first had it and its evidence."""

    kind: str
    rule: str
    seen_on: date
    evidence: str
    source: str = ""
    severity: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rule": self.rule,
            "seen_on": self.seen_on.isoformat(),
            "severity": self.severity,
            "source": self.source,
            "evidence": self.evidence,
        }


def decision_date(closed_on: date | None, renewal_date: date) -> date:
    """When they told us: the day the renewal closed, or its date if no close is recorded."""
    return closed_on or renewal_date


def missed_signals(
    signals: Iterable[SignalFact], *, decided_on: date, days: int
) -> list[SignalFact]:
    """LEARN-1: the signals first seen in the `days` before the decision (from
    `decided_on - days` up to the day before it), oldest first: we had them and the
    renewal was still lost. A signal seen on the decision day is how they told us."""
    start = decided_on - timedelta(days=days)
    return sorted(
        (s for s in signals if start <= s.seen_on < decided_on),
        key=lambda s: (s.seen_on, s.kind),
    )


def really_lost_on(missed: Sequence[SignalFact]) -> date | None:
    """LEARN-1 heuristic: a renewal is really lost when its first risk signal appears
    (what follows is the customer deciding); None if no signal came before."""
    return min((s.seen_on for s in missed), default=None)


# --- patterns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loss:
    contract_id: str
    on: date  # the decision date
    competitor: str | None
    reason_category: str | None
    arr: float = 0.0


@dataclass(frozen=True)
class Pattern:
    kind: str  # competitor | reason
    value: str
    count: int
    first_on: date
    last_on: date
    contract_ids: tuple[str, ...]
    arr: float
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "count": self.count,
            "first_on": self.first_on.isoformat(),
            "last_on": self.last_on.isoformat(),
            "contract_ids": list(self.contract_ids),
            "arr": round(self.arr, 2),
            "reason": self.reason,
        }


def _densest(losses: list[Loss], days: int) -> list[Loss]:
    """The most losses whose first and last lie at most `days` apart (latest on ties)."""
    ordered = sorted(losses, key=lambda x: (x.on, x.contract_id))
    best: list[Loss] = []
    i = 0
    for j, loss in enumerate(ordered):
        while (loss.on - ordered[i].on).days > days:
            i += 1
        if j - i + 1 >= len(best):
            best = ordered[i : j + 1]
    return best


def patterns(losses: Iterable[Loss], *, count: int, days: int) -> list[Pattern]:
    """LEARN-1: the same competitor, or the same reason category, at least `count` times
    with at most `days` between the first and the last. "other" is never a pattern (it
    says only that the reason is unknown). Largest first."""
    groups: dict[tuple[str, str], list[Loss]] = defaultdict(list)
    for loss in losses:
        if loss.competitor:
            groups[("competitor", loss.competitor)].append(loss)
        if loss.reason_category and loss.reason_category != ReasonCategory.other:
            groups[("reason", loss.reason_category)].append(loss)
    found = []
    for (kind, value), members in groups.items():
        window = _densest(members, days)
        if len(window) < count:
            continue
        what = f"lost to {value}" if kind == "competitor" else f"lost for {value}"
        found.append(
            Pattern(
                kind=kind,
                value=value,
                count=len(window),
                first_on=window[0].on,
                last_on=window[-1].on,
                contract_ids=tuple(x.contract_id for x in window),
                arr=sum(x.arr for x in window),
                reason=(
                    Text(
                        "LEARN-1: {n} renewals {what} between {first} and {last} (a pattern from {count} within {days} days)",
                        n=len(window),
                        what=what,
                        first=window[0].on,
                        last=window[-1].on,
                        count=count,
                        days=days,
                    )
                ),
            )
        )
    return sorted(found, key=lambda p: (-p.count, p.kind, p.value))


# --- stalls ---------------------------------------------------------------------------------

PLANNED_STAGES = ("assessment", "preparation", "engagement", "closing")


def planned(stages: Stages) -> dict[str, tuple[int, int]]:
    """TIME-4 per stage: (days before the renewal it starts, its planned length in days).
    Assessment 90 -> 60 is 30 days, preparation 60 -> 30 is 30, engagement 30 -> 14 is 16,
    closing 14 -> 0 is 14 (with the default policy)."""
    return {
        "assessment": (stages.assessment_days, stages.assessment_days - stages.preparation_days),
        "preparation": (
            stages.preparation_days,
            stages.preparation_days - stages.engagement_days,
        ),
        "engagement": (stages.engagement_days, stages.engagement_days - stages.closing_days),
        "closing": (stages.closing_days, stages.closing_days),
    }


@dataclass(frozen=True)
class Visit:
    """A renewal's stay in one stage: from the change into it to the next change (or open)."""

    renewal_id: str
    stage: str
    entered_on: date
    left_on: date | None
    renewal_date: date


def visits(
    changes: Iterable[tuple[str, str, date]], renewal_dates: Mapping[str, date]
) -> list[Visit]:
    """Stage visits from the stage history (renewal id, to stage, on), in recorded order."""
    by_renewal: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for renewal_id, to_stage, on in changes:
        by_renewal[renewal_id].append((to_stage, on))
    found = []
    for renewal_id, moves in by_renewal.items():
        if renewal_id not in renewal_dates:
            continue
        for k, (stage, on) in enumerate(moves):
            left = moves[k + 1][1] if k + 1 < len(moves) else None
            found.append(Visit(renewal_id, stage, on, left, renewal_dates[renewal_id]))
    return found


def stay_days(visit: Visit, starts_before: int, *, as_of: date) -> int:
    """Days spent in the stage, counted from its planned start at the earliest: a renewal
    opened a year ahead waits in assessment by design, which is not a stall."""
    start = max(visit.entered_on, visit.renewal_date - timedelta(days=starts_before))
    end = visit.left_on or as_of
    return max(0, (end - start).days)


@dataclass(frozen=True)
class StageStall:
    stage: str
    planned_days: int
    renewals: int  # completed stays measured
    median_days: float | None
    stalled: bool
    open_over: int  # renewals in the stage now, already past factor x planned
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "planned_days": self.planned_days,
            "renewals": self.renewals,
            "median_days": self.median_days,
            "stalled": self.stalled,
            "open_over": self.open_over,
            "reason": self.reason,
        }


def stalls(
    stays: Iterable[Visit], stages: Stages, *, factor: float, as_of: date
) -> list[StageStall]:
    """LEARN-2: per TIME-4 stage, the median completed stay against the planned length;
    a stall when the median exceeds `factor` x planned. Open stays (the renewal is in
    the stage now) are left out of the median and counted when already past it."""
    plan = planned(stages)
    done: dict[str, list[int]] = defaultdict(list)
    stuck: dict[str, int] = defaultdict(int)
    for v in stays:
        if v.stage not in plan or v.entered_on > as_of:
            continue
        starts_before, length = plan[v.stage]
        days = stay_days(v, starts_before, as_of=as_of)
        if v.left_on is None or v.left_on > as_of:
            if days > factor * length:
                stuck[v.stage] += 1
            continue
        done[v.stage].append(days)
    result = []
    for stage, (_, length) in plan.items():
        values = done.get(stage, [])
        mid = float(median(values)) if values else None
        limit = factor * length
        stalled = mid is not None and mid > limit
        if mid is None:
            why = Text("LEARN-2: no completed {stage} stay yet", stage=stage)
        else:
            why = (
                Text(
                    "LEARN-2: median {mid:g} days in {stage} against {length} planned "
                    "(over {factor:g} x = {limit:g})",
                    mid=mid,
                    stage=stage,
                    length=length,
                    factor=factor,
                    limit=limit,
                )
                if stalled
                else Text(
                    "LEARN-2: median {mid:g} days in {stage} against {length} planned "
                    "(within {factor:g} x = {limit:g})",
                    mid=mid,
                    stage=stage,
                    length=length,
                    factor=factor,
                    limit=limit,
                )
            )
        result.append(
            StageStall(stage, length, len(values), mid, stalled, stuck.get(stage, 0), why)
        )
    return result
