"""The tests' shared factories: plain functions that write small books in the canonical
import format, and that add rows (users, accounts with a contract and its renewal) straight
to a session, for tests that need a handful of records rather than an imported book.

Personas: acme (enterprise, healthy), globex (mid-market, at risk), initech (SMB, auto-renew).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from renewals.account.models import Account
from renewals.contract.models import Contract
from renewals.health.models import HealthSnapshot
from renewals.renewal.models import Renewal
from renewals.user.models import User

TODAY = date(2026, 11, 24)  # the tests' "today" (conftest.TODAY)

USERS = [
    {"email": "vera@renewals.example", "name": "Vera VP", "role": "vp", "manager_email": ""},
    {
        "email": "mia@renewals.example",
        "name": "Mia Manager",
        "role": "manager",
        "manager_email": "vera@renewals.example",
    },
    {
        "email": "carl@renewals.example",
        "name": "Carl CSM",
        "role": "csm",
        "manager_email": "mia@renewals.example",
    },
]

ACCOUNTS = [
    {
        "account_id": "acme",
        "name": "Acme Corp",
        "industry": "Manufacturing",
        "owner_email": "carl@renewals.example",
        "fiscal_year_start_month": "1",
        "strategic": "true",
        "customer_since": "2021-03-01",
        "segment_override": "",
        "segment_override_reason": "",
        "language": "en",
    },
    {
        "account_id": "globex",
        "name": "Globex GmbH",
        "industry": "Logistics",
        "owner_email": "carl@renewals.example",
        "fiscal_year_start_month": "7",
        "strategic": "no",
        "customer_since": "2022-06-15",
        "segment_override": "",
        "segment_override_reason": "",
        "language": "de",
    },
    {
        "account_id": "initech",
        "name": "Initech",
        "industry": "Software",
        "owner_email": "carl@renewals.example",
        "fiscal_year_start_month": "1",
        "strategic": "0",
        "customer_since": "2024-01-10",
        "segment_override": "",
        "segment_override_reason": "",
        "language": "en",
    },
]

CONTRACTS = [
    {
        "contract_id": "acme-2025",
        "account_id": "acme",
        "start_date": "2025-01-01",
        "end_date": "2026-01-01",
        "arr": "180000",
        "currency": "USD",
        "seats": "300",
        "term_months": "12",
        "auto_renew": "false",
        "payment_on_file": "false",
        "outcome": "expanded",
        "outcome_arr": "200000",
        "closed_at": "2025-12-15",
        "close_reason": "added seats",
        "competitor": "",
    },
    {
        "contract_id": "acme-2026",
        "account_id": "acme",
        "start_date": "2026-01-01",
        "end_date": "2027-01-01",
        "arr": "200000",
        "currency": "USD",
        "seats": "330",
        "term_months": "12",
        "auto_renew": "false",
        "payment_on_file": "false",
        "outcome": "",
        "outcome_arr": "",
        "closed_at": "",
        "close_reason": "",
        "competitor": "",
    },
    {
        "contract_id": "globex-2026",
        "account_id": "globex",
        "start_date": "2026-04-01",
        "end_date": "2027-04-01",
        "arr": "42000",
        "currency": "EUR",
        "seats": "60",
        "term_months": "12",
        "auto_renew": "false",
        "payment_on_file": "false",
        "outcome": "",
        "outcome_arr": "",
        "closed_at": "",
        "close_reason": "",
        "competitor": "",
    },
    {
        "contract_id": "initech-2026",
        "account_id": "initech",
        "start_date": "2026-02-01",
        "end_date": "2027-02-01",
        "arr": "6000",
        "currency": "USD",
        "seats": "8",
        "term_months": "12",
        "auto_renew": "yes",
        "payment_on_file": "1",
        "outcome": "",
        "outcome_arr": "",
        "closed_at": "",
        "close_reason": "",
        "competitor": "",
    },
]

TICKETS = [
    {
        "ticket_id": "t1",
        "account_id": "globex",
        "opened_at": "2026-10-01T09:00:00",
        "closed_at": "2026-10-03 10:00:00",
        "priority": "high",
        "subject": "Export fails",
        "body": "Wir müssen Kosten senken.\nBitte um Rückruf.",
        "satisfaction": "2",
    },
    {
        "ticket_id": "t2",
        "account_id": "globex",
        "opened_at": "2026-10-20T09:00:00Z",
        "closed_at": "",
        "priority": "urgent",
        "subject": "Export fails",
        "body": "Again.",
        "satisfaction": "",
    },
]

SURVEYS = [
    {
        "response_id": "s1",
        "account_id": "acme",
        "kind": "nps",
        "score": "9",
        "comment": "Great",
        "responded_at": "2026-09-01T12:00:00",
    },
    {
        "response_id": "s2",
        "account_id": "globex",
        "kind": "csat",
        "score": "2",
        "comment": "Slow",
        "responded_at": "2026-10-04T12:00:00",
    },
]

INTERACTIONS = [
    {
        "interaction_id": "i1",
        "account_id": "globex",
        "kind": "qbr",
        "occurred_at": "2026-09-15T14:00:00",
        "status": "cancelled",
        "response_hours": "",
        "text": "QBR abgesagt",
        "author_email": "carl@renewals.example",
    },
    {
        "interaction_id": "i2",
        "account_id": "acme",
        "kind": "email",
        "occurred_at": "2026-10-02T08:00:00",
        "status": "replied",
        "response_hours": "2.5",
        "text": "",
        "author_email": "carl@renewals.example",
    },
]

STAKEHOLDERS = [
    {
        "stakeholder_id": "p1",
        "account_id": "acme",
        "name": "Ann Champion",
        "email": "ann@acme.example",
        "role": "champion",
        "started_at": "2021-03-01",
        "left_at": "",
        "last_engaged_at": "2026-11-01",
    },
    {
        "stakeholder_id": "p2",
        "account_id": "globex",
        "name": "Gert Käufer",
        "email": "gert@globex.example",
        "role": "economic_buyer",
        "started_at": "2022-06-15",
        "left_at": "2026-09-30",
        "last_engaged_at": "2026-08-01",
    },
]

GOALS = [
    {
        "goal_id": "g1",
        "account_id": "acme",
        "description": "Cut reporting time by half",
        "due_date": "2026-12-31",
        "status": "on_track",
    },
]

EVENTS = [
    ("acme", "acme-u1", "login", "", "2026-11-01T09:00:00"),
    ("acme", "acme-u1", "create_dashboard", "dashboards", "2026-11-01T09:05:00"),
    ("acme", "acme-u2", "run_automation", "automation", "2026-11-02T10:00:00"),
    ("globex", "globex-u1", "login", "", "2026-10-01T09:00:00"),
    ("initech", "initech-u1", "export_data", "data_export", "2026-11-20T16:30:00"),
]


def write_csv(
    path: Path, rows: Iterable[Mapping[str, Any]], columns: list[str] | None = None
) -> Path:
    rows = list(rows)
    columns = columns or list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_events_csv(path: Path, events: Iterable[tuple[str, ...]] = EVENTS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_id", "user_id", "event", "feature", "timestamp"])
        writer.writerows(events)
    return path


def write_events_parquet(path: Path, events: Iterable[tuple[str, ...]] = EVENTS) -> Path:
    cols = list(zip(*events, strict=True))
    table = pa.table(
        {
            "account_id": pa.array(cols[0]),
            "user_id": pa.array(cols[1]),
            "event": pa.array(cols[2]),
            "feature": pa.array([c or None for c in cols[3]]),
            "timestamp": pa.array(cols[4]).cast(pa.timestamp("us")),
        }
    )
    pq.write_table(table, path)
    return path


def write_fx_rates(path: Path, rates: dict[str, float] | None = None) -> Path:
    """fx_rates.csv for the personas' currencies (globex is in EUR; the signing test bills in
    MYR): USD per unit, every 7 days from 2020 to 2030, so that any day has a rate at most 6
    days old (issue 19)."""
    rates = rates or {"EUR": 1.10, "GBP": 1.25, "MYR": 0.22}
    day, end = date(2020, 1, 1), date(2031, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("date,currency,rate\n")
        while day < end:
            for currency, rate in rates.items():
                handle.write(f"{day.isoformat()},{currency},{rate}\n")
            day += timedelta(days=7)
    return path


def write_book(directory: Path, *, events: str = "csv", **overrides: list[dict[str, Any]]) -> Path:
    """The three personas in every file; pass e.g. `contracts=[...]` to replace a file's rows."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "users": USERS,
        "accounts": ACCOUNTS,
        "contracts": CONTRACTS,
        "tickets": TICKETS,
        "surveys": SURVEYS,
        "interactions": INTERACTIONS,
        "stakeholders": STAKEHOLDERS,
        "goals": GOALS,
    }
    for stem, rows in files.items():
        chosen = overrides.get(stem, rows)
        write_csv(directory / f"{stem}.csv", chosen, list(rows[0]))
    write_fx_rates(directory / "fx_rates.csv")
    if events == "csv":
        write_events_csv(directory / "usage_events.csv")
    elif events == "parquet":
        write_events_parquet(directory / "usage_events.parquet")
    return directory


