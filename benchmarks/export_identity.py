"""Does a commit change `renewals export renewals`? Build one demo book at two commits and diff.

  python benchmarks/export_identity.py dd4d342^ dd4d342 --accounts 2000 --as-of 2026-12-07
  python benchmarks/export_identity.py 96daa73^ 96daa73 --json   # one summary line (JSON)
  python benchmarks/export_identity.py 96daa73 96daa73            # the same commit twice: a control
  python benchmarks/export_identity.py 763cb69^ 763cb69+b059951   # with a later fix applied

Issue 14 asked that moving code between slices leave behaviour unchanged: "a 2,000-account
demo book run before and after the move gives identical `renewals export renewals` output".
For each commit this checks out a detached worktree (WORK/wt-SHA), runs `renewals demo
--accounts N --seed S --as-of DAY --no-serve` there with that tree's code into a fresh
SQLite database and data directory, then `renewals export renewals --as-of DAY` (JSON)
and, when the two are compared, `renewals calendar --days 400 --as-of DAY` (renewal dates
and open tasks; DTSTAMP, the time the file was written, left out). The book is kept under
WORK/tree-KEY, KEY naming the commit's src/ and tests/data trees: a build serves every
later comparison with the same code (a commit is often one comparison's "after" and the
next one's "before", or its parent differs only in docs or tests). Naming the same commit
twice builds it a second time (WORK/tree-KEY-again): the control that the book and the
export are deterministic. COMMIT+FIX applies FIX's `src/` diff on top of COMMIT, for a
stretch of history where a daily-run step failed until a later commit fixed it; a failed
step fails the demo, and the book is exported all the same, the failed steps reported.

The summary says whether the demo generator wrote the same files at both commits (their
SHA-256), the export's rows at each, whether the two exports are byte-identical, which
renewals are only in one, and for the renewals in both which fields differ, how often,
with examples; the calendar's events likewise; which database tables differ (every
table's rows in the columns both commits have, DATETIME columns, password hashes and the
build's own directory left out: tasks, messages, escalations, signals, health snapshots,
win/loss records beyond what the exports show); then the `src/` files the diff between
the commits touches that either run imported (a changed file no run imported cannot
have changed its output).

Every run shares one file of sentence embeddings (RENEWALS_EMBEDDING_CACHE, default
WORK/embeddings.sqlite): the text scan's model is most of a cold build's cost, and a
sentence's vector is the model's whichever run made it. Commits older than the file
cache itself (768d647) get it through a sitecustomize.py (SHIM, written to WORK/shim)
that reads and writes the same file; a newer tree ignores it.
Builds run under `nice -n 10` (the machine is shared); a build's wall and CPU seconds are
kept in WORK/tree-KEY/build.json. The worktrees are registered with git: after deleting
WORK, `git worktree prune` forgets them.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import resource
import sqlite3
import subprocess
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

# Runs the CLI in a fresh interpreter with the tree's code and records which of its modules
# the run imported (so a summary can say whether a changed file could matter at all).
RUNNER = """
import atexit, sys
out = sys.argv.pop(1)
def _modules():
    names = sorted(m for m in list(sys.modules) if m == "renewals" or m.startswith("renewals."))
    with open(out, "a") as f:
        f.write("\\n".join(names) + "\\n")
atexit.register(_modules)
from renewals.cli import main
sys.argv[0] = "renewals"
main()
"""


# A sitecustomize.py for commits older than the embedding file (768d647): when the tree's
# renewals.signal.semantic is imported and it has no embedding_file module, E5Embedder.embed
# is wrapped to read and write the same file, the same keys (semantic.sentence_key) and the
# same float32 bytes as embedding_file does. Detection reads the vectors the model gave.
SHIM = """\
import importlib.abc, importlib.machinery, importlib.util, os, sqlite3, sys


