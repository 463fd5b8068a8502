"""`renewals doctor` on a fresh install, a ready one and a broken one (issue 19): every
problem is named with what to do, and the exit code says whether anything is wrong."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from smtp_inbox import running_inbox
from typer.testing import CliRunner

from renewals import migrate
from renewals.cli import app
from renewals.db import make_engine
from renewals.doctor import domain
from renewals.doctor.domain import Level
from renewals.worker.service import Worker

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
KEY = "k" * 48
runner = CliRunner()


@pytest.fixture
def smtp_port() -> Iterator[int]:
    with running_inbox() as (_, port):
        yield port


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens


def _doctor(env: dict[str, str], cwd: Path) -> tuple[int, dict[str, dict[str, str]]]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(app, ["doctor", "--json"], env=env)
    finally:
        os.chdir(old)
    findings = {f["check"]: f for f in json.loads(result.stdout)}
    return result.exit_code, findings


def _clear(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("RENEWALS_"):
            monkeypatch.delenv(name)


def test_a_fresh_install_is_told_each_first_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clear(monkeypatch)
    code, found = _doctor({"RENEWALS_SMTP_PORT": str(_closed_port())}, tmp_path)
    assert code == 1
    assert found["database"]["level"] == "error"
    assert "renewals db upgrade" in found["database"]["fix"]
    assert found["data directory"]["level"] == "error" and "mkdir" in found["data directory"]["fix"]
    assert found["secret key"]["level"] == "error"
    assert found["public URL"]["level"] == "warning"
    assert "schema" not in found and "worker" not in found  # no database to ask
    assert not (tmp_path / "renewals.db").exists(), "the doctor created the database"


def test_a_ready_install_passes(
    tmp_path: Path, smtp_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clear(monkeypatch)
    db = tmp_path / "renewals.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate.upgrade(engine)
    (tmp_path / "data").mkdir()
    from renewals.config import Settings

    Worker(engine, Settings(database_url=f"sqlite:///{db}")).heartbeat(NOW)
    env = {
        "RENEWALS_DATABASE_URL": f"sqlite:///{db}",
        "RENEWALS_DATA_DIR": str(tmp_path / "data"),
        "RENEWALS_SECRET_KEY": KEY,
        "RENEWALS_SMTP_HOST": "127.0.0.1",
        "RENEWALS_SMTP_PORT": str(smtp_port),
        "RENEWALS_PUBLIC_URL": "https://renewals.example.com",
    }
    code, found = _doctor(env, tmp_path)
    assert {k: v["level"] for k, v in found.items()} == {
        "database": "ok",
        "schema": "ok",
        "data directory": "ok",
        "secret key": "ok",
        "policy": "ok",
        "SMTP": "ok",
        "public URL": "ok",
        "worker": "ok",
        "event spool": "ok",
    }
    assert code == 0


@pytest.mark.parametrize(
    "database_url",
    [
        "postgresql://postgres@127.0.0.1:5432/no_such_database_h3",
        # the port is chosen when the test runs: a collected name must be the same in every
        # xdist worker, or `pytest -n auto` refuses to start
        "postgresql://postgres@127.0.0.1:{closed_port}/renewals",
        "mysql+nodriver://x@y/z",
        "not a url",
    ],
)
def test_a_broken_install_names_each_problem_and_its_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    _clear(monkeypatch)
    database_url = database_url.replace("{closed_port}", str(_closed_port()))
    (tmp_path / "data").mkdir()
    env = {
        "RENEWALS_DATABASE_URL": database_url,
        "RENEWALS_DATA_DIR": str(tmp_path / "data"),
        "RENEWALS_SMTP_HOST": "127.0.0.1",
        "RENEWALS_SMTP_PORT": str(_closed_port()),
        "RENEWALS_PUBLIC_URL": "http://renewals.example.com",
    }
    code, found = _doctor(env, tmp_path)
    assert code == 1
    assert found["database"]["level"] == "error"
    assert "RENEWALS_DATABASE_URL" in found["database"]["message"] + found["database"]["fix"]
    assert found["secret key"]["level"] == "error"
    assert "RENEWALS_SECRET_KEY" in found["secret key"]["fix"]
    assert found["SMTP"]["level"] == "error"
    assert "cannot reach the SMTP server" in found["SMTP"]["message"]
    assert found["public URL"]["level"] == "error" and "https" in found["public URL"]["fix"]


def test_the_table_says_ready_or_how_many_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clear(monkeypatch)
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = runner.invoke(app, ["doctor", "--no-smtp"], env={"COLUMNS": "200"})
    finally:
        os.chdir(old)
    assert result.exit_code == 1
    assert "error(s) to fix" in result.stdout and "renewals db upgrade" in result.stdout


class TestJudgements:
    def test_secret(self) -> None:
        assert (
            domain.secret(
                "s", from_env="short", file_text=None, file_mode=None, file_path="k"
            ).level
            == Level.error
        )
        assert (
            domain.secret(
                "s", from_env=None, file_text=KEY, file_mode=0o100644, file_path="k"
            ).level
            == Level.error
        )
        assert (
            domain.secret(
                "s", from_env=None, file_text=KEY, file_mode=0o100600, file_path="k"
            ).level
            == Level.ok
        )

    def test_public_url(self) -> None:
        assert domain.public_url("u", "https://r.example.com").level == Level.ok
        assert domain.public_url("u", "http://127.0.0.1:8000").level == Level.ok
        assert domain.public_url("u", "http://r.example.com").level == Level.error
        assert domain.public_url("u", "r.example.com").level == Level.error
        assert domain.public_url("u", None).level == Level.warning

    def test_heartbeat(self) -> None:
        every = timedelta(seconds=30)
        assert domain.heartbeat("w", seen_at=None, worker=None, now=NOW, every=every).level == (
            Level.warning
        )
        fresh = domain.heartbeat("w", seen_at=NOW - every, worker="a", now=NOW, every=every)
        stale = domain.heartbeat("w", seen_at=NOW - 4 * every, worker="a", now=NOW, every=every)
        assert (fresh.level, stale.level) == (Level.ok, Level.error)
        assert "journalctl" in stale.fix
