"""Training rows for the learned likelihood (TECH-1, LEARN-2): each closed renewal as it
looked a lead time before its date, with what happened.

The lead time is relative to the term (issue 17): `forecast.lead_days`, but never more
than `forecast.lead_term_share` of the contract's term (`lead_for`), so an annual contract
is seen 90 days before its date and a monthly one 15 days before (90 days before a
one-month contract is before it even started). `rows_by_term` counts the rows each term
length gave.

No look-ahead. A closed contract's row is built from facts dated on or before its
`as_of` only: the health of the whole book scored on that day
(`health.service.score_accounts`, so the bottom quartile is of the book as it was),
the SIG-0 risk from that score's numeric signals and the text signals dated in the
look-back window before it, and the stage the daily run would have moved it to by
date. The outcome is read only as the label. Renewals are grouped by the week of
their `end_date - lead`, and each group is scored as of the earliest such day
in it (as `benchmarks/health_quality.py` does): a row's `as_of` is therefore 0-6
days before `end_date - lead`, never after it.

Label: renewed, expanded and downgraded = 1 (the customer renewed; a downgrade is a
smaller renewal, not a loss: FUND-1 counts it as closed won); churned = 0.

`model_features` turns a row into the numbers the model sees. It leaves out what is
not point-in-time or not known the same way at prediction time:

- `engaged_contacts` and `budget_authority_engaged`: a stakeholder's
  `last_engaged_at` is the latest known date, not a history (see
  `health/repository.py`), so for a past `as_of` it reflects engagement after it.
- the goal features: a goal's status (achieved, missed) is its latest known state,
  with no date of when it became so.
  (The health score still counts both, for the prior and the learned model alike.)
- days to renewal and stage: every training row is about one lead time out, so the model
  cannot learn their effect.
- anything from the contract's outcome, close date or outcome ARR.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from renewals.contract.models import Contract
from renewals.forecast.engine import RenewalFeatures
from renewals.health import service as health_service
from renewals.kit.i18n import Text, joined
from renewals.policy.domain import Forecast, Policy
from renewals.renewal.domain import Stage, advance
from renewals.signal import service as signal_service
from renewals.signal.domain import HealthFacts, combined_risk, numeric_signals
from renewals.usage.domain import UsageFeatures

Progress = Callable[[str, int, int], None]
Row = tuple[RenewalFeatures, int, date]  # features as of lead_days before, label, renewal date

WON = ("renewed", "expanded", "downgraded")
LOST = ("churned",)
CATEGORIES = ("expansion", "green", "yellow", "red", "unscored")
RISKS = ("watch", "at_risk", "save")
SEGMENTS = ("enterprise", "mid_market", "smb")

# HEALTH-1 features the model reads, and how each is put on a scale a linear model can use.
# log: log1p of a count or a day count; ratio: log of a ratio (1x = 0); none: as it is.
HEALTH_FEATURES: dict[str, str] = {
    "usage_change_30d": "none",
    "usage_trend_90d": "none",
    "days_since_last_activity": "log",
    "seat_utilisation": "none",
    "key_feature_adoption": "none",
    "active_user_change_30d": "none",
    "urgent_tickets": "log",
    "repeated_complaints": "log",
    "ticket_satisfaction": "none",
    "ticket_volume_ratio": "ratio",
    "missed_meeting_rate": "none",
    "champion_response_ratio": "ratio",
    "key_departures": "log",
    "nps": "none",
    "nps_change": "none",
    "csat": "none",
    "competitive_mentions": "log",
    # issue 17: book-relative facts, negative events, tenure, history and term
    "usage_events_30d": "log",
    "usage_level_pct": "none",
    "active_users_pct": "none",
    "usage_depth_pct": "none",
    "breadth_pct": "none",
    "negative_share_pct": "none",
    "negative_event_share_30d": "none",
    "tenure_days": "log",
    "history_days": "log",
    "term_months": "log",
}
# Rare events (a departure, an urgent ticket): log1p counts left on their own unit scale.
RARE_COUNTS = frozenset(
    ("urgent_tickets", "repeated_complaints", "key_departures", "competitive_mentions")
)
# Read by the health score but not by the model, with the reason (docs/likelihood.md).
EXCLUDED: dict[str, str] = {
    "engaged_contacts": Text(
        "a stakeholder's last_engaged_at is the latest known date, not a history"
    ),
    "budget_authority_engaged": Text("the same: last_engaged_at is not point in time"),
    "goals_achieved_rate": Text("a goal's status is its latest known state, not as of the day"),
    "goals_achieved": Text("the same: a goal's status is not point in time"),
    "goals_missed": Text("the same: a goal's status is not point in time"),
}
CHANGE_LIMIT = 5.0  # usage and user changes are clipped to +-500%


def label_of(outcome: str) -> int:
    """1 = the customer renewed (renewed, expanded, downgraded); 0 = churned."""
    if outcome in WON:
        return 1
    if outcome in LOST:
        return 0
    raise ValueError(f"not a closed outcome: {outcome!r}")


def is_flag(name: str) -> bool:
    """A 0/1 feature (one-hot or missing indicator): centred, not scaled, by the pipeline."""
    return name.startswith(("missing:", "category:", "risk:", "segment:"))


def is_count(name: str) -> bool:
    """A log count of events that are rare (departures, urgent tickets...): already on a unit
    scale, so centred, not scaled: scaling a mostly-zero count would turn one event into
    many standard deviations and let it swamp the likelihood."""
    return name in RARE_COUNTS


def feature_names() -> list[str]:
    """The model's features, in order (stored with every trained model)."""
    names = ["health_score", "missing:health_score"]
    names += [f"category:{c}" for c in CATEGORIES]
    names += [f"risk:{r}" for r in RISKS]
    names += ["log_arr"]
    names += [f"segment:{s}" for s in SEGMENTS]
    for feature in HEALTH_FEATURES:
        names += [feature, f"missing:{feature}"]
    return names


