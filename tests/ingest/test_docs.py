"""docs/data-format.md documents exactly the columns the importer reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from renewals.ingest.domain import TABLE_SPECS, USAGE_COLUMNS, EntitySpec
from renewals.usage import kinds

DOC = (Path(__file__).resolve().parents[2] / "docs" / "data-format.md").read_text(encoding="utf-8")


def documented(heading: str) -> dict[str, bool]:
    """Column name -> required (bold) from the table under `### heading`."""
    section = DOC.split(f"### {heading}", 1)[1].split("\n### ", 1)[0]
    columns = {}
    for match in re.finditer(r"^\| (\*\*)?([a-z_]+)(\*\*)? \|", section, flags=re.M):
        if match.group(2) != "column":
            columns[match.group(2)] = bool(match.group(1))
    return columns


@pytest.mark.parametrize("spec", TABLE_SPECS, ids=lambda s: s.stem)
def test_every_column_is_documented_with_its_requiredness(spec: EntitySpec) -> None:
    assert documented(f"{spec.stem}.csv") == {c.name: c.required for c in spec.columns}


def test_usage_columns_are_documented() -> None:
    assert list(documented("usage_events.parquet")) == list(USAGE_COLUMNS)


def test_event_kind_columns_are_documented() -> None:
    """Issue 17: event_kinds.csv, read by renewals.usage.kinds."""
    assert list(documented("event_kinds.csv")) == list(kinds.COLUMNS)
    assert documented("event_kinds.csv") == {
        "event": True,
        "kind": True,
        "weight": False,
        "description": False,
    }
