"""Benchmark: a whole CS team signed in at once (issue 23), with Locust.

Starts `renewals serve` as shipped (a subprocess, `--workers` as given) on a book that is
already imported and run (e.g. `renewals demo --accounts 10000 --no-serve`), opens one
session per simulated person (CSMs, managers, directors, VPs, executives and admins in the
book's own proportions; CSMs on their own accounts), then runs Locust headless
(benchmarks/locustfile.py) at each level of concurrent users for `--seconds`, and reports
per page p50 / p95 / max, errors and throughput. The baseline in the same run is the
1-user level: each level's p95 is also given as a ratio to it.

Then, with `--overload N`, N users with no think time against the same server show what
happens beyond capacity: the server sheds with 503 + Retry-After (no timeouts, no
hang), and `recovery_ms` is how long after the overload stops /healthz and /home answer.

  python benchmarks/load.py --db sqlite:////tmp/b10k/renewals.db --data-dir /tmp/b10k/data
  python benchmarks/load.py --db postgresql://postgres@127.0.0.1/bench10k --workers 2

Results: benchmarks/results/load_<dialect>.json and .md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import func, select

from renewals import migrate
from renewals.account.models import Account
from renewals.config import Settings
from renewals.db import make_engine, session_scope
from renewals.kit.time import utc_now
from renewals.policy import service as policy_service
from renewals.user import auth
from renewals.user.access import scope_for
from renewals.user.models import User

HERE = Path(__file__).resolve().parent
PASSWORD = "load benchmark password 1"
ROLES_ORDER = ("csm", "manager", "director", "vp", "executive", "admin")


def _sessions(db_url: str, count: int) -> list[dict[str, object]]:
    """`count` signed-in sessions: mostly CSMs (those with the most accounts first), then one
    of each other role per ten people."""
    engine = make_engine(db_url)
    migrate.ensure_schema(engine)
    policy = policy_service.load()
    out: list[dict[str, object]] = []
    with session_scope(engine) as session:
        csms = list(
            session.execute(
                select(Account.owner_email, func.count())
                .join(User, User.email == Account.owner_email)
                .where(User.role == "csm", User.active)
                .group_by(Account.owner_email)
                .order_by(func.count().desc(), Account.owner_email)
            ).scalars()
        )
        others = {
            role: list(
                session.scalars(
                    select(User.email).where(User.role == role, User.active).order_by(User.email)
                )
            )
            for role in ROLES_ORDER[1:]
        }
        sample = list(session.scalars(select(Account.account_id).order_by(Account.account_id)))
        sample = sample[:: max(1, len(sample) // 300)]
        people: list[tuple[str, str]] = []
        other_roles = [r for r in ROLES_ORDER[1:] if others[r]]
        i = 0
        while len(people) < count:
            if i % 10 == 9 and other_roles:
                role = other_roles[(i // 10) % len(other_roles)]
                pool = others[role]
                people.append((role, pool[(i // 10) % len(pool)]))
            else:
                people.append(("csm", csms[i % len(csms)]))
            i += 1
        passwords_set: set[str] = set()
        for role, email in people:
            user = session.get(User, email)
            assert user is not None
            if email not in passwords_set:
                auth.set_password(session, user, PASSWORD, actor="load benchmark")
                passwords_set.add(email)
            signed_in = auth.login(session, email, PASSWORD, now=utc_now(), policy=policy.web)
            scope = scope_for(session, user, policy.web)
            if scope.everything:
                mine = sample
            else:  # a CSM's own accounts, a manager's team's: the pages they may open
                mine = list(
                    session.scalars(
                        select(Account.account_id)
                        .where(Account.owner_email.in_(scope.owners))
                        .order_by(Account.account_id)
                        .limit(100)
                    )
                )
            out.append(
                {"role": role, "email": email, "cookie": signed_in.raw_session_id, "accounts": mine}
            )
    engine.dispose()
    return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(base: str, server: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped while starting")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def _locust(
    base: str, users: int, seconds: int, sessions: Path, think: tuple[float, float], tmp: Path
) -> list[dict[str, str]]:
    prefix = tmp / f"u{users}"
    env = {
        **os.environ,
        "LOAD_SESSIONS": str(sessions),
        "LOAD_THINK_MIN": str(think[0]),
        "LOAD_THINK_MAX": str(think[1]),
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--only-summary",
            "-u",
            str(users),
            "-r",
            str(max(1, users)),
            "-t",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--loglevel",
            "WARNING",
        ],
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _failures(path: Path) -> dict[str, int]:
    """Locust's failures file: how many of each error, by page and reason."""
    reasons: Counter[str] = Counter()
    if path.exists():
        with path.open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                reasons[f"{r['Name']}: {r['Error']}"] += int(r["Occurrences"])
    return dict(reasons)


