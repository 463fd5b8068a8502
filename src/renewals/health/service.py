"""Health use-cases: gather features, score every active account, store the snapshots.

load (usage features from the analytics engine, the rest from the database)
-> domain (score, category, trend) -> persist (one snapshot per account and day,
replaced when the same day is run again), plus the HEALTH-4 review task.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from renewals.account.domain import Segment
from renewals.account.models import Account
from renewals.errors import NotFound, RenewalsError
from renewals.health import peers, repository
from renewals.health.domain import (
    Category,
    CategoryDecision,
    HealthScore,
    Trend,
    bottom_cutoff,
    categorize,
    health_score_value,
    score_health,
    trend_of,
)
from renewals.health.models import HealthSnapshot
from renewals.health.repository import ActiveContract, Features, Windows
from renewals.kit.batches import Batch, Spill, account_batches, each
from renewals.kit.i18n import Text
from renewals.policy.domain import Policy
from renewals.signal import service as signal_service
from renewals.task import service as task_service
from renewals.usage import kinds as usage_kinds
from renewals.usage.domain import UsageFeatures, change_ratio

if TYPE_CHECKING:  # Ibis and DuckDB load only where features are computed (issue 24)
    from renewals.usage.backend import Analytics

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Scored:
    account_id: str
    segment: Segment
    features: Features
    health: HealthScore
    decision: CategoryDecision | None
    previous: tuple[date, float | None, str | None] | None
    trend: Trend


def windows_for(policy: Policy, as_of: date) -> Windows:
    s = policy.signals
    return Windows(
        as_of=as_of,
        lookback_days=s.lookback_days,
        sentiment_days=s.sentiment_days,
        engaged_within_days=s.engaged_within_days,
        departure_days=s.stakeholder_change_days,
        champion_baseline_days=s.champion_baseline_days,
        goals_window_days=policy.health.goals_window_days,
    )


KindSplit = Callable[[str], tuple[str, float]]


def kind_splitter(
    policy: Policy, declared: dict[str, tuple[str, float]] | None = None
) -> KindSplit:
    """SIG-3, HEALTH-1: each event kind's role ("usage", "negative", "ignore") and usage
    weight: as the import declared it (`event_kinds.csv`), else under the policy's
    `health.events` patterns; remembered per kind (kinds are few, accounts many)."""
    seen: dict[str, tuple[str, float]] = dict(declared or {})

    def split(kind: str) -> tuple[str, float]:
        if kind not in seen:
            seen[kind] = policy.health.events.kind_of(kind)
        return seen[kind]

    return split


def _usage_and_negative(kinds: dict[str, int] | Any, split: KindSplit) -> tuple[float, float]:
    used = negative = 0.0
    for kind, n in kinds.items():
        role, weight = split(kind)
        if role == "negative":
            negative += n
        elif role == "usage":
            used += n * weight
    return used, negative


def usage_to_features(
    usage: UsageFeatures | None,
    contract: ActiveContract,
    *,
    as_of: date | None = None,
    split: KindSplit | None = None,
) -> Features:
    """HEALTH-1 usage and adoption features from the analytics row (None = no events), and
    the contract's facts: term, seats, tenure (MY-1, issue 17).

    Usage counts only the kinds `health.events` calls usage (weighted); negative kinds
    (a user removing or rejecting something) are counted apart (SIG-3), ignored kinds not
    at all. Without per-kind counts every event is usage."""
    values: Features = {
        "term_months": None if contract.term_months is None else float(contract.term_months),
    }
    if as_of is not None and contract.customer_since is not None:
        values["tenure_days"] = float((as_of - contract.customer_since).days)
    if usage is None:
        return values
    if split is not None and (usage.kinds_30d or usage.kinds_prev_30d):
        used, negative = _usage_and_negative(usage.kinds_30d, split)
        used_before, _ = _usage_and_negative(usage.kinds_prev_30d, split)
    else:
        used, negative, used_before = float(usage.events_30d), 0.0, float(usage.events_prev_30d)
    users = usage.active_users_30d
    values.update(
        {
            "events_30d": float(usage.events_30d),
            "usage_events_30d": used,
            "negative_events_30d": negative,
            "negative_event_share_30d": (
                negative / (negative + used) if negative + used > 0 else None
            ),
            "usage_events_per_seat_30d": used / contract.seats if contract.seats else None,
            "usage_events_per_user_30d": used / users if users else None,
            "active_users_30d": float(users),
            "usage_change_30d": change_ratio(used, used_before),
            "active_user_change_30d": usage.active_users_change,
            "usage_trend_90d": usage.trend_slope_90d,
            "days_since_last_activity": (
                None if usage.days_since_last_event is None else float(usage.days_since_last_event)
            ),
            "history_days": (
                None
                if usage.days_since_first_event is None
                else float(usage.days_since_first_event)
            ),
            "seat_utilisation": (users / contract.seats if contract.seats else None),
            "key_feature_adoption": usage.key_feature_adoption,
            "features_30d": float(usage.features_30d),
        }
    )
    return values


def segment_of(contract: ActiveContract, policy: Policy) -> Segment:
    """SEG-1: the override, else the ARR band."""
    if contract.segment_override:
        return Segment(contract.segment_override)
    return policy.segment_for_arr(Decimal(str(contract.arr)))


def _peer_inputs(
    contracts: dict[str, ActiveContract],
    usage: dict[str, UsageFeatures],
    policy: Policy,
    as_of: date,
    split: KindSplit,
) -> dict[str, tuple[tuple[str, ...], Features]]:
    out = {}
    for account_id, contract in contracts.items():
        values = usage_to_features(usage.get(account_id), contract, as_of=as_of, split=split)
        values["seats"] = None if contract.seats is None else float(contract.seats)
        key = peers.peer_key(
            values,
            segment_of(contract, policy).value,
            policy.health,
            short_term_below_months=policy.touch.short_term_below_months,
        )
        out[account_id] = (key, values)
    return out


@dataclass(frozen=True)
class BookReference:
    """HEALTH-2: what the book-relative facts are relative to on one day."""

    peers: peers.Reference
    key_features_used: bool  # some account used a key feature in the last 30 days


def book_reference(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    usage: dict[str, UsageFeatures],
    contracts: dict[str, ActiveContract] | None = None,
    split: KindSplit | None = None,
) -> BookReference:
    """HEALTH-2: the whole book's distributions on `as_of` (every account under contract)."""
    if contracts is None:
        contracts = repository.active_contracts(session, as_of=as_of)
    inputs = _peer_inputs(contracts, usage, policy, as_of, split or kind_splitter(policy))
    return BookReference(
        peers.reference(inputs, policy.health),
        any(u.key_features_30d > 0 for a, u in usage.items() if a in contracts),
    )


