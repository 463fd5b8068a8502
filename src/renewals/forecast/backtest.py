"""Backtest (TECH-1, LEARN-2): replay past quarters and compare the forecast with what happened.

For every calendar quarter whose first day lies in [date_from, date_to]:

1. `as_of` is the quarter's first day. The renewals due are the contracts whose end
   date lies in the quarter and that had started by `as_of` (they existed then,
   whatever their outcome was later).
2. Each renewal is described as it looked on `as_of` (point in time): the health of
   the whole book scored on that day (`health.service.score_accounts`, so the bottom
   quartile is of the book as it was), the SIG-0 risk from the numeric signals of
   that score and the text signals dated in the look-back window, and the stage from
   the renewal's stage history (or, without one, the stage the daily run would have
   moved it to by date). Nothing dated after `as_of` is read, except the outcome.
3. The engine (the policy prior, or the learned model trained only on renewals closed
   before `as_of`) gives a likelihood of renewal; the forecast renewed ARR is
   sum(likelihood x ARR).
4. The actual renewed ARR is the ARR of the renewals that were retained (renewed,
   expanded or downgraded), **at the contract's ARR**. The likelihood is the chance
   that the customer renews, not how much: counting a downgrade at its lower
   outcome ARR (or an expansion at its higher one) would score the engine on a size
   it does not forecast. What was actually booked (outcome ARR) is reported beside it.

Error = forecast - actual; APE = |error| / actual; MAPE = the mean APE of the complete
quarters. A quarter with an open renewal (no outcome yet) is reported as incomplete
and left out of MAPE and of the category accuracy (LEARN-2: "how accurate was our
risk assessment": churn rate per health category and renewal rate per forecast
category, over the complete quarters).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from statistics import fmean
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from renewals.account.models import Account
from renewals.contract.models import Contract
from renewals.errors import RenewalsError
from renewals.forecast import training
from renewals.forecast.engine import Engine, RenewalFeatures
from renewals.forecast.prior import PriorEngine
from renewals.health import service as health_service
from renewals.kit.calendar import Quarter, quarters_between
from renewals.kit.i18n import Text, joined
from renewals.policy.domain import ForecastCategories, Policy
from renewals.renewal.domain import Stage, advance
from renewals.renewal.models import Renewal, StageChange, stage_moves_only

Progress = Callable[[str, int, int], None]

RETAINED = ("renewed", "expanded", "downgraded")
HEALTH_CATEGORIES = ("expansion", "green", "yellow", "red", "unscored")
FORECAST_CATEGORIES = ("commit", "probable", "at_risk", "lost")
ENGINES = ("prior", "learned")


def forecast_category(likelihood: float, categories: ForecastCategories) -> str:
    """TECH-5: commit, probable, at_risk or lost by the policy's thresholds."""
    if likelihood >= categories.commit:
        return "commit"
    if likelihood >= categories.probable:
        return "probable"
    if likelihood >= categories.at_risk:
        return "at_risk"
    return "lost"


@dataclass(frozen=True)
class Due:
    """A renewal due in a replayed quarter, with the outcome known today (None: open)."""

    contract_id: str
    account_id: str
    renewal_date: date
    arr: float
    outcome: str | None
    outcome_arr: float | None = None

    @property
    def retained(self) -> bool:
        return self.outcome in RETAINED


@dataclass(frozen=True)
class Replayed:
    """One due renewal as the engine saw it on `as_of`."""

    due: Due
    likelihood: float
    health_category: str  # HEALTH_CATEGORIES
    forecast_category: str  # FORECAST_CATEGORIES


@dataclass(frozen=True)
class QuarterResult:
    quarter: Quarter
    as_of: date
    engine: str
    renewals: int
    closed: int
    forecast_arr: float
    actual_arr: float | None  # None while incomplete
    booked_arr: float | None  # outcome ARR of the retained (context, not scored)
    note: str = ""

    @property
    def complete(self) -> bool:
        return self.renewals > 0 and self.closed == self.renewals

    @property
    def error(self) -> float | None:
        return None if self.actual_arr is None else self.forecast_arr - self.actual_arr

    @property
    def ape(self) -> float | None:
        if self.actual_arr is None or self.error is None or self.actual_arr == 0:
            return None
        return abs(self.error) / self.actual_arr

    def as_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter.key,
            "start": self.quarter.start.isoformat(),
            "end": self.quarter.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "engine": self.engine,
            "renewals": self.renewals,
            "closed": self.closed,
            "complete": self.complete,
            "forecast_arr": round(self.forecast_arr, 2),
            "actual_arr": None if self.actual_arr is None else round(self.actual_arr, 2),
            "booked_arr": None if self.booked_arr is None else round(self.booked_arr, 2),
            "error": None if self.error is None else round(self.error, 2),
            "ape": None if self.ape is None else round(self.ape, 6),
            "note": self.note,
        }


