"""Benchmark: how long `renewals` takes to answer, from the shell (issue 24).

Each command runs in its own process, as a person or a script would run it, with stdout
to a pipe (not a terminal), against a 2,000-account demo book; the ids come from the book:

  --help                     the root's help
  tasks/health/saves --help  three commands' help
  status                     the book's summary
  health ACC                 an account's health (the account with the most signals)
  renewal R                  a renewal explained (the soonest open at-risk renewal)
  tasks list                 the task list

Every command is run --runs times, interleaved with a bare `python -c pass` (the
interpreter's own start-up) so load from other work hits all of them alike; the figure is
the median wall time and its ratio to the median `python -c pass` of the same run, plus
the median CPU (user+sys of the child). Targets on a 2-core machine: help under 0.5 s,
the four reads under 1 s (wall, median).

  python benchmarks/cli_startup.py                       # makes the book in /tmp if needed
  python benchmarks/cli_startup.py --book /tmp/book2k --runs 9
  python benchmarks/cli_startup.py --src /tmp/before/src --label before   # another checkout

The book is a directory holding renewals.db and renewals-data/ as `renewals demo
--no-serve --accounts 2000` leaves them; --src runs the `renewals` of another source tree
(PYTHONPATH) on the same book, for before/after figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HELP_TARGET_S = 0.5
READ_TARGET_S = 1.0


def _book(path: Path, accounts: int) -> Path:
    """The demo book at `path`, generated (and run) when it is not there yet."""
    if not (path / "renewals.db").exists():
        path.mkdir(parents=True, exist_ok=True)
        print(f"generating a {accounts:,}-account demo book in {path} ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "renewals.cli",
                "demo",
                "--no-serve",
                "--accounts",
                str(accounts),
            ],
            cwd=path,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return path


def _ids(book: Path) -> tuple[str, str]:
    """An account with the most active signals and the soonest open at-risk renewal."""
    from sqlalchemy import func, select

    from renewals.db import make_engine, session_scope
    from renewals.renewal.models import Renewal
    from renewals.signal.models import Signal

    engine = make_engine(f"sqlite:///{book / 'renewals.db'}")
    with session_scope(engine) as session:
        account = session.scalar(
            select(Signal.account_id)
            .group_by(Signal.account_id)
            .order_by(func.count().desc(), Signal.account_id)
            .limit(1)
        )
        renewal = session.scalar(
            select(Renewal.renewal_id)
            .where(Renewal.outcome.is_(None), Renewal.opportunity_type == "at_risk")
            .order_by(Renewal.renewal_date, Renewal.renewal_id)
            .limit(1)
        )
    engine.dispose()
    if account is None or renewal is None:
        raise SystemExit(f"{book} has no signals or no open at-risk renewal: run the demo first")
    return account, renewal


def _timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall and CPU seconds of one child process, and its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.stderr.write(f"{' '.join(argv[2:])} exited {done.returncode}: {done.stderr[-400:]!r}\n")
    return wall, cpu, done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--book", type=Path, default=Path("/tmp/renewals-cli-bench-2k"))
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--src", type=Path, help="run the renewals of this source tree instead")
    parser.add_argument("--label", default="after")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "cli_startup.json")
    args = parser.parse_args(argv)

    book = _book(args.book.resolve(), args.accounts)
    account, renewal = _ids(book)
    env = {**os.environ, "RENEWALS_DATABASE_URL": f"sqlite:///{book / 'renewals.db'}"}
    env["RENEWALS_DATA_DIR"] = str(book / "renewals-data")
    for name in ("COLUMNS", "TERMINAL_WIDTH"):
        env.pop(name, None)
    if args.src:
        env["PYTHONPATH"] = str(args.src.resolve())
    renewals = [sys.executable, "-m", "renewals.cli"]
    cases: dict[str, tuple[str, list[str]]] = {
        "python -c pass": ("baseline", [sys.executable, "-c", "pass"]),
        "renewals --help": ("help", [*renewals, "--help"]),
        "renewals tasks --help": ("help", [*renewals, "tasks", "--help"]),
        "renewals health --help": ("help", [*renewals, "health", "--help"]),
        "renewals saves --help": ("help", [*renewals, "saves", "--help"]),
        "renewals status": ("read", [*renewals, "status"]),
        f"renewals health {account}": ("read", [*renewals, "health", account]),
        f"renewals renewal {renewal}": ("read", [*renewals, "renewal", renewal]),
        "renewals tasks list": ("read", [*renewals, "tasks", "list"]),
    }
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    failed: set[str] = set()
    _timed(cases["renewals status"][1], book, env)  # warm the file cache and .pyc files
    for _ in range(args.runs):
        for name, (_, command) in cases.items():  # interleaved: load hits every case alike
            wall, cpu, code = _timed(command, book, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
            if code != 0:
                failed.add(name)

    base = statistics.median(walls["python -c pass"])
    rows = []
    for name, (kind, _) in cases.items():
        wall = statistics.median(walls[name])
        target = {"help": HELP_TARGET_S, "read": READ_TARGET_S}.get(kind)
        rows.append(
            {
                "command": name,
                "kind": kind,
                "median_wall_s": round(wall, 3),
                "median_cpu_s": round(statistics.median(cpus[name]), 3),
                "ratio_to_python": round(wall / base, 1),
                "target_s": target,
                "meets_target": None if target is None else wall < target,
                "exit_ok": name not in failed,
            }
        )
    load = os.getloadavg()[0]
    print(
        f"\n{args.label}: {args.runs} runs each, {book} ({args.accounts:,} accounts), "
        f"load average {load:.1f} on {os.cpu_count()} cores\n"
    )
    print("| command | median wall (s) | median CPU (s) | x python -c pass | target | ok |")
    print("|---|---:|---:|---:|---:|---|")
    for r in rows:
        target = f"< {r['target_s']} s" if r["target_s"] else ""
        ok = "" if r["meets_target"] is None else ("yes" if r["meets_target"] else "NO")
        if not r["exit_ok"]:
            ok += " (exit != 0)"
        print(
            f"| `{r['command']}` | {r['median_wall_s']:.3f} | {r['median_cpu_s']:.3f} | "
            f"{r['ratio_to_python']:.1f} | {target} | {ok} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    previous[args.label] = {
        "runs": args.runs,
        "accounts": args.accounts,
        "load_average": round(load, 1),
        "account": account,
        "renewal": renewal,
        "rows": rows,
    }
    args.out.write_text(json.dumps(previous, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