def _scaled(value: float, how: str, feature: str) -> float:
    if how == "log":
        return math.log1p(max(0.0, value))
    if how == "ratio":
        return math.log(min(100.0, max(0.01, value)))
    if feature.endswith(("_change_30d", "trend_90d")):
        return min(CHANGE_LIMIT, max(-CHANGE_LIMIT, value))
    return value


def model_features(row: RenewalFeatures) -> dict[str, float]:
    """The numbers the model sees for one renewal (NaN = missing; the pipeline imputes it
    and the `missing:` indicator carries the fact that it was missing)."""
    values: dict[str, float] = {}
    score = row.health_score
    values["health_score"] = math.nan if score is None else float(score)
    values["missing:health_score"] = float(score is None)
    category = row.health_category or "unscored"
    for c in CATEGORIES:
        values[f"category:{c}"] = float(category == c)
    for r in RISKS:
        values[f"risk:{r}"] = float(row.risk == r)
    values["log_arr"] = math.log1p(max(0.0, float(row.arr)))
    for s in SEGMENTS:
        values[f"segment:{s}"] = float(row.segment == s)
    for feature, how in HEALTH_FEATURES.items():
        raw = row.features.get(feature)
        value = math.nan if raw is None else float(raw)
        missing = math.isnan(value)
        values[feature] = value if missing else _scaled(value, how, feature)
        values[f"missing:{feature}"] = float(missing)
    return values


# --- loading (point in time) ----------------------------------------------------------------


@dataclass(frozen=True)
class Closed:
    contract_id: str
    account_id: str
    start_date: date
    end_date: date
    arr: float
    outcome: str


def closed_contracts(
    session: Session,
    *,
    closed_from: date,
    closed_to: date,
    known_by: date | None = None,
) -> list[Closed]:
    """Contracts with an outcome whose renewal date (end_date) lies in [closed_from, closed_to],
    and, with `known_by`, whose outcome was recorded (closed_at, else end_date) by then."""
    query = (
        select(
            Contract.contract_id,
            Contract.account_id,
            Contract.start_date,
            Contract.end_date,
            Contract.arr,
            Contract.outcome,
        )
        .where(
            Contract.outcome.is_not(None),
            Contract.end_date >= closed_from,
            Contract.end_date <= closed_to,
        )
        .order_by(Contract.end_date, Contract.contract_id)
    )
    if known_by is not None:
        query = query.where(func.coalesce(Contract.closed_at, Contract.end_date) <= known_by)
    return [
        Closed(cid, aid, start, end, float(arr), outcome)
        for cid, aid, start, end, arr, outcome in session.execute(query)
        if outcome in WON or outcome in LOST
    ]


