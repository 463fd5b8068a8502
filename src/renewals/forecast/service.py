"""Forecast use-cases (TECH-1, TECH-5, FUND-1, FUND-2, LEARN-2).

- `snapshot`: every open renewal's likelihood for a day (the learned model when one
  may be used, else the policy prior), with its drivers, category and expected ARR,
  and the owner's override in force; `Renewal.likelihood` follows it.
- `override` / `clear_override`: an owner's call on a renewal, kept apart from the
  model's so both can be judged (`override_accuracy`).
- `forecast`: the snapshot grouped by segment, owner, month, quarter or category.
- `retention`: GRR, NRR and renewal rates per quarter from closed contracts, the
  expected retention of this and the next quarter, the target and the break-even.

Services flush, never commit: the caller's boundary owns the transaction.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session, aliased

from renewals.audit import service as audit
from renewals.contract.models import Contract
from renewals.db import insert_rows, rows_changed, update_rows
from renewals.errors import Conflict, Forbidden, NotFound, RenewalsError
from renewals.forecast import domain
from renewals.forecast.domain import (
    AT_RISK_CATEGORIES,
    CATEGORIES,
    ZERO,
    AgainstTarget,
    BreakEven,
    ClosedContract,
    ExpectedRetention,
    Retention,
)
from renewals.forecast.engine import Engine, Prediction, RenewalFeatures
from renewals.forecast.models import ForecastOverride, ForecastSnapshot
from renewals.forecast.prior import PriorEngine
from renewals.fx import service as fx_service
from renewals.fx.domain import RateTable
from renewals.health.models import HealthSnapshot
from renewals.kit.batches import Batch, Progress, account_batches, each
from renewals.kit.calendar import Quarter, quarter_key, quarter_of
from renewals.kit.i18n import Text
from renewals.kit.time import utc_now
from renewals.policy.domain import ForecastCategories, Policy
from renewals.renewal.domain import Stage
from renewals.renewal.models import Renewal
from renewals.user import access
from renewals.user.domain import Role
from renewals.user.models import User

logger = logging.getLogger(__name__)

CLOSED_STAGES = tuple(s.value for s in Stage if s.is_closed)
GROUPINGS = ("segment", "owner", "month", "quarter", "category")
# TIME-5: who may override anyone's forecast besides the owner and their managers.
OVERRIDE_ROLES = frozenset({Role.manager, Role.director, Role.vp, Role.executive, Role.admin})
UNOWNED = "(unowned)"
PRIOR_REASON = "TECH-1: the policy prior (forecast.prior); no learned model in use"


class NoForecast(NotFound):
    def __init__(self, as_of: date) -> None:
        super().__init__(
            f"no forecast on or before {as_of}: run `renewals run` (its forecast.snapshot "
            "step writes the day's forecast)"
        )


# --- features and engine --------------------------------------------------------------------


@dataclass(frozen=True)
class _OpenRenewal:
    """The renewal columns the day's forecast reads and writes, as plain values."""

    renewal_id: str
    account_id: str
    renewal_date: date
    segment: str
    owner_email: str | None
    current_arr: Decimal
    target_arr: Decimal
    likelihood: float | None


def _open_renewals(
    session: Session, *, as_of: date, batch: Batch | None = None
) -> list[tuple[_OpenRenewal, RenewalFeatures]]:
    """Open renewals (of the accounts in `batch`'s range, if given) with their features."""
    # Each renewal's latest snapshot by one probe of the primary key (account_id, as_of),
    # not a GROUP BY over every snapshot ever taken: the table grows by a book a day
    # (issue 20; EXPLAIN ANALYZE in docs/performance.md).
    earlier = aliased(HealthSnapshot)
    latest = (
        select(func.max(earlier.as_of))
        .where(earlier.account_id == Renewal.account_id, earlier.as_of <= as_of)
        .scalar_subquery()
    )
    query = (
        select(
            Renewal.renewal_id,
            Renewal.account_id,
            Renewal.renewal_date,
            Renewal.segment,
            Renewal.owner_email,
            Renewal.current_arr,
            Renewal.target_arr,
            Renewal.likelihood,
            Renewal.health_score,
            Renewal.health_category,
            Renewal.risk,
            Renewal.signals,
            Renewal.stage,
            HealthSnapshot.score,
            HealthSnapshot.category,
            HealthSnapshot.risk,
            HealthSnapshot.features,
        )
        .outerjoin(
            HealthSnapshot,
            and_(HealthSnapshot.account_id == Renewal.account_id, HealthSnapshot.as_of == latest),
        )
        .where(Renewal.stage.not_in(CLOSED_STAGES))
        .order_by(Renewal.renewal_date, Renewal.renewal_id)
    )
    if batch is not None:
        query = query.where(batch.where(Renewal.account_id))
    found = []
    row: Any  # the query's columns: the renewal's, its decision's, the health snapshot's
    for row in session.execute(query):
        renewal = _OpenRenewal(*row[:8])
        health_score, health_category, renewal_risk, signals, stage = row[8:13]
        score, category, risk, features = row[13:]
        scored = features is not None
        found.append(
            (
                renewal,
                RenewalFeatures(
                    account_id=renewal.account_id,
                    as_of=as_of,
                    renewal_date=renewal.renewal_date,
                    arr=float(renewal.current_arr),
                    segment=renewal.segment,
                    health_score=score if scored else health_score,
                    health_category=category if scored else health_category,
                    risk=(risk if scored else None) or renewal_risk,
                    signals=tuple(signals or ()),
                    stage=stage,
                    features=dict(features or {}),
                    renewal_id=renewal.renewal_id,
                ),
            )
        )
    return found


