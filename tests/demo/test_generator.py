"""The demo book generator: reproducible, valid under the import rules, and realistic."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from renewals.demo.generator import generate_book
from renewals.ingest.domain import TABLE_SPECS, parse_row

AS_OF = date(2026, 11, 24)
MIDNIGHT = datetime(2026, 11, 24)  # CSV timestamps carry no zone: UTC
CSV_FILES = (
    "users.csv",
    "accounts.csv",
    "contracts.csv",
    "stakeholders.csv",
    "goals.csv",
    "tickets.csv",
    "surveys.csv",
    "interactions.csv",
    "_truth.csv",
    "fx_rates.csv",
)
BOOK_FILES = (*CSV_FILES, "usage_events.parquet")
ID_COLUMNS = {
    "users.csv": "email",
    "accounts.csv": "account_id",
    "contracts.csv": "contract_id",
    "stakeholders.csv": "stakeholder_id",
    "goals.csv": "goal_id",
    "tickets.csv": "ticket_id",
    "surveys.csv": "response_id",
    "interactions.csv": "interaction_id",
    "_truth.csv": "account_id",
}
# SIG-5 budget phrases as the source articles quote them, one per language.
BUDGET_PHRASES = {
    "en": "We need to cut costs",
    "de": "Wir müssen Kosten senken",
    "id": "Kami perlu memotong biaya",
    "ms": "Kami perlu potong kos",
}

Rows = list[dict[str, str]]


def read(book: Path, name: str) -> Rows:
    with (book / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def segment_of(arr: int) -> str:
    return "enterprise" if arr >= 100_000 else "mid_market" if arr >= 10_000 else "smb"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3,000-account book shared by the integrity and realism tests."""
    path = tmp_path_factory.mktemp("book")
    generate_book(path, accounts=3000, seed=7, as_of=AS_OF)
    return path


@pytest.fixture(scope="module")
def truth(book: Path) -> dict[str, dict[str, str]]:
    return {row["account_id"]: row for row in read(book, "_truth.csv")}


@pytest.fixture(scope="module")
def contracts(book: Path) -> dict[str, Rows]:
    """Contracts per account, oldest first."""
    chains: dict[str, Rows] = defaultdict(list)
    for row in read(book, "contracts.csv"):
        chains[row["account_id"]].append(row)
    return {k: sorted(v, key=lambda c: c["start_date"]) for k, v in chains.items()}


