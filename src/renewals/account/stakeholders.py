"""The stakeholder map of an account (STK-1, STK-2) and its gaps (SIG-6, SIG-9).

Pure rules on plain values: no database, no clock (`as_of` is a parameter).

A stakeholder is *active* on `as_of` when they have started (no `started_at`, or
on or before `as_of`) and not left (no `left_at`, or after `as_of`). An active
stakeholder is *engaged* when `last_engaged_at` is at most `engaged_within_days`
before `as_of` (exactly that many days ago still counts). A *departure* is recent
when `left_at` is on or before `as_of` and less than `departure_days` before it
(exactly `departure_days` ago no longer counts). These are the same windows as the
health features and the SIG-6/SIG-9 signals (health/repository.py), so the map
explains the signals rather than contradicting them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from renewals.account.domain import StakeholderRole
from renewals.kit.i18n import Text

# The words of the map are explanations (renewals.kit.i18n.Text): English wherever a str is
# used, read in the team's language on the pages (issue 22).
ROLE_LABELS: dict[str, Text] = {
    StakeholderRole.user: Text("user"),
    StakeholderRole.champion: Text("champion"),
    StakeholderRole.economic_buyer: Text("economic buyer"),
    StakeholderRole.decision_maker: Text("decision maker"),
    StakeholderRole.technical_buyer: Text("technical buyer"),
    StakeholderRole.legal: Text("legal"),
    StakeholderRole.procurement: Text("procurement"),
    StakeholderRole.executive: Text("executive"),
}
BUDGET_ROLES = (StakeholderRole.economic_buyer, StakeholderRole.decision_maker)


class GapKind(StrEnum):
    champion_gone = "champion_gone"  # SIG-6
    no_economic_buyer = "no_economic_buyer"  # STK-1, STK-2
    single_threaded = "single_threaded"  # SIG-9
    no_champion = "no_champion"  # STK-1
    no_technical_buyer = "no_technical_buyer"  # STK-1, information only


@dataclass(frozen=True)
class StakeholderFacts:
    stakeholder_id: str
    name: str
    email: str | None
    role: str  # a StakeholderRole value; other values are kept under their own name
    started_at: date | None
    left_at: date | None
    last_engaged_at: date | None

    def is_active(self, as_of: date) -> bool:
        started = self.started_at is None or self.started_at <= as_of
        return started and (self.left_at is None or self.left_at > as_of)

    def is_engaged(self, as_of: date, within_days: int) -> bool:
        return (
            self.is_active(as_of)
            and self.last_engaged_at is not None
            and self.last_engaged_at >= as_of - timedelta(days=within_days)
        )

    def has_left(self, as_of: date) -> bool:
        return self.left_at is not None and self.left_at <= as_of


@dataclass(frozen=True)
class MapEntry:
    stakeholder_id: str
    name: str
    email: str | None
    role: str
    active: bool
    engaged: bool
    left: bool
    last_engaged_at: date | None
    days_since_engaged: int | None  # None: never engaged; 0 also for a date after as_of
    left_at: date | None

    def describe(self) -> Text:
        """`Anna Roe (champion, last engaged 2026-11-01, 23 days ago)`."""
        role = role_label(self.role)
        if self.left and self.left_at is not None:
            return Text(
                "{name} ({role}, left on {day})",
                name=self.name,
                role=role,
                day=self.left_at.isoformat(),
            )
        if self.last_engaged_at is None:
            return Text("{name} ({role}, never engaged)", name=self.name, role=role)
        # the count inside the message: a reason read back from the database finds its
        # template whole ("{n} days" alone is too short a template to be looked for)
        days = self.days_since_engaged or 0
        if days == 1:
            return Text(
                "{name} ({role}, last engaged {day}, 1 day ago)",
                name=self.name,
                role=role,
                day=self.last_engaged_at.isoformat(),
            )
        return Text(
            "{name} ({role}, last engaged {day}, {n} days ago)",
            name=self.name,
            role=role,
            day=self.last_engaged_at.isoformat(),
            n=days,
        )


@dataclass(frozen=True)
class Gap:
    kind: GapKind
    rule: str
    text: str
    info: bool = False  # True: worth knowing, not a risk on its own

    def as_record(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "rule": self.rule, "text": self.text, "info": self.info}


@dataclass(frozen=True)
class Pairing:
    """STK-2: one thread between someone on our side and a role on theirs."""

    ours: str
    theirs: tuple[str, ...]
    covered: bool
    contacts: tuple[str, ...]  # the engaged contacts that cover it
    rule: str
    text: str

    def as_record(self) -> dict[str, Any]:
        return {
            "ours": self.ours,
            "theirs": list(self.theirs),
            "covered": self.covered,
            "contacts": list(self.contacts),
            "rule": self.rule,
            "text": self.text,
        }


@dataclass(frozen=True)
class StakeholderMap:
    as_of: date
    engaged_within_days: int
    by_role: dict[str, list[MapEntry]]  # every STK-1 role, even when empty
    engaged_contacts: int
    active_contacts: int
    gaps: list[Gap] = field(default_factory=list)
    pairings: list[Pairing] = field(default_factory=list)

    def gap(self, kind: GapKind | str) -> Gap | None:
        return next((g for g in self.gaps if g.kind == kind), None)

    @property
    def gap_kinds(self) -> list[str]:
        return [str(g.kind) for g in self.gaps]

    def as_record(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "engaged_within_days": self.engaged_within_days,
            "engaged_contacts": self.engaged_contacts,
            "active_contacts": self.active_contacts,
            "by_role": {
                role: [
                    {
                        "stakeholder_id": e.stakeholder_id,
                        "name": e.name,
                        "email": e.email,
                        "active": e.active,
                        "engaged": e.engaged,
                        "left": e.left,
                        "last_engaged_at": _iso(e.last_engaged_at),
                        "days_since_engaged": e.days_since_engaged,
                        "left_at": _iso(e.left_at),
                    }
                    for e in entries
                ]
                for role, entries in self.by_role.items()
            },
            "gaps": [g.as_record() for g in self.gaps],
            "pairings": [p.as_record() for p in self.pairings],
        }


# STK-2: who on our side threads with which roles on theirs, and why (STK-1).
PAIRINGS: tuple[tuple[Text, tuple[str, ...], Text], ...] = (
    (
        Text("CSM (renewal owner)"),
        (StakeholderRole.champion,),
        Text("The champion carries the value story internally"),
    ),
    (
        Text("CSM (renewal owner)"),
        (StakeholderRole.user,),
        Text("Users feel daily usability first"),
    ),
    (
        Text("our executive"),
        (StakeholderRole.executive, StakeholderRole.decision_maker),
        Text("Strategic alignment is decided at their level"),
    ),
    (
        Text("our technical team"),
        (StakeholderRole.technical_buyer,),
        Text("Integration, security and risk questions need a technical counterpart"),
    ),
    (
        Text("CS or sales leader"),
        (StakeholderRole.economic_buyer,),
        Text("ROI and budget are decided by the economic buyer"),
    ),
)


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role.replace("_", " "))


def stakeholder_map(
    stakeholders: Iterable[StakeholderFacts],
    *,
    as_of: date,
    engaged_within_days: int,
    single_thread_max_contacts: int,
    departure_days: int,
) -> StakeholderMap:
    """STK-1 roles with who is engaged, the gaps (STK-1, SIG-6, SIG-9) and STK-2 pairings."""
    people = list(stakeholders)
    entries = [_entry(s, as_of, engaged_within_days) for s in people]
    by_role: dict[str, list[MapEntry]] = {str(role): [] for role in StakeholderRole}
    for entry in sorted(entries, key=_entry_order):
        by_role.setdefault(str(entry.role), []).append(entry)

    engaged = [e for e in entries if e.engaged]
    active = [e for e in entries if e.active]
    gaps = _gaps(
        entries,
        as_of=as_of,
        engaged_within_days=engaged_within_days,
        single_thread_max_contacts=single_thread_max_contacts,
        departure_days=departure_days,
    )
    pairings = [
        _pairing(ours, theirs, why, by_role, engaged_within_days) for ours, theirs, why in PAIRINGS
    ]
    return StakeholderMap(
        as_of=as_of,
        engaged_within_days=engaged_within_days,
        by_role=by_role,
        engaged_contacts=len(engaged),
        active_contacts=len(active),
        gaps=gaps,
        pairings=pairings,
    )


def _entry(s: StakeholderFacts, as_of: date, within_days: int) -> MapEntry:
    days_since = None
    if s.last_engaged_at is not None:
        # An engagement dated after as_of (a back-dated run) counts as today, like the health
        # feature does; it is never a negative number of days.
        days_since = max(0, (as_of - s.last_engaged_at).days)
    return MapEntry(
        stakeholder_id=s.stakeholder_id,
        name=s.name,
        email=s.email,
        role=str(s.role),
        active=s.is_active(as_of),
        engaged=s.is_engaged(as_of, within_days),
        left=s.has_left(as_of),
        last_engaged_at=s.last_engaged_at,
        days_since_engaged=days_since,
        left_at=s.left_at,
    )


def _entry_order(e: MapEntry) -> tuple[Any, ...]:
    """Engaged first, then other active contacts, then those who left; recent first."""
    recency = e.days_since_engaged if e.days_since_engaged is not None else 10**9
    return (not e.engaged, not e.active, recency, e.name, e.stakeholder_id)


def _gaps(
    entries: list[MapEntry],
    *,
    as_of: date,
    engaged_within_days: int,
    single_thread_max_contacts: int,
    departure_days: int,
) -> list[Gap]:
    window = Text("the last {days}", days=_days(engaged_within_days))
    gaps: list[Gap] = []

    def of_roles(*roles: str) -> list[MapEntry]:
        return [e for e in entries if e.role in roles]

    def recently_left(e: MapEntry) -> bool:
        return (
            e.left and e.left_at is not None and e.left_at > as_of - timedelta(days=departure_days)
        )

    # SIG-6: the champion left recently and nobody active holds the role: the relationship
    # resets to zero. It replaces no_champion, which would say the same thing with less.
    champions = of_roles(StakeholderRole.champion)
    active_champions = [e for e in champions if e.active]
    gone = [e for e in champions if recently_left(e)]
    if gone and not active_champions:
        who = _join(Text("{name} left on {day}", name=e.name, day=_iso(e.left_at)) for e in gone)
        gaps.append(
            Gap(
                GapKind.champion_gone,
                "SIG-6",
                Text(
                    "Champion gone: {who}, within the last {days}, and no other champion is "
                    "active. The relationship resets to zero: find and win over the "
                    "replacement now.",
                    who=who,
                    days=_days(departure_days),
                ),
            )
        )

    # STK-1, STK-2: nobody with budget authority is engaged.
    budget = of_roles(*BUDGET_ROLES)
    if not any(e.engaged for e in budget):
        facts = (
            Text(
                "on record but not engaged: {contacts}",
                contacts=_join(e.describe() for e in budget),
            )
            if budget
            else Text("none is on record")
        )
        gaps.append(
            Gap(
                GapKind.no_economic_buyer,
                "STK-1",
                Text(
                    "No economic buyer or decision maker engaged in {window}; {facts}. "
                    "ROI, budget and the final decision sit with them; the CS or sales leader "
                    "should build that thread (STK-2).",
                    window=window,
                    facts=facts,
                ),
            )
        )

    # SIG-9: single-threading.
    engaged = [e for e in entries if e.engaged]
    if len(engaged) <= single_thread_max_contacts:
        if engaged:
            contacts = (
                Text("1 contact") if len(engaged) == 1 else Text("{n} contacts", n=len(engaged))
            )
            facts = Text(
                "only {number} engaged in {window}: {contacts}",
                number=contacts,
                window=window,
                contacts=_join(e.describe() for e in engaged),
            )
        else:
            facts = Text("no contact engaged in {window}", window=window)
        gaps.append(
            Gap(
                GapKind.single_threaded,
                "SIG-9",
                Text(
                    "Single-threaded: {facts}. The policy counts {max} or fewer as "
                    "single-threaded: a renewal dies when that one contact leaves, so engage "
                    "more people.",
                    facts=facts,
                    max=single_thread_max_contacts,
                ),
            )
        )

    # STK-1: no champion at all (a recent departure is reported as champion_gone instead).
    if not active_champions and not gone:
        facts = (
            Text("no champion is on record")
            if not champions
            else Text(
                "the last one left: {contacts}", contacts=_join(e.describe() for e in champions)
            )
        )
        gaps.append(
            Gap(
                GapKind.no_champion,
                "STK-1",
                Text(
                    "No active champion: {facts}. Nobody inside makes the case for us; "
                    "find someone who looks good when the product succeeds.",
                    facts=facts,
                ),
            )
        )

    # STK-1, information only: integration, security and risk have no owner on their side.
    if not any(e.active for e in of_roles(StakeholderRole.technical_buyer)):
        gaps.append(
            Gap(
                GapKind.no_technical_buyer,
                "STK-1",
                Text(
                    "No active technical buyer on record: integration, security and risk "
                    "questions have no named owner on their side (information)."
                ),
                info=True,
            )
        )
    return gaps


def _pairing(
    ours: Text,
    theirs: tuple[str, ...],
    why: Text,
    by_role: dict[str, list[MapEntry]],
    engaged_within_days: int,
) -> Pairing:
    people = [e for role in theirs for e in by_role.get(str(role), [])]
    engaged = [e for e in people if e.engaged]
    labels = [role_label(r) for r in theirs]
    roles = (
        labels[0]
        if len(labels) == 1
        else Text("{one} or {other}", one=labels[0], other=labels[1])
        if len(labels) == 2
        else " or ".join(labels)
    )
    text: Text
    if engaged:
        text = Text(
            "Covered: {ours} with {contacts}. {reason}.",
            ours=ours,
            contacts=_join(e.describe() for e in engaged),
            reason=why,
        )
    else:
        others = [e for e in people if e.active]
        facts = (
            Text(
                "on record but not engaged: {contacts}",
                contacts=_join(e.describe() for e in others),
            )
            if others
            else Text("none active on record")
        )
        text = Text(
            "Uncovered: {ours} has no {roles} engaged in the last {days}; {facts}. {reason}.",
            ours=ours,
            roles=roles,
            days=_days(engaged_within_days),
            facts=facts,
            reason=why,
        )
    return Pairing(
        ours=ours,
        theirs=tuple(str(r) for r in theirs),
        covered=bool(engaged),
        contacts=tuple(e.name for e in engaged),
        rule="STK-2",
        text=text,
    )


def _join(parts: Iterable[str]) -> str:
    return "; ".join(parts)


def _days(n: int) -> Text:
    return Text("1 day") if n == 1 else Text("{n} days", n=n)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
