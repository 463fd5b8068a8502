"""The services' refusals a command prints read in the reader's language (issue 22): the
forecast's override, health, the quarterly review's decision, the library, sources,
concessions, proposals, wins and ROI, each a `Text` of its service, on the 40-account book
in de, id and ms with no English phrase of the catalogue left; in English as before."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from books import Books
from cli_languages import cli, said_in_each_language
from dashboard.book import built_book
from sqlalchemy import Engine, select

from renewals.db import session_scope
from renewals.renewal.models import Renewal
from renewals.user.models import User


def _first_owned(engine: Engine) -> tuple[str, str, str]:
    """The first renewal with an owner: its id, its owner and its account."""
    with session_scope(engine) as session:
        return session.execute(
            select(Renewal.renewal_id, Renewal.owner_email, Renewal.account_id)
            .where(Renewal.owner_email.is_not(None))
            .order_by(Renewal.renewal_id)
        ).first()  # type: ignore[return-value]


def test_the_services_refusals_read_in_the_language(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    run = cli(built_book(books, engine, tmp_path))
    renewal, owner, account = _first_owned(engine)
    with session_scope(engine) as session:
        other = session.scalar(
            select(User.email).where(User.role == "csm", User.email != owner).order_by(User.email)
        )
        admin = session.scalar(select(User.email).where(User.role == "admin"))
    run("source", "add", "web", "--by", admin)
    run("source", "revoke", "web", "--by", admin)
    decide = ("review", "decide", "2026-Q3", "--by", admin)
    commands = [
        (("forecast", "override", renewal, "--category", "commit", "--reason", "x", "--by", other), 1),
        (("forecast", "override", renewal, "--category", "commit", "--reason", " ", "--by", owner), 1),
        (("forecast", "clear-override", renewal, "--by", owner), 1),
        (("health", "acc-none"), 1),
        (("review", "decide", "2026Q3", "--decision", "x", "--by", admin), 1),
        ((*decide, "--decision", " "), 1),
        ((*decide, "--decision", "x", "--policy-key", "nope.key", "--to", "1"), 1),
        ((*decide, "--decision", "x", "--policy-key", "stages", "--to", "1"), 1),
        ((*decide, "--decision", "x", "--policy-key", "stages.closing_days"), 1),
        ((*decide, "--decision", "x", "--policy-key", "stages.closing_days", "--to", "a b"), 1),
        (("library", "objection", renewal, "--heard", " ", "--by", owner), 1),
        (("source", "add", "bad name!", "--by", admin), 1),
        (("source", "add", "web", "--by", admin), 1),
        (("source", "revoke", "none", "--by", admin), 1),
        (("source", "revoke", "web", "--by", admin), 1),
        (("concession", "show", "9999"), 1),
        (("proposal", "show", "9999"), 1),
        (("wins", "add", account, "--on", "2026-11-01", "--title", " ", "--by", owner), 1),
        (("wins", "add", account, "--on", "2099-11-01", "--title", "x", "--by", owner), 1),
        (("roi", "set", account, "--by", owner), 1),
        (("roi", "set", account, "--by", owner, "--hours-per-week", "200"), 1),
        (("roi", "set", account, "--by", owner, "--rate", "-1"), 1),
    ]  # fmt: skip
    said = said_in_each_language(run, commands)
    assert "darf die Prognose von " + renewal + " nicht korrigieren" in said["de"][0]
    assert "bukan kunci kebijakan" in said["id"][6], said["id"][6]
    assert "tiada cadangan 9999" in said["ms"][16], said["ms"][16]
    # the English as it was: values quoted as typed, the command to run
    assert (
        "error: 'nope.key' is not a policy key (`renewals policy show` lists them)"
        in (said["en"][6])
    )
    assert "error: --rate must be above 0, got -1.0" in said["en"][21], said["en"][21]


def test_clicks_usage_errors_read_in_the_language(tmp_path: Path) -> None:
    """Click's own usage errors (Typer's Click: no such option or command, a missing
    argument or option, an invalid value and its reason, an extra argument), with the usage
    line's prefix, the hint and the panel's title, in de, id and ms; English is Click's."""
    settings = SimpleNamespace(
        database_url=f"sqlite:///{tmp_path / 'none.db'}", data_dir=tmp_path / "data"
    )
    run = cli(settings)
    add = ("saves", "problem", "add", "R-1", "--description", "x", "--by", "x")
    commands = [
        (("health", "--nope"), 2),
        (("helth",), 2),  # no such command; did you mean
        (("tasks", "list", "--due"), 2),  # possible options
        ((*add, "--impact", "9"), 2),
        ((*add, "--impact", "x"), 2),
        (("stage", "R-1", "closinggg", "--by", "x"), 2),
        (("saves", "hours"), 2),  # missing argument
        (("saves", "problem", "add", "R-1"), 2),  # missing option
        (("tasks", "list", "extra"), 2),
    ]
    said = said_in_each_language(run, commands, read=_no_frame)
    assert "Aufruf: renewals [OPTIONS]" in said["de"][0], said["de"][0]
    assert "Keine solche Option: --nope" in said["de"][0] and "Fehler" in said["de"][0]
    assert "Tidak ada perintah 'helth'. Maksud Anda 'health'?" in said["id"][1], said["id"][1]
    assert "Nilai tidak sah untuk '--impact'" in said["ms"][3], said["ms"][3]
    # before the root's options are read: its --language is taken from the arguments
    assert "Tiada pilihan: --nope" in run("--language", "ms", "--nope", code=2)
    # the English is Click's
    assert "Usage: renewals [OPTIONS] COMMAND" in said["en"][0]
    assert "Try 'renewals --help' for help." in said["en"][0]
    assert "No such option: --due (Possible options: --overdue)" in said["en"][2]
    assert (
        "Invalid value for '--impact': Input should be less than or equal to 5" in (said["en"][3])
    )


