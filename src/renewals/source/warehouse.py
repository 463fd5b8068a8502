"""Usage events from a warehouse or database table through Ibis, synced incrementally.

A `warehouse` source names an Ibis connection (`duckdb:///path.db`,
`postgres://user@host/db`, `bigquery://project/dataset`, ...), a table or view, and which
of its columns are the usage columns (account_id, user_id, event, feature, timestamp). Each
sync reads only rows whose timestamp is past the stored high-water mark (minus nothing:
rows must arrive in time order per table, see docs/sources.md), in the warehouse, and:

1. writes the rows of known accounts as a staged Parquet part, the others to the
   quarantine (unknown account), both staged;
2. commits the new high-water mark together with the names of the staged parts;
3. renames the parts into place and clears the pending names.

A sync stopped after step 2 finishes step 3 the next time; before it, the staged files are
discarded and the same rows are read again. Nothing is stored twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from renewals.account.models import Account
from renewals.db import session_scope
from renewals.errors import RenewalsError
from renewals.kit.i18n import Text
from renewals.kit.time import as_utc, utc_now
from renewals.source import service
from renewals.source.entities import EntitySyncReport, no_columns, sync_entities, unreadable
from renewals.source.models import Source
from renewals.usage import repository as usage_repository

USAGE_COLUMNS = ("account_id", "user_id", "event", "feature", "timestamp")


@dataclass
class SyncReport:
    source: str
    read: int = 0
    stored: int = 0
    quarantined: int = 0
    high_water: str | None = None
    seconds: float = 0.0
    entities: EntitySyncReport | None = None  # accounts, contracts, ... (source/entities.py)

    def summary(self) -> str:
        events = Text(
            "{source}: {read:,} new rows read, {stored:,} events stored, {quarantined:,} "
            "quarantined; high-water mark {mark} ({seconds:.1f} s)",
            source=self.source,
            read=self.read,
            stored=self.stored,
            quarantined=self.quarantined,
            mark=str(self.high_water or "none"),
            seconds=self.seconds,
        )
        if not self.entities:
            return events
        return Text("{entities}\n{events}", entities=self.entities.summary(), events=events)


def config_for(
    url: str,
    table: str | None,
    columns: dict[str, str],
    entities: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The stored configuration of a warehouse source: its usage-event table and column
    mapping (checked), and its entity tables (`entities.entity_config`)."""
    unknown = sorted(set(columns) - set(USAGE_COLUMNS))
    if unknown:
        raise RenewalsError(
            Text(
                "--column maps usage columns ({field}); unknown: {column}",
                field=", ".join(USAGE_COLUMNS),
                column=", ".join(unknown),
            ),
            422,
        )
    if table is None and not entities:
        raise RenewalsError(Text("a warehouse source needs an events table or entity tables"), 422)
    config: dict[str, Any] = {"url": url}
    if table is not None:
        config["table"] = table
        config["columns"] = {c: columns.get(c, c) for c in USAGE_COLUMNS}
    if entities:
        config["entities"] = entities
    return config


def _finish_pending(engine: Engine, source_id: int) -> None:
    """Step 3 of a sync that stopped after its commit: put its parts in place."""
    with session_scope(engine) as session:
        source = session.get(Source, source_id)
        assert source is not None
        pending = dict(source.config or {}).get("pending") or []
        for staged, final in pending:
            if Path(staged).exists():
                Path(staged).replace(final)
        if pending:
            config = dict(source.config)
            config.pop("pending", None)
            source.config = config


