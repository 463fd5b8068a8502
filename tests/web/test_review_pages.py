"""The program page (MET-2, managers and above) and the library page (LEARN-3)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Engine

from renewals.db import session_scope
from renewals.library import service as library_service


def _sign_in(client, email: str) -> None:  # type: ignore[no-untyped-def]
    from web.conftest import PASSWORD

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_a_csm_may_not_see_the_program_a_manager_may(client, add_user) -> None:  # type: ignore[no-untyped-def]
    add_user("carl@example.com", "csm")
    add_user("mia@example.com", "manager")
    _sign_in(client, "carl@example.com")
    assert client.get("/program").status_code == 403
    assert 'href="/program"' not in client.get("/library").text
    _sign_in(client, "mia@example.com")
    page = client.get("/program")
    assert page.status_code == 200
    assert "Renewal program" in page.text and "Concession authority defined" in page.text
    assert 'href="/program"' in page.text


def test_the_library_page_shows_the_seeds_scripts_with_their_use(
    client, add_user, engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    add_user("carl@example.com", "csm")
    with session_scope(engine) as session:
        library_service.load_seeds(session, on=date(2026, 11, 24))
    _sign_in(client, "carl@example.com")
    page = client.get("/library?kind=script&language=de")
    assert page.status_code == 200
    assert "Bevor ich über unsere Ideen spreche" in page.text
    assert "Sebelum" not in page.text  # only German
    assert client.get("/library?kind=poem").status_code == 200  # an unknown filter is ignored
