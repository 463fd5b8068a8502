"""Issue 18 in a real browser: a CSM corrects a text signal on the account page (it read as
competitive; it is about budget), and the next day's run reads a similar sentence the way
the CSM said. Debian's Chromium driven by Playwright (see test_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from factories import TODAY, set_password, write_book
from sqlalchemy import select
from web.conftest import settle
from web.live import PASSWORD, LiveServer, serve
from web.test_browser import Person

from renewals import migrate
from renewals.config import Settings
from renewals.db import make_engine, session_scope
from renewals.engagement.models import Interaction
from renewals.ingest.service import run_import
from renewals.policy import service as policy_service
from renewals.signal.models import Signal, SignalLabel
from renewals.signal.service import scan_texts
from renewals.user.models import User

pytestmark = pytest.mark.browser

POLICY = policy_service.load(None)
CARL = "carl@renewals.example"
TODAY_NOTE = (
    "The finance team wants to know what each licence would cost elsewhere before they sign."
)
NEXT_NOTE = (
    "The finance team wants to know what every licence would cost elsewhere before they sign."
)


def _note(session, interaction_id: str, text: str, day) -> None:  # type: ignore[no-untyped-def]
    session.add(
        Interaction(
            interaction_id=interaction_id,
            account_id="acme",
            kind="call",
            occurred_at=datetime(day.year, day.month, day.day, 10),
            status="completed",
            text=text,
            author_email=CARL,
        )
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp("labels")
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'r.db'}", data_dir=tmp / "data", secret_key="browser"
    )
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    run_import(engine, write_book(tmp / "book"), data_dir=settings.data_dir)
    with session_scope(engine) as session:
        _note(session, "call-1", TODAY_NOTE, TODAY)
        scan_texts(session, POLICY, as_of=TODAY)
        for user in session.scalars(select(User)):
            set_password(session, user, PASSWORD)
    with serve(engine, settings) as server:
        yield server
    engine.dispose()


def kinds_of(live: LiveServer, source_id: str) -> dict[str, str]:
    with session_scope(live.engine) as session:
        rows = session.scalars(select(Signal).where(Signal.source_id == source_id))
        return {s.kind: s.facts["matched"] for s in rows}


def row_id(live: LiveServer, source_id: str, kind: str) -> str:
    with session_scope(live.engine) as session:
        signal_id = session.scalar(
            select(Signal.signal_id).where(Signal.source_id == source_id, Signal.kind == kind)
        )
    return f"#signal-{signal_id}"


def test_a_correction_on_the_account_page_changes_the_next_days_detection(  # type: ignore[no-untyped-def]
    browser,
    live: LiveServer,
) -> None:
    # The day's run read the note as a budget remark (SIG-5), by meaning; asking what the
    # licences would cost elsewhere is a price comparison: competitive (SIG-4).
    first = kinds_of(live, "call-1")
    assert list(first) == ["budget"], first
    assert first["budget"].startswith("reads like:")

    csm = Person(browser, live, CARL)
    csm.goto(f"/accounts/acme?as_of={TODAY.isoformat()}")
    row = csm.page.locator(row_id(live, "call-1", "budget"))
    assert TODAY_NOTE in row.inner_text() and "reads like:" in row.inner_text()

    # The CSM says: wrong, this sentence is competitive (SIG-4).
    row.get_by_role("combobox", name="The right label").select_option("competitive")
    row.get_by_role("button", name="Mark wrong").click()
    settle(csm.page)
    row = csm.page.locator(row_id(live, "call-1", "budget"))
    assert "marked wrong" in row.inner_text() and "competitive" in row.inner_text()
    with session_scope(live.engine) as session:
        label = session.scalars(select(SignalLabel)).one()
        assert (label.verdict, label.labels, label.labelled_by) == ("wrong", ["competitive"], CARL)

    # The next day a similar sentence arrives; the daily run reads it as the CSM taught.
    tomorrow = TODAY + timedelta(days=1)
    with session_scope(live.engine) as session:
        _note(session, "call-2", NEXT_NOTE, tomorrow)
        scan_texts(session, POLICY, as_of=tomorrow)
    second = kinds_of(live, "call-2")
    assert list(second) == ["competitive"], second
    assert "labelled by the team" in second["competitive"]

    csm.goto(f"/accounts/acme?as_of={tomorrow.isoformat()}")
    row = csm.page.locator(row_id(live, "call-2", "competitive"))
    assert NEXT_NOTE in row.inner_text() and "labelled by the team" in row.inner_text()
    assert csm.errors == [], csm.errors
    csm.close()