def quarter_result(
    quarter: Quarter, rows: Sequence[Replayed], *, engine: str, note: str = ""
) -> QuarterResult:
    """Forecast = sum(likelihood x ARR); actual = ARR of the retained (only once all closed)."""
    closed = sum(r.due.outcome is not None for r in rows)
    complete = bool(rows) and closed == len(rows)
    retained = [r.due for r in rows if r.due.retained]
    return QuarterResult(
        quarter=quarter,
        as_of=quarter.start,
        engine=engine,
        renewals=len(rows),
        closed=closed,
        forecast_arr=sum(r.likelihood * r.due.arr for r in rows),
        actual_arr=sum(d.arr for d in retained) if complete else None,
        booked_arr=sum(d.outcome_arr or 0.0 for d in retained) if complete else None,
        note=note or ("" if rows else Text("no renewals due")),
    )


def mape(quarters: Iterable[QuarterResult]) -> float | None:
    """The mean absolute percentage error over the complete quarters (None if there are none)."""
    errors = [q.ape for q in quarters if q.complete and q.ape is not None]
    return fmean(errors) if errors else None


@dataclass(frozen=True)
class CategoryRow:
    """How one category's renewals ended: the test of the risk assessment (LEARN-2)."""

    category: str
    renewals: int
    retained: int
    arr: float
    mean_likelihood: float | None

    @property
    def churned(self) -> int:
        return self.renewals - self.retained

    @property
    def churn_rate(self) -> float | None:
        return self.churned / self.renewals if self.renewals else None

    @property
    def renewal_rate(self) -> float | None:
        return self.retained / self.renewals if self.renewals else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "renewals": self.renewals,
            "retained": self.retained,
            "churned": self.churned,
            "churn_rate": None if self.churn_rate is None else round(self.churn_rate, 4),
            "renewal_rate": None if self.renewal_rate is None else round(self.renewal_rate, 4),
            "mean_likelihood": None
            if self.mean_likelihood is None
            else round(self.mean_likelihood, 4),
            "arr": round(self.arr, 2),
        }


def category_accuracy(
    rows: Iterable[Replayed], *, by: str, order: Sequence[str]
) -> list[CategoryRow]:
    """Per category (`by`: health_category or forecast_category): renewals, retained, ARR
    and the mean likelihood given (to set beside the observed renewal rate)."""
    groups: dict[str, list[Replayed]] = defaultdict(list)
    for r in rows:
        groups[getattr(r, by)].append(r)
    return [
        CategoryRow(
            category=key,
            renewals=len(groups[key]),
            retained=sum(r.due.retained for r in groups[key]),
            arr=sum(r.due.arr for r in groups[key]),
            mean_likelihood=fmean(r.likelihood for r in groups[key]) if groups[key] else None,
        )
        for key in order
        if groups.get(key)
    ]


@dataclass(frozen=True)
class BacktestReport:
    date_from: date
    date_to: date
    engine: str
    quarters: list[QuarterResult]
    health: list[CategoryRow]  # by health category on as_of, complete quarters
    forecast: list[CategoryRow]  # by forecast category, complete quarters
    notes: list[str] = field(default_factory=list)

    @property
    def mape(self) -> float | None:
        return mape(self.quarters)

    @property
    def complete_quarters(self) -> int:
        return sum(q.complete for q in self.quarters)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "engine": self.engine,
            "mape": None if self.mape is None else round(self.mape, 6),
            "complete_quarters": self.complete_quarters,
            "quarters": [q.as_dict() for q in self.quarters],
            "health_categories": [c.as_dict() for c in self.health],
            "forecast_categories": [c.as_dict() for c in self.forecast],
            "notes": list(self.notes),
            "definitions": {
                "forecast_arr": "sum(likelihood x contract ARR) of the renewals due",
                "actual_arr": "contract ARR of the renewals retained (renewed, expanded, "
                "downgraded)",
                "booked_arr": "outcome ARR of the retained (context; not scored)",
                "ape": "|forecast - actual| / actual",
                "mape": "mean APE over the complete quarters",
            },
        }


# --- loading (point in time) ----------------------------------------------------------------


def due_in(session: Session, quarter: Quarter) -> list[Due]:
    """The contracts ending in the quarter that had started by its first day."""
    query = (
        select(
            Contract.contract_id,
            Contract.account_id,
            Contract.end_date,
            Contract.arr,
            Contract.outcome,
            Contract.outcome_arr,
        )
        .where(
            Contract.end_date >= quarter.start,
            Contract.end_date <= quarter.end,
            Contract.start_date <= quarter.start,
        )
        .order_by(Contract.contract_id)
    )
    return [
        Due(cid, aid, end, float(arr), outcome, None if out is None else float(out))
        for cid, aid, end, arr, outcome, out in session.execute(query)
    ]


