"""Benchmark: instructions a page costs, counted by Valgrind (callgrind), for two versions.

CPU time per request moves by 30% and more on a busy 2-core machine, which hides a 10%
change of a page's cost. The number of machine instructions a request executes does
not depend on the load: this benchmark runs each page `--runs` times in a process of each
version (its `src` folder first on PYTHONPATH), counts only those requests (callgrind's
instrumentation is switched on after the sign-in and the warm-up requests) and prints
instructions per request and their ratio, after / before. Garbage collection runs as
usual (`--no-gc` leaves it out: the page's own code only).

Needs `valgrind` (Debian package) and a book already imported and run (as for
benchmarks/web_pages.py). Each measurement takes about a minute and a half, most of it
starting Python under Valgrind.

  python benchmarks/page_instructions.py --db before.db --before-src ../old/src \\
      --db-after after.db --after-src src --runs 200 /tasks /executive

A page is `PATH` (as the CSM with the most accounts) or `admin:PATH`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The process measured: signs in, warms the page, waits for the instrumentation to be on,
# runs the requests, says it is done.
_CHILD = """
import gc, importlib.util, os, sys, time
db, runs, page, flag, keep_gc = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
spec = importlib.util.spec_from_file_location("web_pages", sys.argv[6])
web_pages = importlib.util.module_from_spec(spec); spec.loader.exec_module(web_pages)
from fastapi.testclient import TestClient
from renewals.config import Settings
from renewals.web.app import create_app
url = f"sqlite:///{db}"
csm, admin, _account = web_pages._prepare(url)
app = create_app(Settings(database_url=url, secret_key="benchmark"))
role, path = ("admin", page[6:]) if page.startswith("admin:") else ("csm", page)
with TestClient(app) as client:
    web_pages._login(client, admin if role == "admin" else csm)
    for _ in range(10):
        assert client.get(path).status_code == 200, path
    gc.collect()
    if keep_gc != "1":
        gc.disable()
    print("READY", os.getpid(), flush=True)
    while not os.path.exists(flag + ".go"):
        time.sleep(0.1)
    for _ in range(runs):
        client.get(path)
    open(flag + ".done", "w").close()
    while not os.path.exists(flag + ".stop"):
        time.sleep(0.1)
"""


def _wait_for(test, what: str, timeout: float = 900.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.5)


def instructions(src: Path, db: Path, page: str, runs: int, keep_gc: bool, work: Path) -> float:
    """Instructions per request of `page` served by the renewals in `src`."""
    flag = work / f"run{time.monotonic_ns()}"
    child = work / "child.py"
    child.write_text(_CHILD)
    log = flag.with_suffix(".log")
    env = {**os.environ, "PYTHONPATH": str(src)}
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={flag}.out",
                sys.executable,
                str(child),
                str(db),
                str(runs),
                page,
                str(flag),
                "1" if keep_gc else "0",
                str(HERE / "web_pages.py"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
        _wait_for(lambda: "READY" in log.read_text() or process.poll() is not None, "the page")
        ready = re.search(r"READY (\d+)", log.read_text())
        if ready is None:
            raise SystemExit(f"the page process ended early:\n{log.read_text()[-2000:]}")
        pid = ready.group(1)
        subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
        Path(f"{flag}.go").touch()
        _wait_for(lambda: Path(f"{flag}.done").exists(), "the requests")
        subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)
        Path(f"{flag}.stop").touch()
        process.wait()
    collected = re.search(r"Collected : (\d+)", log.read_text())
    if collected is None:
        raise SystemExit(f"no instruction count in {log}")
    return int(collected.group(1)) / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="+", help="PATH or admin:PATH, e.g. /tasks?as_of=...")
    parser.add_argument("--db", type=Path, required=True, help="the SQLite book (before)")
    parser.add_argument("--db-after", type=Path, help="the book for the after version")
    parser.add_argument("--before-src", type=Path, required=True)
    parser.add_argument("--after-src", type=Path, default=HERE.parent / "src")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--no-gc", action="store_true", help="leave garbage collection out")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("needs valgrind (apt-get install valgrind)")
    print(f"{args.runs} requests each, garbage collection {'off' if args.no_gc else 'on'}\n")
    print("| page | before M instructions | after M instructions | after / before |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for page in args.pages:
            before = instructions(args.before_src, args.db, page, args.runs, not args.no_gc, work)
            after = instructions(
                args.after_src, args.db_after or args.db, page, args.runs, not args.no_gc, work
            )
            print(f"| {page} | {before / 1e6:.2f} | {after / 1e6:.2f} | {after / before:.3f} |")


if __name__ == "__main__":
    main()
