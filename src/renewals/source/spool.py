"""The durable spool: each accepted request becomes one file, fsync'd before the answer.

Writing: a hidden temporary file, fsync, rename into `incoming/`, fsync of the directory;
a crash leaves either the whole file or none (a stray temporary file is swept). The
compactor claims files by moving them into a batch directory of its own, so a request
being written and a batch being compacted never touch the same file.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

INCOMING = "incoming"
BATCHES = "batches"


def root(data_dir: Path) -> Path:
    return Path(data_dir) / "spool" / "events"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def append(data_dir: Path, records: Iterable[dict[str, Any]]) -> Path:
    """Write the records as one spool file, durably; return its path."""
    incoming = root(data_dir) / INCOMING
    incoming.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}.jsonl"
    tmp = incoming / f".tmp-{name}"
    payload = "".join(
        json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in records
    ).encode("utf-8")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)
    final = incoming / name
    os.rename(tmp, final)
    _fsync_dir(incoming)
    return final


def waiting(data_dir: Path) -> list[Path]:
    """Spool files not yet claimed, oldest first."""
    incoming = root(data_dir) / INCOMING
    if not incoming.exists():
        return []
    return sorted(
        p for p in incoming.iterdir() if p.suffix == ".jsonl" and not p.name.startswith(".")
    )


def claim(data_dir: Path, limit: int) -> Path | None:
    """Move up to `limit` waiting files into a new batch directory; None if none wait."""
    files = waiting(data_dir)[:limit]
    if not files:
        return None
    batches = root(data_dir) / BATCHES
    batch = batches / f"{time.time_ns():020d}-{secrets.token_hex(4)}"
    batch.mkdir(parents=True)
    for path in files:
        os.rename(path, batch / path.name)
    _fsync_dir(batch)
    _fsync_dir(root(data_dir) / INCOMING)
    return batch


def open_batches(data_dir: Path) -> list[Path]:
    """Batches claimed earlier and not finished (a compactor stopped mid-way), oldest first."""
    batches = root(data_dir) / BATCHES
    if not batches.exists():
        return []
    return sorted(p for p in batches.iterdir() if p.is_dir())


def sweep_temporary(data_dir: Path, older_than_seconds: float = 3600) -> int:
    """Delete temporary files a crashed writer left (never acknowledged, so the client retries)."""
    incoming = root(data_dir) / INCOMING
    if not incoming.exists():
        return 0
    cutoff = time.time() - older_than_seconds
    gone = 0
    for path in incoming.glob(".tmp-*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            gone += 1
    return gone


def backlog(data_dir: Path) -> tuple[int, int]:
    """(files waiting, bytes waiting), batches under way included."""
    files = [*waiting(data_dir)]
    for batch in open_batches(data_dir):
        files.extend(batch.glob("*.jsonl"))
    return len(files), sum(p.stat().st_size for p in files if p.exists())