def features_for_open(session: Session, *, as_of: date) -> list[RenewalFeatures]:
    """Every open renewal as it looks on `as_of`: the HEALTH-1 features, score and category
    of its account's latest health snapshot on or before that day, SIG-0 risk, signals and
    stage (by renewal date, then id)."""
    return [features for _, features in _open_renewals(session, as_of=as_of)]


def engine_for(session: Session, policy: Policy, *, data_dir: Path) -> Engine:
    """The learned model when one may be used (TECH-1), else the policy prior."""
    try:
        from renewals.forecast.learned import load_engine
    except ImportError:  # the learned model is optional (scikit-learn, or not built yet)
        logger.info("likelihood engine: no learned module: the prior")
        return PriorEngine(policy.forecast.prior)
    learned = load_engine(session, policy, data_dir=data_dir)
    return learned if learned is not None else PriorEngine(policy.forecast.prior)


def _engine_reason(engine: Engine) -> str:
    reason = getattr(engine, "reason", "")
    return reason or (PRIOR_REASON if engine.name == "prior" else f"TECH-1: {engine.name}")


# --- overrides in force -------------------------------------------------------------------------


def _overrides_in_force(
    session: Session, *, as_of: date, renewal_ids: Iterable[str] | None = None
) -> dict[str, ForecastOverride]:
    """Per renewal, its latest active override dated on or before `as_of`."""
    query = select(ForecastOverride).where(
        ForecastOverride.active.is_(True), ForecastOverride.on <= as_of
    )
    if renewal_ids is not None:
        query = query.where(ForecastOverride.renewal_id.in_(list(renewal_ids)))
    found: dict[str, ForecastOverride] = {}
    order = (ForecastOverride.on, ForecastOverride.at, ForecastOverride.id)
    for row in session.scalars(query.order_by(*order)):
        found[row.renewal_id] = row  # the latest wins
    return found


def _effective(row: ForecastOverride, model_likelihood: float, policy: Policy) -> domain.Override:
    return domain.override_likelihood(
        row.category,
        row.likelihood,
        model_likelihood=model_likelihood,
        categories=policy.forecast.categories,
    )


# --- snapshot ------------------------------------------------------------------------------------


@dataclass
class SnapshotReport:
    as_of: date
    engine: str
    model_id: int | None
    engine_reason: str
    renewals: int = 0
    replaced: int = 0
    overrides: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    arr: Decimal = ZERO
    expected_arr: Decimal = ZERO
    window_days: int = 0
    window_renewals: int = 0
    window_arr: Decimal = ZERO
    window_expected_arr: Decimal = ZERO


def _driver_records(prediction: Prediction) -> list[dict[str, Any]]:
    return [
        {"feature": d.feature, "contribution": d.contribution, "text": d.text}
        for d in prediction.drivers
    ]


def snapshot(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    data_dir: Path,
    progress: Progress | None = None,
) -> SnapshotReport:
    """TECH-1: predict every open renewal for `as_of` and store the day's forecast.

    Re-running a day replaces its rows. Each renewal's `likelihood` is set to the
    model's; the owner's override in force (the latest active one dated on or before
    `as_of`) goes into `override_category` / `override_likelihood`, apart from it.
    TECH-1: worked through `policy.run.batch_accounts` accounts at a time (bounded memory;
    every prediction depends on its own renewal only).
    """
    engine = engine_for(session, policy, data_dir=data_dir)
    overrides = _overrides_in_force(session, as_of=as_of)
    categories = policy.forecast.categories
    until = as_of + timedelta(days=policy.run.renewal_window_days)
    report = SnapshotReport(
        as_of=as_of,
        engine=engine.name,
        model_id=None,
        engine_reason=_engine_reason(engine),
        window_days=policy.run.renewal_window_days,
    )
    report.replaced = rows_changed(
        session.execute(delete(ForecastSnapshot).where(ForecastSnapshot.as_of == as_of))
    )
    open_accounts = select(Renewal.account_id).where(Renewal.stage.not_in(CLOSED_STAGES))
    batches = account_batches(session, policy.run.batch_accounts, open_accounts)
    for batch in each(batches, "forecast.snapshot", progress):
        _snapshot_batch(session, policy, report, engine, overrides, batch, until, categories)
    return report


