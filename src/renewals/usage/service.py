"""Import usage events: validate with DuckDB, stage a Parquet part, publish after the commit.

Events never pass through Python one by one: 10 million rows stream through
DuckDB within its memory limit (spilling to disk beyond it). An import adds
only events not already stored (same account, user, event, feature and
timestamp count once), so re-importing the same file adds nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from renewals.ingest.domain import REQUIRED, USAGE_COLUMNS, Issue, typed, unknown_reference
from renewals.kit.i18n import Text
from renewals.kit.time import utc_now
from renewals.usage import repository

# Rows listed per kind of problem; the rest are counted (a bad export can hold millions).
MAX_LISTED_PER_PROBLEM = 50

_PROBLEMS = """
    CASE
      WHEN nullif(trim(t.account_id), '') IS NULL THEN 'account_id|required|'
      WHEN known.account_id IS NULL THEN 'account_id|unknown|' || t.account_id
      WHEN nullif(trim(t.user_id), '') IS NULL THEN 'user_id|required|'
      WHEN nullif(trim(t.event), '') IS NULL THEN 'event|required|'
      WHEN nullif(trim(t.ts_raw), '') IS NULL THEN 'timestamp|required|'
      WHEN t.ts IS NULL THEN 'timestamp|timestamp|' || t.ts_raw
    END
