"""Benchmark: per-account usage features, the Ibis expression against hand-written DuckDB SQL.

Generates a demo book (or reuses one with --dir), copies its usage events into a
temporary data directory as one Parquet part, then measures in one run:
  sql    FLOOR_SQL from renewals.usage.features: the same features hand-written for
         DuckDB, the engine's floor
  ibis   renewals.usage.features.compute: the Ibis expression on DuckDB
each in its own process, --runs times, alternating. Each run reports the work
(connect, query, one UsageFeatures per account in Python: wall and CPU seconds measured
inside the child) and the whole process (CPU user+sys and peak RSS from the kernel,
including the interpreter and imports, which are the same for both: both import
renewals.usage.features and load Ibis's DuckDB backend before the work). Medians are reported. Acceptance: Ibis work CPU <= 1.5x the
floor's. Both variants must give identical features. Results are printed and written
as JSON.

  python benchmarks/usage_features.py --accounts 10000
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
BOOK_AS_OF = date(2026, 11, 24)
ACCEPTABLE_CPU_RATIO = 1.5
VARIANTS = ("sql", "ibis")


def child(variant: str, data_dir: Path, as_of: date, out: Path) -> None:
    """Compute the features one way; print the work's wall and CPU seconds as JSON."""
    import ibis

    from renewals.demo.generator import KEY_FEATURES
    from renewals.usage import features, repository

    ibis.duckdb  # noqa: B018  (loads the backend: an import, like `import duckdb` for the floor)
    wall, cpu = time.perf_counter(), time.process_time()
    if variant == "ibis":
        result = features.compute(data_dir, as_of=as_of, key_features=KEY_FEATURES)
    else:
        source = repository.events_source(data_dir)
        assert source is not None
        sql, params = features.floor_query(source, as_of=as_of, key_features=KEY_FEATURES)
        con = repository.connect(data_dir, "2GB")
        try:
            table = con.sql(sql, params=params).to_arrow_table()
        finally:
            con.close()
        result = features.to_features(table, as_of=as_of, key_features=KEY_FEATURES)
    work = {
        "work_wall_s": time.perf_counter() - wall,
        "work_cpu_s": time.process_time() - cpu,
        "accounts_out": len(result),
    }
    out.write_bytes(pickle.dumps(result))
    print(json.dumps(work))


def measure(variant: str, data_dir: Path, as_of: date, out: Path) -> dict[str, float]:
    args = [
        sys.executable,
        __file__,
        "--child",
        variant,
        "--data",
        str(data_dir),
        "--as-of",
        as_of.isoformat(),
        "--result",
        str(out),
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"failed: {' '.join(args)}\n{stderr}")
    return {
        **json.loads(stdout.strip().splitlines()[-1]),
        "process_wall_s": wall,
        "process_cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mib": usage.ru_maxrss / 1024,
    }


def median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]}


def prepare(book: Path, accounts: int, data_dir: Path) -> int:
    """Generate the book if needed and copy its events into data_dir; return the event count.

    The work runs in a child process: the kernel carries a parent's peak RSS over into
    the children it forks, so the measuring process must stay small.
    """
    script = f"""
import shutil, sys, time
from datetime import date
from pathlib import Path
import pyarrow.parquet as pq
from renewals.demo.generator import generate_book
from renewals.usage import repository
book, data_dir = Path({str(book)!r}), Path({str(data_dir)!r})
events = book / "usage_events.parquet"
if not events.exists():
    t0 = time.perf_counter()
    generate_book(book, accounts={accounts}, seed=7, as_of=date.fromisoformat({BOOK_AS_OF.isoformat()!r}))
    print(f"generated {accounts:,} accounts in {{time.perf_counter() - t0:.1f}} s into {{book}}", file=sys.stderr)
target = repository.events_dir(data_dir)
target.mkdir(parents=True, exist_ok=True)
shutil.copy(events, target / "part-00000.parquet")
print(pq.ParquetFile(events).metadata.num_rows)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, check=True
    )
    return int(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, help="book directory to reuse (generated if empty)")
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=BOOK_AS_OF - timedelta(days=1),
        help="features as of the end of this date (default: the book's last day)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per variant (median)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "usage_features.json")
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.child:
        child(opts.child, opts.data, opts.as_of, opts.result)
        return

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        book = opts.dir or work / "book"
        data_dir = work / "data"
        events = prepare(book, opts.accounts, data_dir)
        runs: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
        results: dict[str, object] = {}
        for _ in range(opts.runs):
            for variant in VARIANTS:
                runs[variant].append(
                    measure(variant, data_dir, opts.as_of, work / f"{variant}.pickle")
                )
            computed = {v: pickle.loads((work / f"{v}.pickle").read_bytes()) for v in VARIANTS}
            identical = computed["ibis"] == computed["sql"]
            if not identical:
                raise SystemExit("the Ibis expression and the floor SQL give different features")
        accounts_out = len(computed["ibis"])

    sql, ibis_ = median(runs["sql"]), median(runs["ibis"])
    cpu_ratio = round(ibis_["work_cpu_s"] / sql["work_cpu_s"], 2)
    results = {
        "accounts": opts.accounts,
        "events": events,
        "as_of": opts.as_of.isoformat(),
        "accounts_with_features": accounts_out,
        "runs": opts.runs,
        "identical": identical,
        "sql": sql,
        "ibis": ibis_,
        "work_cpu_ratio": cpu_ratio,
        "process_cpu_ratio": round(ibis_["process_cpu_s"] / sql["process_cpu_s"], 2),
        "rss_ratio": round(ibis_["peak_rss_mib"] / sql["peak_rss_mib"], 2),
        "acceptable_cpu_ratio": ACCEPTABLE_CPU_RATIO,
        "accepted": cpu_ratio <= ACCEPTABLE_CPU_RATIO,
    }
    print(
        f"{events:,} events, {opts.accounts:,} accounts, as of {opts.as_of}: "
        f"{accounts_out:,} accounts with features; median of {opts.runs} runs each"
    )
    print(
        "| variant | work wall s | work CPU s | process wall s | process CPU s "
        "| peak RSS MiB | work CPU vs floor |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, r in (("sql (floor)", sql), ("ibis", ibis_)):
        print(
            f"| {name} | {r['work_wall_s']} | {r['work_cpu_s']} | {r['process_wall_s']} "
            f"| {r['process_cpu_s']} | {r['peak_rss_mib']:.0f} "
            f"| {round(r['work_cpu_s'] / sql['work_cpu_s'], 2)} |"
        )
    print(
        f"identical results: {identical}; Ibis/SQL work CPU {cpu_ratio} "
        f"(process CPU {results['process_cpu_ratio']}): "
        f"{'OK' if results['accepted'] else 'OVER'} the {ACCEPTABLE_CPU_RATIO}x acceptance"
    )
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written {opts.out}")
    if not results["accepted"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
