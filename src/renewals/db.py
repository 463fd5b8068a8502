"""Database plumbing: engine, sessions, declarative Base with deterministic names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    CursorResult,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    Result,
    Select,
    SQLColumnExpression,
    String,
    Table,
    and_,
    bindparam,
    create_engine,
    event,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType, TypeDecorator

from renewals.kit.time import as_utc, utc_now

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite forgets tz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DataVersion(Base):
    """One number that grows whenever the data pages are computed from changes.

    Every transaction that writes business data bumps it as it commits (the daily run, an
    import, a person's action on a page or the CLI), so a page computed from the data can be
    kept until the number moves (web/cache.py). Sign-ins, sessions, API tokens and the
    audit log do not count: they change no page's figures.
    """

    __tablename__ = "data_version"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SharedFigure(Base):
    """Figures computed once and read by every server process (issue 23, kit/figures.py):
    the book-wide parts of the dashboards, stored by the daily run and by the first process
    that computes them, each valid for one data version. A signed pickle of the value."""

    __tablename__ = "shared_figure"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[bytes] = mapped_column(LargeBinary)


DATA = "data"
# The worker's bookkeeping (schedule, history, locks, heartbeats) changes no page's figures;
QUIET_TABLES = frozenset(
    {
        "web_session",
        "api_token",
        "audit_event",
        "data_version",
        "shared_figure",
        # The daily run's record of each step (`job_run`): no dashboard shows it, and
        # counting it would make the run's own bookkeeping discard the figures its last
        # step stores for the day (kit/figures.py).
        "job_run",
        "worker_job",
        "worker_run",
        "worker_lock",
        "worker_heartbeat",
        # Sources (write keys, user mappings) and import records: no page shows them.
        "source",
        "source_user",
        "import_run",
    }
)
_CHANGED = "renewals.data_changed"


# Sign-in bookkeeping on a user's row changes no page's figures either: a team signing in on
# Monday morning must not make every dashboard be computed again for each of them.
QUIET_COLUMNS = {"app_user": frozenset({"password_hash", "failed_logins", "locked_until"})}


def _changes_data(session: Session, obj: Any) -> bool:
    table = getattr(obj, "__tablename__", None)
    if not table or table in QUIET_TABLES:
        return False
    if obj in session.new or obj in session.deleted:
        return True
    quiet = QUIET_COLUMNS.get(table, frozenset())
    # dirty only means an attribute was set; count the values that really changed
    return any(attr.history.has_changes() for attr in inspect(obj).attrs if attr.key not in quiet)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    # In after_flush, new/dirty/deleted and each attribute's history still show what this
    # flush wrote.
    if any(_changes_data(session, o) for o in [*session.new, *session.dirty, *session.deleted]):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name is None or name not in QUIET_TABLES:
        state.session.info[_CHANGED] = True


def note_data_changed(session: Session) -> None:
    """Count a write the session's events cannot see (a PostgreSQL COPY on its connection)
    as a change of the data, so the commit bumps the data version."""
    session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _bump_version(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # commit flushes only after this event: flush now to see the writes
    if session.info.pop(_CHANGED, False):
        session.execute(
            update(DataVersion)
            .where(DataVersion.name == DATA)
            .values(version=DataVersion.version + 1, changed_at=utc_now())
        )


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def data_version(session: Session) -> int:
    """The current version of the data (0 on a database that has never changed)."""
    return session.scalar(select(DataVersion.version).where(DataVersion.name == DATA)) or 0


def insert_rows(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> int:
    """Insert `rows` (dicts of column values, every row the same keys) in one executemany.

    The ORM's bulk INSERT leaves a None out of a row so that a column default may fill
    it, and batches only runs of rows with the same keys: rows alternating between a
    value and None went out one statement each (1,448 INSERTs for 10,700 tasks). Here a
    None is NULL, as the caller wrote it (issue 20)."""
    if rows:
        session.execute(insert(model).execution_options(render_nulls=True), rows)
    return len(rows)


def update_rows(
    executor: Session | Connection, model: type[Base], rows: list[dict[str, Any]]
) -> int:
    """Update rows by primary key: each row a dict of its primary key's columns and the
    columns it sets (rows may set different columns; each primary key at most once).

    The same rows as an executemany UPDATE by primary key, in fewer round trips (issue 20,
    PostgreSQL parity). The ORM's bulk UPDATE batches only runs of rows that set the same
    columns: the renewal sync's changed renewals, alternating between a few dozen shapes,
    went out as 2,172 statements for 8,985 rows. Here the rows are grouped by the columns
    they set (one executemany a group on SQLite), and on PostgreSQL a group goes as one
    `UPDATE ... FROM unnest(...)` (one plan, one round trip) instead of one statement a
    row: on the 10,000-account book's next day, renewal.sync's client CPU 2.9 -> 1.8-2.0 s
    and the server's 1.2 -> 0.9 s, the 58,000 signals seen again the server's 0.81 ->
    0.62 s.

    A Session runs the statements through the ORM (autoflush, the data version's change
    note); a Connection (`session.connection()`) runs them as Core, as a caller that writes
    below the ORM did."""
    if not rows:
        return 0
    mapper = inspect(model)
    table = mapper.local_table
    assert isinstance(table, Table)  # a declarative class maps a Table
    keys = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    if len(groups) > 1 and len({tuple(row[k] for k in keys) for row in rows}) < len(rows):
        raise ValueError(f"update_rows({table.name}): a primary key given twice")
    connection = executor.connection() if isinstance(executor, Session) else executor
    postgres = connection.dialect.name == "postgresql"
    for names, group in groups.items():
        columns = {n: mapper.columns[n] for n in names}
        if postgres and len(group) > 1:
            if isinstance(executor, Session):
                _before_bulk_write(executor, table.name)
            for start in range(0, len(group), UPDATE_ROWS_PER_STATEMENT):
                _update_from_arrays(
                    connection,
                    table,
                    keys,
                    columns,
                    group[start : start + UPDATE_ROWS_PER_STATEMENT],
                )
        elif isinstance(executor, Session):
            executor.execute(update(model), group)
        else:
            executor.execute(
                update(table).where(and_(*(columns[k] == bindparam(f"key_{k}") for k in keys))),
                [
                    {(f"key_{n}" if n in keys else columns[n].name): row[n] for n in names}
                    for row in group
                ],
            )
    return len(rows)


def _before_bulk_write(session: Session, table: str) -> None:
    """What the ORM does before its bulk UPDATE: flush pending changes first (when the
    session autoflushes), and note the data changed (`_note_statement`)."""
    if session.autoflush:
        session.flush()
    if table not in QUIET_TABLES:
        note_data_changed(session)


def _update_from_arrays(
    connection: Connection,
    table: Table,
    keys: list[str],
    columns: dict[str, Any],
    rows: list[dict[str, Any]],
) -> None:
    """One PostgreSQL `UPDATE t SET c = v.c FROM unnest(%b::T[], ...) AS v WHERE t.key =
    v.key`: one array a column, each value processed by its column's type as an
    executemany's parameter is (JSON encoded, dates, numbers), one plan for the rows. The
    arrays go in binary (`%b`): in text, psycopg quotes every element of a JSON array in
    Python, 0.8 s of CPU for the 9,000 renewals' decisions against 0.1 s."""
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names = list(columns)
    arrays = []
    for n in names:
        process = columns[n].type.dialect_impl(dialect).bind_processor(dialect)
        arrays.append([process(row[n]) if process else row[n] for row in rows])
    types = [columns[n].type.compile(dialect=dialect) for n in names]
    alias = [quote(columns[n].name) for n in names]
    sql = (
        f"UPDATE {quote(table.name)} SET "
        + ", ".join(f"{a} = v.{a}" for n, a in zip(names, alias, strict=True) if n not in keys)
        + " FROM unnest("
        + ", ".join(f"%b::{t}[]" for t in types)
        + f") AS v ({', '.join(alias)}) WHERE "
        + " AND ".join(
            f"{quote(table.name)}.{a} = v.{a}"
            for n, a in zip(names, alias, strict=True)
            if n in keys
        )
    )
    connection.exec_driver_sql(sql, tuple(arrays))


# Rows per PostgreSQL `UPDATE ... FROM unnest(...)` of `update_rows` (bounds the arrays'
# memory; one parameter a column whatever the rows). Product default, not a rule.
UPDATE_ROWS_PER_STATEMENT = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web app read while the daily job writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(
    url: str, *, pool_size: int | None = None, timeout_seconds: float | None = None
) -> Engine:
    """Create an engine for a SQLite file or a PostgreSQL URL.

    `pool_size` fixes the number of connections (no overflow), for a server whose requests
    hold one connection each (docs/deploy.md); `timeout_seconds` bounds the wait for a pool
    connection and, on SQLite, for the write lock (busy timeout), so a busy database fails
    fast with an error the web app turns into 503 instead of hanging.
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    options: dict[str, Any] = {}
    in_memory = url.startswith("sqlite") and (":memory:" in url or url.rstrip("/") == "sqlite:")
    if pool_size is not None and not in_memory:
        options.update(pool_size=pool_size, max_overflow=0)
        # A server outlives database restarts: test a pooled connection before handing it out.
        options["pool_pre_ping"] = url.startswith("postgresql")
    if timeout_seconds is not None:
        if not in_memory:
            options["pool_timeout"] = timeout_seconds
        if url.startswith("sqlite"):
            options["connect_args"] = {"timeout": timeout_seconds}
    if url.startswith("sqlite") and not in_memory:
        # SQLite creates its file but not the folder it goes in: "unable to open database
        # file" told a new user nothing about a missing folder.
        path = make_url(url).database
        if path and not path.startswith("file:"):
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class InSubquery(ColumnElement[Any]):
    """`column IN (subquery)`, written so that each database plans it on its indexes.

    PostgreSQL does not turn `a IN (sub1) OR a IN (sub2) OR b = x` into index lookups: it
    walks the table testing each row against hashed subplans (a CSM's renewal list: 24 ms
    on 10,000 accounts). Written `a = ANY(ARRAY(sub))`, each branch is a bitmap index scan
    and the OR a BitmapOr (7 ms). SQLite plans the plain IN on its indexes (MULTI-INDEX OR).
    The same rows either way: the ids are never NULL, and an empty subquery matches nothing."""

    type = NullType()  # a condition, rendered as written (no `= 1` on SQLite)
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("subquery", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: SQLColumnExpression[Any], subquery: Select[Any]) -> None:
        self.column = column
        self.subquery = subquery


@compiles(InSubquery)
def _in_subquery(element: InSubquery, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column.in_(element.subquery), **kw))


@compiles(InSubquery, "postgresql")
def _in_subquery_postgresql(element: InSubquery, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(element.subquery.scalar_subquery(), **kw)
    return f"{compiler.process(element.column, **kw)} = ANY(ARRAY{inner})"


def rows_changed(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE or DELETE run through `Session.execute` changed (the session
    types its result as a plain `Result`; it is a `CursorResult` that knows the count)."""
    return (result.rowcount or 0) if isinstance(result, CursorResult) else 0


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error (the boundary owns it)."""
    session = make_sessionmaker(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
