"""`renewals library ...` reads in the reader's language (issue 22): loading the seeds, the
list with its uses and unanswered objections, an item, adding, using, an objection heard and
the errors (an unknown key, a language without the item, a response to a script), on the
40-account book in de, id and ms with no English phrase of the catalogue left (the items
themselves are the seeds' or the team's words and stay as written)."""

from __future__ import annotations

from pathlib import Path

from books import Books
from cli_languages import reads_in_each_language
from dashboard.book import built_book, people
from sqlalchemy import Engine, select

from renewals.db import session_scope
from renewals.renewal.models import Renewal


def _commands(renewal: str, by: str) -> list[tuple[tuple[str, ...], int]]:
    key = "save_listen_first"
    return [
        (("library", "list"), 0),
        (("library", "load-seeds"), 0),
        (("library", "show", "nope", "--language", "de"), 1),
        (("library", "show", key, "--language", "fr"), 1),
        (("library", "add", "--kind", "script", "--title", "Hi", "--body", "x", "--by", by), 0),
        (("library", "use", key, renewal, "--by", by), 0),
        (("library", "objection", renewal, "--heard", "too expensive now", "--by", by), 0),
        (("library", "respond", key, "--response", "x", "--by", by), 1),
        (("library", "list"), 0),
    ]


def test_library_reads_in_the_language(books: Books, engine: Engine, tmp_path: Path) -> None:
    built_book(books, engine, tmp_path)
    with session_scope(engine) as session:
        renewal = session.scalars(select(Renewal.renewal_id).order_by(Renewal.renewal_id)).first()
    assert renewal
    commands = _commands(renewal, people(engine).csm)
    # the items' own titles and bodies are the seeds' words: the check reads the frame
    said = reads_in_each_language(
        lambda: built_book(books, engine, tmp_path),
        commands,
        read=lambda text: "\n".join(
            line for line in text.splitlines() if not line.startswith(("│", "  "))
        ),
        shown=5,
    )
    assert "Einwand" in said["de"][6] and "Skript" in said["de"][4], said["de"][4]
