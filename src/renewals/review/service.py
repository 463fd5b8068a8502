"""The quarterly review (LEARN-2), generated from the book, with its decisions recorded.

"Every quarter, review your renewal process. What worked in the timeline? Where did
renewals consistently stall? What automation would help? Where do we need more or less
human touch? How accurate was our risk assessment? Make incremental improvements based on
data, not gut feel. I have seen teams redesign their whole renewal process because of one
bad quarter. Don't. Look for sustained patterns." (Renewal Strategy Framework)

The review of a quarter reads only the product's own records: the win/loss records decided
in it (and the three quarters before, for the trend), the library uses and save plans,
the stage history (where renewals stall), the forecast backtest of the quarter (how the
risk calls ended) and the renewals still negotiated on their date. A decision records the
policy key it changes, so the next review shows whether the effective policy has it.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from renewals.errors import RenewalsError
from renewals.kit.calendar import Quarter, quarter_of
from renewals.kit.i18n import Text
from renewals.policy import service as policy_service
from renewals.policy.domain import Policy
from renewals.review.models import ReviewDecision
from renewals.winloss import fundamentals as fund_rules
from renewals.winloss.domain import StageStall
from renewals.winloss.models import WinLossRecord


def parse_quarter(text: str | None, *, as_of: date) -> Quarter:
    """'2026-Q3' -> that quarter; None -> the last complete quarter before `as_of`."""
    if text is None:
        return quarter_of(as_of).previous()
    try:
        year, q = text.upper().split("-Q")
        start = date(int(year), (int(q) - 1) * 3 + 1, 1)
    except ValueError:
        raise RenewalsError(
            Text("a quarter is written 2026-Q3, not {value}", value=repr(text)), 422
        ) from None
    return quarter_of(start)


def _decided(r: WinLossRecord) -> date:
    return r.told_on or r.closed_on or r.renewal_date


@dataclass(frozen=True)
class QuarterOutcome:
    quarter: str
    decided: int
    won: int
    arr_due: float
    arr_kept: float

    @property
    def renewal_rate(self) -> float | None:
        return self.won / self.decided if self.decided else None

    @property
    def grr(self) -> float | None:
        return self.arr_kept / self.arr_due if self.arr_due else None


@dataclass
class QuarterReview:
    quarter: Quarter
    as_of: date
    outcomes: list[QuarterOutcome]  # this quarter last, the three before first
    worked: list[str] = field(default_factory=list)
    did_not: list[str] = field(default_factory=list)
    stalls: list[StageStall] = field(default_factory=list)
    risk_calls: list[dict[str, Any]] = field(default_factory=list)
    risk_note: str = ""
    day_zero: fund_rules.DayZero | None = None
    decisions: list[dict[str, Any]] = field(default_factory=list)
    sustained: list[str] = field(default_factory=list)
    currency: str = "USD"  # TECH-5: the reporting currency of every ARR above


def _outcome(key: str, records: list[WinLossRecord], rate: dict[str, float]) -> QuarterOutcome:
    """The quarter's outcomes; ARR times each record's `rate` to the reporting currency."""
    due = sum(float(r.arr) * rate[r.contract_id] for r in records)
    kept = sum(
        float(r.outcome_arr if r.outcome_arr is not None else r.arr) * rate[r.contract_id]
        for r in records
        if r.won
    )
    return QuarterOutcome(key, len(records), sum(r.won for r in records), due, kept)


def review(
    session: Session,
    policy: Policy,
    *,
    quarter: Quarter,
    as_of: date,
    data_dir: Path | None = None,
    memory_limit: str = "2GB",
) -> QuarterReview:
    """LEARN-2: the review of one quarter from the book (reads only)."""
    from renewals.library.models import LibraryItem, LibraryUse
    from renewals.winloss import service as winloss_service

    records = list(session.scalars(select(WinLossRecord)))
    quarters = [
        quarter.previous().previous().previous(),
        quarter.previous().previous(),
        quarter.previous(),
        quarter,
    ]
    by_quarter = {q.key: [r for r in records if _decided(r) in q] for q in quarters}
    # TECH-5: ARR in the reporting currency, each record at its renewal date's rate
    reporting, rate = winloss_service.record_rates(
        session, policy, [r for q in quarters for r in by_quarter[q.key]], as_of=as_of
    )
    out = QuarterReview(
        quarter,
        as_of,
        [_outcome(q.key, by_quarter[q.key], rate) for q in quarters],
        currency=reporting,
    )
    these = by_quarter[quarter.key]
    wins = Counter(r.reason_category or "other" for r in these if r.won)
    losses = Counter(r.reason_category or "other" for r in these if not r.won)
    for reason, n in wins.most_common(3):
        out.worked.append(
            Text("LEARN-1: {n} renewals won for {reason}", n=n, reason=reason.replace("_", " "))
        )
    for reason, n in losses.most_common(3):
        arr = sum(
            float(r.arr) * rate[r.contract_id]
            for r in these
            if not r.won and (r.reason_category or "other") == reason
        )
        out.did_not.append(
            Text(
                "LEARN-1: {n} lost to {reason} (ARR {arr:,.0f} {reporting})",
                n=n,
                reason=reason.replace("_", " "),
                arr=arr,
                reporting=reporting,
            )
        )
    lost = [r for r in these if not r.won]
    if lost:
        missed = sum(bool(r.missed_signals) for r in lost)
        out.did_not.append(
            Text(
                "LEARN-1: {missed} of {lost} losses had signals we did not act on before the decision",
                missed=missed,
                lost=len(lost),
            )
        )
    fragile = sum((r.retention or {}).get("kind") == "fragile" for r in these)
    if fragile:
        out.did_not.append(
            Text(
                "FUND-7: {fragile} wins were fragile (weak retention renewed anyway)",
                fragile=fragile,
            )
        )
    # LEARN-3: the library items used on the quarter's renewals, by outcome.
    renewal_ids = {r.renewal_id: r.won for r in these if r.renewal_id}
    if renewal_ids:
        uses: Counter[str] = Counter()
        won_uses: Counter[str] = Counter()
        for key, rid in session.execute(
            select(LibraryItem.key, LibraryUse.renewal_id)
            .join(LibraryItem, LibraryItem.item_id == LibraryUse.item_id)
            .where(LibraryUse.renewal_id.in_(list(renewal_ids)))
        ):
            uses[key] += 1
            won_uses[key] += renewal_ids[rid]
        for key, n in uses.most_common(3):
            line = Text(
                "LEARN-3: {key} used on {n} renewals decided this quarter, {won} won",
                key=key,
                n=n,
                won=won_uses[key],
            )
            (out.worked if won_uses[key] * 2 >= n else out.did_not).append(line)
    out.stalls = [
        s for s in winloss_service.stalls(session, policy, as_of=quarter.end) if s.stalled
    ]
    out.day_zero = fund_rules.day_zero(
        ((r.segment, r.renewal_date, r.closed_on) for r in these), [], as_of=quarter.end
    )
    if data_dir is not None:
        _risk_calls(session, policy, out, data_dir=data_dir, memory_limit=memory_limit)
    out.sustained = _sustained(out.outcomes, policy)
    out.decisions = decisions(session, policy, quarter=quarter.key)
    return out


def _risk_calls(
    session: Session, policy: Policy, out: QuarterReview, *, data_dir: Path, memory_limit: str
) -> None:
    """LEARN-2 "how accurate was our risk assessment": the backtest of the quarter: how the
    renewals of each health category, as they looked on its first day, ended."""
    from renewals.forecast.backtest import backtest

    try:
        result = backtest(
            session,
            policy,
            data_dir=data_dir,
            memory_limit=memory_limit,
            date_from=out.quarter.start,
            date_to=out.quarter.start,
        )
    except RenewalsError as exc:
        out.risk_note = str(exc)
        return
    q = result.quarters[0] if result.quarters else None
    if q is None or not q.complete:
        out.risk_note = (
            q.note if q else ""
        ) or "the quarter is not complete: no risk calls to judge"
        return
    out.risk_calls = [row.as_dict() for row in result.health]
    red = next((r for r in result.health if r.category == "red"), None)
    green = next((r for r in result.health if r.category == "green"), None)
    if red and green and red.churn_rate is not None and green.churn_rate is not None:
        right = red.churn_rate > green.churn_rate
        out.risk_note = (
            Text(
                "LEARN-2: red renewals churned {red:.0%}, green {green:.0%}: the risk calls "
                "ranked right",
                red=red.churn_rate,
                green=green.churn_rate,
            )
            if right
            else Text(
                "LEARN-2: red renewals churned {red:.0%}, green {green:.0%}: the risk calls did "
                "not separate them",
                red=red.churn_rate,
                green=green.churn_rate,
            )
        )


def _sustained(outcomes: list[QuarterOutcome], policy: Policy) -> list[str]:
    """LEARN-2: a change is for a sustained pattern, not one bad quarter."""
    rates = [(o.quarter, o.renewal_rate) for o in outcomes if o.renewal_rate is not None]
    if len(rates) < 2:
        return [
            Text("LEARN-2: fewer than two quarters of outcomes: too early to change the process")
        ]
    last = rates[-1][1]
    before = [r for _, r in rates[:-1]]
    mean_before = sum(before) / len(before)
    below = sum(r < mean_before for _, r in rates[-2:])
    figures = {"last": last, "mean_before": mean_before, "quarters": len(before)}
    if last < mean_before and below < 2:
        return [
            Text(
                "LEARN-2: renewal rate {last:.0%} this quarter against {mean_before:.0%} over "
                "the {quarters} before: one bad quarter is not a pattern; watch, don't redesign",
                **figures,
            )
        ]
    if last < mean_before:
        return [
            Text(
                "LEARN-2: renewal rate {last:.0%} this quarter against {mean_before:.0%} over "
                "the {quarters} before: two quarters below in a row: a sustained pattern worth "
                "a change",
                **figures,
            )
        ]
    return [
        Text(
            "LEARN-2: renewal rate {last:.0%} this quarter against {mean_before:.0%} over the "
            "{quarters} before",
            **figures,
        )
    ]


def _path_value(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise RenewalsError(
                Text(
                    "{key} is not a policy key (`renewals policy show` lists them)", key=repr(key)
                ),
                422,
            )
        node = node[part]
    if isinstance(node, dict):
        raise RenewalsError(Text("{key} is a table: name one of its keys", key=repr(key)), 422)
    return node


def _set_path(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    parts = key.split(".")
    change: dict[str, Any] = {parts[-1]: value}
    for part in reversed(parts[:-1]):
        change = {part: change}
    return policy_service.merge(data, change)


def decide(
    session: Session,
    policy: Policy,
    *,
    quarter: str,
    decision: str,
    by: str,
    on: date,
    evidence: str | None = None,
    policy_key: str | None = None,
    to_value: str | None = None,
) -> ReviewDecision:
    """LEARN-2: record a decision of the review; with a policy key, the new value is checked
    against the policy (as a TOML value) and the rule ID and the value then are kept."""
    if not decision.strip():
        raise RenewalsError(Text("say what was decided (--decision)"))
    parse_quarter(quarter, as_of=on)
    rule = from_value = new = None
    if policy_key:
        if to_value is None:
            raise RenewalsError(Text("--to is needed with --policy-key (the new value, as TOML)"))
        current = policy.model_dump(mode="json")
        from_value = _path_value(current, policy_key)
        try:
            new = tomllib.loads(f"v = {to_value}")["v"]
        except tomllib.TOMLDecodeError:
            raise RenewalsError(
                Text(
                    '--to {value} is not a TOML value (numbers as 0.8, text as "...", '
                    "lists as [..])",
                    value=repr(to_value),
                ),
                422,
            ) from None
        policy_service.validate(_set_path(current, policy_key, new), f"--to for {policy_key}")
        rule = next((e.rule for e in policy_service.entries(policy) if e.key == policy_key), None)
    row = ReviewDecision(
        quarter=parse_quarter(quarter, as_of=on).key,
        decided_on=on,
        decided_by=by,
        decision=decision.strip(),
        evidence=(evidence or "").strip() or None,
        policy_key=policy_key,
        rule=rule,
        from_value=from_value,
        to_value=new,
    )
    session.add(row)
    session.flush()
    return row


def decisions(
    session: Session, policy: Policy, *, quarter: str | None = None
) -> list[dict[str, Any]]:
    """The recorded decisions with whether the effective policy now has the decided value."""
    query = select(ReviewDecision).order_by(ReviewDecision.decided_on, ReviewDecision.decision_id)
    if quarter:
        query = query.where(ReviewDecision.quarter == quarter)
    current = policy.model_dump(mode="json")
    out = []
    for d in session.scalars(query):
        status = None
        if d.policy_key:
            try:
                now = _path_value(current, d.policy_key)
                status = "applied" if now == d.to_value else "pending"
            except RenewalsError:
                status = "key gone"
        out.append(
            {
                "id": d.decision_id,
                "quarter": d.quarter,
                "decided_on": d.decided_on.isoformat(),
                "by": d.decided_by,
                "decision": d.decision,
                "evidence": d.evidence,
                "policy_key": d.policy_key,
                "rule": d.rule,
                "from": d.from_value,
                "to": d.to_value,
                "status": status,
            }
        )
    return out
