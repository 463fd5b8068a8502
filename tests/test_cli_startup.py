"""The CLI starts fast because it imports a command's slice only when it runs (issue 24).

Each check runs in a fresh interpreter (a subprocess), since this test process has long
imported everything; speed itself is measured in benchmarks/cli_startup.py, not here.
The fresh interpreters are forked from one (`probes`) that has imported nothing of
`renewals` and no library but the standard library and the CLI's own layer (Typer, Click,
Rich), which every check imports anyway: a module imported before the fork stays in the
check's `sys.modules`, so a library none may load cannot be missed. Forking instead of
starting each interpreter saves starting Python and importing that layer about forty
times (issue 14: 15.3 -> 9.5 CPU s for this file, -p no:xdist, at load 11-12).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from renewals import migrate
from renewals.cli import COMMANDS, RenewalsGroup, app
from renewals.db import make_engine

# The libraries no start-up may pay for: they are imported inside the functions that use them.
HEAVY = (
    "sklearn",
    "scipy",
    "ibis",
    "duckdb",
    "pyspark",
    "weasyprint",
    "fastapi",
    "starlette",
    "uvicorn",
    "pyarrow",
    "pandas",
)
# What the root itself must not import either: the database, settings and every slice.
ROOT_ALSO_AVOIDS = ("sqlalchemy", "pydantic", "pydantic_settings", "alembic", "numpy", "jinja2")


# Reads one probe (JSON) a line, runs it in a forked child and answers with the child's
# output and a last line "DONE <exit status>". Before any fork it imports Typer and the
# parts of Rich a help renders with: nothing of `renewals`, and modules imported here stay
# in every child's sys.modules, so they can only make a check fail, never pass.
_FORKER = """
import json, os, sys, traceback
import rich.console, rich.markdown, typer, typer.rich_utils
while line := sys.stdin.readline():
    code = json.loads(line)
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            exec(compile(code, "<probe>", "exec"), {"__name__": "__main__"})
        except BaseException:
            traceback.print_exc(file=sys.__stdout__)
            status = 1
        sys.__stdout__.flush()
        os._exit(status)
    _, status = os.waitpid(pid, 0)
    print(f"\\nDONE {status}", flush=True)
"""


@pytest.fixture(scope="module")
def probes() -> Iterator[subprocess.Popen[str]]:
    """The interpreter the checks' fresh interpreters are forked from."""
    forker = subprocess.Popen(
        [sys.executable, "-c", _FORKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    yield forker
    assert forker.stdin is not None
    forker.stdin.close()
    forker.wait(timeout=60)


def _modules_after(probes: subprocess.Popen[str], code: str) -> set[str]:
    """The modules and top-level packages in sys.modules after running `code` in a fresh
    interpreter (forked from `probes`)."""
    probe = (
        "import sys, json\n"
        f"{code}\n"
        "sys.stdout = sys.__stdout__\n"
        "print('\\nMODULES=' + json.dumps(sorted({*sys.modules, *(m.split('.')[0] for m in sys.modules)})))\n"
    )
    assert probes.stdin is not None and probes.stdout is not None
    probes.stdin.write(json.dumps(probe) + "\n")
    probes.stdin.flush()
    watchdog = threading.Timer(120, probes.kill)  # as a subprocess's timeout would
    watchdog.start()
    try:
        output = []
        while not (line := probes.stdout.readline()).startswith("DONE") and line:
            output.append(line.rstrip("\n"))
    finally:
        watchdog.cancel()
    found = [x for x in output if x.startswith("MODULES=")]
    assert found and line.strip() == "DONE 0", "\n".join(output)
    return set(json.loads(found[-1].removeprefix("MODULES=")))


def _run_cli(*args: str) -> str:
    """Run the CLI's entry point on `args` (swallowing its exit) and return the probe code."""
    return (
        "import io, contextlib\n"
        "from renewals.cli import app\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    try: app({list(args)!r}, prog_name='renewals')\n"
        "    except SystemExit: pass\n"
    )


def test_import_renewals_cli_pulls_in_no_heavy_library_nor_the_database(
    probes: subprocess.Popen[str],
) -> None:
    loaded = _modules_after(probes, "import renewals.cli")
    assert loaded & {*HEAVY, *ROOT_ALSO_AVOIDS} == set()


def test_root_help_imports_no_command(probes: subprocess.Popen[str]) -> None:
    loaded = _modules_after(probes, _run_cli("--help"))
    assert loaded & {*HEAVY, *ROOT_ALSO_AVOIDS} == set()
    assert {m for m in loaded if m.startswith("renewals.")} == {
        "renewals.cli",
        "renewals.kit",
        "renewals.kit.cli",
        # the help in the reader's language (issue 22): gettext and the standard library only
        "renewals.kit.i18n",
        "renewals.kit.locale",
    }


@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
def test_each_commands_help_pulls_in_no_heavy_library_nor_the_database(
    probes: subprocess.Popen[str], command: str
) -> None:
    loaded = _modules_after(probes, _run_cli(command, "--help"))
    # Nor the database layer: a command's help needs its options, not its slice.
    assert loaded & {*HEAVY, "sqlalchemy", "alembic"} == set(), f"`renewals {command} --help`"


def test_read_commands_import_no_heavy_library(probes: subprocess.Popen[str]) -> None:
    # `tasks list` and `renewal R` against an empty database: the code path is the same.
    for args in (["tasks", "list"], ["renewal", "R-none"], ["policy", "show", "--rule", "SEG-1"]):
        loaded = _modules_after(
            probes,
            "import os, tempfile\n"
            "os.environ['RENEWALS_DATABASE_URL'] = 'sqlite:///' + tempfile.mkdtemp() + '/r.db'\n"
            + _run_cli(*args),
        )
        assert loaded & set(HEAVY) == set(), f"`renewals {' '.join(args)}` imports them"


def test_registry_summary_is_each_commands_short_help() -> None:
    group = RenewalsGroup(name="renewals")
    for entry in COMMANDS:
        command = group.get_command(None, entry.name)
        assert command.short_help == entry.summary
        assert command.help, f"`renewals {entry.name}` has no help of its own"


def test_root_help_lists_every_command_in_registry_order() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    positions = [result.output.index(f"│ {entry.name} ") for entry in COMMANDS]
    assert positions == sorted(positions)
    assert all(entry.summary in result.output for entry in COMMANDS)


def test_a_typo_suggests_the_command() -> None:
    result = CliRunner().invoke(app, ["tsks", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "Did you mean 'tasks'?" in result.output


def test_head_read_from_the_migration_files_is_alembics_head() -> None:
    assert migrate.head_from_files() == migrate.head()


def test_a_database_behind_the_head_is_still_upgraded(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate.upgrade(engine, "387f85944a27")  # the first migration
    migrate.ensure_schema(engine)
    assert migrate.current(engine) == migrate.head()