def gather(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    data_dir: Path,
    memory_limit: str,
    accounts: Collection[str] | None = None,
    analytics: Analytics | None = None,
    usage: dict[str, UsageFeatures] | None = None,
    mentions: dict[str, int] | None = None,
    reference: BookReference | None = None,
) -> tuple[dict[str, ActiveContract], dict[str, Features]]:
    """Every feature of every account under contract on `as_of` (point in time).

    `analytics` is the engine for the usage features (default: DuckDB, `memory_limit`).
    `usage`, `mentions` and `reference`, when given, are the book's, computed once for
    every batch (HEALTH-2: book-relative facts rank each account among the whole book's
    peers, never among a batch's)."""
    contracts = repository.active_contracts(session, as_of=as_of, accounts=accounts)
    ids = list(contracts)
    split = kind_splitter(policy, usage_kinds.load(data_dir))
    if reference is None and accounts is not None:
        from renewals.usage import features as usage_features

        book_usage = (
            usage
            if usage is not None
            else usage_features.compute(
                data_dir,
                as_of=as_of,
                key_features=policy.health.key_features,
                memory_limit=memory_limit,
                analytics=analytics,
            )
        )
        reference = book_reference(session, policy, as_of=as_of, usage=book_usage, split=split)
        usage = book_usage
    if usage is None:
        from renewals.usage import features as usage_features

        usage = usage_features.compute(
            data_dir,
            as_of=as_of,
            key_features=policy.health.key_features,
            memory_limit=memory_limit,
            accounts=ids if accounts is not None else None,
            analytics=analytics,
        )
    windows = windows_for(policy, as_of)
    engagement = repository.engagement_features(
        session, windows, ids if accounts is not None else None
    )
    if mentions is None:
        mentions = book_mentions(session, policy, as_of)
    if reference is None:  # the whole book is here
        reference = book_reference(
            session, policy, as_of=as_of, usage=usage, contracts=contracts, split=split
        )
    features: dict[str, Features] = {}
    for account_id, contract in contracts.items():
        values: Features = {}
        values.update(usage_to_features(usage.get(account_id), contract, as_of=as_of, split=split))
        values["seats"] = None if contract.seats is None else float(contract.seats)
        key = peers.peer_key(
            values,
            segment_of(contract, policy).value,
            policy.health,
            short_term_below_months=policy.touch.short_term_below_months,
        )
        if account_id in usage:
            values.update(peers.relative(values, key, reference.peers))
            if not reference.key_features_used:
                values["key_feature_adoption"] = None  # HEALTH-1: the book has none: no data
        values.update(engagement.get(account_id, {}))
        # SIG-4: the texts were scanned, so no remark is a fact, not missing data.
        if account_id in engagement or account_id in mentions:
            values["competitive_mentions"] = float(mentions.get(account_id, 0))
        values["arr"] = contract.arr
        values["seats"] = None if contract.seats is None else float(contract.seats)
        features[account_id] = values
    return contracts, features


