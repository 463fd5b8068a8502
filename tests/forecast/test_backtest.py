"""The backtest (TECH-1, LEARN-2): the arithmetic on hand-made rows, a tiny imported book
checked to the dollar, the learned path trained only on what had closed, and a small
generated book (quarters, incomplete quarters, MAPE, category sums)."""

from __future__ import annotations

import sys
import types
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from statistics import fmean
from typing import Any

import factories
import pytest
from books import Books, Demo
from sqlalchemy import Engine

import renewals.forecast
from renewals.db import session_scope
from renewals.errors import RenewalsError
from renewals.forecast import backtest as bt
from renewals.forecast.backtest import Due, Quarter, Replayed
from renewals.forecast.engine import Prediction, RenewalFeatures
from renewals.ingest.service import run_import
from renewals.policy import service as policy_service

POLICY = policy_service.load()
TODAY = date(2026, 11, 24)
Q1 = Quarter(date(2026, 1, 1), date(2026, 3, 31))


def row(arr: float, likelihood: float, outcome: str | None, out: float | None = None) -> Replayed:
    due = Due(f"c{arr}{outcome}", "a", date(2026, 2, 1), arr, outcome, out)
    category = bt.forecast_category(likelihood, POLICY.forecast.categories)
    return Replayed(due, likelihood, "green", category)


class TestQuarters:
    def test_it_takes_the_quarters_that_start_in_the_range(self) -> None:
        quarters = bt.quarters_between(date(2025, 10, 1), date(2026, 9, 30))
        assert [q.key for q in quarters] == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
        assert quarters[0] == Quarter(date(2025, 10, 1), date(2025, 12, 31))
        assert quarters[-1].end == date(2026, 9, 30)

    def test_a_quarter_starting_before_the_range_is_left_out(self) -> None:
        quarters = bt.quarters_between(date(2025, 10, 2), date(2026, 1, 1))
        assert [q.key for q in quarters] == ["2026-Q1"]
        assert bt.quarters_between(date(2026, 1, 2), date(2026, 3, 31)) == []


class TestArithmetic:
    def test_forecast_actual_error_and_ape_exactly(self) -> None:
        rows = [
            row(100_000, 0.9, "renewed", 100_000),
            row(50_000, 0.5, "churned", 0),
            row(10_000, 0.8, "downgraded", 6_000),  # retained: counts at its contract ARR
            row(20_000, 0.95, "expanded", 30_000),
        ]
        q = bt.quarter_result(Q1, rows, engine="prior")
        assert q.complete and q.renewals == 4 and q.closed == 4
        assert q.forecast_arr == pytest.approx(90_000 + 25_000 + 8_000 + 19_000)
        assert q.actual_arr == 130_000
        assert q.booked_arr == 136_000
        assert q.error == pytest.approx(12_000)
        assert q.ape == pytest.approx(12_000 / 130_000)

    def test_an_open_renewal_makes_the_quarter_incomplete(self) -> None:
        q = bt.quarter_result(Q1, [row(100, 0.9, "renewed"), row(50, 0.5, None)], engine="prior")
        assert not q.complete and q.closed == 1
        assert q.actual_arr is None and q.error is None and q.ape is None
        assert q.forecast_arr == pytest.approx(115)

    def test_mape_is_the_mean_ape_of_the_complete_quarters(self) -> None:
        a = bt.quarter_result(Q1, [row(100, 0.9, "renewed")], engine="prior")  # 10%
        b = bt.quarter_result(Q1, [row(100, 0.5, "renewed"), row(100, 0.5, "renewed")], engine="p")
        c = bt.quarter_result(Q1, [row(100, 0.9, None)], engine="prior")
        assert bt.mape([a, b, c]) == pytest.approx((0.1 + 0.5) / 2)
        assert bt.mape([c]) is None

    def test_category_accuracy_counts_each_renewal_once(self) -> None:
        rows = [row(100, 0.95, "renewed"), row(100, 0.92, "churned"), row(100, 0.2, "churned")]
        table = bt.category_accuracy(rows, by="forecast_category", order=bt.FORECAST_CATEGORIES)
        assert [(c.category, c.renewals, c.retained) for c in table] == [
            ("commit", 2, 1),
            ("lost", 1, 0),
        ]
        assert table[0].renewal_rate == 0.5 and table[1].churn_rate == 1.0
        assert table[0].mean_likelihood == pytest.approx(0.935)

    def test_forecast_categories_follow_the_policy_thresholds(self) -> None:
        c = POLICY.forecast.categories
        assert bt.forecast_category(c.commit, c) == "commit"
        assert bt.forecast_category(c.probable, c) == "probable"
        assert bt.forecast_category(c.at_risk, c) == "at_risk"
        assert bt.forecast_category(c.at_risk - 0.01, c) == "lost"


