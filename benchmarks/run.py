"""The benchmark suite: the feature step against its baselines, the whole daily run, the web.

  python benchmarks/run.py --accounts 100000                      # everything but the web
  python benchmarks/run.py --only features --accounts 100000      # one part
  python benchmarks/run.py --only run --run-accounts 10000 --db sqlite
  python benchmarks/run.py --only web --web                       # after a 10,000 run

Parts (--only, comma-separated; default features,run; web only with --web):

features  Usage features per account (renewals.usage.features) on a generated book's events
          (the demo book at --accounts, about 500 events per account; or --events N synthetic
          events over --accounts accounts), as of the book's last day, four ways, each in its
          own process:
            sql      FLOOR_SQL, the same features hand-written for DuckDB: the engine's floor
            ibis     the product's path: the Ibis expression on DuckDB, to UsageFeatures
            pandas   what an analyst would write: read the Parquet file, filter, groupby
            pyspark  the same Ibis expression on PySpark local[2] (if the extra and Java are
                     there); the JVM's CPU and peak memory are added to the Python process's
          All must give identical features. Acceptance: ibis CPU <= 1.5x sql; pandas uses at
          least 2x the CPU and 5x the peak memory of ibis.
run       The whole `renewals run` on the demo book at each --run-accounts size (default
          10,000 and 100,000) on each --db (sqlite, postgresql): import, then the first run,
          each in its own process; per-job times come from the job_run table. PostgreSQL uses
          --pg-url, a database this script drops and creates (never the shared `test`).
          The DuckDB floor (the `sql` feature variant) is measured on each book in the same
          run, and every import, run and job figure is also given as a multiple of it.
web       Page latency under concurrent load: `renewals serve` on 127.0.0.1 over the
          10,000-account SQLite book of the run part, --clients concurrent signed-in clients
          fetching /home and /accounts/{id} for --seconds; skipped with a message if those
          pages do not exist yet.

CPU time is user+sys of each child as the kernel accounts it (stable under load from other
work); peak memory is the child's peak RSS. Wall times are noisy on a shared machine.
Results go to --out (JSON) and the same name with .md (Markdown tables); each run is also
kept as results/history/<date>T<time>.json, and the Markdown ends with the history of the
daily-run figures (absolute and x floor) of every kept run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV_BIN = Path(sys.executable).parent
BOOK_AS_OF = date(2026, 11, 24)
FEATURES_AS_OF = BOOK_AS_OF - timedelta(days=1)
NEXT_DAY = BOOK_AS_OF + timedelta(days=1)
FEATURE_VARIANTS = ("sql", "ibis", "pandas", "pyspark")
ACCEPT_IBIS_VS_SQL_CPU = 1.5
ACCEPT_PANDAS_CPU = 2.0
ACCEPT_PANDAS_RSS = 5.0
PROTECTED_DATABASES = {"test", "postgres", "root", "template0", "template1"}


# --- measuring a child process -----------------------------------------------------------


def measure(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a child; its wall time, CPU (user+sys) and peak RSS, plus the JSON it printed last.

    The measuring process stays small and imports nothing heavy: a child forked from a
    big parent starts with the parent's peak RSS on its account.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: out_chunks.append(proc.stdout.read())),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err_chunks.append(proc.stderr.read())),  # type: ignore[union-attr]
    ]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    wall = time.perf_counter() - started
    stdout = b"".join(out_chunks).decode(errors="replace")
    stderr = b"".join(err_chunks).decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(
            f"failed ({proc.returncode}): {' '.join(args)}\n{stdout[-3000:]}\n{stderr[-3000:]}"
        )
    extra: dict[str, Any] = {}
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            extra = json.loads(line)
            break
    result = {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        **extra,
    }
    # A JVM (PySpark) reports its own CPU and peak memory: add them to the child's.
    if "jvm_cpu_s" in extra:
        result["cpu_s"] = round(result["cpu_s"] + extra["jvm_cpu_s"], 2)
        result["work_cpu_s"] = round(result["work_cpu_s"] + extra["jvm_cpu_s"], 2)
        result["peak_rss_mib"] = round(result["peak_rss_mib"] + extra["jvm_peak_rss_mib"])
    return result


def python(code: str, *argv: str) -> list[str]:
    return [sys.executable, "-c", code, *argv]


def renewals(*argv: str) -> list[str]:
    return [str(VENV_BIN / "renewals"), *argv]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- books -------------------------------------------------------------------------------


def demo_book(root: Path, accounts: int) -> Path:
    """The demo book at `accounts` (seed 7, as of BOOK_AS_OF), generated once into root."""
    book = root / f"book-{accounts}"
    if not (book / "usage_events.parquet").exists():
        log(f"generating the {accounts:,}-account demo book into {book}")
        figures = measure(
            renewals(
                "demo-data",
                str(book),
                "--accounts",
                str(accounts),
                "--seed",
                "7",
                "--as-of",
                BOOK_AS_OF.isoformat(),
            )
        )
        log(f"generated in {figures['wall_s']} s, peak {figures['peak_rss_mib']} MiB")
    return book


SYNTHETIC = r"""
import sys
import numpy as np, pyarrow as pa, pyarrow.parquet as pq
from datetime import datetime, timezone
path, accounts, events, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), 7
end = int(datetime(2026, 11, 24, tzinfo=timezone.utc).timestamp() * 1_000_000)
span = 400 * 86_400 * 1_000_000
users_per_account = 20
features = [f"feature_{k:02d}" for k in range(20)] + ["dashboards", "automation", "integrations"]
rng = np.random.default_rng(seed)
weights = rng.lognormal(0.0, 1.0, accounts); weights /= weights.sum()
account_names = pa.array([f"acc-{k:07d}" for k in range(accounts)])
schema = pa.schema([("account_id", pa.string()), ("user_id", pa.string()), ("event", pa.string()),
                    ("feature", pa.string()), ("timestamp", pa.timestamp("us", tz="UTC"))])
