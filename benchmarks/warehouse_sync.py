"""Benchmark: incremental sync from a PostgreSQL "warehouse" (issue 19).

Builds, in the warehouse database, a Salesforce-style `sf_account` table (N accounts), a
HubSpot-style `hubspot_deals` table (one deal per account) and a `product_events` table (E
events, CRM-style column names), all with PostgreSQL's generate_series; then, against a
fresh application database:

  first   `renewals source sync` of a source mapping the three tables (everything read)
  second  after C accounts are changed (name and LastModifiedDate) and F events are added
          past the last one: the second sync reads only those (plus the rows at the marks)

Each sync runs in its own process (`renewals source sync`), reporting wall time and peak
RSS; rows read per table come from the sync's own report. Results are printed and written
as JSON and Markdown to benchmarks/results/.

  python benchmarks/warehouse_sync.py --warehouse postgresql://postgres@127.0.0.1:5432/wh \\
      --app postgresql://postgres@127.0.0.1:5432/wh_app --accounts 10000 --events 5000000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

HERE = Path(__file__).resolve().parent
ADMIN = "bench-admin@example.com"


def _sa_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)


def _ibis_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgres://", url)


def build_warehouse(url: str, accounts: int, events: int) -> dict[str, float]:
    """The three tables, filled in SQL (generate_series), with their timings."""
    engine = create_engine(_sa_url(url))
    timings: dict[str, float] = {}
    with engine.begin() as conn:
        for table in ("sf_account", "hubspot_deals", "product_events"):
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        conn.execute(
            text(
                'CREATE TABLE sf_account ("Id" varchar(18) PRIMARY KEY, "Name" text, '
                '"Industry" text, "LastModifiedDate" timestamp NOT NULL)'
            )
        )
        conn.execute(
            text(
                "CREATE TABLE hubspot_deals (hs_object_id varchar(20) PRIMARY KEY, "
                "associatedcompanyid varchar(18), amount numeric(16,2), deal_currency_code "
                "varchar(3), contract_start_date date, closedate date, "
                "hs_lastmodifieddate timestamp NOT NULL)"
            )
        )
        conn.execute(
            text(
                'CREATE TABLE product_events ("AccountId" varchar(18), "UserId" text, '
                '"EventName" text, "Feature__c" text, "CreatedDate" timestamp NOT NULL)'
            )
        )
        started = time.perf_counter()
        conn.execute(
            text(
                """INSERT INTO sf_account
                   SELECT 'A' || lpad(i::text, 8, '0'), 'Account ' || i,
                          (ARRAY['Software','Retail','Manufacturing','Finance'])[1 + i % 4],
                          timestamp '2026-10-01' + i * interval '1 second'
                   FROM generate_series(1, :n) AS i"""
            ),
            {"n": accounts},
        )
        conn.execute(
            text(
                """INSERT INTO hubspot_deals
                   SELECT 'D' || lpad(i::text, 8, '0'), 'A' || lpad(i::text, 8, '0'),
                          1000 + (i * 37) % 200000,
                          (ARRAY['USD','USD','EUR','GBP'])[1 + i % 4],
                          date '2026-03-01' + (i % 300), date '2027-03-01' + (i % 300),
                          timestamp '2026-10-01' + i * interval '1 second'
                   FROM generate_series(1, :n) AS i"""
            ),
            {"n": accounts},
        )
        timings["accounts_and_deals_s"] = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute(
            text(
                """INSERT INTO product_events
                   SELECT 'A' || lpad((1 + i % :n)::text, 8, '0'), 'u' || (i % 50000),
                          (ARRAY['login','report_run','dashboard_view','export_data'])[1 + i % 4],
                          (ARRAY['reports','dashboards','automation',NULL])[1 + i % 4],
                          timestamp '2025-11-01' + i * interval '5 second'
                   FROM generate_series(1, :e) AS i"""
            ),
            {"n": accounts, "e": events},
        )
        timings["events_s"] = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return timings


def change_warehouse(url: str, changed: int, new_events: int) -> None:
    """`changed` accounts renamed now, `new_events` events after the last one."""
    engine = create_engine(_sa_url(url))
    with engine.begin() as conn:
        conn.execute(
            text(
                """UPDATE sf_account SET "Name" = "Name" || ' (renamed)',
                          "LastModifiedDate" = timestamp '2026-11-20 12:00'
                   WHERE "Id" IN (SELECT "Id" FROM sf_account ORDER BY "Id" LIMIT :c)"""
            ),
            {"c": changed},
        )
        last = conn.execute(text('SELECT max("CreatedDate") FROM product_events')).scalar_one()
        conn.execute(
            text(
                """INSERT INTO product_events
                   SELECT 'A' || lpad((1 + i % 997)::text, 8, '0'), 'u' || (i % 5000),
                          'login', NULL, CAST(:last AS timestamp) + i * interval '1 second'
                   FROM generate_series(1, :f) AS i"""
            ),
            {"f": new_events, "last": last},
        )
    engine.dispose()


def renewals(env: dict[str, str], *args: str) -> tuple[str, float, float]:
    """Run `renewals ARGS` in its own process: output, wall seconds, peak RSS (MiB)."""
    code = (
        "import resource, sys, time\n"
        "from renewals.cli import main\n"
        "sys.argv = ['renewals', *sys.argv[1:]]\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    print(f'@@rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\n"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"renewals {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    rss = re.search(r"@@rss (\d+)", done.stderr)
    return done.stdout, seconds, (int(rss.group(1)) / 1024 if rss else 0.0)


def _figures(output: str) -> dict[str, object]:
    """Rows read per table from the sync's report."""
    found: dict[str, object] = {}
    for stem, read, new, changed, unchanged in re.findall(
        r"(\w+) ([\d,]+) read \(([\d,]+) new, ([\d,]+) changed, ([\d,]+) unchanged", output
    ):
        found[stem] = {
            "read": int(read.replace(",", "")),
            "new": int(new.replace(",", "")),
            "changed": int(changed.replace(",", "")),
            "unchanged": int(unchanged.replace(",", "")),
        }
    events = re.search(r"([\d,]+) new rows read, ([\d,]+) events stored", output)
    if events:
        found["events"] = {
            "read": int(events.group(1).replace(",", "")),
            "stored": int(events.group(2).replace(",", "")),
        }
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", required=True, help="PostgreSQL URL of the warehouse")
    parser.add_argument("--app", required=True, help="PostgreSQL URL of an empty app database")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--new-events", type=int, default=100_000)
    parser.add_argument("--name", default="warehouse_sync")
    args = parser.parse_args()

    build = build_warehouse(args.warehouse, args.accounts, args.events)
    data_dir = Path(tempfile.mkdtemp(prefix="wh-sync-"))
    env = {
        **os.environ,
        "RENEWALS_DATABASE_URL": _sa_url(args.app),
        "RENEWALS_DATA_DIR": str(data_dir),
    }
    renewals(env, "db", "upgrade")
    renewals(env, "user", "add", ADMIN, "--role", "admin", "--name", "Bench Admin", "--no-password")
    source = [
        "source", "add", "dwh", "--kind", "warehouse", "--url", _ibis_url(args.warehouse),
        "--table", "product_events",
        "--column", "account_id=AccountId", "--column", "user_id=UserId",
        "--column", "event=EventName", "--column", "feature=Feature__c",
        "--column", "timestamp=CreatedDate",
        "--table", "accounts=sf_account",
        "--column", "accounts.account_id=Id", "--column", "accounts.name=Name",
        "--column", "accounts.industry=Industry", "--updated-at", "accounts=LastModifiedDate",
        "--table", "contracts=hubspot_deals",
        "--column", "contracts.contract_id=hs_object_id",
        "--column", "contracts.account_id=associatedcompanyid",
        "--column", "contracts.arr=amount", "--column", "contracts.currency=deal_currency_code",
        "--column", "contracts.start_date=contract_start_date",
        "--column", "contracts.end_date=closedate",
        "--updated-at", "contracts=hs_lastmodifieddate",
        "--by", ADMIN,
    ]  # fmt: skip
    renewals(env, *source)
    first_out, first_s, first_rss = renewals(env, "source", "sync", "dwh")
    change_warehouse(args.warehouse, args.changed, args.new_events)
    second_out, second_s, second_rss = renewals(env, "source", "sync", "dwh")
    result = {
        "name": args.name,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores (shared), {sys.platform}",
        "accounts": args.accounts,
        "events": args.events,
        "changed_accounts": args.changed,
        "new_events": args.new_events,
        "build_seconds": {k: round(v, 1) for k, v in build.items()},
        "first": {
            "seconds": round(first_s, 1),
            "peak_rss_mib": round(first_rss),
            "rows": _figures(first_out),
            "report": first_out.strip(),
        },
        "second": {
            "seconds": round(second_s, 1),
            "peak_rss_mib": round(second_rss),
            "rows": _figures(second_out),
            "report": second_out.strip(),
        },
    }
    out = HERE / "results" / f"{args.name}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = HERE / "results" / f"{args.name}.md"
    md.write_text(_markdown(result), encoding="utf-8")
    print(_markdown(result))


def _markdown(r: dict) -> str:  # type: ignore[type-arg]
    def rows(part: dict) -> str:  # type: ignore[type-arg]
        return "; ".join(
            f"{k} {v['read']:,} read" for k, v in part["rows"].items() if isinstance(v, dict)
        )

    return (
        f"# Warehouse sync ({r['when']}, {r['machine']})\n\n"
        f"PostgreSQL warehouse: {r['accounts']:,} accounts (sf_account), {r['accounts']:,} "
        f"deals (hubspot_deals), {r['events']:,} events (product_events).\n\n"
        "| sync | wall time | peak RSS | rows read |\n|---|---|---|---|\n"
        f"| first | {r['first']['seconds']} s | {r['first']['peak_rss_mib']} MiB | "
        f"{rows(r['first'])} |\n"
        f"| second, after {r['changed_accounts']:,} changed accounts and {r['new_events']:,} "
        f"new events | {r['second']['seconds']} s | {r['second']['peak_rss_mib']} MiB | "
        f"{rows(r['second'])} |\n\n"
        "```text\n" + r["first"]["report"] + "\n" + r["second"]["report"] + "\n```\n"
    )


if __name__ == "__main__":
    main()
