"""The save plan (SAVE-8..11): problems in priority order, the remediation schedule,
tactics, the fast fix, alternatives and the conversation guide.

Pure rules on plain values: no database, no clock (`as_of` is a parameter). The
service maps rows to these inputs and stores the results.

Problem priority (SAVE-8), a number shown next to every problem:

    priority = 100 x class + impact points + frequency points + quick points

    class:      3 fixable deal-breaker, 2 deal-breaker we cannot fix,
                1 fixable nice-to-have, 0 nice-to-have we cannot fix
    impact:     (impact - 1) x 10          impact 1-5 -> 0-40
    frequency:  (min(frequency, 5) - 1) x 7.5  1-5+ occurrences -> 0-30
    quick:      20 when it can be fixed in the fast-fix window

The class is worth more than everything else together (at most 90 points), so
fixable deal-breakers always come first (SAVE-8), then the deal-breakers that need
another answer (workaround, roadmap, product team), then the nice-to-haves. Within
a class, impact, frequency and quick wins decide.

Problems from the evidence (`problems_from_evidence`):

- Signals are grouped by kind: one problem per kind, frequency = how many signals
  of that kind (each quoted sentence or numeric fact is one occurrence). A health
  drop (SIG-1) is a symptom of the others, not a problem to fix, and the numeric
  "repeated complaints" fact is left to the ticket groups, which name the subjects.
- Tickets are grouped by subject (lower-cased, trimmed, as SIG-3 counts repeats);
  a subject becomes a problem when it was raised more than once or any of its
  tickets was high or urgent.
- Deal-breaker: any competitive signal (SIG-4); negative feedback raised more than
  once (SIG-3); a repeated ticket subject or an urgent ticket.
- Fixable unless the problem's root cause is product fit (SAVE-4, the hardest):
  competitive pressure and negative feedback take the triage's root cause; tickets
  are service experience; the other kinds have their own (KINDS).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TypeVar

import jinja2

from renewals.errors import RenewalsError
from renewals.kit import i18n, templates
from renewals.kit.i18n import Text
from renewals.policy.domain import Save
from renewals.save_plan.triage import Effort, RootCause, Window


class ProblemStatus(StrEnum):
    """SAVE-8 remediation item and POST-2 promise states."""

    open = "open"
    in_progress = "in_progress"
    done = "done"
    verified = "verified"  # the customer confirmed the result (POST-2)
    dropped = "dropped"

    @classmethod
    def resolved(cls) -> tuple[ProblemStatus, ...]:
        return (cls.done, cls.verified, cls.dropped)


ROOT_CAUSE_LABELS: dict[str, str] = {
    RootCause.product_fit: Text("product fit"),
    RootCause.service_experience: Text("service experience"),
    RootCause.value_perception: Text("value perception"),
    RootCause.circumstantial: Text("circumstantial"),
}

TEXT_SOURCES = ("ticket", "survey", "interaction")  # signals quoting the customer's words
URGENT_PRIORITIES = ("high", "urgent")  # as the health features count urgent tickets
TRIAGE_ROOT_CAUSE = "triage"  # a kind whose root cause is the triage's


@dataclass(frozen=True)
class KindProfile:
    """How a signal kind reads as a save-plan problem."""

    label: str
    root_cause: str  # a RootCause value, or TRIAGE_ROOT_CAUSE
    quick: bool  # a first fix fits the fast-fix window
    impact: int  # 1-5
    # How the guide says it to the customer (SAVE-10 "open with honesty"): their situation
    # in plain words, without our rule IDs or internal figures (issue 16: those stay in the
    # plan and the internal brief).
    said: str = ""
    # The problem's English description as a template, "<label>: {evidence}" (issue 22): a
    # description stored inside other text (a fast-fix task's title) reads back in the
    # reader's language through it (kit.i18n.tr).
    described: str = ""


# SIG-2..9 as problems; SIG-1 (health drop) is the symptom, not the problem.
KINDS: dict[str, KindProfile] = {
    "competitive": KindProfile(
        Text("They are comparing us with an alternative (SIG-4)"),
        TRIAGE_ROOT_CAUSE,
        False,
        5,
        Text("You are looking at other options"),
        Text("They are comparing us with an alternative (SIG-4): {evidence}"),
    ),
    "negative_feedback": KindProfile(
        Text("Complaints and negative feedback (SIG-3)"),
        TRIAGE_ROOT_CAUSE,
        False,
        4,
        Text("You have told us you are not satisfied"),
        Text("Complaints and negative feedback (SIG-3): {evidence}"),
    ),
    "budget": KindProfile(
        Text("Their budget is under review (SIG-5)"),
        RootCause.circumstantial,
        False,
        4,
        Text("Your budget is under review"),
        Text("Their budget is under review (SIG-5): {evidence}"),
    ),
    "stakeholder_change": KindProfile(
        Text("A champion or decision maker left (SIG-6)"),
        RootCause.circumstantial,
        True,
        4,
        Text("The people we worked with on your side have changed"),
        Text("A champion or decision maker left (SIG-6): {evidence}"),
    ),
    "business_change": KindProfile(
        Text("Their business is changing: restructuring, layoffs or a pivot (SIG-8)"),
        RootCause.circumstantial,
        False,
        4,
        Text("Your business is changing"),
        Text("Their business is changing: restructuring, layoffs or a pivot (SIG-8): {evidence}"),
    ),
    "engagement_drop": KindProfile(
        Text("Engagement has dropped: meetings missed, slow replies (SIG-2)"),
        RootCause.service_experience,
        True,
        3,
        Text("We have not been meeting and talking as we should"),
        Text("Engagement has dropped: meetings missed, slow replies (SIG-2): {evidence}"),
    ),
    "usage_decline": KindProfile(
        Text("Usage is declining, seats unused (SIG-7)"),
        RootCause.value_perception,
        False,
        3,
        Text("Your team is using the product less than it could"),
        Text("Usage is declining, seats unused (SIG-7): {evidence}"),
    ),
    "single_threading": KindProfile(
        Text("We depend on one or two contacts (SIG-9)"),
        RootCause.service_experience,
        False,
        3,
        Text("We work with too few people on your team"),
        Text("We depend on one or two contacts (SIG-9): {evidence}"),
    ),
}
SKIPPED_KINDS = ("health_drop",)
# The numeric SIG-3 fact "N problems reported more than once" (source "tickets"):
# the ticket groups name those problems, so it is not counted twice.
SKIPPED_SIGNAL_SOURCES = ("tickets",)


# --- inputs --------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalFact:
    """One active signal (signal.models.Signal) as the plan reads it."""

    kind: str
    rule: str
    severity: str
    source: str
    source_id: str
    source_date: date
    evidence: str


@dataclass(frozen=True)
class TicketFact:
    ticket_id: str
    subject: str
    priority: str
    opened_on: date
    closed: bool = False


@dataclass(frozen=True)
class Quote:
    """The customer's own words (a text signal's sentence): SAVE-10 'acknowledge'."""

    text: str
    kind: str
    source: str
    source_id: str
    on: date


# SAVE-11: the usage figures the guide's "value to re-demonstrate" may show.
GUIDE_VALUE_FIGURES = (
    "events_30d",
    "active_users_30d",
    "seats",
    "seat_utilisation",
    "key_feature_adoption",
    "usage_change_30d",
)


def customer_quotes(quotes: Sequence[Quote], ours: Iterable[str]) -> list[Quote]:
    """SAVE-10 "acknowledge": only the customer's own words. Tickets and survey comments
    are theirs; an interaction is theirs only when its id is not in `ours` (the service
    passes the interactions written by one of our users, or by nobody known)."""
    internal = set(ours)
    return [q for q in quotes if not (q.source == "interaction" and q.source_id in internal)]


@dataclass(frozen=True)
class Problem:
    """A SAVE-8 problem as suggested from the evidence or entered by the CSM."""

    description: str
    source: str  # signal | ticket | csm
    source_ref: str | None = None
    frequency: int = 1
    deal_breaker: bool = False
    fixable: bool = True
    quick: bool = False
    impact: int = 3
    root_cause: str | None = None
    quotes: tuple[Quote, ...] = field(default=(), compare=False)
    # issue 22: the description apart, to read in the reader's language (ProblemWords)
    words: ProblemWords | None = field(default=None, compare=False)

    @property
    def priority(self) -> float:
        return priority(self)


class Prioritised(Protocol):
    """Anything with the SAVE-8 facts: a `Problem` or a `SaveProblem` row."""

    @property
    def frequency(self) -> int: ...

    @property
    def deal_breaker(self) -> bool: ...

    @property
    def fixable(self) -> bool: ...

    @property
    def quick(self) -> bool: ...

    @property
    def impact(self) -> int: ...


P = TypeVar("P", bound=Prioritised)


# --- SAVE-8 priority -----------------------------------------------------------------


def priority_class(problem: Prioritised) -> int:
    """3 fixable deal-breaker, 2 deal-breaker we cannot fix, 1 fixable, 0 neither."""
    return 2 * bool(problem.deal_breaker) + bool(problem.fixable)


def priority(problem: Prioritised) -> float:
    """SAVE-8: fixable deal-breakers first; then impact, frequency and quick wins."""
    impact = min(max(int(problem.impact), 1), 5)
    frequency = min(max(int(problem.frequency), 1), 5)
    points = (impact - 1) * 10 + (frequency - 1) * 7.5 + (20 if problem.quick else 0)
    return 100 * priority_class(problem) + points


def priority_reasons(problem: Prioritised) -> list[str]:
    """The priority's parts, in words (for `renewals saves plan`)."""
    classes = {
        3: "fixable deal-breaker (300)",
        2: "deal-breaker we cannot fix (200)",
        1: "fixable nice-to-have (100)",
        0: "nice-to-have we cannot fix (0)",
    }
    impact = min(max(int(problem.impact), 1), 5)
    frequency = min(max(int(problem.frequency), 1), 5)
    reasons = [
        f"SAVE-8: {classes[priority_class(problem)]}",
        f"impact {impact} of 5 (+{(impact - 1) * 10})",
        f"{problem.frequency} occurrence{'s' if problem.frequency != 1 else ''} "
        f"(+{(frequency - 1) * 7.5:g})",
    ]
    if problem.quick:
        reasons.append("quick win (+20)")
    return reasons


