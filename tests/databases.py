"""Test databases without re-migrating: every test still gets a freshly migrated database.

Running the migrations costs about a second a test; copying their result costs milliseconds.

- SQLite: the migrations run once per session into a template file; each test gets a copy.
- PostgreSQL: one database per pytest-xdist worker (`<name>_gw0`, ...; without xdist the
  database RENEWALS_TEST_DATABASE_URL names), migrated once. Before each test its rows are
  put back to a snapshot taken right after the migrations (the seed rows they write) and its
  sequences restarted, so a test sees exactly what a freshly migrated database holds. A test
  that changed the schema itself (its fingerprint differs) gets the schema rebuilt.
  The restore is two round trips on one kept connection (the fingerprint and version, then
  one script of DELETE/INSERT/setval run by the server): about 25 ms, where a statement per
  table and sequence on a new connection took about 500 ms a test (measured on the shared
  2-core machine under load; issue 14).
- The test databases commit without waiting for the WAL flush (`synchronous_commit = off`
  on the database): a crash of the PostgreSQL server could lose the last commits of a test
  database, which nothing needs; every query sees exactly what it saw before. Commits
  took about half the time (measured 5 vs 10 ms a commit under load).
- Books (a demo book imported and run) are snapshotted the same way: `Snapshots` keeps the
  rows of a built book in a schema of its own and restores them in a few milliseconds, where
  building the book again takes seconds (`CREATE DATABASE ... TEMPLATE` was measured too:
  1-3 s a copy on the CI machine, slower than restoring the rows).
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, make_url, text

from renewals import migrate
from renewals.db import make_engine

PG_URL = os.environ.get("RENEWALS_TEST_DATABASE_URL")
WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... under pytest-xdist

# The public schema's tables, columns, types and defaults, read from pg_catalog (about 4
# times faster than information_schema.columns, which checks privileges row by row), and
# the migration the database says it is at.
_STATE = text(
    "SELECT (SELECT md5(string_agg(c.relname || '.' || a.attname || ':' "
    "|| format_type(a.atttypid, a.atttypmod) || ':' "
    "|| coalesce(pg_get_expr(d.adbin, d.adrelid), ''), ',' ORDER BY c.relname, a.attname)) "
    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
    "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
    "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'f', 'p') "
    "AND a.attnum > 0 AND NOT a.attisdropped), "
    "to_regclass('public.alembic_version') IS NOT NULL"
)


def sqlite_copy(source: Path, target: Path) -> None:
    """Copy a SQLite database file consistently (its WAL included), replacing `target`."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    # sqlite3's context manager commits but does not close
    src.close()
    dst.close()


def sqlite_template(directory: Path) -> Path:
    """A freshly migrated SQLite file, made once per session."""
    path = directory / "migrated.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def worker_url(base: str) -> str:
    """This worker's own database (created when missing) under pytest-xdist, else `base`."""
    if not WORKER:
        return base
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_{WORKER}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@dataclass
class _Saved:
    schema: str
    tables: dict[str, tuple[int, str]]  # table -> (rows, column list)
    sequences: dict[str, tuple[int | None, int]]  # sequence -> (last value or None, start)
    script: str = ""  # the SQL that puts them back, run by the server in one round trip

    def __post_init__(self) -> None:
        # Every table is emptied (triggers and foreign keys off: the rows are put back as
        # they were) and the saved rows are copied back; each sequence is set to its saved
        # value, or restarted (at its start, as ALTER SEQUENCE ... RESTART does) if unused.
        sql = ["SET LOCAL session_replication_role = replica"]
        for table, (rows, columns) in self.tables.items():
            sql.append(f'DELETE FROM public."{table}"')
            if rows:
                sql.append(
                    f'INSERT INTO public."{table}" ({columns}) OVERRIDING SYSTEM VALUE '
                    f'SELECT {columns} FROM "{self.schema}"."{table}"'
                )
        for sequence, (value, start) in self.sequences.items():
            name = f'public."{sequence}"'.replace("'", "''")
            if value is None:
                sql.append(f"SELECT setval('{name}', {start}, false)")
            else:
                sql.append(f"SELECT setval('{name}', {value}, true)")
        self.script = ";\n".join(sql)


