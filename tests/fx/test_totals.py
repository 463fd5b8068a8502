"""Every total on the dashboards, the forecast, win/loss and the quarterly review is in
the reporting currency (issue 19, TECH-5): a book with USD, EUR and GBP contracts, open
and closed, after the daily run; each total equals the sum converted by hand at the rate
of its date, and a missing rate is an error naming the currency and the date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from factories import CONTRACTS, write_book
from sqlalchemy import Engine, select

from renewals.config import Settings
from renewals.contract.models import Contract
from renewals.dashboard import service as dashboard
from renewals.db import session_scope
from renewals.forecast import service as forecast_service
from renewals.fx import service as fx_service
from renewals.fx.domain import MissingRate, RateTable
from renewals.fx.models import FxRate
from renewals.ingest.service import run_import
from renewals.kit.calendar import quarter_of
from renewals.policy import service as policy_service
from renewals.renewal import service as renewal_service
from renewals.review import service as review_service
from renewals.scheduler import run_all
from renewals.user.models import User
from renewals.winloss import service as winloss_service

AS_OF = date(2026, 11, 24)
POLICY = policy_service.load()
# Rates that change on 2026-07-01, so that a contract closed before converts differently
# from the open book (USD per unit; made up for the test).
EARLY = {"EUR": Decimal("1.10"), "GBP": Decimal("1.25")}
LATE = {"EUR": Decimal("1.20"), "GBP": Decimal("1.30")}
CHANGE = date(2026, 7, 1)


def _usd(amount: str | Decimal, currency: str, day: date) -> Decimal:
    """The hand conversion: at EARLY before CHANGE, LATE from it on."""
    if currency == "USD":
        return Decimal(amount)
    return Decimal(amount) * (EARLY if day < CHANGE else LATE)[currency]


# (account, contract, currency, ARR, end date, outcome, outcome ARR, closed on)
ROWS = [
    ("acme", "acme-2025", "USD", "100000", "2026-03-01", "expanded", "120000", "2026-02-20"),
    ("acme", "acme-2026", "USD", "120000", "2027-01-15", "", "", ""),
    ("globex", "globex-2025", "EUR", "40000", "2026-04-01", "churned", "0", "2026-03-25"),
    ("globex", "globex-2026", "EUR", "50000", "2027-01-20", "", "", ""),
    ("initech", "initech-2025", "GBP", "30000", "2026-05-01", "downgraded", "24000", "2026-04-28"),
    ("initech", "initech-2026", "GBP", "36000", "2027-01-25", "", "", ""),
]


def _book(tmp_path: Path, *, drop: str | None = None) -> Path:
    template = CONTRACTS[0]
    contracts = []
    for account, cid, currency, arr, end, outcome, outcome_arr, closed in ROWS:
        year = int(end[:4]) - 1
        contracts.append(
            {
                **template,
                "contract_id": cid,
                "account_id": account,
                "start_date": f"{year}{end[4:]}",
                "end_date": end,
                "arr": arr,
                "currency": currency,
                "outcome": outcome,
                "outcome_arr": outcome_arr,
                "closed_at": closed,
                "close_reason": "test" if outcome else "",
            }
        )
    directory = write_book(tmp_path / "book", contracts=contracts)
    lines = ["date,currency,rate"]
    day = date(2025, 1, 1)
    while day <= date(2027, 12, 31):
        for code in ("EUR", "GBP"):
            if code != drop:
                rate = (EARLY if day < CHANGE else LATE)[code]
                lines.append(f"{day.isoformat()},{code},{rate}")
        day = date.fromordinal(day.toordinal() + 1)
    (directory / "fx_rates.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


@pytest.fixture
def book(engine: Engine, tmp_path: Path) -> Engine:
    run_import(engine, _book(tmp_path), data_dir=tmp_path / "data")
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path / "data",
    )
    outcomes = run_all(engine, policy=POLICY, as_of=AS_OF, settings=settings)
    assert {o.status for o in outcomes} == {"ok"}, outcomes
    return engine


def _open() -> list[tuple[str, str, str]]:
    return [(cid, cur, arr) for _, cid, cur, arr, _, outcome, _, _ in ROWS if not outcome]


def test_the_rate_table_converts_each_currency_group_then_adds() -> None:
    rates = RateTable.build(
        "USD",
        7,
        [("EUR", AS_OF, Decimal("1.2")), ("GBP", AS_OF, Decimal("1.3"))],
    )
    rows: list[tuple[str, str, Any]] = [
        ("won", "EUR", Decimal("100")),
        ("won", "USD", 50),
        ("lost", "GBP", "10"),
        ("won", "eur", None),  # an empty SUM
    ]
    assert rates.totals(rows, AS_OF) == {"won": Decimal("170.0"), "lost": Decimal("13.0")}
    assert rates.total([("EUR", 100), ("GBP", 10), ("USD", 1)], AS_OF) == Decimal("134.0")
    with pytest.raises(MissingRate, match="no EUR->USD rate for 2026-12-02"):
        rates.total([("EUR", 1)], date(2026, 12, 2))
    assert rates.day_for(date(2027, 1, 1), AS_OF) == AS_OF


def test_every_total_is_in_the_reporting_currency(book: Engine) -> None:
    open_usd = sum(_usd(arr, cur, AS_OF) for _, cur, arr in _open())
    # 120,000 + 50,000 x 1.20 + 36,000 x 1.30
    assert open_usd == Decimal("226800")
    with session_scope(book) as session:
        # the forecast: per renewal at the rate of the forecast's day
        report = forecast_service.forecast(session, POLICY, as_of=AS_OF, by="segment")
        assert report.currency == "USD" and report.total.renewals == 3
        assert report.total.arr == open_usd
        assert sum(g.arr for g in report.groups) == open_usd
        assert any("converted at the rates of 2026-11-24" in r for r in report.reasons)

        # the retention trend: each closed contract at the rate of its renewal date
        retention = forecast_service.retention(session, POLICY, as_of=AS_OF, quarters=4)
        assert retention.currency == "USD"
        starting = sum(
            (
                _usd(arr, cur, date.fromisoformat(end))
                for _, _, cur, arr, end, outcome, _, _ in ROWS
                if outcome
            ),
            Decimal(0),
        )
        # 100,000 + 40,000 x 1.10 + 30,000 x 1.25
        assert starting == Decimal("181500")
        assert retention.trailing.starting_arr == starting
        # NRR: 120,000 + 0 + 24,000 x 1.25 over the start
        assert retention.trailing.ending_arr == Decimal("150000")
        assert retention.trailing.nrr == pytest.approx(150000 / 181500)

        # `renewals status`: the renewals due in the window by stage and opportunity type
        rates = fx_service.rate_table(session, POLICY)
        due = renewal_service.pipeline(session, as_of=AS_OF, window_days=90, rates=rates)
        assert due is not None
        assert sum(Decimal(str(a)) for _, a in due.by_stage.values()) == open_usd
        assert sum(Decimal(str(a)) for _, a in due.by_opportunity.values()) == open_usd

        # the CSM home (all three renewals are in carl's book and the window)
        carl = session.get(User, "carl@renewals.example")
        assert carl is not None
        home = dashboard.home(session, carl, POLICY, as_of=AS_OF)
        assert home.currency == "USD"
        assert Decimal(str(home.kpis["arr_in_window"])) == open_usd
        assert Decimal(str(sum(s.arr for s in home.pipeline))) == open_usd

        # the manager's team view
        mia = session.get(User, "mia@renewals.example")
        assert mia is not None
        manager = dashboard.manager(session, mia, POLICY, as_of=AS_OF)
        assert manager.currency == "USD"
        assert Decimal(str(manager.kpis["arr"])) == open_usd
        _, facts = dashboard.manager_specs(session, mia, POLICY, as_of=AS_OF)
        assert Decimal(str(sum(d["arr"] for d in facts["risks"]))) == open_usd

        # the executive view: the segments' open ARR and the monthly trend
        vera = session.get(User, "vera@renewals.example")
        assert vera is not None
        executive = dashboard.executive(session, vera, POLICY, as_of=AS_OF, trend_by="month")
        assert executive.currency == "USD"
        assert Decimal(str(sum(r["arr"] or 0 for r in executive.segments))) == open_usd
        march = next(p for p in executive.trend if p.period == "2026-03")
        assert march.retention.starting_arr == Decimal("100000")
        april = next(p for p in executive.trend if p.period == "2026-04")
        assert april.retention.starting_arr == Decimal("44000.00")  # 40,000 EUR x 1.10

        # win/loss: ARR lost = the churned EUR contract + what the GBP downgrade gave up
        lost = _usd("40000", "EUR", date(2026, 4, 1)) + _usd("6000", "GBP", date(2026, 5, 1))
        wl = winloss_service.report(session, POLICY, as_of=AS_OF)
        assert wl.currency == "USD"
        assert Decimal(str(wl.arr_lost)) == lost == Decimal("51500")

        # the quarterly review of Q2 2026 (the EUR and GBP decisions)
        review = review_service.review(session, POLICY, quarter=quarter_of(AS_OF), as_of=AS_OF)
        assert review.currency == "USD"
        due = {o.quarter: Decimal(str(o.arr_due)) for o in review.outcomes}
        assert sum(due.values()) == starting


def test_a_missing_rate_stops_the_totals_naming_currency_and_date(book: Engine) -> None:
    with session_scope(book) as session:
        session.execute(FxRate.__table__.delete().where(FxRate.currency == "GBP"))
        gbp = session.scalars(select(Contract).where(Contract.currency == "GBP")).all()
        assert gbp
        with pytest.raises(MissingRate, match="no GBP->USD rate for 2026-11-24"):
            forecast_service.forecast(session, POLICY, as_of=AS_OF, by="segment")
        mia = session.get(User, "mia@renewals.example")
        assert mia is not None
        with pytest.raises(MissingRate, match="GBP"):
            dashboard.manager(session, mia, POLICY, as_of=AS_OF)
        with pytest.raises(MissingRate, match=r"no GBP->USD rate for 2026-(05-01|11-24)"):
            forecast_service.retention(session, POLICY, as_of=AS_OF, quarters=4)
