"""`renewals fx show/import` read in the reader's language (issue 22): the rate table, an
import, a missing file and a file with a problem, on the 40-account book in de, id and ms
with no English phrase of the catalogue left (in English they show)."""

from __future__ import annotations

from pathlib import Path

from books import Books
from cli_languages import reads_in_each_language
from dashboard.book import TODAY, built_book
from sqlalchemy import Engine


def test_fx_reads_in_the_language(books: Books, engine: Engine, tmp_path: Path) -> None:
    good, bad = tmp_path / "fx_ok.csv", tmp_path / "fx_bad.csv"
    good.write_text("date,currency,rate\n2026-01-01,EUR,1.1\n", encoding="utf-8")
    bad.write_text("date,currency,rate\n2026-01-01,EUR,abc\n", encoding="utf-8")
    day = TODAY.isoformat()
    commands = [
        (("fx", "show", "--as-of", day), 0),
        (("fx", "import", str(tmp_path / "nope.csv")), 2),
        (("fx", "import", str(bad)), 1),
        (("fx", "import", str(good)), 0),
    ]
    said = reads_in_each_language(lambda: built_book(books, engine, tmp_path), commands, shown=3)
    assert "Währung" in said["de"][0] and "1,0478" in said["de"][0], said["de"][0]
    assert "nichts wurde importiert" in said["de"][2], said["de"][2]