def rank(problems: Iterable[P]) -> list[P]:
    """Highest priority first; ties keep their order (stable)."""
    return sorted(problems, key=lambda p: -priority(p))


# --- SAVE-8 problems from the evidence ------------------------------------------------


def normalise_subject(subject: str) -> str:
    """The subject as SIG-3 compares it: lower case, trimmed, spaces collapsed."""
    return " ".join(subject.lower().split())


def problems_from_evidence(
    signals: Iterable[SignalFact],
    tickets: Iterable[TicketFact],
    root_cause: str,
) -> list[Problem]:
    """SAVE-8: the problems the evidence shows, highest priority first (see module doc)."""
    by_kind: dict[str, list[SignalFact]] = defaultdict(list)
    for signal in signals:
        if signal.kind in SKIPPED_KINDS or signal.source in SKIPPED_SIGNAL_SOURCES:
            continue
        by_kind[signal.kind].append(signal)
    problems = [_signal_problem(kind, found, root_cause) for kind, found in by_kind.items()]

    by_subject: dict[str, list[TicketFact]] = defaultdict(list)
    for ticket in tickets:
        key = normalise_subject(ticket.subject)
        if key:
            by_subject[key].append(ticket)
    for group in by_subject.values():
        urgent = [t for t in group if t.priority.lower() in URGENT_PRIORITIES]
        if len(group) < 2 and not urgent:
            continue  # one ordinary ticket is support's daily work, not a save problem
        problems.append(_ticket_problem(group, urgent))
    return rank(sorted(problems, key=lambda p: p.description))


