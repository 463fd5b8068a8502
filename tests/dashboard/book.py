"""A small generated book after one daily run, and signed-in clients, for the page tests.

`built_book` gives the test database a copy of a 40-account demo book (seed 7, as of
TODAY) imported and run once (every daily job), built once per session (tests/books.py);
`people` names one user per role from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from books import Books, Demo
from factories import set_password
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from renewals.config import Settings
from renewals.db import session_scope
from renewals.policy import service as policy_service
from renewals.renewal.models import Renewal
from renewals.user.models import User
from renewals.web.app import create_app

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
PASSWORD = "page-tests-password"
ACCOUNTS = 40
BOOK = Demo(ACCOUNTS, seed=7, days=(TODAY,))


@dataclass(frozen=True)
class People:
    csm: str  # the CSM with the most open renewals
    other_csm: str  # another CSM of the same manager
    manager: str  # their manager
    director: str


def built_book(
    books: Books, engine: Engine, tmp_path: Path, *, policy_file: Path | None = None
) -> Settings:
    """A copy of the session's book (tests/books.py): BOOK, imported and run on TODAY."""
    books.copy(engine, tmp_path, BOOK)
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path / "data",
        secret_key="page-tests",
        policy_file=policy_file,
    )


def people(engine: Engine) -> People:
    with session_scope(engine) as session:
        counts = session.execute(
            select(User.email, User.manager_email, func.count(Renewal.renewal_id))
            .join(Renewal, Renewal.owner_email == User.email)
            .where(User.role == "csm")
            .group_by(User.email, User.manager_email)
            .order_by(func.count(Renewal.renewal_id).desc(), User.email)
        ).all()
        csm, manager, _ = counts[0]
        other = next(e for e, m, _ in counts[1:] if m == manager)
        director = session.scalar(select(User.manager_email).where(User.email == manager))
        for email in (csm, other, manager, director):
            set_password(session, session.get(User, email), PASSWORD)
    return People(csm, other, manager, director)


def client_for(settings: Settings, email: str) -> tuple[TestClient, str]:
    """A client signed in as `email`, and its session's CSRF token."""
    client = TestClient(create_app(settings))
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    found = re.search(r'data-csrf="([^"]+)"', client.get("/tasks").text)
    assert found
    return client, found.group(1)