def book_mentions(session: Session, policy: Policy, as_of: date) -> dict[str, int]:
    """SIG-4 competitive remarks per account in the sentiment window."""
    return signal_service.competitive_mentions(
        session, since=as_of - timedelta(days=policy.signals.sentiment_days), until=as_of
    )


def score_book(
    contracts: dict[str, ActiveContract],
    features: dict[str, Features],
    policy: Policy,
    previous: dict[str, tuple[date, float | None, str | None]],
    detail: Collection[str] | None = None,
) -> list[Scored]:
    """HEALTH-1..3, HEALTH-5 for every account; the bottom quartile is of this book.

    `detail`: only these accounts' scores are returned (explained and decided), still
    against the bottom quartile of the whole book, whose other accounts are scored as a
    number only (`health_score_value`: about a quarter of the work of an explained score)."""
    if detail is None:
        partial = _scores(contracts, features, policy)
        scores = [h.score for _, _, h in partial if h.score is not None]
    else:
        partial = _scores({a: c for a, c in contracts.items() if a in detail}, features, policy)
        values = (
            health_score_value(features[a], policy.health, segment=_segment(c, policy))
            for a, c in contracts.items()
        )
        scores = [v for v in values if v is not None]
    cutoff = bottom_cutoff(scores, policy.health.bottom_quartile)
    return _decide(partial, features, policy, previous, cutoff)


def _segment(contract: ActiveContract, policy: Policy) -> Segment:
    """SEG-1: the account's segment (its override, else its ARR band)."""
    if contract.segment_override:
        return Segment(contract.segment_override)
    return policy.segment_for_arr(contract.arr)  # type: ignore[arg-type]


def _scores(
    contracts: dict[str, ActiveContract], features: dict[str, Features], policy: Policy
) -> list[tuple[str, Segment, HealthScore]]:
    """HEALTH-1, HEALTH-5: each account's score in its segment."""
    partial = []
    for account_id, contract in contracts.items():
        segment = _segment(contract, policy)
        health = score_health(features[account_id], policy.health, segment=segment)
        partial.append((account_id, segment, health))
    return partial


def _decide(
    partial: list[tuple[str, Segment, HealthScore]],
    features: dict[str, Features],
    policy: Policy,
    previous: dict[str, tuple[date, float | None, str | None]],
    cutoff: float | None,
) -> list[Scored]:
    """HEALTH-2, HEALTH-3 with the book's bottom-quartile `cutoff`, and the trend."""
    scored = []
    for account_id, segment, health in partial:
        decision = (
            None
            if health.score is None
            else categorize(
                health.score,
                policy.health,
                bottom_cutoff=cutoff,
                features=features[account_id],
                signals=policy.signals,
            )
        )
        before = previous.get(account_id)
        scored.append(
            Scored(
                account_id,
                segment,
                features[account_id],
                health,
                decision,
                before,
                trend_of(health.score, before[1] if before else None, policy.health),
            )
        )
    return scored


