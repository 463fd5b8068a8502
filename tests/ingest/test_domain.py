"""Parsing cells and rows of the import format (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from renewals.ingest.domain import (
    ACCOUNTS,
    CONTRACTS,
    SURVEYS,
    CellError,
    Issue,
    parse_bool,
    parse_date,
    parse_row,
    parse_timestamp,
)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("true", True), ("FALSE", False), ("1", True), ("0", False), ("yes", True), ("No", False)],
)
def test_booleans_accept_the_documented_spellings(raw: str, value: bool) -> None:
    assert parse_bool(raw) is value


def test_a_bad_boolean_says_what_is_allowed() -> None:
    with pytest.raises(CellError, match="true/false"):
        parse_bool("maybe")


@pytest.mark.parametrize(
    "raw",
    [
        "2026-10-01T09:30:00",
        "2026-10-01 09:30:00",
        "2026-10-01T09:30:00Z",
        "2026-10-01T11:30:00+02:00",
    ],
)
def test_timestamps_with_t_or_space_and_zones_are_utc(raw: str) -> None:
    assert parse_timestamp(raw) == datetime(2026, 10, 1, 9, 30, tzinfo=UTC)


def test_dates_must_be_iso() -> None:
    assert parse_date("2026-02-28") == date(2026, 2, 28)
    with pytest.raises(CellError, match="ISO 8601"):
        parse_date("28/02/2026")
    with pytest.raises(CellError):
        parse_date("2026-02-30")


def _contract(**changes: str) -> dict[str, str]:
    row = {
        "contract_id": "c1",
        "account_id": "a1",
        "start_date": "2026-01-01",
        "end_date": "2027-01-01",
        "arr": "1200",
    }
    row.update(changes)
    return row


class TestContractRows:
    def test_a_good_open_contract_gets_defaults(self) -> None:
        values, problems = parse_row(CONTRACTS, _contract(currency="", term_months=""))
        assert problems == []
        assert values["arr"] == Decimal(1200)
        assert values["currency"] == "USD"
        assert values["term_months"] == 12

    def test_end_before_start_is_reported_on_end_date(self) -> None:
        _, problems = parse_row(CONTRACTS, _contract(end_date="2025-12-31"))
        assert problems == [("end_date", "end_date 2025-12-31 is not after start_date 2026-01-01")]

    def test_negative_arr(self) -> None:
        _, problems = parse_row(CONTRACTS, _contract(arr="-5"))
        assert problems == [("arr", "must be at least 0 (got '-5')")]

    def test_closed_contract_needs_outcome_arr_and_closed_at(self) -> None:
        _, problems = parse_row(CONTRACTS, _contract(outcome="churned"))
        assert [c for c, _ in problems] == ["outcome_arr", "closed_at"]

    def test_unknown_outcome_lists_the_allowed_ones(self) -> None:
        _, problems = parse_row(CONTRACTS, _contract(outcome="lost"))
        assert problems == [
            ("outcome", "'lost' is not one of: renewed, expanded, downgraded, churned")
        ]

    def test_every_bad_cell_is_reported_not_just_the_first(self) -> None:
        _, problems = parse_row(CONTRACTS, _contract(arr="abc", start_date="x", auto_renew="maybe"))
        assert sorted(c for c, _ in problems) == ["arr", "auto_renew", "start_date"]


def test_segment_override_needs_a_reason() -> None:  # SEG-1
    row = {"account_id": "a", "name": "A", "segment_override": "enterprise"}
    _, problems = parse_row(ACCOUNTS, row)
    assert problems == [
        ("segment_override_reason", "is required when segment_override is set (SEG-1)")
    ]


def test_survey_score_follows_its_scale() -> None:
    row = {
        "response_id": "r",
        "account_id": "a",
        "kind": "csat",
        "score": "9",
        "responded_at": "2026-01-01T00:00:00",
    }
    assert parse_row(SURVEYS, row)[1] == [("score", "csat score must be 1-5 (got 9)")]
    row["kind"] = "nps"
    assert parse_row(SURVEYS, row)[1] == []


def test_issue_reads_as_file_line_column() -> None:
    assert (
        str(Issue("contracts.csv", 7, 5, "arr", "must be at least 0"))
        == "contracts.csv:7:5: arr: must be at least 0"
    )
