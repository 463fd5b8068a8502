"""Import a directory in the canonical format: validate everything, then write once.

1. Read every file and parse every row, collecting all problems (file, line,
   column, reason) instead of stopping at the first.
2. Check ids (unique per file) and references (accounts, users) against the
   file and what the database already holds.
3. Strict (default): any problem and nothing is written. With a reject file:
   bad rows, and rows that depend on them, go to that file; the rest is written.
4. Upsert by id in one transaction; usage events are staged as a hidden
   Parquet part and published only after the commit.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from renewals.account.models import Account, Goal, Stakeholder
from renewals.audit import service as audit_service
from renewals.contract.models import Contract
from renewals.db import Base, session_scope
from renewals.engagement.models import Interaction, SurveyResponse, Ticket
from renewals.errors import RenewalsError
from renewals.ingest.domain import (
    TABLE_SPECS,
    USAGE_STEM,
    EntitySpec,
    Issue,
    ParsedRow,
    parse_row,
)
from renewals.ingest.models import ImportRun
from renewals.kit.spreadsheet import SafeWriter
from renewals.kit.time import utc_now
from renewals.usage import kinds as event_kinds
from renewals.usage import service as usage_service
from renewals.usage.kinds import StagedKinds
from renewals.usage.service import StagedUsage
from renewals.user.models import User

MODELS: dict[str, type[Base]] = {
    "user": User,
    "account": Account,
    "contract": Contract,
    "stakeholder": Stakeholder,
    "goal": Goal,
    "ticket": Ticket,
    "survey": SurveyResponse,
    "interaction": Interaction,
}

Progress = Callable[[str, int, int], None]
CHUNK = 1000


class ImportFailed(RenewalsError):
    """Bad rows were found; nothing was written."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        files = len({i.file for i in issues})
        super().__init__(f"{len(issues)} problem(s) in {files} file(s); nothing was imported", 422)


@dataclass
class TableFile:
    spec: EntitySpec
    path: Path
    columns: list[str] = field(default_factory=list)
    # Header name -> 1-based column number (CSV only; JSON Lines name their fields).
    positions: dict[str, int] = field(default_factory=dict)
    rows: list[ParsedRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    rejected: list[tuple[ParsedRow, list[Issue]]] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    source: Path
    files: list[TableFile]
    usage: StagedUsage | None
    warnings: list[str]
    reject_file: Path | None = None
    kinds: StagedKinds | None = None  # event_kinds.csv (issue 17)

    @property
    def issues(self) -> list[Issue]:
        found = [i for f in self.files for i in f.issues]
        if self.usage:
            found.extend(self.usage.issues)
        if self.kinds:
            found.extend(self.kinds.issues)
        return sorted(found)

    @property
    def rejected(self) -> int:
        usage = self.usage.rows_rejected if self.usage else 0
        return sum(len(f.rejected) for f in self.files) + usage

    def counts(self) -> dict[str, dict[str, int]]:
        out = {
            f.path.name: {
                "read": len(f.rows) + len(f.rejected),
                "inserted": f.inserted,
                "updated": f.updated,
                "unchanged": f.unchanged,
                "rejected": len(f.rejected),
            }
            for f in self.files
        }
        if self.usage:
            out[self.usage.source.name] = {
                "read": self.usage.rows_read,
                "inserted": self.usage.rows_new,
                "updated": 0,
                "unchanged": self.usage.rows_read - self.usage.rows_new - self.usage.rows_rejected,
                "rejected": self.usage.rows_rejected,
            }
        if self.kinds:
            n = len(self.kinds.declared)
            out[self.kinds.source.name] = {
                "read": n + len(self.kinds.issues),
                "inserted": n - self.kinds.existing,
                "updated": self.kinds.existing,
                "unchanged": 0,
                "rejected": len(self.kinds.issues),
            }
        return out


def _find(directory: Path, stem: str) -> Path | None:
    for suffix in (".csv", ".jsonl"):
        candidate = directory / f"{stem}{suffix}"
        if candidate.exists():
            return candidate
    return None


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, str] | Issue]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            return
        header = [h.strip() for h in header]
        yield 1, dict.fromkeys(header, "")
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                yield (
                    line,
                    Issue(
                        path.name,
                        line,
                        None,
                        "",
                        f"has {len(record)} fields but the header has {len(header)}",
                    ),
                )
                continue
            yield line, dict(zip(header, record, strict=True))


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | Issue]]:
    header_sent = False
    with path.open(encoding="utf-8-sig") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                yield line, Issue(path.name, line, exc.colno, "", f"not valid JSON: {exc.msg}")
                continue
            if not isinstance(record, dict):
                yield line, Issue(path.name, line, None, "", "each line must be a JSON object")
                continue
            if not header_sent:
                header_sent = True
                yield 0, dict.fromkeys(record, "")
            yield line, record


