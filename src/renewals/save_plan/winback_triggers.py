"""Win-back triggers (LOST-5) for churned accounts, detected from the data where it can be.

"Win-backs happen when their alternative disappoints, their needs change back, you fix the
problems that caused the churn, leadership changes again, or time heals the relationship."
(At-Risk Renewal Management). From the records we hold:

- leadership changed: a decision maker, economic buyer or executive started, or the one
  who decided left, after the churn;
- they reach out again: a reply, a meeting or a call held with them after the churn (their
  alternative may disappoint, their needs may have changed);
- time: the formal win-back point (the last of LOST-4's touch months) has come.

"We fixed the cause" is not in the data (releases are not tracked): the loss reason is
shown so the team can judge it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from renewals.kit.calendar import add_months
from renewals.kit.i18n import Text
from renewals.policy.domain import Policy

LEADERS = ("decision_maker", "economic_buyer", "executive")
CONTACT = ("replied", "held")


@dataclass(frozen=True)
class Triggers:
    account_id: str
    contract_id: str
    churned_on: date
    reason: str | None
    found: tuple[str, ...]


def detect(
    *,
    churned_on: date,
    as_of: date,
    stakeholders: list[tuple[str, date | None, date | None]],
    contacts: list[date],
    formal_months: int,
) -> list[str]:
    """LOST-5 triggers for one churned account (pure)."""
    found: list[str] = []
    for role, started, left in stakeholders:
        if role not in LEADERS:
            continue
        if started and churned_on < started <= as_of:
            found.append(
                Text("LOST-5: leadership changed: a new {role} since {day}", role=role, day=started)
            )
            break
        if left and churned_on < left <= as_of:
            found.append(
                Text("LOST-5: leadership changed: their {role} left on {day}", role=role, day=left)
            )
            break
    after = sorted(d for d in contacts if churned_on < d <= as_of)
    if after:
        found.append(
            Text(
                "LOST-5: they reached out again: {n} replies or meetings since the churn, "
                "last {day}",
                n=len(after),
                day=after[-1],
            )
        )
    formal = add_months(churned_on, formal_months)
    if formal <= as_of:
        found.append(
            Text(
                "LOST-5, LOST-4: time: {months} months since the churn ({day})",
                months=formal_months,
                day=formal,
            )
        )
    return found


def triggers(session: Session, policy: Policy, *, as_of: date) -> list[Triggers]:
    """LOST-5 for every churned account whose churn is within two formal win-back periods."""
    from renewals.account.models import Stakeholder
    from renewals.engagement.models import Interaction
    from renewals.save_plan.aftercare import churn_date
    from renewals.winloss.models import WinLossRecord

    formal = policy.winback.touch_months[-1]
    lost = [
        r
        for r in session.scalars(select(WinLossRecord).where(WinLossRecord.outcome == "churned"))
        if churn_date(r.renewal_date, r.closed_on) <= as_of
        and add_months(churn_date(r.renewal_date, r.closed_on), 2 * formal) >= as_of
    ]
    accounts = sorted({r.account_id for r in lost})
    people: dict[str, list[tuple[str, date | None, date | None]]] = defaultdict(list)
    contacts: dict[str, list[date]] = defaultdict(list)
    for start in range(0, len(accounts), 500):
        chunk = accounts[start : start + 500]
        for account, role, started, left in session.execute(
            select(Stakeholder.account_id, Stakeholder.role, Stakeholder.started_at, Stakeholder.left_at)
            .where(Stakeholder.account_id.in_(chunk))
        ):  # fmt: skip
            people[account].append((role, started, left))
        for account, at in session.execute(
            select(Interaction.account_id, Interaction.occurred_at).where(
                Interaction.account_id.in_(chunk), Interaction.status.in_(CONTACT)
            )
        ):
            contacts[account].append(at.date())
    out = []
    for r in lost:
        churned = churn_date(r.renewal_date, r.closed_on)
        found = detect(
            churned_on=churned,
            as_of=as_of,
            stakeholders=people.get(r.account_id, []),
            contacts=contacts.get(r.account_id, []),
            formal_months=formal,
        )
        out.append(Triggers(r.account_id, r.contract_id, churned, r.reason_category, tuple(found)))
    return sorted(out, key=lambda t: (-len(t.found), t.churned_on))
