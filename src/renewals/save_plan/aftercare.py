"""After the save desk's decision, on plain values: lost causes (LOST-1), the graceful
exit (LOST-2), the debrief (LOST-3), win-back touches (LOST-4), post-save monitoring
(POST-1) and promises kept or overdue (POST-2).

No clock and no database: dates come in as `as_of`, rows come in as dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from renewals.kit.calendar import add_months
from renewals.kit.i18n import Text

# --- LOST-1: lost causes -----------------------------------------------------------------


class LostCause(StrEnum):
    """LOST-1's criteria, in DOMAIN.md's order."""

    signed_with_competitor = "signed_with_competitor"
    final_decision = "final_decision"
    product_fit = "product_fit"
    refuses_to_engage = "refuses_to_engage"
    economics = "economics"
    relationship_beyond_repair = "relationship_beyond_repair"
    save_cost_exceeds_value = "save_cost_exceeds_value"


# What each criterion means, for reasons and `renewals saves exit --because`.
LOST_CAUSE_TEXT: dict[LostCause, str] = {
    LostCause.signed_with_competitor: Text("signed with a competitor"),
    LostCause.final_decision: Text("final, non-negotiable decision"),
    LostCause.product_fit: Text("fundamentally wrong product-market fit"),
    LostCause.refuses_to_engage: Text("refuses to engage"),
    LostCause.economics: Text("economics work for neither side"),
    LostCause.relationship_beyond_repair: Text("relationship beyond repair"),
    LostCause.save_cost_exceeds_value: Text("save cost exceeds account value"),
}


@dataclass(frozen=True)
class LostCauseFacts:
    """What the data and the CSM say about one open, triaged renewal.

    `inputs` is the CSM's SAVE-2 evidence (`alternative`, `willingness`, ...);
    `signals` the kinds in force; `save_hours` the hours the save would take (SAVE-7,
    for the planned or triaged effort, which already are a save's hours, SAVE-1).
    """

    renewal_id: str
    arr: Decimal
    strategic: bool
    probability_band: str
    root_cause: str
    root_cause_confirmed: bool
    signals: tuple[str, ...]
    engaged_stakeholders: int
    save_hours: float
    hourly_rate: Decimal
    inputs: Mapping[str, str]
    contract_outcome: str | None = None
    competitor: str | None = None


@dataclass(frozen=True)
class LostCauseDecision:
    causes: tuple[LostCause, ...]
    reasons: tuple[str, ...]

    @property
    def lost(self) -> bool:
        return bool(self.causes)


def save_cost(hours: float, hourly_rate: Decimal) -> Decimal:
    """SAVE-1, ROI-1: a save's hours (SAVE-7, already 3-5x a renewal's) at the loaded rate."""
    return (Decimal(str(hours)) * hourly_rate).quantize(Decimal("1"))


def lost_cause(facts: LostCauseFacts) -> LostCauseDecision:
    """LOST-1 on the evidence the platform holds; each criterion met is one reason.

    Only what the data or a recorded CSM input shows is judged here. A product-fit root
    cause counts once a person confirmed it (the triage suggests one for any competitive
    signal). A final decision, economics that fail both sides and a relationship beyond
    repair are a person's call (`renewals saves exit RENEWAL_ID --because ...`).
    Strategic accounts are never a lost cause on cost alone, because their value is more
    than their ARR (SAVE-3).
    """
    causes: list[LostCause] = []
    reasons: list[str] = []

    def met(cause: LostCause, why: str) -> None:
        causes.append(cause)
        reasons.append(Text("LOST-1: {cause}: {why}", cause=LOST_CAUSE_TEXT[cause], why=why))

    if facts.contract_outcome == "churned" and facts.competitor:
        met(
            LostCause.signed_with_competitor,
            Text("the contract churned to {competitor}", competitor=facts.competitor),
        )
    elif facts.inputs.get("alternative") == "chosen":
        met(
            LostCause.signed_with_competitor,
            Text(
                "the CSM recorded the alternative ({competitor}) as chosen",
                competitor=facts.competitor,
            )
            if facts.competitor
            else Text("the CSM recorded the alternative as chosen"),
        )

    # A suggested product-fit cause only means a competitor is in play (SAVE-4); it takes
    # a person's confirmation to call the fit fundamentally wrong.
    if (
        facts.root_cause == "product_fit"
        and facts.root_cause_confirmed
        and facts.probability_band == "low"
    ):
        met(
            LostCause.product_fit,
            Text(
                "product-fit root cause confirmed by the CSM (SAVE-4) with a low save "
                "probability (SAVE-2)"
            ),
        )

    disengaged = "engagement_drop" in facts.signals or facts.inputs.get("willingness") == (
        "checked_out"
    )
    if disengaged and facts.engaged_stakeholders == 0:
        met(
            LostCause.refuses_to_engage,
            Text("disengagement signal (SIG-2) and no stakeholder engaged recently")
            if "engagement_drop" in facts.signals
            else Text("stakeholders recorded as checked out and no stakeholder engaged recently"),
        )

    cost = save_cost(facts.save_hours, facts.hourly_rate)
    if facts.save_hours > 0 and cost > facts.arr and not facts.strategic:
        met(
            LostCause.save_cost_exceeds_value,
            Text(
                "SAVE-1 {hours:g} h x {rate:,.0f}/h = {cost:,.0f} > ARR {arr:,.0f}",
                hours=facts.save_hours,
                rate=facts.hourly_rate,
                cost=cost,
                arr=facts.arr,
            ),
        )
    return LostCauseDecision(tuple(causes), tuple(reasons))


def declared_reason(cause: LostCause, note: str, by: str) -> str:
    """A person's LOST-1 call, worded like the detected ones."""
    if note:
        return Text(
            "LOST-1: {cause}: declared by {by}: {note}",
            cause=LOST_CAUSE_TEXT[cause],
            by=by,
            note=note,
        )
    return Text("LOST-1: {cause}: declared by {by}", cause=LOST_CAUSE_TEXT[cause], by=by)


