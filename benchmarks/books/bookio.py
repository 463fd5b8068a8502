"""Writing an external book in the import's directory format (docs/data-format.md).

Shared by the external generators in this folder (and nothing else): CSV tables, the usage
events as Parquet or CSV, and the ground-truth file `_truth.csv` (ignored by the import, since
its name starts with `_`): one row per closed contract with who churned at that renewal and
the generator's own churn probability for it.
"""

from __future__ import annotations

import argparse
import csv
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ACCOUNT_COLUMNS = ("account_id", "name", "industry", "customer_since", "language")
CONTRACT_COLUMNS = (
    "contract_id",
    "account_id",
    "start_date",
    "end_date",
    "arr",
    "currency",
    "seats",
    "term_months",
    "auto_renew",
    "payment_on_file",
    "outcome",
    "outcome_arr",
    "closed_at",
)
TRUTH_COLUMNS = ("contract_id", "account_id", "end_date", "term_months", "churned", "p_churn")
EVENT_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("user_id", pa.string()),
        ("event", pa.string()),
        ("feature", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
    ]
)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def day_grid(as_of: date, history_days: int) -> tuple[list[date], int]:
    """The history's days (the last is `as_of`) and its first day's midnight in UTC
    microseconds."""
    first = as_of - timedelta(days=history_days - 1)
    days = [first + timedelta(days=k) for k in range(history_days)]
    return days, int(datetime.combine(first, datetime.min.time(), tzinfo=UTC).timestamp()) * 10**6


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, object]]) -> int:
    n = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=list(columns))
        out.writeheader()
        for row in rows:
            out.writerow({k: _cell(row.get(k)) for k in columns})
            n += 1
    return n


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return value


def write_tables(
    out: Path,
    accounts: Iterable[dict[str, object]],
    contracts: Iterable[dict[str, object]],
    truth: Iterable[dict[str, object]],
    events: EventWriter,
) -> dict[str, int]:
    """Write the three CSV tables (the events are written already); rows per file."""
    return {
        "accounts.csv": write_csv(out / "accounts.csv", ACCOUNT_COLUMNS, accounts),
        "contracts.csv": write_csv(out / "contracts.csv", CONTRACT_COLUMNS, contracts),
        "_truth.csv": write_csv(out / "_truth.csv", TRUTH_COLUMNS, truth),
        events.path.name: events.rows,
    }


class EventWriter:
    """Appends event batches to `usage_events.parquet` or `usage_events.csv`."""

    def __init__(self, directory: Path, fmt: str = "parquet") -> None:
        self.fmt = fmt
        self.path = directory / f"usage_events.{fmt}"
        self.rows = 0
        if fmt == "parquet":
            self._writer: object = pq.ParquetWriter(self.path, EVENT_SCHEMA, compression="zstd")
        else:
            self._writer = pacsv.CSVWriter(
                str(self.path),
                pa.schema([(f.name, pa.string()) for f in EVENT_SCHEMA]),
            )

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self.rows += table.num_rows
        if self.fmt == "parquet":
            self._writer.write_table(table)  # type: ignore[attr-defined]
        else:
            ts = table.column("timestamp").cast(pa.timestamp("s", tz="UTC"))
            text = pa.compute.strftime(ts, format="%Y-%m-%dT%H:%M:%SZ")
            cols = [table.column(n).cast(pa.string()) for n in ("account_id", "user_id", "event")]
            cols += [table.column("feature").cast(pa.string()), text]
            self._writer.write_table(  # type: ignore[attr-defined]
                pa.Table.from_arrays(cols, names=[f.name for f in EVENT_SCHEMA])
            )

    def close(self) -> None:
        self._writer.close()  # type: ignore[attr-defined]


def events_table(
    account_id: str,
    users: Sequence[np.ndarray],
    kinds: Sequence[np.ndarray],
    features: Sequence[np.ndarray],
    stamps: Sequence[np.ndarray],
) -> pa.Table:
    """One account's events from parallel batches (user, kind, feature, microseconds),
    in time order (ties in batch order)."""
    if not stamps:
        return pa.Table.from_pylist([], schema=EVENT_SCHEMA)
    ts = np.concatenate(stamps)
    order = np.argsort(ts, kind="stable")
    return pa.Table.from_arrays(
        [
            pa.array(np.full(len(ts), account_id)),
            pa.array(np.concatenate(users)[order]),
            pa.array(np.concatenate(kinds)[order]),
            pa.array(np.concatenate(features)[order]),
            pa.array(ts[order], pa.timestamp("us", tz="UTC")),
        ],
        schema=EVENT_SCHEMA,
    )


def cli(doc: str | None, generate: Callable[..., dict[str, int]], *, seed: int) -> None:
    """The command line of a generator: OUT_DIR, --accounts, --seed, --as-of, --events-format."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("out", type=Path)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--as-of", default="2026-11-24")
    parser.add_argument("--events-format", choices=("parquet", "csv"), default="parquet")
    args = parser.parse_args()
    counts = generate(
        args.out,
        accounts=args.accounts,
        seed=args.seed,
        as_of=date.fromisoformat(args.as_of),
        events_format=args.events_format,
    )
    for name, n in counts.items():
        print(f"{name}: {n:,} rows")
