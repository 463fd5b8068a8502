"""Quality figures of a team's first day on a demo book (issue 16).

Reads a database loaded by `renewals demo --no-serve` (and the demo's `_truth.csv`)
and prints what a CS team would feel on day one:

- overdue tasks (open, due before the day) in total and for the busiest CSM;
- alerts per CSM per week: signals dated in the week ending on the day, per CSM who
  owns accounts (SIG-0: an alert for half the book is not an alert); and the manager
  dashboard's alert budget (`dashboard.service.alert_noise`: fresh account x kind alerts
  of at least `dashboard.alert_min_severity`, and the share of those accounts acted on);
- the share of open renewals that are at_risk (SEG-3) and the share of the book's
  expected churned ARR they cover (ARR x the generator's hidden churn propensity);
- customer messages that could leave without a person's allowance for the account
  (TIME-5).

  RENEWALS_DATABASE_URL=sqlite:////tmp/h3/after/renewals.db \
    python benchmarks/team_day.py --truth /tmp/h3/after/demo-book/_truth.csv --as-of 2026-11-24

Prints one JSON object; `--out FILE` also writes it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from renewals.account.models import Account
from renewals.dashboard.service import alert_noise
from renewals.db import make_engine, session_scope
from renewals.outbox.models import OutboxMessage
from renewals.policy import service as policy_service
from renewals.renewal.models import Renewal
from renewals.signal.models import Signal
from renewals.task.models import Task
from renewals.user.access import Scope

OPEN = ("closed_won", "closed_lost")


def measure(url: str, truth: Path, as_of: date) -> dict[str, object]:
    propensity = {}
    with truth.open(newline="") as f:
        for row in csv.DictReader(f):
            propensity[row["account_id"]] = float(row["churn_propensity"])
    engine = make_engine(url)
    with session_scope(engine) as s:
        overdue = s.execute(
            select(Task.owner_email, func.count())
            .where(Task.status == "open", Task.due_date < as_of)
            .group_by(Task.owner_email)
        ).all()
        open_tasks = s.scalar(select(func.count()).where(Task.status == "open"))
        owner_of = dict(s.execute(select(Account.account_id, Account.owner_email)).all())
        week = s.execute(
            select(Signal.account_id, Signal.kind, Signal.source).where(
                Signal.source_date > as_of - timedelta(days=7), Signal.source_date <= as_of
            )
        ).all()
        renewals = s.execute(
            select(Renewal.account_id, Renewal.current_arr, Renewal.opportunity_type).where(
                Renewal.stage.not_in(OPEN)
            )
        ).all()
        customer = s.execute(
            select(OutboxMessage.status, OutboxMessage.facts).where(
                OutboxMessage.audience == "customer"
            )
        ).all()
        noise = alert_noise(s, Scope(True, frozenset(), True), policy_service.load(), as_of=as_of)
    csms = {o for o in owner_of.values() if o}
    per_csm = Counter(owner_of.get(a) for a, _, _ in week)
    churn_total = sum(float(arr) * propensity.get(a, 0.0) for a, arr, _ in renewals)
    at_risk = [(a, arr) for a, arr, t in renewals if t == "at_risk"]
    churn_at_risk = sum(float(arr) * propensity.get(a, 0.0) for a, arr in at_risk)
    arr_total = sum((arr for _, arr, _ in renewals), Decimal(0))
    unattended = sum(
        1
        for status, facts in customer
        if status in ("approved", "sending", "sent")
        and (facts or {}).get("approved_via") not in ("person", "permission")
    )
    return {
        "as_of": as_of.isoformat(),
        "open_renewals": len(renewals),
        "open_tasks": open_tasks,
        "overdue_tasks": sum(n for _, n in overdue),
        "overdue_tasks_busiest_owner": max((n for _, n in overdue), default=0),
        "csms_with_accounts": len(csms),
        "alerts_last_7_days": len(week),
        "alerts_per_csm_per_week": round(len(week) / max(len(csms), 1), 1),
        "alerts_busiest_csm_per_week": max(per_csm.values(), default=0),
        "dashboard_alerts_per_csm_per_week": round(
            sum(n.alerts for n in noise if n.owner in csms) / max(len(csms), 1), 1
        ),
        "dashboard_alerts_busiest_csm_per_week": max(
            (n.alerts for n in noise if n.owner in csms), default=0
        ),
        "dashboard_alert_accounts_acted_share": round(
            sum(n.acted for n in noise) / max(sum(n.accounts for n in noise), 1), 3
        ),
        "at_risk_renewals": len(at_risk),
        "at_risk_share": round(len(at_risk) / max(len(renewals), 1), 3),
        "at_risk_arr_share": round(
            float(sum((arr for _, arr in at_risk), Decimal(0)) / max(arr_total, Decimal(1))), 3
        ),
        "expected_churned_arr": round(churn_total),
        "at_risk_churned_arr_share": round(churn_at_risk / max(churn_total, 1.0), 3),
        "customer_messages": len(customer),
        "customer_messages_sendable_without_a_person": unattended,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("RENEWALS_DATABASE_URL"))
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not args.url:
        parser.error("give --url or set RENEWALS_DATABASE_URL")
    figures = measure(args.url, args.truth, args.as_of)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