def _patch(module):
    import numpy as np

    path = os.environ.get("RENEWALS_EMBEDDING_CACHE", "").strip()
    if not path or importlib.util.find_spec("renewals.signal.embedding_file") is not None:
        return
    conn = sqlite3.connect(path, timeout=60)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS embedding (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
    conn.commit()
    original, key = module.E5Embedder.embed, module.sentence_key

    def embed(self, sentences):
        wanted = [s for s in dict.fromkeys(sentences) if self.recall(s) is None]
        keys = {key(s, self.model_id): s for s in wanted}
        items = list(keys)
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT key, vector FROM embedding WHERE key IN ({marks})"
            for k, v in conn.execute(sql, chunk):
                self.remember(keys[k], np.frombuffer(v, dtype="<f4").copy())
        new = [s for s in wanted if self.recall(s) is None]
        result = original(self, sentences)
        rows = [(key(s, self.model_id), self.recall(s)) for s in new]
        rows = [(k, np.asarray(v, dtype="<f4").tobytes()) for k, v in rows if v is not None]
        if rows:
            conn.executemany("INSERT OR IGNORE INTO embedding (key, vector) VALUES (?, ?)", rows)
            conn.commit()
        return result

    module.E5Embedder.embed = embed


class _Loader(importlib.abc.Loader):
    def __init__(self, inner):
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        self.inner.exec_module(module)
        _patch(module)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "renewals.signal.semantic":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


sys.meta_path.insert(0, _Finder())
"""


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Code:
    """A commit, with the `src/` changes of some later commits applied on top (COMMIT+FIX:
    a fix that landed a few commits later, for a stretch of history where the daily run
    failed)."""

    sha: str
    fixes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> Code:
        base, *fixes = spec.split("+")
        sha, *fix_shas = (git("rev-parse", "--verify", f"{c}^{{commit}}") for c in [base, *fixes])
        return cls(sha, tuple(fix_shas))

    @property
    def name(self) -> str:
        return "+".join(c[:12] for c in (self.sha, *self.fixes))

    def key(self) -> str:
        """What a build reads from its checkout: src/ and tests/data (the text detectors'
        labelled sets, which the semantic layer learns from in a source checkout), and the
        fixes. Commits with the same trees build the same book, so they share one build."""
        trees = [git("rev-parse", f"{self.sha}:{path}") for path in ("src", "tests/data")]
        return hashlib.sha256(" ".join([*trees, *self.fixes]).encode()).hexdigest()[:12]


def build(code: Code, again: bool, opts: argparse.Namespace) -> Path:
    """The export of the demo book built with `code`, once, into WORK/tree-KEY."""
    slot = f"tree-{code.key()}" + ("-again" if again else "")
    out = opts.work / slot
    export = out / "renewals.json"
    # several comparisons may run at once: one builds a slot, the others wait for it
    with (opts.work / f"{slot}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not export.exists():
            _build(code, slot, out, opts)
    return out


def _tree(code: Code, opts: argparse.Namespace) -> Path:
    tree = opts.work / f"wt-{code.name}"
    with (opts.work / "worktree.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not tree.exists():
            git("worktree", "add", "--detach", str(tree), code.sha)
            for fix in code.fixes:
                patch = git("show", "--format=", "--binary", fix, "--", "src") + "\n"
                subprocess.run(
                    ["git", "-C", str(tree), "apply"], input=patch, text=True, check=True
                )
    return tree


def _run(code: Code, out: Path, command: list[str], opts: argparse.Namespace) -> int:
    """`renewals COMMAND` with `code` on the book in `out`; its exit status."""
    shim = opts.work / "shim"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(SHIM)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RENEWALS_")},
        "PYTHONPATH": os.pathsep.join(str(p) for p in (shim, _tree(code, opts) / "src")),
        "RENEWALS_DATABASE_URL": f"sqlite:///{out / 'renewals.db'}",
        "RENEWALS_DATA_DIR": str(out / "data"),
        "RENEWALS_EMBEDDING_CACHE": str(opts.embeddings),
    }
    nice = ["nice", "-n", str(opts.nice)] if opts.nice else []
    args = [*nice, sys.executable, "-c", RUNNER, str(out / "modules.txt"), *command]
    with (out / "build.log").open("a") as output:
        return subprocess.run(args, env=env, stdout=output, stderr=subprocess.STDOUT).returncode


def _build(code: Code, slot: str, out: Path, opts: argparse.Namespace) -> None:
    subprocess.run(["rm", "-rf", str(out)], check=True)
    out.mkdir(parents=True)
    day = opts.as_of
    log(f"build {slot} with {code.name} ({git('log', '-1', '--format=%s', code.sha)[:70]})")
    started, before = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    demo = ["demo", "--accounts", str(opts.accounts), "--seed", str(opts.seed), "--as-of", day]
    status = _run(code, out, [*demo, "--no-serve"], opts)
    # a daily-run step that fails fails the demo; the book is exported all the same and
    # the failed steps are reported (the same failure on both sides compares the rest)
    failed = [x.strip() for x in (out / "build.log").read_text().splitlines()]
    failed = [x for x in failed if x.startswith("failed ")]
    export = out / "renewals.json"
    command = ["export", "renewals", "--as-of", day, "--format", "json", "-o", str(export)]
    if _run(code, out, command, opts) != 0:
        raise SystemExit(f"renewals export failed with {code.name}: see {out / 'build.log'}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    figures = {
        "sha": code.sha,
        "fixes": list(code.fixes),
        "slot": slot,
        "demo_exit": status,
        "failed_steps": failed,
        "wall_s": round(time.time() - started, 1),
        "cpu_s": round(cpu, 1),
    }
    (out / "build.json").write_text(json.dumps(figures) + "\n")
    log(f"built {slot}: {figures['wall_s']} s wall, {figures['cpu_s']} CPU s")


def calendar(out: Path, opts: argparse.Namespace) -> Path | None:
    """`renewals calendar` of the built book (renewal dates and open tasks, a year ahead),
    made on first use with the build's code; None if that commit cannot."""
    ics = out / "calendar.ics"
    with (out.parent / f"{out.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ics.exists() and not (out / "calendar.failed").exists():
            built = json.loads((out / "build.json").read_text())
            code = Code(built["sha"], tuple(built.get("fixes", ())))
            command = ["calendar", "--days", "400", "--as-of", opts.as_of, "-o", str(ics)]
            if _run(code, out, command, opts) != 0:
                (out / "calendar.failed").touch()
    return ics if ics.exists() else None


def calendar_events(ics: Path) -> dict[str, str]:
    """Each event's lines by UID, unfolded, without DTSTAMP (the time the file was written)."""
    text = ics.read_text().replace("\r\n", "\n").replace("\n ", "")
    events: dict[str, str] = {}
    for block in text.split("BEGIN:VEVENT")[1:]:
        lines = [x for x in block.split("END:VEVENT")[0].splitlines() if x]
        uid = next((x[4:] for x in lines if x.startswith("UID:")), str(len(events)))
        events[uid] = "\n".join(x for x in lines if not x.startswith("DTSTAMP"))
    return events


def compare_calendars(a: Path, b: Path, opts: argparse.Namespace) -> dict[str, Any] | None:
    ics_a, ics_b = calendar(a, opts), calendar(b, opts)
    if ics_a is None or ics_b is None:
        return None
    ev_a, ev_b = calendar_events(ics_a), calendar_events(ics_b)
    changed = sorted(k for k in ev_a.keys() & ev_b.keys() if ev_a[k] != ev_b[k])
    return {
        "events_before": len(ev_a),
        "events_after": len(ev_b),
        "identical": ev_a == ev_b and list(ev_a) == list(ev_b),
        "only_before": sorted(ev_a.keys() - ev_b.keys()),
        "only_after": sorted(ev_b.keys() - ev_a.keys()),
        "changed": changed,
    }


def _plain(table: str, column: str, value: Any, here: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return here.sub("BUILD", value)
    if table == "shared_figure" and column == "value" and isinstance(value, bytes):
        return zlib.decompress(value[32:])  # its HMAC is keyed by the database's own secret
    return value


def table_rows(out: Path) -> dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
    """Every table's rows of the built book, sorted, without what differs run to run by
    design: DATETIME columns (wall-clock stamps), password hashes (salted), the signature
    of a stored dashboard figure (keyed by the database's secret) and the build's own
    directory in values (the import's source path)."""
    conn = sqlite3.connect(f"file:{out / 'renewals.db'}?mode=ro", uri=True)
    here = re.compile(re.escape(str(out.parent)) + r"/[^/\"]+")
    tables = {}
    query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    for (table,) in conn.execute(query):
        columns = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        keep = tuple(
            c[1]
            for c in columns
            if not {"DATETIME", "TIMESTAMP"} & set((c[2] or "").upper().split())
            and c[1] != "password_hash"
        )
        if not keep:
            continue
        names = ", ".join(f'"{c}"' for c in keep)
        rows = conn.execute(f'SELECT {names} FROM "{table}" ORDER BY {names}').fetchall()  # noqa: S608
        tables[table] = (
            keep,
            [tuple(_plain(table, c, v, here) for c, v in zip(keep, r, strict=True)) for r in rows],
        )
    conn.close()
    return tables


def compare_tables(a: Path, b: Path) -> dict[str, Any]:
    """The two books table by table (the columns both have): which tables differ."""
    ta, tb = table_rows(a), table_rows(b)
    differ = {}
    for table in sorted(ta.keys() & tb.keys()):
        (cols_a, rows_a), (cols_b, rows_b) = ta[table], tb[table]
        common = [c for c in cols_a if c in cols_b]
        if cols_a != cols_b:
            rows_a = sorted((tuple(r[cols_a.index(c)] for c in common) for r in rows_a), key=repr)
            rows_b = sorted((tuple(r[cols_b.index(c)] for c in common) for r in rows_b), key=repr)
        if rows_a != rows_b:
            differ[table] = {"rows_before": len(rows_a), "rows_after": len(rows_b)}
    return {
        "compared": len(ta.keys() & tb.keys()),
        "differ": differ,
        "only_before": sorted(ta.keys() - tb.keys()),
        "only_after": sorted(tb.keys() - ta.keys()),
    }


def book_digest(out: Path) -> dict[str, str]:
    """SHA-256 of each file the demo generator wrote."""
    book = out / "data" / "demo-book"
    return {
        p.relative_to(book).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(book.rglob("*"))
        if p.is_file()
    }


def row_key(row: dict[str, Any]) -> str:
    for name in ("renewal_id", "id"):
        if name in row:
            return str(row[name])
    return json.dumps(row, sort_keys=True)


def compare(a: Path, b: Path, examples: int) -> dict[str, Any]:
    raw_a, raw_b = (a / "renewals.json").read_bytes(), (b / "renewals.json").read_bytes()
    rows_a = {row_key(r): r for r in json.loads(raw_a)}
    rows_b = {row_key(r): r for r in json.loads(raw_b)}
    fields: Counter[str] = Counter()
    shown: list[dict[str, Any]] = []
    changed = 0
    for key in rows_a.keys() & rows_b.keys():
        ra, rb = rows_a[key], rows_b[key]
        if ra == rb:
            continue
        changed += 1
        for name in sorted(ra.keys() | rb.keys()):
            if ra.get(name, "<absent>") != rb.get(name, "<absent>"):
                fields[name] += 1
                if sum(1 for s in shown if s["field"] == name) < examples:
                    shown.append(
                        {"renewal": key, "field": name, "before": ra.get(name, "<absent>")}
                        | {"after": rb.get(name, "<absent>")}
                    )
    digest_a, digest_b = book_digest(a), book_digest(b)
    return {
        "rows_before": len(rows_a),
        "rows_after": len(rows_b),
        "identical": raw_a == raw_b,
        "same_rows_in_order": list(rows_a) == list(rows_b),
        "only_before": sorted(rows_a.keys() - rows_b.keys()),
        "only_after": sorted(rows_b.keys() - rows_a.keys()),
        "rows_changed": changed,
        "fields_changed": dict(fields.most_common()),
        "examples": shown,
        "book_identical": digest_a == digest_b,
        "book_files_changed": sorted(
            n for n in digest_a.keys() | digest_b.keys() if digest_a.get(n) != digest_b.get(n)
        ),
    }


def loaded_changes(code_a: Code, code_b: Code, a: Path, b: Path) -> dict[str, list[str]]:
    """The src/ files changed between the commits (fixes aside), split by whether either
    run imported them."""
    modules = set()
    for out in (a, b):
        modules |= set((out / "modules.txt").read_text().split())
    changed = git("diff", "--name-only", code_a.sha, code_b.sha, "--", "src").split()
    split: dict[str, list[str]] = {"imported": [], "not_imported": []}
    for path in changed:
        if not path.endswith(".py"):
            split["imported"].append(path)  # data files (policy, templates): count as read
            continue
        name = path.removeprefix("src/").removesuffix(".py").removesuffix("/__init__")
        split["imported" if name.replace("/", ".") in modules else "not_imported"].append(path)
    return split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "before", help="a commit (what git rev-parse reads: dd4d342^), or COMMIT+FIX[+FIX]"
    )
    parser.add_argument("after", help="the same; the same as before for a control run")
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default="2026-12-07", help="the book's day (YYYY-MM-DD)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/export_identity"))
    parser.add_argument("--embeddings", type=Path, help="default WORK/embeddings.sqlite")
    parser.add_argument("--nice", type=int, default=10, help="0: run at normal priority")
    parser.add_argument("--examples", type=int, default=3, help="examples per changed field")
    parser.add_argument("--json", action="store_true", help="print the summary as one line")
    opts = parser.parse_args()
    opts.work = opts.work / f"{opts.accounts}-{opts.seed}-{opts.as_of}"
    opts.work.mkdir(parents=True, exist_ok=True)
    opts.embeddings = opts.embeddings or opts.work.parent / "embeddings.sqlite"
    code_a, code_b = Code.parse(opts.before), Code.parse(opts.after)
    a = build(code_a, False, opts)
    b = build(code_b, code_a == code_b, opts)
    summary = {
        "before": code_a.name,
        "after": code_b.name,
        "subject": git("log", "-1", "--format=%s", code_b.sha)[:100],
        **compare(a, b, opts.examples),
        "calendar": compare_calendars(a, b, opts),
        "tables": compare_tables(a, b),
        "src_changed": loaded_changes(code_a, code_b, a, b),
        "builds": [json.loads((p / "build.json").read_text()) for p in (a, b)],
    }
    if opts.json:
        print(json.dumps(summary, default=str))
        return
    print(f"{summary['before']} -> {summary['after']}  {summary['subject']}")
    print(f"  demo book files identical: {summary['book_identical']}", end="")
    print(
        f" (changed: {', '.join(summary['book_files_changed'])})"
        if summary["book_files_changed"]
        else ""
    )
    for built in summary["builds"]:
        if built.get("demo_exit"):
            print(f"  demo failed at {built['sha'][:12]}: {'; '.join(built['failed_steps'])}")
    print(f"  export rows: {summary['rows_before']} -> {summary['rows_after']}")
    print(f"  export byte-identical: {summary['identical']}")
    for side in ("only_before", "only_after"):
        if summary[side]:
            print(f"  {side}: {len(summary[side])} ({', '.join(summary[side][:5])} ...)")
    if summary["rows_changed"]:
        print(f"  rows changed: {summary['rows_changed']}; by field: {summary['fields_changed']}")
        for e in summary["examples"]:
            print(f"    {e['renewal']} {e['field']}: {e['before']!r} -> {e['after']!r}"[:300])
    cal = summary["calendar"]
    if cal is None:
        print("  calendar: not made at one of the commits")
    else:
        print(
            f"  calendar events: {cal['events_before']} -> {cal['events_after']}, identical: {cal['identical']}"
        )
        for side in ("only_before", "only_after", "changed"):
            if cal[side]:
                print(f"    {side}: {len(cal[side])} ({', '.join(cal[side][:5])} ...)")
    tables = summary["tables"]
    print(f"  database tables compared: {tables['compared']}, differing: {len(tables['differ'])}")
    for table, rows in tables["differ"].items():
        print(f"    {table}: {rows['rows_before']} -> {rows['rows_after']} rows")
    for side in ("only_before", "only_after"):
        if tables[side]:
            print(f"    tables {side}: {', '.join(tables[side])}")
    src = summary["src_changed"]
    print(
        f"  src files changed: {len(src['imported'])} imported by the runs, {len(src['not_imported'])} not"
    )
    for path in src["imported"]:
        print(f"    imported: {path}")


if __name__ == "__main__":
    main()