def _stages(
    session: Session, policy: Policy, due: Sequence[Due], *, as_of: date
) -> dict[str, tuple[str | None, str, str | None]]:
    """Per contract: (renewal id, stage on `as_of`, segment of the renewal record).

    From the stage history when the renewal was tracked then; otherwise the stage the
    daily run would have moved it to by date (TIME-4, up to `stages.auto_advance_to`).
    """
    ids = [d.contract_id for d in due]
    renewals: dict[str, tuple[str, str]] = {}
    history: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for contract_id, renewal_id, segment in session.execute(
            select(Renewal.contract_id, Renewal.renewal_id, Renewal.segment).where(
                Renewal.contract_id.in_(chunk)
            )
        ):
            renewals[contract_id] = (renewal_id, segment)
    by_renewal = {rid: cid for cid, (rid, _) in renewals.items()}
    rids = list(by_renewal)
    for start in range(0, len(rids), 900):
        for renewal_id, to_stage, on in session.execute(
            select(StageChange.renewal_id, StageChange.to_stage, StageChange.on)
            .where(
                StageChange.renewal_id.in_(rids[start : start + 900]),
                StageChange.on <= as_of,
                stage_moves_only(),
            )
            .order_by(StageChange.on, StageChange.id)
        ):
            history[by_renewal[renewal_id]].append((on, to_stage))
    stages: dict[str, tuple[str | None, str, str | None]] = {}
    for d in due:
        tracked = renewals.get(d.contract_id)
        rid, tracked_segment = tracked if tracked else (None, None)
        if history.get(d.contract_id):
            stage = history[d.contract_id][-1][1]
        else:
            moved = advance(Stage.assessment, (d.renewal_date - as_of).days, policy.stages)
            stage = (moved[0] if moved else Stage.assessment).value
        stages[d.contract_id] = (rid, stage, tracked_segment)
    return stages


def features_on(
    session: Session,
    policy: Policy,
    due: Sequence[Due],
    *,
    as_of: date,
    data_dir: Path,
    memory_limit: str,
) -> list[RenewalFeatures]:
    """Each due renewal as it looked on `as_of`: health, SIG-0 risk, signals and stage."""
    accounts = {d.account_id for d in due}
    scored = {
        s.account_id: s
        for s in health_service.score_accounts(
            session,
            policy,
            as_of=as_of,
            data_dir=data_dir,
            memory_limit=memory_limit,
            detail=accounts,  # ranked among the whole book's (HEALTH-2)
        )
    }
    texts = training.text_kinds(session, policy, as_of=as_of, accounts=accounts)
    stages = _stages(session, policy, due, as_of=as_of)
    overrides = dict(
        session.execute(
            select(Account.account_id, Account.segment_override).where(
                Account.segment_override.is_not(None)
            )
        ).all()
    )
    rows = []
    for d in due:
        s = scored.get(d.account_id)
        category, kinds, risk = training.risk_as_of(s, texts.get(d.account_id, ()), as_of, policy)
        renewal_id, stage, segment = stages[d.contract_id]
        rows.append(
            RenewalFeatures(
                account_id=d.account_id,
                as_of=as_of,
                renewal_date=d.renewal_date,
                arr=d.arr,
                segment=segment
                or overrides.get(d.account_id)
                or policy.segment_for_arr(Decimal(str(d.arr))).value,
                health_score=s.health.score if s is not None else None,
                health_category=category,
                risk=risk,
                signals=tuple(sorted(kinds)),
                stage=stage,
                features=dict(s.features) if s is not None else {},
                renewal_id=renewal_id,
            )
        )
    return rows


# --- the learned engine (optional) ----------------------------------------------------------


