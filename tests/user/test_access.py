"""Who sees and changes which account (TECH-5): a CSM their own, others read-only only when
web.csm_can_read_others; a manager their team through the manager_email chain; director+ all."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from renewals.account.models import Account
from renewals.contract.models import Contract
from renewals.db import session_scope
from renewals.errors import Forbidden
from renewals.policy import service as policy_service
from renewals.renewal.models import Renewal
from renewals.user import access
from renewals.user.models import User

WEB = policy_service.load().web
READ_OTHERS = WEB.model_copy(update={"csm_can_read_others": True})
PEOPLE = [
    # email, role, manager
    ("vera", "vp", None),
    ("dora", "director", "vera"),
    ("mia", "manager", "dora"),
    ("tim", "manager", "mia"),  # a team lead under Mia: his CSMs are in Mia's team too
    ("carl", "csm", "tim"),
    ("cleo", "csm", "mia"),
    ("otto", "csm", "max"),
    ("max", "manager", "dora"),
    ("sam", "specialist", "mia"),
    ("ada", "admin", None),
    ("eve", "executive", None),
]


def _email(name: str) -> str:
    return f"{name}@example.com"


@pytest.fixture
def book(engine: Engine) -> Engine:
    """acme (Carl's), globex (Otto's), initech (Otto's account, renewal owned by Cleo)."""
    with session_scope(engine) as session:
        for name, role, manager in PEOPLE:
            session.add(
                User(
                    email=_email(name),
                    name=name.title(),
                    role=role,
                    manager_email=_email(manager) if manager else None,
                    active=True,
                )
            )
        for account_id, owner in (("acme", "carl"), ("globex", "otto"), ("initech", "otto")):
            session.add(Account(account_id=account_id, name=account_id, owner_email=_email(owner)))
        session.flush()
        session.add(
            Contract(
                contract_id="c-initech",
                account_id="initech",
                start_date=date(2025, 12, 1),
                end_date=date(2026, 12, 1),
                arr=Decimal("50000"),
            )
        )
        session.flush()
        session.add(
            Renewal(
                renewal_id="r-initech",
                contract_id="c-initech",
                account_id="initech",
                renewal_date=date(2026, 12, 1),
                current_arr=Decimal("50000"),
                target_arr=Decimal("50000"),
                segment="mid_market",
                opportunity_type="flat",
                touch_model="mid",
                motion="standard",
                owner_role="csm",
                owner_email=_email("cleo"),
                stage="engagement",
                stage_since=date(2026, 11, 1),
                created_on=date(2026, 11, 1),
                updated_on=date(2026, 11, 1),
            )
        )
    return engine


def _can(engine: Engine, name: str, account_id: str, policy=WEB) -> tuple[bool, bool]:
    with session_scope(engine) as session:
        user = session.get(User, _email(name))
        return (
            access.can_view_account(session, user, account_id, policy),
            access.can_edit_account(session, user, account_id, policy),
        )


def test_a_csm_sees_and_edits_only_their_own_accounts(book):
    assert _can(book, "carl", "acme") == (True, True)
    assert _can(book, "carl", "globex") == (False, False)
    assert _can(book, "otto", "acme") == (False, False)


def test_a_csm_reads_others_only_when_the_policy_allows_and_never_edits(book):
    assert _can(book, "carl", "globex", READ_OTHERS) == (True, False)
    assert _can(book, "sam", "acme", READ_OTHERS) == (True, False)
    assert _can(book, "sam", "acme") == (False, False)


def test_the_owner_of_an_open_renewal_works_on_its_account(book):
    assert _can(book, "cleo", "initech") == (True, True)
    assert _can(book, "otto", "initech") == (True, True)
    with session_scope(book) as session:
        session.get(Renewal, "r-initech").outcome = "renewed"
    # A closed renewal no longer gives Cleo the account.
    assert _can(book, "cleo", "initech") == (False, False)


def test_a_manager_sees_the_whole_chain_below_them_and_nothing_else(book):
    with session_scope(book) as session:
        mia = session.get(User, _email("mia"))
        assert access.team_emails(session, mia) == {
            _email(n) for n in ("mia", "tim", "carl", "cleo", "sam")
        }
    assert _can(book, "mia", "acme") == (True, True)  # Carl reports to Tim, Tim to Mia
    assert _can(book, "mia", "initech") == (True, True)  # through Cleo's renewal
    assert _can(book, "mia", "globex") == (False, False)  # Otto is in Max's team
    assert _can(book, "tim", "acme") == (True, True)
    assert _can(book, "tim", "initech") == (False, False)
    assert _can(book, "max", "globex") == (True, True)
    # csm_can_read_others is about CSMs reading; it lets a manager read too, never edit.
    assert _can(book, "max", "acme", READ_OTHERS) == (True, False)


def test_a_cycle_in_the_manager_chain_does_not_hang(book):
    with session_scope(book) as session:
        session.get(User, _email("mia")).manager_email = _email("carl")
    with session_scope(book) as session:
        team = access.team_emails(session, session.get(User, _email("mia")))
    assert _email("mia") in team and _email("carl") in team


@pytest.mark.parametrize("name", ["dora", "vera", "eve", "ada"])
def test_director_and_above_see_and_edit_every_account(book, name):
    for account_id in ("acme", "globex", "initech"):
        assert _can(book, name, account_id) == (True, True)


def test_require_view_and_edit_raise_forbidden_with_who_and_what(book):
    with session_scope(book) as session:
        carl = session.get(User, _email("carl"))
        access.require_view(session, carl, "acme", WEB)
        with pytest.raises(Forbidden, match="carl@example.com may not see account globex"):
            access.require_view(session, carl, "globex", WEB)
        access.require_view(session, carl, "globex", READ_OTHERS)
        with pytest.raises(Forbidden, match="may not change account globex"):
            access.require_edit(session, carl, "globex", READ_OTHERS)


def test_an_unknown_account_is_nobodys_but_directors(book):
    assert _can(book, "carl", "nope") == (False, False)
    assert _can(book, "mia", "nope") == (False, False)


def test_the_visible_condition_is_an_index_lookup_on_each_database(book):
    """Issue 23: TECH-5's one SQL condition is written per database so that each branch is
    an index lookup (PostgreSQL: `= ANY(ARRAY(...))`, a BitmapOr; SQLite: a plain IN), and
    it selects exactly the renewals the account-by-account check lets the user see."""
    from sqlalchemy import select
    from sqlalchemy.dialects import postgresql, sqlite

    with session_scope(book) as session:
        user = session.get(User, _email("cleo"))
        condition = access.visible(Renewal.account_id, access.scope_for(session, user, WEB))
        stmt = select(Renewal.renewal_id).where(condition)
        assert "= ANY(ARRAY(SELECT" in str(stmt.compile(dialect=postgresql.dialect()))
        assert " IN (SELECT" in str(stmt.compile(dialect=sqlite.dialect()))
        listed = set(session.scalars(stmt))
        every = session.execute(select(Renewal.renewal_id, Renewal.account_id)).all()
    expected = {renewal for renewal, account in every if _can(book, "cleo", account)[0]}
    assert listed == expected and listed