@dataclass
class PostgresDatabase:
    """One worker's PostgreSQL test database and the snapshots of its rows."""

    url: str
    fingerprint: str = ""
    saved: dict[str, _Saved] = field(default_factory=dict)
    _engine: Engine | None = None  # kept for the restores (a new connection costs ~60 ms)

    @classmethod
    def migrated(cls, url: str) -> PostgresDatabase:
        database = cls(url)
        database._fast_commits()
        database._rebuild()
        return database

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _fast_commits(self) -> None:
        """The test database's sessions commit without waiting for the WAL flush (see the
        module's docstring); only the database's owner or a superuser may set it."""
        name = make_url(self.url).database
        admin = create_engine(
            self.url.replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
        )
        try:
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        finally:
            admin.dispose()

    def _rebuild(self) -> None:
        self.close()
        engine = make_engine(self.url)
        try:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            migrate.upgrade(engine)
            with engine.begin() as conn:
                self.fingerprint = conn.execute(_STATE).one()[0] or ""
                if "migrated" not in self.saved:
                    self.saved["migrated"] = self._save(conn, "migrated")
        finally:
            engine.dispose()

    @staticmethod
    def _tables(conn: Connection) -> list[str]:
        return list(
            conn.scalars(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version' ORDER BY tablename"
                )
            )
        )

    def _save(self, conn: Connection, name: str) -> _Saved:
        schema = f"snapshot_{name}"
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        tables: dict[str, tuple[int, str]] = {}
        for table in self._tables(conn):
            columns = ", ".join(
                f'"{c}"'
                for c in conn.scalars(
                    text(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND table_name = :t "
                        "AND is_generated = 'NEVER' ORDER BY ordinal_position"
                    ),
                    {"t": table},
                )
            )
            rows = conn.scalar(text(f'SELECT count(*) FROM public."{table}"')) or 0
            if rows:
                conn.execute(
                    text(
                        f'CREATE TABLE "{schema}"."{table}" AS '
                        f'SELECT {columns} FROM public."{table}"'
                    )
                )
            tables[table] = (rows, columns)
        sequences = {
            name: (value, start)
            for name, value, start in conn.execute(
                text(
                    "SELECT sequencename, last_value, start_value FROM pg_sequences "
                    "WHERE schemaname = 'public'"
                )
            )
        }
        return _Saved(schema, tables, sequences)

    def save(self, engine: Engine, name: str) -> None:
        """Snapshot the rows `engine`'s database holds now under `name`."""
        with engine.begin() as conn:
            self.saved[name] = self._save(conn, name)

    def export(self, name: str, directory: Path) -> None:
        """Write the snapshot `name` to `directory` (each table's rows as PostgreSQL's binary
        COPY, and what `load` needs), for another worker's database to load."""
        saved = self.saved[name]
        directory.mkdir(parents=True)
        connection = self.engine.raw_connection()
        try:
            cursor = connection.driver_connection.cursor()  # type: ignore[union-attr]
            for table, (rows, _columns) in saved.tables.items():
                if not rows:
                    continue
                with (
                    (directory / f"{table}.copy").open("wb") as out,
                    cursor.copy(
                        f'COPY "{saved.schema}"."{table}" TO STDOUT (FORMAT BINARY)'
                    ) as copy,
                ):
                    for data in copy:
                        out.write(data)
            connection.rollback()
        finally:
            connection.close()
        manifest = {
            "fingerprint": self.fingerprint,
            "tables": saved.tables,
            "sequences": saved.sequences,
        }
        (directory / "manifest.json").write_text(json.dumps(manifest))

    def load(self, name: str, directory: Path) -> bool:
        """Make `export`'s snapshot, written by another worker, this database's snapshot
        `name`: the same rows and sequences, in a few hundred milliseconds where building
        the book again takes tens of seconds. False (nothing loaded) when the two databases'
        schemas differ."""
        manifest = json.loads((directory / "manifest.json").read_text())
        if manifest["fingerprint"] != self.fingerprint:
            return False
        schema = f"snapshot_{name}"
        tables = {table: (rows, columns) for table, (rows, columns) in manifest["tables"].items()}
        connection = self.engine.raw_connection()
        try:
            cursor = connection.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            cursor.execute(f'CREATE SCHEMA "{schema}"')
            for table, (rows, columns) in tables.items():
                if not rows:
                    continue
                cursor.execute(
                    f'CREATE TABLE "{schema}"."{table}" AS '
                    f'SELECT {columns} FROM public."{table}" WITH NO DATA'
                )
                with (
                    (directory / f"{table}.copy").open("rb") as rows_in,
                    cursor.copy(f'COPY "{schema}"."{table}" FROM STDIN (FORMAT BINARY)') as copy,
                ):
                    while data := rows_in.read(1 << 20):
                        copy.write(data)
            connection.commit()
        finally:
            connection.close()
        sequences = {
            sequence: (value, start) for sequence, (value, start) in manifest["sequences"].items()
        }
        self.saved[name] = _Saved(schema, tables, sequences)
        return True

    def restore(self, name: str = "migrated") -> None:
        """Put the database back to the snapshot `name` (the schema too, if a test changed it)."""
        with self.engine.connect() as conn:
            fingerprint, versioned = conn.execute(_STATE).one()
            version = (
                conn.scalar(text("SELECT version_num FROM alembic_version")) if versioned else None
            )
        if fingerprint != self.fingerprint or version != migrate.head_from_files():
            self._rebuild()
        with self.engine.begin() as conn:
            conn.exec_driver_sql(self.saved[name].script)