with pq.ParquetWriter(path, schema, compression="zstd") as writer:
    left = events
    while left:
        n = min(left, 2_000_000); left -= n
        acc = rng.choice(accounts, size=n, p=weights)
        user = rng.integers(0, users_per_account, n)
        feat = rng.integers(0, len(features), n)
        ts = end - (span * rng.power(0.7, n)).astype(np.int64)
        user_ids = pa.array(np.char.add(np.char.add(np.char.mod("u%07d-", acc), "x"), user.astype(str)))
        feat_arr = pa.array(np.array(features)[feat], mask=rng.random(n) < 0.05)
        writer.write_table(pa.table({
            "account_id": account_names.take(pa.array(acc)), "user_id": user_ids,
            "event": pa.array(np.full(n, "use")), "feature": feat_arr,
            "timestamp": pa.array(ts, pa.timestamp("us", tz="UTC")),
        }, schema=schema), row_group_size=1_000_000)
print(events)
"""


def feature_data(root: Path, accounts: int, events: int | None) -> tuple[Path, int]:
    """A data directory holding the events as one stored part; returns it and the event count."""
    if events:
        data = root / f"features-synthetic-{accounts}-{events}"
        part = data / "usage" / "events" / "part-00000.parquet"
        if not part.exists():
            part.parent.mkdir(parents=True, exist_ok=True)
            log(f"writing {events:,} synthetic events over {accounts:,} accounts")
            measure(python(SYNTHETIC, str(part), str(accounts), str(events)))
        return data, events
    book = demo_book(root, accounts)
    data = root / f"features-book-{accounts}"
    part = data / "usage" / "events" / "part-00000.parquet"
    if not part.exists():
        part.parent.mkdir(parents=True, exist_ok=True)
        os.link(book / "usage_events.parquet", part)
    rows = subprocess.run(
        python(
            "import pyarrow.parquet as pq, sys; print(pq.ParquetFile(sys.argv[1]).metadata.num_rows)",
            str(part),
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    return data, int(rows.stdout)


# --- (a) the feature step ----------------------------------------------------------------

FEATURE_CHILD = r"""
import json, pickle, sys, time
variant, data_dir, as_of, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
from datetime import date
from pathlib import Path
as_of, data_dir = date.fromisoformat(as_of), Path(data_dir)
from renewals.demo.generator import KEY_FEATURES
from renewals.usage import features, repository
extra = {}
if variant == "pyspark":
    from renewals.usage import backend
    t0 = time.perf_counter()
    backend.spark_session("local[2]")
    extra["session_start_s"] = round(time.perf_counter() - t0, 2)