def _snapshot_batch(
    session: Session,
    policy: Policy,
    report: SnapshotReport,
    engine: Engine,
    overrides: dict[str, ForecastOverride],
    batch: Batch,
    until: date,
    categories: ForecastCategories,
) -> None:
    as_of = report.as_of
    opened = _open_renewals(session, as_of=as_of, batch=batch)
    predictions = engine.predict([features for _, features in opened])
    if report.model_id is None:
        report.model_id = next((p.model_id for p in predictions if p.model_id is not None), None)
    rows = []
    changed: list[dict[str, Any]] = []  # Renewal.likelihood follows the day's (by primary key)
    for (renewal, _), prediction in zip(opened, predictions, strict=True):
        likelihood = min(1.0, max(0.0, float(prediction.likelihood)))
        found = domain.category(likelihood, categories)
        expected = domain.expected_arr(likelihood, renewal.target_arr, renewal.current_arr).amount
        override = overrides.get(renewal.renewal_id)
        effective = _effective(override, likelihood, policy) if override else None
        rows.append(
            {
                "as_of": as_of,
                "renewal_id": renewal.renewal_id,
                "account_id": renewal.account_id,
                "renewal_date": renewal.renewal_date,
                "segment": renewal.segment,
                "owner_email": renewal.owner_email,
                "arr": renewal.current_arr,
                "target_arr": renewal.target_arr,
                "likelihood": likelihood,
                "engine": prediction.engine,
                "model_id": prediction.model_id,
                "category": found,
                "expected_arr": expected,
                "drivers": _driver_records(prediction),
                "override_category": effective.category if effective else None,
                "override_likelihood": effective.likelihood if effective else None,
            }
        )
        if renewal.likelihood != likelihood:
            changed.append({"renewal_id": renewal.renewal_id, "likelihood": likelihood})
        report.renewals += 1
        report.overrides += effective is not None
        report.categories[found] += 1
        report.arr += renewal.current_arr
        report.expected_arr += expected
        if renewal.renewal_date <= until:
            report.window_renewals += 1
            report.window_arr += renewal.current_arr
            report.window_expected_arr += expected
    if rows:
        insert_rows(session, ForecastSnapshot, rows)
    if changed:
        update_rows(session, Renewal, changed)
    session.flush()


# --- overrides -----------------------------------------------------------------------------------


def _authorise(session: Session, renewal: Renewal, by: str) -> tuple[User, str]:
    """TIME-5, TECH-5: the owner, their managers, a manager or above, or an admin."""
    user = access.require_active_user(session, by)
    email = access.email_key(user.email)
    owner = access.email_key(renewal.owner_email)
    if owner and email == owner:
        return user, "renewal owner"
    if owner and email in access.manager_chain(session, owner):
        return user, f"manager of {owner}"
    if user.role in OVERRIDE_ROLES:
        return user, str(user.role)
    raise Forbidden(
        Text(
            "{email} ({role}) may not override the forecast of {renewal}: only its owner "
            "({owner}), their managers, a manager or above, or an admin may (TECH-5)",
            email=user.email,
            role=user.role,
            renewal=renewal.renewal_id,
            owner=renewal.owner_email or "none",
        )
    )


def _open_renewal(session: Session, renewal_id: str) -> Renewal:
    renewal = session.get(Renewal, renewal_id)
    if renewal is None:
        raise NotFound(Text("no renewal {renewal}", renewal=renewal_id))
    if renewal.stage in CLOSED_STAGES:
        raise Conflict(
            Text(
                "renewal {renewal} is closed ({outcome}): there is nothing left to forecast",
                renewal=renewal_id,
                outcome=renewal.outcome or renewal.stage,
            )
        )
    return renewal


def _latest_snapshot(session: Session, renewal_id: str, *, as_of: date) -> ForecastSnapshot | None:
    return session.scalars(
        select(ForecastSnapshot)
        .where(ForecastSnapshot.renewal_id == renewal_id, ForecastSnapshot.as_of <= as_of)
        .order_by(ForecastSnapshot.as_of.desc())
        .limit(1)
    ).first()


def _reapply(session: Session, policy: Policy | None, renewal_id: str, *, since: date) -> int:
    """Put the overrides in force into the renewal's snapshots dated `since` or later."""
    rows = session.scalars(
        select(ForecastSnapshot).where(
            ForecastSnapshot.renewal_id == renewal_id, ForecastSnapshot.as_of >= since
        )
    ).all()
    for row in rows:
        found = _overrides_in_force(session, as_of=row.as_of, renewal_ids=[renewal_id])
        override = found.get(renewal_id)
        if override is None or policy is None:
            row.override_category, row.override_likelihood = None, None
            continue
        effective = _effective(override, row.likelihood, policy)
        row.override_category, row.override_likelihood = effective.category, effective.likelihood
    session.flush()
    return len(rows)


@dataclass(frozen=True)
class OverrideReport:
    override: ForecastOverride
    authority: str
    model_likelihood: float | None  # from the latest snapshot, if any
    model_category: str | None
    effective: domain.Override | None
    snapshots_updated: int


def override(
    session: Session,
    renewal_id: str,
    *,
    category: str,
    likelihood: float | None = None,
    reason: str,
    by: str,
    on: date,
    policy: Policy,
) -> OverrideReport:
    """TECH-5: record an owner's forecast call on an open renewal (audited).

    The renewal's owner, anyone up their manager chain, a manager or above, or an admin
    may. A likelihood given with it must lie in the category's band. The call applies
    from `on`: to the snapshots of that day and later, and to every snapshot until
    it is cleared or a newer call replaces it; the model's figures stay as they are.
    """
    if not reason.strip():
        raise RenewalsError(
            Text("say why (--reason): the call is judged against the outcome later")
        )
    categories = policy.forecast.categories
    try:
        domain.validate_override(category, likelihood, categories)
    except ValueError as exc:
        raise RenewalsError(str(exc)) from None
    renewal = _open_renewal(session, renewal_id)
    user, authority = _authorise(session, renewal, by)
    row = ForecastOverride(
        renewal_id=renewal.renewal_id,
        category=category,
        likelihood=likelihood,
        reason=reason.strip(),
        by=user.email,
        at=utc_now(),
        on=on,
        active=True,
    )
    session.add(row)
    session.flush()
    latest = _latest_snapshot(session, renewal.renewal_id, as_of=on)
    effective = None
    if latest is not None:
        effective = _effective(row, latest.likelihood, policy)
    updated = _reapply(session, policy, renewal.renewal_id, since=on)
    audit.record(
        session,
        actor=user.email,
        action="forecast.override",
        entity="renewal",
        entity_id=renewal.renewal_id,
        detail={
            "override_id": row.id,
            "category": category,
            "likelihood": likelihood,
            "reason": row.reason,
            "on": on.isoformat(),
            "authority": authority,
            "model_likelihood": latest.likelihood if latest else None,
            "model_category": latest.category if latest else None,
        },
    )
    return OverrideReport(
        row,
        authority,
        latest.likelihood if latest else None,
        latest.category if latest else None,
        effective,
        updated,
    )


