"""A bad setting is a one-line error naming the variable, never a traceback."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from renewals.cli import app


def test_unknown_analytics_backend_is_one_clear_line(tmp_path: Path) -> None:
    env = {
        "RENEWALS_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
        "RENEWALS_ANALYTICS_BACKEND": "spork",
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(app, ["status"], env=env)
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "ValidationError" not in result.output
    assert "invalid setting: RENEWALS_ANALYTICS_BACKEND='spork'" in result.output
    assert "'duckdb', 'pyspark' or 'ibis'" in result.output


def test_a_sqlite_database_in_a_folder_that_does_not_exist_yet_is_created(tmp_path: Path) -> None:
    """`--db sqlite:///new/folder/r.db` used to fail with "unable to open database file"."""
    database = tmp_path / "not" / "yet" / "r.db"
    result = CliRunner().invoke(
        app, ["--db", f"sqlite:///{database}", "db", "upgrade"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert database.is_file()
    assert "upgraded from empty" in result.output