def _no_frame(text: str) -> str:
    """The words of a Rich panel (its frame and padding aside; command paths such as
    `renewals saves problem add` read the same in every language)."""
    text = re.sub(r"renewals(?: [a-z][a-z_-]*)*", "renewals", text)
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def test_the_labels_and_concession_requests_refusals_read_in_the_language(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    """Teaching the text signals (a sentence, a kind, a signal from numbers, who may import,
    a labelled TSV's `file:line: reason`) and a concession's terms, kinds and give-back:
    each refusal in de, id and ms (issue 22)."""
    from renewals.signal.models import Signal
    from renewals.signal.service import TEXT_SOURCES

    run = cli(built_book(books, engine, tmp_path))
    renewal, owner, account = _first_owned(engine)
    with session_scope(engine) as session:
        admin = session.scalar(select(User.email).where(User.role == "admin"))
        numbers = session.scalar(
            select(Signal.signal_id).where(Signal.source.not_in(TEXT_SOURCES)).limit(1)
        )
    files = {}
    for name, row in (
        ("columns", "en\tbudget"),
        ("language", "fr\tbudget\tToo expensive."),
        ("kind", "en\tnope\tToo expensive."),
        ("empty", "en\tbudget\t "),
    ):
        files[name] = tmp_path / f"{name}.tsv"
        files[name].write_text(f"language\tlabels\ttext\n{row}\n", encoding="utf-8")
    label = ("signals", "label", "--by", owner, "--account", account)
    evaluate = ("concession", "evaluate", "--renewal-id", renewal, "--requested-by", owner)
    commands = [
        ((*label, "--text", " ", "--labels", "budget"), 1),
        ((*label, "--text", "Too expensive.", "--labels", "nope"), 1),
        ((*label, "--text", "Too expensive.", "--labels", "none"), 1),
        ((*label, "--text", "Too expensive.", "--labels", "budget", "--language", "fr"), 1),
        (("signals", "label", "--by", owner, "--signal", "999999", "--labels", "none"), 1),
        (("signals", "label", "--by", admin, "--signal", str(numbers), "--labels", "none"), 1),
        (("signals", "import", str(files["columns"]), "--by", owner), 1),
        (("signals", "import", str(files["columns"]), "--by", admin), 1),
        (("signals", "import", str(files["language"]), "--by", admin), 1),
        (("signals", "import", str(files["kind"]), "--by", admin), 1),
        (("signals", "import", str(files["empty"]), "--by", admin), 1),
        ((*evaluate, "--term", "payment_terms"), 1),
        ((*evaluate, "--term", "payment_terms=soon"), 1),
        ((*evaluate, "--discount", "5", "--kind", "free_lunch"), 1),
        ((*evaluate, "--discount", "5", "--give-back", "a smile"), 1),
        (evaluate, 1),
    ]  # fmt: skip
    said = said_in_each_language(run, commands)
    assert f"{files['columns']}:2: erwartet 3 durch Tabulatoren" in said["de"][7], said["de"][7]
    assert f"{files['empty']}:2:3: teks itu kosong" in said["ms"][10], said["ms"][10]
    assert (
        f"error: {files['columns']}:2: expected 3 tab-separated columns (language, labels, "
        "text), found 2" in said["en"][7].replace("\n", "")
    )
