"""`renewals escalation ...` reads in the reader's language (issue 22): the list, each ESC-2
step's confirmation and the errors of taking one out of order, on the 40-account book in
de, id and ms, with no English phrase of the catalogue left (in English they show)."""

from __future__ import annotations

import json
from pathlib import Path

from books import Books
from cli_languages import cli, reads_in_each_language
from dashboard.book import POLICY, TODAY, built_book, people
from sqlalchemy import Engine, select

from renewals.account.models import Account
from renewals.config import Settings
from renewals.db import session_scope
from renewals.escalation import service as escalation_service
from renewals.save_plan.models import SaveTriage


def _book_with_an_escalation(books: Books, engine: Engine, tmp_path: Path) -> Settings:
    """The 40-account book with an ESC-1 suggestion whatever its texts say: the first open
    triage's renewal made strategic and in full save effort (SAVE-5), the day's suggestions
    made. (The book's own escalation came and went with the text signals' vetoes, issue 18.)"""
    settings = built_book(books, engine, tmp_path)
    with session_scope(engine) as session:
        triage = session.scalars(
            select(SaveTriage).where(SaveTriage.status == "open").order_by(SaveTriage.renewal_id)
        ).first()
        assert triage is not None, "the book has no open save triage"
        triage.effort = "full"
        triage.overrides = {k: v for k, v in (triage.overrides or {}).items() if k != "effort"}
        account = session.get(Account, triage.account_id)
        assert account is not None
        account.strategic = True
        session.flush()
        escalation_service.suggest(session, as_of=TODAY, policy=POLICY)
    return settings


def test_escalation_reads_in_the_language(books: Books, engine: Engine, tmp_path: Path) -> None:
    settings = _book_with_an_escalation(books, engine, tmp_path)
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
    said = reads_in_each_language(
        lambda: _book_with_an_escalation(books, engine, tmp_path), commands
    )
    assert "Schritt 3" in said["de"][7] and "langkah 3" in said["id"][7], said["id"][7]
    assert "error:" not in said["de"][1] and renewal in said["de"][1]
