"""A real server for browser tests: a generated demo book, the daily run, users with
passwords, and Uvicorn on a free 127.0.0.1 port in a background thread."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import uvicorn
from books import once_per_run
from databases import sqlite_copy
from factories import set_password
from sqlalchemy import Engine, select

from renewals import migrate
from renewals.config import Settings
from renewals.db import make_engine, session_scope
from renewals.demo.generator import generate_book
from renewals.ingest.service import run_import
from renewals.policy import service as policy_service
from renewals.scheduler import run_all
from renewals.user.models import User
from renewals.web.app import create_app

TODAY = date(2026, 11, 24)
PASSWORD = "browser-test-password"


@dataclass(frozen=True)
class LiveServer:
    url: str
    engine: Engine
    settings: Settings


def build_demo(
    factory: pytest.TempPathFactory, name: str, accounts: int = 120
) -> tuple[Engine, Settings]:
    """A migrated SQLite book after one daily run; every user gets PASSWORD. Built once for
    the whole run per size (tests/books.py: once_per_run, the first pytest-xdist worker
    that needs it); each caller gets its own copy (database and data) in a new temporary
    directory `name`."""
    pristine = once_per_run(factory, f"live-demo-{accounts}", lambda root: _build(root, accounts))
    tmp = factory.mktemp(name)
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'demo.db'}", data_dir=tmp / "data", secret_key="browser"
    )
    sqlite_copy(pristine / "demo.db", tmp / "demo.db")
    shutil.copytree(pristine / "data", settings.data_dir)
    return make_engine(settings.database_url), settings


def _build(tmp: Path, accounts: int) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'demo.db'}", data_dir=tmp / "data", secret_key="browser"
    )
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    generate_book(tmp / "book", accounts=accounts, seed=7, as_of=TODAY)
    run_import(engine, tmp / "book", data_dir=settings.data_dir)
    outcomes = run_all(engine, policy=policy_service.load(), as_of=TODAY, settings=settings)
    assert {o.status for o in outcomes} == {"ok"}, outcomes
    with session_scope(engine) as session:
        for user in session.scalars(select(User)):
            set_password(session, user, PASSWORD)
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_in(first: int, last: int) -> int:
    """A free 127.0.0.1 port in [first, last] (test servers keep to their agreed range).
    Each pytest-xdist worker starts looking 10 ports further on, so two workers starting
    a server at the same moment do not both take the first free port."""
    ports = list(range(first, last + 1))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ...
    offset = int(worker[2:]) * 10 % len(ports) if worker[2:].isdigit() else 0
    for port in ports[offset:] + ports[:offset]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


@contextmanager
def serve(engine: Engine, settings: Settings, port: int | None = None) -> Iterator[LiveServer]:
    port = port or _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", engine, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