def clear_override(
    session: Session, renewal_id: str, *, by: str, on: date, reason: str = ""
) -> list[ForecastOverride]:
    """Withdraw the owner's calls on a renewal: the forecast follows the model again from
    `on` (audited; the calls stay on record, inactive)."""
    renewal = _open_renewal(session, renewal_id)
    user, authority = _authorise(session, renewal, by)
    active = session.scalars(
        select(ForecastOverride).where(
            ForecastOverride.renewal_id == renewal.renewal_id,
            ForecastOverride.active.is_(True),
        )
    ).all()
    if not active:
        raise Conflict(
            Text("renewal {renewal} has no override in force: nothing to clear", renewal=renewal_id)
        )
    for row in active:
        row.active = False
    session.flush()
    _reapply(session, None, renewal.renewal_id, since=on)
    audit.record(
        session,
        actor=user.email,
        action="forecast.clear_override",
        entity="renewal",
        entity_id=renewal.renewal_id,
        detail={
            "override_ids": [row.id for row in active],
            "reason": reason.strip(),
            "on": on.isoformat(),
            "authority": authority,
        },
    )
    return list(active)


@dataclass(frozen=True)
class OverrideRow:
    override_id: int
    renewal_id: str
    account_id: str
    owner_email: str | None
    renewal_date: date
    arr: Decimal
    category: str
    likelihood: float | None
    reason: str
    by: str
    on: date
    active: bool
    in_force: bool  # the latest active call of its renewal
    model_category: str | None
    model_likelihood: float | None
    outcome: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "override_id": self.override_id,
            "renewal_id": self.renewal_id,
            "account_id": self.account_id,
            "owner_email": self.owner_email,
            "renewal_date": self.renewal_date.isoformat(),
            "arr": float(self.arr),
            "category": self.category,
            "likelihood": self.likelihood,
            "reason": self.reason,
            "by": self.by,
            "on": self.on.isoformat(),
            "active": self.active,
            "in_force": self.in_force,
            "model_category": self.model_category,
            "model_likelihood": self.model_likelihood,
            "outcome": self.outcome,
        }


def list_overrides(session: Session, *, as_of: date, everything: bool = False) -> list[OverrideRow]:
    """The calls in force on `as_of` (with `everything`, withdrawn and superseded ones
    too), each with the model's latest likelihood on or before `as_of`."""
    query = (
        select(ForecastOverride, Renewal)
        .join(Renewal, Renewal.renewal_id == ForecastOverride.renewal_id)
        .where(ForecastOverride.on <= as_of)
        .order_by(ForecastOverride.on.desc(), ForecastOverride.at.desc(), ForecastOverride.id)
    )
    if not everything:
        query = query.where(ForecastOverride.active.is_(True))
    found = session.execute(query).all()
    in_force = {o.id for o in _overrides_in_force(session, as_of=as_of, renewal_ids=None).values()}
    rows = []
    for o, renewal in found:
        if not everything and o.id not in in_force:
            continue
        latest = _latest_snapshot(session, renewal.renewal_id, as_of=as_of)
        rows.append(
            OverrideRow(
                override_id=o.id,
                renewal_id=o.renewal_id,
                account_id=renewal.account_id,
                owner_email=renewal.owner_email,
                renewal_date=renewal.renewal_date,
                arr=renewal.current_arr,
                category=o.category,
                likelihood=o.likelihood,
                reason=o.reason,
                by=o.by,
                on=o.on,
                active=o.active,
                in_force=o.id in in_force,
                model_category=latest.category if latest else None,
                model_likelihood=latest.likelihood if latest else None,
                outcome=renewal.outcome,
            )
        )
    return rows


# --- forecast ------------------------------------------------------------------------------------


def snapshot_day(session: Session, *, as_of: date) -> date:
    """The day of the latest forecast on or before `as_of`."""
    day = session.scalar(
        select(func.max(ForecastSnapshot.as_of)).where(ForecastSnapshot.as_of <= as_of)
    )
    if day is None:
        raise NoForecast(as_of)
    return day


@dataclass
class CategoryTotal:
    renewals: int = 0
    arr: Decimal = ZERO

    def as_dict(self) -> dict[str, Any]:
        return {"renewals": self.renewals, "arr": float(self.arr)}