elif variant == "ibis":
    import ibis; ibis.duckdb
elif variant == "pandas":
    import pandas
wall, cpu = time.perf_counter(), time.process_time()
if variant == "ibis":
    result = features.compute(data_dir, as_of=as_of, key_features=KEY_FEATURES)
elif variant == "pyspark":
    from renewals.usage.backend import Analytics
    result = features.compute(data_dir, as_of=as_of, key_features=KEY_FEATURES,
                              analytics=Analytics(backend="pyspark", url="local[2]"))
elif variant == "sql":
    source = repository.events_source(data_dir)
    sql, params = features.floor_query(source, as_of=as_of, key_features=KEY_FEATURES)
    con = repository.connect(data_dir, "2GB")
    table = con.sql(sql, params=params).to_arrow_table()
    con.close()
    result = features.to_features(table, as_of=as_of, key_features=KEY_FEATURES)
else:
    sys.path.insert(0, sys.argv[5])
    from pandas_features import pandas_features
    result = pandas_features(repository.parts(data_dir), as_of=as_of, key_features=KEY_FEATURES)
extra.update(work_wall_s=round(time.perf_counter() - wall, 3),
             work_cpu_s=round(time.process_time() - cpu, 3), accounts_out=len(result))
if variant == "pyspark":
    import os
    from pyspark import SparkContext
    pid = SparkContext._gateway.proc.pid  # the JVM: its CPU and peak memory are ours too
    stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    extra["jvm_cpu_s"] = round((int(stat[11]) + int(stat[12]) + int(stat[13]) + int(stat[14])) / ticks, 2)
    hwm = [l for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM")][0]
    extra["jvm_peak_rss_mib"] = round(int(hwm.split()[1]) / 1024)
Path(out).write_bytes(pickle.dumps(result))
print(json.dumps(extra))
"""


def pyspark_available() -> str | None:
    done = subprocess.run(
        python("from renewals.usage.backend import spark_missing; print(spark_missing() or '')"),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return done.stdout.strip() or (done.stderr.strip()[-300:] if done.returncode else None)


def bench_features(opts: argparse.Namespace, results: dict[str, Any]) -> None:
    data, events = feature_data(opts.dir, opts.accounts, opts.events)
    variants = [v for v in FEATURE_VARIANTS if v in opts.variants]
    if "pyspark" in variants:
        missing = pyspark_available()
        if missing:
            log(f"pyspark skipped: {missing}")
            variants.remove("pyspark")
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    outputs = {v: opts.dir / f"features-{v}.pickle" for v in variants}
    for run in range(opts.runs):
        for variant in variants:
            if variant == "pyspark" and run > 0:
                continue  # a minute or more per run on 50M events; once is enough
            log(f"features: {variant} (run {run + 1}/{opts.runs}, {events:,} events)")
            runs[variant].append(
                measure(
                    python(
                        FEATURE_CHILD,
                        variant,
                        str(data),
                        FEATURES_AS_OF.isoformat(),
                        str(outputs[variant]),
                        str(HERE),
                    )
                )
            )
    identical = _same_results(outputs)
    for path in outputs.values():
        path.unlink(missing_ok=True)
    table = {v: _median(r) for v, r in runs.items()}
    floor, ibis_ = table.get("sql"), table.get("ibis")
    # CPU ratios compare the work (query and results, inside the child: the same interpreter
    # and imports are left out); memory ratios compare the whole child's peak RSS.
    for figures in table.values():
        if floor:
            figures["cpu_vs_sql"] = round(figures["work_cpu_s"] / floor["work_cpu_s"], 2)
            figures["rss_vs_sql"] = round(figures["peak_rss_mib"] / floor["peak_rss_mib"], 2)
        if ibis_:
            figures["cpu_vs_ibis"] = round(figures["work_cpu_s"] / ibis_["work_cpu_s"], 2)
            figures["rss_vs_ibis"] = round(figures["peak_rss_mib"] / ibis_["peak_rss_mib"], 2)
    acceptance = {}
    if floor and ibis_:
        acceptance["ibis_cpu_vs_sql"] = {
            "ratio": table["ibis"]["cpu_vs_sql"],
            "limit": ACCEPT_IBIS_VS_SQL_CPU,
            "ok": table["ibis"]["cpu_vs_sql"] <= ACCEPT_IBIS_VS_SQL_CPU,
        }
    if ibis_ and "pandas" in table:
        acceptance["pandas_cpu_vs_ibis"] = {
            "ratio": table["pandas"]["cpu_vs_ibis"],
            "limit": ACCEPT_PANDAS_CPU,
            "ok": table["pandas"]["cpu_vs_ibis"] >= ACCEPT_PANDAS_CPU,
        }
        acceptance["pandas_rss_vs_ibis"] = {
            "ratio": table["pandas"]["rss_vs_ibis"],
            "limit": ACCEPT_PANDAS_RSS,
            "ok": table["pandas"]["rss_vs_ibis"] >= ACCEPT_PANDAS_RSS,
        }
    results["features"] = {
        "events": events,
        "accounts": opts.accounts,
        "source": "synthetic" if opts.events else "demo book",
        "as_of": FEATURES_AS_OF.isoformat(),
        "runs": opts.runs,
        "identical": identical,
        "variants": table,
        "acceptance": acceptance,
    }


def _same_results(outputs: dict[str, Path]) -> dict[str, bool]:
    """Each variant's features against the ibis variant's (compared in a child, kept small)."""
    code = r"""
import json, pickle, sys
from pathlib import Path
paths = json.loads(sys.argv[1])
base = pickle.loads(Path(paths.pop("ibis")).read_bytes())
print(json.dumps({v: pickle.loads(Path(p).read_bytes()) == base for v, p in paths.items()}))
"""
    paths = {v: str(p) for v, p in outputs.items() if p.exists()}
    if "ibis" not in paths:
        return {}
    done = subprocess.run(
        python(code, json.dumps(paths)), capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(done.stdout)


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float)]
    return {k: round(statistics.median(r[k] for r in runs), 3) for k in keys}


# --- (b, c) the whole daily run ----------------------------------------------------------


def measure_floor(opts: argparse.Namespace, accounts: int) -> dict[str, Any]:
    """The DuckDB floor on this book, in this run: FLOOR_SQL's usage features over the
    book's events (the `sql` feature variant, median of --floor-runs). Every figure of the
    daily run is also given as a multiple of it, so runs on a busier or faster machine
    compare: the floor moves with the machine, the ratio with the code."""
    data, events = feature_data(opts.dir, accounts, None)
    out = opts.dir / f"floor-{accounts}.pickle"
    runs = [
        measure(
            python(FEATURE_CHILD, "sql", str(data), FEATURES_AS_OF.isoformat(), str(out), str(HERE))
        )
        for _ in range(max(1, opts.floor_runs))
    ]
    out.unlink(missing_ok=True)
    return {"events": events, "runs": len(runs), **_median(runs)}


def ratio(value: float, floor: float) -> float | None:
    """`value` as a multiple of the floor (None without a floor)."""
    return round(value / floor, 1) if floor else None


JOB_TIMES = r"""
import json, sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1])
with engine.connect() as con:
    rows = con.execute(text("SELECT name, status, started_at, finished_at, as_of FROM job_run ORDER BY id")).all()
    counts = {t: con.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in
              ("account", "renewal", "health_snapshot", "signal", "task")}
