"""The team teaches the text signals (issue 18): labels stored, audited, used the next day."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from factories import TODAY, add_user, write_book
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from renewals.audit.models import AuditEvent
from renewals.cli import app
from renewals.db import session_scope
from renewals.engagement.models import Interaction
from renewals.errors import Forbidden, RenewalsError
from renewals.ingest.service import run_import
from renewals.policy import service as policy_service
from renewals.signal import labels
from renewals.signal.models import Signal, SignalLabel
from renewals.signal.service import active_kinds, scan_texts

POLICY = policy_service.load(None)
CARL, SAM, VERA = "carl@renewals.example", "sam@renewals.example", "vera@renewals.example"
MISSED = "The warehouse crew quietly returned to their clipboards."
SIMILAR = "The warehouse crew has quietly returned to their clipboards."
# The vocabulary's false alarm that the meaning does not veto (it reads as a departure):
WRONG = "The champion left the office early to pick up her kids."
WRONG_AGAIN = "The champion left the office early to pick up her kids from school."


@pytest.fixture
def book(engine: Engine, tmp_path: Path) -> Engine:
    run_import(engine, write_book(tmp_path / "book"), data_dir=tmp_path / "data")
    with session_scope(engine) as session:
        add_user(session, SAM, "csm", "vera@renewals.example")
    return engine


def note(session, account_id: str, interaction_id: str, text: str, day) -> None:  # type: ignore[no-untyped-def]
    session.add(
        Interaction(
            interaction_id=interaction_id,
            account_id=account_id,
            kind="call",
            occurred_at=datetime(day.year, day.month, day.day, 10),
            status="completed",
            text=text,
            author_email=CARL,
        )
    )


def signals_of(session, account_id: str, source_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = session.scalars(
        select(Signal).where(Signal.account_id == account_id, Signal.source_id == source_id)
    )
    return {s.kind: s.facts.get("method", "") for s in rows}


def test_a_missed_sentence_teaches_the_next_days_detection(book: Engine) -> None:
    tomorrow = TODAY + timedelta(days=1)
    with session_scope(book) as session:
        note(session, "acme", "n1", MISSED, TODAY)
        scan_texts(session, POLICY, as_of=TODAY)
        assert signals_of(session, "acme", "n1") == {}
        made = labels.add(
            session,
            POLICY,
            account_id="acme",
            sentence=MISSED,
            labels=["usage_decline"],
            by=CARL,
            as_of=TODAY,
        )
        assert (made.verdict, made.labels, made.language) == ("missed", ["usage_decline"], "en")
        assert made.detected == []
    with session_scope(book) as session:
        note(session, "globex", "n2", SIMILAR, tomorrow)
        scan_texts(session, POLICY, as_of=tomorrow)
        assert signals_of(session, "globex", "n2") == {"usage_decline": "semantic"}
        [signal] = session.scalars(select(Signal).where(Signal.source_id == "n2"))
        assert "labelled by the team" in signal.facts["matched"]
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "signal.label.missed")
        ).one()
        assert event.actor == CARL and event.detail["text"] == MISSED


def test_a_signal_marked_wrong_stops_counting_and_does_not_come_back(book: Engine) -> None:
    tomorrow = TODAY + timedelta(days=1)
    with session_scope(book) as session:
        note(session, "acme", "n1", WRONG, TODAY)
        scan_texts(session, POLICY, as_of=TODAY)
        signal = session.scalars(
            select(Signal).where(Signal.source_id == "n1", Signal.kind == "stakeholder_change")
        ).one()
        assert "stakeholder_change" in active_kinds(session, POLICY, as_of=TODAY)["acme"]
        made = labels.mark(
            session, POLICY, signal_id=signal.signal_id, by=CARL, labels=["none"], as_of=TODAY
        )
        assert (made.verdict, made.labels, made.detected) == ("wrong", [], ["stakeholder_change"])
        assert "stakeholder_change" not in active_kinds(session, POLICY, as_of=TODAY).get(
            "acme", ()
        )
    with session_scope(book) as session:
        note(session, "acme", "n2", WRONG_AGAIN, tomorrow)
        scan_texts(session, POLICY, as_of=tomorrow)
        assert "stakeholder_change" not in signals_of(session, "acme", "n2")


def test_only_people_who_see_the_account_may_label_it(book: Engine) -> None:
    with session_scope(book) as session:
        note(session, "acme", "n1", "We need to cut costs on every tool.", TODAY)
        scan_texts(session, POLICY, as_of=TODAY)
        signal = session.scalars(select(Signal).where(Signal.source_id == "n1")).one()
        with pytest.raises(Forbidden):
            labels.mark(
                session, POLICY, signal_id=signal.signal_id, by=SAM, labels=["none"], as_of=TODAY
            )
        with pytest.raises(Forbidden):
            labels.add(
                session,
                POLICY,
                account_id="acme",
                sentence=MISSED,
                labels=["budget"],
                by=SAM,
                as_of=TODAY,
            )
        with pytest.raises(RenewalsError, match="unknown signal kind pricing"):
            labels.add(
                session,
                POLICY,
                account_id="acme",
                sentence=MISSED,
                labels=["pricing"],
                by=CARL,
                as_of=TODAY,
            )
        assert session.scalars(select(SignalLabel)).all() == []


def test_export_import_and_the_report_on_the_teams_labels(book: Engine, tmp_path: Path) -> None:
    with session_scope(book) as session:
        labels.add(
            session,
            POLICY,
            account_id="acme",
            sentence=MISSED,
            labels=["budget"],
            by=CARL,
            as_of=TODAY,
        )
        exported = labels.export_tsv(session)
    assert exported == f"language\tlabels\ttext\nen\tbudget\t{MISSED}\n"
    content = "language\tlabels\ttext\nde\tnone\tDas Budget wurde freigegeben.\nde\tbudget\tWir müssen sparen.\n"
    with session_scope(book) as session:
        with pytest.raises(RenewalsError, match="may not import labels"):
            labels.import_tsv(session, POLICY, content, name="x.tsv", by=CARL, as_of=TODAY)
        with pytest.raises(RenewalsError, match=r"x.tsv:2:1: language must be"):
            bad = "de\tnone\tok\nfr\tnone\tx\n"
            labels.import_tsv(session, POLICY, bad, name="x.tsv", by=VERA, as_of=TODAY)
        assert (
            session.scalars(select(SignalLabel).where(SignalLabel.verdict == "imported")).all()
            == []
        )
        assert labels.import_tsv(session, POLICY, content, name="x.tsv", by=VERA, as_of=TODAY) == 2
        rows = {(r.period, r.language): r for r in labels.report(session)}
    assert rows[("all", "all")].labels == 3
    en = rows[("2026-11", "en")]
    assert (en.labels, en.recall) == (1, 0.0)  # the detectors had missed it
    de = rows[("2026-11", "de")]
    assert de.labels == 2 and de.recall == 1.0  # "Wir müssen sparen" is in the vocabulary
    result = CliRunner().invoke(
        app, ["signals", "report"], env={"RENEWALS_DATABASE_URL": str(book.url)}
    )
    assert result.exit_code == 0, result.output
    assert "2026-11" in result.output and "precision" in result.output


def test_the_cli_labels_a_missed_sentence_and_refuses_bad_use(book: Engine) -> None:
    env = {"RENEWALS_DATABASE_URL": str(book.url)}
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "signals",
            "label",
            "--account",
            "acme",
            "--text",
            MISSED,
            "--labels",
            "budget",
            "--by",
            CARL,
            "--as-of",
            TODAY.isoformat(),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "(missed)" in result.output and "carries budget" in result.output
    result = runner.invoke(app, ["signals", "label", "--labels", "budget", "--by", CARL], env=env)
    assert result.exit_code == 2 and "either --signal" in result.output
    result = runner.invoke(
        app,
        [
            "signals",
            "label",
            "--account",
            "acme",
            "--text",
            MISSED,
            "--labels",
            "budget",
            "--by",
            SAM,
        ],
        env=env,
    )
    assert result.exit_code == 1 and "may not see account acme" in result.output


def test_the_cli_exports_and_imports_a_labelled_set(book: Engine, tmp_path: Path) -> None:
    env = {"RENEWALS_DATABASE_URL": str(book.url)}
    runner = CliRunner()
    source = tmp_path / "in.tsv"
    source.write_text(
        "language\tlabels\ttext\n"
        "id\tcompetitive,budget\tPesaing menawarkan harga separuh dari kita.\n"
        "en\tnone\tThe budget was approved this morning.\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["signals", "import", str(source), "--by", CARL], env=env)
    assert result.exit_code == 1 and "may not import labels" in result.output
    result = runner.invoke(app, ["signals", "import", str(source), "--by", VERA], env=env)
    assert result.exit_code == 0, result.output
    assert "Imported 2 labelled sentence(s)" in result.output
    out = tmp_path / "out.tsv"
    result = runner.invoke(app, ["signals", "export", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")
    bad = tmp_path / "bad.tsv"
    bad.write_text("en\tnone\tfine\nen\tpricing\tToo pricey.\n", encoding="utf-8")
    result = runner.invoke(app, ["signals", "import", str(bad), "--by", VERA], env=env)
    assert result.exit_code == 1 and "bad.tsv:2:2: unknown signal kind pricing" in result.output
    with session_scope(book) as session:
        assert len(session.scalars(select(SignalLabel)).all()) == 2  # nothing of bad.tsv