@dataclass
class GroupForecast:
    """TECH-5: one group's forecast; `*_with_overrides` counts the owners' calls."""

    key: str
    renewals: int = 0
    arr: Decimal = ZERO
    target_arr: Decimal = ZERO
    expected_arr: Decimal = ZERO
    expected_arr_with_overrides: Decimal = ZERO
    at_risk_arr: Decimal = ZERO
    at_risk_arr_with_overrides: Decimal = ZERO
    overrides: int = 0
    categories: dict[str, CategoryTotal] = field(
        default_factory=lambda: {c: CategoryTotal() for c in CATEGORIES}
    )

    def add(self, row: ForecastSnapshot, rate: Decimal = Decimal(1)) -> None:
        """One renewal's forecast; its amounts (in the contract's currency) times `rate`,
        the reporting-currency rate of the forecast's day (TECH-5)."""
        arr, target = Decimal(row.arr), Decimal(row.target_arr)
        self.renewals += 1
        self.arr += arr * rate
        self.target_arr += target * rate
        self.expected_arr += Decimal(row.expected_arr) * rate
        total = self.categories[row.category]
        total.renewals += 1
        total.arr += arr * rate
        if row.category in AT_RISK_CATEGORIES:
            self.at_risk_arr += arr * rate
        called = row.override_category or row.category
        if row.override_category is not None and row.override_likelihood is not None:
            self.overrides += 1
            self.expected_arr_with_overrides += (
                domain.expected_arr(row.override_likelihood, target, arr).amount * rate
            )
        else:
            self.expected_arr_with_overrides += Decimal(row.expected_arr) * rate
        if called in AT_RISK_CATEGORIES:
            self.at_risk_arr_with_overrides += arr * rate

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "renewals": self.renewals,
            "arr": float(self.arr),
            "target_arr": float(self.target_arr),
            "expected_arr": float(self.expected_arr),
            "expected_arr_with_overrides": float(self.expected_arr_with_overrides),
            "at_risk_arr": float(self.at_risk_arr),
            "at_risk_arr_with_overrides": float(self.at_risk_arr_with_overrides),
            "overrides": self.overrides,
            "categories": {k: v.as_dict() for k, v in self.categories.items()},
        }


@dataclass
class ForecastReport:
    as_of: date
    snapshot_as_of: date
    by: str
    days: int | None
    engines: dict[str, int]
    model_ids: list[int]
    currencies: list[str]  # the contracts' own currencies
    groups: list[GroupForecast]
    total: GroupForecast
    reasons: list[str]
    currency: str = "USD"  # TECH-5: every amount above is in this reporting currency

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "snapshot_as_of": self.snapshot_as_of.isoformat(),
            "by": self.by,
            "days": self.days,
            "engines": self.engines,
            "model_ids": self.model_ids,
            "currency": self.currency,
            "currencies": self.currencies,
            "groups": [g.as_dict() for g in self.groups],
            "total": self.total.as_dict(),
            "reasons": self.reasons,
        }


def _group_key(by: str) -> Callable[[ForecastSnapshot], str]:
    return {
        "segment": lambda r: r.segment,
        "owner": lambda r: r.owner_email or UNOWNED,
        "month": lambda r: domain.month_key(r.renewal_date),
        "quarter": lambda r: quarter_key(r.renewal_date),
        "category": lambda r: r.category,
    }[by]


SEGMENT_ORDER = {"enterprise": 0, "mid_market": 1, "smb": 2}


def _sort_key(by: str) -> Callable[[str], Any]:
    if by == "category":
        return lambda k: (CATEGORIES.index(k) if k in CATEGORIES else len(CATEGORIES), k)
    if by == "segment":
        return lambda k: (SEGMENT_ORDER.get(k, len(SEGMENT_ORDER)), k)
    if by == "owner":
        return lambda k: (k == UNOWNED, k)
    return lambda k: k


def forecast(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    by: str = "segment",
    days: int | None = None,
    scope: access.Scope | None = None,
) -> ForecastReport:
    """TECH-5: the renewal forecast by segment, owner, month, quarter or category.

    Read from the forecast of `as_of` (or the latest before it). Per group: renewals,
    ARR, expected ARR by the model, expected ARR with the owners' overrides, the
    category counts and ARR, and the at-risk ARR (at_risk and lost). With `days`,
    only renewals dated up to `as_of + days` (overdue ones included); with `scope`,
    only the renewals its owners own (a manager's team, TECH-5: `access.owned_by`).
    """
    if by not in GROUPINGS:
        raise RenewalsError(
            Text(
                "--by must be one of {choices}, got {value}",
                choices=", ".join(GROUPINGS),
                value=repr(by),
            )
        )
    day = snapshot_day(session, as_of=as_of)
    query = select(ForecastSnapshot).where(ForecastSnapshot.as_of == day)
    if days is not None:
        query = query.where(ForecastSnapshot.renewal_date <= as_of + timedelta(days=days))
    if scope is not None:
        query = query.where(access.owned_by(ForecastSnapshot.owner_email, scope))
    query = query.join(Renewal, Renewal.renewal_id == ForecastSnapshot.renewal_id)
    rows = session.execute(
        query.add_columns(Renewal.currency).order_by(ForecastSnapshot.renewal_date)
    ).all()
    rates = fx_service.rate_table(session, policy)
    key = _group_key(by)
    groups: dict[str, GroupForecast] = {}
    total = GroupForecast("total")
    engines: Counter[str] = Counter()
    model_ids: set[int] = set()
    for row, currency in rows:
        # TECH-5: each renewal's amounts at its currency's rate of the forecast's day
        rate = rates.rate(currency, day)
        k = key(row)
        groups.setdefault(k, GroupForecast(k)).add(row, rate)
        total.add(row, rate)
        engines[row.engine] += 1
        if row.model_id is not None:
            model_ids.add(row.model_id)
    currencies = sorted(
        set(
            session.scalars(
                select(Renewal.currency)
                .join(ForecastSnapshot, ForecastSnapshot.renewal_id == Renewal.renewal_id)
                .where(ForecastSnapshot.as_of == day)
                .distinct()
            )
        )
    )
    categories = policy.forecast.categories
    reasons: list[str] = [
        Text(
            "TECH-1: the forecast of {day} (the latest on or before {as_of})",
            day=day,
            as_of=as_of,
        )
        if day != as_of
        else Text("TECH-1: the forecast of {day}", day=day),
        Text("TECH-1: expected ARR = likelihood x target ARR (current ARR without a target)"),
        Text(
            "TECH-5: categories commit >= {commit:.0%}, probable >= {probable:.0%}, at risk >= "
            "{at_risk:.0%}, lost below; at-risk ARR = at_risk + lost",
            commit=categories.commit,
            probable=categories.probable,
            at_risk=categories.at_risk,
        ),
    ]
    if foreign := sorted(set(currencies) - {rates.reporting}):
        reasons.append(
            Text(
                "TECH-5: amounts in {currency} (currency.reporting); {foreign} "
                "converted at the rates of {day}",
                currency=rates.reporting,
                foreign=", ".join(foreign),
                day=day,
            )
        )
    ordered = [groups[k] for k in sorted(groups, key=_sort_key(by))]
    return ForecastReport(
        as_of=as_of,
        snapshot_as_of=day,
        by=by,
        days=days,
        engines=dict(engines),
        model_ids=sorted(model_ids),
        currencies=currencies,
        groups=ordered,
        total=total,
        reasons=reasons,
        currency=rates.reporting,
    )