def contract(
    cid: str,
    account: str,
    start: str,
    end: str,
    arr: int,
    outcome: str = "",
    out: int | str = "",
    closed: str = "",
) -> dict[str, str]:
    return {
        **factories.CONTRACTS[0],
        "contract_id": cid,
        "account_id": account,
        "start_date": start,
        "end_date": end,
        "arr": str(arr),
        "outcome": outcome,
        "outcome_arr": str(out),
        "closed_at": closed,
        "close_reason": "",
        "competitor": "",
    }


TINY = [
    contract(
        "acme-2025", "acme", "2025-02-01", "2026-02-01", 100_000, "renewed", 100_000, "2026-01-20"
    ),
    contract("acme-2026", "acme", "2026-02-01", "2027-02-01", 100_000),
    contract(
        "globex-2025", "globex", "2025-03-01", "2026-03-01", 50_000, "churned", 0, "2026-02-20"
    ),
    contract(
        "initech-2025",
        "initech",
        "2025-02-15",
        "2026-02-15",
        10_000,
        "downgraded",
        6_000,
        "2026-02-10",
    ),
    contract(
        "initech-2026", "initech", "2026-02-15", "2026-05-15", 6_000, "renewed", 6_000, "2026-05-10"
    ),
    # started after 2026-04-01: did not exist when Q2 was forecast
    contract(
        "initech-trial", "initech", "2026-04-10", "2026-06-10", 900, "renewed", 900, "2026-06-01"
    ),
    contract("initech-2026b", "initech", "2026-05-15", "2026-08-15", 6_000),
]
TICKETS = [
    *factories.TICKETS,
    {  # before Q1: a budget remark the replay of Q1 may read
        **factories.TICKETS[0],
        "ticket_id": "t3",
        "opened_at": "2025-12-01T09:00:00",
        "closed_at": "2025-12-02T09:00:00",
        "subject": "Budget",
        "body": "Wir müssen Kosten senken.",
        "satisfaction": "",
    },
    {  # after Q1 began: must not be seen by its replay
        **factories.TICKETS[0],
        "ticket_id": "t4",
        "account_id": "acme",
        "opened_at": "2026-01-15T09:00:00",
        "closed_at": "2026-01-16T09:00:00",
        "subject": "Switching",
        "body": "We are evaluating Gainway instead.",
        "satisfaction": "",
    },
]


@pytest.fixture
def tiny(engine: Engine, tmp_path: Path) -> tuple[Engine, Path]:
    book = factories.write_book(
        tmp_path / "book", contracts=TINY, stakeholders=[], goals=[], tickets=TICKETS
    )
    run_import(engine, book, data_dir=tmp_path / "data")
    return engine, tmp_path / "data"


def run(db: Engine, data: Path, **kwargs: Any) -> bt.BacktestReport:
    options: dict[str, Any] = {
        "data_dir": data,
        "memory_limit": "1GB",
        "date_from": date(2026, 1, 1),
        "date_to": date(2026, 9, 30),
    }
    options.update(kwargs)
    policy = options.pop("policy", POLICY)
    with session_scope(db) as session:
        return bt.backtest(session, policy, **options)


def test_a_tiny_book_to_the_dollar(tiny: tuple[Engine, Path]) -> None:
    engine, data = tiny
    prior = POLICY.forecast.prior
    with session_scope(engine) as session:
        due = bt.due_in(session, Q1)
        rows = bt.features_on(
            session, POLICY, due, as_of=Q1.start, data_dir=data, memory_limit="1GB"
        )
    assert [d.contract_id for d in due] == ["acme-2025", "globex-2025", "initech-2025"]
    by = {r.account_id: r for r in rows}
    assert by["acme"].signals == () and by["acme"].risk == "none"  # t4 is after as_of
    assert "budget" in by["globex"].signals  # t3 is before it
    assert by["initech"].health_category is None  # nothing known: unscored
    globex = bt.PriorEngine(prior).predict_one(by["globex"]).likelihood

    report = run(engine, data)
    q1, q2, q3 = report.quarters
    assert q1.forecast_arr == pytest.approx(prior.unscored * 110_000 + globex * 50_000)
    assert q1.actual_arr == 110_000  # acme renewed + initech downgraded (at its 10,000)
    assert q1.booked_arr == 106_000
    assert q2.renewals == 1  # the trial started after 2026-04-01
    assert q2.forecast_arr == pytest.approx(prior.unscored * 6_000)
    assert q2.actual_arr == 6_000
    assert q2.ape == pytest.approx(1 - prior.unscored)
    assert not q3.complete and q3.note.startswith("incomplete: 1 of 1")
    assert report.mape == pytest.approx((q1.ape + q2.ape) / 2)  # type: ignore[operator]
    assert sum(c.renewals for c in report.forecast) == 4
    health = {c.category: (c.renewals, c.churned) for c in report.health}
    assert health["unscored"] == (3, 0)
    assert sum(n for n, _ in health.values()) == 4


