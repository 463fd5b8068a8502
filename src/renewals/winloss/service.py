"""Win/loss use-cases: record every closed renewal, confirm a reason, report the themes.

load (closed contracts, their renewal and account, the account's signals) -> domain
(reason category, missed signals, when it was really lost) -> persist (one record
per contract, updated in place; a person's confirmed reason and notes are kept).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from statistics import median
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import SQLColumnExpression, func, select
from sqlalchemy.orm import Session

from renewals.account.models import Account
from renewals.audit import service as audit
from renewals.contract.models import Contract
from renewals.db import insert_rows, update_rows
from renewals.errors import NotFound, RenewalsError
from renewals.fx import service as fx_service
from renewals.kit.batches import chunks
from renewals.kit.i18n import Text
from renewals.policy.domain import Policy
from renewals.renewal.models import Renewal, StageChange, stage_moves_only
from renewals.signal.models import Signal
from renewals.user import access
from renewals.winloss import domain as rules
from renewals.winloss.domain import ReasonCategory, SignalFact
from renewals.winloss.models import WinLossRecord

QUOTES = 3  # customer quotes shown per theme
T = TypeVar("T")


@dataclass
class RecordReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_confirmed: int = 0  # records whose person-confirmed reason was left as it was
    by_outcome: Counter[str] = field(default_factory=Counter)


def _signals_by_account(session: Session, accounts: Iterable[str]) -> dict[str, list[SignalFact]]:
    """Every signal of the accounts, dated by the first day the system had its evidence.

    That is `first_seen_on`, except for texts imported with the history and scanned
    later: the ticket or note was in our systems on its own date (`source_date`).
    """
    found: dict[str, list[SignalFact]] = defaultdict(list)
    query = select(
        Signal.account_id,
        Signal.kind,
        Signal.rule,
        Signal.first_seen_on,
        Signal.source_date,
        Signal.evidence,
        Signal.source,
        Signal.severity,
    ).order_by(Signal.signal_id)
    for chunk in chunks(sorted(set(accounts)), 500):
        for (
            account_id,
            kind,
            rule,
            first,
            source_date,
            evidence,
            source,
            severity,
        ) in session.execute(query.where(Signal.account_id.in_(chunk))):
            found[account_id].append(
                SignalFact(kind, rule, min(first, source_date), evidence, source, severity)
            )
    return found


class ClosedContract(NamedTuple):
    """The facts of a closed contract the record is computed from (a row, not an ORM object)."""

    contract_id: str
    account_id: str
    outcome: str | None
    closed_at: date | None
    end_date: date
    close_reason: str | None
    competitor: str | None
    arr: Decimal
    outcome_arr: Decimal | None


def _values(
    contract: ClosedContract,
    renewal: tuple[str, str, str | None] | None,
    account: tuple[str | None, str | None],
    signals: list[SignalFact],
    policy: Policy,
) -> dict[str, Any]:
    """The record's fields computed from the facts (everything but a person's input)."""
    assert contract.outcome is not None
    owner, override = account
    renewal_id, segment, renewal_owner = renewal or (None, None, None)
    told = rules.decision_date(contract.closed_at, contract.end_date)
    missed: list[SignalFact] = []
    if rules.lost_arr(contract.outcome):
        missed = rules.missed_signals(
            signals, decided_on=told, days=policy.winloss.missed_signal_days
        )
    decision = rules.categorize(
        contract.close_reason, competitor=contract.competitor, outcome=contract.outcome
    )
    return {
        "account_id": contract.account_id,
        "renewal_id": renewal_id,
        "outcome": contract.outcome,
        "won": contract.outcome in rules.WON,
        "renewal_date": contract.end_date,
        "closed_on": contract.closed_at,
        "segment": segment or override or policy.segment_for_arr(contract.arr).value,
        "owner_email": renewal_owner or owner,
        "arr": contract.arr,
        "outcome_arr": contract.outcome_arr,
        "reason_category": decision.category.value,
        "customer_words": contract.close_reason or None,
        "competitor": contract.competitor or None,
        "told_on": told,
        "really_lost_on": rules.really_lost_on(missed),
        "missed_signals": [s.as_dict() for s in missed],
    }


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, Decimal) or isinstance(new, Decimal):
        return (None if current is None else Decimal(current)) == (
            None if new is None else Decimal(new)
        )
    return bool(current == new)


# The record's fields the daily run computes (`_values`), read back to compare.
_COMPUTED = (
    "account_id",
    "renewal_id",
    "outcome",
    "won",
    "renewal_date",
    "closed_on",
    "segment",
    "owner_email",
    "arr",
    "outcome_arr",
    "reason_category",
    "customer_words",
    "competitor",
    "told_on",
    "really_lost_on",
    "missed_signals",
)


def record_all(session: Session, policy: Policy, *, as_of: date) -> RecordReport:
    """Create or update the win/loss record of every contract closed by `as_of` (LEARN-1).
    Idempotent; a person-confirmed reason category and the notes are never overwritten.

    Set-based (issue 20): the closed contracts and the existing records are read as
    columns, new records go in with one multi-row INSERT and changed ones are updated by
    primary key in one executemany (no ORM object per contract)."""
    report = RecordReport()
    decided = func.coalesce(Contract.closed_at, Contract.end_date)
    contracts = [
        ClosedContract(*row)
        for row in session.execute(
            select(
                Contract.contract_id,
                Contract.account_id,
                Contract.outcome,
                Contract.closed_at,
                Contract.end_date,
                Contract.close_reason,
                Contract.competitor,
                Contract.arr,
                Contract.outcome_arr,
            )
            .where(Contract.outcome.is_not(None), decided <= as_of)
            .order_by(Contract.contract_id)
        )
    ]
    if not contracts:
        return report
    renewals = {
        contract_id: (renewal_id, segment, owner)
        for contract_id, renewal_id, segment, owner in session.execute(
            select(Renewal.contract_id, Renewal.renewal_id, Renewal.segment, Renewal.owner_email)
        )
    }
    accounts = {
        account_id: (owner, override)
        for account_id, owner, override in session.execute(
            select(Account.account_id, Account.owner_email, Account.segment_override)
        )
    }
    signals = _signals_by_account(
        session, {c.account_id for c in contracts if rules.lost_arr(c.outcome or "")}
    )
    columns = [getattr(WinLossRecord, name) for name in _COMPUTED]
    existing = {
        row[0]: row[1:]
        for row in session.execute(
            select(WinLossRecord.contract_id, WinLossRecord.reason_confirmed, *columns)
        )
    }
    created: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    for contract in contracts:
        values = _values(
            contract,
            renewals.get(contract.contract_id),
            accounts.get(contract.account_id, (None, None)),
            signals.get(contract.account_id, []),
            policy,
        )
        report.by_outcome[values["outcome"]] += 1
        record = existing.get(contract.contract_id)
        if record is None:
            created.append(
                {
                    "contract_id": contract.contract_id,
                    "reason_confirmed": False,
                    "notes": {},
                    "created_on": as_of,
                    "updated_on": as_of,
                    **values,
                }
            )
            continue
        confirmed, *stored = record
        current = dict(zip(_COMPUTED, stored, strict=True))
        if confirmed:
            values.pop("reason_category")
            report.kept_confirmed += 1
        changed = {k: v for k, v in values.items() if not _same(current[k], v)}
        if not changed:
            report.unchanged += 1
            continue
        updated.append({"contract_id": contract.contract_id, **changed, "updated_on": as_of})
    report.created = insert_rows(session, WinLossRecord, created)
    if updated:
        session.flush()  # pending changes first: the bulk UPDATE goes straight to the rows
        update_rows(session, WinLossRecord, updated)
    report.updated = len(updated)
    return report


def get(session: Session, contract_id: str) -> WinLossRecord:
    """The win/loss record of a closed contract, or NotFound saying why."""
    record = session.get(WinLossRecord, contract_id)
    if record is not None:
        return record
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFound(Text("no contract {id}", id=repr(contract_id)))
    if contract.outcome is None:
        raise NotFound(
            Text("contract {id} is still open: a record follows its outcome", id=repr(contract_id))
        )
    raise NotFound(
        Text(
            "contract {id} has no win/loss record yet: run `renewals run` (the winloss.record job)",
            id=repr(contract_id),
        )
    )


def explain(record: WinLossRecord) -> rules.ReasonDecision:
    """Why the words suggest the category they do (recomputed; the domain is pure)."""
    return rules.categorize(
        record.customer_words, competitor=record.competitor, outcome=record.outcome
    )


def confirm(
    session: Session,
    contract_id: str,
    *,
    reason_category: str,
    by: str,
    notes: str | None = None,
    on: date,
) -> WinLossRecord:
    """A person confirms or corrects the reason of a closed renewal (audited)."""
    access.require_active_user(session, by)
    record = get(session, contract_id)
    allowed = (
        ReasonCategory.loss_categories()
        if rules.lost_arr(record.outcome)
        else ReasonCategory.win_categories()
    )
    if reason_category not in {c.value for c in allowed}:
        choices = ", ".join(c.value for c in allowed)
        raise RenewalsError(
            Text(
                "the reason of a loss or downgrade is one of {choices}, not {value}",
                choices=choices,
                value=repr(reason_category),
            )
            if rules.lost_arr(record.outcome)
            else Text(
                "the reason of a win is one of {choices}, not {value}",
                choices=choices,
                value=repr(reason_category),
            )
        )
    before = record.reason_category
    record.reason_category = reason_category
    record.reason_confirmed = True
    entry = {"on": on.isoformat(), "by": by, "reason_category": reason_category}
    if notes:
        entry["note"] = notes
    current = dict(record.notes or {})
    current["confirmations"] = [*current.get("confirmations", []), entry]
    record.notes = current
    record.updated_on = on
    audit.record(
        session,
        actor=by,
        action="winloss.confirm",
        entity="winloss_record",
        entity_id=contract_id,
        detail={"from": before, "to": reason_category, "note": notes or ""},
    )
    session.flush()
    return record


# --- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    category: str
    lost: int  # churned
    downgraded: int
    arr_lost: float  # churned ARR + the ARR a downgrade gave up
    confirmed: int
    quotes: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "lost": self.lost,
            "downgraded": self.downgraded,
            "arr_lost": round(self.arr_lost, 2),
            "confirmed": self.confirmed,
            "quotes": list(self.quotes),
        }


@dataclass(frozen=True)
class CompetitorLosses:
    competitor: str
    lost: int
    arr: float
    share: float  # of all losses

    def as_dict(self) -> dict[str, Any]:
        return {
            "competitor": self.competitor,
            "lost": self.lost,
            "arr": round(self.arr, 2),
            "share": round(self.share, 4),
        }


@dataclass(frozen=True)
class WinReason:
    category: str
    renewals: int
    confirmed: int
    quotes: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "renewals": self.renewals,
            "confirmed": self.confirmed,
            "quotes": list(self.quotes),
        }


@dataclass(frozen=True)
class SegmentFigures:
    segment: str
    closed: int
    won: int
    lost: int
    downgraded: int
    arr_lost: float

    @property
    def win_rate(self) -> float | None:
        return self.won / self.closed if self.closed else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "segment": self.segment,
            "closed": self.closed,
            "won": self.won,
            "lost": self.lost,
            "downgraded": self.downgraded,
            "win_rate": None if self.win_rate is None else round(self.win_rate, 4),
            "arr_lost": round(self.arr_lost, 2),
        }


@dataclass(frozen=True)
class WinLossReport:
    as_of: date
    since: date | None
    closed: int
    won: int
    lost: int
    downgraded: int
    arr_lost: float
    themes: list[Theme]
    competitors: list[CompetitorLosses]
    patterns: list[rules.Pattern]
    lead_time_days: float | None  # median days from really lost to told
    lead_time_n: int
    missed_signals: dict[str, int]  # kind -> losses and downgrades that had it before
    with_missed_signals: int
    signals_since: date | None  # the earliest signal on record: no look-back before it
    missed_signal_days: int
    win_reasons: list[WinReason]  # renewed and expanded, where words exist
    segments: list[SegmentFigures]
    currency: str = "USD"  # TECH-5: the reporting currency of every ARR above

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "since": None if self.since is None else self.since.isoformat(),
            "closed": self.closed,
            "won": self.won,
            "lost": self.lost,
            "downgraded": self.downgraded,
            "arr_lost": round(self.arr_lost, 2),
            "themes": [t.as_dict() for t in self.themes],
            "competitors": [c.as_dict() for c in self.competitors],
            "patterns": [p.as_dict() for p in self.patterns],
            "lead_time_days": self.lead_time_days,
            "lead_time_n": self.lead_time_n,
            "missed_signals": dict(self.missed_signals),
            "with_missed_signals": self.with_missed_signals,
            "signals_since": None if self.signals_since is None else self.signals_since.isoformat(),
            "win_reasons": [w.as_dict() for w in self.win_reasons],
            "missed_signal_days": self.missed_signal_days,
            "segments": [s.as_dict() for s in self.segments],
        }


def _signals_since(session: Session) -> date | None:
    """The earliest day a signal is dated by (see `_signals_by_account`)."""
    first, source = session.execute(
        select(func.min(Signal.first_seen_on), func.min(Signal.source_date))
    ).one()
    return min((d for d in (first, source) if d is not None), default=None)


def _arr_lost(r: WinLossRecord, rate: float = 1.0) -> float:
    """The ARR a loss or downgrade gave up, times `rate` (to the reporting currency)."""
    if r.outcome == rules.LOST:
        return float(r.arr) * rate
    if r.outcome == rules.PARTIAL and r.outcome_arr is not None:
        return max(0.0, float(r.arr) - float(r.outcome_arr)) * rate
    return 0.0


def contract_values(
    session: Session, column: SQLColumnExpression[T], ids: Sequence[str]
) -> dict[str, T]:
    """One column of these contracts, by contract id (500 ids to a query)."""
    found: dict[str, T] = {}
    for chunk in chunks(ids, 500):
        found.update(
            session.execute(
                select(Contract.contract_id, column).where(Contract.contract_id.in_(chunk))
            )
            .tuples()
            .all()
        )
    return found


def record_rates(
    session: Session, policy: Policy, records: list[WinLossRecord], *, as_of: date
) -> tuple[str, dict[str, float]]:
    """TECH-5: the reporting currency, and per record (contract) the rate of its renewal
    date (of `as_of` for one still ahead) from its contract's currency."""
    table = fx_service.rate_table(session, policy)
    currency = contract_values(session, Contract.currency, [r.contract_id for r in records])
    return table.reporting, {
        r.contract_id: float(
            table.rate(
                currency.get(r.contract_id, table.reporting),
                table.day_for(r.renewal_date, as_of),
            )
        )
        for r in records
    }