# --- retention -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterRetention:
    quarter: Quarter
    retention: Retention
    against: AgainstTarget

    def as_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter.key,
            "start": self.quarter.start.isoformat(),
            "end": self.quarter.end.isoformat(),
            **self.retention.as_dict(),
            "against_target": self.against.as_dict(),
        }


@dataclass(frozen=True)
class QuarterForecast:
    quarter: Quarter
    expected: ExpectedRetention
    against: AgainstTarget
    against_with_overrides: AgainstTarget

    def as_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter.key,
            "start": self.quarter.start.isoformat(),
            "end": self.quarter.end.isoformat(),
            **self.expected.as_dict(),
            "against_target": self.against.as_dict(),
            "against_target_with_overrides": self.against_with_overrides.as_dict(),
        }


@dataclass(frozen=True)
class RetentionReport:
    as_of: date
    target: float
    healthy: float
    history: list[QuarterRetention]
    trailing: Retention  # the last four complete quarters
    trailing_against: AgainstTarget
    break_even: BreakEven
    snapshot_as_of: date | None
    forward: list[QuarterForecast]  # this quarter and the next
    reasons: list[str]
    currency: str = "USD"  # TECH-5: every amount above is in this reporting currency

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "target": self.target,
            "healthy": self.healthy,
            "history": [q.as_dict() for q in self.history],
            "trailing_four_quarters": self.trailing.as_dict(),
            "trailing_against_target": self.trailing_against.as_dict(),
            "break_even": self.break_even.as_dict(),
            "snapshot_as_of": self.snapshot_as_of.isoformat() if self.snapshot_as_of else None,
            "forward": [q.as_dict() for q in self.forward],
            "reasons": self.reasons,
        }


def contracts_due(
    session: Session, *, start: date, end: date, as_of: date, rates: RateTable
) -> list[tuple[str, date, ClosedContract]]:
    """(contract_id, end_date, contract) of contracts renewing in [start, end]; an outcome
    recorded after `as_of` (closed_at, else the end date) is not known yet. ARR and
    outcome ARR in the reporting currency at the rate of the renewal date (of `as_of` for
    one still ahead), TECH-5."""
    query = select(
        Contract.contract_id,
        Contract.end_date,
        Contract.arr,
        Contract.outcome,
        Contract.outcome_arr,
        Contract.closed_at,
        Contract.currency,
    ).where(Contract.end_date >= start, Contract.end_date <= end)
    found = []
    for contract_id, end_date, arr, outcome, outcome_arr, closed_at, currency in session.execute(
        query
    ):
        known = outcome is not None and (closed_at or end_date) <= as_of
        rate = rates.rate(currency, rates.day_for(end_date, as_of))
        found.append(
            (
                contract_id,
                end_date,
                ClosedContract(
                    Decimal(arr) * rate,
                    outcome if known else None,
                    Decimal(outcome_arr) * rate if known and outcome_arr is not None else None,
                ),
            )
        )
    return found