def _signal_problem(kind: str, found: list[SignalFact], root_cause: str) -> Problem:
    profile = KINDS.get(kind, KindProfile(f"{kind.replace('_', ' ')}", root_cause, False, 3))
    cause = root_cause if profile.root_cause == TRIAGE_ROOT_CAUSE else profile.root_cause
    found = sorted(found, key=lambda s: (s.source_date, s.source_id), reverse=True)
    quotes = tuple(
        Quote(s.evidence, s.kind, s.source, s.source_id, s.source_date)
        for s in found
        if s.source in TEXT_SOURCES and s.evidence
    )
    frequency = len(found)
    deal_breaker = kind == "competitive" or (kind == "negative_feedback" and frequency > 1)
    latest = _shorten(found[0].evidence, 160)
    # the customer's sentence apart, as they wrote it; a measured fact (a Text stored in
    # English) is the product's words and reads in the reader's language
    said_by_them = found[0].source in TEXT_SOURCES
    return Problem(
        description=(
            Text(profile.described, evidence=latest)
            if profile.described
            else f"{profile.label}: {latest}"
        ),
        source="signal",
        source_ref=kind,
        frequency=frequency,
        deal_breaker=deal_breaker,
        fixable=cause != RootCause.product_fit,
        quick=profile.quick,
        impact=profile.impact,
        root_cause=cause,
        quotes=quotes,
        words=ProblemWords(
            SIGNAL_PROBLEM,
            {"kind": kind} if said_by_them else {"kind": kind, "evidence": latest},
            quote=latest if said_by_them else None,
        ),
    )


def _ticket_problem(group: list[TicketFact], urgent: list[TicketFact]) -> Problem:
    group = sorted(group, key=lambda t: (t.opened_on, t.ticket_id))
    open_count = sum(not t.closed for t in group)
    facts = [f"{len(group)} ticket{'s' if len(group) != 1 else ''}"]
    if urgent:
        facts.append(f"{len(urgent)} high or urgent")
    if open_count:
        facts.append(f"{open_count} still open")
    refs = ",".join(t.ticket_id for t in group)
    subject = _shorten(group[0].subject, 120)
    return Problem(
        description=f"Support: \u201c{subject}\u201d ({', '.join(facts)})",
        source="ticket",
        source_ref=_shorten(refs, 128, ellipsis=""),
        frequency=len(group),
        deal_breaker=True,  # repeated or urgent: both are deal-breakers (module doc)
        fixable=True,
        quick=True,
        impact=4 if urgent else 3,
        root_cause=RootCause.service_experience,
        words=ProblemWords(
            TICKET_PROBLEM,
            {"tickets": len(group), "urgent": len(urgent), "open": open_count},
            quote=subject,
        ),
    )


def _shorten(text: str, width: int, ellipsis: str = "\u2026") -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - len(ellipsis)].rstrip() + ellipsis


