"""Import a directory in the canonical format: all of it in one transaction, or nothing.

1. Stream every file, `CHUNK` rows at a time (users and accounts first, as other
   files refer to them), parsing every row and collecting all problems (file, line,
   column, reason) instead of stopping at the first.
2. Check ids (unique per file) and references (accounts, users) against the
   files read so far and what the database already holds.
3. Upsert each chunk of good rows by id in the import's one transaction: a file's
   rows are never all held (issue 20: bounded memory whatever the book's size).
4. Strict (default): any problem and the transaction is rolled back, so nothing is
   written (rows stop being written at the first problem; the files are read to the
   end to report every problem). With a reject file: bad rows, and rows that depend
   on them, go to that file; the rest is written.
5. Usage events are staged by DuckDB as a hidden Parquet part and published only
   after the commit. A killed import commits nothing and publishes nothing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from renewals.account.models import Account, Goal, Stakeholder
from renewals.audit import service as audit_service
from renewals.contract.models import Contract
from renewals.db import Base, note_data_changed, session_scope
from renewals.engagement.models import Interaction, SurveyResponse, Ticket
from renewals.errors import RenewalsError
from renewals.ingest.domain import (
    REQUIRED,
    TABLE_SPECS,
    USAGE_STEM,
    EntitySpec,
    Issue,
    ParsedRow,
    parse_row,
    rejected_reference,
    typed,
    unknown_reference,
)
from renewals.ingest.models import ImportRun
from renewals.kit.i18n import Text
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
# Rows read, checked and written at a time (issue 20, a product default): the memory an
# import holds for a file's rows whatever its size, and the rows per executemany.
CHUNK = 5000


class ImportFailed(RenewalsError):
    """Bad rows were found; nothing was written."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        files = len({i.file for i in issues})
        super().__init__(
            Text(
                "{n} problem(s) in {files} file(s); nothing was imported",
                n=len(issues),
                files=files,
            ),
            422,
        )


@dataclass
class TableFile:
    """One file of an import: its columns, its problems and what was written of it."""

    spec: EntitySpec
    path: Path
    columns: list[str] = field(default_factory=list)
    # Header name -> 1-based column number (CSV only; JSON Lines name their fields).
    positions: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    # The bad rows themselves, for a reject file (not kept by a strict import).
    rejected: list[tuple[ParsedRow, list[Issue]]] = field(default_factory=list)
    read: int = 0
    rejected_rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def jsonl(self) -> bool:
        return self.path.suffix == ".jsonl"

    def reset(self) -> None:
        """Forget a first pass over the file."""
        self.issues, self.rejected = [], []
        self.read = self.rejected_rows = 0


