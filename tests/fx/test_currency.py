"""Totals in the reporting currency (issue 19): a book with EUR, GBP and USD contracts is
summed only after converting each contract at its date's rate, labelled with the currency;
a missing rate is an error naming the currency and the date, never a silent sum."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from factories import CONTRACTS, write_book, write_fx_rates
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from renewals.cli import app
from renewals.contract import service as contract_service
from renewals.db import session_scope
from renewals.fx import service as fx_service
from renewals.fx.domain import MissingRate, RateTable
from renewals.fx.models import FxRate
from renewals.ingest.service import ImportFailed, run_import
from renewals.policy import service as policy_service

AS_OF = date(2026, 11, 24)
POLICY = policy_service.load()


def _book(tmp_path: Path, rates: dict[str, float] | None) -> Path:
    """acme 10,000 USD, globex 20,000 EUR, initech 30,000 GBP (all open on AS_OF)."""
    contracts = [dict(c) for c in CONTRACTS if c["account_id"] in ("acme", "globex", "initech")]
    contracts = [c for c in contracts if not c.get("outcome")]
    amounts = {"acme": ("10000", "USD"), "globex": ("20000", "EUR"), "initech": ("30000", "GBP")}
    for c in contracts:
        c["arr"], c["currency"] = amounts[c["account_id"]]
        c["start_date"], c["end_date"] = "2026-03-01", "2027-02-28"
    directory = write_book(tmp_path / "book", contracts=contracts)
    (directory / "fx_rates.csv").unlink()
    if rates is not None:
        write_fx_rates(directory / "fx_rates.csv", rates)
    return directory


def test_usd_totals_convert_eur_and_gbp_at_the_days_rate(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, _book(tmp_path, {"EUR": 1.10, "GBP": 1.25}), data_dir=tmp_path / "d")
    with session_scope(engine) as session:
        figures = contract_service.compute_book(session, policy=POLICY, as_of=AS_OF)
    assert figures.currency == "USD"
    # 10,000 + 20,000 x 1.10 + 30,000 x 1.25
    assert figures.arr == Decimal("69500")
    assert sum(f.arr for f in figures.by_segment.values()) == figures.arr


def test_a_eur_reporting_policy_with_its_own_rates(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, _book(tmp_path, {"USD": 0.90, "GBP": 1.15}), data_dir=tmp_path / "d")
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(
        '[currency]\nreporting = "EUR"\n\n[currency.rates.GBP]\n"2026-11-24" = 1.20\n',
        encoding="utf-8",
    )
    policy = policy_service.load(policy_file)
    with session_scope(engine) as session:
        figures = contract_service.compute_book(session, policy=policy, as_of=AS_OF)
    # 10,000 x 0.90 (imported) + 20,000 + 30,000 x 1.20 (the policy's rate wins that day)
    assert (figures.currency, figures.arr) == ("EUR", Decimal("65000"))


def test_a_missing_rate_names_the_currency_and_the_date(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_import(engine, _book(tmp_path, {"EUR": 1.10}), data_dir=tmp_path / "d")
    with session_scope(engine) as session, pytest.raises(MissingRate) as caught:
        contract_service.compute_book(session, policy=POLICY, as_of=AS_OF)
    assert "GBP" in caught.value.message and "2026-11-24" in caught.value.message
    monkeypatch.setenv("RENEWALS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("RENEWALS_DATA_DIR", str(tmp_path / "d"))
    result = CliRunner().invoke(app, ["status", "--as-of", "2026-11-24"])
    assert result.exit_code == 1
    assert "no GBP->USD rate for 2026-11-24" in result.output


def test_rates_are_checked_whole_before_anything_is_written(engine: Engine, tmp_path: Path) -> None:
    directory = _book(tmp_path, None)
    (directory / "fx_rates.csv").write_text(
        "date,currency,rate\n2026-11-24,EUR,1.1\n2026-11-31,GBP,1.2\n2026-11-24,US,1\n"
        "2026-11-24,GBP,-3\n2026-11-24,EUR,1.2\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as caught:
        run_import(engine, directory, data_dir=tmp_path / "d")
    found = [(i.line, i.column, i.field) for i in caught.value.issues if i.file == "fx_rates.csv"]
    assert found == [(3, 1, "date"), (4, 2, "currency"), (5, 3, "rate"), (6, 1, "date")]
    with session_scope(engine) as session:
        assert fx_service.rate_table(session, POLICY).currencies() == []


def test_a_second_rates_file_updates_the_days_it_names_and_adds_the_others(
    engine: Engine, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(
        "date,currency,rate\n2026-11-23,EUR,1.1\n2026-11-24,EUR,1.2\n2026-11-24,GBP,1.3\n",
        encoding="utf-8",
    )
    second.write_text(
        "date,currency,rate\n2026-11-24,EUR,1.25\n2026-11-25,EUR,1.3\n", encoding="utf-8"
    )
    with session_scope(engine) as session:
        assert fx_service.import_rates(session, first) == 3
    with session_scope(engine) as session:
        assert fx_service.import_rates(session, second) == 2
    with session_scope(engine) as session:
        held = session.execute(
            select(FxRate.day, FxRate.currency, FxRate.rate).order_by(FxRate.day, FxRate.currency)
        ).all()
    assert [(str(day), code, float(rate)) for day, code, rate in held] == [
        ("2026-11-23", "EUR", 1.1),
        ("2026-11-24", "EUR", 1.25),
        ("2026-11-24", "GBP", 1.3),
        ("2026-11-25", "EUR", 1.3),
    ]


def test_the_rate_table_takes_the_newest_rate_within_the_age_limit() -> None:
    table = RateTable.build(
        "USD",
        7,
        [("EUR", date(2026, 11, 16), Decimal("1.05")), ("EUR", date(2026, 11, 20), Decimal("1.1"))],
    )
    assert table.rate("EUR", date(2026, 11, 22)) == Decimal("1.1")  # a weekend: Friday's
    assert table.rate("EUR", date(2026, 11, 18)) == Decimal("1.05")
    assert table.convert(Decimal(100), "USD", date(2026, 1, 1)) == Decimal(100)
    with pytest.raises(MissingRate, match="no EUR->USD rate for 2026-11-28"):
        table.rate("EUR", date(2026, 11, 28))  # 8 days after the last one
    with pytest.raises(MissingRate, match="2026-11-15"):
        table.rate("EUR", date(2026, 11, 15))  # before the first one
