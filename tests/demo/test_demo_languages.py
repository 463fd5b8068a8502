"""`renewals demo-data` and `renewals demo` read in the reader's language (issue 22): the
book's line and file table, each step's line, the library's line, the daily run's job
lines, what to try next, the sign-in table's words (roles as words, why this one; the
names and emails as they are) and the refusal of a database holding other imports, in
de, id and ms with no English phrase of the catalogue left; in English as before."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from cli_languages import cli, said_in_each_language


def test_the_demo_reads_in_the_language(tmp_path: Path) -> None:
    settings = SimpleNamespace(
        database_url=f"sqlite:///{tmp_path / 'demo.db'}", data_dir=tmp_path / "data"
    )
    run = cli(settings)
    run("db", "upgrade")
    demo = ("demo", "--accounts", "12", "--as-of", "2026-11-24", "--no-serve", "--port", "8150")
    commands = [
        (("demo-data", str(tmp_path / "files"), "--accounts", "3", "--as-of", "2026-11-24"), 0),
        ((*demo, "--dir", str(tmp_path / "book")), 0),
        ((*demo, "--dir", str(tmp_path / "other")), 1),  # the database holds another import
    ]
    # command lines read the same in every language (`renewals import DIR`, `--db URL`
    # unquoted in the messages)
    said = said_in_each_language(
        run, commands, shown=10, read=lambda text: re.sub(r"renewals import |--db \S+", "", text)
    )
    assert "Anmelden unter http://127.0.0.1:8150/" in said["de"][1], said["de"][1]
    assert "Administration" in said["de"][1] and "Geschäftsleitung" in said["de"][1]
    assert "mengapa yang ini" in said["id"][1] and "Kata laluan renewals-demo" in said["ms"][1]
    # the English as it was
    assert (
        "Sign in at http://127.0.0.1:8150/ (password for every demo user: renewals-demo)"
        in (said["en"][1])
    )
    assert "│ csm " in said["en"][1] and "why this one" in said["en"][1]
    assert f"Next: {tmp_path / 'files'}" in said["en"][0]
