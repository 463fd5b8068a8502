"""Benchmark: one day's daily run on a copy of a kept state, CPU per job, and whether two
runs left the same rows (issue 20: "10,000-account book: full daily run under 30 s").

  RENEWALS_EMBEDDING_CACHE=/tmp/emb.cache renewals --db sqlite:////tmp/b10k/base.db \\
      --data-dir /tmp/b10k/data demo --accounts 10000 --as-of 2026-12-07 --no-serve --dir /tmp/b10k/book
  python benchmarks/next_day.py run /tmp/b10k /tmp/nd/after 2026-12-08 --full
  PYTHONPATH=/tmp/old/src python benchmarks/next_day.py run /tmp/b10k /tmp/nd/before 2026-12-08 --full
  python benchmarks/next_day.py same /tmp/nd/before /tmp/nd/after --skip text_scan

On PostgreSQL the kept state is a database (the book built there with `--db postgresql://...`)
and STATE/data its Parquet store; `--pg URL` names that database, and each run works on a copy
(`CREATE DATABASE <state's name>_<WORK's name> TEMPLATE <state's name>`, replaced, kept after
the run for EXPLAIN):

  renewals --db postgresql://postgres@127.0.0.1:5432/bench10k --data-dir /tmp/p10k/data demo ...
  python benchmarks/next_day.py run /tmp/p10k /tmp/nd/pg_after 2026-12-08 --full \
      --pg postgresql://postgres@127.0.0.1:5432/bench10k

`run STATE WORK DAY`: copies STATE/base.db and STATE/data (the book after its first day) to
WORK, freezes the clock at 06:00 UTC of DAY (so every table can be compared, timestamps
included) and runs the daily run of DAY in this process (`--full`: `renewals run --full`;
`--only JOB,...`; `--profile FILE`: cProfile on CPU time). Prints one JSON line per job
(`cpu`: the process's user+system seconds during the job, DuckDB's threads included) and a
summary: the jobs' CPU, the imports', the process's, wall seconds, load average, and the
garbage collector's collections per generation and their CPU; writes WORK/times.json. Each
job's line also gives its wall seconds and, on PostgreSQL, `server`: the CPU seconds of the
copy's client backends during the job (`/proc/<pid>/schedstat` of each backend in
pg_stat_activity, read as each job ends; the server must run on this machine), its ANALYZE of
the tables it wrote included. The tables a fresh copy has never analyzed (the run's first
step, `scheduler.never_analyzed`) are analyzed before the clock starts, on both databases, so
the first job's figure is the job's. `--statements FILE`: each job's statements by their
SQL, with calls, rows, seconds in the driver and (PostgreSQL) the backend's CPU seconds.
Then dumps every table (tests/run_state.tables, the run's own log left out) and `renewals export
renewals` into WORK.

`same A B`: the tables and exports of two runs compared; exit 1 if they differ. `--skip
text_scan` leaves out the text scan's fingerprints, which digest the detectors' files (a
change there changes them, not what the scan finds).

The code measured is the one Python imports: point PYTHONPATH at another checkout's `src`
to measure it (before/after, alternating, on the same state).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def run(opts: argparse.Namespace) -> None:
    state, work, day = Path(opts.state), Path(opts.work), date.fromisoformat(opts.day)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if opts.pg:
        url = copy_database(opts.pg, work)
    else:
        shutil.copy(state / "base.db", work / "base.db")
        url = f"sqlite:///{work / 'base.db'}"
    if (state / "data").exists():
        shutil.copytree(state / "data", work / "data")
    (work / "url").write_text(url)
    os.environ["RENEWALS_DATABASE_URL"] = url
    os.environ["RENEWALS_DATA_DIR"] = str(work / "data")

    started = time.process_time()
    import renewals.kit.time as clock

    frozen = datetime.combine(day, datetime.min.time(), tzinfo=UTC).replace(hour=6)
    real_now = clock.utc_now

    def now() -> datetime:
        return frozen

    clock.utc_now = now  # type: ignore[assignment]
    from renewals import scheduler
    from renewals.config import Settings
    from renewals.db import make_engine
    from renewals.policy import service as policy_service

    scheduler.jobs()  # every job module imported: each `from ... import utc_now` frozen too
    for name, module in list(sys.modules.items()):
        if name.startswith("renewals") and getattr(module, "utc_now", None) is real_now:
            module.utc_now = now  # type: ignore[attr-defined]
    settings = Settings()
    engine = make_engine(settings.database_url)
    policy = policy_service.load(settings.policy_file)
    scheduler.analyze(engine, scheduler.never_analyzed(engine))
    imports = time.process_time() - started
    server = Backends(url) if opts.pg else None
    statements = Statements(engine) if opts.statements else None

    collector: dict[str, Any] = {"cpu": 0.0, "n": [0, 0, 0], "start": 0.0}

    def collected(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collector["start"] = time.process_time()
        else:
            collector["cpu"] += time.process_time() - collector["start"]
            collector["n"][info["generation"]] += 1

    gc.callbacks.append(collected)
    per_job: dict[str, float] = {}
    per_job_server: dict[str, float] = {}
    per_job_wall: dict[str, float] = {}
    last = [time.process_time(), time.perf_counter()]

    def done(outcome: Any) -> None:
        now_cpu, now_wall = time.process_time(), time.perf_counter()
        per_job[outcome.name] = round(now_cpu - last[0], 3)
        per_job_wall[outcome.name] = round(now_wall - last[1], 2)
        line = {"job": outcome.name, "cpu": per_job[outcome.name]}
        if server is not None:
            per_job_server[outcome.name] = line["server"] = round(server.cpu_since(), 3)
        line |= {"wall": per_job_wall[outcome.name], "status": outcome.status}
        print(json.dumps(line | {"detail": str(outcome.detail)}), flush=True)
        last[0], last[1] = now_cpu, now_wall
        if statements is not None:
            statements.job_done(outcome.name)

    profiler = None
    if opts.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    if server is not None:
        server.cpu_since()
    if statements is not None:
        statements.job_done("")
    wall, jobs_cpu = time.perf_counter(), time.process_time()
    last[0], last[1] = jobs_cpu, wall
    only = opts.only.split(",") if opts.only else None
    scheduler.run_all(
        engine, policy=policy, as_of=day, settings=settings, on_done=done, full=opts.full, only=only
    )
    jobs_cpu, wall = time.process_time() - jobs_cpu, time.perf_counter() - wall
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(opts.profile)
    gc.callbacks.remove(collected)
    summary = {
        "jobs_cpu_s": round(jobs_cpu, 2),
        "imports_cpu_s": round(imports, 2),
        "process_cpu_s": round(time.process_time(), 2),
        "server_cpu_s": round(sum(per_job_server.values()), 2) if server is not None else None,
        "wall_s": round(wall, 1),
        "load": round(os.getloadavg()[0], 1),
        "gc_cpu_s": round(collector["cpu"], 2),
        "gc_collections": collector["n"],
    }
    print(json.dumps(summary), flush=True)
    per = {"per_job": per_job, "per_job_wall": per_job_wall}
    if server is not None:
        per["per_job_server"] = per_job_server
        server.close()
    (work / "times.json").write_text(json.dumps({**per, **summary}, indent=1))
    if statements is not None:
        statements.write(Path(opts.statements))
    dump(work, day, engine, url)


def copy_database(state_url: str, work: Path) -> str:
    """A fresh copy of the PostgreSQL state database for this run: its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    state = make_url(state_url)
    name = f"{state.database}_{work.name}".lower().replace("-", "_")
    if state.database in PROTECTED or name in PROTECTED or name.startswith("test"):
        sys.exit(f"refusing to copy {state.database} to {name}")
    admin = state.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{state.database}"')
    return state.set(database=name).render_as_string(hide_password=False)


