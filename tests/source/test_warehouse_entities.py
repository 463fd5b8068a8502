"""Accounts and contracts from warehouse tables (issue 19): a Salesforce-style Account table
and a HubSpot-style deals table in DuckDB (beside SQLite) or PostgreSQL (beside
PostgreSQL), synced incrementally by their last-modified columns with the CSV import's
validation and error report; the high-water marks are stored with the rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import Engine, select, text

from renewals.account.models import Account
from renewals.contract.models import Contract
from renewals.db import session_scope
from renewals.ingest.models import ImportRun
from renewals.source import service, warehouse
from renewals.source.entities import EntitySyncFailed, entity_config
from renewals.source.models import Source

T0 = datetime(2026, 11, 1, 9, 0)
ACCOUNT_DDL = (
    'CREATE TABLE sf_account ("Id" VARCHAR, "Name" VARCHAR, "Industry" VARCHAR, '
    '"Strategic__c" BOOLEAN, "LastModifiedDate" TIMESTAMP)'
)
DEALS_DDL = (
    "CREATE TABLE hubspot_deals (hs_object_id VARCHAR, associatedcompanyid VARCHAR, "
    "dealname VARCHAR, amount NUMERIC(16, 2), deal_currency_code VARCHAR, "
    "contract_start_date DATE, closedate DATE, hs_lastmodifieddate TIMESTAMP)"
)
# Salesforce Account fields; HubSpot deal properties.
ENTITIES = entity_config(
    {"accounts": "sf_account", "contracts": "hubspot_deals"},
    {
        "accounts": {
            "account_id": "Id",
            "name": "Name",
            "industry": "Industry",
            "strategic": "Strategic__c",
        },
        "contracts": {
            "contract_id": "hs_object_id",
            "account_id": "associatedcompanyid",
            "start_date": "contract_start_date",
            "end_date": "closedate",
            "arr": "amount",
            "currency": "deal_currency_code",
        },
    },
    {"accounts": "LastModifiedDate", "contracts": "hs_lastmodifieddate"},
)


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
        self.run(ACCOUNT_DDL)
        self.run(DEALS_DDL)

    def run(self, sql: str, rows: list[tuple[Any, ...]] | None = None) -> None:
        if self.engine.dialect.name == "postgresql":
            with self.engine.begin() as conn:
                if rows is None:
                    conn.execute(text(sql))
                for r in rows or []:
                    marks = ", ".join(f":p{i}" for i in range(len(r)))
                    conn.execute(text(sql.format(marks)), {f"p{i}": v for i, v in enumerate(r)})
            return
        con = duckdb.connect(str(self.path))
        try:
            if rows is None:
                con.execute(sql)
            else:
                con.executemany(sql.format(", ".join("?" * len(rows[0]))), rows)
        finally:
            con.close()

    def accounts(self, rows: list[tuple[Any, ...]]) -> None:
        self.run("INSERT INTO sf_account VALUES ({})", rows)

    def deals(self, rows: list[tuple[Any, ...]]) -> None:
        self.run("INSERT INTO hubspot_deals VALUES ({})", rows)


def _deal(i: int, account: str, amount: str, minutes: int, currency: str = "USD") -> tuple:
    return (
        f"deal-{i}",
        account,
        f"Renewal {i}",
        Decimal(amount),
        currency,
        date(2026, 2, 1),
        date(2027, 2, 1),
        T0 + timedelta(minutes=minutes),
    )


@pytest.fixture
def wh(engine: Engine, tmp_path: Path) -> Warehouse:
    wh = Warehouse(engine, tmp_path)
    wh.accounts(
        [
            ("001A", "Acme", "Software", True, T0),
            ("001B", "Globex", "Retail", False, T0 + timedelta(minutes=1)),
            ("001C", "Initech", None, None, T0 + timedelta(minutes=2)),
        ]
    )
    wh.deals(
        [
            _deal(1, "001A", "120000", 0),
            _deal(2, "001B", "50000", 1, "EUR"),
            _deal(3, "001C", "36000", 2, "GBP"),
        ]
    )
    with session_scope(engine) as session:
        service.add(
            session,
            "crm",
            kind="warehouse",
            by="test",
            config=warehouse.config_for(wh.url, None, {}, ENTITIES),
        )
    return wh


def _marks(engine: Engine) -> dict[str, Any]:
    with session_scope(engine) as session:
        source = session.scalars(select(Source).where(Source.name == "crm")).one()
        return dict(source.high_water)


def test_accounts_and_contracts_sync_incrementally(
    engine: Engine, wh: Warehouse, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = warehouse.sync(engine, "crm", data).entities
    assert first is not None
    assert {k: (c.read, c.inserted) for k, c in first.entities.items()} == {
        "accounts": (3, 3),
        "contracts": (3, 3),
    }
    assert _marks(engine) == {
        "accounts": (T0 + timedelta(minutes=2)).isoformat(),
        "contracts": (T0 + timedelta(minutes=2)).isoformat(),
    }
    with session_scope(engine) as session:
        acme = session.get(Account, "001A")
        assert acme is not None and (acme.name, acme.industry, acme.strategic) == (
            "Acme",
            "Software",
            True,
        )
        globex = session.get(Contract, "deal-2")
        assert globex is not None
        assert (globex.account_id, globex.arr, globex.currency, globex.end_date) == (
            "001B",
            Decimal("50000"),
            "EUR",
            date(2027, 2, 1),
        )
        assert session.scalars(select(ImportRun.source)).all() == ["warehouse:crm"]

    # Salesforce changes one account; HubSpot gets a new deal
    wh.run(
        'UPDATE sf_account SET "Name" = \'Acme Corp\', "LastModifiedDate" = '
        f"TIMESTAMP '{(T0 + timedelta(minutes=10)).isoformat(sep=' ')}' WHERE \"Id\" = '001A'"
    )
    wh.deals([_deal(4, "001A", "8000", 11)])
    second = warehouse.sync(engine, "crm", data).entities
    assert second is not None
    # the changed and new rows, and the one at the old mark (found unchanged)
    accounts, contracts = second.entities["accounts"], second.entities["contracts"]
    assert (accounts.read, accounts.inserted, accounts.updated, accounts.unchanged) == (2, 0, 1, 1)
    assert (contracts.read, contracts.inserted, contracts.updated, contracts.unchanged) == (
        2,
        1,
        0,
        1,
    )
    with session_scope(engine) as session:
        acme = session.get(Account, "001A")
        assert acme is not None and acme.name == "Acme Corp"
        assert session.get(Contract, "deal-4") is not None
    third = warehouse.sync(engine, "crm", data).entities
    assert third is not None
    assert {k: (c.read, c.unchanged) for k, c in third.entities.items()} == {
        "accounts": (1, 1),
        "contracts": (1, 1),
    }


def test_bad_rows_are_reported_like_the_import_and_nothing_is_written(
    engine: Engine, wh: Warehouse, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    warehouse.sync(engine, "crm", data)
    before = _marks(engine)
    wh.run(
        'UPDATE sf_account SET "Name" = \'Renamed\', "LastModifiedDate" = '
        f"TIMESTAMP '{(T0 + timedelta(minutes=20)).isoformat(sep=' ')}' WHERE \"Id\" = '001B'"
    )
    wh.deals([_deal(5, "001Z", "9000", 21), _deal(6, "001A", "-5", 22)])
    with pytest.raises(EntitySyncFailed) as caught:
        warehouse.sync(engine, "crm", data)
    message = caught.value.message
    assert "hubspot_deals: row 2, column associatedcompanyid" in message  # in updated-at order
    assert "associatedcompanyid (account_id): unknown account '001Z' (contract_id 'deal-5')" in (
        message
    )
    assert "amount (arr): must be at least 0" in message and "'deal-6'" in message
    assert _marks(engine) == before
    with session_scope(engine) as session:
        globex = session.get(Account, "001B")
        assert globex is not None and globex.name == "Globex"  # not written either
        assert session.get(Contract, "deal-5") is None


def test_the_mapping_is_checked_when_the_source_is_added() -> None:
    with pytest.raises(Exception, match="unknown: deals"):
        entity_config({"deals": "x"}, {}, {"deals": "y"})
    with pytest.raises(Exception, match="accounts has no field"):
        entity_config({"accounts": "x"}, {"accounts": {"amount": "y"}}, {"accounts": "z"})
    with pytest.raises(Exception, match="--updated-at accounts=COLUMN"):
        entity_config({"accounts": "x"}, {}, {})


def test_the_cli_adds_and_syncs_an_entity_source(
    engine: Engine, wh: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from factories import add_user
    from typer.testing import CliRunner

    from renewals.cli import app

    with session_scope(engine) as session:
        add_user(session, "root@example.com", role="admin")
    monkeypatch.setenv("RENEWALS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("RENEWALS_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    added = runner.invoke(
        app,
        [
            *("source", "add", "sf", "--kind", "warehouse", "--url", wh.url),
            *("--table", "accounts=sf_account", "--column", "accounts.account_id=Id"),
            *("--column", "accounts.name=Name", "--updated-at", "accounts=LastModifiedDate"),
            *("--by", "root@example.com"),
        ],
    )
    assert added.exit_code == 0, added.output
    synced = runner.invoke(app, ["source", "sync", "sf"])
    assert synced.exit_code == 0, synced.output
    assert "accounts 3 read (3 new, 0 changed, 0 unchanged" in synced.output
    bad = runner.invoke(
        app,
        [
            *("source", "add", "sf2", "--kind", "warehouse", "--url", wh.url),
            *("--table", "accounts=sf_account", "--by", "root@example.com"),
        ],
    )
    assert bad.exit_code == 1 and "--updated-at accounts=COLUMN" in bad.output


def test_sync_and_compact_report_in_the_language(
    engine: Engine, wh: Warehouse, tmp_path: Path
) -> None:
    """Issue 22: `renewals source sync`'s and `compact`'s report lines in de, id and ms (each
    entity's counts and mark, the events line, an empty spool); English as before."""
    from types import SimpleNamespace

    from cli_languages import cli, said_in_each_language
    from factories import add_user

    with session_scope(engine) as session:
        add_user(session, "root@example.com", role="admin")
    settings = SimpleNamespace(
        database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data"
    )
    run = cli(settings)
    run(
        *("source", "add", "sf", "--kind", "warehouse", "--url", wh.url),
        *("--table", "accounts=sf_account", "--column", "accounts.account_id=Id"),
        *("--column", "accounts.name=Name", "--updated-at", "accounts=LastModifiedDate"),
        *("--by", "root@example.com"),
    )
    first = run("source", "sync", "sf")
    assert "accounts 3 read (3 new, 0 changed, 0 unchanged; mark " in first, first
    said = said_in_each_language(
        run, [(("source", "sync", "sf"), 0), (("source", "compact"), 0)], shown=2
    )
    assert "1 gelesen (0 neu, 0 geändert, 1 unverändert; Marke 2026-" in said["de"][0]
    assert "Hochwassermarke keine" in said["de"][0], said["de"][0]
    assert "spool kosong" in said["id"][1] and "der Spool ist leer" in said["de"][1]
    assert "accounts 1 read (0 new, 0 changed, 1 unchanged; mark 2026-" in said["en"][0]
    assert said["en"][1].strip() == "the spool is empty"


def test_a_bad_source_explains_itself_in_the_language(
    engine: Engine, wh: Warehouse, tmp_path: Path
) -> None:
    """Issue 22: a warehouse source's errors in de, id and ms, names, tables and columns as
    they are: bad rows (the import's reasons, each table row and its id), a mapping that
    names an unknown entity or field, a missing --updated-at, a table without a mapped
    column, a sync of a source that is not a warehouse, a user who is not an admin."""
    from types import SimpleNamespace

    from cli_languages import cli, said_in_each_language
    from factories import add_user

    with session_scope(engine) as session:
        add_user(session, "root@example.com", role="admin")
        add_user(session, "csm@example.com", role="csm")
        service.add(session, "web", kind="events", by="test")
        service.add(
            session,
            "dwh",
            kind="warehouse",
            by="test",
            config=warehouse.config_for(wh.url, "sf_account", {}),  # no usage columns there
        )
    settings = SimpleNamespace(
        database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data"
    )
    run = cli(settings)
    run("source", "sync", "crm")
    wh.deals([_deal(5, "001Z", "9000", 21), _deal(6, "001A", "-5", 22)])
    add = ("source", "add", "sf", "--kind", "warehouse", "--url", wh.url, "--by")
    said = said_in_each_language(
        run,
        [
            (("source", "sync", "crm"), 1),
            (("source", "sync", "web"), 1),
            (("source", "sync", "dwh"), 1),
            ((*add, "root@example.com", "--table", "deals=x", "--updated-at", "deals=y"), 1),
            ((*add, "root@example.com", "--table", "accounts=sf_account"), 1),
            (
                (*add, "root@example.com", "--table", "accounts=sf_account")
                + ("--updated-at", "accounts=LastModifiedDate", "--column", "contracts.arr=x"),
                1,
            ),
            (
                (*add, "csm@example.com", "--table", "accounts=sf_account")
                + ("--updated-at", "accounts=LastModifiedDate"),
                1,
            ),
        ],
        shown=8,
    )
    english = said["en"]
    assert "crm: 2 problem(s); nothing was written" in english[0]
    assert (
        "hubspot_deals: row 2, column associatedcompanyid (account_id): unknown account "
        in (english[0])
    )
    assert "web is an events source, not a warehouse" in english[1]
    de = said["de"]
    assert "crm: 2 Problem(e); nichts wurde geschrieben" in de[0], de[0]
    assert (
        "hubspot_deals: Zeile 2, Spalte associatedcompanyid (account_id): unbekannter Kunde "
        "'001Z' (contract_id 'deal-5')" in de[0]
    ), de[0]
    assert (
        "amount (arr): muss mindestens 0 sein (erhalten: '-5.00') (contract_id 'deal-6')" in (de[0])
    ), de[0]
    assert "web ist eine Quelle der Art events, kein Warehouse" in de[1], de[1]
    assert "dwh: sf_account hat keine Spalte(n) account_id, user_id" in de[2], de[2]
    assert "unbekannt: deals" in de[3] and "wird benötigt" in de[4], de[3:5]
    assert "--column nennt contracts ohne --table" in de[5], de[5]
    assert "csm@example.com ist Customer Success Manager: nur Admins verwalten Quellen" in de[6], (
        de[6]
    )
    assert "baris 3, lajur amount (arr): mestilah sekurang-kurangnya 0" in said["ms"][0]
    assert (
        "sumber gudang data" not in said["id"][0] and "akun '001Z' tidak dikenal" in (said["id"][0])
    )