def test_the_learned_engine_trains_only_on_what_closed_before(
    tiny: tuple[Engine, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, data = tiny
    fitted: list[int] = []

    class Half:
        name = "learned"

        def predict(self, rows: Sequence[RenewalFeatures]) -> list[Prediction]:
            return [Prediction(0.5, "learned") for _ in rows]

    def training_rows(session: Any, policy: Any, **kwargs: Any) -> list[Any]:
        closed = [c for c in TINY if c["outcome"]]
        return [
            (
                RenewalFeatures(
                    account_id=c["account_id"],
                    as_of=date.fromisoformat(c["end_date"]) - timedelta(days=90),
                    renewal_date=date.fromisoformat(c["end_date"]),
                    arr=float(c["arr"]),
                    segment="smb",
                    health_score=None,
                    health_category=None,
                    risk=None,
                ),
                int(c["outcome"] != "churned"),
                date.fromisoformat(c["end_date"]),
            )
            for c in closed
        ]

    def fit(rows: Sequence[RenewalFeatures], labels: Sequence[int], *, policy: Any) -> Half:
        fitted.append(len(rows))
        return Half()

    training = types.ModuleType("renewals.forecast.training")
    training.training_rows = training_rows  # type: ignore[attr-defined]
    learned = types.ModuleType("renewals.forecast.learned")
    learned.fit = fit  # type: ignore[attr-defined]
    for name, module in (("training", training), ("learned", learned)):
        monkeypatch.setitem(sys.modules, f"renewals.forecast.{name}", module)
        monkeypatch.setattr(renewals.forecast, name, module, raising=False)
    policy = POLICY.model_copy(
        update={"forecast": POLICY.forecast.model_copy(update={"min_outcomes_for_model": 1})}
    )

    report = run(engine, data, engine="learned", policy=policy)
    q1, q2, q3 = report.quarters
    assert q1.engine == "prior" and "0 renewals closed before 2026-01-01" in q1.note
    # Q2 knows acme-2025, globex-2025 and initech-2025; Q3 also initech-2026 and the trial
    assert fitted == [3, 5]
    assert q2.engine == "learned" and q2.forecast_arr == pytest.approx(3_000)


def test_learned_without_the_module_is_a_clear_error(
    tiny: tuple[Engine, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, data = tiny
    monkeypatch.setitem(sys.modules, "renewals.forecast.learned", None)
    monkeypatch.delattr(renewals.forecast, "learned", raising=False)
    with pytest.raises(RenewalsError, match="--engine prior"):
        run(engine, data, engine="learned")


def test_a_range_without_a_quarter_start_is_refused(tiny: tuple[Engine, Path]) -> None:
    engine, data = tiny
    with pytest.raises(RenewalsError, match="no quarter starts"):
        run(engine, data, date_from=date(2026, 1, 2), date_to=date(2026, 3, 1))


def test_a_generated_book(books: Books, engine: Engine, tmp_path: Path) -> None:
    books.copy(engine, tmp_path, Demo(60, seed=5))  # imported once (tests/books.py)
    report = run(engine, tmp_path / "data", date_from=date(2025, 10, 1), date_to=date(2026, 12, 31))
    assert [q.quarter.key for q in report.quarters] == [
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    *past, current = report.quarters
    assert all(q.complete for q in past if q.renewals)
    assert not current.complete  # renewals due after 2026-11-24 are still open
    assert report.complete_quarters == sum(q.complete for q in past)
    assert report.mape == pytest.approx(fmean(q.ape for q in past if q.ape is not None))
    closed = sum(q.renewals for q in past if q.complete)
    assert sum(c.renewals for c in report.health) == closed
    assert sum(c.renewals for c in report.forecast) == closed
    for q in past:
        assert q.forecast_arr > 0 and q.actual_arr is not None
        assert q.error == pytest.approx(q.forecast_arr - q.actual_arr)
    assert report.notes and "2026-Q4" in report.notes[0]
    assert report.as_dict()["quarters"][-1]["complete"] is False
