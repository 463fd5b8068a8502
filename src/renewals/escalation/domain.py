"""When to escalate to an executive (ESC-1) and the protocol (ESC-2), on plain values.

ESC-1 decision, for an open save triage:

1. **Value** (required): the account is strategic and `escalation.strategic_always` is
   on, or its ARR is at least `escalation.min_arr` (50,000 by default; 49,999 is not).
2. **Worth it**: at least one of
   - *own options exhausted*: the triage's effort is full (SAVE-5: a full effort brings
     an executive by definition), or the save plan has run at least the shortest
     duration of its effort (SAVE-5 `save.effort_days.<effort>.min`: standard 14 days,
     light 7) and deal-breakers are still open (not done, verified or dropped);
   - *an executive relationship exists*: an executive or decision maker on their side
     is engaged (STK-1, within `signals.engaged_within_days`), so a peer conversation
     at their level is possible;
   - *executive-level problems*: an active competitive (SIG-4) or business-change
     (SIG-8) signal: decisions made above the CSM's counterpart.
3. Never with no save effort (SAVE-5 none: graceful exit).

ESC-2 protocol, in order: (1) brief: the CSM prepares the brief; (2) engaged: the
executive engages; (3) follow_through: the CSM follows through on commitments and
keeps the executive updated; (4) closed: thank and learn. `declined` ends a
suggestion nobody takes up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from renewals.kit.i18n import Text
from renewals.policy.domain import Escalation as EscalationPolicy
from renewals.policy.domain import Save

EXECUTIVE_LEVEL_KINDS = ("competitive", "business_change")  # SIG-4, SIG-8
EXECUTIVE_ROLES = ("executive", "decision_maker")  # STK-1
# ESC-2 timing: after the diagnosis, before their decision. How soon the executive
# should engage in each SAVE-6 window (capped at the day before the renewal).


class EscalationStatus(StrEnum):
    suggested = "suggested"
    brief = "brief"
    engaged = "engaged"
    follow_through = "follow_through"
    closed = "closed"
    declined = "declined"

    @classmethod
    def active(cls) -> tuple[EscalationStatus, ...]:
        return (cls.suggested, cls.brief, cls.engaged, cls.follow_through)


@dataclass(frozen=True)
class ProtocolStep:
    number: int
    status: EscalationStatus
    title: str
    needs_note: bool


# ESC-2: the four steps; step N moves the escalation from STEPS[N-2] (or suggested) to N.
STEPS: tuple[ProtocolStep, ...] = (
    ProtocolStep(1, EscalationStatus.brief, Text("CSM prepares the brief"), False),
    ProtocolStep(2, EscalationStatus.engaged, Text("Executive engages"), False),
    ProtocolStep(
        3,
        EscalationStatus.follow_through,
        Text("CSM follows through on commitments and keeps the executive updated"),
        True,
    ),
    ProtocolStep(4, EscalationStatus.closed, Text("Thank and learn"), True),
)
ORDER: tuple[EscalationStatus, ...] = (
    EscalationStatus.suggested,
    *(s.status for s in STEPS),
)


def current_step(status: str) -> int:
    """0 when suggested, 1-4 after each step; -1 when declined."""
    if status == EscalationStatus.declined:
        return -1
    return ORDER.index(EscalationStatus(status))


def check_next_step(status: str, step: int) -> str | None:
    """Why `step` cannot be taken now (None when it is the next one)."""
    if not 1 <= step <= len(STEPS):
        return Text("steps are 1-{last} (ESC-2), got {step}", last=len(STEPS), step=step)
    at = current_step(status)
    if at == -1:
        return Text("the escalation was declined")
    if step != at + 1:
        if at == len(STEPS):
            return Text("all four steps are done: the escalation is closed")
        if not at:
            return Text(
                "ESC-2 steps go in order: the next is step {next}, this one is at no step yet "
                "(suggested)",
                next=at + 1,
            )
        return Text(
            "ESC-2 steps go in order: the next is step {next}, this one is at step {at} ({status})",
            next=at + 1,
            at=at,
            status=STEPS[at - 1].status.value,
        )
    return None


@dataclass(frozen=True)
class EscalationFacts:
    """What ESC-1 looks at, for one at-risk renewal."""

    arr: Decimal
    currency: str
    strategic: bool
    effort: str
    plan_started_on: date | None
    plan_effort: str | None
    open_deal_breakers: int
    executive_contacts: tuple[str, ...]  # engaged executives/decision makers, described
    executive_signals: tuple[str, ...]  # active SIG-4/SIG-8 kinds


@dataclass(frozen=True)
class EscalationDecision:
    escalate: bool
    reasons: list[str]
    criteria: dict[str, bool]

    def as_record(self) -> dict[str, Any]:
        return {"escalate": self.escalate, "reasons": self.reasons, "criteria": self.criteria}


def _money(value: Decimal, currency: str) -> str:
    return f"{value:,.0f} {currency}".strip()


def could_escalate(
    *, arr: Decimal, strategic: bool, effort: str, escalation: EscalationPolicy
) -> bool:
    """ESC-1's necessary conditions, from facts at hand: high value or strategic, and some
    save effort (SAVE-5). Renewals failing them need no further facts gathered."""
    value = arr >= escalation.min_arr or (strategic and escalation.strategic_always)
    return value and effort != "none"


def should_escalate(
    facts: EscalationFacts, *, as_of: date, escalation: EscalationPolicy, save: Save
) -> EscalationDecision:
    """ESC-1: is this renewal worth an executive's time? (see the module doc)"""
    reasons: list[str] = []
    arr_text = _money(facts.arr, facts.currency)
    threshold = _money(escalation.min_arr, facts.currency)
    high_value = facts.arr >= escalation.min_arr
    strategic = facts.strategic and escalation.strategic_always
    if strategic:
        reasons.append(Text("ESC-1: strategic account (escalation.strategic_always)"))
    if high_value:
        reasons.append(
            Text(
                "ESC-1: ARR {arr_text} is at least {threshold} (high-value account)",
                arr_text=arr_text,
                threshold=threshold,
            )
        )
    value = strategic or high_value
    if not value:
        reasons.append(
            Text(
                "ESC-1: ARR {arr_text} is below {threshold} and the account is not strategic: not worth an executive's time",
                arr_text=arr_text,
                threshold=threshold,
            )
        )

    exhausted = False
    if facts.effort == "full":
        exhausted = True
        reasons.append(Text("ESC-1, SAVE-5: full save effort, which brings an executive"))
    elif facts.plan_started_on is not None and facts.plan_effort in ("standard", "light"):
        minimum = int(getattr(save.effort_days, facts.plan_effort).min)
        running = (as_of - facts.plan_started_on).days
        if running >= minimum and facts.open_deal_breakers:
            exhausted = True
            reasons.append(
                Text(
                    "ESC-1: own options exhausted: the {effort} save plan has run {running} days "
                    "(SAVE-5: at least {minimum}) and {n} deal-breakers are still open",
                    effort=facts.plan_effort,
                    running=running,
                    minimum=minimum,
                    n=facts.open_deal_breakers,
                )
                if facts.open_deal_breakers != 1
                else Text(
                    "ESC-1: own options exhausted: the {effort} save plan has run {running} days "
                    "(SAVE-5: at least {minimum}) and {n} deal-breaker is still open",
                    effort=facts.plan_effort,
                    running=running,
                    minimum=minimum,
                    n=facts.open_deal_breakers,
                )
            )
    relationship = bool(facts.executive_contacts)
    if relationship:
        reasons.append(
            Text(
                "ESC-1: an executive relationship exists, a peer conversation is possible: "
                "{contacts}",
                contacts="; ".join(facts.executive_contacts),
            )
        )
    executive_problems = bool(facts.executive_signals)
    if executive_problems:
        kinds = ", ".join(
            f"{k} ({'SIG-4' if k == 'competitive' else 'SIG-8'})" for k in facts.executive_signals
        )
        reasons.append(Text("ESC-1: executive-level problems: {kinds}", kinds=kinds))
    worth_it = exhausted or relationship or executive_problems
    if value and not worth_it:
        reasons.append(
            Text(
                "ESC-1: own options not exhausted, no engaged executive or decision maker, and no "
                "executive-level problem: the CSM's own plan comes first"
            )
        )
    no_effort = facts.effort == "none"
    if no_effort:
        reasons.append(Text("SAVE-5: no save effort (graceful exit): no executive escalation"))
    criteria = {
        "value": value,
        "own_options_exhausted": exhausted,
        "executive_relationship": relationship,
        "executive_level_problems": executive_problems,
    }
    return EscalationDecision(value and worth_it and not no_effort, reasons, criteria)


