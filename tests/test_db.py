"""renewals.db.update_rows: rows by primary key in few statements, the same rows as the
executemany UPDATE it replaces (issue 20, PostgreSQL parity)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from factories import TODAY, add_renewal
from sqlalchemy import Engine, event, select, update

from renewals import db
from renewals.db import session_scope, update_rows
from renewals.health.models import HealthSnapshot
from renewals.renewal.models import Renewal


@contextmanager
def updates(engine: Engine) -> Iterator[list[str]]:
    """The UPDATE statements sent to the database while the block runs (one per
    executemany or statement, as the driver receives them)."""
    sent: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _renewals(engine: Engine, n: int) -> list[str]:
    with session_scope(engine) as session:
        return [add_renewal(session, f"acct-{i:03d}") for i in range(n)]


def _shapes(ids: list[str]) -> list[dict[str, Any]]:
    """Changed renewals as the sync writes them: alternating between three shapes, with
    JSON, numbers, dates and NULLs."""
    rows: list[dict[str, Any]] = []
    for i, renewal_id in enumerate(ids):
        row: dict[str, Any] = {"renewal_id": renewal_id, "updated_on": TODAY + timedelta(days=1)}
        if i % 3 == 0:
            row |= {"health_score": 40.5 + i, "decisions": {"owner": {"email": None, "n": i}}}
        elif i % 3 == 1:
            # JSON's null, not SQL's NULL (the column is NOT NULL), as the ORM writes None
            signals = None if i == 4 else []
            row |= {"decisions": {"why": ["SEG-1", f"row {i}"]}, "signals": signals}
        else:
            row |= {"target_arr": Decimal(f"{1000 + i}.25"), "health_score": None, "stage": "x"}
        rows.append(row)
    return rows


STORED = (
    Renewal.renewal_id,
    Renewal.health_score,
    Renewal.decisions,
    Renewal.signals,
    Renewal.target_arr,
    Renewal.stage,
    Renewal.updated_on,
)


def _stored(engine: Engine) -> list[tuple[Any, ...]]:
    with session_scope(engine) as session:
        query = select(*STORED).order_by(Renewal.renewal_id)
        return [tuple(row) for row in session.execute(query)]


def test_update_rows_writes_what_the_orms_executemany_writes(engine: Engine) -> None:
    ids = _renewals(engine, 60)
    with session_scope(engine) as session:
        session.execute(update(Renewal), _shapes(ids[:30]))  # the ORM's bulk UPDATE
        assert update_rows(session, Renewal, _shapes(ids[30:])) == 30
    stored = _stored(engine)
    assert [r[1:] for r in stored[:30]] == [r[1:] for r in stored[30:]]
    assert {r[5] for r in stored} == {"engagement", "x"}
    assert stored[0][1:3] == (40.5, {"owner": {"email": None, "n": 0}})


def test_update_rows_sends_one_statement_per_shape_not_per_run(engine: Engine) -> None:
    """The ORM's bulk UPDATE batches runs of rows that set the same columns: 30 rows
    alternating between three shapes went out as 30 statements."""
    rows = _shapes(_renewals(engine, 30))
    with session_scope(engine) as session, updates(engine) as sent:
        update_rows(session, Renewal, rows)
    assert len(sent) == 3


def test_update_rows_on_a_connection_and_a_composite_key(engine: Engine) -> None:
    """Below the ORM (the signal steps write through `session.connection()`), with a
    primary key of two columns, and a statement per chunk of rows on PostgreSQL."""
    day = date(2026, 12, 8)
    with session_scope(engine) as session:
        for i, _renewal_id in enumerate(_renewals(engine, 5)):
            for as_of in (day, day - timedelta(days=1)):
                session.add(
                    HealthSnapshot(
                        account_id=f"acct-{i:03d}",
                        as_of=as_of,
                        segment="smb",
                        category="green",
                        trend="flat",
                        components=[],
                        drivers=[],
                        missing=[],
                        reasons=[],
                        features={},
                    )
                )
    rows = [
        {"account_id": f"acct-{i:03d}", "as_of": day, "risk": "watch", "risk_reasons": [f"r{i}"]}
        for i in range(5)
    ]
    with session_scope(engine) as session, updates(engine) as sent:
        update_rows(session.connection(), HealthSnapshot, rows)
    assert len(sent) == 1
    with session_scope(engine) as session:
        stored = session.execute(
            select(HealthSnapshot.account_id, HealthSnapshot.as_of, HealthSnapshot.risk)
            .add_columns(HealthSnapshot.risk_reasons)
            .order_by(HealthSnapshot.account_id, HealthSnapshot.as_of)
        ).all()
    assert [tuple(r) for r in stored] == [
        (f"acct-{i:03d}", on, risk, why)
        for i in range(5)
        for on, risk, why in ((day - timedelta(days=1), None, None), (day, "watch", [f"r{i}"]))
    ]


def test_update_rows_chunks_on_postgresql(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _shapes(_renewals(engine, 9))[0::3]  # one shape, 3 rows
    monkeypatch.setattr(db, "UPDATE_ROWS_PER_STATEMENT", 2)
    with session_scope(engine) as session, updates(engine) as sent:
        update_rows(session, Renewal, rows)
    assert len(sent) == (2 if engine.dialect.name == "postgresql" else 1)
    assert [r[1] for r in _stored(engine)][0::3] == [40.5, 43.5, 46.5]


def test_update_rows_refuses_a_key_given_twice_in_different_shapes(engine: Engine) -> None:
    (renewal_id,) = _renewals(engine, 1)
    rows = [
        {"renewal_id": renewal_id, "stage": "a"},
        {"renewal_id": renewal_id, "stage": "b", "health_score": 1.0},
    ]
    with session_scope(engine) as session, pytest.raises(ValueError, match="given twice"):
        update_rows(session, Renewal, rows)
