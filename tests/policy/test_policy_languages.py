"""A bad policy file explains itself in the reader's language (issue 22): every problem
keeps its key path (and rule ID) as it is and reads in de, id and ms: a missing or unknown
key, a value out of range (Pydantic's own message, read through the catalogue), the
schema's own checks (bands that overlap, ranges upside down, rates that are not dates, a
measure of an unknown feature), a file that is not TOML or not there. In English as before."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from cli_languages import cli, said_in_each_language

# ISO 8601's pattern is written as it is in Indonesian and Malay (what one types)
ISO = "YYYY-MM-DD"

BAD = """
[run]
renewal_window_days = 0
[health]
warning_scor = 3
yellow_min_score = 80
green_min_score = 70
[segments]
bands = [
  { segment = "smb", min_arr = 0, max_arr = 10000, lead_days = 60, team_hours = { min = 1, max = 2 } },
  { segment = "mid_market", min_arr = 5000, max_arr = 100000, lead_days = 90, team_hours = { min = 1, max = 2 } },
  { segment = "enterprise", min_arr = 100000, lead_days = 120, team_hours = { min = 1, max = 2 } },
]
[currency.rates.EUR]
"2026-13-01" = 1.1
[save.economics.success_ceiling]
min = 0.9
max = 0.2
[save.economics]
save_cost_multiplier = 3
[[health.guards]]
signal = "nosuch"
cap = 50
reason = "no such signal"
"""


def test_a_bad_policy_file_reads_in_the_language(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD, encoding="utf-8")
    unknown = tmp_path / "unknown.toml"
    unknown.write_text(
        '[[health.measures]]\ncomponent = "usage"\nfeature = "nosuch"\nweight = 1\n'
        "points = [[0, 10], [1, 90]]\n",
        encoding="utf-8",
    )
    broken = tmp_path / "broken.toml"
    broken.write_text("[run\n", encoding="utf-8")
    settings = SimpleNamespace(database_url=f"sqlite:///{tmp_path / 'db'}", data_dir=tmp_path)
    commands = [
        (("--policy", str(bad), "policy", "show"), 1),
        (("--policy", str(broken), "policy", "show"), 1),
        (("--policy", str(tmp_path / "missing.toml"), "policy", "show"), 1),
        (("--policy", str(unknown), "policy", "show"), 1),
    ]
    said = said_in_each_language(
        cli(settings), commands, shown=6, read=lambda text: text.replace(ISO, "")
    )
    english = said["en"][0]
    for line in (
        "invalid policy ",
        "  segments.bands: bands overlap: mid_market starts at 5,000 below the end of smb (10,000)",
        "  save.economics.save_cost_multiplier: Input should be a valid dictionary or instance "
        "of Range (got 3)",
        "  health.warning_scor: unknown key (known keys here: bottom_quartile,",
        "  run.renewal_window_days: Input should be greater than 0 (got 0)",
        "  currency.rates: currency.rates.EUR: '2026-13-01' is not a date ()",
        "  save.economics.success_ceiling: min (0.9) is greater than max (0.2)",
        "  health.guards[0].signal: 'nosuch' is not one of: 'seats_unused', ",
    ):
        assert line in english, (line, english)
    de = said["de"][0]
    for line in (
        "Fehler: ungültige Richtlinie ",
        "  segments.bands: Bänder überlappen sich: Mittelstand beginnt bei 5.000 unter dem Ende von KMU "
        "(10.000)",
        "  health.warning_scor: unbekannter Schlüssel (bekannte Schlüssel hier: bottom_quartile,",
        "  run.renewal_window_days: Eingabe muss größer als 0 sein (erhalten: 0)",
        "  currency.rates: currency.rates.EUR: '2026-13-01' ist kein Datum (JJJJ-MM-TT)",
        "  save.economics.success_ceiling: min (0,9) ist größer als max (0,2)",
        "  health.guards[0].signal: 'nosuch' ist keiner von: 'seats_unused', ",
    ):
        assert line in de, (line, de)
    assert "kein gültiges TOML: " in said["de"][1] and "Datei nicht gefunden" in said["de"][2]
    assert "tidak dikenal (kunci yang dikenal di sini: " in said["id"][0], said["id"][0]
    assert "fail tidak dijumpai" in said["ms"][2], said["ms"][2]
    assert "health.measures[0].feature: unbekanntes Merkmal 'nosuch' (bekannt: " in said["de"][3]