"""
# A problem's reason for a person (issue 22: a Text, in the reader's language when printed):
# 'field|kind|value' from the SQL above, the value quoted as the file has it (ingest.typed).
_REASONS = {
    "required": lambda value: REQUIRED,
    "unknown": lambda value: unknown_reference("account", value),
    "timestamp": lambda value: Text("not an ISO 8601 timestamp: {raw}", raw=typed(value)),
}


def _checked(source: str, keep: str) -> str:
    """Rows of `source` with `problem` = 'field|kind|value' (NULL when the row is good)."""
    return f"""
        SELECT {keep}, {_PROBLEMS} AS problem
        FROM {source} t
        LEFT JOIN known ON known.account_id = t.account_id
    """


# Kinds of problem for listing: the field and the kind (an account unknown or empty, ...).
_KIND = "split_part(problem, '|', 1), split_part(problem, '|', 2)"


@dataclass
class StagedUsage:
    """Events validated and written to a hidden part, waiting for the database commit."""

    source: Path
    rows_read: int = 0
    rows_new: int = 0
    rows_rejected: int = 0
    issues: list[Issue] = field(default_factory=list)
    staged: Path | None = None

    def publish(self) -> Path | None:
        """Make the staged part visible to the analytics layer (after the DB commit)."""
        if self.staged is None:
            return None
        final = self.staged.with_name(
            f"part-{utc_now():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.parquet"
        )
        self.staged.rename(final)
        self.staged = None
        return final

    def discard(self) -> None:
        if self.staged is not None:
            self.staged.unlink(missing_ok=True)
            self.staged = None


def find_source(directory: Path) -> Path | None:
    for suffix in (".parquet", ".csv", ".jsonl"):
        candidate = directory / f"usage_events{suffix}"
        if candidate.exists():
            return candidate
    return None


def _reader(path: Path) -> str:
    quoted = str(path).replace("'", "''")
    if path.suffix == ".parquet":
        return f"read_parquet('{quoted}')"
    if path.suffix == ".jsonl":
        return f"read_json('{quoted}', format = 'newline_delimited')"
    return f"read_csv('{quoted}', header = true, all_varchar = true)"


def stage(
    path: Path,
    *,
    data_dir: Path,
    known_accounts: Iterable[str],
    memory_limit: str,
    write: bool,
    appended: bool = False,
) -> StagedUsage:
    """Validate the events file; if `write`, stage its new valid events as a hidden part.
    `appended`: the file holds only events appended since the last import (a delta import),
    so they are not compared with the stored events (which are not re-read)."""
    result = StagedUsage(source=path)
    con = repository.connect(data_dir, memory_limit)
    # The staged part's row order is of no account: DuckDB need not buffer rows to keep
    # the file's order, and writes within less memory (issue 20).
    con.execute("SET preserve_insertion_order = false")
    try:
        return _stage(con, result, data_dir, known_accounts, write, appended)
    except duckdb.Error as exc:
        result.discard()
        # DuckDB's own explanation stays as the library gives it
        reason = Text("cannot read the file: {error}", error=str(exc))
        result.issues.append(Issue(path.name, 1, None, "", reason))
        return result
    finally:
        con.close()


def _stage(
    con: duckdb.DuckDBPyConnection,
    result: StagedUsage,
    data_dir: Path,
    known_accounts: Iterable[str],
    write: bool,
    appended: bool = False,
) -> StagedUsage:
    path = result.source
    con.execute(f"CREATE TEMP VIEW src AS SELECT * FROM {_reader(path)}")
    present = [row[0] for row in con.execute("DESCRIBE src").fetchall()]
    missing = [c for c in USAGE_COLUMNS if c not in present and c != "feature"]
    if missing:
        reason = Text("missing column(s): {column}", column=", ".join(missing))
        result.issues.append(Issue(path.name, 1, None, "", reason))
        return result
    feature = "CAST(feature AS VARCHAR)" if "feature" in present else "CAST(NULL AS VARCHAR)"
    import pyarrow as pa  # only when staging an import, not for `renewals status` (issue 24)

    known = pa.table({"account_id": pa.array(sorted(set(known_accounts)), pa.string())})
    con.register("known_arrow", known)
    con.execute("CREATE TEMP TABLE known AS SELECT account_id FROM known_arrow")
    con.execute(
        f"""
        CREATE TEMP VIEW typed AS
        SELECT CAST(account_id AS VARCHAR) AS account_id, CAST(user_id AS VARCHAR) AS user_id,
               CAST(event AS VARCHAR) AS event, {feature} AS feature,
               CAST("timestamp" AS VARCHAR) AS ts_raw,
               TRY_CAST("timestamp" AS TIMESTAMPTZ) AS ts
        FROM src
        """
    )
    checked = _checked("typed", "t.account_id, t.user_id, t.event, t.feature, t.ts")
    counts = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE problem IS NOT NULL) FROM ({checked})"
    ).fetchone()
    assert counts is not None
    result.rows_read, result.rows_rejected = int(counts[0]), int(counts[1])
    if result.rows_rejected:
        result.issues.extend(_listed_issues(con, path, present))
    if write:
        _write_new(con, result, data_dir, checked, appended)
    return result


def _listed_issues(con: duckdb.DuckDBPyConnection, path: Path, present: list[str]) -> list[Issue]:
    """The first rows of each kind of problem with their line numbers, then a count of the rest."""
    # Line numbers only on this (rare) path: numbering every row costs a full pass.
    header_lines = 1 if path.suffix == ".csv" else 0
    rows = con.execute(
        f"""
        WITH numbered AS (SELECT row_number() OVER () AS rn, * FROM typed),
        checked AS ({_checked("numbered", "t.rn")}),
        bad AS (
            SELECT rn, problem,
                   row_number() OVER (PARTITION BY {_KIND} ORDER BY rn) AS k,
                   count(*) OVER (PARTITION BY {_KIND}) AS total
            FROM checked WHERE problem IS NOT NULL
        )
        SELECT rn, problem, k, total FROM bad WHERE k <= ? ORDER BY rn
        """,
        [MAX_LISTED_PER_PROBLEM],
    ).fetchall()
    issues = []
    for rn, problem, k, total in rows:
        field_name, kind, value = problem.split("|", 2)
        reason = _REASONS[kind](value)
        if k == MAX_LISTED_PER_PROBLEM and total > k:
            reason = Text(
                "{reason} (and {n:,} more rows with this problem)", reason=reason, n=total - k
            )
        column = present.index(field_name) + 1 if path.suffix == ".csv" else None
        issues.append(Issue(path.name, int(rn) + header_lines, column, field_name, reason))
    return issues


def _write_new(
    con: duckdb.DuckDBPyConnection,
    result: StagedUsage,
    data_dir: Path,
    checked: str,
    appended: bool = False,
) -> None:
    target_dir = repository.events_dir(data_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    for stale in target_dir.glob(".staged-*"):
        stale.unlink()
    staged = target_dir / f".staged-{secrets.token_hex(6)}.parquet"
    new = (
        'SELECT account_id, user_id, event, feature, ts AS "timestamp" '
        f"FROM ({checked}) WHERE problem IS NULL"
    )
    existing = None if appended else repository.events_source(data_dir)
    if existing:
        new += f' EXCEPT SELECT account_id, user_id, event, feature, "timestamp" FROM {existing}'
    else:
        new = f"SELECT DISTINCT * FROM ({new})"
    quoted = str(staged).replace("'", "''")
    row = con.execute(
        f"COPY ({new}) TO '{quoted}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)"
    ).fetchone()
    result.rows_new = int(row[0]) if row else 0
    if result.rows_new:
        result.staged = staged
    else:
        staged.unlink(missing_ok=True)


def summary(data_dir: Path, memory_limit: str) -> dict[str, int]:
    """Stored events, accounts with events and distinct users."""
    source = repository.events_source(data_dir)
    if source is None:
        return {"events": 0, "accounts": 0, "users": 0}
    con = repository.connect(data_dir, memory_limit)
    try:
        row = con.execute(
            f"SELECT count(*), count(DISTINCT account_id), count(DISTINCT user_id) FROM {source}"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return {"events": int(row[0]), "accounts": int(row[1]), "users": int(row[2])}
