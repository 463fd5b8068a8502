"""`renewals forecast backtest` and `renewals health calibrate` read in the reader's language
(issue 22): the backtest's quarter table, MAPE line, category tables and notes, its errors;
the calibration's report (hold-out, AUC per component, added and dropped measures, the
share of the fit and why, the red and green lines, the proposed change) and its TECH-1 and
HEALTH-1 refusals, in de, id and ms with no English phrase of the catalogue left; figures
the language's way, component names and policy keys as they are. In English as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from books import Books
from cli_languages import said_in_each_language
from forecast.model_book import model_cli
from sqlalchemy import Engine


def test_backtest_and_calibration_read_in_the_language(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    run = model_cli(books, engine, tmp_path)

    commands = [
        (("forecast", "backtest", "--from", "2026-04-01", "--to", "2026-09-30"), 0),
        (("forecast", "backtest", "--from", "2026-10-01", "--to", "2025-10-01"), 1),
        (("forecast", "backtest", "--from", "2026-11-02", "--to", "2026-11-20"), 1),
        (("health", "calibrate", "--as-of", "2026-11-24", "--since", "2026-03-29"), 0),
        (("health", "calibrate", "--as-of", "2026-11-24", "--since", "2026-11-01"), 1),
    ]
    said = said_in_each_language(run, commands, shown=12)
    en, de = said["en"], said["de"]
    assert "forecast vs actual renewed ARR per quarter" in en[0] and "MAPE " in en[0], en[0]
    assert "Health category on the quarter's first day (LEARN-2)" in en[0], en[0]
    assert "Calibrated on " in en[3] and "Renewals per term: annual " in en[3], en[3]
    assert "Prognose gegenüber tatsächlich verlängertem ARR je Quartal" in de[0], de[0]
    assert "über 2 vollständige Quartale" in de[0], de[0]
    assert "--to 2025-10-01 liegt vor --from 2026-10-01" in de[1], de[1]
    assert "kein Quartal beginnt zwischen 2026-11-02 und 2026-11-20" in de[2], de[2]
    assert "Verlängerungen je Laufzeit: jährlich " in de[3], de[3]
    assert "ROC AUC auf dem Hold-out" in de[3] and "Vorgeschlagene Änderung der Policy" in de[3]
    assert "HEALTH-1: " in de[4] and "Verlängerungen vor 2026-11-24 abgeschlossen" in de[4], de[4]
    assert "Kalibrasi" not in said["id"][3] and "Dikalibrasi pada " in said["id"][3]
    assert "Ditentukur pada " in said["ms"][3], said["ms"][3]


def test_the_learned_models_refusals_read_in_the_language() -> None:
    """TECH-1's refusals of the learned model (too few renewals to split, one outcome only)
    and a replayed quarter's note, English as before, in the language when printed."""
    from datetime import date

    from renewals.forecast.backtest import quarter_result
    from renewals.forecast.learned import TooFewOutcomes, time_split
    from renewals.kit.calendar import quarter_of
    from renewals.kit.i18n import tr, using

    with pytest.raises(TooFewOutcomes) as caught:
        time_split([], 0.25)
    assert caught.value.message == "TECH-1: 0 closed renewals: too few to split"
    empty = quarter_result(quarter_of(date(2026, 4, 1)), [], engine="prior")
    assert empty.note == "no renewals due"
    with using("de"):
        assert tr(caught.value.message) == (
            "TECH-1: 0 abgeschlossene Verlängerungen: zu wenige zum Aufteilen"
        )
        assert tr(empty.note) == "keine fälligen Verlängerungen"
    with using("id"):
        assert tr(empty.note) == "tidak ada perpanjangan yang jatuh tempo"