def seconds(a, b):
    from datetime import datetime
    a = datetime.fromisoformat(str(a)); b = datetime.fromisoformat(str(b))
    return round((b - a).total_seconds(), 1)
first = min((str(d) for *_, d in rows), default="")
print(json.dumps({"jobs": {n: seconds(s, f) for n, st, s, f, d in rows if st == "ok" and str(d) == first},
                  "next_day_jobs": {n: seconds(s, f) for n, st, s, f, d in rows if st == "ok" and str(d) > first},
                  "failed": [n for n, st, *_ in rows if st != "ok"], "rows": counts}))
"""


def _pg_database(url: str) -> tuple[str, str]:
    """The admin URL (database postgres) and the benchmark database's name."""
    base, name = url.rsplit("/", 1)
    name = name.split("?", 1)[0]
    if name in PROTECTED_DATABASES:
        raise SystemExit(f"--pg-url names the database {name!r}: use a dedicated one, e.g. bench")
    return f"{base}/postgres", name


def fresh_pg(url: str) -> None:
    admin, name = _pg_database(url)
    code = r"""
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1].replace("postgresql://", "postgresql+psycopg://", 1),
                       isolation_level="AUTOCOMMIT")
with engine.connect() as con:
    con.execute(text(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)'))
    con.execute(text(f'CREATE DATABASE "{sys.argv[2]}"'))
"""
    subprocess.run(python(code, admin, name), check=True, cwd=ROOT)