@dataclass
class ImportResult:
    source: Path
    files: list[TableFile]
    usage: StagedUsage | None
    warnings: list[Text]  # in the reader's language when printed with `tr`
    reject_file: Path | None = None
    kinds: StagedKinds | None = None  # event_kinds.csv (issue 17)
    started: datetime = field(default_factory=utc_now)

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
        return sum(f.rejected_rows for f in self.files) + usage

    def counts(self) -> dict[str, dict[str, int]]:
        out = {
            f.path.name: {
                "read": f.read,
                "inserted": f.inserted,
                "updated": f.updated,
                "unchanged": f.unchanged,
                "rejected": f.rejected_rows,
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
                        Text(
                            "has {n} fields but the header has {header}",
                            n=len(record),
                            header=len(header),
                        ),
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
                # json's own explanation of the error stays as the library gives it
                reason = Text("not valid JSON: {error}", error=exc.msg)
                yield line, Issue(path.name, line, exc.colno, "", reason)
                continue
            if not isinstance(record, dict):
                reason = Text("each line must be a JSON object")
                yield line, Issue(path.name, line, None, "", reason)
                continue
            if not header_sent:
                header_sent = True
                yield 0, dict.fromkeys(record, "")
            yield line, record


def _rows(table: TableFile) -> Iterator[tuple[int, dict[str, Any] | Issue]]:
    """The file's header (the first item) and its rows, one at a time."""
    return _read_jsonl(table.path) if table.jsonl else _read_csv(table.path)


def _json_columns(table: TableFile) -> list[str]:
    """The import-format fields that any object of a JSON Lines file names, in format order
    (a first pass over the file: its rows are written a chunk at a time, all with the same
    columns)."""
    names: set[str] = set()
    for _, record in _rows(table):
        if not isinstance(record, Issue):
            names.update(c for c in record if c in table.spec.names)
    return [c for c in table.spec.names if c in names]


@dataclass
class _Books:
    """What the rows of every file are checked against while the files stream past."""

    strict: bool
    # Ids that exist: stored, or written (or, strict, about to be) by this import.
    known: dict[str, set[str]]
    # Ids whose own row is bad -> where ("accounts.csv:4"), to explain dependent rejections.
    present: dict[str, dict[str, str]] = field(default_factory=lambda: {"account": {}, "user": {}})
    problems: bool = False  # strict: once a row is bad nothing will be committed

    @property
    def writing(self) -> bool:
        return not (self.strict and self.problems)


def _header(table: TableFile, header: dict[str, Any]) -> bool:
    """Take the file's columns from its header; False if a required column is missing."""
    spec = table.spec
    if table.jsonl:
        table.columns = _json_columns(table)
        return True
    table.columns = [c for c in header if c in spec.names]
    table.positions = {name: i + 1 for i, name in enumerate(header)}
    missing = [c for c in spec.required_columns if c not in header]
    if missing:
        reason = Text("missing required column(s): {column}", column=", ".join(missing))
        table.issues.append(Issue(table.path.name, 1, None, "", reason))
        return False
    return True


def _reference_issues(table: TableFile, row: ParsedRow, books: _Books) -> list[Issue]:
    """The row's account/user references that do not exist. Strict: a reference to a row
    that is itself bad is not a second problem (that row's problem is already reported)."""
    issues = []
    for column in table.spec.columns:
        value = row.values.get(column.name)
        if column.references is None or value is None:
            continue
        if column.references == "user" and not books.known["user"]:
            continue  # no users anywhere: owner emails are kept as given (see data-format.md)
        if value in books.known[column.references]:
            continue
        elsewhere = books.present[column.references].get(value)
        if elsewhere is not None:
            if books.strict:
                continue
            reason = rejected_reference(column.references, value, elsewhere)
        else:
            reason = unknown_reference(column.references, value)
        issues.append(
            Issue(table.path.name, row.line, table.positions.get(column.name), column.name, reason)
        )
    return issues


def _checked_rows(
    table: TableFile,
    books: _Books,
    *,
    references: bool = True,
    fresh: frozenset[str] | set[str] = frozenset(),
) -> Iterator[ParsedRow]:
    """The good rows of a file, one at a time: each parsed with the import's rules
    (ingest.domain), its id unique in the file, its references known; a bad row's
    problems go to `table` (and the row itself, for a reject file, when not strict).
    `fresh`: ids of this file already counted as known by a first pass over it."""
    spec, name = table.spec, table.path.name
    id_column = spec.id_column
    first: dict[Any, int] = {}  # id -> line of its first good row (duplicates point at it)
    bad = books.present.get(spec.entity)
    header_seen = False
    for line, record in _rows(table):
        if isinstance(record, Issue):
            table.issues.append(record)
            books.problems = True
            continue
        if not header_seen:
            # The first item is the header (CSV) or the first object's keys (JSON Lines).
            header_seen = True
            if not _header(table, record):
                books.problems = True
                return
            continue
        table.read += 1
        values, problems = parse_row(spec, record)
        if table.jsonl:
            problems.extend((c, REQUIRED) for c in spec.required_columns if c not in record)
        row = ParsedRow(line, values, dict(record))
        key = values.get(id_column)
        duplicate = False
        if problems:
            issues = [Issue(name, line, table.positions.get(c), c, r) for c, r in problems]
        elif key in first:
            duplicate = True
            issues = [
                Issue(
                    name,
                    line,
                    table.positions.get(id_column),
                    id_column,
                    Text(
                        "duplicate {column} {key} (first at line {line})",
                        column=id_column,
                        key=typed(key),
                        line=first[key],
                    ),
                )
            ]
        else:
            first[key] = line
            issues = _reference_issues(table, row, books) if references else []
        if not issues:
            yield row
            continue
        table.issues.extend(issues)
        table.rejected_rows += 1
        books.problems = True
        if not books.strict:
            table.rejected.append((row, issues))
        if bad is not None and not duplicate:
            where = str(key if key is not None else record.get(id_column))
            if not problems and where in fresh:  # read ahead, but its references are bad
                books.known[spec.entity].discard(where)
            bad.setdefault(where, f"{name}:{line}")


def _load_table(session: Session, table: TableFile, books: _Books, chunk_size: int) -> None:
    """Stream one file into the open transaction, `chunk_size` good rows at a time: rows are
    read, checked and written in chunks and never all held (issue 20)."""
    entity = table.spec.entity
    referenced = entity in books.known
    fresh: set[str] = set()
    if any(c.references == entity for c in table.spec.columns):
        # The file refers to itself (a user's manager): its ids first, then its rows.
        for row in _checked_rows(table, books, references=False):
            key = row.values[table.spec.id_column]
            if key not in books.known[entity]:
                books.known[entity].add(key)
                fresh.add(key)
        table.reset()
    pk = sa_inspect(MODELS[entity]).primary_key[0]
    empty = session.scalar(select(pk).limit(1)) is None
    chunk: list[ParsedRow] = []
    for row in _checked_rows(table, books, fresh=fresh):
        if referenced:
            books.known[entity].add(row.values[table.spec.id_column])
        if not books.writing:
            continue
        chunk.append(row)
        if len(chunk) >= chunk_size:
            _upsert(session, table, chunk, empty=empty)
            chunk = []
    if chunk and books.writing:
        _upsert(session, table, chunk, empty=empty)


def _existing_ids(session: Session, entity: str) -> set[str]:
    model = MODELS[entity]
    pk = sa_inspect(model).primary_key[0]
    return set(session.scalars(select(pk)))


def _stored_rows(session: Session, table: TableFile, ids: list[Any]) -> dict[str, tuple[Any, ...]]:
    """The stored values of this file's columns for these ids, to tell updates from
    unchanged rows."""
    model = MODELS[table.spec.entity]
    columns = [model.__table__.c[c] for c in table.columns]
    id_index = table.columns.index(table.spec.id_column)
    key = model.__table__.c[table.spec.id_column]
    query = select(*columns).where(key.in_(ids))
    return {row[id_index]: tuple(row) for row in session.execute(query)}


def _upsert(session: Session, table: TableFile, rows: list[ParsedRow], *, empty: bool) -> None:
    """Insert new ids, update changed rows; rows equal to what is stored are not rewritten.
    `empty`: the table held no row when the file started (every id is new)."""
    model = MODELS[table.spec.entity]
    id_column = table.spec.id_column
    columns = table.columns
    stored = {} if empty else _stored_rows(session, table, [r.values[id_column] for r in rows])
    dialect = session.get_bind().dialect.name
    copy = dialect == "postgresql" and _copy_defaults(model, columns) is not None
    payload, new = [], []
    for row in rows:
        values = tuple(row.values.get(c) for c in columns)
        before = stored.get(row.values[id_column])
        if before is None:
            table.inserted += 1
            if copy:  # an id not stored: no conflict to resolve
                new.append(values)
                continue
        elif before == values:
            table.unchanged += 1
            continue
        else:
            table.updated += 1
        payload.append(dict(zip(columns, values, strict=True)))
    if new:
        _copy(session, model, columns, new)
    if not payload:
        return
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    # The table, not the mapped class: an ORM-enabled insert goes through the ORM's bulk
    # persistence, which sent about one statement per 3 rows (142,675 for the 10,000-account
    # book's 396,509 rows); the table's insert is one executemany per chunk. Same rows
    # (every table compared), import 39 -> 18 CPU s on SQLite (issue 20). The trap
    # `db.insert_rows` documents for plain inserts; an upsert needs its dialect's insert.
    stmt = insert(cast(Table, model.__table__))  # a declarative class maps a Table
    updates = {c: stmt.excluded[c] for c in columns if c != id_column}
    stmt = (
        stmt.on_conflict_do_update(index_elements=[id_column], set_=updates)
        if updates
        else stmt.on_conflict_do_nothing(index_elements=[id_column])
    )
    session.execute(stmt, payload)


def _copy_defaults(model: type[Base], columns: list[str]) -> dict[str, Any] | None:
    """The values COPY must give the table's other columns (their Python-side defaults,
    which only an INSERT through SQLAlchemy applies); None if one is not a plain value."""
    defaults: dict[str, Any] = {}
    for column in model.__table__.columns:
        if column.name in columns or column.default is None:
            continue
        if not column.default.is_scalar:
            return None
        defaults[column.name] = column.default.arg
    return defaults


def _copy(
    session: Session, model: type[Base], columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert rows whose ids are not stored with PostgreSQL's COPY, in the session's
    transaction: several times faster than INSERT statements for a large book."""
    defaults = _copy_defaults(model, columns)
    assert defaults is not None
    quote = session.get_bind().dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in (*columns, *defaults))
    extra = tuple(defaults.values())
    statement = f"COPY {quote(str(model.__tablename__))} ({names}) FROM STDIN"
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statement) as out:
        for values in rows:
            out.write_row((*values, *extra) if extra else values)
    note_data_changed(session)


def load(
    session: Session,
    source: Path,
    *,
    strict: bool,
    data_dir: Path,
    memory_limit: str,
    progress: Progress | None = None,
    appended_events: bool = False,
    chunk_size: int = CHUNK,
) -> ImportResult:
    """Read, validate and write a directory into the session's open transaction, one file
    at a time and `chunk_size` rows at a time; stage usage events.

    Nothing is committed here: the caller commits only an import it accepts. Strict: a
    result with issues must be rolled back (rows stop being written at the first problem;
    the files are still read to the end so that every problem is reported).
    `appended_events`: the events file holds only new events (a delta import)."""
    if not source.is_dir():
        raise RenewalsError(Text("{path} is not a directory", path=str(source)), 404)
    notify = progress or (lambda step, done, total: None)
    known_names = {f"{s.stem}{x}" for s in TABLE_SPECS for x in (".csv", ".jsonl")}
    known_names |= {f"{USAGE_STEM}{x}" for x in (".parquet", ".csv", ".jsonl")}
    known_names.add(event_kinds.FILE)
    known_names.add("fx_rates.csv")  # imported after the tables (_import_fx_rates)
    warnings = [
        Text(
            "ignored {file}: not a file of the import format (see docs/data-format.md)",
            file=p.name,
        )
        for p in sorted(source.iterdir())
        if p.is_file() and p.name not in known_names and not p.name.startswith((".", "_"))
    ]
    specs = [(spec, _find(source, spec.stem)) for spec in TABLE_SPECS]
    missing_required = [
        Issue(f"{spec.stem}.csv", 0, None, "", Text("file is required but missing"))
        for spec, path in specs
        if path is None and spec.required_file
    ]
    if missing_required:
        raise ImportFailed(missing_required)

    books = _Books(
        strict,
        known={
            "account": _existing_ids(session, "account"),
            "user": _existing_ids(session, "user"),
        },
    )
    tables: list[TableFile] = []
    files = [(spec, path) for spec, path in specs if path is not None]
    usage_path = usage_service.find_source(source)
    usage: StagedUsage | None = None
    total = len(files) + 1

    def stage_events(usage_path: Path) -> StagedUsage:
        notify(Text("checking {file}", file=usage_path.name), len(tables), total)
        # Strict: events of an account whose own row is bad are not a second problem.
        # With a reject file they are rejected with it.
        accounts = books.known["account"] | (set(books.present["account"]) if strict else set())
        # In strict mode bad table rows already doom the import: validate events, write none.
        return usage_service.stage(
            usage_path,
            data_dir=data_dir,
            known_accounts=accounts,
            memory_limit=memory_limit,
            write=books.writing,
            appended=appended_events,
        )

    # Write order (TABLE_SPECS): users and accounts before the rows that refer to them.
    for spec, path in files:
        if usage_path is not None and usage is None and spec.entity not in books.known:
            # Every account is known: the events now, before the large files, so that
            # DuckDB's peak comes while the import holds little (issue 20).
            usage = stage_events(usage_path)
        notify(Text("reading {file}", file=path.name), len(tables), total)
        table = TableFile(spec, path)
        _load_table(session, table, books, chunk_size)
        tables.append(table)
    if usage_path is not None and usage is None:
        usage = stage_events(usage_path)
    kinds = None
    if (source / event_kinds.FILE).is_file():  # SIG-3: the book declares its event kinds
        declared, kind_issues = event_kinds.parse(source / event_kinds.FILE)
        kinds = event_kinds.StagedKinds(source / event_kinds.FILE, declared, kind_issues)
        if not (strict and (kind_issues or books.problems)):
            kinds.stage(data_dir)
    notify(Text("validated"), total, total)
    return ImportResult(source, tables, usage, warnings, kinds=kinds)


def record(session: Session, result: ImportResult, *, actor: str = "import") -> ImportRun:
    """Record a loaded import (its counts and rejections) and audit it."""
    run = ImportRun(
        started_at=result.started,
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
    memory_limit: str = "1536MB",
    reject_file: Path | None = None,
    progress: Progress | None = None,
    appended_events: bool = False,
    label: Path | None = None,
    chunk_size: int = CHUNK,
) -> tuple[ImportResult, ImportRun]:
    """The whole import as one unit: validate and write in one transaction, or fail whole.
    `label`: the directory the import record names (a delta import reads a staged copy).
    `chunk_size`: rows read, checked and written at a time (see CHUNK)."""
    strict = reject_file is None
    result: ImportResult | None = None
    try:
        with session_scope(engine) as session:
            result = load(
                session,
                source,
                strict=strict,
                data_dir=data_dir,
                memory_limit=memory_limit,
                progress=progress,
                appended_events=appended_events,
                chunk_size=chunk_size,
            )
            if strict and result.issues:
                raise ImportFailed(result.issues)  # rolls back the rows written so far
            result.reject_file = reject_file
            if label is not None:
                result.source = label
            run = record(session, result)
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