def lead_for(start: date, end: date, forecast: Forecast) -> int:
    """TECH-1: days before the renewal date a contract is seen: `lead_days`, but at most
    `lead_term_share` of its term (at least one day)."""
    term_days = (end - start).days
    return max(1, min(forecast.lead_days, math.floor(term_days * forecast.lead_term_share)))


def term_months(start: date, end: date) -> int:
    """A contract's term in whole months (at least 1), from its dates."""
    return max(1, round((end - start).days / 30.44))


def term_label(months: int) -> str:
    """A term length as people name it (for `rows_by_term`)."""
    if months <= 1:
        return "monthly"
    if months < 12:
        return f"{months} months"
    years = round(months / 12)
    return "annual" if years == 1 else f"{years} years"


def term_words(label: str) -> Text:
    """A term length of `rows_by_term` ("annual", "3 months", stored in English) for a
    person: English as it is, in the reader's language when printed with `tr` (issue 22)."""
    fixed = {"monthly": Text("monthly"), "annual": Text("annual"), "unknown": Text("unknown")}
    if label in fixed:
        return fixed[label]
    count, _sep, unit = label.partition(" ")
    if unit == "years":
        return Text("{n} years", n=int(count))
    return Text("{n} months", n=int(count))


def terms_text(by_term: dict[str, int]) -> Text:
    """`annual 120, monthly 30`: rows per term length, each term and count the language's
    way when printed with `tr`."""
    return joined((Text("{term} {n:,}", term=term_words(k), n=v) for k, v in by_term.items()), ", ")


def rows_by_term(rows: Sequence[Row]) -> dict[str, int]:
    """Training rows per term length ("monthly", "3 months", "annual", "2 years"...)."""
    counts: dict[str, int] = defaultdict(int)
    for features, _, _ in rows:
        months = features.features.get("term_months")
        counts["unknown" if months is None else term_label(int(months))] += 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def group_by_week(contracts: Sequence[Closed], forecast: Forecast) -> dict[date, list[Closed]]:
    """Contracts by the scoring day of their group: the earliest cut-off (`end_date` minus
    its lead, `lead_for`) of the week it falls in (so no member is scored after its own
    cut-off)."""

    def cut(c: Closed) -> date:
        return c.end_date - timedelta(days=lead_for(c.start_date, c.end_date, forecast))

    weeks: dict[date, list[Closed]] = defaultdict(list)
    for c in contracts:
        day = cut(c)
        weeks[day - timedelta(days=day.weekday())].append(c)
    return {min(cut(c) for c in members): members for members in weeks.values()}


def _day(text: signal_service.SourceText) -> date:
    return text.day


def text_kinds(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    accounts: set[str],
    read: Sequence[signal_service.SourceText] | None = None,
) -> dict[str, set[str]]:
    """SIG-2..8 kinds from the texts dated in the look-back window ending on `as_of`,
    detected afresh (the signal table dates a text by when it was scanned). `read`: the
    texts of a span that holds the window, read already (`texts_between`) and sorted by
    day, instead of reading the window's."""
    since = as_of - timedelta(days=policy.signals.lookback_days - 1)
    window: Iterable[signal_service.SourceText] = (
        signal_service.texts_between(session, since, as_of)
        if read is None
        else read[bisect_left(read, since, key=_day) : bisect_right(read, as_of, key=_day)]
    )
    texts = (t for t in window if t.account_id in accounts)
    found = signal_service.text_signals(texts, policy)
    return {a: {d.kind.value for d in detected} for a, detected in found.items()}


def risk_as_of(
    scored: Any, text_kinds_: Iterable[str], as_of: date, policy: Policy
) -> tuple[str | None, set[str], str]:
    """An account's health category, signal kinds and SIG-0 risk on a past day, from its
    point-in-time score (or None) and the kinds found in its texts of the window."""
    category = scored.decision.category.value if scored is not None and scored.decision else None
    kinds = set(text_kinds_)
    if scored is not None:
        s = scored
        facts = HealthFacts(
            score=s.health.score,
            category=category,
            warning=bool(s.decision and s.decision.warning),
            previous_score=s.previous[1] if s.previous else None,
            previous_as_of=s.previous[0] if s.previous else None,
            reasons=(*s.health.reasons, *(s.decision.reasons if s.decision else ())),
        )
        kinds |= {
            x.kind.value
            for x in numeric_signals(
                s.features, facts, as_of=as_of, signals=policy.signals, health_policy=policy.health
            )
        }
    risk = combined_risk(kinds, category=category, signals=policy.signals).risk.value
    return category, kinds, risk


