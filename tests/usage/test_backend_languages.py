"""The analytics backend's errors read in the reader's language (issue 22): a daily run
whose health step cannot reach its configured engine (an Ibis backend without its URL, or
one it cannot connect to) says so in de, id and ms, the setting's name and the URL's scheme
as they are; the driver's own words stay as it gives them. In English as before."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from cli_languages import cli, said_in_each_language
from factories import write_book
from sqlalchemy import Engine


def test_a_backend_that_cannot_run_says_why_in_the_language(engine: Engine, tmp_path: Path) -> None:
    settings = SimpleNamespace(
        database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data"
    )
    base = cli(settings)
    base("import", str(write_book(tmp_path / "book")))
    said: dict[str, list[str]] = {}
    for url in (None, "nosuch://host/db"):

        def run(*args: str, code: int | None = 0, url: str | None = url) -> str:
            return base(
                *args, code=code, RENEWALS_ANALYTICS_BACKEND="ibis", RENEWALS_ANALYTICS_URL=url
            )

        step = ("run", "--as-of", "2026-11-24", "--job", "health.score")
        for language, (text,) in said_in_each_language(run, [(step, 1)], shown=1).items():
            said.setdefault(language, []).append(text)
    assert "AnalyticsError: analytics backend ibis needs RENEWALS_ANALYTICS_URL" in said["en"][0]
    assert "AnalyticsError: cannot connect to the analytics backend nosuch: " in said["en"][1]
    de = " ".join(" ".join(said["de"]).split())
    assert "das Analyse-Backend ibis braucht RENEWALS_ANALYTICS_URL, eine Ibis-" in de, de
    assert "keine Verbindung zum Analyse-Backend nosuch: " in de, de
    ms = " ".join(" ".join(said["ms"]).split())
    assert "tidak dapat menyambung ke bahagian belakang analitik nosuch" in ms, ms