# ---------------------------------------------------------------- rows in a session


@functools.cache
def _password_hash(password: str) -> str:
    from renewals.user import auth

    return auth.hash_password(password)


def set_password(session: Session, user: User, password: str) -> None:
    """Give `user` `password` (`auth.set_password`, by "test"), hashed once per process
    for all the users the tests give the same password: an argon2 hash costs 0.1 s idle
    and up to 1 s on the busy CI machine. Signing in still verifies it as production
    does; tests/user/test_auth.py checks the hashing itself."""
    from renewals.user import auth

    auth.set_password(session, user, password, actor="test", password_hash=_password_hash(password))


def add_user(
    session: Session,
    email: str,
    role: str = "csm",
    manager: str | None = None,
    *,
    name: str | None = None,
    active: bool = True,
) -> User:
    """A user (no password: tests/web/conftest.py's `add_user` fixture sets one)."""
    user = User(
        email=email,
        name=name or email.split("@")[0].title(),
        role=role,
        manager_email=manager,
        active=active,
    )
    session.add(user)
    return user


def add_renewal(
    session: Session,
    account_id: str,
    *,
    renewal_date: date = TODAY + timedelta(days=60),
    arr: str = "42000",
    owner: str | None = None,
    contract_id: str | None = None,
    renewal_id: str | None = None,
    account: Mapping[str, Any] | None = None,
    contract: Mapping[str, Any] | None = None,
    **renewal: Any,
) -> str:
    """An account (added once), a one-year contract ending on `renewal_date` and its
    renewal; returns the renewal id. `account`, `contract` and the keywords override the
    rows' fields (the renewal's defaults: an at-risk mid-market renewal in engagement)."""
    if session.get(Account, account_id) is None:
        session.add(
            Account(
                **{
                    "account_id": account_id,
                    "name": account_id.title(),
                    "owner_email": owner,
                    **(account or {}),
                }
            )
        )
    contract_id = contract_id or f"{account_id}-c"
    renewal_id = renewal_id or f"R-{contract_id}"
    session.add(
        Contract(
            **{
                "contract_id": contract_id,
                "account_id": account_id,
                "start_date": renewal_date - timedelta(days=365),
                "end_date": renewal_date,
                "arr": Decimal(arr),
                **(contract or {}),
            }
        )
    )
    values: dict[str, Any] = {
        "renewal_id": renewal_id,
        "contract_id": contract_id,
        "account_id": account_id,
        "renewal_date": renewal_date,
        "currency": "USD",
        "current_arr": Decimal(arr),
        "target_arr": Decimal(arr),
        "segment": "mid_market",
        "opportunity_type": "at_risk",
        "touch_model": "assisted",
        "motion": "reinforce",
        "owner_role": "csm",
        "owner_email": owner,
        "stage": "engagement",
        "stage_since": TODAY,
        "signals": [],
        "decisions": {},
        "created_on": TODAY,
        "updated_on": TODAY,
    }
    session.add(Renewal(**{**values, **renewal}))
    return renewal_id


def add_health_snapshot(session: Session, account_id: str, as_of: date, **fields: Any) -> None:
    """A stored health snapshot of an existing account on `as_of` (a yellow 50 with no
    components, drivers or reasons); the keywords override its columns."""
    session.add(
        HealthSnapshot(
            **{
                "account_id": account_id,
                "as_of": as_of,
                "segment": "smb",
                "score": 50.0,
                "category": "yellow",
                "warning": False,
                "trend": "flat",
                "components": [],
                "drivers": [],
                "missing": [],
                "reasons": [],
                "features": {},
                **fields,
            }
        )
    )