def score_accounts(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    data_dir: Path,
    memory_limit: str,
    accounts: Collection[str] | None = None,
    usage: dict[str, UsageFeatures] | None = None,
    detail: Collection[str] | None = None,
) -> list[Scored]:
    """Gather and score without storing anything (used by the daily run and benchmarks);
    `usage`: the book's usage features on `as_of`, if the caller has read them already;
    `detail`: return only these accounts' scores, still ranked among the whole book's
    (HEALTH-2's bottom quartile; `score_book`)."""
    contracts, features = gather(
        session,
        policy,
        as_of=as_of,
        data_dir=data_dir,
        memory_limit=memory_limit,
        accounts=accounts,
        usage=usage,
    )
    previous = repository.previous_scores(session, before=as_of)
    return score_book(contracts, features, policy, previous, detail)


@dataclass
class HealthRun:
    """What the day's scoring stored: accounts per category ("unscored" without a score)."""

    categories: Counter[str] = field(default_factory=Counter)

    @property
    def scored(self) -> int:
        return sum(self.categories.values())


def snapshot_health(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    data_dir: Path,
    memory_limit: str,
    analytics: Analytics | None = None,
    progress: Progress | None = None,
) -> HealthRun:
    """Score every account under contract and store the day's snapshots (replacing a rerun),
    then open the HEALTH-4 review task for each account that turned red.

    TECH-1: the book is worked through in batches of `policy.run.batch_accounts`, so memory
    does not grow with it. The usage features are computed once (one small row per account,
    on the configured analytics engine); HEALTH-2's bottom quartile is of the whole book,
    so a first pass scores each batch as a number (its features kept on disk,
    `kit.batches.Spill`) and the second explains, decides and stores batch by batch."""
    from renewals.usage import features as usage_features

    usage = usage_features.compute(
        data_dir,
        as_of=as_of,
        key_features=policy.health.key_features,
        memory_limit=memory_limit,
        analytics=analytics,
    )
    mentions = book_mentions(session, policy, as_of)
    reference = book_reference(
        session,
        policy,
        as_of=as_of,
        usage=usage,
        split=kind_splitter(policy, usage_kinds.load(data_dir)),
    )
    previous = repository.previous_scores(session, before=as_of)
    batches = account_batches(
        session, policy.run.batch_accounts, repository.active_accounts_query(as_of)
    )

    def batch_inputs(batch: Batch) -> tuple[dict[str, ActiveContract], dict[str, Features]]:
        return gather(
            session,
            policy,
            as_of=as_of,
            data_dir=data_dir,
            memory_limit=memory_limit,
            accounts=batch.ids,
            usage=usage,
            mentions=mentions,
            reference=reference,
        )

    # HEALTH-2: the bottom quartile is of the whole book. A first pass gathers each batch's
    # features and scores it as a number only (`health_score_value`: the same number by the
    # same steps, a quarter of the work), keeping the features (on disk but for the last
    # batch, TECH-1) until the cutoff is known; the second explains each batch's scores,
    # decides and stores. (Keeping the explained scores instead cost more to write and read
    # back than to compute again: 3.1 s of CPU to pickle and unpickle 5,000 accounts'
    # components and drivers, 1.5 s to score them, 0.1 s to pickle their features; issue 20.)
    Partial = tuple[list[tuple[str, Segment]], dict[str, Features]]
    with Spill[Partial]() as spill:
        scores: list[float] = []
        for batch in each(batches, "health.score (1/2: scores)", progress):
            contracts, features = batch_inputs(batch)
            segments = [(a, _segment(c, policy)) for a, c in contracts.items()]
            for account_id, segment in segments:
                value = health_score_value(features[account_id], policy.health, segment=segment)
                if value is not None:
                    scores.append(value)
            spill.add((segments, features))
        cutoff = bottom_cutoff(scores, policy.health.bottom_quartile)
        del scores

        session.execute(delete(HealthSnapshot).where(HealthSnapshot.as_of == as_of))
        owners = dict(session.execute(select(Account.account_id, Account.owner_email)).all())
        run = HealthRun()
        stored = zip(each(batches, "health.score (2/2: store)", progress), spill, strict=True)
        for _, (segments, features) in stored:
            partial = [
                (a, segment, score_health(features[a], policy.health, segment=segment))
                for a, segment in segments
            ]
            scored = _decide(partial, features, policy, previous, cutoff)
            if scored:
                session.execute(insert(HealthSnapshot), [_snapshot_row(s, as_of) for s in scored])
            reviews = []
            for s in scored:
                run.categories[s.decision.category.value if s.decision else "unscored"] += 1
                review = _review_if_turned_red(s, policy, as_of, owners.get(s.account_id))
                if review is not None:
                    reviews.append(review)
            task_service.ensure_reviews(session, reviews, policy=policy)
            session.flush()
    return run


