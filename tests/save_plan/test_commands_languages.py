"""`renewals saves ...` reads in the reader's language (issue 22): every sub-command's human
output on the 40-account book in de, id and ms, with no English phrase of the catalogue left;
the same commands in English show those phrases (the check can fail)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from books import Books
from cli_languages import cli, reads_in_each_language
from dashboard.book import TODAY, built_book
from sqlalchemy import Engine


def _commands(run) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    """A day of the save desk on the book: the most urgent triage gets a plan, a problem,
    hours, a verified fix and is closed saved; the least one is declared lost, exited and
    debriefed."""
    rows = [json.loads(line) for line in run("saves", "list", "--json").splitlines()]
    first, last = rows[0], rows[-1]
    renewal, owner, lost = first["renewal_id"], first["owner_email"], last["renewal_id"]
    day = TODAY.isoformat()
    return [
        ("saves", "list"),
        ("saves", "triage", renewal),
        ("saves", "plan", renewal, "--by", owner, "--as-of", day),
        ("saves", "plan", renewal, "--fast-fix"),
        ("saves", "hours", renewal, "1.5", "--by", owner, "--note", "call", "--on", day),
        (
            "saves",
            "problem",
            "add",
            renewal,
            "--description",
            "Invoices",
            "--deal-breaker",
            "--quick",
            "--by",
            owner,
            "--as-of",
            day,
        ),  # fmt: skip
        ("saves", "problem", "update", "1", "--status", "in_progress", "--by", owner),
        ("saves", "problem", "verify", "1", "--note", "ok", "--by", owner, "--on", day),
        ("saves", "economics"),
        ("saves", "economics", renewal),
        ("saves", "economics", lost),
        ("saves", "report", "--as-of", day),
        ("saves", "report", "--as-of", day, "--by", "owner"),
        ("saves", "exit", lost, "--because", "final_decision", "--note", "x", "--by", owner),
        ("saves", "exit", lost, "--done", "data_export", "--by", owner),
        ("saves", "debrief", lost, "--could-have-been-saved", "yes", "--by", owner),
        ("saves", "winback", "list", "--as-of", day),
        ("saves", "winback", "triggers", "--as-of", day),
        ("saves", "close", renewal, "--outcome", "saved", "--by", owner, "--on", day),
        ("saves", "plan", renewal),
    ]


def _read(text: str) -> str:
    """What the check reads: the conversation guide is a document in the plan owner's
    language (SAVE-10/11), and a problem's description holds the customer's own words."""
    return re.split(r"\(SAVE-10/11\)", text)[0]


def test_every_saves_command_reads_in_the_language(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    settings = built_book(books, engine, tmp_path)
    commands = [(args, 0) for args in _commands(cli(settings))]
    # each language on the same day of work: the book again, the commands in order
    said = reads_in_each_language(
        lambda: built_book(books, engine, tmp_path), commands, read=_read, shown=40
    )
    # figures the language's way
    assert re.search(r"\d\.\d{3} ", said["de"][8]) and "%" in said["de"][8], said["de"][8]
    # errors in the language: nothing to record
    run = cli(built_book(books, engine, tmp_path))
    error = run("--language", "de", "saves", "evidence", commands[1][0][2], "--by", "x", code=2)
    assert "nichts zu erfassen" in error, error