PROTECTED = {"test", "postgres", "template0", "template1"}


class Statements:
    """Each job's statements, by their SQL: how many, how many rows they sent (executemany),
    the seconds from sending to the driver's return (the server's work, the round trips
    and the driver's own) and, on PostgreSQL, the backend's CPU seconds during them."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.current: dict[str, list[float]] = {}
        self.jobs: dict[str, dict[str, list[float]]] = {}
        self.postgres = engine.dialect.name == "postgresql"
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def backend(self, conn: Any) -> float:
        if not self.postgres:
            return 0.0
        if "backend_pid" not in conn.info:
            conn.info["backend_pid"] = conn.connection.dbapi_connection.info.backend_pid
        return cpu_seconds(conn.info["backend_pid"])

    def before(self, conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        started = conn.info.setdefault("statement_started", [])
        started.append((time.perf_counter(), self.backend(conn)))

    def after(self, conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        wall, server = conn.info["statement_started"].pop()
        many = len(params) if isinstance(params, list) else 1
        entry = self.current.setdefault(statement, [0, 0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += many
        entry[2] += time.perf_counter() - wall
        entry[3] += self.backend(conn) - server

    def job_done(self, name: str) -> None:
        if name:
            self.jobs[name] = self.current
        self.current = {}

    def write(self, path: Path) -> None:
        """The jobs' statements, the slowest first: [calls, rows, seconds, server CPU, SQL]."""
        out = {
            job: sorted(([*v, k] for k, v in found.items()), key=lambda e: -e[2])
            for job, found in self.jobs.items()
        }
        path.write_text(json.dumps(out, indent=1))


