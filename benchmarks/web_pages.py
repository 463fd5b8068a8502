"""Benchmark: the web pages (CSM home, account page, lists, team and executive dashboards)
on a 10,000-account book.

Needs a book already imported and run (see docs/performance.md, "The daily run at
10,000 accounts"); the database is used as is, apart from giving the chosen users a
password. Signs in through the login form with a TestClient (the whole app: session,
CSRF, middleware, templates) and times each request `--runs` times, for a CSM (their own
accounts) and an admin (the whole book): the account page of the account with the most
signals among the CSM's, the first page of each list, a filtered and sorted list, and
the CSV export of the CSM's accounts, the CSM's home and task queue, and the admin's
team and executive dashboards. Prints a Markdown table of medians (wall, the process's CPU
time, which other work on the machine disturbs less, and the CPU time inside the page's
Jinja template, the part the translations touch) and writes JSON (--out).
The issue's ceiling (300 ms at the median) applies to the CSM home and the account
pages and lists; the team and executive dashboards are reported, not gated.

  python benchmarks/web_pages.py --db /tmp/b10k/r.db --runs 30
  python benchmarks/web_pages.py --db /tmp/b10k/r.db --runs 10 --template-runs 300

`--template-runs` also renders each page's template alone (median and minimum CPU ms): the
steadier figure for comparing two versions on a busy machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import statistics
import time
from pathlib import Path

import jinja2
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from renewals.account.models import Account
from renewals.config import Settings
from renewals.db import make_engine, session_scope
from renewals.signal.models import Signal
from renewals.user import auth
from renewals.user.models import User
from renewals.web.app import create_app

HERE = Path(__file__).resolve().parent
PASSWORD = "benchmark password 1"
CEILING_MS = 300.0
UNGATED = (
    "/manager",
    "/executive",
)  # reported; the 300 ms ceiling is for CSM home and account pages


def _prepare(db_url: str) -> tuple[str, str, str]:
    """A CSM with the most accounts, an admin (created if missing), and the CSM's account
    with the most signals; both users get the benchmark password."""
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        csm = session.scalar(
            select(Account.owner_email)
            .join(User, User.email == Account.owner_email)
            .where(User.role == "csm")
            .group_by(Account.owner_email)
            .order_by(func.count().desc())
            .limit(1)
        )
        account = session.scalar(
            select(Signal.account_id)
            .join(Account, Account.account_id == Signal.account_id)
            .where(Account.owner_email == csm)
            .group_by(Signal.account_id)
            .order_by(func.count().desc())
            .limit(1)
        )
        admin = session.get(User, "bench-admin@renewals.example") or User(
            email="bench-admin@renewals.example", name="Bench Admin", role="admin", active=True
        )
        session.add(admin)
        hashed = auth.hash_password(PASSWORD)
        for user in (session.get(User, csm), admin):
            auth.set_password(session, user, PASSWORD, actor="benchmark", password_hash=hashed)
    engine.dispose()
    assert csm and account
    return csm, "bench-admin@renewals.example", account


def _login(client: TestClient, email: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _language() -> str | None:
    """The language being rendered (None for a version of renewals without translations,
    which this benchmark also measures, as the "before")."""
    try:
        from renewals.kit import i18n
    except ImportError:
        return None
    return i18n.current()


class _RenderClock:
    """The process CPU time spent inside `jinja2.Template.render` (the outermost call: a
    page's includes and macros run inside it), so the template part of a page, which the
    translations touch, is reported apart from the queries that feed it. The last page's
    template and context are kept, to render them again alone (`--template-runs`)."""

    def __init__(self) -> None:
        self.spent = 0.0
        self.last: tuple[jinja2.Template, tuple[object, ...], dict[str, object], str | None]
        self._depth = 0
        self._original = original = jinja2.Template.render

        def render(template: jinja2.Template, *args: object, **kwargs: object) -> str:
            self._depth += 1
            start = time.process_time() if self._depth == 1 else 0.0
            if self._depth == 1:
                self.last = (template, args, kwargs, _language())
            try:
                return original(template, *args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.spent += time.process_time() - start

        jinja2.Template.render = render  # type: ignore[method-assign]

    def again(self, runs: int) -> tuple[float, float]:
        """The last page's template rendered `runs` times alone, in its language: (median,
        min) CPU ms. The minimum is the figure a busy machine disturbs least."""
        template, args, kwargs, language = self.last
        times = []
        with contextlib.ExitStack() as stack:
            if language is not None:
                from renewals.kit import i18n

                stack.enter_context(i18n.using(language))
            for _ in range(5):
                self._original(template, *args, **kwargs)
            for _ in range(runs):
                start = time.process_time()
                self._original(template, *args, **kwargs)
                times.append((time.process_time() - start) * 1000)
        return statistics.median(times), min(times)


RENDER = _RenderClock()


def _time(client: TestClient, url: str, runs: int, template_runs: int = 0) -> dict[str, float]:
    client.get(url)  # warm: templates compiled, statements cached
    times, cpu, render = [], [], []
    size = 0
    for _ in range(runs):
        start, start_cpu, start_render = time.perf_counter(), time.process_time(), RENDER.spent
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        render.append((RENDER.spent - start_render) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
        size = len(response.content)
    times.sort()
    alone: dict[str, float] = {}
    if template_runs and max(render) > 0:  # a page (the CSV export renders no template)
        median, fastest = RENDER.again(template_runs)
        alone = {
            "template_alone_median_ms": round(median, 3),
            "template_alone_min_ms": round(fastest, 3),
        }
    return {
        "median_ms": round(statistics.median(times), 1),
        # the process's CPU time (the app runs in this process): steady on a busy machine
        "cpu_median_ms": round(statistics.median(cpu), 1),
        # of which inside the page's template (0 for the CSV export)
        "render_cpu_median_ms": round(statistics.median(render), 2),
        "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
        "max_ms": round(times[-1], 1),
        "bytes": size,
        **alone,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="the SQLite file of the book")
    parser.add_argument("--url", help="a database URL instead of --db (e.g. PostgreSQL)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--as-of", default="2026-11-24", help="the day the pages show")
    parser.add_argument(
        "--template-runs",
        type=int,
        default=0,
        help="also render each page's template alone this many times (its last request's "
        "context) and report the median and minimum CPU ms: a steadier figure on a busy machine",
    )
    parser.add_argument(
        "--out", type=Path, default=HERE / "results" / "web_pages.json", help="the JSON written"
    )
    args = parser.parse_args()
    url = args.url or f"sqlite:///{args.db}"
    csm, admin, account = _prepare(url)
    app = create_app(Settings(database_url=url, secret_key="benchmark"))
    day = f"as_of={args.as_of}"
    cases = {
        csm: [
            ("home", f"/home?{day}"),
            ("tasks", f"/tasks?{day}"),
            ("account page", f"/accounts/{account}?{day}"),
            ("account list", f"/accounts?{day}"),
            (
                "account list: red, 90 days, by ARR",
                f"/accounts?{day}&category=red&window=90&sort=arr&desc=1",
            ),
            ("account list CSV", f"/accounts?{day}&format=csv"),
            ("renewal list", f"/renewals?{day}"),
        ],
        admin: [
            ("account page", f"/accounts/{account}?{day}"),
            ("account list", f"/accounts?{day}"),
            ("account list: search 'gmbh', by health", f"/accounts?{day}&q=gmbh&sort=score"),
            (
                "account list: at risk, 90 days, page 5",
                f"/accounts?{day}&risk=at_risk&window=90&page=5",
            ),
            ("renewal list", f"/renewals?{day}"),
            (
                "renewal list: mid-market, engagement, by ARR",
                f"/renewals?{day}&segment=mid_market&stage=engagement&sort=arr&desc=1",
            ),
            ("renewal list: page 100", f"/renewals?{day}&page=100"),
            ("team dashboard (whole book)", f"/manager?{day}"),
            ("executive dashboard", f"/executive?{day}"),
        ],
    }
    results = []
    for user, urls in cases.items():
        with TestClient(app) as client:
            _login(client, user)
            for name, path in urls:
                figures = _time(client, path, args.runs, args.template_runs)
                role = "csm" if user == csm else "admin"
                gated = not path.startswith(UNGATED)
                results.append({"role": role, "page": name, "url": path, "gated": gated, **figures})
    print(f"\nCSM {csm}, account {account}, {args.runs} runs each\n")
    alone = " template alone ms (median / min) |" if args.template_runs else ""
    print(
        f"| role | page | median ms | CPU median ms | template CPU ms | p90 ms | max ms | KB |{alone}"
    )
    print("|---|---|---|---|---|---|---|---|" + ("---|" if alone else ""))
    for r in results:
        print(
            f"| {r['role']} | {r['page']} | {r['median_ms']} | {r['cpu_median_ms']} "
            f"| {r['render_cpu_median_ms']} | {r['p90_ms']} | {r['max_ms']} "
            f"| {r['bytes'] / 1024:.0f} |"
            + (
                f" {r['template_alone_median_ms']} / {r['template_alone_min_ms']} |"
                if "template_alone_min_ms" in r
                else ""
            )
        )
    out = args.out
    out.write_text(json.dumps({"csm": csm, "account": account, "results": results}, indent=2))
    slow = [r for r in results if r["gated"] and r["median_ms"] > CEILING_MS]
    if slow:
        raise SystemExit(f"over {CEILING_MS} ms at the median: {slow}")


if __name__ == "__main__":
    main()
