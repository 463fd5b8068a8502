"""`renewals source` and `renewals db` read in the reader's language (issue 22): the sources
list and quarantine of a book without any, a warehouse source without its URL, the schema's
version, on the 40-account book in de, id and ms with no English phrase of the catalogue left
(in English they show)."""

from __future__ import annotations

from pathlib import Path

from books import Books
from cli_languages import reads_in_each_language
from dashboard.book import built_book
from sqlalchemy import Engine


def test_source_and_db_read_in_the_language(books: Books, engine: Engine, tmp_path: Path) -> None:
    commands = [
        (("source", "list"), 0),
        (("source", "quarantine"), 0),
        (("source", "add", "dwh", "--kind", "warehouse", "--by", "admin@example.com"), 2),
        (("db", "current"), 0),
        (("db", "upgrade"), 0),
    ]
    said = reads_in_each_language(lambda: built_book(books, engine, tmp_path), commands, shown=4)
    assert "Noch keine Quellen" in said["de"][0], said["de"][0]
    assert "Karantina kosong" in said["id"][1], said["id"][1]
    assert "memerlukan --url dan --table" in said["ms"][2], said["ms"][2]
    assert "die neueste ist" in said["de"][3] and "bereits auf" in said["de"][4], said["de"]
    assert "newest is" in said["en"][3] and "already at" in said["en"][4], said["en"]
