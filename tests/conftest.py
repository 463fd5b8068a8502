"""Shared fixtures: a migrated database on SQLite always, and on PostgreSQL when
RENEWALS_TEST_DATABASE_URL is set (CI sets it; it must then be reachable). The migrations
run once per session (and worker); tests/databases.py hands each test an identical copy."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
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

# One file of sentence embeddings for every process of the run, and of later runs on this
# machine (the workers, and the CLI subprocesses they start, which inherit the
# environment): the demo books' sentences are embedded once instead of once per process,
# most of a small book's daily run (signal/embedding_file.py). Vectors are the model's
# own whichever process made them, so no result depends on the file.
os.environ.setdefault(
    "RENEWALS_EMBEDDING_CACHE",
    str(Path(tempfile.gettempdir()) / "renewals-tests" / "embeddings.sqlite"),
)

# pytest-xdist starts its workers with COLUMNS=80 in the environment; Rich would fix the
# CLI's console at that width when renewals.kit.cli is imported, and a test's own COLUMNS
# (CliRunner env) would no longer count. Off xdist the variable is not set: the same here.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)


# The modules with the longest tests, longest first (issue 14: a full run on both databases
# with --durations=0, 2 workers, 2026-12-07 at fd75486 at load 2-7; seconds of a test's
# setup and call, its longest, and the module's sum where it has several): every module
# with a test of 6.4 s or more (no other test took more than 6.1). With `-n` the workers
# steal work (pytest_xdist_make_scheduler below): the first worker starts on the first half
# of the tests in this order, the second on the second half, and a worker that runs out
# takes the last half of what the other has left. The long tests run first and the workers
# end together on short ones, instead of one worker starting a 20-second test while the
# other has nothing left to do.
LONGEST_FIRST = (
    "source/test_client_libraries.py",  # the tracking clients' kill: 22.7, one test
    "test_doc_examples.py",  # 26.8 (its book's build 17.8), 33 pages 51.3
    "web/test_browser_languages.py",  # the browser walk per language: 50.2, 4 walks 174.1
    "web/test_accessibility.py",  # the axe and keyboard walk: 45.7, one test
    "web/test_browser.py",  # 37.0, one test
    "test_batches.py",  # batches of 100 against one: 26.6, 36.8
    "worker/test_two_workers.py",  # two workers' week on PostgreSQL: 26.1
    "usage/test_spark.py",  # PySpark against DuckDB: 24.1, 41.6
    "web/test_serving.py",  # thirty clients against `renewals serve`: 23.8, 36.7
    "web/test_i18n.py",  # each role's pages in each language: 22.3, 61.9
    "web/test_route_matrix.py",  # 20.2
    "playbook/test_team_day.py",  # a team's day: 17.0
    "test_daily_run_killed.py",  # the SIGKILL reruns: 15.8, 42.6
    "test_cli_machine_output.py",  # 14.8, 33.0
    "forecast/test_model_commands_languages.py",  # 10.0
    "forecast/test_backtest_languages.py",  # 9.8
    "test_cli.py",  # 9.5, 13.8
    "web/test_api_schema.py",  # 9.2, 17.6
    "test_daily_run_incremental.py",  # 8.8, 17.2
    "save_plan/test_commands_languages.py",  # 8.7, 12.8
    "web/test_browser_signal_labels.py",  # 8.4
    "demo/test_demo_serve.py",  # 7.2, 18.2
    "web/test_list_parity.py",  # 6.8, 33.6
    "web/test_page_fuzz.py",  # 6.4, 12.6
    "test_cli_errors_languages.py",  # 6.4, 17.2
)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Work stealing instead of pytest-xdist's load scheduling when `-n` is given without
    `--dist` (issue 14). The load scheduler hands each worker a first chunk of a quarter of
    its share of the tests in collection order: with LONGEST_FIRST the first worker's chunk
    held more than half of the run's test time (830 of 1,420 s, tonight's durations), and
    the first worker ended last while the other had nothing to do. Stealing keeps each
    module's tests on one worker as the load scheduler did (module fixtures, shared
    books) but a worker that runs out takes over the end of the other's queue."""
    given = [*config.invocation_params.args, *config.getini("addopts")]
    given += os.environ.get("PYTEST_ADDOPTS", "").split()
    if config.getoption("dist") != "load" or any(str(a).startswith("--dist") for a in given):
        return None  # asked for by name (command line, addopts): pytest-xdist's own
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """LONGEST_FIRST's modules first, in its order; every other test keeps its place."""
    tests = Path(__file__).parent
    missing = [name for name in LONGEST_FIRST if not (tests / name).is_file()]
    if missing:  # renamed or moved: say so rather than silently run them last again
        raise pytest.UsageError(f"tests/conftest.py LONGEST_FIRST names no file: {missing}")
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}

    def place(item: pytest.Item) -> int:
        try:
            name = item.path.relative_to(tests).as_posix()
        except ValueError:
            return len(rank)
        return rank.get(name, len(rank))

    items.sort(key=place)  # a stable sort: a module's tests stay in their order


@pytest.fixture(scope="session", autouse=True)
def real_password_hasher() -> Iterator[PasswordHasher]:
    """Passwords hashed and verified at argon2's lowest cost in this process: a hash at the
    real cost (`renewals.user.auth`, m=64 MiB, t=3, p=4) is about 0.17 CPU s, and every
    password sign-in verifies one (issue 14: tests/user/test_auth.py 15.4 -> 4.3 CPU s).
    The sign-in logic is the same at any cost; the real hasher (yielded) is kept by the
    tests of the cost itself (test_auth.py's `real_cost`), and by every `renewals`
    subprocess (a served demo, the CLI)."""
    from renewals.user import auth

    real = auth._hasher
    auth._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield real
    auth._hasher = real


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
