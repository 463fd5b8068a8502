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
