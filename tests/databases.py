"""Test databases without re-migrating: every test still gets a freshly migrated database.

Running the migrations costs about a second a test; copying their result costs milliseconds.

- SQLite: the migrations run once per session into a template file; each test gets a copy.
- PostgreSQL: one database per pytest-xdist worker (`<name>_gw0`, ...; without xdist the
  database RENEWALS_TEST_DATABASE_URL names), migrated once. Before each test its rows are
  put back to a snapshot taken right after the migrations (the seed rows they write) and its
  sequences restarted, so a test sees exactly what a freshly migrated database holds. A test
  that changed the schema itself (its fingerprint differs) gets the schema rebuilt.
- Books (a demo book imported and run) are snapshotted the same way: `Snapshots` keeps the
  rows of a built book in a schema of its own and restores them in a few milliseconds, where
  building the book again takes seconds (`CREATE DATABASE ... TEMPLATE` was measured too:
  1-3 s a copy on the CI machine, slower than restoring the rows).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, make_url, text

from renewals import migrate
from renewals.db import make_engine

PG_URL = os.environ.get("RENEWALS_TEST_DATABASE_URL")
WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... under pytest-xdist

_FINGERPRINT = text(
    "SELECT md5(string_agg(table_name || '.' || column_name || ':' || data_type || ':' "
    "|| coalesce(column_default, ''), ',' ORDER BY table_name, column_name)) "
    "FROM information_schema.columns WHERE table_schema = 'public'"
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
    sequences: dict[str, int | None]  # sequence -> last value (None: never used)


@dataclass
class PostgresDatabase:
    """One worker's PostgreSQL test database and the snapshots of its rows."""

    url: str
    fingerprint: str = ""
    saved: dict[str, _Saved] = field(default_factory=dict)

    @classmethod
    def migrated(cls, url: str) -> PostgresDatabase:
        database = cls(url)
        database._rebuild()
        return database

    def _rebuild(self) -> None:
        engine = make_engine(self.url)
        try:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            migrate.upgrade(engine)
            with engine.begin() as conn:
                self.fingerprint = conn.scalar(_FINGERPRINT) or ""
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
            name: value
            for name, value in conn.execute(
                text(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
                )
            )
        }
        return _Saved(schema, tables, sequences)

    def save(self, engine: Engine, name: str) -> None:
        """Snapshot the rows `engine`'s database holds now under `name`."""
        with engine.begin() as conn:
            self.saved[name] = self._save(conn, name)

    def restore(self, name: str = "migrated") -> None:
        """Put the database back to the snapshot `name` (the schema too, if a test changed it)."""
        engine = make_engine(self.url)
        try:
            with engine.begin() as conn:
                fingerprint = conn.scalar(_FINGERPRINT) or ""
                version = conn.scalar(
                    text(
                        "SELECT version_num FROM alembic_version"
                        if conn.scalar(text("SELECT to_regclass('public.alembic_version')"))
                        else "SELECT NULL"
                    )
                )
            if fingerprint != self.fingerprint or version != migrate.head_from_files():
                self._rebuild()
            saved = self.saved[name]
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for table, (rows, columns) in saved.tables.items():
                    conn.execute(text(f'DELETE FROM public."{table}"'))
                    if rows:
                        conn.execute(
                            text(
                                f'INSERT INTO public."{table}" ({columns}) OVERRIDING SYSTEM VALUE '
                                f'SELECT {columns} FROM "{saved.schema}"."{table}"'
                            )
                        )
                for sequence, value in saved.sequences.items():
                    if value is None:
                        conn.execute(text(f'ALTER SEQUENCE public."{sequence}" RESTART'))
                    else:
                        conn.execute(
                            text("SELECT setval(:s, :v, true)"),
                            {"s": f'public."{sequence}"', "v": value},
                        )
        finally:
            engine.dispose()