def _learned_engines(
    session: Session,
    policy: Policy,
    as_ofs: Sequence[date],
    *,
    data_dir: Path,
    memory_limit: str,
    progress: Progress,
) -> dict[date, tuple[Engine | None, str]]:
    """Per replayed day, a model fitted only on renewals closed before it (or None, why)."""
    try:
        from renewals.forecast import learned, training
    except ImportError:
        raise RenewalsError(
            Text("the learned engine is not available in this installation: use --engine prior")
        ) from None
    last = max(as_ofs)
    progress(Text("training rows"), 0, len(as_ofs))
    rows = training.training_rows(
        session,
        policy,
        data_dir=data_dir,
        memory_limit=memory_limit,
        closed_from=date(1900, 1, 1),
        closed_to=last - timedelta(days=1),
        known_by=last - timedelta(days=1),
    )
    closed_on = {
        (account_id, end): closed or end
        for account_id, end, closed in session.execute(
            select(Contract.account_id, Contract.end_date, Contract.closed_at).where(
                Contract.outcome.is_not(None)
            )
        )
    }
    engines: dict[date, tuple[Engine | None, str]] = {}
    for k, as_of in enumerate(as_ofs):
        # Known on `as_of`: renewals dated before it whose outcome was recorded before it.
        known = [
            (features, label)
            for features, label, renewal_date in rows
            if renewal_date < as_of
            and closed_on.get((features.account_id, renewal_date), renewal_date) < as_of
        ]
        labels = {bool(label) for _, label in known}
        need = policy.forecast.min_outcomes_for_model
        fitted: Engine | None = None
        if len(known) < need or len(labels) < 2:
            note = Text(
                "TECH-1: {n:,} renewals closed before {day} (the model needs {need:,} with both "
                "outcomes): the prior",
                n=len(known),
                day=as_of,
                need=need,
            )
        else:
            try:
                fitted = learned.fit(
                    [f for f, _ in known], [lab for _, lab in known], policy=policy
                )
                note = Text(
                    "learned on {n:,} renewals closed before {day}", n=len(known), day=as_of
                )
            except RenewalsError as exc:
                note = Text("{reason}: the prior", reason=exc.message)
        engines[as_of] = (fitted, note)
        progress(Text("training"), k + 1, len(as_ofs))
    return engines


# --- the backtest ---------------------------------------------------------------------------


def backtest(
    session: Session,
    policy: Policy,
    *,
    data_dir: Path,
    memory_limit: str,
    date_from: date,
    date_to: date,
    engine: str = "prior",
    progress: Progress | None = None,
) -> BacktestReport:
    """Replay every quarter starting in [date_from, date_to] with the engine; compare with
    the outcomes (TECH-1, LEARN-2). Reads only; stores nothing."""
    if engine not in ENGINES:
        raise RenewalsError(
            Text(
                "{name} must be one of {choices}, got {value}",
                name="engine",
                choices=", ".join(ENGINES),
                value=repr(engine),
            )
        )
    if date_to < date_from:
        raise RenewalsError(
            Text("--to {end} is before --from {start}", end=date_to, start=date_from)
        )
    report_progress = progress or (lambda step, done, total: None)
    quarters = quarters_between(date_from, date_to)
    if not quarters:
        raise RenewalsError(
            Text(
                "no quarter starts between {start} and {end}: a backtest replays whole calendar "
                "quarters from their first day",
                start=date_from,
                end=date_to,
            )
        )
    prior = PriorEngine(policy.forecast.prior)
    learned: dict[date, tuple[Engine | None, str]] = {}
    if engine == "learned":
        learned = _learned_engines(
            session,
            policy,
            [q.start for q in quarters],
            data_dir=data_dir,
            memory_limit=memory_limit,
            progress=report_progress,
        )
    results: list[QuarterResult] = []
    replayed_complete: list[Replayed] = []
    notes: list[str] = []
    for k, quarter in enumerate(quarters):
        report_progress(Text("replaying {quarter}", quarter=quarter.key), k, len(quarters))
        due = due_in(session, quarter)
        used: Engine = prior
        note: str = ""
        if engine == "learned":
            fitted, note = learned[quarter.start]
            used = fitted or prior
        replayed: list[Replayed] = []
        if due:
            rows = features_on(
                session,
                policy,
                due,
                as_of=quarter.start,
                data_dir=data_dir,
                memory_limit=memory_limit,
            )
            predictions = used.predict(rows)
            replayed = [
                Replayed(
                    d,
                    p.likelihood,
                    row.health_category or "unscored",
                    forecast_category(p.likelihood, policy.forecast.categories),
                )
                for d, row, p in zip(due, rows, predictions, strict=True)
            ]
        result = quarter_result(quarter, replayed, engine=used.name, note=note)
        if due and not result.complete:
            open_ = result.renewals - result.closed
            result = quarter_result(
                quarter,
                replayed,
                engine=used.name,
                note=joined(
                    [
                        Text(
                            "incomplete: {n:,} of {total:,} renewals not closed yet",
                            n=open_,
                            total=result.renewals,
                        ),
                        *([note] if note else []),
                    ]
                ),
            )
        if result.complete:
            replayed_complete.extend(replayed)
        results.append(result)
    report_progress(Text("done"), len(quarters), len(quarters))
    incomplete = [q.quarter.key for q in results if not q.complete]
    if incomplete:
        notes.append(
            Text(
                "left out of MAPE and the category accuracy (not all closed): {quarters}",
                quarters=", ".join(incomplete),
            )
        )
    return BacktestReport(
        date_from=date_from,
        date_to=date_to,
        engine=engine,
        quarters=results,
        health=category_accuracy(replayed_complete, by="health_category", order=HEALTH_CATEGORIES),
        forecast=category_accuracy(
            replayed_complete, by="forecast_category", order=FORECAST_CATEGORIES
        ),
        notes=notes,
    )
