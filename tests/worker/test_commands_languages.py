"""`renewals worker` reads in the reader's language (issue 22): its refusals of a simulated
clock (--clock without --until, a time that is not ISO, an end before the start) on the
40-account book in de, id and ms, with no English phrase of the catalogue left (in English
they show)."""

from __future__ import annotations

from pathlib import Path

from books import Books
from cli_languages import reads_in_each_language
from dashboard.book import built_book
from sqlalchemy import Engine


def test_worker_reads_in_the_language(books: Books, engine: Engine, tmp_path: Path) -> None:
    commands = [
        (("worker", "--clock", "2027-01-04T00:00"), 2),
        (("worker", "--clock", "soon", "--until", "2027-01-11T00:00"), 2),
        (("worker", "--clock", "2027-01-05T00:00", "--until", "2027-01-04T00:00"), 2),
    ]
    said = reads_in_each_language(lambda: built_book(books, engine, tmp_path), commands, shown=3)
    assert "gehören zusammen" in said["de"][0], said["de"][0]
    assert "'soon'" in said["id"][1] and "tanggal-waktu ISO" in said["id"][1], said["id"][1]
    assert "mesti selepas" in said["ms"][2], said["ms"][2]
    assert "--until must be after --clock" in said["en"][2], said["en"][2]
