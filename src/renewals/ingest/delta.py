"""Delta imports of a CSV directory (issue 19): only new or changed rows, events appended.

`renewals import DIR --delta` remembers, per directory (in the data directory, under
`imports/`), a fingerprint of every table row by id and how far the events file was read.
The next delta import of the same directory:

- passes on to the import only the table rows that are new or whose fingerprint changed
  (rows removed from a file are left alone, as a full import leaves them);
- reads the events file (`usage_events.csv` or `.jsonl`) from where the last import
  stopped, so events appended to it are added and the file is not re-read, nor the stored
  events compared with it. A file that shrank or whose beginning changed is read whole
  (and compared with the stored events, as a full import does). A Parquet events file is
  always read whole;
- validates them with the import's rules and reports problems at the lines of the
  directory's own files; nothing is written on a problem (strict).

The fingerprints are saved after the import's commit: an import stopped before it reads
the same rows again (and finds them unchanged).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from renewals.ingest import service
from renewals.ingest.domain import TABLE_SPECS, USAGE_STEM, Issue
from renewals.ingest.models import ImportRun
from renewals.ingest.service import ImportFailed, ImportResult, Progress
from renewals.kit.i18n import Text, joined

HEAD_BYTES = 4096  # the beginning of the events file, to tell an appended file from a new one
STATE_VERSION = 1


@dataclass
class Staged:
    """The delta of one directory, staged as import-format files."""

    directory: Path
    state: dict[str, Any]
    # staged file name -> {staged line: the line in the directory's file}
    lines: dict[str, dict[int, int]] = field(default_factory=dict)
    # events file name -> its line = the staged line + this (the header stays line 1)
    shift: dict[str, int] = field(default_factory=dict)
    appended_events: bool = False
    skipped: dict[str, int] = field(default_factory=dict)  # file -> rows already imported


def state_path(data_dir: Path, directory: Path) -> Path:
    key = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16]
    return data_dir / "imports" / f"delta-{key}.json"


def _load(path: Path) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return state if state.get("version") == STATE_VERSION else {}


def _fingerprint(record: list[str]) -> str:
    return hashlib.blake2b("\x1f".join(record).encode(), digest_size=10).hexdigest()


def _stage_table(
    src: Path, target: Path, id_column: str, seen: dict[str, str]
) -> tuple[dict[int, int], dict[str, str], int]:
    """Copy the header and the new or changed rows of a CSV table file; returns the line
    map, the fingerprints after this import and how many rows were skipped."""
    lines: dict[int, int] = {}
    fingerprints: dict[str, str] = {}
    skipped = 0
    with (
        src.open(newline="", encoding="utf-8-sig") as handle,
        target.open("w", newline="", encoding="utf-8") as out,
    ):
        reader, writer = csv.reader(handle), csv.writer(out)
        header = next(reader, None)
        if header is None:
            return lines, dict(seen), 0
        writer.writerow(header)
        names = [h.strip() for h in header]
        at = names.index(id_column) if id_column in names else None
        staged_line = 1
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            key = record[at].strip() if at is not None and at < len(record) else None
            mark = _fingerprint(record)
            if key is not None and seen.get(key) == mark:
                fingerprints[key] = mark
                skipped += 1
                continue
            writer.writerow(record)
            staged_line += 1
            lines[staged_line] = line
            if key is not None:
                fingerprints[key] = mark
    # Rows no longer in the file are forgotten: were they to come back, they are read.
    return lines, fingerprints, skipped


def _stage_events(
    src: Path, target: Path, before: dict[str, Any]
) -> tuple[dict[str, Any], int, bool]:
    """Copy the events appended since `before` (header first for CSV); returns the new
    events state, the directory's line number of the first copied row's line minus one,
    and whether the copy holds only appended events."""
    size = src.stat().st_size
    with src.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        offset, lines_before = 0, 0
        appended = (
            before.get("file") == src.name
            and before.get("head") == hashlib.sha256(head[: before.get("head_len", 0)]).hexdigest()
            and int(before.get("offset", 0)) <= size
        )
        if appended:
            offset, lines_before = int(before["offset"]), int(before["lines"])
        header = b""
        if src.suffix == ".csv":
            handle.seek(0)
            header = handle.readline()
            if offset == 0:
                offset, lines_before = len(header), 1
        handle.seek(offset)
        tail = handle.read()
    end = tail.rfind(b"\n") + 1  # a last line still being written waits for the next import
    body = tail[:end]
    with target.open("wb") as out:
        out.write(header)
        out.write(body)
    state = {
        "file": src.name,
        "offset": offset + end,
        "lines": lines_before + body.count(b"\n"),
        "head": hashlib.sha256(head[: min(len(head), offset + end)]).hexdigest(),
        "head_len": min(len(head), offset + end),
    }
    return state, lines_before - (1 if header else 0), appended


def stage(directory: Path, data_dir: Path) -> Staged:
    """The directory's delta as import-format files in a temporary directory."""
    if not directory.is_dir():
        from renewals.errors import RenewalsError

        raise RenewalsError(Text("{path} is not a directory", path=str(directory)), 404)
    before = _load(state_path(data_dir, directory))
    target = Path(tempfile.mkdtemp(prefix="delta-", dir=_tmp_dir(data_dir)))
    staged = Staged(target, {"version": STATE_VERSION, "tables": {}, "events": {}})
    for spec in TABLE_SPECS:
        for suffix in (".csv", ".jsonl"):
            src = directory / f"{spec.stem}{suffix}"
            if not src.exists():
                continue
            if suffix == ".jsonl":  # JSON Lines tables are read whole
                shutil.copyfile(src, target / src.name)
                break
            seen = before.get("tables", {}).get(src.name, {})
            lines, prints, skipped = _stage_table(src, target / src.name, spec.id_column, seen)
            staged.lines[src.name] = lines
            staged.state["tables"][src.name] = prints
            staged.skipped[src.name] = skipped
            break
    for suffix in (".csv", ".jsonl", ".parquet"):
        src = directory / f"{USAGE_STEM}{suffix}"
        if not src.exists():
            continue
        if suffix == ".parquet":
            shutil.copyfile(src, target / src.name)
        else:
            events, shift, appended = _stage_events(
                src, target / src.name, before.get("events", {})
            )
            staged.state["events"] = events
            staged.appended_events = appended
            staged.shift[src.name] = shift
        break
    for name in ("fx_rates.csv", "event_kinds.csv"):
        if (directory / name).exists():
            shutil.copyfile(directory / name, target / name)
    return staged