def retention(
    session: Session, policy: Policy, *, as_of: date, quarters: int = 8
) -> RetentionReport:
    """FUND-2, TECH-5: the retention trend and forecast.

    Per complete calendar quarter (the last `quarters` before `as_of`'s), GRR, NRR and
    renewal rates by count and ARR of the contracts that came up for renewal in it,
    against the NRR target; the same over the last four quarters with the FUND-2
    break-even; and the expected GRR and NRR of this quarter (outcomes so far plus the
    open renewals at their likelihood) and of the next one, from the latest forecast.
    """
    target = policy.forecast.target_nrr_rate
    healthy = policy.fundamentals.healthy_nrr_rate
    past = domain.complete_quarters(as_of, max(quarters, 4))
    current = quarter_of(as_of)
    forward_quarters = [current, current.next()]
    rates = fx_service.rate_table(session, policy)
    due = contracts_due(
        session, start=past[0].start, end=forward_quarters[-1].end, as_of=as_of, rates=rates
    )
    by_quarter: dict[str, list[tuple[str, ClosedContract]]] = defaultdict(list)
    for contract_id, end_date, contract in due:
        by_quarter[quarter_key(end_date)].append((contract_id, contract))

    def judged(nrr: float | None) -> AgainstTarget:
        return domain.against_target(nrr, target=target, healthy=healthy)

    history = []
    for q in past[-quarters:] if quarters else []:
        r = domain.retention(c for _, c in by_quarter[q.key])
        history.append(QuarterRetention(q, r, judged(r.nrr)))
    trailing = domain.retention(c for q in past[-4:] for _, c in by_quarter[q.key])
    reasons: list[str] = [
        Text(
            "FUND-2: quarters by the contracts' renewal (end) dates; an outcome counts once "
            "recorded by {as_of}",
            as_of=as_of,
        ),
        Text(
            "FUND-2: trailing four quarters {first} to {last}",
            first=past[-4].key,
            last=past[-1].key,
        ),
        Text(
            "TECH-5: amounts in {currency}, each contract at the rate of its renewal date "
            "(of {as_of} for one still ahead)",
            currency=rates.reporting,
            as_of=as_of,
        ),
    ]

    forward: list[QuarterForecast] = []
    day: date | None
    try:
        day = snapshot_day(session, as_of=as_of)
    except NoForecast as exc:
        day = None
        reasons.append(Text("TECH-1: no forward-looking retention: {why}", why=exc.message))
    if day is not None:
        rows = session.execute(
            select(ForecastSnapshot, Renewal.contract_id, Renewal.currency)
            .join(Renewal, Renewal.renewal_id == ForecastSnapshot.renewal_id)
            .where(
                ForecastSnapshot.as_of == day,
                ForecastSnapshot.renewal_date >= current.start,
                ForecastSnapshot.renewal_date <= forward_quarters[-1].end,
            )
        ).all()
        for q in forward_quarters:
            closed = [(cid, c) for cid, c in by_quarter[q.key] if c.outcome is not None]
            decided = {cid for cid, _ in closed}
            # TECH-5: open renewals at their currency's rate of the forecast's day
            open_renewals = [
                domain.OpenRenewal(
                    Decimal(s.arr) * rates.rate(currency, day),
                    Decimal(s.target_arr) * rates.rate(currency, day),
                    s.likelihood,
                    s.override_likelihood if s.override_category else None,
                )
                for s, contract_id, currency in rows
                if s.renewal_date in q and contract_id not in decided
            ]
            expected = domain.expected_retention((c for _, c in closed), open_renewals)
            forward.append(
                QuarterForecast(
                    q, expected, judged(expected.nrr), judged(expected.nrr_with_overrides)
                )
            )
        reasons.append(
            Text(
                "TECH-1: forward quarters from the forecast of {day}: outcomes so far plus the "
                "open renewals at their likelihood",
                day=day,
            )
        )
    return RetentionReport(
        as_of=as_of,
        target=target,
        healthy=healthy,
        history=history,
        trailing=trailing,
        trailing_against=judged(trailing.nrr),
        break_even=domain.break_even(trailing),
        snapshot_as_of=day,
        forward=forward,
        reasons=reasons,
        currency=rates.reporting,
    )


# --- override accuracy ------------------------------------------------------------------------


@dataclass(frozen=True)
class CalledRenewal:
    renewal_id: str
    outcome: str
    model_category: str
    override_category: str
    model_right: bool
    override_right: bool
    on: date  # the day of the forecast compared

    def as_dict(self) -> dict[str, Any]:
        return {
            "renewal_id": self.renewal_id,
            "outcome": self.outcome,
            "model_category": self.model_category,
            "override_category": self.override_category,
            "model_right": self.model_right,
            "override_right": self.override_right,
            "on": self.on.isoformat(),
        }


@dataclass(frozen=True)
class OverrideAccuracy:
    """LEARN-2: of the closed renewals that had an override, how often each call was right."""

    as_of: date
    renewals: list[CalledRenewal]
    model_right: int
    override_right: int
    disagreed: int  # the calls differ on won vs lost
    override_right_when_disagreed: int
    reasons: list[str]

    @property
    def closed(self) -> int:
        return len(self.renewals)

    @property
    def model_accuracy(self) -> float | None:
        return domain.ratio(self.model_right, self.closed)

    @property
    def override_accuracy(self) -> float | None:
        return domain.ratio(self.override_right, self.closed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "closed": self.closed,
            "model_right": self.model_right,
            "override_right": self.override_right,
            "model_accuracy": self.model_accuracy,
            "override_accuracy": self.override_accuracy,
            "disagreed": self.disagreed,
            "override_right_when_disagreed": self.override_right_when_disagreed,
            "renewals": [r.as_dict() for r in self.renewals],
            "reasons": self.reasons,
        }


