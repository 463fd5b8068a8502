"""Sources: write keys, accepting tracking-API requests into the spool, and compacting the
spool into the Parquet usage store exactly once.

Compaction of one batch (a directory of spool files claimed together), with DuckDB:

1. read the batch; keep the first copy of each (source, messageId) in it;
2. drop messages already stored by earlier batches (their ledger parts);
3. record user -> account mappings from group (and identify) calls;
4. resolve each track/page/screen call's account (groupId, else the user's mapping);
   calls whose account is unknown, or that are malformed, go to the quarantine;
5. write the events part, the quarantine part and the ledger part, each under a name
   derived from the batch, staged and renamed; then the import record; then delete the
   batch. A compactor stopped before the import record re-runs the batch to the same files
   (step 2 leaves out the batch's own ledger), so nothing is lost or doubled; one stopped
   while deleting the batch (the record written) only finishes the deletion.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from renewals.account.models import Account
from renewals.audit import service as audit_service
from renewals.db import session_scope
from renewals.errors import Conflict, NotFound, RenewalsError
from renewals.ingest.models import ImportRun
from renewals.kit.i18n import Text
from renewals.kit.time import utc_now
from renewals.source import domain, spool
from renewals.source.models import Source, SourceUser
from renewals.usage import repository as usage_repository

KINDS = ("events", "warehouse", "csv")
KEY_PREFIX = "rk_"
# Spool files compacted together at most (a burst is worked through in several batches).
BATCH_FILES = 5000
# Ledger parts merged into one past this many (each compaction reads all of them).
LEDGER_MERGE_AT = 32


def _sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# --- sources and write keys -------------------------------------------------------------


def add(
    session: Session,
    name: str,
    *,
    kind: str = "events",
    by: str,
    config: dict[str, Any] | None = None,
) -> tuple[str | None, Source]:
    """Create a source; an `events` source gets a write key, shown once (only its hash is kept)."""
    name = name.strip()
    if not name or len(name) > 100 or not all(c.isalnum() or c in "-_." for c in name):
        raise RenewalsError(
            Text(
                "a source name is 1-100 letters, digits, '-', '_' or '.', got {value}",
                value=repr(name),
            ),
            422,
        )
    if kind not in KINDS:
        raise RenewalsError(
            Text(
                "{name} must be one of {choices}, got {value}",
                name="kind",
                choices=", ".join(KINDS),
                value=repr(kind),
            ),
            422,
        )
    if session.scalar(select(Source.id).where(Source.name == name)) is not None:
        raise Conflict(
            Text("a source named {name} exists (`renewals source list`)", name=repr(name))
        )
    raw = f"{KEY_PREFIX}{secrets.token_urlsafe(32)}" if kind == "events" else None
    source = Source(
        name=name,
        kind=kind,
        key_hash=_sha256(raw) if raw else None,
        key_hint=raw[:7] if raw else None,
        created_at=utc_now(),
        created_by=by,
        config=config or {},
        high_water={},
    )
    session.add(source)
    session.flush()
    audit_service.record(
        session,
        actor=by,
        action="source.add",
        entity="source",
        entity_id=name,
        detail={"kind": kind},
    )
    return raw, source


def get(session: Session, name: str) -> Source:
    source = session.scalars(select(Source).where(Source.name == name)).first()
    if source is None:
        raise NotFound(Text("no source named {name} (`renewals source list`)", name=repr(name)))
    return source


def revoke(session: Session, name: str, *, by: str) -> Source:
    """Revoke a source's write key: its requests are refused (401) from now on."""
    source = get(session, name)
    if source.revoked_at is not None:
        raise Conflict(
            Text(
                "the source {name} was revoked on {when}",
                name=repr(name),
                when=source.revoked_at.strftime("%Y-%m-%d %H:%M"),
            )
        )
    source.revoked_at = utc_now()
    audit_service.record(
        session, actor=by, action="source.revoke", entity="source", entity_id=name, detail={}
    )
    return source


def list_sources(session: Session) -> list[Source]:
    return list(session.scalars(select(Source).order_by(Source.name)))


def authenticate(session: Session, raw_key: str | None) -> Source | None:
    """The active events source whose write key this is, or None."""
    if not raw_key:
        return None
    return session.scalars(
        select(Source).where(
            Source.key_hash == _sha256(raw_key),
            Source.kind == "events",
            Source.revoked_at.is_(None),
        )
    ).first()


# --- accepting a request ----------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    messages: int
    flagged: int  # kept, but bound for the quarantine (malformed)