def bench_run(opts: argparse.Namespace, results: dict[str, Any]) -> None:
    results.setdefault("run", {})
    results.setdefault("floor", {})
    for accounts in opts.run_accounts:
        book = demo_book(opts.dir, accounts)
        results["floor"][str(accounts)] = floor = measure_floor(opts, accounts)
        log(f"floor {accounts:,}: {floor['work_wall_s']} s wall, {floor['work_cpu_s']} s CPU")
        for db in opts.db:
            work = opts.dir / f"run-{accounts}-{db}"
            work.mkdir(parents=True, exist_ok=True)
            if db == "sqlite":
                (work / "r.db").unlink(missing_ok=True)
                url = f"sqlite:///{work / 'r.db'}"
            else:
                fresh_pg(opts.pg_url)
                url = opts.pg_url.replace("postgresql://", "postgresql+psycopg://", 1)
            data = work / "data"
            subprocess.run(["rm", "-rf", str(data)], check=True)
            env = {"RENEWALS_DATABASE_URL": url, "RENEWALS_DATA_DIR": str(data)}
            key = f"{accounts}/{db}"
            log(f"run {key}: import")
            imported = measure(renewals("import", str(book)), env)
            log(
                f"run {key}: import {imported['wall_s']} s, {imported['peak_rss_mib']} MiB; daily run"
            )
            first = measure(renewals("run", "--as-of", BOOK_AS_OF.isoformat()), env)
            log(f"run {key}: first run {first['wall_s']} s, {first['peak_rss_mib']} MiB")
            entry: dict[str, Any] = {"import": imported, "first_run": first}
            if opts.again:
                entry["again"] = measure(renewals("run", "--as-of", BOOK_AS_OF.isoformat()), env)
            if opts.next_day:
                # What a workspace runs every day: the day after, incremental (issue 20).
                entry["next_day"] = measure(renewals("run", "--as-of", NEXT_DAY.isoformat()), env)
                log(f"run {key}: next day {entry['next_day']['cpu_s']} s CPU")
            detail = subprocess.run(
                python(JOB_TIMES, url), capture_output=True, text=True, cwd=ROOT, check=True
            )
            entry.update(json.loads(detail.stdout))
            results["run"][key] = entry
            if db == "sqlite" and accounts == opts.web_accounts:
                results.setdefault("web_book", {"url": url, "data": str(data)})
            write(results, opts.out)


# --- (d) the web under load --------------------------------------------------------------

WEB_USER = r"""
import sys
from sqlalchemy import select
from renewals.db import make_engine, session_scope
from renewals.user import auth
from renewals.user.models import User
from renewals.account.models import Account
engine = make_engine(sys.argv[1])
with session_scope(engine) as s:
    user = s.scalars(select(User).where(User.role == "admin")).first() or s.scalars(select(User)).first()
    auth.set_password(s, user, sys.argv[2], actor="benchmark")
    ids = list(s.scalars(select(Account.account_id).order_by(Account.account_id).limit(200)))
    import json; print(json.dumps({"email": user.email, "accounts": ids}))
"""


