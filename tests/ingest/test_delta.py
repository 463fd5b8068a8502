"""Delta imports of a CSV directory (issue 19): only new or changed table rows are read,
events appended to usage_events.csv are added without re-reading the file or the store,
problems are reported at the directory's own lines, and nothing is remembered from an
import that failed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from factories import ACCOUNTS, CONTRACTS, write_book
from sqlalchemy import Engine

from renewals.account.models import Account
from renewals.contract.models import Contract
from renewals.db import session_scope
from renewals.ingest.delta import run_delta_import
from renewals.ingest.service import ImportFailed
from renewals.usage import service as usage_service


def _counts(result) -> dict[str, tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    return {name: (c["read"], c["inserted"], c["updated"]) for name, c in result.counts().items()}


def _append(path: Path, rows: list[list[str]]) -> None:
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def _rewrite(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_only_changed_rows_and_appended_events_are_read(engine: Engine, tmp_path: Path) -> None:
    book, data = write_book(tmp_path / "book"), tmp_path / "data"
    first, _, staged = run_delta_import(engine, book, data_dir=data)
    counts = _counts(first)
    assert counts["accounts.csv"] == (3, 3, 0)
    assert counts["usage_events.csv"] == (5, 5, 0)
    assert not staged.appended_events

    again, _, staged = run_delta_import(engine, book, data_dir=data)
    counts = _counts(again)
    assert counts["accounts.csv"] == (0, 0, 0) and counts["contracts.csv"] == (0, 0, 0)
    assert counts["usage_events.csv"] == (0, 0, 0)
    assert staged.skipped["accounts.csv"] == 3 and staged.appended_events

    accounts = [dict(a) for a in ACCOUNTS]
    accounts[1]["name"] = "Globex International"
    _rewrite(book / "accounts.csv", accounts)
    contracts = [dict(c) for c in CONTRACTS]
    contracts.append({**contracts[-1], "contract_id": "initech-2027", "arr": "7000"})
    _rewrite(book / "contracts.csv", contracts)
    _append(
        book / "usage_events.csv",
        [
            ["acme", "acme-u3", "login", "", "2026-11-21T09:00:00"],
            ["globex", "globex-u2", "login", "", "2026-11-21T10:00:00"],
        ],
    )
    third, _, staged = run_delta_import(engine, book, data_dir=data)
    counts = _counts(third)
    assert counts["accounts.csv"] == (1, 0, 1)
    assert counts["contracts.csv"] == (1, 1, 0)
    # only the two appended events were read; they are stored without comparing the store
    assert counts["usage_events.csv"] == (2, 2, 0)
    assert staged.appended_events
    with session_scope(engine) as session:
        globex = session.get(Account, "globex")
        assert globex is not None and globex.name == "Globex International"
        assert session.get(Contract, "initech-2027") is not None
    assert usage_service.summary(data, "1GB")["events"] == 7


def test_problems_name_the_directorys_lines_and_nothing_is_remembered(
    engine: Engine, tmp_path: Path
) -> None:
    book, data = write_book(tmp_path / "book"), tmp_path / "data"
    run_delta_import(engine, book, data_dir=data)
    accounts = [dict(a) for a in ACCOUNTS]
    accounts.append({**accounts[0], "account_id": "hooli", "name": ""})  # line 5
    _rewrite(book / "accounts.csv", accounts)
    # line 7 of the events file: an unknown account
    _append(book / "usage_events.csv", [["ghost", "g1", "login", "", "2026-11-21T09:00:00"]])
    with pytest.raises(ImportFailed) as caught:
        run_delta_import(engine, book, data_dir=data)
    found = {(i.file, i.line, i.field) for i in caught.value.issues}
    assert ("accounts.csv", 5, "name") in found
    assert ("usage_events.csv", 7, "account_id") in found
    # fixed, the same rows are read again (the failed import was not remembered)
    accounts[-1]["name"] = "Hooli"
    _rewrite(book / "accounts.csv", accounts)
    raw = (book / "usage_events.csv").read_bytes()  # the bad event taken off the end
    (book / "usage_events.csv").write_bytes(raw[: raw.rstrip(b"\r\n").rfind(b"\n") + 1])
    _append(book / "usage_events.csv", [["hooli", "h1", "login", "", "2026-11-21T09:00:00"]])
    fixed, _, staged = run_delta_import(engine, book, data_dir=data)
    counts = _counts(fixed)
    assert counts["accounts.csv"] == (1, 1, 0)
    assert counts["usage_events.csv"] == (1, 1, 0) and staged.appended_events


def test_a_rewritten_events_file_is_read_whole(engine: Engine, tmp_path: Path) -> None:
    book, data = write_book(tmp_path / "book"), tmp_path / "data"
    run_delta_import(engine, book, data_dir=data)
    header, *rows = (book / "usage_events.csv").read_bytes().splitlines(keepends=True)
    (book / "usage_events.csv").write_bytes(header + b"".join(reversed(rows)))
    result, _, staged = run_delta_import(engine, book, data_dir=data)
    assert not staged.appended_events
    assert _counts(result)["usage_events.csv"] == (5, 0, 0)  # all read, none new