def _review_if_turned_red(
    s: Scored, policy: Policy, as_of: date, owner_email: str | None
) -> task_service.ReviewRequest | None:
    """HEALTH-4: a review meeting task when the account turned red today (shared with the
    SEG-2 red path's review: one meeting, one task); not for an SMB subscription (term
    under `touch.short_term_below_months`): automated touches only (SEG-4, TIME-3)."""
    turned_red = s.decision is not None and s.decision.category == Category.red
    if not turned_red or (s.previous is not None and s.previous[2] == Category.red):
        return None
    term = s.features.get("term_months")
    if (
        s.segment == Segment.smb
        and term is not None
        and term < policy.touch.short_term_below_months
    ):
        return None  # SEG-4, TIME-3: an SMB subscription gets automated touches only, no meeting
    return task_service.ReviewRequest(
        account_id=s.account_id,
        key=f"health_review:{as_of.isoformat()}",
        title=Text("Review meeting: health turned red"),
        description=Text(
            "Health {score:.0f} ({reasons}). Hold a review meeting now; do not wait for the "
            "next QBR. Top drivers: {drivers}",
            score=s.health.score,
            reasons="; ".join(s.decision.reasons),  # type: ignore[union-attr]
            drivers="; ".join(d.text for d in s.health.drivers[:3]),
        ),
        rule="HEALTH-4",
        due_date=as_of + timedelta(days=policy.health.review_meeting_due_days),
        owner_email=owner_email,
        created_on=as_of,
    )


def _snapshot_row(s: Scored, as_of: date) -> dict[str, object]:
    health = s.health
    return {
        "account_id": s.account_id,
        "as_of": as_of,
        "segment": s.segment.value,
        "score": health.score,
        "category": s.decision.category.value if s.decision else None,
        "warning": bool(s.decision and s.decision.warning),
        "previous_score": s.previous[1] if s.previous else None,
        "previous_as_of": s.previous[0] if s.previous else None,
        "trend": s.trend.value,
        "components": [
            {
                "name": c.name,
                "score": c.score,
                "weight": c.weight,
                "share": round(c.share, 4),
                "measures": [
                    {"feature": m.feature, "value": m.value, "score": m.score, "weight": m.weight}
                    for m in c.measures
                ],
            }
            for c in health.components
        ],
        "drivers": [
            {
                "component": d.component,
                "feature": d.feature,
                "value": d.value,
                "score": d.score,
                "impact": d.impact,
                "rule": d.rule,
                "text": d.text,
            }
            for d in health.drivers
        ],
        "missing": list(health.missing),
        "reasons": [*health.reasons, *(s.decision.reasons if s.decision else ())],
        "features": {k: (None if v is None else round(v, 4)) for k, v in s.features.items()},
        "risk": None,
        "risk_reasons": None,
    }


def latest_snapshot(session: Session, account_id: str, as_of: date | None = None) -> HealthSnapshot:
    """The account's snapshot on `as_of` (default: its latest), or NotFound saying why."""
    if session.get(Account, account_id) is None:
        raise NotFound(Text("no account {id}", id=repr(account_id)))
    query = select(HealthSnapshot).where(HealthSnapshot.account_id == account_id)
    if as_of is not None:
        query = query.where(HealthSnapshot.as_of <= as_of)
    snapshot = session.scalars(query.order_by(HealthSnapshot.as_of.desc()).limit(1)).first()
    if snapshot is None:
        raise NotFound(
            Text(
                "account {id} has no health score yet: run `renewals run` first "
                "(an account needs a contract in force to be scored)",
                id=repr(account_id),
            )
        )
    return snapshot


def history(session: Session, account_id: str, limit: int = 12) -> list[HealthSnapshot]:
    return repository.snapshot_history(session, account_id, limit)


@dataclass(frozen=True)
class Mix:
    """The book's health on one day: accounts and ARR per category and per SIG-0 risk."""

    as_of: date
    categories: dict[str, tuple[int, float]]
    risks: dict[str, tuple[int, float]]


