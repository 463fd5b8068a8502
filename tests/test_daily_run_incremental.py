"""Issue 20: the incremental daily run re-reads only what changed since the last run, and
ends exactly where a full run (`renewals run --full`) ends, day after day."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
from books import TODAY, Books, Demo
from run_state import differences, tables
from sqlalchemy import Engine, select

from renewals.account.models import Account
from renewals.config import Settings
from renewals.db import session_scope
from renewals.engagement.models import Interaction, Ticket
from renewals.policy import service as policy_service
from renewals.policy.domain import Policy
from renewals.scheduler import JobOutcome, run_all
from renewals.signal import semantic
from renewals.signal.models import SignalLabel

BOOK = Demo(40, seed=7, days=(TODAY,))  # the 40-account book, run once (tests/books.py)


def _vector(stored: object) -> np.ndarray:
    return np.frombuffer(stored, dtype="<f2").astype(np.float32)  # type: ignore[call-overload]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=UTC)


def _accounts(engine: Engine) -> list[str]:
    """Accounts with texts (tickets) in the sentiment window, in id order."""
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(Ticket.account_id)
                .where(Ticket.opened_at >= _at(TODAY - timedelta(days=90)))
                .distinct()
                .order_by(Ticket.account_id)
            )
        )


def _new_texts(engine: Engine, day: date) -> None:
    """A new ticket (a competitor named) and a new note (budget cut) on two accounts."""
    first, second = _accounts(engine)[:2]
    with session_scope(engine) as session:
        session.add(
            Ticket(
                ticket_id=f"t-new-{day:%m%d}",
                account_id=first,
                opened_at=_at(day),
                subject="Pricing question",
                body="We are evaluating Competitor X and may switch at renewal.",
            )
        )
        session.add(
            Interaction(
                interaction_id=f"i-new-{day:%m%d}",
                account_id=second,
                kind="note",
                occurred_at=_at(day),
                status="done",
                text="Their budget was cut by half; the sponsor is leaving the company.",
            )
        )


def _edited_text_and_language(engine: Engine, day: date) -> None:
    """An existing ticket's words corrected on import; an account's language now known;
    a team label (the semantic layer's examples change for every account)."""
    third, fourth = _accounts(engine)[2:4]
    with session_scope(engine) as session:
        ticket = session.scalars(
            select(Ticket).where(Ticket.account_id == third).order_by(Ticket.opened_at.desc())
        ).first()
        assert ticket is not None
        ticket.body = "The outage last week made them ask for the contract's exit clause."
        account = session.get(Account, fourth)
        assert account is not None
        account.language = "de"
        session.add(
            SignalLabel(
                verdict="missed",
                language="en",
                text="They asked how to export all their data before the renewal.",
                labels=["business_change"],
                detected=[],
                labelled_by="csm@vendor.example",
                labelled_on=day,
            )
        )


def _week(
    engine: Engine, tmp_path: Path, *, full: bool
) -> tuple[dict[str, list[tuple[object, ...]]], list[list[JobOutcome]]]:
    """A week after the book's first run: changes on three days, a run on each of them (the
    days between skipped), the last with a changed policy."""
    # Embeddings this process remembers are not written to the database again: start each
    # week without them, as a new process would (the database was put back in between).
    semantic.default_embedder.cache_clear()
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data"
    )
    base = policy_service.load()
    changed = policy_service.load_data({"signals": {"sentiment_days": 170}}, "test")
    week: list[tuple[date, Callable[[Engine, date], None] | None, Policy]] = [
        (TODAY + timedelta(days=2), _new_texts, base),
        (TODAY + timedelta(days=4), _edited_text_and_language, base),
        (TODAY + timedelta(days=5), None, base),
        (TODAY + timedelta(days=7), _new_texts, changed),
    ]
    runs = []
    for day, change, policy in week:
        if change is not None:
            change(engine, day)
        outcomes = run_all(engine, policy=policy, as_of=day, settings=settings, full=full)
        assert {o.status for o in outcomes} == {"ok"}, outcomes
        runs.append(outcomes)
    # Wall-clock timestamps differ between the two runs; every other column must not.
    return tables(engine, skip=("job_run", "data_version", "shared_figure"), wall_clock=False), runs


def test_incremental_week_equals_full_runs(books: Books, engine: Engine, tmp_path: Path) -> None:
    books.copy(engine, tmp_path, BOOK)
    incremental, runs = _week(engine, tmp_path, full=False)
    books.copy(engine, tmp_path, BOOK)
    full, full_runs = _week(engine, tmp_path, full=True)

    # The embeddings are a cache (a sentence's vector, once per workspace), not a decision:
    # a full run also stores the vectors of unchanged accounts' sentences that this process
    # remembered from an earlier test without storing them here (the database was put back
    # under it). Every vector the incremental week stored is the full week's, to 1e-2 (its
    # last bits follow the sentences the model embedded along with it).
    vectors = [dict(dump.pop("text_embedding")) for dump in (incremental, full)]
    assert vectors[0].keys() <= vectors[1].keys()
    for key, vector in vectors[0].items():
        assert np.allclose(_vector(vector), _vector(vectors[1][key]), atol=1e-2), key
    assert differences(incremental, full) == {}
    assert incremental["signal"] and incremental["text_scan"]

    def scan(outcomes: list[JobOutcome]) -> tuple[int, int]:
        detail = next(o.detail for o in outcomes if o.name == "signal.scan_texts")
        found = re.search(r"texts of ([\d,]+) accounts read, ([\d,]+) unchanged", detail)
        assert found, detail
        return int(found[1].replace(",", "")), int(found[2].replace(",", ""))

    # The incremental run read only the changed accounts' texts (those with new texts, and
    # those whose window lost a text); a team label (day 4), which every account's scan
    # depends on, and a new policy (day 7) had it read everything again, as a full run does.
    (read2, same2), (read4, same4), (read5, same5), (read7, same7) = map(scan, runs)
    assert read2 >= 2 and same2 > 0
    assert read4 > 0 and same4 == 0
    assert same5 > 0 and read5 < same5
    assert read7 > 0 and same7 == 0
    assert all(scan(outcomes)[1] == 0 for outcomes in full_runs)
