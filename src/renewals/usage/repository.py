"""Where usage events live: Parquet parts under the data directory, read by DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb

PART_GLOB = "part-*.parquet"


def events_dir(data_dir: Path) -> Path:
    return data_dir / "usage" / "events"


def parts(data_dir: Path) -> list[Path]:
    return sorted(events_dir(data_dir).glob(PART_GLOB))


def events_source(data_dir: Path) -> str | None:
    """A DuckDB `read_parquet(...)` expression over every stored part, or None if empty."""
    if not parts(data_dir):
        return None
    pattern = str(events_dir(data_dir) / PART_GLOB).replace("'", "''")
    return f"read_parquet('{pattern}')"


def connect(data_dir: Path, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that spills to data_dir/tmp and reads timestamps as UTC."""
    tmp = data_dir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # no bars in worker logs or piped output
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{str(tmp).replace(chr(39), chr(39) * 2)}'")
    return con