def mix(session: Session, as_of: date) -> Mix | None:
    """The latest day scored on or before `as_of`, or None if nothing is scored yet."""
    day = session.scalar(
        select(func.max(HealthSnapshot.as_of)).where(HealthSnapshot.as_of <= as_of)
    )
    if day is None:
        return None
    categories: dict[str, list[float]] = {}
    risks: dict[str, list[float]] = {}
    rows = session.execute(
        select(HealthSnapshot.category, HealthSnapshot.risk, HealthSnapshot.features).where(
            HealthSnapshot.as_of == day
        )
    )
    for category, risk, features in rows:
        arr = float((features or {}).get("arr") or 0)
        for bucket, key in ((categories, category or "unscored"), (risks, risk or "unknown")):
            bucket.setdefault(key, [0, 0.0])
            bucket[key][0] += 1
            bucket[key][1] += arr
    return Mix(
        day,
        {k: (int(v[0]), v[1]) for k, v in categories.items()},
        {k: (int(v[0]), v[1]) for k, v in risks.items()},
    )


def calibration_rows(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    data_dir: Path,
    memory_limit: str,
    since: date | None = None,
    progress: Progress | None = None,
) -> tuple[list[Any], dict[str, int]]:
    """HEALTH-1, LEARN-2: every renewal closed before `as_of` as it looked its lead time
    before its date (point in time, the learned likelihood's rows), as calibration rows,
    and the rows each term length gave."""
    from renewals.forecast import learned, training
    from renewals.health.calibrate import CalRow

    rows = learned.rows_before(
        session,
        policy,
        data_dir=data_dir,
        memory_limit=memory_limit,
        as_of=as_of,
        since=since,
        progress=progress,
    )
    cal = [
        CalRow(
            features=r.features,
            segment=Segment(r.segment) if r.segment else None,
            churned=1 - label,
            renewal_date=end,
        )
        for r, label, end in rows
    ]
    return cal, training.rows_by_term(rows)


def calibrate(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    data_dir: Path,
    memory_limit: str,
    since: date | None = None,
    progress: Progress | None = None,
) -> tuple[Any, dict[str, int]]:
    """HEALTH-1, LEARN-2: fit the scorecard on the book's closed renewals (see
    `renewals.health.calibrate`); nothing is stored. Raises RenewalsError when there are
    too few renewals or only one outcome, saying what is missing."""
    from renewals.health.calibrate import calibrate as fit

    rows, by_term = calibration_rows(
        session,
        policy,
        as_of=as_of,
        data_dir=data_dir,
        memory_limit=memory_limit,
        since=since,
        progress=progress,
    )
    need = policy.forecast.min_outcomes_for_model
    churned = sum(r.churned for r in rows)
    if len(rows) < need or churned == 0 or churned == len(rows):
        raise RenewalsError(
            Text(
                "HEALTH-1: {n:,} renewals closed before {day} ({churned:,} churned); calibration "
                "needs {need:,} (forecast.min_outcomes_for_model) with both outcomes. {missing}",
                n=len(rows),
                day=as_of,
                churned=churned,
                need=need,
                missing=_missing_history(session, as_of),
            )
        )
    try:
        return fit(rows, policy.health, holdout_share=policy.forecast.holdout_share), by_term
    except ValueError as exc:  # calibrate's reasons are Text; anything else as it says
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], Text) else str(exc)
        raise RenewalsError(Text("HEALTH-1: {reason}", reason=reason)) from None


def terms_text(by_term: dict[str, int]) -> Text:
    """Calibration rows per term length for a person (forecast.training.terms_text)."""
    from renewals.forecast import training

    return training.terms_text(by_term)


def _missing_history(session: Session, as_of: date) -> Text:
    """What the book lacks, in words: contracts with outcomes, and their dates."""
    from renewals.contract.models import Contract

    closed, first, last = session.execute(
        select(func.count(), func.min(Contract.end_date), func.max(Contract.end_date)).where(
            Contract.outcome.is_not(None)
        )
    ).one()
    if not closed:
        return Text(
            "No contract has an outcome yet: import closed contracts (contracts.csv: outcome, "
            "outcome_arr, closed_at; docs/data-format.md)."
        )
    return Text(
        "The book has {n:,} contracts with an outcome, dated {first} to {last}; only those "
        "dated and closed before {day} count.",
        n=closed,
        first=first,
        last=last,
        day=as_of,
    )
