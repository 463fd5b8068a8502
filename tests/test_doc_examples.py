"""Every shell example in README.md and docs/ runs, against a fresh small demo book.

The runner reads the fenced `console`, `bash` and `sh` blocks of README.md and docs/*.md,
in page order. A `console` block holds `$ command` lines, each followed by the output the
page shows; a `bash`/`sh` block holds commands only. Each command runs as a user would
type it, with the demo book's database and data directory as the defaults:

- `renewals ...` runs in this process (Typer's CliRunner: the imports are paid once), with
  `> FILE`, `|`, `&&` and `VAR=value` prefixes handled as a shell would; anything else
  runs in bash.
- Ids in examples are placeholders the runner fills from the book at the moment the
  command runs: ACCOUNT_ID, RENEWAL_ID, EMAIL, ... (`PLACEHOLDERS` below; the docs say
  what each stands for).
- The exit code must be 0 (or the one a marker names); where the page shows output, the
  output must have its shape: most of the words the page shows (labels, headings,
  messages; numbers and ids aside) appear in the real output.
- A block that cannot run here says why in a marker on the line above its fence:
  `<!-- example: skip REASON -->` for the whole block, `<!-- example: skip "PREFIX" REASON -->`
  for its commands starting with PREFIX, `<!-- example: exit N -->` when the page shows a
  failing command on purpose, `<!-- example: output not checked REASON -->` when the output
  shown comes from another book.

Each page is a test of its own (pytest-xdist spreads them over its workers) and runs its
examples in page order on a fresh copy of one demo book of DEMO_ACCOUNTS accounts, built
once per run (by the first worker that needs it). The figures (found, run, skipped with
their reasons) are written to test-artifacts/doc-examples.txt; each page's (run, passed,
failed, its slowest examples) are printed and written to test-artifacts/doc-examples/PAGE.txt.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from books import once_per_run
from databases import sqlite_copy
from remembered import TrainingRows
from sqlalchemy import Engine, create_engine, text
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DEMO_ACCOUNTS = 300
DEMO_AS_OF = "2026-11-24"  # the day the pages' examples use (`--as-of 2026-11-24`)
SHELLS = ("console", "bash", "sh", "shell")
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)
MARKER = re.compile(
    r"<!-- example: (skip|exit|output not checked|file)(?: \"([^\"]+)\")?\s*(.*?)\s*-->"
)
# Words whose presence shows the output has the page's shape; numbers and ids do not.
WORD = re.compile(r"(?<![\w@.-])[A-Za-z][A-Za-z'-]{2,}(?![\w@-])")
MIN_WORDS_SHOWN = 0.6
# Secrets some examples read from the environment, as a person would have set them.
EXAMPLE_PASSWORD = "an-example-passw0rd"
EXAMPLE_ENV = {"CARA_PASSWORD": EXAMPLE_PASSWORD}


@dataclass
class Example:
    page: str
    line: int
    command: str
    shown: str = ""  # the output the page shows, if any
    skip: str | None = None  # the reason it does not run here
    exit_code: int = 0
    check_output: bool = True
    writes: str | None = None  # a `file NAME` block: its text is written to NAME, not run

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def _markers(text: str, fence_start: int) -> list[tuple[str, str | None, str]]:
    """The markers on the lines just above a fence (kind, command prefix, reason)."""
    found = []
    lines = text[:fence_start].rstrip("\n").split("\n")
    while lines and lines[-1].strip().startswith("<!-- example:"):
        match = MARKER.search(lines.pop())
        assert match, "a marker reads <!-- example: skip|exit|output not checked|file ... -->"
        found.append((match.group(1), match.group(2), match.group(3)))
    return found


def _commands(lang: str, body: str) -> Iterator[tuple[int, str, str]]:
    """(line offset, command, shown output) of a block."""
    lines = body.split("\n")
    i = 0
    while i < len(lines):
        raw = lines[i]
        start = i
        if lang == "console":
            if not raw.startswith("$ "):
                i += 1
                continue
            command = raw[2:]
        else:
            if not raw.strip() or raw.lstrip().startswith("#"):
                i += 1
                continue
            command = raw
        while command.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command.rstrip()[:-1] + " " + lines[i].strip()
        i += 1
        shown = []
        if lang == "console":
            while i < len(lines) and not lines[i].startswith("$ "):
                shown.append(lines[i])
                i += 1
        yield start, command.strip(), "\n".join(shown).strip()


def extract(path: Path) -> list[Example]:
    text = path.read_text(encoding="utf-8")
    examples = []
    for fence in FENCE.finditer(text):
        lang = fence.group(1)
        first_line = text[: fence.start()].count("\n") + 2
        markers = _markers(text, fence.start())
        files = [reason for kind, _, reason in markers if kind == "file"]
        if files:  # the page shows a file the next examples use: write it where they run
            examples.append(Example(path.name, first_line, files[0], fence.group(2)))
            examples[-1].writes = files[0]
            continue
        if lang not in SHELLS:
            continue
        for offset, command, shown in _commands(lang, fence.group(2)):
            example = Example(path.name, first_line + offset, command, shown)
            for kind, prefix, reason in markers:
                if prefix and not command.startswith(prefix):
                    continue
                if kind == "skip":
                    example.skip = reason
                elif kind == "exit":
                    example.exit_code = int(reason.split()[0])
                else:
                    example.check_output = False
            examples.append(example)
    return examples


# ---------------------------------------------------------------- placeholders


def _one(engine: Engine, sql: str) -> str:
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    if value is None:
        raise LookupError(f"the demo book has nothing for: {sql}")
    return str(value)


OPEN = "r.stage NOT IN ('closed_won', 'closed_lost')"
PLACEHOLDERS: dict[str, Callable[[Engine], str]] = {
    # An account under contract with a health score.
    "ACCOUNT_ID": lambda e: _one(
        e,
        "SELECT h.account_id FROM health_snapshot h JOIN renewal r ON r.account_id = h.account_id "
        f"WHERE {OPEN} ORDER BY h.score, h.account_id LIMIT 1",
    ),
    # An open at-risk renewal with a save triage (the save desk's examples need one).
    "RENEWAL_ID": lambda e: _one(
        e,
        "SELECT r.renewal_id FROM renewal r JOIN save_triage t ON t.renewal_id = r.renewal_id "
        f"WHERE {OPEN} AND r.owner_email IS NOT NULL ORDER BY r.renewal_date, r.renewal_id LIMIT 1",
    ),
    # The owner of RENEWAL_ID: a CSM.
    "EMAIL": lambda e: _one(
        e,
        "SELECT r.owner_email FROM renewal r JOIN save_triage t ON t.renewal_id = r.renewal_id "
        f"WHERE {OPEN} AND r.owner_email IS NOT NULL ORDER BY r.renewal_date, r.renewal_id LIMIT 1",
    ),
    # EMAIL's manager, and the director above them (a director, if the chain has none).
    "MANAGER_EMAIL": lambda e: _one(
        e, f"SELECT manager_email FROM app_user WHERE email = '{PLACEHOLDERS['EMAIL'](e)}'"
    ),
    "DIRECTOR_EMAIL": lambda e: _one(
        e,
        "SELECT email FROM app_user WHERE role = 'director' ORDER BY email = "
        f"(SELECT manager_email FROM app_user WHERE email = '{PLACEHOLDERS['MANAGER_EMAIL'](e)}')"
        " DESC, email LIMIT 1",
    ),
    # A closed contract with a win/loss record.
    "CONTRACT_ID": lambda e: _one(
        e,
        "SELECT contract_id FROM winloss_record ORDER BY won, competitor IS NULL, "
        "closed_on DESC, contract_id LIMIT 1",
    ),
    # The newest contract document (contracts.md drafts one first).
    "DOCUMENT_ID": lambda e: _one(e, "SELECT max(document_id) FROM contract_document"),
    # An open task, soonest due first.
    "TASK_ID": lambda e: _one(
        e, "SELECT task_id FROM task WHERE status = 'open' ORDER BY due_date, task_id LIMIT 1"
    ),
    # A customer message waiting for an owner's approval.
    "MESSAGE_ID": lambda e: _one(
        e,
        "SELECT min(m.message_id) FROM outbox_message m JOIN renewal r ON r.renewal_id = "
        "m.renewal_id JOIN account a ON a.account_id = m.account_id WHERE m.status = "
        "'pending_approval' AND r.owner_email = a.owner_email",
    ),
    # The owner of MESSAGE_ID's renewal, and another CSM (who may not approve it).
    "MESSAGE_OWNER_EMAIL": lambda e: _one(
        e,
        "SELECT r.owner_email FROM outbox_message m JOIN renewal r ON r.renewal_id = m.renewal_id "
        f"WHERE m.message_id = {PLACEHOLDERS['MESSAGE_ID'](e)}",
    ),
    "OTHER_CSM_EMAIL": lambda e: _one(
        e,
        "SELECT email FROM app_user WHERE role = 'csm' AND active AND email <> "
        f"'{PLACEHOLDERS['MESSAGE_OWNER_EMAIL'](e)}' ORDER BY email LIMIT 1",
    ),
    # A message in the dead letters (a fresh book has none: see the marker in outbox.md).
    "DEAD_MESSAGE_ID": lambda e: _one(
        e, "SELECT min(message_id) FROM outbox_message WHERE status = 'dead'"
    ),
    # The newest concession request.
    "CONCESSION_ID": lambda e: _one(e, "SELECT max(concession_id) FROM concession"),
}
PLACEHOLDER = re.compile(r"\b(" + "|".join(PLACEHOLDERS) + r")\b")


def fill(command: str, engine: Engine) -> str:
    return PLACEHOLDER.sub(lambda m: PLACEHOLDERS[m.group(1)](engine), command)


# ---------------------------------------------------------------- running


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str = ""
    notes: list[str] = field(default_factory=list)


class Shell:
    """Runs one command line in the book's directory, `renewals` in this process."""

    def __init__(self, cwd: Path, env: dict[str, str | None]) -> None:
        from renewals.cli import app

        self.app = app
        self.cwd = cwd
        self.env = env
        self.runner = CliRunner()
        self.answers: str | None = None  # what a person types at the command's prompts

    def answer(self, shown: str) -> None:
        """The page shows prompts (`Password:`): type the example password at each."""
        prompts = re.findall(r"^(?:Password|Repeat the password):\s*$", shown, flags=re.M)
        self.answers = f"{EXAMPLE_PASSWORD}\n" * len(prompts) if prompts else None

    def run(self, line: str) -> Outcome:
        outcome = Outcome(0, "")
        for part in re.split(r"\s&&\s", _without_comment(line)):
            outcome = self._pipeline(part.strip())
            if outcome.code != 0:
                break
        return outcome

    def _pipeline(self, line: str) -> Outcome:
        redirect = None
        match = re.search(r"\s>\s*(\S+)\s*$", line)
        if match:
            line, redirect = line[: match.start()], match.group(1)
        data: str | None = None
        outcome = Outcome(0, "")
        for segment in [s.strip() for s in _split_pipes(line)]:
            outcome = self._segment(segment, data)
            if outcome.code != 0:
                return outcome
            data = outcome.stdout
        if redirect:
            (self.cwd / redirect).write_text(outcome.stdout, encoding="utf-8")
            outcome.stdout = ""
        return outcome

    def _segment(self, segment: str, stdin: str | None) -> Outcome:
        words = shlex.split(segment, comments=True)
        env = dict(self.env)
        while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        if words and words[0] == "renewals":
            serving = "serve" in words or ("demo" in words and "--no-serve" not in words)
            if serving:
                raise AssertionError("serves until Ctrl-C: give the block a skip marker")
            old = Path.cwd()
            os.chdir(self.cwd)
            try:
                result = self.runner.invoke(
                    self.app, words[1:], env=env, input=stdin if stdin is not None else self.answers
                )
            finally:
                os.chdir(old)
            if result.exception and not isinstance(result.exception, SystemExit):
                raise AssertionError(f"{segment!r} raised") from result.exception
            return Outcome(result.exit_code, result.stdout, result.stderr)
        done = subprocess.run(
            ["bash", "-c", segment],
            cwd=self.cwd,
            env={k: v for k, v in {**os.environ, **env}.items() if v is not None},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return Outcome(done.returncode, done.stdout, done.stderr)


def _without_comment(line: str) -> str:
    """The command without its trailing `# comment` (a `#` after a space, outside quotes)."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line


def _split_pipes(line: str) -> list[str]:
    """Split at `|` outside quotes."""
    parts, current, quote = [], "", ""
    for char in line:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "|":
            parts.append(current)
            current = ""
            continue
        current += char
    return [*parts, current]


def words_of(output: str) -> set[str]:
    return {w.lower() for w in WORD.findall(output)}


def shape_matches(shown: str, real: str) -> tuple[bool, set[str]]:
    """Most words of the shown output appear in the real output (numbers and ids aside)."""
    expected = words_of(shown)
    if not expected:
        return True, set()
    missing = expected - words_of(real)
    return len(missing) <= (1 - MIN_WORDS_SHOWN) * len(expected), missing


# ---------------------------------------------------------------- the tests


def all_examples() -> list[Example]:
    """Every command of the pages, and the files they write, in page order."""
    return [example for page in PAGES for example in extract(page)]


def commands() -> list[Example]:
    return [example for example in all_examples() if not example.writes]


def test_every_marker_says_why_and_every_block_has_commands() -> None:
    examples = commands()
    assert len(examples) > 100
    assert all(e.skip for e in examples if e.skip is not None), [
        e.where for e in examples if e.skip == ""
    ]
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for marker in re.finditer(r"<!-- example:.*?-->", text):
            assert MARKER.fullmatch(marker.group()), f"{page.name}: bad marker {marker.group()}"
        lines = text.split("\n")
        for number, line in enumerate(lines):
            if line.startswith("<!-- example:"):  # stands right above a block's fence
                below = next(x for x in lines[number:] if not x.startswith("<!-- example:"))
                fence = r"```\w+" if "example: file " in line else r"```(console|bash|sh|shell)\b"
                assert re.match(fence, below), f"{page.name}:{number + 1}"
    skipped = Counter(e.skip for e in examples if e.skip)
    report = [
        f"doc examples: {len(examples)} found, {len(examples) - skipped.total()} run "
        f"(test_every_example_runs, a test per page: test-artifacts/doc-examples/PAGE.txt), "
        f"{skipped.total()} skipped",
        *(f"  skipped {n}: {reason}" for reason, n in sorted(skipped.items())),
    ]
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "doc-examples.txt").write_text("\n".join(report) + "\n", "utf-8")


def _build(directory: Path) -> None:
    """The demo book the examples run on: its database, data directory and import files."""
    env = {**_env(directory), "RENEWALS_SMTP_HOST": None, "RENEWALS_SMTP_PORT": None}
    made = Shell(directory, env).run(
        f"renewals demo --no-serve --accounts {DEMO_ACCOUNTS} --seed 7 --as-of {DEMO_AS_OF} "
        f"--dir {directory / 'book'}"
    )
    assert made.code == 0, made.stdout + made.stderr


def _env(directory: Path, smtp_port: int | None = None) -> dict[str, str | None]:
    """Every command's defaults: the book in `directory`, the SMTP server for `outbox send`."""
    return {
        "RENEWALS_DATABASE_URL": f"sqlite:///{directory / 'renewals.db'}",
        "RENEWALS_DATA_DIR": str(directory / "renewals-data"),
        "RENEWALS_SMTP_HOST": "127.0.0.1",
        "RENEWALS_SMTP_PORT": str(smtp_port),
        "RENEWALS_POLICY_FILE": None,  # the packaged defaults, whatever this shell has
        "COLUMNS": "160",
        **EXAMPLE_ENV,
    }


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo book, built once for the whole run (tests/books.py: once_per_run)."""
    return once_per_run(tmp_path_factory, "doc-examples-book", _build)


@pytest.fixture(scope="session")
def smtp_port() -> Iterator[int]:
    """An SMTP server that accepts every message, for `outbox send`."""
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 Message accepted"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def book(built_book: Path, smtp_port: int, tmp_path: Path) -> tuple[Path, dict[str, str | None]]:
    """A copy of the demo book for one page (its database and data directory the defaults
    of every command), and ./export holding the book's import files."""
    sqlite_copy(built_book / "renewals.db", tmp_path / "renewals.db")
    for part in ("renewals-data", "book"):
        shutil.copytree(built_book / part, tmp_path / part)
    (tmp_path / "export").symlink_to(tmp_path / "book")
    return tmp_path, _env(tmp_path, smtp_port)


def runnable(page: Path) -> bool:
    return any(not e.skip and not e.writes for e in extract(page))


def forget_rows_unless_a_model_command(rows: TrainingRows, command: str) -> None:
    """The training rows (tests/remembered.py) are remembered within a page while its book
    cannot have changed: `renewals model evaluate` computes the rows `renewals model train`
    computed just before it (the likelihood page does so twice), a few seconds of CPU each
    on the demo book (issue 14). Any line other than one `renewals model ...` command
    forgets them: the model commands write only the model store, which the rows never read."""
    if not re.fullmatch(r"renewals model [^&|;<>]*", command.strip()):
        rows.forget()


@pytest.mark.parametrize("page", [p for p in PAGES if runnable(p)], ids=lambda p: p.name)
def test_every_example_runs(
    page: Path, book: tuple[Path, dict[str, str | None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's examples in page order, on a fresh copy of the demo book (as a reader
    who follows the page from the demo would)."""
    from renewals.forecast import training

    training_rows = TrainingRows()
    monkeypatch.setattr(training, "training_rows", training_rows)
    directory, env = book
    shell = Shell(directory, env)
    engine = create_engine(str(env["RENEWALS_DATABASE_URL"]))
    examples = extract(page)
    found = len([e for e in examples if not e.writes])
    tally: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    failures: list[str] = []
    took: dict[str, float] = {}
    started = time.perf_counter()
    for example in examples:
        if example.writes:
            (directory / example.writes).write_text(example.shown, encoding="utf-8")
            continue
        if example.skip:
            tally["skipped"] += 1
            skipped[example.skip] += 1
            continue
        tally["run"] += 1
        try:
            command = fill(example.command, engine)
            shell.answer(example.shown)
            began = time.perf_counter()
            try:
                outcome = shell.run(command)
            finally:
                forget_rows_unless_a_model_command(training_rows, command)
            took[f"{example.where}: {example.command[:60]}"] = time.perf_counter() - began
        except (LookupError, AssertionError, ValueError, subprocess.TimeoutExpired) as exc:
            cause = exc.__cause__ or exc
            failures.append(
                f"{example.where}: {example.command}\n    {type(cause).__name__}: {cause}"
            )
            continue
        if outcome.code != example.exit_code:
            failures.append(
                f"{example.where}: {command}\n    exit {outcome.code} (expected "
                f"{example.exit_code}): {(outcome.stderr or outcome.stdout).strip()[-400:]}"
            )
            continue
        if example.shown and example.check_output:
            tally["output checked"] += 1
            ok, missing = shape_matches(
                fill(example.shown, engine), outcome.stdout + outcome.stderr
            )
            if not ok:
                failures.append(
                    f"{example.where}: {command}\n    output lacks {sorted(missing)[:12]}: "
                    f"{(outcome.stdout + outcome.stderr).strip()[:300]}"
                )
                continue
        tally["passed"] += 1
    engine.dispose()
    report = [
        f"{page.name}: {found} found, {tally['run']} run, {tally['passed']} passed "
        f"({tally['output checked']} with their output checked), {tally['skipped']} skipped, "
        f"{len(failures)} failed; {time.perf_counter() - started:.0f} s on a copy of the "
        f"{DEMO_ACCOUNTS}-account demo book",
        *(f"  skipped {n}: {reason}" for reason, n in sorted(skipped.items())),
        "  slowest: "
        + "; ".join(
            f"{where} {s:.0f} s" for where, s in sorted(took.items(), key=lambda x: -x[1])[:6]
        ),
    ]
    artifacts = ROOT / "test-artifacts" / "doc-examples"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / f"{page.stem}.txt").write_text("\n".join(report + failures) + "\n", "utf-8")
    print("\n".join(report), file=sys.stderr)
    assert not failures, "\n".join(report + failures)
