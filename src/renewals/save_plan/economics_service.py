"""Save economics for the open triages (SAVE-1, SAVE-7, LOST-1): load -> economics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from renewals.account.domain import Segment
from renewals.policy.domain import Policy
from renewals.renewal.domain import OPEN_STAGES
from renewals.renewal.models import Renewal
from renewals.save_plan.economics import SaveEconomics, economics
from renewals.save_plan.models import SaveTriage


@dataclass
class EconomicsReport:
    rows: list[SaveEconomics]
    verdicts: Counter[str] = field(default_factory=Counter)
    expansion_arr_per_hour: float | None = None
    cost: float = 0.0
    expected_arr: float = 0.0
    prevention_arr: float = 0.0
    refused_cost: float = 0.0
    refused_arr: float = 0.0


def normal_hours(policy: Policy, segment: str) -> float:
    """SEG-1: a normal renewal's team hours in the segment (the band's maximum)."""
    band = policy.segments.band(Segment(segment))
    return float(band.team_hours.max) if band else 0.0


def expansion_per_hour(session: Session, policy: Policy) -> float | None:
    """SAVE-7: the book's expected expansion ARR per team hour, from the open expansion
    renewals: (target - current ARR) x likelihood, over their segments' team hours."""
    rows = session.execute(
        select(Renewal.segment, Renewal.current_arr, Renewal.target_arr, Renewal.likelihood).where(
            Renewal.opportunity_type == "expansion",
            Renewal.stage.in_([s.value for s in OPEN_STAGES]),
        )
    ).all()
    hours = sum(normal_hours(policy, seg) for seg, *_ in rows)
    if not rows or hours <= 0:
        return None
    prior = policy.forecast.prior.expansion
    gain = sum(
        float(target - current) * (likelihood if likelihood is not None else prior)
        for _, current, target, likelihood in rows
    )
    return gain / hours


def report(session: Session, policy: Policy, *, renewal_id: str | None = None) -> EconomicsReport:
    """SAVE-1, SAVE-7, LOST-1 for every open triage (or one renewal's)."""
    per_hour = expansion_per_hour(session, policy)
    query = (
        select(SaveTriage, Renewal.current_arr, Renewal.segment)
        .join(Renewal, Renewal.renewal_id == SaveTriage.renewal_id)
        .where(SaveTriage.status == "open")
    )
    if renewal_id:
        query = query.where(SaveTriage.renewal_id == renewal_id)
    out = EconomicsReport([], expansion_arr_per_hour=per_hour)
    for t, arr, segment in session.execute(query.order_by(SaveTriage.renewal_id)):
        e = economics(
            renewal_id=t.renewal_id,
            arr=float(arr),
            effort=t.effort,
            band_rate=t.success_rate,
            normal_hours=normal_hours(policy, segment),
            expansion_arr_per_hour=per_hour,
            policy=policy,
        )
        out.rows.append(e)
        out.verdicts[e.verdict.value] += 1
        if e.verdict == "refuse":
            out.refused_cost += e.cost[0]
            out.refused_arr += e.arr
        elif e.verdict != "none":
            out.cost += e.cost[0]
            out.expected_arr += e.expected_arr
            out.prevention_arr += e.prevention_arr
    return out