def override_accuracy(session: Session, *, as_of: date) -> OverrideAccuracy:
    """LEARN-2: for renewals closed by `as_of` that had an override, whether the owner's
    category or the model's matched the outcome (won = commit/probable, lost =
    at_risk/lost).

    Each is judged on the last forecast before it closed that carried the override
    (both calls of the same day); without one, on the last override and the last
    forecast before it closed.
    """
    closed = {
        r.renewal_id: r
        for r in session.scalars(
            select(Renewal).where(
                Renewal.outcome.is_not(None),
                Renewal.closed_on.is_not(None),
                Renewal.closed_on <= as_of,
                Renewal.renewal_id.in_(select(ForecastOverride.renewal_id)),
            )
        )
    }
    snapshots: dict[str, list[ForecastSnapshot]] = defaultdict(list)
    overrides: dict[str, list[ForecastOverride]] = defaultdict(list)
    if closed:
        for s in session.scalars(
            select(ForecastSnapshot)
            .where(ForecastSnapshot.renewal_id.in_(list(closed)))
            .order_by(ForecastSnapshot.as_of)
        ):
            snapshots[s.renewal_id].append(s)
        for o in session.scalars(
            select(ForecastOverride)
            .where(ForecastOverride.renewal_id.in_(list(closed)))
            .order_by(ForecastOverride.on, ForecastOverride.at, ForecastOverride.id)
        ):
            overrides[o.renewal_id].append(o)
    judged: list[CalledRenewal] = []
    for renewal_id, renewal in sorted(closed.items()):
        assert renewal.closed_on is not None and renewal.outcome is not None
        before = [s for s in snapshots[renewal_id] if s.as_of <= renewal.closed_on]
        with_call = [s for s in before if s.override_category is not None]
        if with_call:
            s = with_call[-1]
            model, called, on = s.category, s.override_category or s.category, s.as_of
        else:
            calls = [o for o in overrides[renewal_id] if o.on <= renewal.closed_on]
            if not calls or not before:
                continue
            model, called, on = before[-1].category, calls[-1].category, before[-1].as_of
        judged.append(
            CalledRenewal(
                renewal_id,
                renewal.outcome,
                model,
                called,
                domain.call_was_right(model, renewal.outcome),
                domain.call_was_right(called, renewal.outcome),
                on,
            )
        )
    disagreed = [
        j
        for j in judged
        if domain.Category(j.model_category).is_won != domain.Category(j.override_category).is_won
    ]
    return OverrideAccuracy(
        as_of=as_of,
        renewals=judged,
        model_right=sum(j.model_right for j in judged),
        override_right=sum(j.override_right for j in judged),
        disagreed=len(disagreed),
        override_right_when_disagreed=sum(j.override_right for j in disagreed),
        reasons=[
            "LEARN-2: won = commit or probable, lost = at_risk or lost; renewed, expanded and "
            "downgraded count as renewed, churned as lost",
            "LEARN-2: each renewal judged on the last forecast before it closed that carried "
            "the owner's call",
        ],
    )


# --- export ----------------------------------------------------------------------------------------


def export_fields(
    session: Session, renewal_ids: Iterable[str], *, as_of: date
) -> dict[str, dict[str, Any]]:
    """TECH-1: `forecast_category` and `expected_arr` of each renewal's latest forecast on
    or before `as_of`, for the export (renewals without one are left out).

    The day's forecast covers every renewal open that day, so one query on the latest
    day finds nearly all; the few missing from it are looked up in their history.
    """
    wanted = set(renewal_ids)
    found: dict[str, dict[str, Any]] = {}
    day = session.scalar(
        select(func.max(ForecastSnapshot.as_of)).where(ForecastSnapshot.as_of <= as_of)
    )
    if day is None or not wanted:
        return found
    columns = (
        ForecastSnapshot.renewal_id,
        ForecastSnapshot.category,
        ForecastSnapshot.expected_arr,
    )

    def keep(rows: Iterable[Any]) -> None:
        for renewal_id, category, expected in rows:
            if renewal_id in wanted:
                found[renewal_id] = {
                    "forecast_category": category,
                    "expected_arr": float(expected),
                }

    keep(session.execute(select(*columns).where(ForecastSnapshot.as_of == day)))
    missing = sorted(wanted - set(found))
    for chunk in (missing[i : i + 500] for i in range(0, len(missing), 500)):
        latest = (
            select(ForecastSnapshot.renewal_id, func.max(ForecastSnapshot.as_of).label("day"))
            .where(ForecastSnapshot.as_of <= as_of, ForecastSnapshot.renewal_id.in_(chunk))
            .group_by(ForecastSnapshot.renewal_id)
            .subquery()
        )
        keep(
            session.execute(
                select(*columns).join(
                    latest,
                    and_(
                        latest.c.renewal_id == ForecastSnapshot.renewal_id,
                        latest.c.day == ForecastSnapshot.as_of,
                    ),
                )
            )
        )
    return found


def accuracy(session: Session) -> dict[str, Any] | None:
    """LEARN-2, TECH-5 (issue 17): how well health and likelihood ranked the book's own
    closed renewals, as the last trained model recorded it on its time-based hold-out
    (`renewals model train`, or the daily retrain): AUC, top-decile lift, Brier score,
    calibrated bins; None before any model was trained."""
    from renewals.forecast.models import ModelRun  # noqa: PLC0415 (kept local: one use)

    run = session.scalars(select(ModelRun).order_by(ModelRun.model_id.desc()).limit(1)).first()
    if run is None or not run.metrics:
        return None
    m = run.metrics
    return {
        "model_id": run.model_id,
        "as_of": run.as_of,
        "n_test": m.get("n_test"),
        "split_date": m.get("split_date"),
        "test_to": m.get("test_to"),
        "health": m.get("health"),
        "learned": m.get("learned"),
        "prior": m.get("prior"),
        "rows_by_term": m.get("rows_by_term") or {},
    }