def sync(engine: Engine, name: str, data_dir: Path, memory_limit: str = "2GB") -> SyncReport:
    """Read the rows past the high-water mark and store them (see the module docstring)."""
    import time

    import ibis
    import pyarrow as pa

    started = time.perf_counter()
    with session_scope(engine) as session:
        source = service.get(session, name)
        if source.kind != "warehouse":
            raise RenewalsError(
                # the kind as one types it (--kind), not a word of the language
                Text("{source} is an {key} source, not a warehouse", source=name, key=source.kind)
                if source.kind == "events"
                else Text(
                    "{source} is a {key} source, not a warehouse", source=name, key=source.kind
                ),
                422,
            )
        source_id, config = source.id, dict(source.config or {})
        marks = dict(source.high_water or {})
        mark = marks.get("events")
    _finish_pending(engine, source_id)
    report = SyncReport(name)
    if config.get("entities"):  # first: events of accounts synced now are then known
        report.entities = sync_entities(
            engine, name, source_id, config, marks, data_dir=data_dir, memory_limit=memory_limit
        )
    if not config.get("table"):
        report.seconds = time.perf_counter() - started
        return report
    with session_scope(engine) as session:
        known = set(session.scalars(select(Account.account_id)))
    try:
        con = ibis.connect(config["url"])
        table = con.table(config["table"])
    except Exception as exc:
        raise RenewalsError(unreadable(name, config["table"], exc), 502) from exc
    cols = config["columns"]
    missing = [c for c in cols.values() if c not in table.columns]
    if missing:
        raise RenewalsError(no_columns(name, config["table"], missing, table.columns), 422)
    expr = table.select(
        account_id=table[cols["account_id"]].cast("string"),
        user_id=table[cols["user_id"]].cast("string"),
        event=table[cols["event"]].cast("string"),
        feature=table[cols["feature"]].cast("string"),
        timestamp=table[cols["timestamp"]].cast("timestamp"),
    )
    if mark:
        expr = expr.filter(expr.timestamp > datetime.fromisoformat(mark).replace(tzinfo=None))
    arrow = expr.to_pyarrow()
    report.read = arrow.num_rows
    if not report.read:
        report.high_water = mark
        report.seconds = time.perf_counter() - started
        return report
    token = f"{utc_now():%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}"
    events_dir = usage_repository.events_dir(data_dir)
    quarantine_dir = service.quarantine_dir(data_dir)
    events_dir.mkdir(parents=True, exist_ok=True)
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    con_duck = usage_repository.connect(data_dir, memory_limit)
    pending: list[tuple[str, str]] = []
    try:
        con_duck.register("rows_arrow", arrow)
        con_duck.register(
            "known_arrow", pa.table({"account_id": pa.array(sorted(known), pa.string())})
        )
        con_duck.execute(
            """CREATE TEMP TABLE rows AS
               SELECT r.account_id, r.user_id, r.event, r.feature,
                      CAST(timezone('UTC', r."timestamp") AS TIMESTAMPTZ) AS "timestamp",
                      k.account_id IS NOT NULL AS known
               FROM rows_arrow r LEFT JOIN known_arrow k ON k.account_id = r.account_id"""
        )
        row = con_duck.execute('SELECT max("timestamp") FROM rows').fetchone()
        high = as_utc(row[0]) if row and row[0] else None
        for query, final in (
            (
                'SELECT account_id, user_id, event, feature, "timestamp" FROM rows WHERE known',
                events_dir / f"part-sync-{name}-{token}.parquet",
            ),
            (
                f"""SELECT CAST({source_id} AS BIGINT) AS source_id,
                           CAST(NULL AS VARCHAR) AS message_id,
                           'warehouse' AS type, user_id, account_id AS group_id, event, feature,
                           CAST("timestamp" AS VARCHAR) AS "timestamp",
                           'unknown account ' || account_id AS reason,
                           '{utc_now().isoformat()}' AS received_at, '{token}' AS batch
                    FROM rows WHERE NOT known""",
                quarantine_dir / f"q-sync-{name}-{token}.parquet",
            ),
        ):
            staged = final.with_name(f".staged-{final.name}")
            written = con_duck.execute(
                f"COPY ({query}) TO '{str(staged).replace(chr(39), chr(39) * 2)}' "
                "(FORMAT parquet, COMPRESSION zstd)"
            ).fetchone()
            count = int(written[0]) if written else 0
            if count:
                pending.append((str(staged), str(final)))
            else:
                staged.unlink(missing_ok=True)
            if final.parent == events_dir:
                report.stored = count
            else:
                report.quarantined = count
    finally:
        con_duck.close()
    report.high_water = high.isoformat() if high else mark
    with session_scope(engine) as session:  # step 2: the mark and the parts, together
        record = session.get(Source, source_id)
        assert record is not None
        record.high_water = {**(record.high_water or {}), "events": report.high_water}
        record.config = {**config, "pending": pending}
        record.last_sync_at = utc_now()
    _finish_pending(engine, source_id)
    report.seconds = time.perf_counter() - started
    return report


def sync_all(engine: Engine, data_dir: Path, memory_limit: str = "2GB") -> list[SyncReport]:
    """Sync every warehouse source that is not revoked."""
    with session_scope(engine) as session:
        names = session.scalars(
            select(Source.name).where(Source.kind == "warehouse", Source.revoked_at.is_(None))
        ).all()
    return [sync(engine, name, data_dir, memory_limit) for name in names]
