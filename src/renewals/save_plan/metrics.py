"""MET-1 save metrics on plain values: attempt rate, success rate, save ROI, post-save
retention and time to save, overall and per group (segment or owner), plus what
happened to triaged renewals nobody tried to save.

One `SaveCase` per at-risk renewal (triaged, or with a save plan). The service
builds the cases as they stood on `as_of`; nothing here reads a clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from statistics import median
from typing import Any

from renewals.kit.i18n import Text

# Fewer closed plans than this and a rate moves a lot with each one; the report says so.


@dataclass(frozen=True)
class SaveCase:
    """One at-risk renewal as of the report's day.

    `renewal_outcome` is won, lost or None (still open); `plan_outcome` saved, lost or
    None (no plan, or still active); `effort_hours` the hours recorded on the plan, or
    the policy's hours for its effort (SAVE-7) when none were recorded;
    `saved_arr` the ARR kept when the plan saved it; `next_renewal` won, lost or None
    (not due yet, or not known) for the account's next renewal after a save.
    """

    renewal_id: str
    segment: str
    owner: str
    arr: Decimal
    triaged: bool = True
    renewal_outcome: str | None = None
    plan_started_on: date | None = None
    plan_closed_on: date | None = None
    plan_outcome: str | None = None
    effort_hours: float = 0.0
    saved_arr: Decimal | None = None
    next_renewal: str | None = None

    @property
    def has_plan(self) -> bool:
        return self.plan_started_on is not None


@dataclass(frozen=True)
class Thresholds:
    """MET-1/SAVE-1 benchmarks (policy `metrics`) and ROI-1's hourly rate."""

    solid_min: float
    solid_max: float
    suspicious: float
    hourly_rate: Decimal
    min_sample: int = 10


