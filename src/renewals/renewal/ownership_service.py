"""Ownership report (OWN-1..3): the model and its rules checked against the book."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from renewals.account.models import Account
from renewals.kit.calendar import quarter_of
from renewals.kit.i18n import Text
from renewals.policy.domain import Policy
from renewals.renewal import routing
from renewals.renewal.domain import OPEN_STAGES
from renewals.renewal.models import Renewal
from renewals.renewal.ownership import Finding, SpecialistLoad, check, credited
from renewals.user.models import User


@dataclass
class OwnershipReport:
    model: str
    rules: list[str]
    hybrid: list[str]
    quarters: dict[str, int]
    customers: int
    owners_by_role: dict[str, int]
    specialists: list[SpecialistLoad]
    handover_pending: int
    handed_over: int
    sponsored: int
    strategic_unsponsored: int
    credit: dict[str, float]
    findings: list[Finding] = field(default_factory=list)


def report(session: Session, policy: Policy, *, as_of: date) -> OwnershipReport:
    """OWN-1..3 for the open renewals on `as_of`: volume per quarter against the specialist
    thresholds, each specialist's work, hand-overs, executive sponsors, revenue credit."""
    is_open = Renewal.stage.in_([s.value for s in OPEN_STAGES])
    rows = session.execute(
        select(
            Renewal.renewal_date,
            Renewal.owner_role,
            Renewal.owner_email,
            Renewal.account_id,
            Renewal.current_arr,
            Renewal.decisions,
            Account.owner_email,
            Account.strategic,
        )
        .join(Account, Account.account_id == Renewal.account_id)
        .where(is_open)
    ).all()
    quarters: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    spec_renewals: Counter[str] = Counter()
    spec_customers: dict[str, set[str]] = {}
    pending = handed = sponsored = unsponsored = 0
    credit_rows = []
    for day, role, owner, account_id, arr, decisions, csm, strategic in rows:
        if day >= as_of:
            quarters[quarter_of(day).key] += 1
        roles[role] += 1
        owner_facts = (decisions or {}).get("owner", {}).get("facts", {})
        handover = owner_facts.get("handover")
        pending += handover == "pending"
        handed += handover == "done"
        if role == "specialist" and owner:
            spec_renewals[owner] += 1
            spec_customers.setdefault(owner, set()).add(account_id)
        sponsor = (decisions or {}).get("sponsor")
        if strategic and policy.ownership.executive_sponsor_strategic:
            if sponsor and sponsor.get("value"):
                sponsored += 1
            else:
                unsponsored += 1
        credit_rows.append((owner, csm, float(arr)))
    specialists = [
        SpecialistLoad(email, spec_renewals[email], len(spec_customers.get(email, ())))
        for email in session.scalars(
            select(User.email).where(User.active.is_(True), User.role == "specialist")
        )
    ]
    # OWN-1: customers = accounts with an open renewal (churned accounts are not the book).
    customers = len({account_id for _, _, _, account_id, *_ in rows})
    busiest = max(quarters.items(), key=lambda kv: kv[1]) if quarters else ("-", 0)
    return OwnershipReport(
        model=policy.ownership.model,
        rules=[
            Text(
                "rule {n}: {role} (priority {priority}): {description}",
                n=i + 1,
                role=r.role,
                priority=r.priority,
                description=r.description,
            )
            for i, r in enumerate(policy.ownership.rules)
        ],
        hybrid=routing.hybrid_answers(policy),
        quarters=dict(sorted(quarters.items())),
        customers=customers,
        owners_by_role=dict(roles),
        specialists=specialists,
        handover_pending=pending,
        handed_over=handed,
        sponsored=sponsored,
        strategic_unsponsored=unsponsored,
        credit=credited(credit_rows, policy=policy),
        findings=check(
            policy,
            busiest_quarter=busiest,
            customers=customers,
            specialists=specialists,
            strategic_unsponsored=unsponsored,
        ),
    )