def engage_by(*, as_of: date, renewal_date: date, window: str, within: Mapping[str, int]) -> date:
    """ESC-2 timing: the executive engages within the window's days (policy
    escalation.engage_within_days), and before the renewal date (their decision)."""
    by = as_of + timedelta(days=within.get(window, min(within.values(), default=7)))
    return max(as_of, min(by, renewal_date - timedelta(days=1)))


def default_goal(
    *,
    their_people: Sequence[str],
    arr_text: str,
    renewal_date: date,
    executive_signals: Sequence[str],
) -> str:
    """ESC-2 step 1: what the executive's involvement is for, unless the CSM says."""
    values = {
        "who": their_people[0] if their_people else Text("their decision maker"),
        "arr": arr_text,
        "day": renewal_date.isoformat(),
    }
    competitive = "competitive" in executive_signals
    changed = "business_change" in executive_signals
    if competitive and changed:
        return Text(
            "Secure {who}'s commitment to the save plan and to renewing {arr} by {day}, with a "
            "fair comparison before they decide on an alternative, with a contract that fits "
            "their changed situation",
            **values,
        )
    if competitive:
        return Text(
            "Secure {who}'s commitment to the save plan and to renewing {arr} by {day}, with a "
            "fair comparison before they decide on an alternative",
            **values,
        )
    if changed:
        return Text(
            "Secure {who}'s commitment to the save plan and to renewing {arr} by {day}, with a "
            "contract that fits their changed situation",
            **values,
        )
    return Text(
        "Secure {who}'s commitment to the save plan and to renewing {arr} by {day}", **values
    )


