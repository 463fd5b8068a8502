"""stakeholder_map_for: rows in, the map out (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from renewals.account import service
from renewals.account.models import Account, Stakeholder
from renewals.account.stakeholders import GapKind
from renewals.db import session_scope
from renewals.errors import NotFound
from renewals.policy import service as policy_service

AS_OF = date(2026, 11, 24)
POLICY = policy_service.load()


def test_it_maps_the_account_stakeholders_with_the_policy_windows(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add_all(
            [
                Account(account_id="globex", name="Globex GmbH", language="de"),
                Account(account_id="acme", name="Acme Corp"),
            ]
        )
        session.flush()
        session.add_all(
            [
                Stakeholder(
                    stakeholder_id="g1",
                    account_id="globex",
                    name="Gerda Gruber",
                    email="gerda@globex.example",
                    role="champion",
                    left_at=date(2026, 9, 30),
                    last_engaged_at=date(2026, 9, 1),
                ),
                Stakeholder(
                    stakeholder_id="g2",
                    account_id="globex",
                    name="Bernd Berger",
                    role="user",
                    last_engaged_at=date(2026, 8, 26),  # exactly 90 days before AS_OF
                ),
                Stakeholder(
                    stakeholder_id="a1",
                    account_id="acme",
                    name="Anna Roe",
                    role="economic_buyer",
                    last_engaged_at=date(2026, 11, 20),
                ),
            ]
        )
    with session_scope(engine) as session:
        result = service.stakeholder_map_for(session, "globex", as_of=AS_OF, policy=POLICY)
    assert result.engaged_contacts == 1
    assert [e.name for e in result.by_role["user"]] == ["Bernd Berger"]
    assert result.by_role["economic_buyer"] == []  # acme's contact is not globex's
    assert result.gap_kinds == [
        GapKind.champion_gone,
        GapKind.no_economic_buyer,
        GapKind.single_threaded,
        GapKind.no_technical_buyer,
    ]


def test_an_unknown_account_is_not_found(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(NotFound):
        service.stakeholder_map_for(session, "nope", as_of=AS_OF, policy=POLICY)
