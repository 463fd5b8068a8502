"""Win/loss records on a small imported book (SQLite and PostgreSQL): record_all is
idempotent and keeps what a person confirmed; the report groups themes, competitors,
patterns, lead time and missed signals; stalls come from the stage history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import factories
import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from renewals.audit.models import AuditEvent
from renewals.config import Settings
from renewals.contract.models import Contract
from renewals.db import session_scope
from renewals.errors import NotFound, RenewalsError
from renewals.ingest.service import run_import
from renewals.policy import service as policy_service
from renewals.renewal.models import Renewal, StageChange
from renewals.scheduler import JobContext
from renewals.signal.models import Signal
from renewals.winloss import jobs, service
from renewals.winloss.models import WinLossRecord

POLICY = policy_service.load()
TODAY = date(2026, 11, 24)
CARL = "carl@renewals.example"
PAIRS = POLICY.model_copy(  # two losses to the same rival make a pattern here
    update={"winloss": POLICY.winloss.model_copy(update={"pattern_count": 2})}
)


def account(account_id: str) -> dict[str, str]:
    return {**factories.ACCOUNTS[2], "account_id": account_id, "name": account_id.title()}


def contract(cid: str, account_id: str, end: str, arr: int, **fields: str) -> dict[str, str]:
    start = date.fromisoformat(end) - timedelta(days=365)
    return {
        **factories.CONTRACTS[0],
        "contract_id": cid,
        "account_id": account_id,
        "start_date": start.isoformat(),
        "end_date": end,
        "arr": str(arr),
        "outcome": "",
        "outcome_arr": "",
        "closed_at": "",
        "close_reason": "",
        "competitor": "",
        **fields,
    }


CONTRACTS = [
    factories.CONTRACTS[0],  # acme-2025: expanded, "added seats", closed 2025-12-15
    factories.CONTRACTS[1],  # acme-2026: open
    contract(
        "globex-2025",
        "globex",
        "2026-04-01",
        40_000,
        outcome="churned",
        outcome_arr="0",
        closed_at="2026-03-20",
        close_reason="Zu teuer, das Budget wurde gekürzt",
        competitor="Churnly",
    ),
    contract(
        "initech-2025",
        "initech",
        "2026-02-01",
        6_000,
        outcome="downgraded",
        outcome_arr="4000",
        closed_at="2026-01-25",
        close_reason="low adoption in two teams",
    ),
    contract(
        "hooli-2025",
        "hooli",
        "2026-08-01",
        9_000,
        outcome="churned",
        outcome_arr="0",
        closed_at="2026-07-28",
        close_reason="Kami pindah ke Churnly",
        competitor="Churnly",
    ),
    contract(
        "umbrella-2025",
        "umbrella",
        "2026-05-01",
        3_000,
        outcome="renewed",
        outcome_arr="3000",
        closed_at="2026-05-01",
        close_reason="auto-renewed",
    ),
]


def add_signal(
    session: Session, account_id: str, kind: str, *, seen: date, source_date: date | None = None
) -> None:
    session.add(
        Signal(
            account_id=account_id,
            kind=kind,
            rule={"budget": "SIG-5", "competitive": "SIG-4"}.get(kind, "SIG-3"),
            severity="medium",
            source="ticket",
            source_id=f"{kind}-{seen}",
            source_date=source_date or seen,
            first_seen_on=seen,
            last_seen_on=seen,
            evidence=f"{kind} evidence",
            facts={},
        )
    )


@pytest.fixture
def book(engine: Engine, tmp_path: Path) -> Engine:
    directory = factories.write_book(
        tmp_path / "book",
        accounts=[*factories.ACCOUNTS, account("hooli"), account("umbrella")],
        contracts=CONTRACTS,
    )
    run_import(engine, directory, data_dir=tmp_path / "data")
    with session_scope(engine) as session:
        # globex decided 2026-03-20; the window is the 180 days before it
        add_signal(session, "globex", "competitive", seen=date(2025, 8, 1))  # too early
        add_signal(  # a ticket from 2026-01-10, scanned when the history was imported
            session, "globex", "budget", seen=TODAY, source_date=date(2026, 1, 10)
        )
        add_signal(session, "globex", "negative_feedback", seen=date(2026, 2, 1))
        add_signal(session, "globex", "engagement_drop", seen=date(2026, 3, 20))  # told us
        add_signal(session, "hooli", "competitive", seen=date(2026, 7, 1))
    return engine


def record(engine: Engine, policy: Any = POLICY, as_of: date = TODAY) -> service.RecordReport:
    with session_scope(engine) as session:
        return service.record_all(session, policy, as_of=as_of)


def dump(engine: Engine) -> list[tuple[Any, ...]]:
    with session_scope(engine) as session:
        return [
            (
                r.contract_id,
                r.outcome,
                r.won,
                r.reason_category,
                r.reason_confirmed,
                r.customer_words,
                r.competitor,
                r.told_on,
                r.really_lost_on,
                r.missed_signals,
                r.notes,
                r.updated_on,
            )
            for r in session.scalars(select(WinLossRecord).order_by(WinLossRecord.contract_id))
        ]


class TestRecordAll:
    def test_every_closed_contract_gets_one_record(self, book: Engine) -> None:
        report = record(book)
        assert report.created == 5 and report.updated == 0
        assert report.by_outcome == {"expanded": 1, "churned": 2, "downgraded": 1, "renewed": 1}
        with session_scope(book) as session:
            records = {r.contract_id: r for r in session.scalars(select(WinLossRecord))}
            assert "acme-2026" not in records  # still open
            globex = records["globex-2025"]
            assert not globex.won and globex.outcome == "churned"
            assert globex.reason_category == "price_budget" and not globex.reason_confirmed
            assert globex.customer_words == "Zu teuer, das Budget wurde gekürzt"
            assert globex.competitor == "Churnly"
            assert globex.segment == "mid_market" and globex.owner_email == CARL
            assert globex.told_on == date(2026, 3, 20)
            assert [(s["kind"], s["seen_on"]) for s in globex.missed_signals] == [
                ("budget", "2026-01-10"),
                ("negative_feedback", "2026-02-01"),
            ]
            assert globex.really_lost_on == date(2026, 1, 10)
            initech = records["initech-2025"]
            assert initech.won and initech.reason_category == "value_perception"
            assert initech.outcome_arr == Decimal("4000")
            assert records["acme-2025"].reason_category == "growth"
            assert records["umbrella-2025"].reason_category == "auto_renewed"
            assert records["umbrella-2025"].missed_signals == []  # only losses look back

    def test_a_second_run_changes_nothing(self, book: Engine) -> None:
        record(book)
        before = dump(book)
        again = record(book, as_of=TODAY + timedelta(days=1))
        assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
        assert dump(book) == before

    def test_only_contracts_decided_by_as_of(self, book: Engine) -> None:
        assert record(book, as_of=date(2026, 3, 19)).created == 2  # acme-2025, initech-2025

    def test_a_confirmed_reason_and_its_notes_are_kept(self, book: Engine) -> None:
        record(book)
        with session_scope(book) as session:
            service.confirm(
                session,
                "globex-2025",
                reason_category="product_fit",
                by=CARL,
                notes="the reporting module decided it",
                on=TODAY,
            )
            session.execute(
                update(Contract)
                .where(Contract.contract_id == "globex-2025")
                .values(close_reason="Zu teuer")
            )
        report = record(book, as_of=TODAY + timedelta(days=2))
        assert report.kept_confirmed == 1 and report.updated == 1
        with session_scope(book) as session:
            globex = service.get(session, "globex-2025")
            assert globex.reason_category == "product_fit" and globex.reason_confirmed
            assert globex.customer_words == "Zu teuer"  # the facts still follow the contract
            assert globex.notes["confirmations"] == [
                {
                    "on": TODAY.isoformat(),
                    "by": CARL,
                    "reason_category": "product_fit",
                    "note": "the reporting module decided it",
                }
            ]
            event = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "winloss.confirm")
            ).one()
            assert event.actor == CARL and event.entity_id == "globex-2025"
            assert event.detail["from"] == "price_budget" and event.detail["to"] == "product_fit"

    def test_the_daily_job_records(self, book: Engine, tmp_path: Path) -> None:
        with session_scope(book) as session:
            ctx = JobContext(session, POLICY, TODAY, Settings(data_dir=tmp_path / "data"))
            assert jobs.record(ctx).startswith("5 win/loss records created")


class TestConfirm:
    def test_it_needs_an_active_user(self, book: Engine) -> None:
        record(book)
        with session_scope(book) as session, pytest.raises(RenewalsError, match="active user"):
            service.confirm(
                session, "globex-2025", reason_category="other", by="x@example.com", on=TODAY
            )

    def test_a_loss_takes_a_loss_reason(self, book: Engine) -> None:
        record(book)
        with session_scope(book) as session, pytest.raises(RenewalsError, match="price_budget"):
            service.confirm(session, "globex-2025", reason_category="growth", by=CARL, on=TODAY)

    def test_unknown_or_open_contracts_say_why(self, book: Engine) -> None:
        record(book)
        with session_scope(book) as session:
            with pytest.raises(NotFound, match="no contract"):
                service.get(session, "nope")
            with pytest.raises(NotFound, match="still open"):
                service.get(session, "acme-2026")


class TestReport:
    def test_it_groups_the_closed_renewals(self, book: Engine) -> None:
        record(book)
        with session_scope(book) as session:
            r = service.report(session, PAIRS, as_of=TODAY)
        assert (r.closed, r.won, r.lost, r.downgraded) == (5, 3, 2, 1)
        assert r.arr_lost == 40_000 + 9_000 + 2_000
        themes = {t.category: t for t in r.themes}
        assert set(themes) == {"price_budget", "product_fit", "value_perception"}
        assert (themes["price_budget"].lost, themes["price_budget"].arr_lost) == (1, 40_000)
        assert themes["value_perception"].downgraded == 1
        assert themes["value_perception"].quotes == ("low adoption in two teams",)
        assert [(c.competitor, c.lost, c.share) for c in r.competitors] == [("Churnly", 2, 1.0)]
        assert [(p.kind, p.value, p.count) for p in r.patterns] == [("competitor", "Churnly", 2)]
        assert r.patterns[0].arr == 49_000
        assert r.lead_time_n == 2
        assert r.lead_time_days == pytest.approx(((69) + (27)) / 2)  # globex 69 d, hooli 27 d
        assert r.missed_signals == {"budget": 1, "negative_feedback": 1, "competitive": 1}
        assert r.with_missed_signals == 2
        assert r.signals_since == date(2025, 8, 1)
        assert {w.category: w.renewals for w in r.win_reasons} == {
            "growth": 1,
            "auto_renewed": 1,
        }
        segments = {s.segment: s for s in r.segments}
        assert sum(s.closed for s in r.segments) == 5
        assert segments["mid_market"].lost == 1
        assert r.as_dict()["patterns"][0]["contract_ids"] == ["globex-2025", "hooli-2025"]

    def test_since_and_the_default_pattern_count(self, book: Engine) -> None:
        record(book)
        with session_scope(book) as session:
            r = service.report(session, POLICY, as_of=TODAY, since=date(2026, 3, 1))
        assert r.closed == 3  # globex, umbrella, hooli
        assert r.patterns == []  # two losses are data, not a pattern, at five


def add_renewal(session: Session, renewal_id: str, contract_id: str, renewal_date: date) -> None:
    session.add(
        Renewal(
            renewal_id=renewal_id,
            contract_id=contract_id,
            account_id=contract_id.split("-")[0],
            renewal_date=renewal_date,
            current_arr=Decimal("1000"),
            target_arr=Decimal("1000"),
            segment="smb",
            opportunity_type="flat",
            touch_model="tech",
            motion="renewal",
            owner_role="csm",
            stage="assessment",
            stage_since=renewal_date,
            created_on=renewal_date,
            updated_on=renewal_date,
        )
    )


def test_stalls_from_the_stage_history(book: Engine) -> None:
    moves = {
        "R-acme-2025": ("acme-2025", date(2026, 1, 1), [60, 30, 0]),  # engagement 30 d
        "R-initech-2025": ("initech-2025", date(2026, 2, 1), [60, 30, 4]),  # engagement 26 d
        "R-umbrella-2025": ("umbrella-2025", date(2026, 5, 1), [60, 30, 20]),  # 10 d
    }
    with session_scope(book) as session:
        for renewal_id, (contract_id, due, _) in moves.items():
            add_renewal(session, renewal_id, contract_id, due)
        session.flush()
        for renewal_id, (_, due, (prep, engage, closed)) in moves.items():
            history = [
                (None, "assessment", due - timedelta(days=200)),
                ("assessment", "preparation", due - timedelta(days=prep)),
                ("preparation", "engagement", due - timedelta(days=engage)),
                ("engagement", "closed_won", due - timedelta(days=closed)),
            ]
            for before, after, on in history:
                session.add(
                    StageChange(
                        renewal_id=renewal_id,
                        from_stage=before,
                        to_stage=after,
                        on=on,
                        at=datetime(2026, 1, 1, tzinfo=UTC),
                        by="system",
                    )
                )
    with session_scope(book) as session:
        stalls = {s.stage: s for s in service.stalls(session, POLICY, as_of=TODAY)}
    assert stalls["assessment"].median_days == 30 and not stalls["assessment"].stalled
    assert stalls["preparation"].median_days == 30
    assert stalls["engagement"].median_days == 26 and stalls["engagement"].stalled  # > 24
    assert stalls["closing"].renewals == 0