def read_table(spec: EntitySpec, path: Path) -> TableFile:
    """Parse every row of one file, keeping all problems with their locations."""
    table = TableFile(spec, path)
    reader = _read_jsonl(path) if path.suffix == ".jsonl" else _read_csv(path)
    header_seen = False
    jsonl = path.suffix == ".jsonl"
    for line, record in reader:
        if isinstance(record, Issue):
            table.issues.append(record)
            continue
        if not header_seen:
            # The first item is the header (CSV) or the first object's keys (JSON Lines).
            header_seen = True
            table.columns = [c for c in record if c in spec.names]
            table.positions = {} if jsonl else {name: i + 1 for i, name in enumerate(record)}
            missing = [c for c in spec.required_columns if c not in record]
            if missing and not jsonl:
                table.issues.append(
                    Issue(
                        path.name, 1, None, "", f"missing required column(s): {', '.join(missing)}"
                    )
                )
                return table
            continue
        values, problems = parse_row(spec, record)
        if jsonl:
            problems.extend((c, "is required") for c in spec.required_columns if c not in record)
        row = ParsedRow(line, values, dict(record))
        if problems:
            issues = [Issue(path.name, line, table.positions.get(c), c, r) for c, r in problems]
            table.issues.extend(issues)
            table.rejected.append((row, issues))
        else:
            table.rows.append(row)
    if jsonl:
        table.columns = sorted(
            {c for r in table.rows for c in r.raw if c in spec.names},
            key=spec.names.index,
        )
    return table


def _dedupe(table: TableFile) -> None:
    id_column = table.spec.id_column
    first: dict[str, int] = {}
    kept = []
    for row in table.rows:
        key = row.values[id_column]
        if key in first:
            issue = Issue(
                table.path.name,
                row.line,
                table.positions.get(id_column),
                id_column,
                f"duplicate {id_column} {key!r} (first at line {first[key]})",
            )
            table.issues.append(issue)
            table.rejected.append((row, [issue]))
        else:
            first[key] = row.line
            kept.append(row)
    table.rows = kept


def _existing_ids(session: Session, entity: str) -> set[str]:
    model = MODELS[entity]
    pk = sa_inspect(model).primary_key[0]
    return set(session.scalars(select(pk)))


def _stored_rows(session: Session, table: TableFile) -> dict[str, tuple[Any, ...]]:
    """The stored values of this file's columns, by id, to tell updates from unchanged rows."""
    model = MODELS[table.spec.entity]
    columns = [model.__table__.c[c] for c in table.columns]
    id_index = table.columns.index(table.spec.id_column)
    return {row[id_index]: tuple(row) for row in session.execute(select(*columns))}


def _check_references(
    table: TableFile,
    known: dict[str, set[str]],
    present: dict[str, dict[str, str]],
    strict: bool,
) -> None:
    """Reject rows whose account/user does not exist; in strict mode skip rows that fail only
    because the row they point to is itself bad (that row's problem is already reported)."""
    kept = []
    for row in table.rows:
        issues = []
        for column in table.spec.columns:
            value = row.values.get(column.name)
            if column.references is None or value is None:
                continue
            if column.references == "user" and not known["user"]:
                continue  # no users anywhere: owner emails are kept as given (see data-format.md)
            if value in known[column.references]:
                continue
            elsewhere = present[column.references].get(value)
            if elsewhere is not None:
                if strict:
                    continue
                reason = f"refers to {column.references} {value!r}, rejected at {elsewhere}"
            else:
                reason = f"unknown {column.references} {value!r}"
            issues.append(
                Issue(
                    table.path.name, row.line, table.positions.get(column.name), column.name, reason
                )
            )
        if issues:
            table.issues.extend(issues)
            table.rejected.append((row, issues))
        else:
            kept.append(row)
    table.rows = kept


