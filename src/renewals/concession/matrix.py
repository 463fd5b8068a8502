"""The approval matrix (CONC-2, CONC-3) as ONE value object, and routing as a pure function.

Every question about approval authority goes through `ApprovalMatrix`: concessions
(who may approve a discount and which non-price kinds), contracts (is an approver's
role as senior as the required one), the approvals queue (why the role below may not)
and the forms (what a person's own authority is). Nothing here reads the database:
`route` walks a user directory the service passes in.

CONC-2 and CONC-3 agree: a discount from `guide.emergency_min_pct` (30%) is an
emergency and needs executive approval; the seeds group VPs and executives ("VP/
executive above that"), so `guide.emergency_role` names the most junior role that
counts as executive (the VP by default) and every role from it upwards may approve an
emergency discount their limit covers. A discount between the guide's bands (26-29%
with the defaults) has no gap in authority: the matrix's limits are contiguous, so
the first role whose limit covers it approves it (the VP above the director's 25%).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from renewals.kit.i18n import Text, joined
from renewals.policy.domain import Concessions, ConcessionTerm


class Kind(StrEnum):
    """What a concession gives (CONC-1, CONC-3)."""

    discount = "discount"
    payment_terms = "payment_terms"
    enhanced_service = "enhanced_service"
    contract_terms = "contract_terms"
    custom_deal = "custom_deal"
    term_change = "term_change"  # e.g. 6-month instead of 12-month (CONC-1 medium, SAVE-9)
    # CONC-8: concessions beyond price, each catalogued in the policy (concessions.terms)
    # with its grant, documentation and escalation threshold. payment_terms is one of them.
    reduced_scope = "reduced_scope"
    multi_year_lock = "multi_year_lock"
    priority_support = "priority_support"
    customisation = "customisation"
    easy_exit = "easy_exit"
    contingent_pricing = "contingent_pricing"


# CONC-3: the matrix grant each non-price kind needs. A term change is a contract term.
GRANT_FOR: dict[Kind, str] = {
    Kind.payment_terms: "payment_terms",
    Kind.enhanced_service: "enhanced_service",
    Kind.contract_terms: "contract_terms",
    Kind.custom_deal: "custom_deal",
    Kind.term_change: "contract_terms",
}


def grants_for(kinds: Iterable[Kind | str]) -> frozenset[str]:
    """The matrix grants these kinds need (unknown names need nothing: validated earlier)."""
    out = set()
    for kind in kinds:
        try:
            found = Kind(kind)
        except ValueError:
            continue
        if found in GRANT_FOR:
            out.add(GRANT_FOR[found])
    return frozenset(out)


def _vowel(word: str) -> bool:
    """English writes "an" before it (the CONC-3 texts have a message for each article)."""
    return word[:1].lower() in "aeiou"


@dataclass(frozen=True)
class TermRule:
    """CONC-8: a catalogued concession beyond price, as the matrix needs it."""

    kind: str
    family: str  # price | service | contract (the seed's grouping)
    grant: str
    measure: str
    escalate_above: float | None
    escalate_below: float | None
    escalate_grant: str
    documentation: tuple[str, ...]
    clause: str

    @classmethod
    def of(cls, t: ConcessionTerm) -> TermRule:
        return cls(
            t.kind,
            t.family,
            t.grant,
            t.measure,
            t.escalate_above,
            t.escalate_below,
            t.escalate_grant,
            tuple(t.documentation),
            t.clause,
        )

    @property
    def seed_grant(self) -> bool:
        """The kind is itself a CONC-3 grant ("CSM ... payment terms"): unsized, the seed's
        matrix row applies as before."""
        return self.kind == self.grant

    def escalates(self, value: float | None) -> bool:
        """Beyond the threshold (bounds inclusive: net 60 is still a CSM's payment terms).
        No size given counts as beyond it (nobody approves an open-ended promise cheaply),
        except for a kind that is itself a CONC-3 grant."""
        if value is None:
            return not self.seed_grant
        if self.escalate_above is not None:
            return value > self.escalate_above
        return self.escalate_below is not None and value < self.escalate_below

    def grant_for(self, value: float | None) -> str:
        return self.escalate_grant if self.escalates(value) else self.grant

    def threshold(self) -> str:
        if self.escalate_above is not None:
            return f"above {self.escalate_above:g}"
        return f"below {self.escalate_below:g}"

    def explain(self, value: float | None) -> str:
        """CONC-8 in words: which grant, and why."""
        size = f"a {self.family} concession, " + (
            "no size given" if value is None else f"{value:g} {self.measure}"
        )
        if self.escalates(value):
            return (
                f"CONC-8: {self.kind} ({size}) escalates to {self.escalate_grant}: "
                f"{self.threshold()} {self.measure}" + (" or unsized" if value is None else "")
            )
        return f"CONC-8: {self.kind} ({size}) is {self.grant} (escalates {self.threshold()})"

    def render(self, value: float | None) -> str:
        return self.clause.format(value=value if value is not None else 0)


@dataclass(frozen=True)
class Limit:
    role: str
    max_discount_pct: float
    grants: tuple[str, ...]  # in the policy's order


@dataclass(frozen=True)
class ApprovalMatrix:
    """CONC-3's rows, juniors first, and CONC-2's emergency rule."""

    limits: tuple[Limit, ...]
    emergency_min_pct: float
    emergency_role: str
    terms: tuple[TermRule, ...] = ()  # CONC-8: the catalogue of concessions beyond price

    @classmethod
    def of(cls, concessions: Concessions) -> ApprovalMatrix:
        return cls(
            tuple(
                Limit(a.role.value, a.max_discount_pct, tuple(a.grants))
                for a in concessions.approval
            ),
            concessions.guide.emergency_min_pct,
            concessions.guide.emergency_role.value,
            tuple(TermRule.of(t) for t in concessions.terms),
        )

    def term(self, kind: str) -> TermRule | None:
        return next((t for t in self.terms if t.kind == kind), None)

    def grants(
        self, kinds: Iterable[Kind | str], sizes: Mapping[str, float] | None = None
    ) -> frozenset[str]:
        """CONC-3, CONC-8: the grants these kinds need; a catalogued kind's grant depends on
        its size (`sizes`, by kind) against its escalation threshold."""
        wanted = [str(k) for k in kinds]
        out = set(grants_for(k for k in wanted if self.term(k) is None))
        for kind in wanted:
            rule = self.term(kind)
            if rule is not None:
                out.add(rule.grant_for((sizes or {}).get(kind)))
        return frozenset(out)

    # --- seniority ----------------------------------------------------------------------

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(limit.role for limit in self.limits)

    def rank(self, role: str | None) -> int | None:
        """Seniority (0 = most junior); None: not in the matrix (may approve nothing)."""
        return self.roles.index(role) if role in self.roles else None

    def limit(self, role: str | None) -> Limit | None:
        rank = self.rank(role)
        return None if rank is None else self.limits[rank]

    def below(self, role: str | None) -> Limit | None:
        """The row just below `role` (None for the most junior or an unknown role)."""
        rank = self.rank(role)
        return self.limits[rank - 1] if rank else None

    def at_least(self, role: str | None, required: str | None) -> bool:
        """TECH-4, CONC-3: `role` is as senior as `required` or more."""
        mine, needed = self.rank(role), self.rank(required)
        return mine is not None and needed is not None and mine >= needed

    @property
    def emergency_rank(self) -> int:
        """The row that stands for "executive" (the most senior if the role is not listed)."""
        rank = self.rank(self.emergency_role)
        return rank if rank is not None else len(self.limits) - 1

    # --- authority ----------------------------------------------------------------------

    def is_emergency(self, discount_pct: float) -> bool:
        """CONC-2: from emergency_min_pct (inclusive) a discount is an emergency."""
        return discount_pct >= self.emergency_min_pct

    def covers(
        self,
        role: str | None,
        discount_pct: float,
        kinds: Iterable[Kind | str],
        sizes: Mapping[str, float] | None = None,
    ) -> bool:
        """CONC-2/CONC-3/CONC-8: may this role approve the discount and every kind (each
        catalogued kind at its size)? Bounds are inclusive ("up to 5%": 5% is within a
        CSM's authority)."""
        limit = self.limit(role)
        if limit is None or discount_pct > limit.max_discount_pct:
            return False
        if not self.grants(kinds, sizes) <= set(limit.grants):
            return False
        if self.is_emergency(discount_pct):
            return self.roles.index(limit.role) >= self.emergency_rank
        return True

    def required_role(
        self,
        discount_pct: float,
        kinds: Iterable[Kind | str],
        sizes: Mapping[str, float] | None = None,
    ) -> str | None:
        """CONC-3: the most junior role that may approve it (None: nobody)."""
        wanted = list(kinds)
        return next((r for r in self.roles if self.covers(r, discount_pct, wanted, sizes)), None)

    def authority(self, role: str | None) -> str:
        """A person's authority in words, e.g. "manager: up to 15% and payment_terms, ..."."""
        limit = self.limit(role)
        if limit is None:
            return Text(
                "{role}: not in the approval matrix (may approve nothing)",
                role=role or Text("no role"),
            )
        grants = ", ".join(limit.grants) or Text("no non-price concessions")
        if (
            self.roles.index(limit.role) >= self.emergency_rank
            and limit.max_discount_pct >= self.emergency_min_pct
        ):
            return Text(
                "{role}: up to {pct:g}% and {grants}; emergency discounts ({minimum:g}%+, CONC-2)",
                role=role,
                pct=limit.max_discount_pct,
                grants=grants,
                minimum=self.emergency_min_pct,
            )
        return Text(
            "{role}: up to {pct:g}% and {grants}",
            role=role,
            pct=limit.max_discount_pct,
            grants=grants,
        )

    def explain(
        self,
        discount_pct: float,
        kinds: Iterable[Kind | str],
        required: str,
        sizes: Mapping[str, float] | None = None,
    ) -> str:
        """CONC-3 in words: who must approve and why the row below may not, e.g.
        "needs a director: 20% is above a manager's 15% (CONC-3)"."""
        if self.rank(required) is None:
            return (
                Text("needs an {role} (CONC-3)", role=required)
                if _vowel(required)
                else Text("needs a {role} (CONC-3)", role=required)
            )
        below = self.below(required)
        if below is None:
            return (
                Text("within an {role}'s authority (CONC-3)", role=required)
                if _vowel(required)
                else Text("within a {role}'s authority (CONC-3)", role=required)
            )
        why: list[str] = []
        if discount_pct > below.max_discount_pct:
            values = {"pct": discount_pct, "role": below.role, "limit": below.max_discount_pct}
            why.append(
                Text("{pct:g}% is above an {role}'s {limit:g}%", **values)
                if _vowel(below.role)
                else Text("{pct:g}% is above a {role}'s {limit:g}%", **values)
            )
        missing = sorted(self.grants(kinds, sizes) - set(below.grants))
        if missing:
            grants = ", ".join(missing)
            why.append(
                Text("{grants} is beyond an {role}'s authority", grants=grants, role=below.role)
                if _vowel(below.role)
                else Text("{grants} is beyond a {role}'s authority", grants=grants, role=below.role)
            )
        if self.is_emergency(discount_pct) and not why:
            why.append(
                Text(
                    "{pct:g}% is an emergency discount ({minimum:g}%+, CONC-2: VP or executive)",
                    pct=discount_pct,
                    minimum=self.emergency_min_pct,
                )
            )
        reasons = "; ".join(why or [Text("the matrix says so")])
        return (
            Text("needs an {role}: {reasons} (CONC-3)", role=required, reasons=reasons)
            if _vowel(required)
            else Text("needs a {role}: {reasons} (CONC-3)", role=required, reasons=reasons)
        )

    def rows(self, required: str | None = None) -> list[dict[str, object]]:
        """The matrix as a table (forms and the concession page)."""
        return [
            {
                "role": limit.role,
                "max_discount_pct": limit.max_discount_pct,
                "grants": list(limit.grants),
                "required": limit.role == required,
            }
            for limit in self.limits
        ]


# --- routing (CONC-3) -------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """One entry of the user directory, as routing needs it."""

    email: str
    role: str | None
    active: bool
    manager_email: str | None = None


@dataclass(frozen=True)
class Route:
    """Who the request waits for, and why the people passed over were passed over."""

    email: str
    role: str
    via: str  # chain | fallback
    skipped: tuple[Text, ...] = ()

    def note(self) -> Text:
        """Why it waits for this person, in words the reader's language has (issue 22)."""
        if self.via == "chain":
            route = Text(
                "routed to {email} ({role}), up the manager chain", email=self.email, role=self.role
            )
        else:
            route = Text(
                "routed to {email} ({role}), no one in the chain may",
                email=self.email,
                role=self.role,
            )
        if not self.skipped:
            return route
        return Text("{route}; passed over: {reasons}", route=route, reasons=joined(self.skipped))


class NoApprover(Exception):
    """Nobody active in the directory may approve it (the service says what to add)."""

    def __init__(self, needed: str | None) -> None:
        self.needed = needed
        super().__init__(needed or "approver")


def route(
    matrix: ApprovalMatrix,
    start: Person,
    directory: Mapping[str, Person],
    *,
    discount_pct: float,
    kinds: Iterable[Kind | str],
    exclude: Iterable[str] = (),
    sizes: Mapping[str, float] | None = None,
) -> Route:
    """CONC-3: the first active person up `start`'s manager chain whose authority covers it.

    `directory` maps lower-cased emails to people. A manager with less authority is
    passed over (the request goes above them). When no one in the chain may approve, any
    active person of the required role or higher does, the most junior role first, then
    by email (deterministic). Raises NoApprover when nobody may.
    """
    wanted = list(kinds)
    skipped: list[Text] = []
    seen = {start.email.lower(), *(e.lower() for e in exclude)}
    email = start.manager_email
    while email and email.strip().lower() not in seen:
        key = email.strip().lower()
        seen.add(key)
        person = directory.get(key)
        if person is None:
            skipped.append(Text("{email} (not in users.csv)", email=email))
            break
        if not person.active:
            skipped.append(Text("{email} (inactive)", email=person.email))
        elif matrix.covers(person.role, discount_pct, wanted, sizes):
            return Route(person.email, str(person.role), "chain", tuple(skipped))
        else:
            skipped.append(
                Text(
                    "{email} ({authority})",
                    email=person.email,
                    authority=matrix.authority(person.role),
                )
            )
        email = person.manager_email
    candidates = sorted(
        (
            p
            for key, p in directory.items()
            if p.active and key not in seen and matrix.covers(p.role, discount_pct, wanted, sizes)
        ),
        key=lambda p: (matrix.rank(p.role), p.email.lower()),
    )
    if not candidates:
        raise NoApprover(matrix.required_role(discount_pct, wanted, sizes))
    chosen = candidates[0]
    return Route(chosen.email, str(chosen.role), "fallback", tuple(skipped))