@dataclass(frozen=True)
class SaveFigures:
    at_risk: int
    attempted: int
    attempt_rate: float | None
    plans_closed: int
    saved: int
    lost: int
    active: int
    success_rate: float | None
    success_verdict: str | None  # below_solid | solid | above_solid | suspicious
    saved_arr: Decimal
    effort_hours: float
    effort_cost: Decimal
    roi_multiple: float | None  # saved ARR / effort cost
    net_saved: Decimal  # saved ARR - effort cost
    retained_next: int
    lost_next: int
    next_unknown: int
    post_save_retention: float | None
    time_to_save_days: float | None  # median
    no_plan_won: int
    no_plan_lost: int
    no_plan_open: int
    renewed_without_plan_rate: float | None
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, Decimal):
                value = float(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def verdict(rate: float | None, t: Thresholds) -> str | None:
    """MET-1: 50-60% is solid; above 70% may mean effort goes to accounts that would
    renew anyway."""
    if rate is None:
        return None
    if rate > t.suspicious:
        return "suspicious"
    if rate < t.solid_min:
        return "below_solid"
    if rate <= t.solid_max:
        return "solid"
    return "above_solid"


def figures(cases: Sequence[SaveCase], t: Thresholds) -> SaveFigures:
    """MET-1 for one set of at-risk renewals."""
    planned = [c for c in cases if c.has_plan]
    closed = [c for c in planned if c.plan_outcome in ("saved", "lost")]
    saved = [c for c in closed if c.plan_outcome == "saved"]
    hours = sum(c.effort_hours for c in closed)
    cost = (Decimal(str(hours)) * t.hourly_rate).quantize(Decimal("0.01"))
    saved_arr = sum((c.saved_arr if c.saved_arr is not None else c.arr for c in saved), Decimal(0))
    won_next = sum(1 for c in saved if c.next_renewal == "won")
    lost_next = sum(1 for c in saved if c.next_renewal == "lost")
    durations = [
        (c.plan_closed_on - c.plan_started_on).days
        for c in saved
        if c.plan_closed_on and c.plan_started_on
    ]
    unplanned = [c for c in cases if not c.has_plan]
    np_won = sum(1 for c in unplanned if c.renewal_outcome == "won")
    np_lost = sum(1 for c in unplanned if c.renewal_outcome == "lost")
    success = _rate(len(saved), len(closed))
    return SaveFigures(
        at_risk=len(cases),
        attempted=len(planned),
        attempt_rate=_rate(len(planned), len(cases)),
        plans_closed=len(closed),
        saved=len(saved),
        lost=len(closed) - len(saved),
        active=len(planned) - len(closed),
        success_rate=success,
        success_verdict=verdict(success, t),
        saved_arr=saved_arr,
        effort_hours=round(hours, 2),
        effort_cost=cost,
        roi_multiple=round(float(saved_arr / cost), 2) if cost else None,
        net_saved=saved_arr - cost,
        retained_next=won_next,
        lost_next=lost_next,
        next_unknown=len(saved) - won_next - lost_next,
        post_save_retention=_rate(won_next, won_next + lost_next),
        time_to_save_days=float(median(durations)) if durations else None,
        no_plan_won=np_won,
        no_plan_lost=np_lost,
        no_plan_open=len(unplanned) - np_won - np_lost,
        renewed_without_plan_rate=_rate(np_won, np_won + np_lost),
        notes=tuple(notes_for(len(closed), success, t, _rate(np_won, np_won + np_lost))),
    )


def notes_for(
    closed: int, success: float | None, t: Thresholds, without_plan: float | None
) -> list[str]:
    """What a reader should know about these figures, in words."""
    notes: list[str] = []
    kind = verdict(success, t)
    if success is not None:
        if kind == "suspicious":
            notes.append(
                Text(
                    "MET-1: success rate {rate:.0%} is above {suspicious:.0%}: effort may be going "
                    "to accounts that would renew anyway; compare with triaged renewals without "
                    "a plan",
                    rate=success,
                    suspicious=t.suspicious,
                )
            )
        elif kind == "solid":
            notes.append(
                Text(
                    "MET-1: success rate {rate:.0%} is solid ({low:.0%}-{high:.0%})",
                    rate=success,
                    low=t.solid_min,
                    high=t.solid_max,
                )
            )
        elif kind == "below_solid":
            notes.append(
                Text(
                    "MET-1: success rate {rate:.0%} is below the {low:.0%}-{high:.0%} good teams "
                    "reach where they commit to a serious effort (SAVE-1)",
                    rate=success,
                    low=t.solid_min,
                    high=t.solid_max,
                )
            )
        else:
            notes.append(
                Text(
                    "MET-1: success rate {rate:.0%} is above solid ({high:.0%}) but not "
                    "suspicious (<= {suspicious:.0%})",
                    rate=success,
                    high=t.solid_max,
                    suspicious=t.suspicious,
                )
            )
    if 0 < closed < t.min_sample:
        notes.append(Text("only {n} closed save plan(s): each one moves the rates a lot", n=closed))
    if success is not None and without_plan is not None and without_plan >= success:
        notes.append(
            Text(
                "triaged renewals without a plan renewed at {without:.0%}, not below the plans' "
                "{rate:.0%}: the plans may not be what saves these accounts",
                without=without_plan,
                rate=success,
            )
        )
    return notes


@dataclass(frozen=True)
class SaveMetricsReport:
    as_of: date
    since: date | None
    by: str
    overall: SaveFigures
    groups: dict[str, SaveFigures] = field(default_factory=dict)
    message: str | None = None  # set when there is nothing to measure yet
    currency: str = "USD"  # TECH-5: the reporting currency of every amount

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "since": self.since.isoformat() if self.since else None,
            "by": self.by,
            "message": self.message,
            "overall": self.overall.as_dict(),
            "groups": {k: v.as_dict() for k, v in self.groups.items()},
        }


NO_TRIAGE = Text(
    "no at-risk renewals triaged yet: `renewals run` triages them (SAVE-2..7) once "
    "renewals are at risk (SEG-3)"
)
NO_PLANS = Text("no save plans yet: start one with `renewals saves plan RENEWAL_ID`")


def build_report(
    cases: Iterable[SaveCase],
    t: Thresholds,
    *,
    as_of: date,
    by: str = "segment",
    since: date | None = None,
) -> SaveMetricsReport:
    """MET-1 overall and per `by` (segment or owner), biggest group first."""
    if by not in ("segment", "owner"):
        raise ValueError(f"by must be segment or owner, got {by!r}")
    all_cases = list(cases)
    grouped: dict[str, list[SaveCase]] = defaultdict(list)
    for case in all_cases:
        grouped[getattr(case, by)].append(case)
    groups = {
        key: figures(rows, t)
        for key, rows in sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    }
    message = None
    if not all_cases:
        message = NO_TRIAGE
    elif not any(c.has_plan for c in all_cases):
        message = NO_PLANS
    return SaveMetricsReport(as_of, since, by, figures(all_cases, t), groups, message)
