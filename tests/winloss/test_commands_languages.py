"""`renewals winloss show/confirm` read in the reader's language (issue 22): a lost and a won
record with their suggested reasons, a confirmation and the errors (an open contract, an
unknown one, a category of the wrong kind), on the 40-account book in de, id and ms with no
English phrase of the catalogue left (in English they show)."""

from __future__ import annotations

from pathlib import Path

from books import Books
from cli_languages import reads_in_each_language
from dashboard.book import built_book, people
from sqlalchemy import Engine, select

from renewals.contract.models import Contract
from renewals.db import session_scope
from renewals.winloss.models import WinLossRecord


def test_winloss_show_and_confirm_read_in_the_language(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    built_book(books, engine, tmp_path)
    with session_scope(engine) as session:
        lost = session.scalars(
            select(WinLossRecord.contract_id)
            .where(WinLossRecord.outcome == "churned")
            .order_by(WinLossRecord.contract_id)
        ).first()
        won = session.scalars(
            select(WinLossRecord.contract_id)
            .where(WinLossRecord.outcome == "expanded")
            .order_by(WinLossRecord.contract_id)
        ).first()
        open_ = session.scalars(
            select(Contract.contract_id).where(Contract.outcome.is_(None)).limit(1)
        ).first()
    assert lost and won and open_
    by = people(engine).csm
    commands = [
        (("winloss", "show", lost), 0),
        (("winloss", "show", won), 0),
        (("winloss", "show", open_), 1),
        (("winloss", "show", "NOPE"), 1),
        (("winloss", "confirm", lost, "--reason-category", "growth", "--by", by), 1),
        (
            (
                "winloss",
                "confirm",
                lost,
                "--reason-category",
                "product_fit",
                "--by",
                by,
                "--note",
                "reporting",
            ),
            0,
        ),  # fmt: skip
        (("winloss", "show", lost), 0),
    ]
    said = reads_in_each_language(lambda: built_book(books, engine, tmp_path), commands)
    assert "verloren" in said["de"][0] and "Produktpassung (bestätigt)" in said["de"][6]
