"""Accounts, contracts and the other entities from warehouse tables or views (issue 19).

A warehouse source may map tables (or SQL views) of any Ibis backend to the canonical
entities of the import format (docs/data-format.md), with their own column names, e.g. a
Salesforce `Account` (Id, Name, Industry, LastModifiedDate) or a HubSpot `deals` export
(hs_object_id, associatedcompanyid, amount, closedate, hs_lastmodifieddate). Each sync:

1. reads, per entity, only the rows whose updated-at column is at or past the entity's
   stored high-water mark (the filter runs in the warehouse; rows exactly at the mark are
   read again and found unchanged, so a row written in the same instant as the last sync
   is not missed);
2. writes them as the import format's files into a staging directory and validates them
   with the CSV import's own rules and error report (ingest.service.load): strict, so a
   bad row stops the sync and nothing is written; the report names the table, row and
   column;
3. upserts the rows (unchanged ones are not rewritten) and stores the new high-water
   marks in the same transaction, so a sync stopped anywhere reads the same rows again.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from renewals.db import session_scope
from renewals.errors import RenewalsError
from renewals.ingest import service as ingest_service
from renewals.ingest.domain import TABLE_SPECS, EntitySpec, Issue, parse_date
from renewals.kit.i18n import Text, joined
from renewals.kit.time import utc_now
from renewals.source.models import Source

SPECS: dict[str, EntitySpec] = {spec.stem: spec for spec in TABLE_SPECS}


class EntitySyncFailed(RenewalsError):
    """Rows of a warehouse table break the import format's rules; nothing was written."""

    def __init__(self, source: str, issues: list[Issue]) -> None:
        self.issues = issues
        lines: list[Text] = [
            Text(
                "{table}: row {line}, column {column}: {reason}",
                table=i.file,
                line=i.line,
                column=i.field,
                reason=i.reason,
            )
            if i.field
            else Text("{table}: row {line}: {reason}", table=i.file, line=i.line, reason=i.reason)
            for i in issues[:20]
        ]
        if len(issues) > 20:
            lines.append(Text("... and {n} more", n=len(issues) - 20))
        head = Text(
            "{source}: {n} problem(s); nothing was written (the same rows are read again at "
            "the next sync):",
            source=source,
            n=len(issues),
        )
        # one line each, read line by line in the reader's language (kit.i18n.tr)
        super().__init__(joined([head, *lines], "\n"), 422)


@dataclass
class EntityCounts:
    table: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    high_water: str | None = None


@dataclass
class EntitySyncReport:
    source: str
    entities: dict[str, EntityCounts] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        parts = [
            Text(
                "{stem} {read:,} read ({inserted:,} new, {updated:,} changed, {unchanged:,} "
                "unchanged; mark {mark})",
                stem=stem,
                read=c.read,
                inserted=c.inserted,
                updated=c.updated,
                unchanged=c.unchanged,
                mark=str(c.high_water or "none"),
            )
            for stem, c in self.entities.items()
        ]
        return Text(
            "{source}: {parts} ({seconds:.1f} s)",
            source=self.source,
            parts=joined(parts),
            seconds=self.seconds,
        )


def unreadable(source: str, table: str, exc: Exception) -> Text:
    """A table the source cannot read (the library's own explanation as it gives it)."""
    return Text(
        "{source}: cannot read {table} at the source: {error}",
        source=source,
        table=table,
        error=str(exc),
    )


def no_columns(source: str, table: str, missing: list[str], present: list[str]) -> Text:
    """A table without the columns the source's mapping names."""
    return Text(
        "{source}: {table} has no column(s) {column} (it has {field})",
        source=source,
        table=table,
        column=", ".join(missing),
        field=", ".join(present),
    )


