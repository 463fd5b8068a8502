"""Warehouse sources through Ibis (issue 19, partial): usage events from a DuckDB or
PostgreSQL table with CRM-style column names, synced incrementally by a high-water mark;
unknown accounts quarantined; a second sync reads only the new rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from sqlalchemy import Engine, text

from renewals.account.models import Account
from renewals.db import session_scope
from renewals.source import service, warehouse
from renewals.usage import repository as usage_repository

T0 = datetime(2026, 11, 1, 9, 0)
COLUMNS = {
    "account_id": "AccountId",
    "user_id": "UserId",
    "event": "EventName",
    "feature": "Feature__c",
    "timestamp": "CreatedDate",
}


def _rows(start: int, count: int, account: str = "acme") -> list[tuple[object, ...]]:
    return [
        (account, f"u{i % 7}", "report_run", "reports", T0 + timedelta(minutes=i))
        for i in range(start, start + count)
    ]


class Warehouse:
    """A DuckDB file (beside SQLite) or the PostgreSQL test database (beside PostgreSQL)."""

    def __init__(self, engine: Engine, tmp_path: Path) -> None:
        self.engine = engine
        if engine.dialect.name == "postgresql":
            self.url = engine.url.render_as_string(hide_password=False).replace(
                "postgresql+psycopg://", "postgres://"
            )
        else:
            self.path = tmp_path / "warehouse.duckdb"
            self.url = f"duckdb://{self.path}"
        ddl = (
            'CREATE TABLE product_events ("AccountId" VARCHAR, "UserId" VARCHAR, '
            '"EventName" VARCHAR, "Feature__c" VARCHAR, "CreatedDate" TIMESTAMP)'
        )
        self._run([ddl], [])

    def _run(self, statements: list[str], rows: list[tuple[object, ...]]) -> None:
        insert = "INSERT INTO product_events VALUES ({})"
        if self.engine.dialect.name == "postgresql":
            with self.engine.begin() as conn:
                for s in statements:
                    conn.execute(text(s))
                for r in rows:
                    conn.execute(
                        text(insert.format(", ".join(f":p{i}" for i in range(5)))),
                        {f"p{i}": v for i, v in enumerate(r)},
                    )
            return
        con = duckdb.connect(str(self.path))
        try:
            for s in statements:
                con.execute(s)
            if rows:
                con.executemany(insert.format(", ".join("?" * 5)), rows)
        finally:
            con.close()

    def add(self, rows: list[tuple[object, ...]]) -> None:
        self._run([], rows)


def _stored(data_dir: Path) -> int:
    parts = [str(p) for p in usage_repository.events_dir(data_dir).glob("part-sync-*.parquet")]
    if not parts:
        return 0
    con = usage_repository.connect(data_dir, "1GB")
    try:
        row = con.execute(f"SELECT count(*) FROM read_parquet({parts})").fetchone()
    finally:
        con.close()
    return int(row[0]) if row else 0


def test_incremental_sync_reads_only_new_rows(engine: Engine, tmp_path: Path) -> None:
    wh = Warehouse(engine, tmp_path)
    wh.add(_rows(0, 500))
    data = tmp_path / "data"
    with session_scope(engine) as session:
        session.add(Account(account_id="acme", name="Acme"))
        service.add(
            session,
            "crm",
            kind="warehouse",
            by="test",
            config=warehouse.config_for(wh.url, "product_events", COLUMNS),
        )
    first = warehouse.sync(engine, "crm", data)
    assert (first.read, first.stored, first.quarantined) == (500, 500, 0)
    assert first.high_water == (T0 + timedelta(minutes=499)).replace(tzinfo=UTC).isoformat()
    wh.add(_rows(500, 40) + _rows(540, 3, account="ghost"))
    second = warehouse.sync(engine, "crm", data)
    assert (second.read, second.stored, second.quarantined) == (43, 40, 3)
    assert warehouse.sync(engine, "crm", data).read == 0
    assert _stored(data) == 540
    assert service.quarantine(data).by_account == [("ghost", 3)]


def test_a_missing_column_is_named(engine: Engine, tmp_path: Path) -> None:
    wh = Warehouse(engine, tmp_path)
    with session_scope(engine) as session:
        service.add(
            session,
            "crm",
            kind="warehouse",
            by="test",
            config=warehouse.config_for(
                wh.url, "product_events", {**COLUMNS, "timestamp": "EventTime"}
            ),
        )
    try:
        warehouse.sync(engine, "crm", tmp_path / "data")
    except Exception as exc:  # RenewalsError
        assert "EventTime" in str(exc) and "CreatedDate" in str(exc)
    else:
        raise AssertionError("a missing column passed")
