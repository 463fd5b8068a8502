"""The book the learned model's and the backtest's language tests run `renewals` on: the
200-account demo book of seed 7, imported, no daily run (as tests/forecast/test_learned.py),
with a policy that lets the model learn from 50 closed renewals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from books import Books, Demo
from cli_languages import cli
from sqlalchemy import Engine

BOOK = Demo(200, seed=7)


def model_cli(books: Books, engine: Engine, tmp_path: Path) -> Callable[..., str]:
    """`renewals ARGS` on a copy of BOOK with that policy (SQLite only: the figures are the
    same on both databases)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the commands are exercised on SQLite (the model is the same on both)")
    books.copy(engine, tmp_path, BOOK)
    policy = tmp_path / "policy.toml"
    policy.write_text("[forecast]\nmin_outcomes_for_model = 50\n", encoding="utf-8")
    settings = SimpleNamespace(
        database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data"
    )
    base = cli(settings)

    def run(*args: str, code: int | None = 0) -> str:
        return base(*args, code=code, RENEWALS_POLICY_FILE=str(policy))

    return run