def _upsert(session: Session, table: TableFile) -> None:
    """Insert new ids, update changed rows; rows equal to what is stored are not rewritten."""
    model = MODELS[table.spec.entity]
    id_column = table.spec.id_column
    columns = table.columns
    stored = _stored_rows(session, table)
    payload = []
    for row in table.rows:
        values = tuple(row.values.get(c) for c in columns)
        before = stored.get(row.values[id_column])
        if before is None:
            table.inserted += 1
        elif before == values:
            table.unchanged += 1
            continue
        else:
            table.updated += 1
        payload.append(dict(zip(columns, values, strict=True)))
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    stmt = insert(model)
    updates = {c: stmt.excluded[c] for c in columns if c != id_column}
    stmt = (
        stmt.on_conflict_do_update(index_elements=[id_column], set_=updates)
        if updates
        else stmt.on_conflict_do_nothing(index_elements=[id_column])
    )
    for start in range(0, len(payload), CHUNK):
        session.execute(stmt, payload[start : start + CHUNK])


def plan(
    session: Session,
    source: Path,
    *,
    strict: bool,
    data_dir: Path,
    memory_limit: str,
    progress: Progress | None = None,
    appended_events: bool = False,
) -> ImportResult:
    """Read and validate a directory; stage usage events. Writes nothing to the database.
    `appended_events`: the events file holds only new events (a delta import)."""
    if not source.is_dir():
        raise RenewalsError(f"{source} is not a directory", 404)
    notify = progress or (lambda step, done, total: None)
    known_names = {f"{s.stem}{x}" for s in TABLE_SPECS for x in (".csv", ".jsonl")}
    known_names |= {f"{USAGE_STEM}{x}" for x in (".parquet", ".csv", ".jsonl")}
    known_names.add(event_kinds.FILE)
    known_names.add("fx_rates.csv")  # imported after the tables (_import_fx_rates)
    warnings = [
        f"ignored {p.name}: not a file of the import format (see docs/data-format.md)"
        for p in sorted(source.iterdir())
        if p.is_file() and p.name not in known_names and not p.name.startswith((".", "_"))
    ]
    tables: list[TableFile] = []
    missing_required: list[Issue] = []
    specs = [(spec, _find(source, spec.stem)) for spec in TABLE_SPECS]
    total = sum(1 for _, p in specs if p) + 1
    for done, (spec, path) in enumerate(specs):
        if path is None:
            if spec.required_file:
                missing_required.append(
                    Issue(f"{spec.stem}.csv", 0, None, "", "file is required but missing")
                )
            continue
        notify(f"reading {path.name}", done, total)
        table = read_table(spec, path)
        _dedupe(table)
        tables.append(table)
    if missing_required:
        raise ImportFailed(missing_required)

    known = {"account": _existing_ids(session, "account"), "user": _existing_ids(session, "user")}
    # Ids whose own row is bad -> where ("accounts.csv:4"), to explain dependent rejections.
    present: dict[str, dict[str, str]] = {"account": {}, "user": {}}
    by_entity = {t.spec.entity: t for t in tables}
    for entity in ("user", "account"):
        if entity in by_entity:
            table = by_entity[entity]
            id_column = table.spec.id_column
            present[entity] = {
                str(r.raw.get(id_column)): f"{table.path.name}:{r.line}" for r, _ in table.rejected
            }
            known[entity] |= {r.values[id_column] for r in table.rows}
    for table in tables:
        _check_references(table, known, present, strict)

    usage_path = usage_service.find_source(source)
    usage = None
    if usage_path is not None:
        notify(f"checking {usage_path.name}", total - 1, total)
        # Strict: events of an account whose own row is bad are not a second problem.
        # With a reject file they are rejected with it.
        accounts = known["account"] | (set(present["account"]) if strict else set())
        # In strict mode bad table rows already doom the import: validate events, write none.
        table_issues = any(t.issues for t in tables)
        usage = usage_service.stage(
            usage_path,
            data_dir=data_dir,
            known_accounts=accounts,
            memory_limit=memory_limit,
            write=not (strict and table_issues),
            appended=appended_events,
        )
    kinds = None
    if (source / event_kinds.FILE).is_file():  # SIG-3: the book declares its event kinds
        declared, kind_issues = event_kinds.parse(source / event_kinds.FILE)
        kinds = event_kinds.StagedKinds(source / event_kinds.FILE, declared, kind_issues)
        if not (strict and (kind_issues or any(t.issues for t in tables))):
            kinds.stage(data_dir)
    notify("validated", total, total)
    return ImportResult(source, tables, usage, warnings, kinds=kinds)


