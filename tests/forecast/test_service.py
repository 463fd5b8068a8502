"""The daily forecast on real books (SQLite and PostgreSQL): every open renewal's
likelihood and snapshot, reruns, owners' overrides (who may, what they change, how
accurate they were), the forecast's groups, retention from closed contracts and the
export's forecast fields."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from books import Books, Demo
from factories import CONTRACTS, write_book
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

import renewals.forecast.jobs  # noqa: F401  (registers forecast.snapshot in the daily run)
from renewals.audit.models import AuditEvent
from renewals.config import Settings
from renewals.contract.models import Contract
from renewals.db import session_scope
from renewals.errors import Forbidden, RenewalsError
from renewals.forecast import domain, service
from renewals.forecast.models import ForecastSnapshot
from renewals.fx import service as fx_service
from renewals.ingest.service import run_import
from renewals.policy import service as policy_service
from renewals.renewal import service as renewal_service
from renewals.renewal.export import CSV_COLUMNS, export_rows, to_csv
from renewals.renewal.models import Renewal
from renewals.scheduler import JobRun, run_all
from renewals.user import access
from renewals.user.models import User

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
RULE_ID = r"[A-Z]+-\d+: "


def run(engine: Engine, settings: Settings, day: date = TODAY) -> None:
    outcomes = run_all(engine, policy=POLICY, as_of=day, settings=settings)
    assert {o.status for o in outcomes} == {"ok"}, outcomes
    assert "forecast.snapshot" in [o.name for o in outcomes]


@pytest.fixture
def book(books: Books, engine: Engine, tmp_path: Path) -> tuple[Engine, Settings]:
    # The 120-account book (seed 7) imported and run on TODAY, every job "ok" (tests/books.py).
    books.copy(engine, tmp_path, Demo(120, seed=7, days=(TODAY,)))
    with session_scope(engine) as session:  # what run() checks: the forecast step ran
        ran = session.scalars(select(JobRun.name).where(JobRun.as_of == TODAY)).all()
    assert "forecast.snapshot" in ran
    settings = Settings(database_url=str(engine.url), data_dir=tmp_path / "data")
    return engine, settings


def snapshots(session: Session, day: date = TODAY) -> dict[str, ForecastSnapshot]:
    rows = session.scalars(select(ForecastSnapshot).where(ForecastSnapshot.as_of == day))
    return {s.renewal_id: s for s in rows}


def open_renewals(session: Session) -> dict[str, Renewal]:
    rows = session.scalars(select(Renewal).where(Renewal.stage.not_in(service.CLOSED_STAGES)))
    return {r.renewal_id: r for r in rows}


def test_every_open_renewal_gets_a_likelihood_and_a_snapshot_with_drivers(book) -> None:  # type: ignore[no-untyped-def]
    engine, _ = book
    with session_scope(engine) as session:
        renewals = open_renewals(session)
        snaps = snapshots(session)
        assert renewals and set(snaps) == set(renewals)
        for renewal_id, s in snaps.items():
            renewal = renewals[renewal_id]
            assert renewal.likelihood is not None and 0 <= renewal.likelihood <= 1
            assert s.likelihood == renewal.likelihood
            assert s.engine == "prior" and s.model_id is None  # no model trained
            assert s.drivers and all(re.match(RULE_ID, d["text"]) for d in s.drivers)
            assert s.category == domain.category(s.likelihood, POLICY.forecast.categories)
            expected = domain.expected_arr(s.likelihood, renewal.target_arr, renewal.current_arr)
            assert s.expected_arr == expected.amount
            assert (s.arr, s.target_arr) == (renewal.current_arr, renewal.target_arr)
            assert s.override_category is None and s.override_likelihood is None
        features = service.features_for_open(session, as_of=TODAY)
        assert [f.renewal_id for f in features] == sorted(
            renewals, key=lambda r: (renewals[r].renewal_date, r)
        )
        scored = [f for f in features if f.health_score is not None]
        assert scored and all(f.features for f in scored)  # HEALTH-1 features of the day


def test_a_rerun_of_the_day_replaces_the_snapshot(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings = book
    with session_scope(engine) as session:
        before = {
            k: (s.likelihood, s.category, s.expected_arr) for k, s in snapshots(session).items()
        }
    run(engine, settings)
    with session_scope(engine) as session:
        after = {
            k: (s.likelihood, s.category, s.expected_arr) for k, s in snapshots(session).items()
        }
        assert after == before
        assert session.scalar(select(func.count()).select_from(ForecastSnapshot)) == len(before)
        report = service.snapshot(session, POLICY, as_of=TODAY, data_dir=settings.data_dir)
        assert report.replaced == report.renewals == len(before)
        assert report.engine == "prior" and report.engine_reason.startswith("TECH-1")
        assert sum(report.categories.values()) == report.renewals
    # a later day adds its own snapshot and keeps the earlier one
    run(engine, settings, TODAY + timedelta(days=1))
    with session_scope(engine) as session:
        days = session.scalars(select(ForecastSnapshot.as_of).distinct()).all()
        assert sorted(days) == [TODAY, TODAY + timedelta(days=1)]


def _won_called(session: Session) -> tuple[Renewal, ForecastSnapshot]:
    snaps = snapshots(session)
    for renewal in sorted(open_renewals(session).values(), key=lambda r: r.renewal_id):
        s = snaps[renewal.renewal_id]
        if renewal.owner_email and s.category in ("commit", "probable"):
            return renewal, s
    raise AssertionError("no renewal the model calls won")


def _totals(session: Session, by: str = "segment") -> service.GroupForecast:
    return service.forecast(session, POLICY, as_of=TODAY, by=by).total


def test_an_owners_override_changes_the_figure_with_overrides_not_the_models(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings = book
    with session_scope(engine) as session:
        renewal, s = _won_called(session)
        owner = renewal.owner_email
        assert owner is not None
        before = _totals(session)
        assert before.expected_arr_with_overrides == before.expected_arr

        result = service.override(
            session,
            renewal.renewal_id,
            category="lost",
            reason="the champion left and the budget went to a competitor",
            by=owner,
            on=TODAY,
            policy=POLICY,
        )
        assert result.authority == "renewal owner"
        assert (result.model_category, result.effective.likelihood) == (s.category, 0.0)  # type: ignore[union-attr]
        after = _totals(session)
        # the model's figures stay; the owner's call takes this renewal's expected ARR out
        assert after.expected_arr == before.expected_arr
        assert after.categories == before.categories and after.at_risk_arr == before.at_risk_arr
        assert after.expected_arr_with_overrides == before.expected_arr - s.expected_arr
        assert after.at_risk_arr_with_overrides == before.at_risk_arr + s.arr
        assert after.overrides == 1
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == renewal.renewal_id)
        ).all()
        assert actions == ["forecast.override"]

        # a stranger (another CSM outside the owner's chain) may not; the owner's manager may
        stranger = session.scalars(
            select(User.email).where(User.role == "csm", User.email != owner, User.active)
        ).first()
        assert stranger is not None
        with pytest.raises(Forbidden, match="may not override"):
            service.override(
                session,
                renewal.renewal_id,
                category="commit",
                reason="I think so",
                by=stranger,
                on=TODAY,
                policy=POLICY,
            )
        manager = session.scalar(select(User.manager_email).where(User.email == owner))
        assert manager
        assert service.override(
            session,
            renewal.renewal_id,
            category="lost",
            likelihood=0.1,
            reason="agreed in the forecast call",
            by=manager,
            on=TODAY,
            policy=POLICY,
        ).authority.startswith(("manager of", "manager", "director", "vp", "executive"))
        with pytest.raises(RenewalsError, match="is at_risk, not probable"):
            service.override(
                session,
                renewal.renewal_id,
                category="probable",
                likelihood=0.5,
                reason="r",
                by=owner,
                on=TODAY,
                policy=POLICY,
            )
        with pytest.raises(RenewalsError, match="say why"):
            service.override(
                session,
                renewal.renewal_id,
                category="lost",
                reason=" ",
                by=owner,
                on=TODAY,
                policy=POLICY,
            )
        listed = service.list_overrides(session, as_of=TODAY)
        assert [(o.renewal_id, o.likelihood, o.in_force) for o in listed] == [
            (renewal.renewal_id, 0.1, True)
        ]
        assert len(service.list_overrides(session, as_of=TODAY, everything=True)) == 2

    # the next daily run keeps the call in force
    run(engine, settings)
    with session_scope(engine) as session:
        s = snapshots(session)[renewal.renewal_id]
        assert (s.override_category, s.override_likelihood) == ("lost", 0.1)
        service.clear_override(session, renewal.renewal_id, by=owner, on=TODAY, reason="back on")
        s = snapshots(session)[renewal.renewal_id]
        assert s.override_category is None
        total = _totals(session)
        assert total.expected_arr_with_overrides == total.expected_arr


def test_override_accuracy_compares_the_owners_call_with_the_models(book) -> None:  # type: ignore[no-untyped-def]
    engine, _ = book
    with session_scope(engine) as session:
        renewal, s = _won_called(session)
        service.override(
            session,
            renewal.renewal_id,
            category="at_risk",
            reason="usage fell off a cliff",
            by=renewal.owner_email or "",
            on=TODAY,
            policy=POLICY,
        )
        assert service.override_accuracy(session, as_of=TODAY).closed == 0
        # the customer churns the next day: the owner was right, the model was not
        session.execute(
            update(Contract)
            .where(Contract.contract_id == renewal.contract_id)
            .values(outcome="churned", outcome_arr=Decimal(0), closed_at=TODAY + timedelta(days=1))
        )
        renewal_service.sync(session, POLICY, as_of=TODAY + timedelta(days=1))
        assert renewal.outcome == "churned"
        with pytest.raises(RenewalsError, match="is closed"):
            service.override(
                session,
                renewal.renewal_id,
                category="lost",
                reason="r",
                by=renewal.owner_email or "",
                on=TODAY,
                policy=POLICY,
            )
        accuracy = service.override_accuracy(session, as_of=TODAY + timedelta(days=1))
        assert accuracy.closed == 1
        (judged,) = accuracy.renewals
        assert (judged.model_category, judged.override_category) == (s.category, "at_risk")
        assert (judged.model_right, judged.override_right) == (False, True)
        assert (accuracy.model_accuracy, accuracy.override_accuracy) == (0.0, 1.0)
        assert accuracy.disagreed == accuracy.override_right_when_disagreed == 1


FIELDS = (
    "renewals",
    "arr",
    "target_arr",
    "expected_arr",
    "expected_arr_with_overrides",
    "at_risk_arr",
    "at_risk_arr_with_overrides",
    "overrides",
)


def _sum(groups: list[service.GroupForecast]) -> dict[str, Any]:
    sums: dict[str, Any] = {f: sum(getattr(g, f) for g in groups) for f in FIELDS}
    for c in domain.CATEGORIES:
        sums[c] = (
            sum(g.categories[c].renewals for g in groups),
            sum(g.categories[c].arr for g in groups),
        )
    return sums


def test_the_forecast_groups_sum_to_the_total(book) -> None:  # type: ignore[no-untyped-def]
    engine, _ = book
    with session_scope(engine) as session:
        renewal, _s = _won_called(session)
        service.override(
            session,
            renewal.renewal_id,
            category="probable",
            likelihood=0.75,
            reason="procurement is slow",
            by=renewal.owner_email or "",
            on=TODAY,
            policy=POLICY,
        )
        snaps = snapshots(session)
        # TECH-5: the demo book has EUR and GBP renewals; the totals are in USD at the
        # rates of the forecast's day
        rates = fx_service.rate_table(session, POLICY)
        currency = dict(
            session.execute(select(Renewal.renewal_id, Renewal.currency)).tuples().all()
        )
        assert {"EUR", "GBP"} <= {currency[r] for r in snaps}

        def usd(s: ForecastSnapshot, amount: Decimal) -> Decimal:
            return Decimal(amount) * rates.rate(currency[s.renewal_id], TODAY)

        for by in service.GROUPINGS:
            report = service.forecast(session, POLICY, as_of=TODAY, by=by)
            total = report.total
            assert report.currency == "USD"
            assert _sum(report.groups) == _sum([total]), by
            assert total.renewals == len(snaps)
            assert total.expected_arr == sum(usd(s, s.expected_arr) for s in snaps.values())
            assert total.at_risk_arr == sum(
                usd(s, s.arr) for s in snaps.values() if s.category in ("at_risk", "lost")
            )
        by_segment = service.forecast(session, POLICY, as_of=TODAY, by="segment")
        assert [g.key for g in by_segment.groups] == ["enterprise", "mid_market", "smb"]
        assert by_segment.engines == {"prior": len(snaps)}
        # a later day reads the latest forecast before it; an earlier one has none
        later = service.forecast(session, POLICY, as_of=TODAY + timedelta(days=3), by="month")
        assert later.snapshot_as_of == TODAY
        assert all(len(g.key) == 7 for g in later.groups)  # "2027-01"
        window = service.forecast(session, POLICY, as_of=TODAY, by="quarter", days=90)
        assert 0 < window.total.renewals < total.renewals
        with pytest.raises(service.NoForecast, match="renewals run"):
            service.forecast(session, POLICY, as_of=TODAY - timedelta(days=1))
        # TECH-5: a scope's forecast counts the renewals its owners own (access.owned_by)
        owners = sorted({s.owner_email for s in snaps.values() if s.owner_email})[:2]
        team = access.Scope(everything=False, owners=frozenset(owners), read_everything=False)
        scoped = service.forecast(session, POLICY, as_of=TODAY, by="owner", scope=team)
        assert scoped.total.renewals == sum(s.owner_email in owners for s in snaps.values())
        assert 0 < scoped.total.renewals < total.renewals
        assert {g.key for g in scoped.groups} == set(owners)


def test_retention_on_the_book(book) -> None:  # type: ignore[no-untyped-def]
    engine, _ = book
    with session_scope(engine) as session:
        report = service.retention(session, POLICY, as_of=TODAY, quarters=8)
        assert [q.quarter.key for q in report.history][-1] == "2026-Q3"
        assert len(report.history) == 8
        for q in report.history:
            r = q.retention
            if r.contracts:
                assert r.grr is not None and r.nrr is not None
                assert 0 <= r.grr <= 1 and r.nrr >= r.grr  # expansion only adds to NRR
        last4 = report.history[-4:]
        assert report.trailing.starting_arr == sum(q.retention.starting_arr for q in last4)
        assert report.trailing.ending_arr == sum(q.retention.ending_arr for q in last4)
        assert report.break_even.starting_arr == report.trailing.starting_arr
        assert [q.quarter.key for q in report.forward] == ["2026-Q4", "2027-Q1"]
        assert report.forward[1].expected.open > 0
        assert report.trailing_against.target == POLICY.forecast.target_nrr_rate


def test_the_export_carries_the_forecast_category_and_expected_arr(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings = book
    with session_scope(engine) as session:
        snaps = snapshots(session)
        rows = export_rows(session, as_of=TODAY, policy=POLICY)
        assert rows and {r["renewal_id"] for r in rows} == set(snaps)
        for row in rows:
            s = snaps[row["renewal_id"]]
            assert row["forecast_category"] == s.category
            assert row["expected_arr"] == float(s.expected_arr)
            assert row["likelihood"] == s.likelihood
        # the day before the first forecast there is none
        earlier = export_rows(session, as_of=TODAY - timedelta(days=1), policy=POLICY)
        assert {(r["forecast_category"], r["expected_arr"]) for r in earlier} == {(None, None)}
        # a renewal missing from the latest forecast carries its own latest one
        tomorrow = TODAY + timedelta(days=1)
        service.snapshot(session, POLICY, as_of=tomorrow, data_dir=settings.data_dir)
        gone = rows[0]["renewal_id"]
        session.execute(
            delete(ForecastSnapshot).where(
                ForecastSnapshot.as_of == tomorrow, ForecastSnapshot.renewal_id == gone
            )
        )
        later = {r["renewal_id"]: r for r in export_rows(session, as_of=tomorrow, policy=POLICY)}
        assert later[gone]["forecast_category"] == rows[0]["forecast_category"]
        assert later[gone]["expected_arr"] == rows[0]["expected_arr"]
    assert {"forecast_category", "expected_arr"} <= set(CSV_COLUMNS)
    header, first = to_csv(rows).splitlines()[:2]
    assert "forecast_category,expected_arr" in header
    assert rows[0]["forecast_category"] in first


# --- the six accounts, imported --------------------------------------------------------------


def contract(
    contract_id: str, account: str, end: str, arr: int, outcome: str, out: int, closed: str
) -> dict[str, str]:
    start = date.fromisoformat(end) - timedelta(days=365)
    return {
        **CONTRACTS[0],
        "contract_id": contract_id,
        "account_id": account,
        "start_date": start.isoformat(),
        "end_date": end,
        "arr": str(arr),
        "outcome": outcome,
        "outcome_arr": str(out),
        "closed_at": closed,
        "close_reason": "",
    }


SIX = [
    # 2026-Q2 (the six accounts of test_domain, over the three personas)
    contract("acme-a", "acme", "2026-04-15", 100_000, "renewed", 100_000, "2026-04-01"),
    contract("acme-b", "acme", "2026-05-01", 50_000, "expanded", 60_000, "2026-04-20"),
    contract("globex-a", "globex", "2026-05-20", 40_000, "downgraded", 30_000, "2026-05-10"),
    contract("globex-b", "globex", "2026-06-01", 20_000, "churned", 0, "2026-05-25"),
    contract("initech-a", "initech", "2026-06-10", 10_000, "renewed", 10_000, "2026-06-10"),
    contract("initech-b", "initech", "2026-06-30", 30_000, "expanded", 45_000, "2026-06-15"),
    # 2026-Q3: decided only after TODAY (recorded on 2026-12-01)
    contract("initech-c", "initech", "2026-09-30", 8_000, "renewed", 8_000, "2026-12-01"),
]


def test_retention_of_the_six_accounts_imported(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    open_contracts = [c for c in CONTRACTS if not c["outcome"]]
    run_import(
        engine, write_book(tmp_path / "book", contracts=SIX + open_contracts), data_dir=data_dir
    )
    settings = Settings(database_url=str(engine.url), data_dir=data_dir)
    run(engine, settings)
    with session_scope(engine) as session:
        report = service.retention(session, POLICY, as_of=TODAY, quarters=2)
        q2, q3 = report.history
        assert (q2.quarter.key, q3.quarter.key) == ("2026-Q2", "2026-Q3")
        r = q2.retention
        # as in test_domain: start 250,000; GRR 220/250; NRR 245/250; 5 of 6 renewed
        assert (r.starting_arr, r.retained_arr, r.ending_arr) == (
            Decimal(250_000),
            Decimal(220_000),
            Decimal(245_000),
        )
        assert (r.grr, r.nrr, r.renewal_rate_count, r.renewal_rate_arr) == (
            0.88,
            0.98,
            5 / 6,
            0.92,  # the original ARR of those who stayed: 230 / 250
        )
        assert q2.against.met is True
        # initech-c was recorded after TODAY: undecided as of TODAY, counted a week later
        assert (q3.retention.contracts, q3.retention.undecided) == (0, 1)
        later = service.retention(session, POLICY, as_of=date(2026, 12, 2), quarters=2)
        assert later.history[-1].retention.contracts == 1
        # the trailing four quarters hold only these seven: the break-even of the six
        assert report.break_even.needed_share == 0.02
        assert report.break_even.needed_share_at_renewal_rate == 0.12
        # the next quarter: acme (200,000 on 2027-01-01) and initech (6,000 on 2027-02-01)
        # at their likelihood, from the day's forecast
        snaps = snapshots(session)
        nxt = report.forward[1].expected
        assert (nxt.closed, nxt.open, nxt.starting_arr) == (0, 2, Decimal(206_000))
        assert nxt.expected_ending_arr == sum(
            s.expected_arr
            for s in snaps.values()
            if s.renewal_date.year == 2027 and s.renewal_date.month < 4
        )
