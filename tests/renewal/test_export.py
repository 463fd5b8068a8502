"""The export contract (JSON/CSV) and the .ics calendar, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import factories
import pytest
import typer
from icalendar import Calendar
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from renewals.db import session_scope
from renewals.policy import service as policy_service
from renewals.renewal import export, export_commands
from renewals.renewal.calendar import RenewalEvent, TaskEvent, build_calendar
from renewals.task.models import Task

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
CARL = "carl@renewals.example"
MIA = "mia@renewals.example"
GENERATED_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)

runner = CliRunner()


def add_user(session: Session, *, email: str, name: str, role: str = "csm") -> None:
    factories.add_user(session, email, role, name=name)


def add_renewal(
    session: Session,
    *,
    account_id: str,
    name: str,
    owner: str,
    renewal_date: date,
    arr: str = "120000",
    stage: str = "preparation",
    signals: list[str] | None = None,
) -> str:
    """An account, its contract and the contract's renewal; returns the renewal id."""
    renewal_id = factories.add_renewal(
        session,
        account_id,
        renewal_date=renewal_date,
        arr=arr,
        owner=owner,
        renewal_id=f"ren-{account_id}",
        account={"name": name},
        target_arr=Decimal(arr) * Decimal("1.1"),
        segment="enterprise",
        opportunity_type="renewal",
        touch_model="high",
        motion="csm_led",
        stage=stage,
        stage_since=TODAY - timedelta(days=5),
        health_score=72.0,
        health_category="green",
        risk="watch",
        signals=signals or [],
        decisions={
            "segment": {
                "value": "enterprise",
                "reasons": ["SEG-1: ARR 120,000 is at least 100,000", "strategic account"],
                "rules": ["SEG-1"],
            },
            "owner": {"value": "csm", "email": owner, "reasons": ["OWN-1: the CSM"]},
        },
        outcome="renewed" if stage.startswith("closed") else None,
        created_on=TODAY - timedelta(days=30),
    )
    session.flush()
    return renewal_id


def add_task(
    session: Session,
    *,
    account_id: str,
    key: str,
    due: date,
    owner: str,
    renewal_id: str | None = None,
    status: str = "open",
) -> None:
    session.add(
        Task(
            account_id=account_id,
            key=key,
            renewal_id=renewal_id,
            step=key if renewal_id else None,
            title=f"Step {key}",
            description="What to do.",
            rule="TIME-1",
            due_date=due,
            owner_email=owner,
            status=status,
            created_on=TODAY - timedelta(days=30),
        )
    )


@pytest.fixture
def book(engine: Engine) -> Engine:
    """Carl owns acme (overdue and upcoming tasks), globex (a snoozed account task),
    a renewal past the calendar's window and a closed one; Mia owns initech."""
    with session_scope(engine) as session:
        add_user(session, email=CARL, name="Carl CSM")
        add_user(session, email=MIA, name="Mia Manager", role="manager")
        acme = add_renewal(
            session,
            account_id="acme",
            name="Acme, Inc.",
            owner=CARL,
            renewal_date=TODAY + timedelta(days=40),
            arr="180000",
            signals=["usage_decline", "single_threading", "budget"],
        )
        add_renewal(
            session,
            account_id="globex",
            name="Globex GmbH",
            owner=CARL,
            renewal_date=TODAY + timedelta(days=10),
            stage="engagement",
        )
        add_renewal(
            session,
            account_id="initech",
            name="Initech",
            owner=MIA,
            renewal_date=TODAY + timedelta(days=100),
        )
        add_renewal(
            session,
            account_id="umbrella",
            name="Umbrella",
            owner=CARL,
            renewal_date=TODAY + timedelta(days=400),
            stage="assessment",
        )
        hooli = add_renewal(
            session,
            account_id="hooli",
            name="Hooli",
            owner=CARL,
            renewal_date=TODAY + timedelta(days=5),
            stage="closed_won",
        )
        add_task(
            session,
            account_id="acme",
            key="notice",
            due=TODAY - timedelta(days=3),
            owner=CARL,
            renewal_id=acme,
        )
        add_task(
            session,
            account_id="acme",
            key="proposal",
            due=TODAY + timedelta(days=20),
            owner=CARL,
            renewal_id=acme,
        )
        add_task(
            session,
            account_id="acme",
            key="review",
            due=TODAY - timedelta(days=30),
            owner=CARL,
            renewal_id=acme,
            status="done",
        )
        add_task(
            session,
            account_id="globex",
            key="health-review",
            due=TODAY - timedelta(days=1),
            owner=CARL,
            status="snoozed",
        )
        add_task(
            session,
            account_id="initech",
            key="notice",
            due=TODAY + timedelta(days=5),
            owner=MIA,
            renewal_id="ren-initech",
        )
        add_task(
            session,
            account_id="hooli",
            key="close",
            due=TODAY - timedelta(days=2),
            owner=CARL,
            renewal_id=hooli,
            status="cancelled",
        )
    return engine


