"""`renewals winloss show/confirm` read in the reader's language (issue 22): a lost and a won
record with their suggested reasons, a confirmation and the errors (an open contract, an
unknown one, a category of the wrong kind), on the 40-account book in de, id and ms with no
English phrase of the catalogue left (in English they show)."""

from __future__ import annotations

from pathlib import Path

from books import Books
from cli_languages import cli, reads_in_each_language, said_in_each_language
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


def test_the_fundamentals_and_the_quarterly_review_read_in_the_language(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    """FUND-7/8/9, TIME-4 and LEARN-2 as a German, Indonesian or Malay reader sees them:
    the report's sentences, the stored FUND-7 reasons of its fragile wins (read back from
    the records) and the quarter's trend; they were English in every language."""
    run = cli(built_book(books, engine, tmp_path))
    said = said_in_each_language(
        run, [(("winloss", "fundamentals"), 0), (("review", "quarter"), 0)]
    )
    fundamentals = {language: outputs[0] for language, outputs in said.items()}
    assert "What they did (FUND-8)" in fundamentals["en"]
    # the kinds as words, as before in English ("detractor renewed 8", not detractor_renewed)
    assert "consistent " in fundamentals["en"] and "_renewed" not in fundamentals["en"]
    assert "Was sie getan haben (FUND-8)" in fundamentals["de"]
    assert "Apa yang mereka lakukan (FUND-8)" in fundamentals["ms"]
    if "renewed although" in fundamentals["en"]:  # a fragile win's stored reason
        assert "verlängert, obwohl" in fundamentals["de"]
        assert "diperbaharui walaupun" in fundamentals["ms"]
    assert "LEARN-2: renewal rate" in said["en"][1]
    assert "LEARN-2: Verlängerungsquote" in said["de"][1]
