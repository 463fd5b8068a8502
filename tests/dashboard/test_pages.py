"""Role dashboards (TECH-5) on a generated book after the daily run: what each role sees,
numbers that match the services, the 403s, sorting, paging and CSV export."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from books import Books
from dashboard.book import PASSWORD, POLICY, TODAY, built_book, client_for, people
from factories import set_password
from sqlalchemy import Engine, delete, select

from renewals.account.models import Account
from renewals.config import Settings
from renewals.db import session_scope
from renewals.forecast import service as forecast_service
from renewals.forecast.models import ModelRun
from renewals.kit.time import utc_now
from renewals.renewal.models import Renewal
from renewals.signal.models import Signal
from renewals.user.models import User

WINDOW_END = TODAY + timedelta(days=POLICY.run.renewal_window_days)


@pytest.fixture
def book(books: Books, engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    policy = tmp_path / "policy.toml"
    policy.write_text("[web]\npage_size = 5               # TECH-5: small pages to test paging\n")
    settings = built_book(books, engine, tmp_path, policy_file=policy)
    return engine, settings, people(engine)


def _open_renewals(engine: Engine, owner: str) -> list[Renewal]:
    with session_scope(engine) as session:
        rows = session.scalars(
            select(Renewal).where(
                Renewal.owner_email == owner, Renewal.stage.not_in(("closed_won", "closed_lost"))
            )
        ).all()
        session.expunge_all()
        return list(rows)


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csm_home_shows_their_renewals_pipeline_and_risk(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings, who = book
    client, _ = client_for(settings, who.csm)
    mine = _open_renewals(engine, who.csm)
    in_window = [r for r in mine if r.renewal_date <= WINDOW_END]
    at_risk = [r for r in mine if r.opportunity_type == "at_risk"]
    assert in_window and at_risk

    page = client.get(f"/home?as_of={TODAY}")
    assert page.status_code == 200
    html = page.text
    assert f'>{len(in_window)}</div><div class="label">renewals in the next 90 days' in html
    assert (
        f'>{len(at_risk) and sum(r.renewal_date <= WINDOW_END for r in at_risk)}</div><div class="label">at risk'
        in html
    )
    # Paged by the policy's page_size (5), with the total.
    assert f"{len(in_window):,} rows" in html or len(in_window) <= 5
    # The pipeline chart is a Chart.js spec with titled axes, counts per stage as stored.
    spec = json.loads(
        re.search(r"data-chart='([^']+)'", html)
        .group(1)
        .replace("&#34;", '"')
        .replace("&amp;", "&")
    )
    stages = spec["data"]["labels"]
    counts = dict(zip(stages, spec["data"]["datasets"][2]["data"], strict=True))
    for stage, n in counts.items():
        assert n == sum(r.stage == stage for r in mine)
    assert spec["options"]["scales"]["x"]["title"]["text"].startswith("Stage")

    # CSV: every renewal in the window, not one page; nobody else's.
    rows = _csv(client.get(f"/home?as_of={TODAY}&csv=renewals").text)
    assert {r["renewal_id"] for r in rows} == {r.renewal_id for r in in_window}
    assert {r["owner"] for r in rows} == {who.csm}
    risky = _csv(client.get(f"/home?as_of={TODAY}&csv=at_risk").text)
    assert {r["renewal_id"] for r in risky} == {r.renewal_id for r in at_risk}

    # Sorted by ARR, largest first: the first row is the largest renewal.
    sorted_page = client.get(f"/home?as_of={TODAY}&renewals_sort=arr&renewals_desc=1").text
    biggest = max(in_window, key=lambda r: r.current_arr)
    table = sorted_page.split('id="t-renewals"')[1]
    first = re.search(r'<a href="/accounts/([^"]+)">', table).group(1)
    assert first == biggest.account_id
    # An unknown sort column is a 422 naming the field, as on every list (issue 14).
    assert client.get(f"/home?as_of={TODAY}&renewals_sort=nope").status_code == 422
    assert client.get(f"/home?as_of={TODAY}&csv=nope").status_code == 400
    assert client.get("/home?as_of=yesterday").status_code == 422

    # Another CSM's accounts are not on this home page.
    others = _open_renewals(engine, who.other_csm)
    with session_scope(engine) as session:
        other_names = {session.get(Account, r.account_id).name for r in others}
        my_names = {session.get(Account, r.account_id).name for r in mine}
    assert not any(f">{n}</a>" in html for n in other_names - my_names)


def test_manager_and_executive_pages_are_for_their_roles(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings, who = book
    csm, _ = client_for(settings, who.csm)
    assert csm.get("/manager").status_code == 403
    assert "TECH-5" in csm.get("/executive").text
    assert csm.get("/executive").status_code == 403
    manager, _ = client_for(settings, who.manager)
    assert manager.get(f"/executive?as_of={TODAY}").status_code == 403
    page = manager.get(f"/manager?as_of={TODAY}")
    assert page.status_code == 200

    # The team forecast is the forecast service's, by owner, for the team only.
    with session_scope(engine) as session:
        report = forecast_service.forecast(
            session, POLICY, as_of=TODAY, by="owner", days=POLICY.run.renewal_window_days
        )
        team = {
            e for e in session.scalars(select(User.email).where(User.manager_email == who.manager))
        } | {who.manager}
    rows = _csv(manager.get(f"/manager?as_of={TODAY}&csv=forecast").text)
    expected = {g.key: g for g in report.groups if g.key in team}
    assert {r["owner"] for r in rows} == set(expected)
    for r in rows:
        assert float(r["expected_arr"]) == pytest.approx(float(expected[r["owner"]].expected_arr))
        assert int(r["renewals"]) == expected[r["owner"]].renewals

    # Alert noise (issue 16): per team owner, this week's new signals on their accounts.
    assert "Alert noise" in page.text
    noise = _csv(manager.get(f"/manager?as_of={TODAY}&csv=noise").text)
    assert noise and {r["owner"] for r in noise} & team
    # An alert: an account x kind first raised this week, dated this week, high severity
    # (dashboard.alert_noise_days, dashboard.alert_min_severity; SIG-0).
    since = TODAY - timedelta(days=POLICY.dashboard.alert_noise_days - 1)
    with session_scope(engine) as session:
        for r in noise:
            pairs = session.execute(
                select(Signal.account_id, Signal.kind)
                .join(Account, Account.account_id == Signal.account_id)
                .where(
                    Account.owner_email == r["owner"],
                    Signal.first_seen_on >= since,
                    Signal.first_seen_on <= TODAY,
                    Signal.source_date >= since,
                    Signal.severity == "high",
                )
                .distinct()
            ).all()
            assert int(r["alerts"]) == len(pairs)
            assert int(r["accounts_acted_on"]) <= int(r["accounts"])

    # Completion rates: done / due per owner, the same counts as the task table. Day one
    # has nothing due yet (issue 16: catch-up tasks instead of overdue ones), so a week on.
    week = TODAY + timedelta(days=7)
    completion = _csv(manager.get(f"/manager?as_of={week}&csv=completion").text)
    assert completion and {r["owner"] for r in completion} <= team
    for r in completion:
        due, done = int(r["tasks_due"]), int(r["done"])
        assert float(r["completion_rate"] or 0) == pytest.approx(done / due if due else 0)

    # Stalled renewals carry their reasons with rule IDs.
    stalled = _csv(manager.get(f"/manager?as_of={week}&csv=stalled").text)
    assert stalled, "a week on, the book's catch-up and path tasks are overdue"
    for r in stalled:
        assert re.search(r"(LEARN-2|TIME-4|TIME-5):", r["reasons"])
        assert r["owner"] in team

    director, _ = client_for(settings, who.director)
    executive = director.get(f"/executive?as_of={TODAY}")
    assert executive.status_code == 200
    assert "forecast.target_nrr_rate" in executive.text
    # issue 17: published accuracy, from the last trained model's hold-out
    assert "How accurate are health and likelihood?" in executive.text
    assert "Not measured yet" in executive.text
    score = {
        "auc": 0.812,
        "brier": 0.0712,
        "top_decile_lift": 3.4,
        "calibrated_bins": 4,
        "judged_bins": 5,
    }
    with session_scope(engine) as session:
        session.add(
            ModelRun(
                trained_at=utc_now(),
                as_of=TODAY,
                kind="logistic",
                lead_days=90,
                n_train=300,
                n_test=100,
                features=[],
                path="",
                checksum="",
                status="active",
                metrics={
                    "n_test": 100,
                    "split_date": "2026-06-01",
                    "test_to": "2026-11-20",
                    "learned": score,
                    "prior": {**score, "auc": 0.701},
                    "health": {
                        "n": 100,
                        "scored": 100,
                        "auc": 0.777,
                        "top_decile_lift": 2.5,
                        "by_category": {"red": {"renewals": 9, "churn_rate": 0.4}},
                    },
                },
            )
        )
    measured = director.get(f"/executive?as_of={TODAY}").text
    assert "0.812" in measured and "0.701" in measured and "0.777" in measured
    assert "red 40.0% (9)" in measured
    with session_scope(engine) as session:
        session.execute(delete(ModelRun))
    with session_scope(engine) as session:
        retention = forecast_service.retention(
            session, POLICY, as_of=TODAY, quarters=POLICY.dashboard.trend_quarters
        )
    trend = _csv(director.get(f"/executive?as_of={TODAY}&csv=trend").text)
    assert [r["period"] for r in trend] == [q.quarter.key for q in retention.history]
    for row, q in zip(trend, retention.history, strict=True):
        assert int(row["closed"]) == q.retention.contracts
    monthly = _csv(director.get(f"/executive?as_of={TODAY}&trend=month&csv=trend").text)
    assert len(monthly) == POLICY.dashboard.trend_months
    wins = _csv(director.get(f"/executive?as_of={TODAY}&csv=wins").text)
    losses = _csv(director.get(f"/executive?as_of={TODAY}&csv=losses").text)
    assert wins and losses
    assert [float(r["won_arr"]) for r in wins] == sorted(
        (float(r["won_arr"]) for r in wins), reverse=True
    )
    assert all(r["outcome"] in ("churned", "downgraded") for r in losses)


def test_an_empty_book_explains_what_to_do(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path / "data",
        secret_key="page-tests",
    )
    with session_scope(engine) as session:
        user = User(email="nora@example.com", name="Nora", role="csm", active=True)
        session.add(user)
        set_password(session, user, PASSWORD)
    client, _ = client_for(settings, "nora@example.com")
    html = client.get("/home").text
    assert "No renewals in the next 90 days" in html
    assert "renewals import" in html and "renewals run" in html


def _figures(html: str) -> str:
    """A page without what differs between two signed-in clients (CSRF tokens)."""
    return re.sub(r'(csrf[-_a-z]*"?\s*(?:value)?=")[^"]+', r"\1", html)


def test_the_daily_run_computes_the_book_figures_for_every_server_process(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    """Issue 23: the run's last step (dashboard.figures) stores the manager and executive
    pages' book-wide figures, so a server process's first visit reads them instead of
    computing them (a team opening the app after the run waits for no one); the pages are
    the ones computed from scratch; a person's action makes them be computed again."""
    # The server shares the run's secret: the data directory's secret.key (no
    # RENEWALS_SECRET_KEY), as `renewals run` and `renewals serve` on one machine do.
    settings = built_book(books, engine, tmp_path).model_copy(update={"secret_key": None})
    assert (tmp_path / "data" / "secret.key").exists()
    who = people(engine)
    with session_scope(engine) as session:
        executive = session.scalar(select(User.email).where(User.role == "executive"))
        set_password(session, session.get(User, executive), PASSWORD)
    manager, _ = client_for(settings, who.manager)
    boss, _ = client_for(settings, executive)
    team = manager.get(f"/manager?as_of={TODAY}")
    book = boss.get(f"/executive?as_of={TODAY}")
    assert team.status_code == book.status_code == 200
    # forecast by owner, stage stalls, win/loss; retention, forecast by segment: read, not computed
    assert manager.app.state.page_cache.stats.shared_hits == 3  # type: ignore[attr-defined]
    assert boss.app.state.page_cache.stats.shared_hits == 2  # type: ignore[attr-defined]

    # A server with another secret never reads the run's figures: it computes its own.
    stranger, _ = client_for(settings.model_copy(update={"secret_key": "another"}), who.manager)
    assert stranger.get(f"/manager?as_of={TODAY}").status_code == 200
    assert stranger.app.state.page_cache.stats.shared_hits == 0  # type: ignore[attr-defined]

    fresh = settings.model_copy(update={"dashboard_cache_seconds": 0})
    manager_fresh, _ = client_for(fresh, who.manager)
    boss_fresh, _ = client_for(fresh, executive)
    assert _figures(manager_fresh.get(f"/manager?as_of={TODAY}").text) == _figures(team.text)
    assert _figures(boss_fresh.get(f"/executive?as_of={TODAY}").text) == _figures(book.text)

    with session_scope(engine) as session:  # a person's action: the day's figures are stale
        session.get(User, who.csm).name = "Renamed CSM"  # type: ignore[union-attr]
    again, _ = client_for(settings, who.manager)
    assert again.get(f"/manager?as_of={TODAY}").status_code == 200
    stats = again.app.state.page_cache.stats  # type: ignore[attr-defined]
    assert stats.shared_hits == 0 and stats.misses >= 4
    # A table of computed rows (the team forecast) refuses an unknown sort with a 422 too.
    refused = again.get(f"/manager?as_of={TODAY}&forecast_sort=nope")
    assert refused.status_code == 422 and "forecast_sort" in refused.text