def _tmp_dir(data_dir: Path) -> Path:
    path = data_dir / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _located(issue: Issue, staged: Staged) -> Issue:
    """An issue about a staged file, at the line of the directory's own file."""
    line = issue.line
    if issue.file in staged.shift:
        if line > 1 or issue.file.endswith(".jsonl"):
            line += staged.shift[issue.file]
    elif issue.file in staged.lines:
        line = staged.lines[issue.file].get(line, line)
    return Issue(issue.file, line, issue.column, issue.field, issue.reason)


def run_delta_import(
    engine: Engine,
    directory: Path,
    *,
    data_dir: Path,
    memory_limit: str = "1536MB",
    progress: Progress | None = None,
) -> tuple[ImportResult, ImportRun, Staged]:
    """Import only what changed in `directory` since its last delta import (strict)."""
    staged = stage(directory, data_dir)
    try:
        try:
            result, run = service.run_import(
                engine,
                staged.directory,
                data_dir=data_dir,
                memory_limit=memory_limit,
                progress=progress,
                appended_events=staged.appended_events,
                label=directory,
            )
        except ImportFailed as exc:
            raise ImportFailed([_located(i, staged) for i in exc.issues]) from None
        path = state_path(data_dir, directory)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(staged.state), encoding="utf-8")
        os.replace(temporary, path)  # after the commit: a failed import reads the rows again
    finally:
        shutil.rmtree(staged.directory, ignore_errors=True)
    return result, run, staged


def summary(staged: Staged) -> Text:
    """What a delta import left unread, English as it reads; printed with `tr`, in the
    reader's language with the counts written the language's way."""
    counts = [Text("{n:,} in {file}", n=n, file=f) for f, n in staged.skipped.items() if n]
    skipped = joined(counts, ", ") if counts else Text("none")
    parts = [
        Text(
            "delta: rows already imported and unchanged, not read again: {skipped}", skipped=skipped
        )
    ]
    if staged.state.get("events"):
        parts.append(
            Text("events appended since the last import")
            if staged.appended_events
            else Text("events read whole")
        )
    return joined(parts)