def accept(data_dir: Path, source_id: int, messages: list[Any], *, received: datetime) -> Accepted:
    """Normalise the messages and append them to the spool durably (before the 200)."""
    at = received.isoformat()
    records = [domain.normalise(m, received=received) for m in messages]
    if records:
        spool.append(data_dir, (r.as_json(source_id, at) for r in records))
    return Accepted(len(records), sum(1 for r in records if r.problem))


# --- compaction -------------------------------------------------------------------------


def ledger_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "usage" / "ledger"


def quarantine_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "usage" / "quarantine"


@dataclass
class BatchReport:
    batch: str
    read: int = 0
    duplicates: int = 0
    stored: int = 0
    quarantined: int = 0
    mappings: int = 0
    other: int = 0  # identify/group/alias calls: not usage events

    def as_counts(self) -> dict[str, int]:
        return {
            "read": self.read,
            "duplicates": self.duplicates,
            "stored": self.stored,
            "quarantined": self.quarantined,
            "mappings": self.mappings,
            "other": self.other,
        }


@dataclass
class CompactReport:
    batches: list[BatchReport] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(b, name) for b in self.batches)

    def summary(self) -> str:
        if not self.batches:
            return Text("the spool is empty")
        return Text(
            "{n} batch(es): {read:,} messages read, {stored:,} events stored, {duplicates:,} "
            "duplicates dropped, {quarantined:,} quarantined, {mappings:,} user mappings",
            n=len(self.batches),
            read=self.total("read"),
            stored=self.total("stored"),
            duplicates=self.total("duplicates"),
            quarantined=self.total("quarantined"),
            mappings=self.total("mappings"),
        )