def rows_as_of(
    session: Session,
    policy: Policy,
    contracts: Sequence[Closed],
    *,
    as_of: date,
    data_dir: Path,
    memory_limit: str,
    usage: dict[str, UsageFeatures] | None = None,
    texts: Sequence[signal_service.SourceText] | None = None,
) -> list[Row]:
    """The group's renewals as they looked on `as_of` (contracts not yet started then are
    left out: they did not exist); `usage`: the book's usage features on `as_of`, if read;
    `texts`: the texts of a span that holds `as_of`'s look-back window, if read."""
    members = [c for c in contracts if c.start_date <= as_of]
    if not members:
        return []
    scored = {
        s.account_id: s
        for s in health_service.score_accounts(
            session,
            policy,
            as_of=as_of,
            data_dir=data_dir,
            memory_limit=memory_limit,
            usage=usage,
            detail={c.account_id for c in members},  # ranked among the whole book's
        )
    }
    kinds_of = text_kinds(
        session, policy, as_of=as_of, accounts={c.account_id for c in members}, read=texts
    )
    rows: list[Row] = []
    for c in members:
        s = scored.get(c.account_id)
        category, kinds, risk = risk_as_of(s, kinds_of.get(c.account_id, ()), as_of, policy)
        days = (c.end_date - as_of).days
        moved = advance(Stage.assessment, days, policy.stages)
        segment = s.segment.value if s is not None else None
        features = RenewalFeatures(
            account_id=c.account_id,
            as_of=as_of,
            renewal_date=c.end_date,
            arr=c.arr,
            segment=segment or policy.segment_for_arr(Decimal(str(c.arr))).value,
            health_score=s.health.score if s is not None else None,
            health_category=category,
            risk=risk,
            signals=tuple(sorted(kinds)),
            stage=(moved[0] if moved else Stage.assessment).value,
            features={
                **(dict(s.features) if s is not None else {}),
                "term_months": float(term_months(c.start_date, c.end_date)),
            },
        )
        rows.append((features, label_of(c.outcome), c.end_date))
    return rows


def training_rows(
    session: Session,
    policy: Policy,
    *,
    data_dir: Path,
    memory_limit: str,
    closed_from: date,
    closed_to: date,
    known_by: date | None = None,
    progress: Progress | None = None,
) -> list[Row]:
    """Every closed renewal dated in [closed_from, closed_to] as it looked its lead time
    (`lead_for`) before its date, with its label (1 renewed, 0 churned) and renewal date; oldest first.

    `known_by`: only outcomes recorded on or before that day (what was known then)."""
    from renewals.usage import features as usage_features

    report = progress or (lambda step, done, total: None)
    contracts = closed_contracts(
        session, closed_from=closed_from, closed_to=closed_to, known_by=known_by
    )
    groups = group_by_week(contracts, policy.forecast)
    # The book's usage on every day a group is seen, read in a few queries, not one a day.
    usage = usage_features.compute_days(
        data_dir,
        [day for day, group in groups.items() if any(c.start_date <= day for c in group)],
        key_features=policy.health.key_features,
        memory_limit=memory_limit,
    )
    # Every group's texts in one reading: the weeks' look-back windows overlap (90 days
    # read again each week, issue 14); each group still detects only its own window's.
    lookback = timedelta(days=policy.signals.lookback_days - 1)
    texts = (
        sorted(signal_service.texts_between(session, min(groups) - lookback, max(groups)), key=_day)
        if groups
        else []
    )
    rows: list[Row] = []
    for k, as_of in enumerate(sorted(groups)):
        report(Text("renewals as they looked"), k, len(groups))
        rows.extend(
            rows_as_of(
                session,
                policy,
                groups[as_of],
                as_of=as_of,
                data_dir=data_dir,
                memory_limit=memory_limit,
                usage=usage.get(as_of),
                texts=texts,
            )
        )
    report(Text("renewals as they looked"), len(groups), len(groups))
    rows.sort(key=lambda r: (r[2], r[0].account_id))
    return rows


def matrix(rows: Sequence[RenewalFeatures], names: Sequence[str]) -> list[list[float]]:
    """The model's input: one list of `names` values per row."""
    out = []
    for row in rows:
        values: Mapping[str, float] = model_features(row)
        out.append([values[n] for n in names])
    return out