# --- SAVE-8 problems in the reader's language (issue 22) -----------------------------
#
# A problem's description is stored in English (`save_problem.description`: audit, JSON,
# task titles). What the product says about it is also stored apart, as a key and its
# parameters (`save_problem.summary`), with the customer's own words beside it
# (`save_problem.quote`): a page or the CLI reads the product's part in its reader's
# language and the customer's words as they wrote them. A row from before (no summary)
# is read back from its description (`problem_words`).

SIGNAL_PROBLEM = "signal"  # params: kind, evidence (a measured fact, when no quote)
TICKET_PROBLEM = "ticket"  # params: tickets, urgent, open; the quote is the subject
_SUPPORT = re.compile(r"Support: \u201c(?P<subject>.*)\u201d \((?P<facts>[^()]*)\)", re.S)
_SUPPORT_FACT = re.compile(r"(?P<n>\d+) (?P<what>tickets?|high or urgent|still open)")
_SUPPORT_PARAMS = {
    "ticket": "tickets",
    "tickets": "tickets",
    "high or urgent": "urgent",
    "still open": "open",
}


@dataclass(frozen=True)
class ProblemWords:
    """A SAVE-8 problem as its reader reads it: what the product says (`key` and `params`),
    the customer's own words (`quote`) apart; a problem a person wrote (`key` ""), as
    written. `str()` is the problem in the current language (kit.i18n), the quote in
    curly quotes after it."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    quote: str | None = None
    written: str = ""

    def said(self) -> str:
        """The product's part in the current language (without the quote)."""
        if self.key == SIGNAL_PROBLEM:
            kind = str(self.params.get("kind", ""))
            profile = KINDS.get(kind)
            label = i18n.tr(profile.label) if profile else i18n.term("signal", kind)
            evidence = self.params.get("evidence")
            return f"{label}: {i18n.tr(evidence)}" if evidence else label
        if self.key == TICKET_PROBLEM:
            count = int(self.params.get("tickets", 1))
            facts = [i18n.ngettext("{n} ticket", "{n} tickets", count).format(n=count)]
            if urgent := int(self.params.get("urgent", 0)):
                facts.append(i18n.gettext("{n} high or urgent").format(n=urgent))
            if still_open := int(self.params.get("open", 0)):
                facts.append(i18n.gettext("{n} still open").format(n=still_open))
            return i18n.gettext("Support ({facts})").format(facts=", ".join(facts))
        return self.written

    def summary(self) -> dict[str, Any] | None:
        """The stored form of the product's part (`save_problem.summary`)."""
        return {"key": self.key, "params": dict(self.params)} if self.key else None

    def __str__(self) -> str:
        said = self.said()
        return f"{said}: \u201c{self.quote}\u201d" if self.quote else said


def _is_ours(text: str) -> bool:
    """A text the product made (a `Text` the catalogue reads in another language), not a
    customer's sentence."""
    with i18n.using(i18n.LANGUAGES[1]):
        return i18n.tr(text) != text


def problem_words(
    description: str,
    source: str,
    summary: Mapping[str, Any] | None = None,
    quote: str | None = None,
) -> ProblemWords:
    """A stored problem's words: its summary and quote, or, for a row stored before they
    were (a description only), the description read back: a signal problem's label and its
    evidence (a measured fact the catalogue knows, read in the language; else the
    customer's sentence, as written), a support problem's counts and subject; anything
    else, as written."""
    if summary and summary.get("key"):
        return ProblemWords(str(summary["key"]), dict(summary.get("params") or {}), quote)
    if source == "signal":
        for kind, profile in KINDS.items():
            prefix = f"{profile.label}: "
            if description.startswith(prefix):
                evidence = description[len(prefix) :]
                if _is_ours(evidence):
                    return ProblemWords(SIGNAL_PROBLEM, {"kind": kind, "evidence": evidence})
                return ProblemWords(SIGNAL_PROBLEM, {"kind": kind}, quote=evidence)
    support = _SUPPORT.fullmatch(description) if source == "ticket" else None
    if support is not None:
        params = {"tickets": 1, "urgent": 0, "open": 0}
        for fact in support.group("facts").split(", "):
            found = _SUPPORT_FACT.fullmatch(fact)
            if found is None:
                return ProblemWords("", written=description)
            params[_SUPPORT_PARAMS[found.group("what")]] = int(found.group("n"))
        return ProblemWords(TICKET_PROBLEM, params, quote=support.group("subject"))
    return ProblemWords("", written=description)


# --- SAVE-6 / SAVE-9 scope, fast fix and due dates ------------------------------------


def fast_fix_on(window: str, requested: bool | None, effort: str | None = None) -> bool:
    """SAVE-9: on when the person asks, else when the window is compressed or emergency
    (SAVE-6) and there is a save effort at all (SAVE-5 none is a graceful exit)."""
    if requested is not None:
        return requested
    return effort != Effort.none and window in (Window.compressed, Window.emergency)


