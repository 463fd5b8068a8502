"""`renewals import` reads in the reader's language (issue 22): every reason a bad book can
give (a wrong date, number, boolean or choice, a value out of range, a missing cell, column
or file, an unknown account, a duplicate id, a row rule, a short CSV row, bad JSON Lines,
bad usage events, event kinds and FX rates) keeps its `file:line:column: field:` as it is
and reads in de, id and ms, the values as the file has them; so do the import's warnings
and a delta import's summary, its counts written the language's way. In English as before."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from cli_languages import cli, reads_in_each_language, said_in_each_language
from factories import (
    ACCOUNTS,
    CONTRACTS,
    EVENTS,
    SURVEYS,
    TICKETS,
    USERS,
    write_book,
    write_events_csv,
)
from sqlalchemy import Engine

# ISO 8601's patterns are written as they are in Indonesian and Malay (what one types)
ISO = re.compile(r"YYYY-MM-DD(?:THH:MM:SS)?")
LOCATED = re.compile(r"^(\S+\.(?:csv|jsonl):\d+(?::\d+)?: (?:\w+: )?)(.+)$")


def _broken_book(directory: Path) -> Path:
    """A book with one of each problem a file of the import format can have."""
    contracts = [dict(c) for c in CONTRACTS]
    contracts[0]["arr"] = "lots"
    contracts[1]["end_date"] = "2020-01-01"
    contracts[2]["start_date"] = "2026-13-01"
    more = [dict(contracts[2], start_date="2025-01-01") for _ in range(6)]
    more[0].update(contract_id="x1", outcome="maybe")
    more[1].update(contract_id="x2", seats="0", auto_renew="perhaps")
    more[2].update(contract_id="x3", account_id="nobody")
    more[3].update(contract_id="x4", outcome="churned")  # no outcome_arr, no closed_at
    more[4].update(contract_id="x5", arr="", term_months="many")
    more[5].update(contract_id="initech-2026")  # the id of a row above
    accounts = [dict(a) for a in ACCOUNTS]
    accounts[0].update(segment_override="smb", segment_override_reason="")
    accounts[1]["fiscal_year_start_month"] = "13"
    users = [dict(u) for u in USERS]
    users[0]["role"] = "boss"
    tickets = [dict(t) for t in TICKETS]
    tickets[0]["closed_at"] = "2020-01-01T00:00:00"
    tickets[1]["opened_at"] = "yesterday"
    surveys = [dict(s) for s in SURVEYS]
    surveys[0]["score"] = "11"
    book = write_book(
        directory,
        contracts=contracts + more,
        accounts=accounts,
        users=users,
        tickets=tickets,
        surveys=surveys,
    )
    stakeholders = book / "stakeholders.csv"
    stakeholders.write_text(stakeholders.read_text().replace(",role,", ",rolle,"))
    with (book / "tickets.csv").open("a") as handle:
        handle.write("t9,acme\n")  # two fields of eight
    (book / "goals.csv").unlink()
    (book / "goals.jsonl").write_text(
        '{"goal_id": "g1", "account_id": "acme", "description": "x", "status": "on_track"}\n'
        "{broken\n[1, 2]\n"
        '{"goal_id": "g2", "account_id": "acme", "description": ["a"], "status": "on_track"}\n'
    )
    write_events_csv(
        book / "usage_events.csv",
        [
            *EVENTS,
            ("ghost", "u", "login", "", "2026-11-01T09:00:00"),
            ("acme", "u", "login", "", "noon"),
            ("acme", "", "login", "", "2026-11-01T09:00:00"),
        ],
    )
    (book / "event_kinds.csv").write_text(
        "event,kind,weight\nlogin,core,1\nexport,usage,-2\n,usage,1\nrun,usage,1\nrun,usage,1\n"
    )
    return book


def _bad_rates(directory: Path) -> Path:
    """A good book whose fx_rates.csv is bad (read after the tables)."""
    book = write_book(directory)
    (book / "fx_rates.csv").write_text(
        "date,currency,rate\n2026-01-01,EUR,0\n2026-13-01,EUR,1\n2026-01-01,EURO,1\n"
        "2026-01-02,EUR,1\n2026-01-02,EUR,1.1\n"
    )
    return book


def _settings(engine: Engine, data_dir: Path) -> SimpleNamespace:
    url = engine.url.render_as_string(hide_password=False)
    return SimpleNamespace(database_url=url, data_dir=data_dir)


def test_a_bad_book_reads_in_the_language(engine: Engine, tmp_path: Path) -> None:
    without_accounts = write_book(tmp_path / "no-accounts")
    (without_accounts / "accounts.csv").unlink()
    commands = [
        (("import", str(_broken_book(tmp_path / "broken"))), 1),
        (("import", str(_bad_rates(tmp_path / "rates"))), 1),
        (("import", str(without_accounts)), 1),
        (("import", str(tmp_path / "nowhere")), 1),
    ]
    run = cli(_settings(engine, tmp_path / "data"))
    said = said_in_each_language(run, commands, shown=20, read=lambda text: ISO.sub("", text))
    english = said["en"][0]
    assert "contracts.csv:2:5: arr: not a number: 'lots'" in english  # as before
    assert "users.csv:2:3: role: 'boss' is not one of: csm," in english
    for language in ("de", "id", "ms"):
        for en, text in zip(said["en"], said[language], strict=True):
            located = [m for m in map(LOCATED.match, en.splitlines()) if m]
            for m, line in zip(located, text.splitlines(), strict=False):  # issues come first
                where, reason = m.groups()
                # the place as it was, the reason in the language
                assert line.startswith(where) and reason not in line, (language, line)
    german = "\n".join(said["de"])
    for words in (
        "contracts.csv:2:5: arr: keine Zahl: 'lots'",
        "contracts.csv:8:2: account_id: unbekannter Kunde 'nobody'",
        "contracts.csv:9:12: outcome_arr: ist erforderlich, wenn outcome churned ist",
        "contracts.csv:11:1: contract_id: contract_id 'initech-2026' doppelt (zuerst in Zeile 5)",
        "stakeholders.csv:1: Fehlende Pflichtspalte(n): role",
        "usage_events.csv:7:1: account_id: unbekannter Kunde 'ghost'",
        "fx_rates.csv:2:3: rate: keine positive Zahl: '0'",
        "accounts.csv:0: Datei ist erforderlich, fehlt aber",
        "Problem(e) in 9 Datei(en); nichts wurde importiert",
        "ist kein Verzeichnis",
    ):
        assert words in german, (words, german)
    assert "goals.jsonl:3: setiap baris harus berupa objek JSON" in said["id"][0]
    assert "event_kinds.csv:6:1: event: 'run' disenaraikan dua kali" in said["ms"][0]


def test_the_import_summary_reads_in_the_language(engine: Engine, tmp_path: Path) -> None:
    book = write_book(tmp_path / "book")
    (book / "notes.txt").write_text("not a table")
    made = iter(range(10))

    def fresh() -> SimpleNamespace:  # each language's delta state from the start
        return _settings(engine, tmp_path / f"data-{next(made)}")

    commands = [(("import", str(book)), 0), *[(("import", str(book), "--delta"), 0)] * 2]
    said = reads_in_each_language(fresh, commands, shown=3)
    assert "ignored notes.txt: not a file of the import format" in said["en"][0]
    assert "not read again: 3 in users.csv, 3 in accounts.csv" in said["en"][2], said["en"][2]
    assert "notes.txt ignoriert: keine Datei des Importformats" in said["de"][0], said["de"][0]
    assert "nicht erneut gelesen: 3 aus users.csv, 3 aus accounts.csv" in said["de"][2], said["de"][
        2
    ]
    assert "peristiwa dibaca seluruhnya" in said["id"][1], said["id"][1]
    assert "tidak dibaca semula: 3 dalam users.csv" in said["ms"][2], said["ms"][2]


def test_the_imports_progress_steps_read_in_the_language(engine: Engine, tmp_path: Path) -> None:
    """The progress bar's steps of an import (shown on a terminal) in the language."""
    from renewals.ingest.service import run_import
    from renewals.kit.i18n import tr, using

    steps: list[str] = []
    run_import(
        engine,
        write_book(tmp_path / "book"),
        data_dir=tmp_path / "data",
        progress=lambda step, done, total: steps.append(step),
    )
    assert {"reading accounts.csv", "checking usage_events.csv", "validated"} <= set(steps)
    with using("de"):
        german = {tr(step) for step in steps}
    assert {"lese accounts.csv", "prüfe usage_events.csv", "geprüft"} <= german, german
    with using("ms"):
        assert "membaca contracts.csv" in {tr(step) for step in steps}