# --- LOST-2: graceful exit -----------------------------------------------------------------

EXIT_ITEMS: tuple[tuple[str, str], ...] = (
    ("data_export", Text("Offer and deliver a full export of their data")),
    ("knowledge_transfer", Text("Hand over documentation, configurations and know-how")),
    (
        "offboarding_support",
        Text("Support the offboarding (contacts, timeline, questions answered)"),
    ),
    ("continued_service", Text("Agree a period of continued service until they are moved")),
    ("door_open", Text("Leave the door open: thank them and say how to come back")),
)
EXIT_KEYS = tuple(key for key, _ in EXIT_ITEMS)


def exit_checklist() -> list[dict[str, Any]]:
    """LOST-2: the graceful-exit checklist, nothing done yet."""
    return [
        {"key": key, "title": title, "done": False, "done_on": None, "by": None, "note": ""}
        for key, title in EXIT_ITEMS
    ]


def tick(
    checklist: Sequence[Mapping[str, Any]],
    key: str,
    *,
    done: bool,
    by: str,
    on: date,
    note: str = "",
) -> list[dict[str, Any]]:
    """A new checklist with one item done (or undone); unknown keys are an error."""
    if key not in EXIT_KEYS:
        raise ValueError(
            Text(
                "no exit item {key}: one of {choices}", key=repr(key), choices=", ".join(EXIT_KEYS)
            )
        )
    items = [dict(item) for item in checklist] or exit_checklist()
    for item in items:
        if item["key"] == key:
            item["done"] = done
            item["done_on"] = on.isoformat() if done else None
            item["by"] = by if done else None
            item["note"] = note or item.get("note", "")
    return items


def checklist_done(checklist: Sequence[Mapping[str, Any]]) -> bool:
    return bool(checklist) and all(item.get("done") for item in checklist)


# --- LOST-3: debrief -------------------------------------------------------------------------

# Field -> the question it answers (the template a debrief fills in).
DEBRIEF_QUESTIONS: dict[str, str] = {
    "stated_reason": Text("What did they tell us?"),
    "real_reasons": Text("What were the real reasons?"),
    "told_on": Text("When did they tell us?"),
    "really_lost_on": Text("When was it really lost (often months before anyone admitted it)?"),
    "earliest_warning_on": Text("When did the first warning signal appear?"),
    "missed_signals": Text("Which signals did we miss (first seen before the decision)?"),
    "competitor": Text("Who did they go to?"),
    "could_have_been_saved": Text("Could it have been saved? (yes | no | unknown)"),
    "how": Text("If so, how?"),
    "pattern": Text("Which pattern does it match?"),
    "what_to_change": Text("What do we change (team, product, process)?"),
    "shared_with": Text("Shared with (team, product, ...)"),
}
SAVEABLE = ("yes", "no", "unknown")


@dataclass(frozen=True)
class SignalSeen:
    kind: str
    rule: str
    severity: str
    first_seen_on: date
    evidence: str


