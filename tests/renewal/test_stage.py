"""A stage moved by hand keeps its rule, who and reason (docs/renewals.md), like one moved by date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from factories import write_book
from sqlalchemy import Engine, select

from renewals.config import Settings
from renewals.db import session_scope
from renewals.ingest.service import run_import
from renewals.policy import service as policy_service
from renewals.renewal import service
from renewals.renewal.domain import Stage
from renewals.renewal.models import Renewal
from renewals.scheduler import run_all

TODAY = date(2026, 11, 24)


def test_a_stage_moved_by_hand_is_stored_with_its_rule(engine: Engine, tmp_path: Path) -> None:
    write_book(tmp_path / "book")
    run_import(engine, tmp_path / "book", data_dir=tmp_path / "data")
    settings = Settings(database_url=str(engine.url), data_dir=tmp_path / "data")
    run_all(
        engine, policy=policy_service.load(), as_of=TODAY, settings=settings, only=["renewal.sync"]
    )
    with session_scope(engine) as session:
        renewal = session.scalars(select(Renewal).order_by(Renewal.renewal_id)).first()
        assert renewal is not None and renewal.stage != Stage.closing.value
        service.set_stage(
            session,
            renewal.renewal_id,
            Stage.closing,
            by="carl@renewals.example",
            reason="proposal sent",
            on=TODAY,
        )
        last = service.stage_history(session, renewal.renewal_id)[-1]
        assert (last.to_stage, last.rule, last.by, last.reason) == (
            "closing",
            "TIME-4",
            "carl@renewals.example",
            "proposal sent",
        )
