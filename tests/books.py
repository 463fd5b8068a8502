"""Demo books built once per session and handed to each test as a copy (issue 14).

Building a demo book (generate, import, one or more daily runs) takes seconds to tens of
seconds; the daily run's text signals and win/loss reading dominate. Many tests need the
same book, so `Books` builds each recipe once for the whole run per database kind (the
first pytest-xdist worker that needs it builds it, `once_per_run`; a worker that needs it
meanwhile waits) and gives every test a fresh copy of it:

- SQLite: the book is built into a file of its own (a copy of the migrated template) in
  the run's directory; each test's database file is replaced by a copy of it
  (`sqlite_copy`, milliseconds).
- PostgreSQL: the first worker that needs it builds the book in its own database; its
  rows are kept as a snapshot (`PostgresDatabase.save`, tests/databases.py) and written to
  the run's directory (`export`: binary COPY); another worker loads that into a snapshot
  of its own database (`load`, a fraction of a second) instead of building the book again.
  Each test gets the snapshot put back (`restore`: the same rows and sequences, tens of
  milliseconds).
- The book's files are copied too: `<tmp_path>/book` (the generated import files) and
  `<tmp_path>/data` (the data directory with the Parquet usage store), so a test may change
  them as it likes.
- What the build returned (users, ids) is pickled beside the book for the other workers.

Every test still gets exactly what building the book itself would have given it (the same
rows, ids and files); only the wall-clock timestamps of the build are older.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from databases import PostgresDatabase, sqlite_copy
from sqlalchemy import Engine

from renewals.config import Settings
from renewals.db import make_engine
from renewals.demo.generator import generate_book
from renewals.ingest.service import run_import
from renewals.policy import service as policy_service
from renewals.scheduler import run_all

TODAY = date(2026, 11, 24)


def once_per_run(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The directory `build(directory)` filled, built once for the whole run: under
    pytest-xdist the first worker that needs it builds it in the run's directory (above
    each worker's own) while the others wait on a lock, instead of each worker building
    its own. It is shared: a test that writes copies it first."""
    shared = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's directory, above each worker's own
    directory = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / "built").exists():
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir()
            build(directory)
            (directory / "built").touch()
    return directory


# build(engine, root): writes the book into `engine`, its files under root/"book" and
# root/"data"; what it returns (users, ids...) is handed to every test with the copy.
Build = Callable[[Engine, Path], Any]


@dataclass(frozen=True)
class Demo:
    """A generated demo book (`accounts`, `seed`, generated as of `as_of`), imported, then
    run on each of `days` with the packaged policy (none: imported only)."""

    accounts: int
    seed: int
    days: tuple[date, ...] = ()
    as_of: date = TODAY

    @property
    def key(self) -> str:
        runs = "_".join(f"{d:%Y%m%d}" for d in self.days) or "imported"
        return f"demo_{self.accounts}_{self.seed}_{self.as_of:%Y%m%d}_{runs}"

    def __call__(self, engine: Engine, root: Path) -> None:
        generate_book(root / "book", accounts=self.accounts, seed=self.seed, as_of=self.as_of)
        run_import(engine, root / "book", data_dir=root / "data")
        settings = Settings(
            database_url=engine.url.render_as_string(hide_password=False), data_dir=root / "data"
        )
        policy = policy_service.load()
        for day in self.days:
            outcomes = run_all(engine, policy=policy, as_of=day, settings=settings)
            assert {o.status for o in outcomes} == {"ok"}, outcomes


@dataclass
class _Built:
    root: Path
    value: Any


@dataclass
class Books:
    """This worker's books, built on first use (see the module's docstring)."""

    request: pytest.FixtureRequest  # the session's, for the database fixtures
    sqlite: dict[str, _Built] = field(default_factory=dict)
    postgres: dict[str, _Built] = field(default_factory=dict)

    def copy(self, engine: Engine, tmp_path: Path, build: Build, key: str = "") -> Any:
        """Make `engine`'s (freshly migrated) database, tmp_path/"book" and tmp_path/"data" a
        copy of the book `build` makes (built the first time); returns what `build` returned.
        `key` names the book (a `Demo` names itself): one key, one build per database kind
        for the whole run (the first worker that needs it builds it, `once_per_run`)."""
        key = key or build.key  # type: ignore[attr-defined]
        factory: pytest.TempPathFactory = self.request.getfixturevalue("tmp_path_factory")
        if engine.dialect.name == "sqlite":
            built = self.sqlite.get(key)
            if built is None:
                migrated: Path = self.request.getfixturevalue("migrated_sqlite")

                def make(root: Path) -> None:
                    sqlite_copy(migrated, root / "book.db")
                    own = make_engine(f"sqlite:///{root / 'book.db'}")
                    try:
                        _keep(root, build(own, root))
                    finally:
                        own.dispose()

                root = once_per_run(factory, f"book-sqlite-{key}", make)
                built = self.sqlite[key] = _Built(root, _kept(root))
            engine.dispose()
            assert engine.url.database
            sqlite_copy(built.root / "book.db", Path(engine.url.database))
        else:
            database: PostgresDatabase = self.request.getfixturevalue("postgres_database")
            name = f"book_{key}".replace("-", "_")
            built = self.postgres.get(key)
            here = False  # built in this database: its rows are the book's already
            if built is None or name not in database.saved:

                def make_pg(root: Path) -> None:
                    nonlocal here
                    here = True
                    value = build(engine, root)
                    engine.dispose()
                    database.save(engine, name)
                    database.export(name, root / "rows")
                    _keep(root, value)

                root = once_per_run(factory, f"book-postgres-{key}", make_pg)
                if name not in database.saved and not database.load(name, root / "rows"):
                    # another worker's schema differs (a test changed it): build it here
                    root = factory.mktemp(f"pgbook-{key}")
                    _keep(root, build(engine, root))
                    engine.dispose()
                    database.save(engine, name)
                    here = True
                built = self.postgres[key] = _Built(root, _kept(root))
            engine.dispose()
            if not here:
                database.restore(name)
        for part in ("book", "data"):
            if (built.root / part).exists():
                shutil.copytree(built.root / part, tmp_path / part, dirs_exist_ok=True)
        return built.value


def _keep(root: Path, value: Any) -> None:
    """What a build returned, for the workers that copy the book without building it."""
    (root / "value.pickle").write_bytes(pickle.dumps(value))


def _kept(root: Path) -> Any:
    return pickle.loads((root / "value.pickle").read_bytes())