def rows_for(engine: Engine, as_of: date = TODAY) -> list[dict[str, Any]]:
    with session_scope(engine) as session:
        return export.export_rows(session, as_of=as_of, policy=POLICY)


def cli(engine: Engine) -> tuple[typer.Typer, dict[str, str]]:
    """A root app mounting the commands as cli.py does, and the env pointing at `engine`."""
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    app.command("calendar")(export_commands.calendar)
    app.add_typer(export_commands.export_app, name="export")
    env = {"RENEWALS_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    return app, env


class TestExportRows:
    def test_it_exports_open_renewals_by_date_with_the_contract_fields(self, book: Engine) -> None:
        rows = rows_for(book)
        assert [r["renewal_id"] for r in rows] == [
            "ren-globex",
            "ren-acme",
            "ren-initech",
            "ren-umbrella",
        ]
        acme = rows[1]
        assert acme["account_name"] == "Acme, Inc."
        assert acme["contract_id"] == "acme-c"
        assert acme["renewal_date"] == "2027-01-03"
        assert acme["days_to_renewal"] == 40
        assert acme["arr"] == 180000.0 and isinstance(acme["arr"], float)
        assert acme["target_arr"] == pytest.approx(198000.0)
        assert acme["segment_reason"] == "SEG-1: ARR 120,000 is at least 100,000; strategic account"
        assert acme["signals"] == ["usage_decline", "single_threaded", "budget"]
        assert acme["likelihood"] is None
        assert acme["reasons"]["owner"] == ["OWN-1: the CSM"]
        assert acme["reasons"]["touch"] == []
        assert (acme["health_score"], acme["health_category"], acme["risk"]) == (
            72.0,
            "green",
            "watch",
        )

    def test_it_flags_overdue_tasks_and_leaves_out_done_ones(self, book: Engine) -> None:
        acme = next(r for r in rows_for(book) if r["renewal_id"] == "ren-acme")
        assert [(t["step"], t["due_date"], t["status"]) for t in acme["open_tasks"]] == [
            ("notice", "2026-11-21", "overdue"),
            ("proposal", "2026-12-14", "open"),
        ]
        assert acme["open_tasks"][0]["owner_email"] == CARL
        assert acme["open_tasks"][0]["rule"] == "TIME-1"

    def test_it_lists_account_tasks_and_keeps_snoozed_ones_as_snoozed(self, book: Engine) -> None:
        globex = next(r for r in rows_for(book) if r["renewal_id"] == "ren-globex")
        assert [(t["title"], t["status"]) for t in globex["open_tasks"]] == [
            ("Step health-review", "snoozed")
        ]

    def test_days_and_overdue_count_from_as_of(self, book: Engine) -> None:
        acme = next(
            r for r in rows_for(book, TODAY - timedelta(days=10)) if r["renewal_id"] == "ren-acme"
        )
        assert acme["days_to_renewal"] == 50
        assert [t["status"] for t in acme["open_tasks"]] == ["open", "open"]

    def test_closed_renewals_are_left_out(self, book: Engine) -> None:
        assert "ren-hooli" not in {r["renewal_id"] for r in rows_for(book)}


class TestFormats:
    def test_json_is_a_list_of_the_rows(self, book: Engine) -> None:
        rows = rows_for(book)
        assert json.loads(export.to_json(rows)) == rows

    def test_csv_round_trips_with_flattened_fields(self, book: Engine) -> None:
        rows = rows_for(book)
        read = list(csv.DictReader(io.StringIO(export.to_csv(rows))))
        assert [r["renewal_id"] for r in read] == [r["renewal_id"] for r in rows]
        assert list(read[0]) == list(export.CSV_COLUMNS)
        acme = next(r for r in read if r["renewal_id"] == "ren-acme")
        assert acme["signals"] == "usage_decline;single_threaded;budget"
        assert (acme["open_task_count"], acme["overdue_task_count"]) == ("2", "1")
        assert json.loads(acme["open_tasks"])[0]["status"] == "overdue"
        assert json.loads(acme["reasons"])["owner"] == ["OWN-1: the CSM"]
        assert acme["days_to_renewal"] == "40" and float(acme["arr"]) == 180000.0
        assert acme["likelihood"] == ""

    def test_csv_columns_follow_the_documented_order(self) -> None:
        """docs/export.md: the field table's order, counts just before open_tasks, the
        save object's fields last as save_* columns."""
        doc = (Path(__file__).resolve().parents[2] / "docs" / "export.md").read_text("utf-8")
        section = doc.split("## The export contract", 1)[1]
        table = section[section.index("| field |") :].split("\n\n", 1)[0]
        fields = re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.M)
        documented = [f for f in fields if f != "save"]
        at = documented.index("open_tasks")
        documented[at:at] = ["open_task_count", "overdue_task_count"]
        saves = re.findall(r"`(save_[a-z_]+)`", table)
        assert list(export.CSV_COLUMNS) == documented + saves

    def test_tasks_are_read_in_one_query_whatever_the_book_size(self, book: Engine) -> None:
        """docs/export.md "Size": no query per renewal, so a big book exports in seconds."""

        def statements() -> int:
            seen: list[str] = []
            listen = lambda *args: seen.append(args[2])  # noqa: E731
            event.listen(book, "before_cursor_execute", listen)
            try:
                rows_for(book)
            finally:
                event.remove(book, "before_cursor_execute", listen)
            return len(seen)

        before = statements()
        with session_scope(book) as session:
            for n in range(6):
                renewal = add_renewal(
                    session,
                    account_id=f"more{n}",
                    name=f"More {n}",
                    owner=CARL,
                    renewal_date=TODAY + timedelta(days=30 + n),
                )
                for k in range(3):
                    add_task(
                        session,
                        account_id=f"more{n}",
                        key=f"step{k}",
                        due=TODAY + timedelta(days=k),
                        owner=CARL,
                        renewal_id=renewal,
                    )
        assert len(rows_for(book)) > 6
        assert statements() == before