def fast_fix_picks(problems: Sequence[P], count: int) -> list[P]:
    """SAVE-9: the top `count` fixable problems by priority (what cannot be fixed cannot
    be fixed in 72 hours; it needs another answer, see the tactics)."""
    return [p for p in rank(problems) if p.fixable][:count]


def fast_fix_days(save: Save) -> int:
    """The fast-fix deadline in whole days: 72 hours -> 3 days after `as_of`."""
    return max(1, math.ceil(save.fast_fix_hours.max / 24))


def in_scope(problem: Prioritised, *, window: str, effort: str, fast_fix_item: bool) -> bool:
    """SAVE-6: which problems this window has time for (others are deferred).

    comprehensive: every problem; compressed: critical issues (deal-breakers) and quick
    wins; emergency: band-aids only (quick wins and the fast-fix items). With no save
    effort (SAVE-5 none: graceful exit) nothing but a requested fast fix is scheduled:
    the problems are kept for the debrief (LOST-3).
    """
    if fast_fix_item:  # a fast fix someone asked for is always scheduled
        return True
    if effort == Effort.none:
        return False
    if window == Window.compressed:
        return bool(problem.deal_breaker or problem.quick)
    if window == Window.emergency:
        return bool(problem.quick)
    return True


def due_date(
    problem: Prioritised,
    *,
    fast_fix_item: bool,
    window: str,
    effort: str,
    as_of: date,
    renewal_date: date,
    save: Save,
) -> date | None:
    """When the fix is due; None when the window defers it (SAVE-6).

    fast-fix items: within fast_fix_hours (SAVE-9); deal-breakers and quick wins: within
    short_term_days (SAVE-10); the rest within the effort's longest duration (SAVE-5).
    Never after the renewal date (a promise after the decision saves nothing), and at
    least a day after `as_of` when that date has passed.
    """
    if not in_scope(problem, window=window, effort=effort, fast_fix_item=fast_fix_item):
        return None
    if fast_fix_item:
        days = fast_fix_days(save)
    elif problem.deal_breaker or problem.quick:
        days = save.short_term_days
    else:
        days = int(_effort_days(save, effort).max)
    latest = max(renewal_date, as_of + timedelta(days=1))
    return min(as_of + timedelta(days=days), latest)


def _effort_days(save: Save, effort: str) -> Any:
    return getattr(save.effort_days, effort if effort != Effort.none else Effort.light)


# --- SAVE-5 / SAVE-6 / SAVE-9 / SAVE-11 tactics ----------------------------------------


def _item(key: str, text: str, rule: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "text": text, "rule": rule, "done": False, **extra}


def _days(r: Any) -> str:
    return Text("{low:g}-{high:g} days", low=r.min, high=r.max)


def tactics(
    *, effort: str, window: str, root_cause: str, fast_fix: bool, save: Save
) -> list[dict[str, Any]]:
    """The checklist for this effort level (SAVE-5, SAVE-9), window (SAVE-6), fast fix
    (SAVE-9) and root cause (SAVE-4, SAVE-11); each item with its rule ID."""
    days = save.effort_days
    items: list[dict[str, Any]] = []
    fast_fix_item = _item(
        "fast_fix",
        Text(
            "Fast fix: the top {problems} problems, each with an owner, fixed within "
            "{low:g}-{high:g} hours and verified with the customer",
            problems=save.fast_fix_problems,
            low=save.fast_fix_hours.min,
            high=save.fast_fix_hours.max,
        ),
        "SAVE-9",
    )
    if effort == Effort.none:
        exit_items = [
            _item(
                "graceful_exit",
                Text(
                    "Graceful exit: data export, knowledge transfer, offboarding support, a period "
                    "of continued service; leave the door open"
                ),
                "SAVE-5",
            ),
            _item(
                "learn",
                Text(
                    "Learn: debrief the real reasons, when it was really lost and the missed signals"
                ),
                "SAVE-5",
            ),
        ]
        return [*exit_items, fast_fix_item] if fast_fix else exit_items
    if effort == Effort.full:
        items += [
            _item(
                "all_hands",
                Text(
                    "All hands: CSM, manager and an executive sponsor, for {days}",
                    days=_days(days.full),
                ),
                "SAVE-5",
            ),
            _item(
                "executive_engagement",
                Text(
                    "Executive engagement: our executive meets theirs after the diagnosis and before "
                    "their decision (`renewals escalation brief`)"
                ),
                "SAVE-9",
            ),
            _item(
                "product_team",
                Text(
                    "Product team involvement: bring product to the problems that need a product answer"
                ),
                "SAVE-9",
            ),
            _item(
                "custom_solution",
                Text("Custom solution: a remediation plan built for this account"),
                "SAVE-5",
            ),
            _item(
                "pricing_flexibility",
                Text(
                    "Pricing and contract flexibility: prepare the options below; a concession is "
                    "approved before it is offered (CONC-3)"
                ),
                "SAVE-9",
            ),
        ]
    elif effort == Effort.standard:
        items += [
            _item(
                "csm_and_manager",
                Text("CSM plus manager, for {days}", days=_days(days.standard)),
                "SAVE-5",
            ),
            _item(
                "remediation_playbook",
                Text("Standard remediation playbook: work the problems below in priority order"),
                "SAVE-5",
            ),
        ]
    else:
        items += [
            _item("csm_only", Text("CSM only, {days} at most", days=_days(days.light)), "SAVE-5"),
            _item(
                "one_conversation",
                Text("One conversation (the guide below), then decide whether to go on"),
                "SAVE-5",
            ),
        ]
    items.append(
        _item(
            "save_contract",
            Text(
                "Save contract: for each critical problem record the root cause, fix, owner, due "
                "date and success metric"
            ),
            "SAVE-8",
        )
    )
    if window == Window.compressed:
        items.append(
            _item(
                "compressed",
                Text(
                    "Compressed window: critical issues and quick wins only; the rest is deferred"
                ),
                "SAVE-6",
            )
        )
    elif window == Window.emergency:
        items.append(
            _item(
                "emergency",
                Text(
                    "Emergency window: band-aids only (quick fixes); low probability unless the "
                    "issues are small"
                ),
                "SAVE-6",
            )
        )
    if fast_fix:
        items.append(fast_fix_item)
    items += _root_cause_tactics(root_cause, effort)
    return items


