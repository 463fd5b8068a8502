"""Benchmark: `renewals import` of a whole demo book, wall, CPU and peak RSS (issue 20).

  python benchmarks/import_book.py --accounts 10000,100000 --db sqlite,postgresql \\
      --pg-url postgresql://postgres@127.0.0.1:5432/bench --label after
  python benchmarks/import_book.py --accounts 10000 --src /tmp/old/src --label before

Each import runs in its own process on a fresh database (PostgreSQL: --pg-url names a
database this script drops and creates) and an empty data directory, as benchmarks/run.py
does; the books are the demo books of run.py (seed 7), generated once into --dir.
`--src` runs another checkout's code (its `src` directory) to compare before and after in
the same sitting. Each measurement is appended to --out (JSON Lines) with its label.
CPU time (user+sys) and peak RSS are the reliable figures on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

from run import HERE, demo_book, fresh_pg, log, measure, renewals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", default="10000", help="book sizes, comma-separated")
    parser.add_argument("--db", default="sqlite", help="sqlite, postgresql (comma-separated)")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/bench")
    parser.add_argument("--src", type=Path, help="the src directory of the code to measure")
    parser.add_argument("--label", default="current")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/renewals-bench"))
    parser.add_argument("--out", type=Path, default=HERE / "results" / "import_book.jsonl")
    opts = parser.parse_args()
    env_src = {"PYTHONPATH": str(opts.src)} if opts.src else {}
    for accounts in [int(n) for n in opts.accounts.split(",") if n]:
        book = demo_book(opts.dir, accounts)
        for db in [d for d in opts.db.split(",") if d]:
            work = opts.dir / f"import-{accounts}-{db}-{opts.label}"
            subprocess.run(["rm", "-rf", str(work)], check=True)
            work.mkdir(parents=True)
            if db == "sqlite":
                url = f"sqlite:///{work / 'r.db'}"
            else:
                fresh_pg(opts.pg_url)
                url = opts.pg_url.replace("postgresql://", "postgresql+psycopg://", 1)
            env = {
                **env_src,
                "RENEWALS_DATABASE_URL": url,
                "RENEWALS_DATA_DIR": str(work / "data"),
            }
            log(f"import {accounts:,}/{db} ({opts.label})")
            figures = measure(renewals("import", str(book)), env)
            entry = {
                "date": time.strftime("%Y-%m-%dT%H:%M"),
                "label": opts.label,
                "book": f"{accounts}/{db}",
                **{k: figures[k] for k in ("wall_s", "cpu_s", "peak_rss_mib")},
            }
            log(json.dumps(entry))
            with opts.out.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")
            subprocess.run(["rm", "-rf", str(work)], check=True)


if __name__ == "__main__":
    main()
