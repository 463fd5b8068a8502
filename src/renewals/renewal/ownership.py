"""Ownership models checked against the book (OWN-1..3), on plain values.

OWN-1: "a specialist owns every renewal from 60+ days before ... This works well at scale:
if you manage 100+ renewals a quarter ... I have seen it work beautifully for companies with
500+ customers, and fail miserably for companies with 50 customers because the specialist
did not have enough work." OWN-2: executives engage on strategic accounts whatever their
size. OWN-3: a hybrid model answers who leads customer communication, how revenue is
credited and what happens at a disagreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from renewals.kit.i18n import Text
from renewals.policy.domain import Policy


@dataclass(frozen=True)
class Finding:
    level: str  # ok | warn | info
    rule: str
    text: str


@dataclass(frozen=True)
class SpecialistLoad:
    email: str
    renewals: int  # open renewals the specialist owns now
    customers: int  # accounts whose coming renewals fall to the specialist


def names_specialist(policy: Policy) -> bool:
    return policy.ownership.model == "specialist" or any(
        r.role == "specialist" for r in policy.ownership.rules
    )


def check(
    policy: Policy,
    *,
    busiest_quarter: tuple[str, int],
    customers: int,
    specialists: Sequence[SpecialistLoad],
    strategic_unsponsored: int,
) -> list[Finding]:
    """OWN-1..3 findings for the book: does the volume pay for a specialist, does each
    specialist have enough work, does every strategic renewal have an executive sponsor."""
    o = policy.ownership
    quarter, renewals = busiest_quarter
    volume = Text(
        "{renewals:,} renewals in the busiest coming quarter ({quarter}), {customers:,} customers",
        renewals=renewals,
        quarter=quarter,
        customers=customers,
    )
    pays = (
        renewals >= o.specialist_min_quarterly_renewals or customers >= o.specialist_min_customers
    )
    threshold = Text(
        "a specialist pays off at {renewals}+ renewals a quarter or {customers}+ customers",
        renewals=o.specialist_min_quarterly_renewals,
        customers=o.specialist_min_customers,
    )
    found: list[Finding] = []
    if names_specialist(policy):
        if o.model == "specialist" and not any(r.role == "specialist" for r in o.rules):
            found.append(
                Finding(
                    "warn",
                    "OWN-1",
                    Text(
                        "the model is 'specialist' but no ownership rule assigns a specialist: "
                        "the model is a label only"
                    ),
                )  # fmt: skip
            )
        if pays:
            found.append(
                Finding(
                    "ok", "OWN-1", Text("{volume}: {threshold}", volume=volume, threshold=threshold)
                )
            )
        else:
            found.append(
                Finding(
                    "warn",
                    "OWN-1",
                    Text(
                        "{volume}: below the volume where {threshold}",
                        volume=volume,
                        threshold=threshold,
                    ),
                )
            )
        if not specialists:
            found.append(
                Finding(
                    "warn",
                    "OWN-1",
                    Text(
                        "the rules name a specialist but nobody active holds the role: those "
                        "renewals wait for an owner"
                    ),
                )  # fmt: skip
            )
        for s in specialists:
            if s.customers < o.specialist_failed_customers:
                found.append(
                    Finding(
                        "warn",
                        "OWN-1",
                        Text(
                            "{email} carries {customers} customers: the seed saw specialists fail "
                            "at about {failed} (not enough work; the hand-over feels awkward)",
                            email=s.email,
                            customers=s.customers,
                            failed=o.specialist_failed_customers,
                        ),
                    )
                )
        found.append(
            Finding(
                "info",
                "OWN-1",
                Text(
                    "the specialist takes each renewal over from the CSM at T-{days}; the CSM "
                    "keeps the relationship",
                    days=o.specialist_handover_days,
                ),
            )
        )
    elif pays:
        found.append(
            Finding(
                "info",
                "OWN-1",
                Text(
                    "{volume}: {threshold}; the rules name none (model {model})",
                    volume=volume,
                    threshold=threshold,
                    model=o.model,
                ),
            )
        )
    if o.executive_sponsor_strategic and strategic_unsponsored:
        found.append(
            Finding(
                "warn",
                "OWN-2",
                Text(
                    "{n} strategic renewals have no executive sponsor: nobody active is an "
                    "executive, or `renewals run` has not assigned them yet",
                    n=strategic_unsponsored,
                ),
            )
        )
    return found


def credited(
    rows: Sequence[tuple[str | None, str | None, float]], *, policy: Policy
) -> dict[str, float]:
    """OWN-3: renewal ARR credited per person from (owner, account CSM, ARR) rows."""
    from renewals.renewal.routing import credit_shares

    total: dict[str, float] = {}
    for owner, csm, arr in rows:
        for person, share in credit_shares(owner, csm, policy).items():
            total[person] = total.get(person, 0.0) + arr * share
    return dict(sorted(total.items(), key=lambda kv: -kv[1]))