def bench_web(opts: argparse.Namespace, results: dict[str, Any]) -> None:
    import httpx

    book = results.get("web_book") or {
        "url": f"sqlite:///{opts.dir / f'run-{opts.web_accounts}-sqlite' / 'r.db'}",
        "data": str(opts.dir / f"run-{opts.web_accounts}-sqlite" / "data"),
    }
    db_file = book["url"].split("sqlite:///", 1)[-1]
    if book["url"].startswith("sqlite") and not Path(db_file).exists():
        results["web"] = {"skipped": f"no {opts.web_accounts:,}-account book: run --only run first"}
        return
    password = "benchmark-password-7"
    done = subprocess.run(
        python(WEB_USER, book["url"], password), capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode:
        results["web"] = {"skipped": f"cannot prepare a user: {done.stderr.strip()[-300:]}"}
        return
    who = json.loads(done.stdout)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "RENEWALS_DATABASE_URL": book["url"],
        "RENEWALS_DATA_DIR": book["data"],
        "RENEWALS_SECRET_KEY": "benchmark",
    }
    server = subprocess.Popen(
        renewals("serve", "--port", str(port)),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/login", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    results["web"] = {"skipped": "renewals serve did not start"}
                    return
                time.sleep(0.5)
        client = httpx.Client(base_url=base, timeout=30)
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        client.post(
            "/login",
            data={
                "email": who["email"],
                "password": password,
                "csrf_token": token.group(1) if token else "",
            },
        )
        paths = {"home": "/home", "account": f"/accounts/{who['accounts'][0]}"}
        missing = [p for p in paths.values() if client.get(p).status_code == 404]
        if missing:
            results["web"] = {"skipped": f"pages not there yet: {', '.join(missing)}"}
            log(f"web skipped: pages not there yet: {', '.join(missing)}")
            return
        results["web"] = _load(base, client.cookies, who["accounts"], opts.clients, opts.seconds)
    finally:
        server.terminate()
        server.wait(timeout=20)


def _load(
    base: str, cookies: Any, accounts: list[str], clients: int, seconds: float
) -> dict[str, Any]:
    import httpx

    timings: dict[str, list[float]] = {"home": [], "account": []}
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        with httpx.Client(base_url=base, cookies=cookies, timeout=60) as client:
            k = n
            while time.monotonic() < stop:
                kind = "home" if k % 2 == 0 else "account"
                path = "/home" if kind == "home" else f"/accounts/{accounts[k % len(accounts)]}"
                t0 = time.perf_counter()
                response = client.get(path)
                elapsed = time.perf_counter() - t0
                if response.status_code != 200:
                    errors.append(f"{path}: {response.status_code}")
                else:
                    timings[kind].append(elapsed)
                k += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    out: dict[str, Any] = {"clients": clients, "seconds": round(wall, 1), "errors": len(errors)}
    for kind, values in timings.items():
        values.sort()
        if values:
            out[kind] = {
                "requests": len(values),
                "per_s": round(len(values) / wall, 1),
                "p50_ms": round(1000 * values[len(values) // 2]),
                "p95_ms": round(1000 * values[int(len(values) * 0.95)]),
                "max_ms": round(1000 * values[-1]),
            }
    return out


# --- output ------------------------------------------------------------------------------


def markdown(results: dict[str, Any]) -> str:
    lines = [f"# Benchmarks ({results['date']}, {results['machine']})", ""]
    f = results.get("features")
    if f:
        lines += [
            f"## Feature step: {f['events']:,} events, {f['accounts']:,} accounts ({f['source']}), "
            f"median of {f['runs']}",
            "",
            "| variant | work CPU s | work wall s | process CPU s | peak RSS MiB | work CPU vs sql | work CPU vs ibis | RSS vs ibis | identical to ibis |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, v in f["variants"].items():
            same = "-" if name == "ibis" else ("yes" if f["identical"].get(name) else "NO")
            lines.append(
                f"| {name} | {v['work_cpu_s']} | {v['work_wall_s']} | {v['cpu_s']} | "
                f"{v['peak_rss_mib']:,.0f} | {v.get('cpu_vs_sql', '')} | {v.get('cpu_vs_ibis', '')} | "
                f"{v.get('rss_vs_ibis', '')} | {same} |"
            )
        lines.append("")
        for name, a in f["acceptance"].items():
            op = "<=" if name.startswith("ibis") else ">="
            lines.append(
                f"- {name}: {a['ratio']} ({op} {a['limit']}): {'ok' if a['ok'] else 'NOT MET'}"
            )
        lines.append("")
    r = results.get("run")
    if r:
        floors = results.get("floor", {})
        lines += [
            "## The daily run (`renewals run`, first run of the day)",
            "",
            "x floor: the figure as a multiple of the DuckDB floor measured in the same run on the",
            "same book (FLOOR_SQL's usage features over the book's events: wall s for wall",
            "figures, CPU s for CPU figures).",
            "",
            "| book | floor wall s | floor CPU s | events |",
            "|---|---|---|---|",
        ]
        for accounts, f in floors.items():
            lines.append(
                f"| {int(accounts):,} | {f['work_wall_s']} | {f['work_cpu_s']} | {f['events']:,} |"
            )
        lines += [
            "",
            "| book / database | import wall s | x floor | import CPU s | x floor | import peak MiB | run wall s | x floor | run CPU s | x floor | run peak MiB |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for key, e in r.items():
            i, run = e["import"], e["first_run"]
            f = floors.get(key.split("/")[0], {})
            fw, fc = f.get("work_wall_s", 0), f.get("work_cpu_s", 0)
            lines.append(
                f"| {key} | {i['wall_s']} | {ratio(i['wall_s'], fw) or ''} | {i['cpu_s']} | "
                f"{ratio(i['cpu_s'], fc) or ''} | {i['peak_rss_mib']:,} | {run['wall_s']} | "
                f"{ratio(run['wall_s'], fw) or ''} | {run['cpu_s']} | {ratio(run['cpu_s'], fc) or ''} | "
                f"{run['peak_rss_mib']:,} |"
            )
        nexts = {k: e["next_day"] for k, e in r.items() if "next_day" in e}
        if nexts:
            lines += [
                "",
                "The next day (`renewals run` the day after, incremental):",
                "",
                "| book / database | run wall s | run CPU s | x floor | run peak MiB |",
                "|---|---|---|---|---|",
            ]
            for key, n in nexts.items():
                fc = floors.get(key.split("/")[0], {}).get("work_cpu_s", 0)
                lines.append(
                    f"| {key} | {n['wall_s']} | {n['cpu_s']} | {ratio(n['cpu_s'], fc) or ''} | "
                    f"{n['peak_rss_mib']:,} |"
                )
        keys = list(r)
        jobs = list(dict.fromkeys(j for e in r.values() for j in e["jobs"]))
        lines += [
            "",
            "Wall seconds per job (job_run), and as a multiple of the floor's wall seconds:",
            "",
            "| job | " + " | ".join(f"{k} | x floor" for k in keys) + " |",
            "|---|" + "---|---|" * len(keys),
        ]
        for job in jobs:
            cells = []
            for k in keys:
                value = r[k]["jobs"].get(job, "")
                fw = floors.get(k.split("/")[0], {}).get("work_wall_s", 0)
                times = ratio(value, fw) if value != "" else None
                cells.append(f"{value} | {'' if times is None else times}")
            lines.append(f"| {job} | " + " | ".join(cells) + " |")
        lines.append("")
    history = results.get("history")
    if history:
        lines += [
            "## History (benchmarks/results/history/)",
            "",
            "| run | book / database | run wall s | x floor | run CPU s | x floor | import wall s |",
            "|---|---|---|---|---|---|---|",
        ]
        for h in history:
            lines.append(
                f"| {h['stamp']} | {h['key']} | {h['run_wall_s']} | {h.get('run_wall_x_floor') or ''} | "
                f"{h['run_cpu_s']} | {h.get('run_cpu_x_floor') or ''} | {h['import_wall_s']} |"
            )
        lines.append("")
    w = results.get("web")
    if w:
        lines += ["## Web pages under load", ""]
        if "skipped" in w:
            lines.append(f"Skipped: {w['skipped']}")
        else:
            lines += [
                f"{w['clients']} concurrent clients for {w['seconds']} s, {w['errors']} errors.",
                "",
                "| page | requests | per s | p50 ms | p95 ms | max ms |",
                "|---|---|---|---|---|---|",
            ]
            for kind in ("home", "account"):
                if kind in w:
                    v = w[kind]
                    lines.append(
                        f"| {kind} | {v['requests']} | {v['per_s']} | {v['p50_ms']} | {v['p95_ms']} | {v['max_ms']} |"
                    )
        lines.append("")
    return "\n".join(lines)


def history(out: Path) -> list[dict[str, Any]]:
    """The daily-run figures of every earlier run kept in results/history/, oldest first."""
    rows = []
    for path in sorted((out.parent / "history").glob("*.json")):
        past = json.loads(path.read_text())
        floors = past.get("floor", {})
        for key, e in past.get("run", {}).items():
            f = floors.get(key.split("/")[0], {})
            rows.append(
                {
                    "stamp": path.stem,
                    "key": key,
                    "run_wall_s": e["first_run"]["wall_s"],
                    "run_wall_x_floor": ratio(e["first_run"]["wall_s"], f.get("work_wall_s", 0)),
                    "run_cpu_s": e["first_run"]["cpu_s"],
                    "run_cpu_x_floor": ratio(e["first_run"]["cpu_s"], f.get("work_cpu_s", 0)),
                    "import_wall_s": e["import"]["wall_s"],
                }
            )
    return rows


def keep(results: dict[str, Any], out: Path, stamp: str) -> None:
    """Keep this run's results in results/history/<stamp>.json (the history the tables show)."""
    folder = out.parent / "history"
    folder.mkdir(parents=True, exist_ok=True)
    data = {k: v for k, v in results.items() if k not in ("web_book", "history")}
    (folder / f"{stamp}.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    results["history"] = history(out)


def write(results: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    data = {k: v for k, v in results.items() if k not in ("web_book", "history")}
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(markdown(results), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--accounts", type=int, default=100_000, help="accounts for the feature step"
    )
    parser.add_argument(
        "--events",
        type=int,
        help="synthetic events for the feature step (default: the demo book's)",
    )
    parser.add_argument("--only", default="features,run", help="parts: features,run,web")
    parser.add_argument(
        "--variants", default=",".join(FEATURE_VARIANTS), help="feature variants to run"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per feature variant (median)")
    parser.add_argument(
        "--run-accounts", default="10000,100000", help="book sizes for the daily run"
    )
    parser.add_argument("--db", default="sqlite,postgresql", help="databases for the daily run")
    parser.add_argument(
        "--pg-url",
        default="postgresql://postgres@127.0.0.1:5432/bench",
        help="a dedicated PostgreSQL database, dropped and created (never `test`)",
    )
    parser.add_argument(
        "--floor-runs", type=int, default=1, help="runs of the DuckDB floor per run book (median)"
    )
    parser.add_argument("--again", action="store_true", help="also time a second run the same day")
    parser.add_argument(
        "--next-day", action="store_true", help="also time the next day's (incremental) run"
    )
    parser.add_argument("--web", action="store_true", help="measure page latency under load")
    parser.add_argument("--web-accounts", type=int, default=10_000, help="book for the web part")
    parser.add_argument("--clients", type=int, default=8, help="concurrent web clients")
    parser.add_argument("--seconds", type=float, default=20, help="web load duration")
    parser.add_argument(
        "--dir", type=Path, default=Path("/tmp/renewals-bench"), help="books and data"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results" / "run.json")
    opts = parser.parse_args()
    opts.variants = opts.variants.split(",")
    opts.run_accounts = [int(n) for n in opts.run_accounts.split(",") if n]
    opts.db = [d for d in opts.db.split(",") if d]
    parts = set(opts.only.split(","))
    if opts.web:
        parts.add("web")
    if "postgresql" in opts.db and "run" in parts:
        _pg_database(opts.pg_url)
    opts.dir.mkdir(parents=True, exist_ok=True)
    previous = json.loads(opts.out.read_text()) if opts.out.exists() else {}
    previous.pop("history", None)
    results: dict[str, Any] = {
        **previous,
        "date": date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
    }
    if "features" in parts:
        bench_features(opts, results)
        write(results, opts.out)
    if "run" in parts:
        bench_run(opts, results)
    if "web" in parts:
        bench_web(opts, results)
    keep(results, opts.out, time.strftime("%Y-%m-%dT%H%M"))
    write(results, opts.out)
    print(markdown(results))


if __name__ == "__main__":
    main()