@pytest.fixture(scope="module")
def churned(contracts: dict[str, Rows]) -> set[str]:
    return {k for k, chain in contracts.items() if all(c["outcome"] for c in chain)}


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    stats = generate_book(
        tmp_path / "a", accounts=200, seed=3, as_of=AS_OF, progress=lambda *c: calls.append(c)
    )
    generate_book(tmp_path / "b", accounts=200, seed=3, as_of=AS_OF)
    generate_book(tmp_path / "c", accounts=200, seed=4, as_of=AS_OF)

    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(BOOK_FILES)
    for name in BOOK_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    for name in ("accounts.csv", "contracts.csv", "interactions.csv", "usage_events.parquet"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes(), name

    assert stats.accounts == 200 and set(stats.rows) == set(BOOK_FILES)
    for name in CSV_FILES:
        assert stats.rows[name] == len(read(tmp_path / "a", name)), name
    parquet = pq.ParquetFile(tmp_path / "a" / "usage_events.parquet")
    assert stats.rows["usage_events.parquet"] == parquet.metadata.num_rows
    last_report = {step: (done, total) for step, done, total in calls}
    assert "usage events" in last_report
    assert all(done == total for done, total in last_report.values())


def test_segment_and_language_mix(book: Path, truth: dict[str, dict[str, str]]) -> None:
    n = len(truth)
    segments = Counter(row["segment"] for row in truth.values())
    assert 0.06 <= segments["enterprise"] / n <= 0.14  # SEG-1: >= 100K
    assert 0.33 <= segments["mid_market"] / n <= 0.47  # SEG-1: 10K-100K
    assert 0.43 <= segments["smb"] / n <= 0.57  # SEG-1: < 10K
    languages = Counter(row["language"] for row in read(book, "accounts.csv"))
    for language, share in {"en": 0.55, "de": 0.20, "id": 0.15, "ms": 0.10}.items():
        assert abs(languages[language] / n - share) < 0.04, language


def test_every_row_passes_the_importers_row_rules(book: Path) -> None:
    problems = []
    for spec in TABLE_SPECS:
        with (book / f"{spec.stem}.csv").open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == spec.names, spec.stem
            for line, row in enumerate(reader, 2):
                problems += [(spec.stem, line, p) for p in parse_row(spec, row)[1]]
    assert problems == []


def test_ids_and_references_hold_together(book: Path) -> None:
    for name, column in ID_COLUMNS.items():
        ids = [row[column] for row in read(book, name)]
        assert len(ids) == len(set(ids)), name
    account_ids = {row["account_id"] for row in read(book, "accounts.csv")}
    for name in ("contracts.csv", "stakeholders.csv", "goals.csv", "tickets.csv", "surveys.csv"):
        assert {row["account_id"] for row in read(book, name)} <= account_ids, name
    usage = pq.read_table(book / "usage_events.parquet", columns=["account_id"])
    assert set(pc.unique(usage["account_id"]).to_pylist()) <= account_ids

    users = {row["email"]: row for row in read(book, "users.csv")}
    interactions = read(book, "interactions.csv")
    assert {row["account_id"] for row in interactions} <= account_ids
    assert {row["author_email"] for row in interactions} <= set(users)
    assert {row["owner_email"] for row in read(book, "accounts.csv")} <= set(users)
    assert [u["role"] for u in users.values() if not u["manager_email"]] == ["executive"]
    for user in users.values():
        if user["role"] == "csm":
            chain = [user["role"]]
            while user["manager_email"]:
                user = users[user["manager_email"]]
                chain.append(user["role"])
            assert chain == ["csm", "manager", "director", "vp", "executive"]


def test_contract_chains_follow_the_renewal_rules(
    book: Path, contracts: dict[str, Rows], churned: set[str]
) -> None:
    accounts = {row["account_id"]: row for row in read(book, "accounts.csv")}
    assert set(contracts) == set(accounts)
    for account_id, chain in contracts.items():
        assert accounts[account_id]["customer_since"] <= chain[0]["start_date"]
        for earlier, later in zip(chain, chain[1:], strict=False):
            assert earlier["end_date"] == later["start_date"]
            assert earlier["outcome_arr"] == later["arr"]
            change = int(later["arr"]) - int(earlier["arr"])
            outcome = earlier["outcome"]
            assert {"expanded": change > 0, "downgraded": change < 0}.get(outcome, change >= 0)
        for c in chain:
            assert 1_200 <= int(c["arr"]) <= 3_000_000 and int(c["seats"]) >= 1
            if c["outcome"]:
                assert date.fromisoformat(c["closed_at"]) <= date.fromisoformat(c["end_date"])
                assert date.fromisoformat(c["end_date"]) <= AS_OF
            else:
                assert c is chain[-1]
                assert AS_OF < date.fromisoformat(c["end_date"]) <= AS_OF + timedelta(days=365)
        if account_id in churned:
            last = chain[-1]
            assert last["outcome"] == "churned" and last["outcome_arr"] == "0"
            assert date.fromisoformat(last["closed_at"]) >= AS_OF - timedelta(days=730)
        else:
            assert all(c["outcome"] != "churned" for c in chain)


def test_nothing_happens_after_as_of_except_scheduled_meetings(book: Path) -> None:
    for t in read(book, "tickets.csv"):
        assert ts(t["opened_at"]) < MIDNIGHT
        assert not t["closed_at"] or ts(t["opened_at"]) <= ts(t["closed_at"]) < MIDNIGHT
    assert all(ts(s["responded_at"]) < MIDNIGHT for s in read(book, "surveys.csv"))
    for i in read(book, "interactions.csv"):
        if i["status"] == "scheduled":
            assert MIDNIGHT <= ts(i["occurred_at"]) < MIDNIGHT + timedelta(days=61)
        else:
            assert ts(i["occurred_at"]) < MIDNIGHT
    for s in read(book, "stakeholders.csv"):
        assert s["started_at"] <= (s["left_at"] or s["started_at"]) <= AS_OF.isoformat()
        assert (s["last_engaged_at"] or "") <= AS_OF.isoformat()
    events = pq.read_table(book / "usage_events.parquet")
    assert events.schema.field("timestamp").type == pa.timestamp("us", tz="UTC")
    assert events.schema.field("user_id").type == pa.string()
    end = datetime(2026, 11, 24, tzinfo=UTC)
    assert pc.min(events["timestamp"]).as_py() >= end - timedelta(days=365)
    # a year of history: usage can be measured as of 90 days before past renewals
    assert pc.min(events["timestamp"]).as_py() < end - timedelta(days=300)
    assert pc.max(events["timestamp"]).as_py() < end


def test_churn_follows_the_hidden_health(
    contracts: dict[str, Rows], churned: set[str], truth: dict[str, dict[str, str]]
) -> None:
    assert 0.08 <= len(churned) / len(truth) <= 0.12
    ranked = sorted(truth, key=lambda k: float(truth[k]["latent_health"]))
    third = len(ranked) // 3
    low = sum(k in churned for k in ranked[:third]) / third
    high = sum(k in churned for k in ranked[-third:]) / third
    assert low >= 0.15 and low > 4 * high

    def mean_health(outcome: str) -> float:
        accounts = [
            k for k, chain in contracts.items() if any(c["outcome"] == outcome for c in chain)
        ]
        return sum(float(truth[k]["latent_health"]) for k in accounts) / len(accounts)

    assert mean_health("expanded") > mean_health("renewed") > mean_health("downgraded")


def test_declining_accounts_use_the_product_less_lately(
    book: Path, truth: dict[str, dict[str, str]]
) -> None:
    events = pq.read_table(book / "usage_events.parquet", columns=["account_id", "timestamp"])
    end = datetime(2026, 11, 24, tzinfo=UTC)

    def counts(since: int, until: int) -> dict[str, int]:
        times = events["timestamp"]
        window = pc.and_(
            pc.greater_equal(times, pa.scalar(end - timedelta(days=since), times.type)),
            pc.less(times, pa.scalar(end - timedelta(days=until), times.type)),
        )
        found = pc.value_counts(events["account_id"].filter(window)).to_pylist()
        return {row["values"]: row["counts"] for row in found}

    last, previous = counts(30, 0), counts(60, 30)

    def share_falling(accounts: list[str]) -> float:
        busy = [k for k in accounts if last.get(k, 0) + previous.get(k, 0) >= 20]
        assert len(busy) >= 40
        return sum(last.get(k, 0) < previous.get(k, 0) for k in busy) / len(busy)

    trend = {k: float(row["health_trend"]) for k, row in truth.items()}
    assert share_falling([k for k, t in trend.items() if t <= -25]) >= 0.75  # SIG-7
    assert share_falling([k for k, t in trend.items() if t >= 10]) <= 0.4


def test_stakeholder_departures_and_single_threading(
    book: Path, churned: set[str], truth: dict[str, dict[str, str]]
) -> None:
    active = set(truth) - churned
    people: dict[str, Rows] = defaultdict(list)
    for row in read(book, "stakeholders.csv"):
        people[row["account_id"]].append(row)
    recent = (AS_OF - timedelta(days=180)).isoformat()
    left = {
        k: p
        for k in active
        for p in people[k]
        if p["left_at"] >= recent and p["role"] in ("champion", "decision_maker")
    }
    assert 0.08 <= len(left) / len(active) <= 0.25  # SIG-6
    notes = defaultdict(str)
    for row in read(book, "interactions.csv"):
        if row["kind"] == "note":
            notes[row["account_id"]] += row["text"]
    assert all(p["name"] in notes[k] for k, p in left.items())

    engaged_since = (AS_OF - timedelta(days=90)).isoformat()
    single = [
        k
        for k in active
        if sum(not p["left_at"] and p["last_engaged_at"] >= engaged_since for p in people[k]) <= 1
    ]
    assert 0.08 <= len(single) / len(active) <= 0.25  # SIG-9


def test_text_is_written_in_each_accounts_language(book: Path) -> None:
    language = {row["account_id"]: row["language"] for row in read(book, "accounts.csv")}
    text: dict[str, str] = defaultdict(str)
    for name, columns in (
        ("tickets.csv", ("subject", "body")),
        ("surveys.csv", ("comment",)),
        ("interactions.csv", ("text",)),
        ("goals.csv", ("description",)),
    ):
        for row in read(book, name):
            text[row["account_id"]] += " ".join(row[c] for c in columns)
    for lang, phrase in BUDGET_PHRASES.items():
        speakers = {language[k] for k, words in text.items() if phrase in words}
        assert speakers == {lang}, phrase
    german = [k for k, words in text.items() if "Wie vergleichen Sie sich mit" in words]
    assert german and {language[k] for k in german} == {"de"}  # SIG-4
