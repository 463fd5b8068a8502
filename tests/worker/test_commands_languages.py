"""`renewals worker` reads in the reader's language (issue 22): its refusals of a simulated
clock (--clock without --until, a time that is not ISO, an end before the start) on the
40-account book in de, id and ms, with no English phrase of the catalogue left (in English
they show)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from books import Books
from cli_languages import reads_in_each_language
from dashboard.book import built_book
from sqlalchemy import Engine


def test_worker_reads_in_the_language(books: Books, engine: Engine, tmp_path: Path) -> None:
    commands = [
        (("worker", "--clock", "2027-01-04T00:00"), 2),
        (("worker", "--clock", "soon", "--until", "2027-01-11T00:00"), 2),
        (("worker", "--clock", "2027-01-05T00:00", "--until", "2027-01-04T00:00"), 2),
    ]
    said = reads_in_each_language(lambda: built_book(books, engine, tmp_path), commands, shown=3)
    assert "gehören zusammen" in said["de"][0], said["de"][0]
    assert "'soon'" in said["id"][1] and "tanggal-waktu ISO" in said["id"][1], said["id"][1]
    assert "mesti selepas" in said["ms"][2], said["ms"][2]
    assert "--until must be after --clock" in said["en"][2], said["en"][2]


def test_bad_worker_settings_read_in_the_language(engine: Engine, tmp_path: Path) -> None:
    """A worker setting that cannot be read (the daily time, the retry delays, the time
    zone, a number out of range) explains itself in de, id and ms, its RENEWALS_ name and
    the value as they are; a job's retry and give-up reasons too."""
    from datetime import datetime

    from cli_languages import cli, said_in_each_language

    from renewals.kit.i18n import tr, using
    from renewals.worker.domain import after_run

    settings = SimpleNamespace(
        database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data"
    )
    base = cli(settings)
    said: dict[str, list[str]] = {}
    for name, value in (
        ("WORKER_DAILY_AT", "25:00"),
        ("WORKER_RETRY_MINUTES", "5,soon"),
        ("WORKER_RETRY_MINUTES", "0"),
        ("WORKER_TIMEZONE", "Mars/Olympus"),
        ("WORKER_OUTBOX_MINUTES", "0"),
    ):

        def run(*args: str, code: int | None = 0, name: str = name, value: str = value) -> str:
            return base(*args, code=code, **{f"RENEWALS_{name}": value})

        for language, (text,) in said_in_each_language(
            run, [(("worker", "--once"), 1)], shown=1 if name != "WORKER_OUTBOX_MINUTES" else 0
        ).items():
            said.setdefault(language, []).append(text)
    assert (
        "RENEWALS_WORKER_DAILY_AT: Value error, a time of day is HH:MM (24 h), got '25:00'"
        in (said["en"][0])
    )
    de = said["de"]
    assert "RENEWALS_WORKER_DAILY_AT: Wertfehler" in de[0] and "erhalten: '25:00'" in de[0], de
    assert "durch Kommas getrennt, erhalten: '5,soon'" in de[1], de[1]
    assert "positive Minuten sein, erhalten: '0'" in de[2], de[2]
    assert "unbekannte Zeitzone 'Mars/Olympus' (ein IANA-Name" in de[3], de[3]
    assert "RENEWALS_WORKER_OUTBOX_MINUTES:" in de[4] and "größer oder gleich 1" in de[4], de[4]
    assert "zona waktu 'Mars/Olympus' tidak dikenal" in said["id"][3], said["id"][3]
    now, regular = datetime(2027, 1, 4, 6, 0), datetime(2027, 1, 5, 6, 0)
    retry = after_run(ok=False, failures=0, now=now, regular_next=regular, retry_minutes=[5])
    gave_up = after_run(ok=False, failures=1, now=now, regular_next=regular, retry_minutes=[5])
    assert retry.reason == "failed 1 time(s) in a row; retry at 2027-01-04 06:05:00"
    with using("de"):
        assert (
            tr(retry.reason)
            == "1-mal in Folge fehlgeschlagen; neuer Versuch um 2027-01-04 06:05:00"
        )
    with using("ms"):
        assert tr(gave_up.reason).startswith("gagal 2 kali berturut-turut; dihentikan sehingga")


def test_a_failed_jobs_detail_reads_in_the_language(engine: Engine, tmp_path: Path) -> None:
    """A job that fails with one of the product's messages (here the analytics backend's):
    `renewals worker --once` prints its detail with `tr`, so the reason reads in the
    language, the exception's name as it is; the English as before."""
    from apscheduler.triggers.interval import IntervalTrigger

    from renewals.config import Settings
    from renewals.kit.i18n import Text, tr, using
    from renewals.usage.backend import AnalyticsError
    from renewals.worker.service import EPOCH, ScheduledJob, Worker, WorkerContext
    from renewals.worker.settings import WorkerSettings

    def broken(ctx: WorkerContext) -> str:
        raise AnalyticsError(
            Text(
                "analytics backend ibis needs RENEWALS_ANALYTICS_URL, an Ibis connection "
                "string such as bigquery://project/dataset"
            )
        )

    job = ScheduledJob("test.broken", IntervalTrigger(hours=1, start_date=EPOCH), broken, "1 h")
    settings = Settings(database_url=str(engine.url), data_dir=tmp_path / "data")
    worker = Worker(engine, settings, WorkerSettings(), jobs=[job], worker_id="w")
    now = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)
    worker.ensure_jobs(now)
    (result,) = worker.tick(now + timedelta(hours=1))
    assert result.detail == (
        "AnalyticsError: analytics backend ibis needs RENEWALS_ANALYTICS_URL, an Ibis "
        "connection string such as bigquery://project/dataset"
    )
    with using("de"):
        assert tr(result.detail) == (
            "AnalyticsError: das Analyse-Backend ibis braucht RENEWALS_ANALYTICS_URL, eine "
            "Ibis-Verbindungszeichenfolge wie bigquery://project/dataset"
        )