def _quote(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _list(paths: Iterable[Path]) -> str:
    return "[" + ", ".join(_quote(p) for p in paths) + "]"


def _copy(con: Any, query: str, target: Path) -> int:
    """COPY `query` to `target` through a staged file and a rename; rows written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".staged-{target.name}")
    row = con.execute(
        f"COPY ({query}) TO {_quote(staged)} (FORMAT parquet, COMPRESSION zstd)"
    ).fetchone()
    count = int(row[0]) if row else 0
    if count:
        staged.replace(target)
    else:
        staged.unlink(missing_ok=True)
    return count


SPOOL_COLUMNS = (
    "{s: 'BIGINT', m: 'VARCHAR', t: 'VARCHAR', u: 'VARCHAR', g: 'VARCHAR', e: 'VARCHAR', "
    "f: 'VARCHAR', ts: 'VARCHAR', r: 'VARCHAR', p: 'VARCHAR'}"
)


def _upsert_mappings(engine: Engine, pairs: list[tuple[int, str, str]]) -> int:
    if not pairs:
        return 0
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    now = utc_now()
    latest = {(s, u): a for s, u, a in pairs}  # the last call in the batch wins
    with session_scope(engine) as session:
        for (source_id, user_id), account_id in latest.items():
            stmt = insert(SourceUser).values(
                source_id=source_id, user_id=user_id, account_id=account_id, updated_at=now
            )
            session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["source_id", "user_id"],
                    set_={"account_id": account_id, "updated_at": now},
                )
            )
    return len(latest)


def _mapping_table(engine: Engine, source_ids: list[int]) -> Any:
    import pyarrow as pa

    with session_scope(engine) as session:
        rows = session.execute(
            select(SourceUser.source_id, SourceUser.user_id, SourceUser.account_id).where(
                SourceUser.source_id.in_(source_ids)
            )
        ).all()
        known = session.scalars(select(Account.account_id)).all()
    mapping = pa.table(
        {
            "source_id": pa.array([r[0] for r in rows], pa.int64()),
            "user_id": pa.array([r[1] for r in rows], pa.string()),
            "account_id": pa.array([r[2] for r in rows], pa.string()),
        }
    )
    return mapping, pa.table({"account_id": pa.array(sorted(known), pa.string())})


def compact_batch(engine: Engine, data_dir: Path, batch: Path, memory_limit: str) -> BatchReport:
    """Compact one claimed batch (see the module's docstring); safe to repeat."""
    report = BatchReport(batch.name)
    if _recorded(engine, batch.name):
        # Compacted to the end before: its parts and import record are written, and a
        # compactor killed while deleting the batch left some of its files. Compacting those
        # again would write the batch's parts anew from what is left and lose the rest (the
        # SIGKILL test lost 22,900 acknowledged events that way): only finish the deletion.
        shutil.rmtree(batch)
        return report
    files = sorted(batch.glob("*.jsonl"))
    ledgers = ledger_dir(data_dir)
    own_ledger = ledgers / f"l-{batch.name}.parquet"
    if files:
        con = usage_repository.connect(data_dir, memory_limit)
        try:
            _compact(con, engine, data_dir, batch, files, own_ledger, report)
        finally:
            con.close()
    _record_import(engine, report)
    shutil.rmtree(batch)
    return report


def _compact(
    con: Any,
    engine: Engine,
    data_dir: Path,
    batch: Path,
    files: list[Path],
    own_ledger: Path,
    report: BatchReport,
) -> None:
    con.execute(
        f"CREATE TEMP TABLE raw AS SELECT * FROM read_json({_list(files)}, "
        f"format = 'newline_delimited', columns = {SPOOL_COLUMNS})"
    )
    con.execute(
        "CREATE TEMP TABLE once AS SELECT * FROM raw "
        "QUALIFY row_number() OVER (PARTITION BY s, m ORDER BY r, ts) = 1"
    )
    others = sorted(p for p in ledger_dir(data_dir).glob("l-*.parquet") if p != own_ledger)
    if others:
        con.execute(
            "CREATE TEMP TABLE fresh AS SELECT o.* FROM once o ANTI JOIN "
            f"read_parquet({_list(others)}) l ON o.s = l.source_id AND o.m = l.message_id"
        )
    else:
        con.execute("CREATE TEMP TABLE fresh AS SELECT * FROM once")
    counts = con.execute(
        "SELECT (SELECT count(*) FROM raw), (SELECT count(*) FROM fresh)"
    ).fetchone()
    assert counts is not None
    report.read, fresh = int(counts[0]), int(counts[1])
    report.duplicates = report.read - fresh
    pairs = con.execute(
        "SELECT s, u, g FROM fresh WHERE t IN ('group', 'identify') AND p IS NULL "
        "AND u IS NOT NULL AND g IS NOT NULL ORDER BY r, ts"
    ).fetchall()
    report.mappings = _upsert_mappings(engine, [(int(s), u, g) for s, u, g in pairs])
    sources = [int(r[0]) for r in con.execute("SELECT DISTINCT s FROM fresh").fetchall()]
    mapping, known = _mapping_table(engine, sources)
    con.register("mapping_arrow", mapping)
    con.register("known_arrow", known)
    usage = ", ".join(f"'{t}'" for t in domain.USAGE_TYPES)
    con.execute(
        f"""
        CREATE TEMP TABLE resolved AS
        SELECT f.*, coalesce(f.g, mp.account_id) AS account,
          CASE
            WHEN f.p IS NOT NULL THEN f.p
            WHEN f.t NOT IN ({usage}) THEN NULL
            WHEN coalesce(f.g, mp.account_id) IS NULL
              THEN 'no account: no groupId and no group call for user ' || f.u
            WHEN k.account_id IS NULL
              THEN 'unknown account ' || coalesce(f.g, mp.account_id)
          END AS problem,
          TRY_CAST(f.ts AS TIMESTAMPTZ) AS event_at
        FROM fresh f
        LEFT JOIN mapping_arrow mp ON mp.source_id = f.s AND mp.user_id = f.u
        LEFT JOIN known_arrow k ON k.account_id = coalesce(f.g, mp.account_id)
        """
    )
    name = batch.name
    report.stored = _copy(
        con,
        f"""SELECT account AS account_id, u AS user_id, e AS event, f AS feature,
                   event_at AS "timestamp"
            FROM resolved WHERE problem IS NULL AND t IN ({usage}) ORDER BY event_at""",
        usage_repository.events_dir(data_dir) / f"part-ingest-{name}.parquet",
    )
    report.quarantined = _copy(
        con,
        f"""SELECT s AS source_id, m AS message_id, t AS type, u AS user_id,
                   coalesce(g, account) AS group_id, e AS event, f AS feature,
                   ts AS "timestamp", problem AS reason, r AS received_at,
                   '{name}' AS batch
            FROM resolved WHERE problem IS NOT NULL""",
        quarantine_dir(data_dir) / f"q-{name}.parquet",
    )
    report.other = fresh - report.stored - report.quarantined
    # Last: once the ledger part is in place the batch counts as stored.
    _copy(con, "SELECT s AS source_id, m AS message_id FROM fresh", own_ledger)


def _label(batch: str) -> str:
    return f"events spool batch {batch}"


def _recorded(engine: Engine, batch: str) -> bool:
    """Whether the batch was compacted to the end (its import record is written last)."""
    with session_scope(engine) as session:
        found = session.scalar(select(ImportRun.id).where(ImportRun.source == _label(batch)))
    return found is not None


def _record_import(engine: Engine, report: BatchReport) -> None:
    """The batch's import record: written once, last, after its parts (`compact_batch` does
    not compact a batch again once it is written, `_recorded`)."""
    now = utc_now()
    with session_scope(engine) as session:
        session.add(
            ImportRun(
                started_at=now,
                finished_at=now,
                source=_label(report.batch),
                counts={"events": report.as_counts()},
                rejected=report.quarantined,
                reject_file=None,
            )
        )


def merge_ledgers(data_dir: Path, memory_limit: str) -> int:
    """Merge the ledger parts into one when there are many (no batch may be open)."""
    parts = sorted(ledger_dir(data_dir).glob("l-*.parquet"))
    if len(parts) < LEDGER_MERGE_AT:
        return 0
    con = usage_repository.connect(data_dir, memory_limit)
    try:
        target = ledger_dir(data_dir) / f"l-merged-{utc_now():%Y%m%dT%H%M%S%f}.parquet"
        _copy(con, f"SELECT DISTINCT * FROM read_parquet({_list(parts)})", target)
    finally:
        con.close()
    for part in parts:  # a crash before this ends leaves repeats in the ledger: harmless
        part.unlink(missing_ok=True)
    return len(parts)


def compact(engine: Engine, data_dir: Path, memory_limit: str = "2GB") -> CompactReport:
    """Compact the whole spool: unfinished batches first, then what waits, batch by batch.

    Callers hold the `source.compact` job lock (the worker, `renewals source compact`)."""
    report = CompactReport()
    spool.sweep_temporary(data_dir)
    for batch in spool.open_batches(data_dir):
        report.batches.append(compact_batch(engine, data_dir, batch, memory_limit))
    while (claimed := spool.claim(data_dir, BATCH_FILES)) is not None:
        report.batches.append(compact_batch(engine, data_dir, claimed, memory_limit))
    merge_ledgers(data_dir, memory_limit)
    return report


# --- the quarantine ---------------------------------------------------------------------


@dataclass(frozen=True)
class QuarantineSummary:
    total: int
    by_reason: list[tuple[str, int]]
    by_account: list[tuple[str, int]]
    rows: list[dict[str, Any]]


def quarantine(data_dir: Path, memory_limit: str = "2GB", *, limit: int = 20) -> QuarantineSummary:
    """What waits in the quarantine: counts by reason and by account, and the newest rows."""
    parts = sorted(quarantine_dir(data_dir).glob("q-*.parquet"))
    if not parts:
        return QuarantineSummary(0, [], [], [])
    con = usage_repository.connect(data_dir, memory_limit)
    try:
        source = f"read_parquet({_list(parts)})"
        row = con.execute(f"SELECT count(*) FROM {source}").fetchone()
        total = int(row[0]) if row else 0
        kinds = con.execute(
            f"""SELECT CASE WHEN reason LIKE 'unknown account %' THEN 'unknown account'
                            WHEN reason LIKE 'no account:%' THEN 'no account (no groupId, no group call)'
                            ELSE reason END AS why, count(*) AS n
                FROM {source} GROUP BY why ORDER BY n DESC, why LIMIT 50"""
        ).fetchall()
        accounts = con.execute(
            f"""SELECT group_id, count(*) AS n FROM {source}
                WHERE reason LIKE 'unknown account %' GROUP BY group_id
                ORDER BY n DESC, group_id LIMIT 50"""
        ).fetchall()
        cursor = con.execute(
            f"""SELECT source_id, message_id, type, user_id, group_id, event, "timestamp",
                       reason, received_at FROM {source}
                ORDER BY received_at DESC LIMIT {int(limit)}"""
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()
    return QuarantineSummary(
        total,
        [(str(k), int(n)) for k, n in kinds],
        [(str(k), int(n)) for k, n in accounts],
        rows,
    )


def stored_message_ids(data_dir: Path, memory_limit: str = "2GB") -> dict[str, int]:
    """Counts over the ledger: messages, distinct (source, messageId); for checks and tests."""
    parts = sorted(ledger_dir(data_dir).glob("l-*.parquet"))
    if not parts:
        return {"messages": 0, "distinct": 0}
    con = usage_repository.connect(data_dir, memory_limit)
    try:
        row = con.execute(
            f"SELECT count(*), count(DISTINCT (source_id, message_id)) "
            f"FROM read_parquet({_list(parts)})"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return {"messages": int(row[0]), "distinct": int(row[1])}