def _clause(text: str) -> str:
    """A sentence without its final full stop, to run on in a longer sentence."""
    return text.strip().rstrip(".")


def talking_points(
    *,
    account_name: str,
    customer_since: date | None,
    years: int | None,
    problems: Sequence[dict[str, Any]],
    approved_concessions: Sequence[str],
    goal: str,
) -> list[str]:
    """ESC-2 step 1: aligned messages, achievable commitments, pre-approved concessions."""
    points: list[str] = []
    if customer_since is not None:
        since = {"account": account_name, "day": customer_since.isoformat()}
        if not years:
            thank = Text(
                "Thank {account} for their first year as a customer (since {day}).", **since
            )
        elif years == 1:
            thank = Text("Thank {account} for 1 year as a customer (since {day}).", **since)
        else:
            thank = Text(
                "Thank {account} for {years} years as a customer (since {day}).",
                years=years,
                **since,
            )
        points.append(thank)
    else:
        points.append(Text("Thank {account} for their business.", account=account_name))
    open_items = [p for p in problems if p["status"] not in ("done", "verified", "dropped")]
    fixed = [p for p in problems if p["status"] in ("done", "verified")]
    for p in [p for p in open_items if p["deal_breaker"]][:3] or open_items[:3]:
        points.append(
            Text("Acknowledge, without defending: {problem}.", problem=_clause(p["description"]))
        )
    if fixed:
        done = [
            Text("{fix} (verified by them)", fix=_clause(p["fix"] or p["description"]))
            if p["status"] == "verified"
            else _clause(p["fix"] or p["description"])
            for p in fixed[:3]
        ]
        points.append(Text("What we have already fixed: {fixes}.", fixes="; ".join(done)))
    commitments = [p for p in open_items if p["owner"] and p["due"]]
    if commitments:
        promised = [
            Text(
                "{fix} ({owner}, by {day})",
                fix=_clause(p["fix"])
                if p["fix"]
                else Text("a fix for: {problem}", problem=_clause(p["description"])),
                owner=p["owner"],
                day=p["due"],
            )
            for p in commitments[:4]
        ]
        points.append(
            Text(
                "What we commit to (owners and dates agreed): {commitments}.",
                commitments="; ".join(promised),
            )
        )
    else:
        points.append(
            Text(
                "Commit only to what has an owner and a date: agree them with the CSM before "
                "the call."
            )
        )
    if approved_concessions:
        points.append(
            Text("Terms already approved: {terms}.", terms="; ".join(approved_concessions))
        )
    else:
        points.append(
            Text(
                "No concession is approved: do not offer one on the call (CONC-3, ESC-2: "
                "concessions pre-approved)."
            )
        )
    points.append(Text("The ask: {goal}.", goal=goal))
    return points