def _quotes(records: list[WinLossRecord]) -> tuple[str, ...]:
    counts = Counter(r.customer_words for r in records if r.customer_words)
    return tuple(words for words, _ in counts.most_common(QUOTES))


def report(
    session: Session, policy: Policy, *, as_of: date, since: date | None = None
) -> WinLossReport:
    """FUND-3, LEARN-1: themes, competitors, patterns, lead time, missed signals, win
    reasons and segments of the renewals decided in [since, as_of]."""
    query = select(WinLossRecord).where(WinLossRecord.told_on <= as_of)
    if since is not None:
        query = query.where(WinLossRecord.told_on >= since)
    records = list(session.scalars(query.order_by(WinLossRecord.told_on)))
    reporting, rate = record_rates(session, policy, records, as_of=as_of)
    losing = [r for r in records if rules.lost_arr(r.outcome)]
    lost = [r for r in records if r.outcome == rules.LOST]

    by_category: dict[str, list[WinLossRecord]] = defaultdict(list)
    for r in losing:
        by_category[r.reason_category or ReasonCategory.other.value].append(r)
    themes = sorted(
        (
            Theme(
                category=key,
                lost=sum(r.outcome == rules.LOST for r in members),
                downgraded=sum(r.outcome == rules.PARTIAL for r in members),
                arr_lost=sum(_arr_lost(r, rate[r.contract_id]) for r in members),
                confirmed=sum(r.reason_confirmed for r in members),
                quotes=_quotes(members),
            )
            for key, members in by_category.items()
        ),
        key=lambda t: (-(t.lost + t.downgraded), -t.arr_lost, t.category),
    )

    by_competitor: dict[str, list[WinLossRecord]] = defaultdict(list)
    for r in lost:
        if r.competitor:
            by_competitor[r.competitor].append(r)
    competitors = sorted(
        (
            CompetitorLosses(
                name,
                len(m),
                sum(float(r.arr) * rate[r.contract_id] for r in m),
                len(m) / len(lost),
            )
            for name, m in by_competitor.items()
        ),
        key=lambda c: (-c.lost, -c.arr, c.competitor),
    )

    found = rules.patterns(
        (
            rules.Loss(
                r.contract_id,
                r.told_on or r.renewal_date,
                r.competitor,
                r.reason_category,
                float(r.arr) * rate[r.contract_id],
            )
            for r in lost
        ),
        count=policy.winloss.pattern_count,
        days=policy.winloss.pattern_days,
    )

    leads = [(r.told_on - r.really_lost_on).days for r in losing if r.told_on and r.really_lost_on]
    missed: Counter[str] = Counter()
    for r in losing:
        for kind in {s["kind"] for s in r.missed_signals or []}:
            missed[kind] += 1

    by_win: dict[str, list[WinLossRecord]] = defaultdict(list)
    for r in records:
        if not rules.lost_arr(r.outcome) and r.customer_words:
            by_win[r.reason_category or ReasonCategory.other.value].append(r)
    win_reasons = sorted(
        (
            WinReason(key, len(m), sum(r.reason_confirmed for r in m), _quotes(m))
            for key, m in by_win.items()
        ),
        key=lambda w: (-w.renewals, w.category),
    )

    by_segment: dict[str, list[WinLossRecord]] = defaultdict(list)
    for r in records:
        by_segment[r.segment or "unknown"].append(r)
    segments = [
        SegmentFigures(
            segment=key,
            closed=len(m),
            won=sum(r.won for r in m),
            lost=sum(r.outcome == rules.LOST for r in m),
            downgraded=sum(r.outcome == rules.PARTIAL for r in m),
            arr_lost=sum(_arr_lost(r, rate[r.contract_id]) for r in m),
        )
        for key, m in sorted(by_segment.items())
    ]
    return WinLossReport(
        as_of=as_of,
        since=since,
        closed=len(records),
        won=sum(r.won for r in records),
        lost=len(lost),
        downgraded=sum(r.outcome == rules.PARTIAL for r in records),
        arr_lost=sum(_arr_lost(r, rate[r.contract_id]) for r in records),
        themes=themes,
        competitors=competitors,
        patterns=found,
        lead_time_days=float(median(leads)) if leads else None,
        lead_time_n=len(leads),
        missed_signals=dict(missed.most_common()),
        with_missed_signals=sum(bool(r.missed_signals) for r in losing),
        signals_since=_signals_since(session),
        missed_signal_days=policy.winloss.missed_signal_days,
        win_reasons=win_reasons,
        segments=segments,
        currency=reporting,
    )


def stalls(session: Session, policy: Policy, *, as_of: date) -> list[rules.StageStall]:
    """LEARN-2: where renewals stall, from every renewal's stage history up to `as_of`."""
    dates = dict(session.execute(select(Renewal.renewal_id, Renewal.renewal_date)).all())
    changes = session.execute(
        select(StageChange.renewal_id, StageChange.to_stage, StageChange.on)
        .where(StageChange.on <= as_of, stage_moves_only())
        .order_by(StageChange.renewal_id, StageChange.on, StageChange.id)
    )
    return rules.stalls(
        rules.visits(((rid, stage, on) for rid, stage, on in changes), dates),
        policy.stages,
        factor=policy.winloss.stall_factor,
        as_of=as_of,
    )
