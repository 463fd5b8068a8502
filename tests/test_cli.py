"""The `renewals` command as a user runs it (Typer's CliRunner, real files and database)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from factories import CONTRACTS, write_book
from typer.testing import CliRunner

from renewals.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "RENEWALS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "RENEWALS_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "200",
    }


def test_help_teaches_the_first_steps(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["--help"], env=env)
    assert result.exit_code == 0
    for command in ("demo", "import", "policy", "run", "status", "demo-data", "db"):
        assert command in result.output


def test_policy_show_lists_values_with_rule_ids(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["policy", "show"], env=env)
    assert result.exit_code == 0
    assert "health.warning_score" in result.output and "HEALTH-2" in result.output
    assert "concessions.approval[1].max_discount_pct" in result.output and "CONC-3" in result.output


def test_policy_show_filters_by_rule(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["policy", "show", "--rule", "LOST-4"], env=env)
    assert result.exit_code == 0
    assert "winback.touch_months" in result.output and "HEALTH" not in result.output


def test_policy_show_toml_round_trips_through_check(env: dict[str, str], tmp_path: Path) -> None:
    result = runner.invoke(app, ["policy", "show", "--toml"], env=env)
    assert result.exit_code == 0
    exported = tmp_path / "effective.toml"
    exported.write_text(result.output, encoding="utf-8")
    checked = runner.invoke(app, ["policy", "check", str(exported)], env=env)
    assert checked.exit_code == 0, checked.output
    assert "0 value(s) differ" in checked.output


def test_policy_check_names_the_bad_key(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[health.weights]\nusage = -5\n", encoding="utf-8")
    result = runner.invoke(app, ["policy", "check", str(bad)], env=env)
    assert result.exit_code == 1
    assert "health.weights.usage" in result.output


def test_policy_check_rejects_ambiguous_owners_with_an_example(
    env: dict[str, str], tmp_path: Path
) -> None:
    # OWN-2: "sales takes renewals over 100K or any red account" next to "CSM under 50K"
    # gives a red 20K renewal two owners, and leaves 50K-100K renewals with none.
    rules = tmp_path / "owners.toml"
    rules.write_text(
        """
[[ownership.rules]]
role = "csm"
description = "CSM owns under 50K"
max_arr = 50_000

[[ownership.rules]]
role = "sales"
description = "Sales owns over 100K"
min_arr = 100_000

[[ownership.rules]]
role = "sales"
description = "Sales owns any red account"
health_categories = ["red"]
""",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["policy", "check", str(rules)], env=env)
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "gets 2 owners at priority 0" in output and "health red" in output
    assert "no ownership rule matches a renewal with ARR" in output
    assert "a generated example" in output


def test_a_bad_policy_file_stops_the_run(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\nrenewal_window_days = 0\n", encoding="utf-8")
    result = runner.invoke(app, ["--policy", str(bad), "run"], env=env)
    assert result.exit_code == 1
    assert "run.renewal_window_days" in result.output


def test_import_reports_every_bad_row_and_exits_1(env: dict[str, str], tmp_path: Path) -> None:
    contracts = [dict(c) for c in CONTRACTS]
    contracts[0]["arr"] = "lots"
    contracts[1]["end_date"] = "2020-01-01"
    book = write_book(tmp_path / "book", contracts=contracts)
    result = runner.invoke(app, ["import", str(book)], env=env)
    assert result.exit_code == 1
    assert "contracts.csv:2:5: arr: not a number: 'lots'" in result.output
    assert "contracts.csv:3:4: end_date:" in result.output
    assert "nothing was imported" in result.output and "--reject-file" in result.output


def test_import_run_and_status(env: dict[str, str], tmp_path: Path) -> None:
    book = write_book(tmp_path / "book")
    imported = runner.invoke(app, ["import", str(book)], env=env)
    assert imported.exit_code == 0, imported.output
    assert "contracts.csv" in imported.output
    ran = runner.invoke(app, ["run", "--as-of", "2026-11-24"], env=env)
    assert ran.exit_code == 0, ran.output
    assert "contract.snapshot_book" in ran.output
    status = runner.invoke(app, ["status", "--as-of", "2026-11-24"], env=env)
    assert status.exit_code == 0, status.output
    # globex's 42,000 EUR count 46,200 USD at the book's rate of 1.10 (issue 19), not 42,000
    assert "3 accounts" in status.output and "ARR 252,200 USD" in status.output
    assert "Usage events stored: 5" in status.output


def test_unknown_job_is_a_usage_error(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["run", "--job", "nope"], env=env)
    assert result.exit_code == 2
    assert "contract.snapshot_book" in result.output


def test_demo_end_to_end(env: dict[str, str], tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "demo",
            "--accounts",
            "80",
            "--as-of",
            "2026-11-24",
            "--dir",
            str(tmp_path / "demo"),
            "--no-serve",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "Book of business as of 2026-11-24: 80 accounts" in result.output
    # LEARN-3: the demo's library holds the seeds' scripts, so `renewals library` shows them
    loaded = re.search(r"library: (\d+) seed items", result.output)
    assert loaded and int(loaded.group(1)) > 0, result.output
    listed = runner.invoke(app, ["library", "list", "--kind", "script", "--json"], env=env)
    assert listed.exit_code == 0 and json.loads(listed.output)["items"], listed.output
    again = runner.invoke(
        app,
        [
            "demo",
            "--accounts",
            "80",
            "--as-of",
            "2026-11-24",
            "--dir",
            str(tmp_path / "demo"),
            "--no-serve",
        ],
        env=env,
    )
    assert again.exit_code == 0, again.output
    assert "80 accounts" in again.output
    assert "library: 0 seed items" in again.output  # safe to repeat: nothing added twice


def test_demo_refuses_a_database_with_other_imports(env: dict[str, str], tmp_path: Path) -> None:
    assert (
        runner.invoke(app, ["import", str(write_book(tmp_path / "book"))], env=env).exit_code == 0
    )
    result = runner.invoke(
        app,
        ["demo", "--accounts", "20", "--dir", str(tmp_path / "demo"), "--no-serve"],
        env=env,
    )
    assert result.exit_code == 1
    assert "already holds data imported from" in result.output
