"""`renewals model ...` reads in the reader's language (issue 22): train's, evaluate's and
show's tables and lines (AUC, Brier, calibration, health, the split, the stored model,
whether the forecast uses it and why, the coefficients and what the model leaves out) and
TECH-1's reasons (too few outcomes, no trained model), in de, id and ms with no English
phrase of the catalogue left; figures the language's way; in English as before."""

from __future__ import annotations

from pathlib import Path

from books import Books
from cli_languages import said_in_each_language
from forecast.model_book import model_cli
from sqlalchemy import Engine


def test_the_model_commands_read_in_the_language(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    run = model_cli(books, engine, tmp_path)

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
    # the model's kind and state and the term lengths as words (stored in English)
    assert "(logistisch, aktiv), trainiert" in said["de"][0], said["de"][0]
    assert "(logistik, aktif)" in said["ms"][0], said["ms"][0]
    assert "Trainingszeilen je Laufzeit: jährlich " in said["de"][1], said["de"][1]
    assert "(logistic, active), trained" in said["en"][0], said["en"][0]
    # the English as it was
    assert "Brier score (lower is better)" in said["en"][1]
    assert "Training rows per term length: annual" in said["en"][1]
