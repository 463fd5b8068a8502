"""The CLI's one date parser (kit.cli.parse_date): every date option accepts the same
dates as the pages and the API (kit.validate bounds) and refuses the rest with exit 2."""

from __future__ import annotations

from datetime import date

import pytest
import typer

from renewals.kit.cli import parse_as_of, parse_date
from renewals.kit.validate import FIRST_DAY, LAST_DAY


def test_a_date_in_bounds_is_read_and_blank_is_none() -> None:
    assert parse_date("2026-11-24", "--since") == date(2026, 11, 24)
    assert parse_date(FIRST_DAY.isoformat(), "--since") == FIRST_DAY
    assert parse_date(LAST_DAY.isoformat(), "--since") == LAST_DAY
    assert parse_date(None, "--since") is None
    assert parse_as_of("2026-11-24") == date(2026, 11, 24)


@pytest.mark.parametrize("raw", ["2026-13-01", "24.11.2026", "1999-12-31", "3000-01-01", "x" * 80])
def test_a_bad_or_out_of_bounds_date_exits_2_naming_the_option(
    raw: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(typer.Exit) as exit_:
        parse_date(raw, "--since")
    assert exit_.value.exit_code == 2
    assert "--since" in capsys.readouterr().err


def test_no_command_parses_dates_on_its_own() -> None:
    """Commands use kit.cli.parse_date (or parse_as_of), never date.fromisoformat."""
    from pathlib import Path

    import renewals

    root = Path(renewals.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*commands.py")
        if "date.fromisoformat(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
