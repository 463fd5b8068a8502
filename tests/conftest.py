"""Shared fixtures: a migrated database on SQLite always, and on PostgreSQL when
RENEWALS_TEST_DATABASE_URL is set (CI sets it; it must then be reachable). The migrations
run once per session (and worker); tests/databases.py hands each test an identical copy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from books import Books
from databases import PG_URL, PostgresDatabase, sqlite_copy, sqlite_template, worker_url
from sqlalchemy import Engine

from renewals.db import make_engine

TODAY = date(2026, 11, 24)

# The vendor and the public address have no defaults (an example name or an unreachable
# link must never reach a customer); the suite runs as a configured deployment would.
# tests/contract_doc/test_configuration.py checks the refusals with them unset.
CONFIGURED = {
    "RENEWALS_VENDOR_NAME": "Test Vendor GmbH",
    "RENEWALS_VENDOR_ADDRESS": "Teststrasse 1, 10115 Berlin, Germany",
    "RENEWALS_PUBLIC_URL": "https://renewals.test.example",
}
for _name, _value in CONFIGURED.items():
    os.environ.setdefault(_name, _value)

# pytest-xdist starts its workers with COLUMNS=80 in the environment; Rich would fix the
# CLI's console at that width when renewals.kit.cli is imported, and a test's own COLUMNS
# (CliRunner env) would no longer count. Off xdist the variable is not set: the same here.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrations' result on SQLite, made once; each test's database is a copy."""
    return sqlite_template(tmp_path_factory.mktemp("migrated"))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase]:
    """This worker's PostgreSQL database, migrated once (tests/databases.py)."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need RENEWALS_TEST_DATABASE_URL (.ci/run sets it)")
    database = PostgresDatabase.migrated(worker_url(PG_URL))
    yield database
    database.close()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated application database (each test gets an empty one)."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        sqlite_copy(request.getfixturevalue("migrated_sqlite"), path)
        eng = make_engine(f"sqlite:///{path}")
    else:
        database: PostgresDatabase = request.getfixturevalue("postgres_database")
        database.restore("migrated")
        eng = make_engine(database.url)
    yield eng
    eng.dispose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def books(request: pytest.FixtureRequest) -> Books:
    """Demo books built once per session (and worker, and database kind); `books.copy`
    hands a test its own copy (tests/books.py)."""
    return Books(request)