class TestCalendar:
    def test_it_holds_the_owners_renewals_and_open_tasks_with_stable_uids(
        self, book: Engine
    ) -> None:
        with session_scope(book) as session:
            data = export.calendar_for(
                session, owner_email=CARL, as_of=TODAY, days=180, generated_at=GENERATED_AT
            )
        cal = Calendar.from_ical(data)
        assert str(cal["X-WR-CALNAME"]) == "Renewals: Carl CSM"
        events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
        # Umbrella is past the window, Hooli closed, Initech Mia's; the done,
        # snoozed and cancelled tasks are left out.
        assert set(events) == {
            "renewal-ren-globex@renewals",
            "renewal-ren-acme@renewals",
            "task-1@renewals",
            "task-2@renewals",
        }
        acme = events["renewal-ren-acme@renewals"]
        assert str(acme["SUMMARY"]) == "Renewal: Acme, Inc. (180,000 USD)"
        assert acme.decoded("DTSTART") == date(2027, 1, 3)
        assert acme.decoded("DTEND") == date(2027, 1, 4)
        assert "Stage: preparation" in str(acme["DESCRIPTION"])
        overdue = events["task-1@renewals"]
        assert str(overdue["SUMMARY"]) == "[overdue] Acme, Inc.: Step notice"
        assert str(overdue["RELATED-TO"]) == "renewal-ren-acme@renewals"
        assert overdue.decoded("DTSTAMP") == GENERATED_AT
        assert [str(c) for c in overdue["CATEGORIES"].cats] == ["task"]
        assert not str(events["task-2@renewals"]["SUMMARY"]).startswith("[overdue]")

    def test_it_is_the_same_file_when_nothing_changed(self, book: Engine) -> None:
        with session_scope(book) as session:
            first, second = (
                export.calendar_for(
                    session, owner_email=None, as_of=TODAY, days=180, generated_at=GENERATED_AT
                )
                for _ in range(2)
            )
        assert first == second
        assert len(Calendar.from_ical(first).walk("VEVENT")) == 6  # + Initech and its task

    def test_a_task_without_renewal_has_no_related_to(self) -> None:
        task = TaskEvent(
            task_id=7,
            title="Review meeting: health turned red",
            description="",
            account_name="Globex",
            due_date=TODAY,
            rule="HEALTH-4",
            owner_email=CARL,
            renewal_id=None,
            overdue=False,
        )
        renewal = RenewalEvent(
            renewal_id="r1",
            account_name="Globex",
            renewal_date=TODAY,
            arr=Decimal("99.5"),
            currency="EUR",
            stage="closing",
            segment="smb",
            opportunity_type="renewal",
            health_score=None,
            health_category=None,
            owner_email=None,
            owner_role="pooled",
        )
        cal = Calendar.from_ical(
            build_calendar([renewal], [task], owner="all owners", generated_at=GENERATED_AT)
        )
        (task_event,) = (e for e in cal.walk("VEVENT") if str(e["UID"]) == "task-7@renewals")
        assert "RELATED-TO" not in task_event
        (renewal_event,) = (e for e in cal.walk("VEVENT") if str(e["UID"]) == "renewal-r1@renewals")
        assert "Health: no score yet" in str(renewal_event["DESCRIPTION"])


