"""Machine output is machine output (issue 25) and human output stays readable in a log
(issue 15): each command runs in its own process with stdout redirected to a file, as in
`renewals policy show --toml > p.toml`, and the file is parsed."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from books import once_per_run
from icalendar import Calendar
from typer.core import TyperGroup

from renewals import migrate
from renewals.cli import COMMANDS, RenewalsGroup

AS_OF = "2026-11-24"


def _renewals(book: Path, *args: str, out: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `renewals ARGS > out` (stdout a file, not a terminal; no COLUMNS)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERMINAL_WIDTH")}
    env["RENEWALS_DATABASE_URL"] = f"sqlite:///{book / 'renewals.db'}"
    env["RENEWALS_DATA_DIR"] = str(book / "data")
    target = out or book / "stdout.txt"
    with target.open("w", encoding="utf-8") as stdout:
        done = subprocess.run(
            [sys.executable, "-m", "renewals.cli", *args],
            cwd=book,
            env=env,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=600,
            check=False,
        )
    assert done.returncode == 0, f"renewals {' '.join(args)}: {done.stderr}"
    return done


def _demo(path: Path) -> None:
    """`renewals demo` of a small book, loaded and run, its output going to a file."""
    _renewals(
        path,
        "demo",
        "--accounts",
        "60",
        "--as-of",
        AS_OF,
        "--dir",
        str(path / "demo"),
        "--no-serve",
        out=path / "demo.log",
    )


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo book, loaded and run, whose demo output went to a file: made once for
    the run (tests/books.py: once_per_run), each worker's tests work in a copy of it."""
    path = tmp_path_factory.mktemp("book")
    shutil.copytree(
        once_per_run(tmp_path_factory, "machine-output-book", _demo), path, dirs_exist_ok=True
    )
    return path


def _ids(book: Path) -> tuple[str, str]:
    """An account and a renewal of the book, from its own task list."""
    out = book / "tasks.jsonl"
    _renewals(book, "tasks", "list", "--as-of", AS_OF, "--json", out=out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    with_renewal = next(r for r in rows if r["renewal_id"])
    return with_renewal["account_id"], with_renewal["renewal_id"]


def test_policy_toml_redirected_to_a_file_checks(book: Path) -> None:
    exported = book / "p.toml"
    _renewals(book, "policy", "show", "--toml", out=exported)
    text = exported.read_text(encoding="utf-8")
    assert tomllib.loads(text)["health"]  # valid TOML, not wrapped at 80 columns
    assert max(len(line) for line in text.splitlines()) > 80  # long strings kept whole
    done = _renewals(book, "policy", "check", str(exported))
    assert done.returncode == 0
    assert "0 value(s) differ" in (book / "stdout.txt").read_text(encoding="utf-8")


def test_lists_are_json_lines_and_shows_one_document(book: Path) -> None:
    account, renewal = _ids(book)
    for args, key in (
        (("escalation", "list", "--json"), "renewal_id"),
        (("saves", "list", "--json"), "renewal_id"),
        (("outbox", "list", "--json"), "id"),
        (("user", "list", "--json"), "email"),
        (("policy", "show", "--rule", "CONC", "--json"), "rule"),
    ):
        out = book / "list.jsonl"
        _renewals(book, *args, out=out)
        for line in out.read_text(encoding="utf-8").splitlines():
            assert key in json.loads(line), args
    for args, key, value in (
        (("health", account, "--json"), "account_id", account),
        (("renewal", renewal, "--as-of", AS_OF, "--json"), "renewal_id", renewal),
        (("status", "--as-of", AS_OF, "--json"), "as_of", AS_OF),
        (("db", "current", "--json"), "current", migrate.head()),
    ):
        out = book / "show.json"
        _renewals(book, *args, out=out)
        lines = out.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1, f"{args}: one document on one line"
        assert json.loads(lines[0])[key] == value


def test_csv_export_redirected_parses(book: Path) -> None:
    out = book / "renewals.csv"
    _renewals(book, "export", "renewals", "--as-of", AS_OF, "--format", "csv", out=out)
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["renewal_id"].startswith("R-") for r in rows)


def test_calendar_redirected_parses(book: Path) -> None:
    out = book / "renewals.ics"
    _renewals(book, "calendar", "--as-of", AS_OF, out=out)
    calendar = Calendar.from_ical(out.read_bytes())
    assert any(c.name == "VEVENT" for c in calendar.walk())


def test_help_and_tables_are_full_width_in_a_log(book: Path) -> None:
    # issue 15: off a terminal Rich used 80 columns and cut the demo users' table apart.
    log = (book / "demo.log").read_text(encoding="utf-8")
    rows = re.findall(
        r"^│ (csm|manager|director|vp|executive|admin) +│ ([\w.]+@renewals\.example) +│ \w",
        log,
        flags=re.M,
    )
    # one row per demo user, role, whole email and name on one line (at 80 columns the
    # emails were cut and the names stacked)
    assert {role for role, _ in rows} == {"csm", "manager", "director", "vp", "executive", "admin"}
    assert max(len(line) for line in log.splitlines()) <= 120
    help_out = book / "help.txt"
    _renewals(book, "--help", out=help_out)
    lines = help_out.read_text(encoding="utf-8").splitlines()
    assert 100 < max(len(line) for line in lines) <= 120
    assert any(
        "Export data for other tools (the export contract: docs/export.md)." in x for x in lines
    )


# Commands that print a list or show a record; each must offer --json (issue 24).
LIST_OR_SHOW = {"list", "show", "status", "tokens", "current", "report", "health", "renewal"}


def _leaves(command: object, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], object]]:
    if isinstance(command, TyperGroup):
        found = []
        for name in command.list_commands(None):  # type: ignore[arg-type]
            found += _leaves(command.get_command(None, name), (*path, name))  # type: ignore[arg-type]
        return found
    return [(path, command)]


def test_every_list_and_show_command_has_json() -> None:
    root = RenewalsGroup(name="renewals")
    missing = []
    for entry in COMMANDS:
        for path, command in _leaves(root.get_command(None, entry.name), (entry.name,)):
            options = {o for p in command.params for o in getattr(p, "opts", [])}  # type: ignore[attr-defined]
            if path[-1] in LIST_OR_SHOW and "--json" not in options:
                missing.append(" ".join(path))
    assert missing == []


def _complete(book: Path, line: str) -> list[str]:
    """What bash's completion function gets for `line<TAB>` (Typer's protocol, the way
    `renewals --show-completion bash` calls it)."""
    words = line.split(" ")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENEWALS_")}
    env |= {
        "RENEWALS_DATABASE_URL": f"sqlite:///{book / 'renewals.db'}",
        "_RENEWALS_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) - 1),
    }
    script = Path(sys.executable).parent / "renewals"
    done = subprocess.run(
        [str(script)], env=env, cwd=book, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_completion_offers_account_and_renewal_ids_from_the_database(book: Path) -> None:
    account, renewal = _ids(book)
    accounts = _complete(book, f"renewals health {account[:-1]}")
    assert account in accounts and all(a.startswith(account[:-1]) for a in accounts)
    renewals = _complete(book, f"renewals renewal {renewal[:-2]}")
    assert renewal in renewals and all(r.startswith(renewal[:-2]) for r in renewals)
    assert "list" in _complete(book, "renewals tasks ")
    assert _complete(book, "renewals --db sqlite:////nonexistent/r.db health acc-") == []