def missed_signals(
    signals: Iterable[SignalSeen], *, decided_on: date, since: date | None = None
) -> list[SignalSeen]:
    """LOST-3: signals first seen before the decision (from `since`, e.g. the contract's
    start), earliest first: what was there to see before the customer told us."""
    found = [
        s
        for s in signals
        if s.first_seen_on < decided_on and (since is None or s.first_seen_on >= since)
    ]
    return sorted(found, key=lambda s: (s.first_seen_on, s.kind))


def debrief_template(
    *,
    told_on: date | None,
    stated_reason: str | None,
    competitor: str | None,
    signals: Sequence[SignalSeen],
    outcome: str | None = None,
) -> dict[str, Any]:
    """LOST-3: the debrief with what the data already knows filled in; the rest is for
    the team to answer (`renewals saves debrief`)."""
    earliest = min((s.first_seen_on for s in signals), default=None)
    return {
        "stated_reason": stated_reason,
        "real_reasons": [],
        "told_on": told_on.isoformat() if told_on else None,
        "really_lost_on": None,
        "earliest_warning_on": earliest.isoformat() if earliest else None,
        "missed_signals": [
            {
                "kind": s.kind,
                "rule": s.rule,
                "severity": s.severity,
                "first_seen_on": s.first_seen_on.isoformat(),
                "evidence": s.evidence,
            }
            for s in signals
        ],
        "competitor": competitor,
        "could_have_been_saved": None,
        "how": None,
        "pattern": None,
        "what_to_change": None,
        "shared_with": [],
        "outcome": outcome,
        "completed_on": None,
        "completed_by": None,
    }


def prefill(debrief: Mapping[str, Any], template: Mapping[str, Any]) -> dict[str, Any]:
    """The debrief with the template's facts filled in where nobody has answered yet."""
    merged = dict(template)
    for key, value in debrief.items():
        if value not in (None, "", []):
            merged[key] = value
    return merged


