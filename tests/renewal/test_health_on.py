"""renewal.sync reads one component of each account's health snapshot (issue 20): the
database picks the relationship score out of the stored components, and the value is the
one decoding the whole list gives, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from factories import add_health_snapshot
from sqlalchemy import Engine

from renewals.account.models import Account
from renewals.db import session_scope
from renewals.renewal import repository

DAY = date(2026, 12, 8)

COMPONENTS = {
    "a1": [  # the relationship component among others, with its measures
        {"name": "usage", "score": 83.9, "weight": 20.0, "share": 0.2, "measures": []},
        {
            "name": "relationship",
            "score": 64.7,
            "weight": 15.0,
            "share": 0.1579,
            "measures": [{"feature": "engaged_contacts", "value": 5.0, "score": 100.0}],
        },
    ],
    "a2": [{"name": "relationship", "score": None, "weight": 15.0, "share": 0.0}],  # no data
    "a3": [{"name": "usage", "score": 0.1 + 0.2, "weight": 20.0, "share": 1.0}],  # none
    "a4": [{"name": "relationship", "score": 100, "weight": 15.0}],  # an int stays an int
}


def test_the_relationship_score_is_the_stored_components_value(engine: Engine) -> None:
    with session_scope(engine) as session:
        for account_id, components in COMPONENTS.items():
            session.add(Account(account_id=account_id, name=account_id))
            session.flush()
            add_health_snapshot(
                session,
                account_id,
                DAY,
                components=components,
                reasons=["HEALTH-5: expansion opportunity: seats full"],
            )
    with session_scope(engine) as session:
        found = repository.health_on(session, DAY)
        few = repository.health_on(session, DAY, ["a1"])
    relationship = {a: h.relationship for a, h in found.items()}
    assert relationship == {"a1": 64.7, "a2": None, "a3": None, "a4": 100}
    assert type(relationship["a4"]) is int and type(relationship["a1"]) is float
    assert found["a1"].growth == ("HEALTH-5: expansion opportunity: seats full",)
    assert list(few) == ["a1"] and few["a1"].relationship == 64.7
