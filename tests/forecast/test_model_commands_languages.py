"""`renewals model ...` reads in the reader's language (issue 22): train's, evaluate's and
show's tables and lines (AUC, Brier, calibration, health, the split, the stored model,
whether the forecast uses it and why, the coefficients and what the model leaves out) and
TECH-1's reasons (too few outcomes, no trained model), in de, id and ms with no English
phrase of the catalogue left; figures the language's way; in English as before."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from books import Books, Demo
from cli_languages import cli, said_in_each_language
from sqlalchemy import Engine

BOOK = Demo(200, seed=7)  # imported, no daily run (as tests/forecast/test_learned.py)


def test_the_model_commands_read_in_the_language(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
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

    day = ("--as-of", "2026-11-24")
    before = [
        (("model", "show"), 0),  # no trained model: the prior
        (("model", "evaluate", "--stored"), 1),
        (("model", "train", *day, "--since", "2026-10-15"), 1),  # too few outcomes
    ]
    said = said_in_each_language(run, before, shown=3)
    assert "Kein trainiertes Modell. TECH-1: kein trainiertes Modell" in said["de"][0]
    assert "TECH-1: the learned model" not in said["id"][2] and "churn" in said["id"][2]

    run("model", "train", *day, "--since", "2026-03-29")
    after = [
        (("model", "show"), 0),
        (("model", "evaluate", "--stored"), 0),
    ]
    said = said_in_each_language(run, after, shown=10)
    assert "Größte Koeffizienten" in said["de"][0] and "vom Modell nicht verwendet" in said["de"][0]
    assert "Brier-Score (niedriger ist besser)" in said["de"][1], said["de"][1]
    assert "Kalibrasi pada hold-out" in said["id"][1] and "0,8" in said["id"][1]
    # the English as it was
    assert "Brier score (lower is better)" in said["en"][1]
    assert "Training rows per term length: annual" in said["en"][1]
