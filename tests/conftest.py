"""Shared fixtures: a migrated database on SQLite always, and on PostgreSQL when
RENEWALS_TEST_DATABASE_URL is set (CI sets it; it must then be reachable)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from renewals import migrate
from renewals.db import make_engine

PG_URL = os.environ.get("RENEWALS_TEST_DATABASE_URL")
TODAY = date(2026, 11, 24)


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated application database (each test gets an empty one)."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    else:
        if not PG_URL:
            pytest.skip("PostgreSQL tests need RENEWALS_TEST_DATABASE_URL (.ci/run sets it)")
        eng = make_engine(PG_URL)
        _reset_postgres(eng)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path