# SAVE-9 "Product team involvement: when product gaps are the problem, bring in the people
# who can actually address them": each as a plan item with the person who does it.
PRODUCT_TEAM = (
    ("pm_reviews_use_case", Text("Product team: a product manager reviews their use case"), Text("product manager")),
    ("engineer_on_calls", Text("Product team: an engineer joins the calls to understand the technical problems"), Text("engineer")),
    ("roadmap_preview", Text("Product team: preview the roadmap where relevant features are coming"), Text("product manager")),
    ("workarounds", Text("Product team: develop workarounds for the current limitations"), Text("engineer")),
)  # fmt: skip


def _root_cause_tactics(root_cause: str, effort: str) -> list[dict[str, Any]]:
    if root_cause == RootCause.product_fit:
        return [
            _item(
                "product_answer",
                Text(
                    "Product fit: a workaround, a roadmap commitment the product team stands behind, "
                    "or an honest no; a discount does not fix a missing feature (CONC-4)"
                ),
                "SAVE-4",
            ),
            *(
                _item(
                    key,
                    Text(
                        "{text} (owner: {owner}; the plan's owner arranges it)",
                        text=text,
                        owner=owner,
                    ),
                    "SAVE-9",
                    owner=owner,
                )  # fmt: skip
                for key, text, owner in PRODUCT_TEAM
            ),
        ]
    if root_cause == RootCause.service_experience:
        text = (
            Text(
                "Relationship repair: acknowledge our mistakes, consider a new contact, raise "
                "the communication frequency, bring executives"
            )
            if effort == Effort.full
            else Text(
                "Relationship repair: acknowledge our mistakes, consider a new contact, raise "
                "the communication frequency"
            )
        )
        return [_item("relationship_repair", text, "SAVE-11")]
    if root_cause == RootCause.value_perception:
        return [
            _item(
                "value_redemonstration",
                Text(
                    "Value re-demonstration: an ROI analysis they have not seen, their own success "
                    "stories, usage data they do not track, unused features that solve their "
                    "problems, a before/after comparison"
                ),
                "SAVE-11",
            )
        ]
    return [
        _item(
            "adapt_to_situation",
            Text(
                "Circumstantial: adapt the contract to their situation (reduced scope, pause, "
                "shorter term: see the alternatives)"
            ),
            "SAVE-4",
        )
    ]


# --- SAVE-9 alternatives and contract flexibility -------------------------------------


def alternatives(save: Save) -> list[dict[str, Any]]:
    """SAVE-9: what to offer instead of losing the account, with the policy's numbers."""
    flex = save.flexibility
    return [
        {
            "key": "reduced_scope",
            "kind": "alternative",
            "text": Text(
                "Reduced scope: renew fewer seats or modules rather than lose the account"
            ),
            "rule": "SAVE-9",
            "params": {},
        },
        {
            "key": "pause",
            "kind": "alternative",
            "text": Text(
                "Pause: a {days}-day pause instead of a cancellation", days=flex.pause_days
            ),
            "rule": "SAVE-9",
            "params": {"pause_days": flex.pause_days},
        },
        {
            "key": "partner_handoff",
            "kind": "alternative",
            "text": Text("Partner hand-off: a partner who serves accounts like this one better"),
            "rule": "SAVE-9",
            "params": {},
        },
        {
            "key": "short_term",
            "kind": "flexibility",
            "text": Text(
                "Short term: a {months}-month term instead of a full year",
                months=flex.short_term_months,
            ),
            "rule": "SAVE-9",
            "params": {"short_term_months": flex.short_term_months},
        },
        {
            "key": "performance_guarantee",
            "kind": "flexibility",
            "text": Text("Performance guarantee: tied to the success metrics of the save contract"),
            "rule": "SAVE-9",
            "params": {},
        },
        {
            "key": "paid_pilot",
            "kind": "flexibility",
            "text": Text(
                "Paid pilot: {days} days to prove the fixes before a full term",
                days=flex.pilot_days,
            ),
            "rule": "SAVE-9",
            "params": {"pilot_days": flex.pilot_days},
        },
        {
            "key": "out_clause",
            "kind": "flexibility",
            "text": Text(
                "Out clause: {days} days' notice if the problems are not fixed within {window} days",
                days=flex.out_clause_days,
                window=flex.out_clause_fix_window_days,
            ),
            "rule": "SAVE-9",
            "params": {
                "out_clause_days": flex.out_clause_days,
                "out_clause_fix_window_days": flex.out_clause_fix_window_days,
            },
        },
    ]