def entity_config(
    tables: dict[str, str], columns: dict[str, dict[str, str]], updated_at: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """The stored mapping of entity tables: {stem: {table, columns, updated_at}}; checks
    that every entity, field and updated-at column is known."""
    unknown = sorted(set(tables) - set(SPECS))
    if unknown:
        raise RenewalsError(
            Text(
                "--table maps entities ({stem}) or events; unknown: {table}",
                stem=", ".join(SPECS),
                table=", ".join(unknown),
            ),
            422,
        )
    config: dict[str, dict[str, Any]] = {}
    for stem, table in tables.items():
        spec = SPECS[stem]
        mapped = columns.get(stem, {})
        bad = sorted(set(mapped) - set(spec.names))
        if bad:
            raise RenewalsError(
                Text(
                    "--column {stem}.FIELD=COLUMN: {stem} has no field(s) {field} (it has "
                    "{column})",
                    stem=stem,
                    field=", ".join(bad),
                    column=", ".join(spec.names),
                ),
                422,
            )
        if stem not in updated_at:
            raise RenewalsError(
                Text(
                    "--updated-at {stem}=COLUMN is needed: the column that tells changed rows",
                    stem=stem,
                ),
                422,
            )
        config[stem] = {"table": table, "columns": mapped, "updated_at": updated_at[stem]}
    missing = sorted(set(columns) - set(tables))
    if missing:
        raise RenewalsError(
            Text("--column names {stem} without a --table", stem=", ".join(missing)), 422
        )
    return config


def _cell(value: Any, as_date: bool) -> str:
    """A warehouse value as the import format writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if as_date else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read(
    con: Any, source: str, stem: str, entity: dict[str, Any], mark: str | None
) -> tuple[list[str], list[dict[str, Any]], str | None]:
    """The rows at or past `mark` with the canonical field names, and the new mark."""
    spec = SPECS[stem]
    try:
        table = con.table(entity["table"])
    except Exception as exc:
        raise RenewalsError(unreadable(source, entity["table"], exc), 502) from exc
    # A field is read from its mapped column, else from a column of its own name.
    names = {
        f: entity["columns"].get(f, f)
        for f in spec.names
        if entity["columns"].get(f, f) in table.columns
    }
    wanted = [*entity["columns"].values(), entity["updated_at"]]
    missing = [c for c in wanted if c not in table.columns]
    if missing:
        raise RenewalsError(no_columns(source, entity["table"], missing, table.columns), 422)
    stamp = table[entity["updated_at"]].cast("timestamp")
    expr = table.select(**{f: table[c] for f, c in names.items()}, _updated_at=stamp)
    if mark:
        expr = expr.filter(expr._updated_at >= datetime.fromisoformat(mark))
    rows = expr.order_by("_updated_at").to_pyarrow().to_pylist()
    stamps = [r.pop("_updated_at") for r in rows]
    high = max((s for s in stamps if s is not None), default=None)
    new_mark = high.replace(tzinfo=None).isoformat() if high is not None else mark
    return list(names), rows, new_mark


def _write_csv(path: Path, spec: EntitySpec, fields: list[str], rows: list[dict[str, Any]]) -> None:
    dates = {c.name for c in spec.columns if c.parse is parse_date}
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(fields)
        for row in rows:
            out.writerow([_cell(row.get(f), f in dates) for f in fields])


def sync_entities(
    engine: Engine,
    name: str,
    source_id: int,
    config: dict[str, Any],
    marks: dict[str, Any],
    *,
    data_dir: Path,
    memory_limit: str = "2GB",
) -> EntitySyncReport:
    """Read, validate and upsert the changed rows of every mapped entity table (see the
    module docstring); the marks are stored with the rows, in one transaction."""
    import ibis

    started = time.perf_counter()
    report = EntitySyncReport(name)
    try:
        con = ibis.connect(config["url"])
    except Exception as exc:
        # the library's own explanation of the failure stays as it gives it
        raise RenewalsError(
            Text("{source}: cannot connect to the source: {error}", source=name, error=str(exc)),
            502,
        ) from exc
    entities: dict[str, dict[str, Any]] = config.get("entities") or {}
    stage = Path(tempfile.mkdtemp(prefix=f"sync-{name}-"))
    try:
        new_marks: dict[str, str | None] = {}
        lines: dict[str, dict[int, str]] = {}  # file line -> the row's id, for the report
        for stem, entity in entities.items():
            spec = SPECS[stem]
            fields, rows, new_mark = _read(con, name, stem, entity, marks.get(stem))
            _write_csv(stage / f"{stem}.csv", spec, fields, rows)
            report.entities[stem] = EntityCounts(entity["table"], read=len(rows))
            new_marks[stem] = new_mark
            lines[stem] = {i + 2: str(r.get(spec.id_column)) for i, r in enumerate(rows)}
        for spec in TABLE_SPECS:  # the import's required files, empty when not mapped
            if spec.required_file and not (stage / f"{spec.stem}.csv").exists():
                _write_csv(stage / f"{spec.stem}.csv", spec, spec.required_columns, [])
        with session_scope(engine) as session:
            result = ingest_service.load(  # written in this transaction, kept only if good
                session, stage, strict=True, data_dir=data_dir, memory_limit=memory_limit
            )
            if result.issues:
                raise EntitySyncFailed(name, [_located(i, entities, lines) for i in result.issues])
            result.source = Path(f"warehouse:{name}")
            ingest_service.record(session, result, actor=f"source:{name}")
            for table_file in result.files:
                counts = report.entities.get(table_file.spec.stem)
                if counts is not None:
                    counts.inserted = table_file.inserted
                    counts.updated = table_file.updated
                    counts.unchanged = table_file.unchanged
            record = session.get(Source, source_id)
            assert record is not None
            record.high_water = {**(record.high_water or {}), **new_marks}
            record.last_sync_at = utc_now()
        for stem, mark in new_marks.items():
            report.entities[stem].high_water = mark
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report


def _located(
    issue: Issue, entities: dict[str, dict[str, Any]], lines: dict[str, dict[int, str]]
) -> Issue:
    """The import's issue about a staged file, told in the warehouse's terms: the table, the
    row's id and the table's own column name."""
    stem = issue.file.rsplit(".", 1)[0]
    entity = entities.get(stem)
    if entity is None:
        return issue
    spec = SPECS[stem]
    row_id = lines.get(stem, {}).get(issue.line)
    column = entity["columns"].get(issue.field, issue.field) if issue.field else ""
    field_name = f"{column} ({issue.field})" if column and column != issue.field else column
    reason = (
        Text(
            "{reason} ({column} {key})",
            reason=issue.reason,
            column=spec.id_column,
            key=repr(row_id),
        )
        if row_id
        else issue.reason
    )
    return Issue(entity["table"], issue.line - 1, issue.column, field_name, reason)
