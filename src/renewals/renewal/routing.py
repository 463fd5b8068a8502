"""Ownership routing (OWN-1, OWN-2): exactly one owner role per renewal, then a person.

Every rule whose conditions hold is a candidate; the highest `priority` wins. Two
candidates of different roles at the top priority, or none, is an ambiguous rule set:
an error with the renewal that shows it, never a guess (OWN-2).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import product

from renewals.account.domain import Segment
from renewals.kit.i18n import Text
from renewals.policy.domain import OwnershipRule, Policy
from renewals.renewal.domain import Decision

CATEGORIES = ("green", "yellow", "red", "expansion", None)


@dataclass(frozen=True)
class RoutingFacts:
    arr: Decimal
    segment: Segment
    health_category: str | None
    strategic: bool

    def describe(self) -> str:
        return (
            f"ARR {self.arr:,.0f}, segment {self.segment.value}, "
            f"health {self.health_category or 'unscored'}, "
            f"{'strategic' if self.strategic else 'not strategic'}"
        )


class AmbiguousOwnership(ValueError):
    """OWN-2: the rules give this renewal no owner, or two."""

    def __init__(self, facts: RoutingFacts, message: str) -> None:
        self.facts = facts
        super().__init__(message)


def _conditions(rule: OwnershipRule) -> list[str]:
    parts = []
    if rule.min_arr is not None:
        parts.append(f"ARR >= {rule.min_arr:,.0f}")
    if rule.max_arr is not None:
        parts.append(f"ARR < {rule.max_arr:,.0f}")
    if rule.segments is not None:
        parts.append(
            Text("segment in {segments}", segments="/".join(s.value for s in rule.segments))
        )
    if rule.health_categories is not None:
        parts.append(Text("health in {categories}", categories="/".join(rule.health_categories)))
    if rule.strategic is not None:
        parts.append(Text("strategic") if rule.strategic else Text("not strategic"))
    return parts


def matches(rule: OwnershipRule, facts: RoutingFacts) -> bool:
    if rule.min_arr is not None and facts.arr < rule.min_arr:
        return False
    if rule.max_arr is not None and facts.arr >= rule.max_arr:
        return False
    if rule.segments is not None and facts.segment not in rule.segments:
        return False
    if rule.health_categories is not None and facts.health_category not in rule.health_categories:
        return False
    return rule.strategic is None or facts.strategic == rule.strategic


def route(rules: Sequence[OwnershipRule], facts: RoutingFacts, *, model: str) -> Decision:
    """OWN-2: the owner role, with the rule (number, words, conditions) that chose it."""
    candidates = [(i, r) for i, r in enumerate(rules) if matches(r, facts)]
    if not candidates:
        raise AmbiguousOwnership(
            facts, f"no ownership rule matches a renewal with {facts.describe()}"
        )
    top = max(r.priority for _, r in candidates)
    winners = [(i, r) for i, r in candidates if r.priority == top]
    roles = sorted({r.role for _, r in winners})
    if len(roles) > 1:
        listed = "; ".join(f"rule {i + 1} ({r.role}: {r.description})" for i, r in winners)
        raise AmbiguousOwnership(
            facts,
            f"a renewal with {facts.describe()} gets {len(roles)} owners at priority {top}: "
            f"{listed}",
        )
    index, chosen = winners[0]
    conditions = _conditions(chosen) or [Text("matches every renewal")]
    reasons = [
        Text(
            "OWN-2: rule {number} '{description}' ({conditions}) assigns the {role}",
            number=index + 1,
            description=chosen.description,
            conditions=", ".join(conditions),
            role=chosen.role,
        ),
        Text("OWN-1: ownership model is {model}", model=model),
    ]
    overruled = [(i, r) for i, r in candidates if r.priority < top]
    if overruled:
        reasons.append(
            Text(
                "OWN-2: outranks {rules}",
                rules="; ".join(
                    Text(
                        "rule {number} ({role}, priority {priority})",
                        number=i + 1,
                        role=r.role,
                        priority=r.priority,
                    )
                    for i, r in overruled
                ),
            )
        )
    return Decision(
        chosen.role,
        tuple(reasons),
        ("OWN-1", "OWN-2"),
        {"rule": index + 1, "priority": chosen.priority, "facts": facts.describe()},
    )


def _boundaries(policy: Policy) -> list[Decimal]:
    """ARR values where some rule or band changes its answer, and either side of each."""
    edges: set[Decimal] = {Decimal(0)}
    for rule in policy.ownership.rules:
        for edge in (rule.min_arr, rule.max_arr):
            if edge is not None:
                edges.add(edge)
    for band in policy.segments.bands:
        edges.add(band.min_arr)
        if band.max_arr is not None:
            edges.add(band.max_arr)
    values: set[Decimal] = set()
    for edge in edges:
        values.update({edge, edge + Decimal("0.01"), max(Decimal(0), edge - Decimal("0.01"))})
    values.add(max(edges) * 10 + 1)
    return sorted(values)


def example_renewals(policy: Policy) -> Iterator[RoutingFacts]:
    """Every kind of renewal the rules can tell apart: ARR at each boundary and either side,
    every segment (overrides make any ARR/segment pair possible), every health category
    and both strategic flags."""
    for arr, segment, category, strategic in product(
        _boundaries(policy), Segment, CATEGORIES, (False, True)
    ):
        yield RoutingFacts(arr, segment, category, strategic)


@dataclass(frozen=True)
class RoutingProblem:
    facts: RoutingFacts
    message: str
    renewal_id: str | None = None


def check(policy: Policy, real: Iterable[tuple[str, RoutingFacts]] = ()) -> list[RoutingProblem]:
    """OWN-2: problems of the rule set, one example each (real renewals first, then the
    generated examples), so a policy that would leave any renewal with no owner or two is
    rejected before it runs."""
    problems: dict[str, RoutingProblem] = {}
    rules = policy.ownership.rules
    for renewal_id, facts in real:
        try:
            route(rules, facts, model=policy.ownership.model)
        except AmbiguousOwnership as exc:
            kind = _kind(exc)
            problems.setdefault(kind, RoutingProblem(facts, str(exc), renewal_id))
    for facts in example_renewals(policy):
        try:
            route(rules, facts, model=policy.ownership.model)
        except AmbiguousOwnership as exc:
            problems.setdefault(_kind(exc), RoutingProblem(facts, str(exc)))
    return list(problems.values())


def _kind(exc: AmbiguousOwnership) -> str:
    message = str(exc)
    return message.split(":", 1)[1] if "gets" in message else "none"


@dataclass(frozen=True)
class Person:
    email: str
    role: str


def pick_person(
    role: str,
    *,
    account_owner: Person | None,
    people: Sequence[Person],
    load: Mapping[str, int],
) -> tuple[str | None, str]:
    """OWN-2: the account's own owner when they hold the role, else the least-loaded person
    of that role (ties by email, so the choice is stable); None when nobody has the role."""
    if account_owner is not None and account_owner.role == role:
        return account_owner.email, Text(
            "OWN-2: {email} owns the account and is a {role}",
            email=account_owner.email,
            role=role,
        )
    pool = sorted(
        (p for p in people if p.role == role), key=lambda p: (load.get(p.email, 0), p.email)
    )
    if not pool:
        return None, Text(
            "OWN-2: nobody active has the role {role}: the renewal waits for an owner", role=role
        )
    chosen = pool[0]
    why = (
        Text(
            "the account's owner ({email}) is a {role}",
            email=account_owner.email,
            role=account_owner.role,
        )
        if account_owner
        else Text("the account has no owner")
    )
    return chosen.email, Text(
        "OWN-2: {why}; {email} is the {role} with the fewest open renewals ({n})",
        why=why,
        email=chosen.email,
        role=role,
        n=load.get(chosen.email, 0),
    )


def handover(decision: Decision, *, days: int, renewal_date: date, policy: Policy) -> Decision:
    """OWN-1: "the specialist owns every renewal from 60+ days before; the CSM keeps the
    relationship". A renewal the rules give to a specialist stays with the CSM until
    `specialist_handover_days` before its date, then passes to the specialist."""
    if decision.value != "specialist":
        return decision
    at = policy.ownership.specialist_handover_days
    on = renewal_date - timedelta(days=at)
    if days > at:
        return Decision(
            "csm",
            (
                *decision.reasons,
                Text(
                    "OWN-1: a specialist owns renewals from T-{at}: the CSM owns it until the "
                    "hand-over on {on}",
                    at=at,
                    on=on.isoformat(),
                ),
            ),
            decision.rules,
            {**decision.facts, "handover": "pending", "handover_on": on.isoformat()},
        )
    return Decision(
        "specialist",
        (
            *decision.reasons,
            Text(
                "OWN-1: the specialist owns it from T-{at} ({on}); the CSM keeps the relationship",
                at=at,
                on=on.isoformat(),
            ),
        ),
        decision.rules,
        {**decision.facts, "handover": "done", "handover_on": on.isoformat()},
    )


def hybrid_answers(policy: Policy) -> list[str]:
    """OWN-3: the hybrid model's answers to the seeds' questions, in words."""
    h = policy.ownership.hybrid
    owner, csm = Text("the renewal's owner"), Text("the account's CSM")
    lead = owner if h.communication_lead == "owner" else csm
    credit = {
        "owner": owner,
        "csm": csm,
        "shared": Text("half to the owner, half to the CSM"),
    }[h.revenue_credit]
    return [
        Text("OWN-3: {lead} leads customer communication", lead=lead),
        Text("OWN-3: renewal revenue is credited to {credit}", credit=credit),
        Text(
            "OWN-3: a disagreement goes to the {role}, settled within {days} days",
            role=h.dispute_role.value,
            days=h.dispute_days,
        ),
    ]


def credit_shares(owner: str | None, csm: str | None, policy: Policy) -> dict[str, float]:
    """OWN-3: who is credited with a renewal's revenue, as shares per person."""
    credit = policy.ownership.hybrid.revenue_credit
    if credit == "shared" and owner and csm and owner != csm:
        return {owner: 0.5, csm: 0.5}
    person = csm if credit == "csm" and csm else owner
    return {person: 1.0} if person else {}


def sponsor(
    *,
    strategic: bool,
    current: str | None,
    people: Sequence[Person],
    load: Mapping[str, int],
    policy: Policy,
) -> Decision | None:
    """OWN-2: "executive engagement for strategic accounts regardless of size": one
    executive sponsors every strategic renewal (next to its one owner); the current sponsor
    stays while they are an active executive, else the least-loaded executive."""
    if not (strategic and policy.ownership.executive_sponsor_strategic):
        return None
    executives = {p.email for p in people if p.role == "executive"}
    if current in executives:
        return Decision(
            current or "",
            (Text("OWN-2: {email} sponsors this strategic account", email=current),),
            ("OWN-2",),
        )
    email, why = pick_person("executive", account_owner=None, people=people, load=load)
    if email is None:
        # `reasons`: a field that may hold "; " (kit.i18n.LIST_FIELDS), read back whole
        return Decision("", (Text("{reasons} (strategic account)", reasons=why),), ("OWN-2",))
    return Decision(
        email,
        (Text("OWN-2: strategic account, whatever its size; {reasons}", reasons=why),),
        ("OWN-2",),
    )