def cpu_seconds(pid: int) -> float:
    """The CPU seconds a process has run (user and system), to the nanosecond: the first
    field of /proc/PID/schedstat (/proc/PID/stat counts in ticks of 10 ms)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


class Backends:
    """The CPU (user+system seconds) of a database's client backends, from /proc: the
    PostgreSQL server's share of the work of a client in this process. Read through a
    connection to another database (`postgres`), so the reading is not counted."""

    def __init__(self, url: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        target = make_url(url)
        self.database = target.database
        admin = target.set(drivername="postgresql", database="postgres")
        self.conn = psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True)
        self.seen: dict[int, float] = {}

    def cpu_since(self) -> float:
        """Seconds the backends used since the last call (a backend new since then counts
        from its start; one that ended since then is lost: the run's pool keeps its)."""
        pids = [
            row[0]
            for row in self.conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                "AND backend_type = 'client backend'",
                (self.database,),
            )
        ]
        total, now = 0.0, {}
        for pid in pids:
            try:
                now[pid] = cpu_seconds(pid)
            except OSError:
                continue
            total += now[pid] - self.seen.get(pid, 0.0)
        self.seen = now
        return total

    def close(self) -> None:
        self.conn.close()


def dump(work: Path, day: date, engine: Any, url: str) -> None:
    sys.path.insert(0, str(HERE.parent / "tests"))
    from run_state import tables

    (work / "tables.pkl").write_bytes(pickle.dumps(tables(engine)))
    subprocess.run(
        [
            *(sys.executable, "-m", "renewals.cli"),
            *("--db", url, "--data-dir", str(work / "data")),
            *("export", "renewals", "--as-of", day.isoformat(), "-o", str(work / "export.json")),
        ],
        check=True,
        capture_output=True,
    )


def same(opts: argparse.Namespace) -> None:
    sys.path.insert(0, str(HERE.parent / "tests"))
    from run_state import differences

    a, b = Path(opts.a), Path(opts.b)
    skip = set(opts.skip or ())
    left, right = (
        {k: v for k, v in pickle.loads((w / "tables.pkl").read_bytes()).items() if k not in skip}
        for w in (a, b)
    )
    differ = differences(left, right)
    export = (a / "export.json").read_bytes() == (b / "export.json").read_bytes()
    rows = sum(len(v) for v in left.values())
    print(f"tables: {len(left)} ({rows:,} rows), differing: {differ or 'none'}")
    print(f"renewals export identical: {export} ({(a / 'export.json').stat().st_size:,} bytes)")
    sys.exit(0 if not differ and export else 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("run", help="one day's run on a copy of STATE, CPU per job")
    one.add_argument("state", help="a directory with base.db and data/")
    one.add_argument("work", help="where the copy goes (replaced)")
    one.add_argument("day", help="the day to run (YYYY-MM-DD)")
    one.add_argument("--full", action="store_true", help="renewals run --full")
    one.add_argument("--only", help="only these jobs (comma-separated)")
    one.add_argument("--profile", help="write a cProfile (CPU time) here")
    one.add_argument("--statements", help="write each job's statements, timed, to this JSON file")
    one.add_argument(
        "--pg", help="PostgreSQL: the state database's URL (each run works on a copy of it)"
    )
    two = sub.add_parser("same", help="did two runs leave the same rows?")
    two.add_argument("a")
    two.add_argument("b")
    two.add_argument("--skip", action="append", help="a table to leave out (repeatable)")
    opts = parser.parse_args()
    run(opts) if opts.command == "run" else same(opts)


if __name__ == "__main__":
    main()
