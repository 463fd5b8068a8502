"""Dashboards computed once per (user, day, parameters) and kept until the data changes
(issue 23, web/cache.py): the data version moves with every commit that writes business
data, from any process, and never with sign-ins."""

from __future__ import annotations

import pickle
import zlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select, update

from renewals.db import SharedFigure, data_version, session_scope
from renewals.kit.figures import MISSING, FigureStore
from renewals.kit.time import utc_now
from renewals.policy.service import load as load_policy
from renewals.user import auth
from renewals.user.models import User, WebSession
from renewals.web.cache import PageCache


def test_data_version_moves_with_business_writes_only(engine: Engine) -> None:
    with session_scope(engine) as session:
        start = data_version(session)
    with session_scope(engine) as session:
        session.add(User(email="ann@vendor.example", name="Ann", role="csm"))
    with session_scope(engine) as session:
        after_insert = data_version(session)
        session.get(User, "ann@vendor.example").name = "Ann B"  # type: ignore[union-attr]
    with session_scope(engine) as session:
        after_update = data_version(session)
        session.execute(update(User).values(active=True))  # a bulk statement counts too
    with session_scope(engine) as session:
        after_bulk = data_version(session)
        now = utc_now()
        session.add(
            WebSession(
                id_hash="x" * 64,
                user_email="ann@vendor.example",
                csrf_token="t",
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=1),
            )
        )
    with session_scope(engine) as session:
        after_sign_in = data_version(session)
    assert start < after_insert < after_update < after_bulk
    assert after_sign_in == after_bulk  # a session row changes no page's figures
    try:
        with session_scope(engine) as session:
            session.add(User(email="bob@vendor.example", name="Bob", role="csm"))
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    with session_scope(engine) as session:
        assert data_version(session) == after_bulk  # nothing committed, nothing moved


def test_signing_in_or_failing_to_moves_no_page(engine: Engine) -> None:
    """auth.login writes the user's row (failed_logins, a lock, a rehashed password) and a
    failed sign-in counts a failure: none of it is data a page shows, so a team signing in on
    Monday morning does not make every dashboard be computed again once per person."""
    policy = load_policy().web
    with session_scope(engine) as session:
        user = User(email="cara@vendor.example", name="Cara", role="manager")
        session.add(user)
        auth.set_password(session, user, "a long enough password", actor="test")
    with session_scope(engine) as session:
        start = data_version(session)
    with session_scope(engine) as session, pytest.raises(auth.LoginFailed):
        auth.login(session, "cara@vendor.example", "wrong", now=utc_now(), policy=policy)
    with session_scope(engine) as session:
        assert session.get(User, "cara@vendor.example").failed_logins == 1  # type: ignore[union-attr]
        auth.login(
            session, "cara@vendor.example", "a long enough password", now=utc_now(), policy=policy
        )
    with session_scope(engine) as session:
        assert data_version(session) == start
        session.get(User, "cara@vendor.example").role = "director"  # type: ignore[union-attr]
    with session_scope(engine) as session:
        assert data_version(session) == start + 1  # a role is what pages are computed from


def test_kept_until_the_data_changes_or_the_time_runs_out(engine: Engine) -> None:
    cache = PageCache(seconds=3600)
    calls: list[int] = []

    def compute(session):  # type: ignore[no-untyped-def]
        def run() -> int:
            calls.append(1)
            return len(list(session.scalars(select(User.email))))

        return run

    with session_scope(engine) as session:
        assert cache.get(session, ("home", "ann"), compute(session)) == 0
        assert cache.get(session, ("home", "ann"), compute(session)) == 0
        assert cache.get(session, ("home", "bob"), compute(session)) == 0
    assert len(calls) == 2 and cache.stats.hits == 1
    with session_scope(engine) as session:
        session.add(User(email="ann@vendor.example", name="Ann", role="csm"))
    with session_scope(engine) as session:
        assert cache.get(session, ("home", "ann"), compute(session)) == 1  # recomputed
    assert len(calls) == 3

    expired = PageCache(seconds=0.000001)
    with session_scope(engine) as session:
        expired.get(session, "k", compute(session))
        expired.get(session, "k", compute(session))
    assert len(calls) == 5

    off = PageCache(seconds=0)
    with session_scope(engine) as session:
        off.get(session, "k", compute(session))
        off.get(session, "k", compute(session))
    assert len(calls) == 7


def _store(secret: str = "s3cret", context: str = "policy-a") -> FigureStore:
    return FigureStore(secret, context=context)


def test_book_figures_are_computed_once_for_every_process(engine: Engine) -> None:
    """Issue 23: a figure one process computed is read, not computed, by the next process
    (a second PageCache), for the same data version only."""
    first, second = PageCache(3600, store=_store()), PageCache(3600, store=_store())
    calls: list[str] = []

    def compute(who: str):  # type: ignore[no-untyped-def]
        def run() -> dict[str, object]:
            calls.append(who)
            return {"figure": Decimal("12.50"), "day": date(2026, 12, 6), "who": who}

        return run

    key = ("forecast", date(2026, 12, 6), "owner", 90)
    with session_scope(engine) as session:
        assert first.get(session, key, compute("first"), shared=True)["who"] == "first"
    with session_scope(engine) as session:
        found = second.get(session, key, compute("second"), shared=True)
    assert found == {"figure": Decimal("12.50"), "day": date(2026, 12, 6), "who": "first"}
    assert calls == ["first"] and second.stats.shared_hits == 1 and second.stats.misses == 0
    # A page's own (per-user) entry is never shared.
    with session_scope(engine) as session:
        second.get(session, ("home", "ann"), compute("second"))
        first.get(session, ("home", "ann"), compute("first"))
    assert calls == ["first", "second", "first"]

    with session_scope(engine) as session:  # a person's action: the stored figure is stale
        session.add(User(email="ann@vendor.example", name="Ann", role="csm"))
    third = PageCache(3600, store=_store())
    with session_scope(engine) as session:
        assert third.get(session, key, compute("third"), shared=True)["who"] == "third"
    # Another policy never reads this one's figures.
    other = PageCache(3600, store=_store(context="policy-b"))
    with session_scope(engine) as session:
        assert other.get(session, key, compute("other"), shared=True)["who"] == "other"
    assert calls[-2:] == ["third", "other"]


def test_a_stored_figure_is_read_only_with_this_applications_signature(engine: Engine) -> None:
    """The stored value is a pickle: one written by anything but this application (another
    secret, or changed bytes) is ignored, never unpickled."""
    key = ("winloss", date(2026, 12, 6))
    with session_scope(engine) as session:
        version = data_version(session)
        assert _store().write(session, key, version, [1, 2, 3])
    with session_scope(engine) as session:
        assert _store().read(session, key, version) == [1, 2, 3]
        assert _store(secret="another").read(session, key, version) is MISSING
        assert _store().read(session, key, version + 1) is MISSING

    class Boom:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (pytest.fail, ("a forged figure was unpickled",))

    forged = pickle.dumps(Boom())
    with session_scope(engine) as session:
        row = session.get(SharedFigure, _store().row_key(key))
        assert row is not None
        row.value = bytes(row.value)[:32] + zlib.compress(forged, 1)
    with session_scope(engine) as session:
        assert _store().read(session, key, version) is MISSING
