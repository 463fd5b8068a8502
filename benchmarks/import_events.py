"""Benchmark: importing usage events (issue: 10M events in a few GiB at most).

Generates N accounts and E usage events (Parquet), then measures in one run:
  floor   DuckDB copying the same Parquet to Parquet (the engine's floor)
  import  `renewals import` of the directory (validation, dedupe, staging, DB write)
  reimport the same directory again (idempotent: adds nothing)
each in its own process, reporting wall time, CPU time and peak RSS, and the
ratios to the floor. Results are printed and written as JSON.

  python benchmarks/import_events.py --events 10000000 --accounts 10000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent


def make_book(directory: Path, accounts: int, events: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "accounts.csv").open("w", encoding="utf-8") as handle:
        handle.write("account_id,name\n")
        handle.writelines(f"A{i:06d},Account {i}\n" for i in range(accounts))
    with (directory / "contracts.csv").open("w", encoding="utf-8") as handle:
        handle.write("contract_id,account_id,start_date,end_date,arr\n")
        handle.writelines(
            f"C{i:06d},A{i:06d},2026-01-01,2027-01-01,{1000 + i}\n" for i in range(accounts)
        )
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    target = str(directory / "usage_events.parquet")
    con.execute(
        f"""
        COPY (
          SELECT printf('A%06d', (i * 7919) % {accounts}) AS account_id,
                 printf('U%08d', (i * 104729) % ({accounts} * 20)) AS user_id,
                 ['login', 'view_report', 'create_dashboard', 'run_automation', 'api_call'][1 + i % 5] AS event,
                 ['dashboards', 'reports', 'automation', 'integrations', NULL][1 + (i // 5) % 5] AS feature,
                 TIMESTAMPTZ '2026-05-01 00:00:00' + to_seconds(i % 15552000) AS "timestamp"
          FROM range({events}) t(i)
        ) TO '{target}' (FORMAT parquet, COMPRESSION zstd)
        """
    )
    con.close()


def measure(args: list[str], env: dict[str, str]) -> dict[str, float]:
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"failed: {' '.join(args)}\n{proc.stderr.read().decode() if proc.stderr else ''}"
        )
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "import_events.json")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        book = work / "book"
        t0 = time.perf_counter()
        make_book(book, opts.accounts, opts.events)
        print(
            f"generated {opts.events:,} events for {opts.accounts:,} accounts in {time.perf_counter() - t0:.1f} s"
        )
        env = {
            **os.environ,
            "RENEWALS_DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
            "RENEWALS_DATA_DIR": str(work / "data"),
        }
        floor_sql = (
            f"SET TimeZone='UTC'; COPY (SELECT * FROM read_parquet('{book / 'usage_events.parquet'}')) "
            f"TO '{work / 'floor.parquet'}' (FORMAT parquet, COMPRESSION zstd)"
        )
        renewals = [sys.executable, "-m", "renewals.cli"]
        results = {
            "events": opts.events,
            "accounts": opts.accounts,
            "floor": measure(
                [sys.executable, "-c", f"import duckdb; duckdb.sql({floor_sql!r})"], env
            ),
            "import": measure([*renewals, "import", str(book)], env),
            "reimport": measure([*renewals, "import", str(book)], env),
        }
    floor = results["floor"]
    for step in ("import", "reimport"):
        results[step]["cpu_vs_floor"] = round(results[step]["cpu_s"] / floor["cpu_s"], 2)
        results[step]["rss_vs_floor"] = round(
            results[step]["peak_rss_mib"] / floor["peak_rss_mib"], 2
        )
    print("| step | wall s | CPU s | peak RSS MiB | CPU vs floor | RSS vs floor |")
    print("|---|---|---|---|---|---|")
    for step in ("floor", "import", "reimport"):
        r = results[step]
        print(
            f"| {step} | {r['wall_s']} | {r['cpu_s']} | {r['peak_rss_mib']} | "
            f"{r.get('cpu_vs_floor', 1.0)} | {r.get('rss_vs_floor', 1.0)} |"
        )
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written {opts.out}")


if __name__ == "__main__":
    main()