def update_debrief(debrief: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A new debrief with the answers in `changes` (lists are appended to, not replaced)."""
    unknown = sorted(set(changes) - set(DEBRIEF_QUESTIONS))
    if unknown:
        raise ValueError(Text("no debrief field {fields}", fields=", ".join(unknown)))
    saveable = changes.get("could_have_been_saved")
    if saveable is not None and saveable not in SAVEABLE:
        raise ValueError(
            Text("could_have_been_saved must be one of {choices}", choices=", ".join(SAVEABLE))
        )
    merged = dict(debrief)
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, date):
            value = value.isoformat()
        if isinstance(value, list | tuple):
            old = list(merged.get(key) or [])
            value = old + [v for v in value if v not in old]
        merged[key] = value
    return merged


def debrief_missing(debrief: Mapping[str, Any]) -> list[str]:
    """The answers a complete LOST-3 debrief still lacks."""
    needed = ("real_reasons", "really_lost_on", "could_have_been_saved", "what_to_change")
    missing = [k for k in needed if debrief.get(k) in (None, "", [])]
    if debrief.get("could_have_been_saved") == "yes" and not debrief.get("how"):
        missing.append("how")
    return missing


# --- LOST-4: win-back -------------------------------------------------------------------------


def churn_date(renewal_date: date, closed_on: date | None) -> date:
    """The day the customer is gone: the contract's end, or the close when recorded later.

    A customer who says no in October is still a customer until the contract ends in
    December; a check-in "3 months after churn" counts from December.
    """
    return max(renewal_date, closed_on) if closed_on else renewal_date


@dataclass(frozen=True)
class WinbackTouch:
    months: int
    due_date: date
    kind: str  # check_in | updates | win_back
    title: str
    description: str

    def key(self, renewal_id: str) -> str:
        return f"winback:{renewal_id}:{self.months}"

    @property
    def step(self) -> str:
        return f"winback_{self.months}m"


def _touch(kind: str, months: int) -> tuple[str, str]:
    """A LOST-4 touch's task title and description (stored in English, read in the
    reader's language)."""
    if kind == "check_in":
        return Text("Win-back check-in"), Text(
            "LOST-4: a friendly check-in {months} months after they left: how is the new "
            "solution working, is anything missing? No pitch.",
            months=months,
        )
    if kind == "updates":
        return Text("Win-back: share relevant updates"), Text(
            "LOST-4: {months} months after they left, share what changed that matters to them "
            "(fixes and features for the reasons they left).",
            months=months,
        )
    return Text("Win-back conversation"), Text(
        "LOST-4: {months} months after they left, the formal win-back conversation: "
        "what would it take to come back?",
        months=months,
    )


def churn_context(
    churned_on: date, competitor: str | None, reason: str | None, *, imported: bool = False
) -> str:
    """The line a win-back task's description ends with: when they left, to whom and what
    they said (a Text per shape, so that the stored English reads back in each language)."""
    if imported:
        if competitor and reason:
            return Text(
                "Churned on {day} to {competitor}; they said: {reason} (imported history).",
                day=churned_on,
                competitor=competitor,
                reason=reason,
            )
        if competitor:
            return Text(
                "Churned on {day} to {competitor} (imported history).",
                day=churned_on,
                competitor=competitor,
            )
        if reason:
            return Text(
                "Churned on {day}; they said: {reason} (imported history).",
                day=churned_on,
                reason=reason,
            )
        return Text("Churned on {day} (imported history).", day=churned_on)
    if competitor and reason:
        return Text(
            "Churned on {day} to {competitor}; they said: {reason}.",
            day=churned_on,
            competitor=competitor,
            reason=reason,
        )
    if competitor:
        return Text("Churned on {day} to {competitor}.", day=churned_on, competitor=competitor)
    if reason:
        return Text("Churned on {day}; they said: {reason}.", day=churned_on, reason=reason)
    return Text("Churned on {day}.", day=churned_on)


def winback_touches(churned_on: date, months: Sequence[int]) -> list[WinbackTouch]:
    """LOST-4: the first touch is a check-in, the last the formal win-back conversation,
    any between share relevant updates (policy `winback.touch_months`: 3, 6, 12)."""
    touches = []
    for i, m in enumerate(months):
        kind = "win_back" if i == len(months) - 1 else "check_in" if i == 0 else "updates"
        title, text = _touch(kind, m)
        touches.append(WinbackTouch(m, add_months(churned_on, m), kind, title, text))
    return touches


# --- POST-1: monitoring after the save ------------------------------------------------------


@dataclass(frozen=True)
class MonitoringWindow:
    saved_on: date
    monitor_until: date
    cadence_days: int


def monitoring_window(
    saved_on: date, *, fragile_months: int, cadence_days: int
) -> MonitoringWindow:
    """POST-1: saved accounts are fragile for `fragile_months` (the policy's upper bound,
    12): health checks every `cadence_days` (7: weekly instead of quarterly) until then."""
    return MonitoringWindow(saved_on, add_months(saved_on, fragile_months), cadence_days)


def monitoring_ended(window: MonitoringWindow, *, as_of: date) -> bool:
    return as_of > window.monitor_until


def health_check_dates(
    window: MonitoringWindow, *, as_of: date, lookahead_days: int = 7
) -> list[date]:
    """POST-1: the health checks due up to `as_of + lookahead_days` within the window.

    A check whose successor is already due is skipped: after a gap (the run was off,
    the save was recorded late) one current check appears, not a backlog of stale ones.
    """
    last = min(window.monitor_until, as_of + timedelta(days=lookahead_days))
    step = timedelta(days=window.cadence_days)
    dates = []
    day = window.saved_on + step
    while day <= last:
        if day + step > as_of:
            dates.append(day)
        day += step
    return dates


# --- POST-2: promises -----------------------------------------------------------------------

CLOSED_PROMISES = ("verified", "dropped")


@dataclass(frozen=True)
class Promise:
    """One SAVE-8 remediation item seen as a promise to the customer (POST-2)."""

    problem_id: int
    description: str
    owner_email: str | None
    due_date: date | None
    status: str
    completed_on: date | None = None
    communicated_on: date | None = None
    verified_on: date | None = None


def is_overdue(promise: Promise, *, as_of: date) -> bool:
    """POST-2: due before `as_of` and not verified by the customer (dropped ones are no
    longer promised). A promise due today is not overdue yet."""
    return (
        promise.status not in CLOSED_PROMISES
        and promise.due_date is not None
        and promise.due_date < as_of
    )


def promise_progress(promise: Promise, *, as_of: date) -> str:
    """POST-2 in words: where the promise stands and what is missing."""
    if promise.status == "verified":
        return f"verified by the customer on {promise.verified_on or '?'}"
    if promise.status == "dropped":
        return "dropped"
    parts = []
    if promise.completed_on or promise.status == "done":
        parts.append(f"done on {promise.completed_on or '?'}")
        parts.append(
            f"completion communicated on {promise.communicated_on}"
            if promise.communicated_on
            else "completion not communicated to the customer"
        )
        parts.append("not verified by the customer")
    else:
        parts.append(promise.status.replace("_", " "))
    if promise.due_date is not None and promise.due_date < as_of:
        parts.insert(0, f"{(as_of - promise.due_date).days} days overdue (due {promise.due_date})")
    return "; ".join(parts)