# --- SAVE-10 / SAVE-11 conversation guide ----------------------------------------------


QUESTIONS: dict[str, tuple[str, ...]] = {  # SAVE-10: read in the guide's language
    "always": (
        Text("What would have to be true for you to renew with confidence?"),
        Text("Of the problems we found, which matters most to you, and what have we missed?"),
        Text("Who else on your side feels this, and who will make the decision?"),
    ),
    RootCause.product_fit: (
        Text("Which capabilities are you missing, and for which workflows?"),
        Text("What are you comparing us with, and what does it do better for you?"),
    ),
    RootCause.service_experience: (
        Text("Where did we let you down: support, onboarding, your contact with us, reliability?"),
        Text("How often would you like to hear from us, and from whom?"),
    ),
    RootCause.value_perception: (
        Text("What result did you expect from us this year, and how do you measure it today?"),
        Text("Which teams use us every day, and which stopped?"),
    ),
    RootCause.circumstantial: (
        Text(
            "What has changed in your business, and what does it change in what you need from us?"
        ),
        Text("What would a version of this contract that fits your situation look like?"),
    ),
}
THEIR_COMMITMENTS = (
    Text("confirm each fix when it is done (we record it as verified by you)"),
    Text("name one person on your side who owns this with us"),
    Text("meet weekly until the renewal decision"),
    Text("tell us early if something else is in the way of renewing"),
)
FALLBACK_QUESTION = Text(
    "If this plan does not work for you, is there any version of our partnership that would?"
)
MAX_QUOTES = 5


@dataclass(frozen=True)
class GuideItem:
    """One remediation item as the guide shows it."""

    description: str  # as the plan records it (internal: evidence, rule IDs)
    deal_breaker: bool
    fixable: bool
    fix: str | None
    owner: str | None
    due: date | None
    fast_fix: bool
    # as the guide says it to the customer (`said_to_customer`; ProblemWords: read in the
    # guide's language when printed)
    said: str | ProblemWords = ""

    @property
    def spoken(self) -> str | ProblemWords:
        return self.said or self.description


def said_to_customer(
    source: str, source_ref: str | None, description: str, words: ProblemWords | None = None
) -> str | ProblemWords:
    """A save-plan problem in the words the guide uses with the customer (SAVE-10/11):
    a signal problem by its plain wording (the evidence, figures and rule ID stay in the
    plan); a support problem by its `words` (read in the guide's language, the subject as
    the customer wrote it); one a person wrote, as recorded."""
    if source == "signal" and source_ref in KINDS and KINDS[source_ref].said:
        return KINDS[source_ref].said
    if words is not None and words.key:
        return words
    return description