class TestCommands:
    def test_calendar_writes_raw_ics_to_stdout(self, book: Engine) -> None:
        app, env = cli(book)
        result = runner.invoke(
            app, ["calendar", "--owner", CARL, "--as-of", TODAY.isoformat()], env=env
        )
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes.startswith(b"BEGIN:VCALENDAR\r\n")
        assert len(Calendar.from_ical(result.stdout_bytes).walk("VEVENT")) == 4

    def test_calendar_of_an_unknown_owner_fails(self, book: Engine) -> None:
        app, env = cli(book)
        result = runner.invoke(app, ["calendar", "--owner", "nobody@example.com"], env=env)
        assert result.exit_code == 1
        assert "nobody@example.com" in result.stderr
        assert result.stdout_bytes == b""

    def test_export_csv_to_a_file_says_how_many(self, book: Engine, tmp_path: Path) -> None:
        app, env = cli(book)
        out = tmp_path / "renewals.csv"
        result = runner.invoke(
            app,
            ["export", "renewals", "--as-of", TODAY.isoformat(), "--format", "csv", "-o", str(out)],
            env=env,
        )
        assert result.exit_code == 0, result.output
        assert "Exported 4 open renewals" in result.stderr
        with out.open(newline="", encoding="utf-8") as f:
            assert len(list(csv.DictReader(f))) == 4

    def test_export_json_to_stdout(self, book: Engine) -> None:
        app, env = cli(book)
        result = runner.invoke(app, ["export", "renewals", "--as-of", TODAY.isoformat()], env=env)
        assert result.exit_code == 0, result.output
        assert [r["renewal_id"] for r in json.loads(result.stdout)][0] == "ren-globex"

    def test_export_of_something_else_lists_what_can_be_exported(self, book: Engine) -> None:
        app, env = cli(book)
        result = runner.invoke(app, ["export", "accounts"], env=env)
        assert result.exit_code == 2
        assert "'accounts'" in result.stderr and "renewals" in result.stderr