def write(session: Session, result: ImportResult, *, actor: str = "import") -> ImportRun:
    """Upsert the good rows of a validated import and record the run."""
    started = utc_now()
    for table in result.files:
        _upsert(session, table)
        session.flush()
    run = ImportRun(
        started_at=started,
        finished_at=utc_now(),
        source=str(result.source),
        counts=result.counts(),
        rejected=result.rejected,
        reject_file=str(result.reject_file) if result.reject_file else None,
    )
    session.add(run)
    audit_service.record(
        session,
        actor=actor,
        action="import",
        entity="import_run",
        detail={"source": str(result.source), "counts": result.counts()},
    )
    session.flush()
    return run


def write_rejects(result: ImportResult, path: Path) -> None:
    """Write every rejected row with its reasons (file, line, column, field, reason, record)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = SafeWriter(handle)  # rows as typed by people: formulas neutralised
        out.writerow(["file", "line", "column", "field", "reason", "record"])
        for table in result.files:
            for row, issues in sorted(table.rejected, key=lambda item: item[0].line):
                record = json.dumps(row.raw, ensure_ascii=False, default=str)
                for issue in issues:
                    out.writerow(
                        [
                            issue.file,
                            issue.line,
                            issue.column or "",
                            issue.field,
                            issue.reason,
                            record,
                        ]
                    )
        for issue in [
            *(result.usage.issues if result.usage else []),
            *(result.kinds.issues if result.kinds else []),
        ]:
            out.writerow(
                [issue.file, issue.line, issue.column or "", issue.field, issue.reason, ""]
            )


def run_import(
    engine: Engine,
    source: Path,
    *,
    data_dir: Path,
    memory_limit: str = "2GB",
    reject_file: Path | None = None,
    progress: Progress | None = None,
    appended_events: bool = False,
    label: Path | None = None,
) -> tuple[ImportResult, ImportRun]:
    """The whole import as one unit: validate, then write in one transaction, or fail whole.
    `label`: the directory the import record names (a delta import reads a staged copy)."""
    strict = reject_file is None
    result: ImportResult | None = None
    try:
        with session_scope(engine) as session:
            result = plan(
                session,
                source,
                strict=strict,
                data_dir=data_dir,
                memory_limit=memory_limit,
                progress=progress,
                appended_events=appended_events,
            )
            if strict and result.issues:
                raise ImportFailed(result.issues)
            result.reject_file = reject_file
            if label is not None:
                result.source = label
            run = write(session, result)
            _import_fx_rates(session, source)
    except BaseException:
        if result is not None and result.usage:
            result.usage.discard()
        if result is not None and result.kinds:
            result.kinds.discard()
        raise
    # Committed: now the events (and declared kinds) become visible, and the rejects are written.
    if result.usage:
        result.usage.publish()
    if result.kinds:
        result.kinds.publish()
    if reject_file is not None:
        write_rejects(result, reject_file)
    refresh_statistics(engine)
    return result, run


def _import_fx_rates(session: Session, source: Path) -> None:
    """fx_rates.csv (date, currency, rate), when the directory has one (issue 19,
    docs/currencies.md); a bad row fails the whole import like any other file's."""
    path = source / "fx_rates.csv"
    if not path.exists():
        return
    from renewals.fx import service as fx_service

    try:
        fx_service.import_rates(session, path)
    except fx_service.FxImportFailed as exc:
        raise ImportFailed(exc.issues) from None


def refresh_statistics(engine: Engine) -> None:
    """PostgreSQL plans queries from table statistics; a large import without them can turn
    a 100 ms page into seconds (autovacuum may be off or late), so refresh them now."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