def _row(stat: dict[str, str]) -> dict[str, object]:
    return {
        "page": stat["Name"],
        "requests": int(stat["Request Count"]),
        "errors": int(stat["Failure Count"]),
        "p50_ms": float(stat["50%"] or 0),
        "p95_ms": float(stat["95%"] or 0),
        "max_ms": round(float(stat["Max Response Time"] or 0)),
        "rps": round(float(stat["Requests/s"] or 0), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database URL of an imported, run book")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--levels", default="1,5,10,20,50,100")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--think", default="1,5", help="seconds between two clicks: MIN,MAX")
    parser.add_argument(
        "--overload", type=int, default=200, help="users with no think time; 0: skip"
    )
    parser.add_argument("--name", default=None, help="results file suffix (default: dialect)")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    think = tuple(float(x) for x in args.think.split(","))
    dialect = make_engine(args.db).dialect.name
    name = args.name or dialect
    tmp = Path(tempfile.mkdtemp(prefix="renewals-load-"))
    sessions = _sessions(args.db, max(levels + [args.overload]))
    (tmp / "sessions.json").write_text(json.dumps(sessions))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "RENEWALS_DATABASE_URL": args.db, "COLUMNS": "200"}
    if args.data_dir:
        env["RENEWALS_DATA_DIR"] = str(args.data_dir)
    if not args.data_dir:  # else the data directory's key, the one the daily run signed with
        env.setdefault("RENEWALS_SECRET_KEY", "load-benchmark")
    log = tmp / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-c", "from renewals.cli import main; main()", "serve"]
        + ["--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    results: list[dict[str, object]] = []
    try:
        _wait_healthy(base, server)
        # Warm each worker's caches the way a first visitor would (not measured).
        _locust(base, 5, 5, tmp / "sessions.json", (0.1, 0.2), tmp)
        for users in levels:
            stats = _locust(base, users, args.seconds, tmp / "sessions.json", think, tmp)
            rows = [_row(s) for s in stats]
            failed = _failures(tmp / f"u{users}_failures.csv")
            results.append({"users": users, "think_s": think, "pages": rows, "failures": failed})
            total = next(r for r in rows if r["page"] == "Aggregated")
            print(
                f"{users:>4} users: {total['requests']} requests, {total['errors']} errors, "
                f"p50 {total['p50_ms']:.0f} ms, p95 {total['p95_ms']:.0f} ms, {total['rps']} req/s"
                + (f" {failed}" if failed else ""),
                flush=True,
            )
        overload = None
        if args.overload:
            stats = _locust(base, args.overload, args.seconds, tmp / "sessions.json", (0, 0), tmp)
            ended = time.monotonic()
            probe = httpx.Client(base_url=base, timeout=30)
            probe.cookies.set("renewals_session", str(sessions[0]["cookie"]))
            codes = Counter([probe.get("/healthz").status_code, probe.get("/home").status_code])
            recovery_ms = round((time.monotonic() - ended) * 1000)
            reasons = _failures(tmp / f"u{args.overload}_failures.csv")
            total = next(_row(s) for s in stats if s["Name"] == "Aggregated")
            overload = {
                "users": args.overload,
                "think_s": [0, 0],
                "total": total,
                "failures_by_reason": reasons,
                "after": dict(codes),
                "recovery_ms": recovery_ms,
            }
            print(
                f"overload {args.overload} users, no think time: {total['requests']} requests, "
                f"{total['errors']} refused {reasons}, p95 {total['p95_ms']:.0f} ms; "
                f"answers {dict(codes)} {recovery_ms} ms after it stopped",
                flush=True,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        stopped = time.monotonic()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        stop_s = round(time.monotonic() - stopped, 1)
    text = log.read_text()
    problems = {
        "pool_timeouts": text.count("QueuePool limit"),
        "event_loop_queries": text.count("database query on the event loop"),
        "tracebacks": text.count("Traceback"),
    }
    report = {
        "db": dialect,
        "workers": args.workers,
        "concurrency_per_worker": Settings().web_concurrency,
        "seconds_per_level": args.seconds,
        "levels": results,
        "overload": overload,
        "server_log": problems,
        "sigterm_to_exit_s": stop_s,
    }
    out = HERE / "results" / f"load_{name}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    out.with_suffix(".md").write_text(_markdown(report))
    print(_markdown(report))


def _markdown(report: dict) -> str:  # type: ignore[type-arg]
    lines = [
        f"# Load: {report['db']}, {report['workers']} workers x "
        f"{report['concurrency_per_worker']} requests at once",
        "",
        f"Each level runs {report['seconds_per_level']} s; think time between clicks "
        f"{report['levels'][0]['think_s'][0]:g}-{report['levels'][0]['think_s'][1]:g} s. "
        "Ratio: p95 at this level / p95 with 1 user (same run).",
        "",
        "| users | page | requests | errors | p50 ms | p95 ms | max ms | p95 ratio | req/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    base = {r["page"]: r for r in report["levels"][0]["pages"]}
    for level in report["levels"]:
        for r in level["pages"]:
            b = base.get(r["page"])
            ratio = f"{r['p95_ms'] / b['p95_ms']:.1f}" if b and b["p95_ms"] else ""
            lines.append(
                f"| {level['users']} | {r['page']} | {r['requests']} | {r['errors']} | "
                f"{r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['max_ms']} | {ratio} | {r['rps']} |"
            )
    if report["overload"]:
        o = report["overload"]
        lines += [
            "",
            f"Overload: {o['users']} users with no think time: {o['total']['requests']} requests, "
            f"{o['total']['errors']} refused ({o['failures_by_reason']}), p95 "
            f"{o['total']['p95_ms']:.0f} ms; after it stopped: {o['after']} in {o['recovery_ms']} ms.",
        ]
    lines += [
        "",
        f"Server log: {report['server_log']}; SIGTERM to exit: {report['sigterm_to_exit_s']} s.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