def guide_context(
    *,
    account_name: str,
    renewal_id: str,
    renewal_date: date,
    as_of: date,
    arr: Decimal,
    currency: str,
    owner_name: str | None,
    contacts: Sequence[str],
    items: Sequence[GuideItem],
    quotes: Sequence[Quote],
    value: Mapping[str, float | int | None],
    health_score: float | None,
    root_cause: str,
    effort: str,
    window: str,
    alternatives: Sequence[Mapping[str, Any]],
    save: Save,
    value_brief: Mapping[str, float | int | None] | None = None,
) -> dict[str, Any]:
    """The conversation guide's facts (SAVE-10 sections, SAVE-11 value figures: `value`
    the favourable ones to re-demonstrate, `value_brief` the others to know)."""
    short_term_end = as_of + timedelta(days=save.short_term_days)
    immediate = [i for i in items if i.fast_fix]
    short_term = [
        i for i in items if not i.fast_fix and i.due is not None and i.due <= short_term_end
    ]
    later = [i for i in items if not i.fast_fix and i.due is not None and i.due > short_term_end]
    deferred = [i for i in items if i.due is None]
    questions = [*QUESTIONS["always"], *QUESTIONS.get(root_cause, ())]
    terms = (
        [a for a in alternatives if a.get("kind") == "flexibility"]
        if effort in (Effort.full, Effort.standard)
        else []
    )
    unused = value.get("key_feature_adoption")
    return {
        "account_name": account_name,
        "renewal_id": renewal_id,
        "renewal_date": renewal_date,
        "days_to_renewal": (renewal_date - as_of).days,
        "as_of": as_of,
        "arr": arr,
        "currency": currency,
        "owner_name": owner_name,
        "contacts": list(contacts),
        "problems": list(items),
        "quotes": list(quotes[:MAX_QUOTES]),
        "questions": questions,
        "immediate": immediate,
        "immediate_hours": save.immediate_hours,
        "fast_fix_hours_min": save.fast_fix_hours.min,
        "fast_fix_hours": save.fast_fix_hours.max,
        "short_term": short_term,
        "short_term_days": save.short_term_days,
        "later": later,
        "deferred": deferred,
        "terms": terms,
        "their_commitments": list(THEIR_COMMITMENTS),
        "fallback_question": FALLBACK_QUESTION,
        "value": {
            "events_30d": value.get("events_30d"),
            "active_users_30d": value.get("active_users_30d"),
            "seats": value.get("seats"),
            "seat_utilisation": value.get("seat_utilisation"),
            "key_feature_adoption": unused,
            "usage_change_30d": value.get("usage_change_30d"),
        },
        "value_brief": dict(value_brief or {}),
        "health_score": health_score,
        "root_cause": root_cause,
        "root_cause_label": ROOT_CAUSE_LABELS.get(root_cause, root_cause),
        "effort": effort,
        "window": window,
        "relationship_repair": root_cause == RootCause.service_experience or effort == Effort.full,
        "bring_executives": effort == Effort.full,
    }


# --- templates (Jinja2, same filters as the campaign messages) -------------------------


GUIDE_TEMPLATE = "save/conversation_guide"
DEFAULT_LANGUAGE = "en"


class PlanTemplateError(RenewalsError):
    """A save or escalation template is missing, broken, or needs a key it was not given."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 422)


def render_template(
    name: str,
    context: Mapping[str, Any],
    *,
    language: str | None = None,
    templates_dir: Path | None = None,
    suffix: str = ".md.j2",
    internal: bool = False,
) -> str:
    """Render `<name>.<language><suffix>` (English when the language has none).

    `internal`: a document the team reads (the executive brief): its English template's
    sentences are catalogue messages, so it reads in `language` when that is one of the
    team's (renewals.kit.i18n, issue 22) instead of falling back to English.

    Templates live under `renewals/policy/templates/` (`save/`, `escalation/`); a file
    of the same relative path in `templates_dir` wins over the packaged one. Missing
    context keys are errors (StrictUndefined). `.html.j2` templates are autoescaped.
    """
    env = _environment(_dir_key(templates_dir))
    wanted = (language or DEFAULT_LANGUAGE).strip().lower().replace("_", "-").split("-")[0]
    candidates = [f"{name}.{wanted}{suffix}"]
    if wanted != DEFAULT_LANGUAGE:
        candidates.append(f"{name}.{DEFAULT_LANGUAGE}{suffix}")
    template = None
    for candidate in candidates:
        try:
            template = env.get_template(candidate)
            break
        except jinja2.TemplateNotFound as exc:
            if exc.name != candidate:
                raise PlanTemplateError(
                    Text(
                        "template {name} refers to {missing}, which does not exist",
                        name=candidate,
                        missing=str(exc.name),
                    )
                ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise PlanTemplateError(templates.syntax_error(exc, candidate)) from None
    if template is None:
        raise PlanTemplateError(Text("no template {names}", names=" or ".join(candidates)))
    used = wanted if template.name == candidates[0] else DEFAULT_LANGUAGE
    if internal and wanted in i18n.LANGUAGES:
        used = wanted
    variables = {**context, "language": used}
    try:
        with i18n.using(used if used in i18n.LANGUAGES else None):
            text = template.render(variables)
    except jinja2.UndefinedError as exc:
        raise PlanTemplateError(
            Text(
                "template {name}: {problem}; the context must provide it",
                name=str(template.name),
                problem=str(exc.message),
            )
        ) from None
    except (TypeError, ValueError) as exc:
        raise PlanTemplateError(
            Text("template {name}: {problem}", name=str(template.name), problem=str(exc))
        ) from None
    return _tidy(text)


def _dir_key(templates_dir: Path | None) -> str | None:
    if templates_dir is None:
        return None
    path = Path(templates_dir).expanduser()
    if not path.is_dir():
        raise PlanTemplateError(
            Text("templates directory {path} does not exist or is not a directory", path=str(path))
        )
    return str(path.resolve())


def _environment(templates_dir: str | None) -> jinja2.Environment:
    return templates.environment("", templates_dir, keep_trailing_newline=True)


def _tidy(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, one final newline."""
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return f"{text}\n" if text else ""
