"""`renewals policy show`: plain values, rule IDs and each value's source (seed or product)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from renewals.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "RENEWALS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "RENEWALS_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "250",
    }


def row(output: str, key: str) -> list[str]:
    line = next(line for line in output.splitlines() if f" {key} " in line)
    return [cell.strip() for cell in line.strip("│ ").split("│")]


def test_show_prints_plain_values_never_python_internals(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["policy", "show"], env=env)
    assert result.exit_code == 0, result.output
    assert "<Segment" not in result.output and "Weights(" not in result.output
    assert row(result.output, "touch.auto_segments")[1] == "smb"  # SEG-4
    assert row(result.output, "escalation.engage_within_days")[1].startswith("comprehensive = ")


def test_show_marks_each_value_seed_or_product_default(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["policy", "show"], env=env)
    assert row(result.output, "health.warning_score")[2:4] == ["HEALTH-2", "seed"]  # 50 in HEALTH-2
    assert row(result.output, "health.green_min_score")[2:4] == ["HEALTH-3", "product default"]


def test_rule_family_filter_shows_every_rule_of_the_family(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["policy", "show", "--rule", "CONC"], env=env)
    assert result.exit_code == 0
    shown = {r for r in ("CONC-1", "CONC-2", "CONC-3", "CONC-7") if f" {r} " in result.output}
    assert shown == {"CONC-1", "CONC-2", "CONC-3", "CONC-7"}  # as docs/policy.md says
