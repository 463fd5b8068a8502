"""Benchmark: one day's daily run on a copy of a kept state, CPU per job, and whether two
runs left the same rows (issue 20: "10,000-account book: full daily run under 30 s").

  RENEWALS_EMBEDDING_CACHE=/tmp/emb.cache renewals --db sqlite:////tmp/b10k/base.db \\
      --data-dir /tmp/b10k/data demo --accounts 10000 --as-of 2026-12-07 --no-serve --dir /tmp/b10k/book
  python benchmarks/next_day.py run /tmp/b10k /tmp/nd/after 2026-12-08 --full
  PYTHONPATH=/tmp/old/src python benchmarks/next_day.py run /tmp/b10k /tmp/nd/before 2026-12-08 --full
  python benchmarks/next_day.py same /tmp/nd/before /tmp/nd/after --skip text_scan

`run STATE WORK DAY`: copies STATE/base.db and STATE/data (the book after its first day) to
WORK, freezes the clock at 06:00 UTC of DAY (so every table can be compared, timestamps
included) and runs the daily run of DAY in this process (`--full`: `renewals run --full`;
`--only JOB,...`; `--profile FILE`: cProfile on CPU time). Prints one JSON line per job
(`cpu`: the process's user+system seconds during the job, DuckDB's threads included) and a
summary: the jobs' CPU, the imports', the process's, wall seconds, load average, and the
garbage collector's collections per generation and their CPU; writes WORK/times.json. Then
dumps every table (tests/run_state.tables, the run's own log left out) and `renewals export
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
    shutil.copy(state / "base.db", work / "base.db")
    if (state / "data").exists():
        shutil.copytree(state / "data", work / "data")
    os.environ["RENEWALS_DATABASE_URL"] = f"sqlite:///{work / 'base.db'}"
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
    imports = time.process_time() - started

    collector: dict[str, Any] = {"cpu": 0.0, "n": [0, 0, 0], "start": 0.0}

    def collected(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collector["start"] = time.process_time()
        else:
            collector["cpu"] += time.process_time() - collector["start"]
            collector["n"][info["generation"]] += 1

    gc.callbacks.append(collected)
    per_job: dict[str, float] = {}
    last = [time.process_time()]

    def done(outcome: Any) -> None:
        now_cpu = time.process_time()
        per_job[outcome.name] = round(now_cpu - last[0], 3)
        line = {"job": outcome.name, "cpu": per_job[outcome.name], "status": outcome.status}
        print(json.dumps(line | {"detail": str(outcome.detail)}), flush=True)
        last[0] = now_cpu

    profiler = None
    if opts.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    wall, jobs_cpu = time.perf_counter(), time.process_time()
    last[0] = jobs_cpu
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
        "wall_s": round(wall, 1),
        "load": round(os.getloadavg()[0], 1),
        "gc_cpu_s": round(collector["cpu"], 2),
        "gc_collections": collector["n"],
    }
    print(json.dumps(summary), flush=True)
    (work / "times.json").write_text(json.dumps({"per_job": per_job, **summary}, indent=1))
    dump(work, day, engine)


def dump(work: Path, day: date, engine: Any) -> None:
    sys.path.insert(0, str(HERE.parent / "tests"))
    from run_state import tables

    (work / "tables.pkl").write_bytes(pickle.dumps(tables(engine)))
    subprocess.run(
        [
            *(sys.executable, "-m", "renewals.cli"),
            *("--db", f"sqlite:///{work / 'base.db'}", "--data-dir", str(work / "data")),
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
    two = sub.add_parser("same", help="did two runs leave the same rows?")
    two.add_argument("a")
    two.add_argument("b")
    two.add_argument("--skip", action="append", help="a table to leave out (repeatable)")
    opts = parser.parse_args()
    run(opts) if opts.command == "run" else same(opts)


if __name__ == "__main__":
    main()
