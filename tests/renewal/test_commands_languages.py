"""`renewals stage`, `renewals ownership`, `renewals drumbeat` and `renewals multiyear` read in the reader's
language (issue 22): a stage moved by hand and the errors of a stage change, the ownership
model's findings, the value drumbeat with its advocates, the multi-year options with their MY/BUN cautions, on the 40-account book in de, id
and ms with no English phrase of the catalogue left (in English they show)."""

from __future__ import annotations

from pathlib import Path

from books import Books
from cli_languages import reads_in_each_language
from dashboard.book import TODAY, built_book, people
from sqlalchemy import Engine, select

from renewals.db import session_scope
from renewals.renewal.models import Renewal


def test_stage_ownership_drumbeat_and_multiyear_read_in_the_language(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    built_book(books, engine, tmp_path)
    with session_scope(engine) as session:
        renewal = session.scalars(
            select(Renewal.renewal_id)
            .where(Renewal.stage == "assessment")
            .order_by(Renewal.renewal_id)
        ).first()
    assert renewal
    day = TODAY.isoformat()
    move = ("stage", renewal, "closing", "--by", people(engine).csm, "--reason", "sent")
    commands = [
        ((*move, "--as-of", day), 0),
        ((*move, "--as-of", day), 1),  # already there
        (("stage", "R-NOPE", "closing", "--by", people(engine).csm, "--reason", "x"), 1),
        (("stage", renewal, "closed_won", "--by", people(engine).csm, "--reason", "x"), 1),
        (("ownership", "--as-of", day), 0),
        (("drumbeat", "--as-of", day), 0),
        (("multiyear", renewal, "--as-of", day), 0),
        (("multiyear", renewal, "--years", "2", "--likelihood", "0.7"), 0),
        (("calendar", "--as-of", day, "-o", str(tmp_path / "team.ics")), 0),
        (("calendar", "--owner", "nobody@example.com"), 1),
        (("export", "nothing"), 2),
    ]
    said = reads_in_each_language(lambda: built_book(books, engine, tmp_path), commands)
    assert "Abschluss" in said["de"][0] and "OWN-2" in said["de"][4], said["de"][4]
    assert "team.ics" in said["de"][8] and "Wrote" not in said["de"][8], said["de"][8]
