"""`renewals escalation ...` reads in the reader's language (issue 22): the list, each ESC-2
step's confirmation and the errors of taking one out of order, on the 40-account book in
de, id and ms, with no English phrase of the catalogue left (in English they show)."""

from __future__ import annotations

import json
from pathlib import Path

from books import Books
from cli_languages import cli, reads_in_each_language
from dashboard.book import TODAY, built_book, people
from sqlalchemy import Engine


def test_escalation_reads_in_the_language(books: Books, engine: Engine, tmp_path: Path) -> None:
    settings = built_book(books, engine, tmp_path)
    run = cli(settings)
    row = json.loads(run("escalation", "list", "--json").splitlines()[0])
    renewal, day = row["renewal_id"], TODAY.isoformat()
    who = people(engine)
    by = ("--by", who.csm, "--on", day)
    commands = [
        (("escalation", "list"), 0),
        (("escalation", "step", renewal, "3", *by), 1),  # out of order
        (("escalation", "step", "R-NONE", "1", *by), 1),  # no escalation
        (("escalation", "step", renewal, "1", *by), 0),
        (("escalation", "step", renewal, "2", *by), 1),  # no executive
        (("escalation", "step", renewal, "2", "--executive", who.director, *by), 0),
        (("escalation", "step", renewal, "3", *by), 1),  # no note
        (("escalation", "step", renewal, "3", "--note", "weekly", *by), 0),
        (("escalation", "decline", renewal, "--reason", "no", *by), 1),
        (("escalation", "list", "--all"), 0),
        (("escalation", "step", renewal, "4", "--note", "learned", *by), 0),
        (("escalation", "step", renewal, "4", "--note", "again", *by), 1),  # closed
    ]
    said = reads_in_each_language(lambda: built_book(books, engine, tmp_path), commands)
    assert "Schritt 3" in said["de"][7] and "langkah 3" in said["id"][7], said["id"][7]
    assert "error:" not in said["de"][1] and renewal in said["de"][1]
