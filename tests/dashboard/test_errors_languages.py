"""The refusals of the pages read in the reader's language (issue 22): an unknown sort or
filter names its parameter, a dashboard that is not for the role, a bad status, trend or
date range, a proposal option or a concession's discount that is not one, a decline
without a rationale; each in de and ms with no English phrase of the catalogue left and
differing from the English, which reads as before."""

from __future__ import annotations

import re
from pathlib import Path

from books import Books
from cli_languages import english_left, english_phrases
from dashboard.book import built_book, client_for, people
from sqlalchemy import Engine, select

from renewals.db import session_scope
from renewals.renewal.models import Renewal

LANGUAGES = ("en", "de", "ms")


def _message(html: str) -> str:
    """The error page's message (the paragraph under its heading)."""
    found = re.search(r'<section class="card error">.*?<p>(.*?)</p>', html, re.S)
    assert found, html[:2000]
    return " ".join(found.group(1).split())


def test_the_pages_refusals_read_in_the_readers_language(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    settings = built_book(books, engine, tmp_path)
    who = people(engine)
    with session_scope(engine) as session:
        renewal = session.scalar(
            select(Renewal.renewal_id)
            .where(
                Renewal.owner_email == who.csm, Renewal.stage.not_in(("closed_won", "closed_lost"))
            )
            .order_by(Renewal.renewal_id)
        )
    csm, csm_token = client_for(settings, who.csm)
    director, _ = client_for(settings, who.director)
    gets = [
        (csm, "/manager", 403),
        (csm, "/tasks?status=nope", 400),
        (csm, "/tasks?due=soon", 400),
        (csm, "/outbox?status=nope", 400),
        (csm, "/renewals?sort=nope", 422),
        (csm, "/home?csv=nope", 400),
        (director, "/manager?stalled_sort=nope", 422),
        (director, "/executive?trend=week", 400),
        (csm, "/concessions/abc", 422),  # the page's own field check (FastAPI's)
        (csm, "/program", 403),
    ]
    posts = [
        (f"/renewals/{renewal}/proposals", {"option": "cheapest"}, 422),
        (f"/renewals/{renewal}/concessions/check", {"discount_pct": "lots"}, 422),
    ]
    said: dict[str, list[str]] = {}
    for language in LANGUAGES:
        headers = {"Accept-Language": language}
        said[language] = []
        for client, url, status in gets:
            page = client.get(url, headers=headers)
            assert page.status_code == status, (url, page.status_code, page.text[:500])
            said[language].append(_message(page.text))
        for url, data, status in posts:
            page = csm.post(url, data={**data, "csrf_token": csm_token}, headers=headers)
            assert page.status_code == status, (url, page.status_code, page.text[:500])
            said[language].append(_message(page.text))
    english = said["en"]
    assert english[0] == (
        "the manager dashboard is for admin, director, executive, manager, vp; you are csm "
        "(TECH-5): your renewals are on /home"
    )
    assert english[4] == (
        "sort: cannot sort by &#39;nope&#39;; sortable columns: "
        + english[4].split("sortable columns: ")[1]
    )
    for language in LANGUAGES[1:]:
        phrases = english_phrases(language)
        assert english_left(phrases, " ".join(english)), "the check can fail"
        for message, en in zip(said[language], english, strict=True):
            assert message != en, (language, message)
            assert english_left(phrases, message) == [], (language, message)
    assert "Teamleitung" in said["de"][0] and "stalled_sort" in said["de"][6], said["de"]
    assert english[8] == (
        "concession_id: Input should be a valid integer, unable to parse string as an integer"
    )
