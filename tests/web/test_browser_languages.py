"""The product in each language, in a real browser (issue 22, acceptance): a CSM, a manager,
an executive and an admin sign in with their language set to en, de, id and ms in turn and
walk their pages in Debian's Chromium (never `playwright install`): the dashboards, lists,
an account and its health facts, tasks, approvals, the outbox, a proposal and the contract
drafted from it, the library, the program, the profile and the admin pages. On each page:

- the page says its language (`<html lang>`) and no English phrase of the catalogue is left
  (names, rule IDs, customers' own words and the policy's own text aside: test_i18n's rules);
- axe-core finds no serious or critical violation;
- a full-page screenshot is saved under $RENEWALS_SCREENSHOTS (else a pytest temporary
  directory), one folder per language, with its axe.json: the violations by impact per page,
  and the page's visible text (`<role>-<page>.txt`) for people to read what is left.

A test per language; one small demo book, one server, one browser per pytest-xdist worker.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from web.live import TODAY, LiveServer, build_demo, free_port_in, serve
from web.test_accessibility import BLOCKING, axe  # noqa: F401, F811 (axe: the fixture)
from web.test_browser import Person, _cast
from web.test_i18n import _english_left, _english_phrases, _policy_texts, _visible_text

from renewals.contract_doc import service as contract_service
from renewals.db import session_scope
from renewals.health.models import HealthSnapshot
from renewals.kit import i18n
from renewals.policy import service as policy_service
from renewals.proposal import service as proposal_service
from renewals.user.models import User

pytestmark = pytest.mark.browser

PAGES = {
    "csm": (
        "/home",
        "/accounts",
        "/accounts/{account}",
        "/accounts/{account}/health/{day}",
        "/renewals",
        "/tasks",
        "/outbox",
        "/proposals/{proposal}",
        "/contracts/{contract}",
        "/library",
        "/profile",
    ),
    "manager": (
        "/manager",
        "/accounts",
        "/tasks",
        "/approvals",
        "/outbox",
        "/contracts/{contract}",
        "/program",
        "/library",
    ),
    "executive": ("/executive", "/program", "/library"),
    "admin": ("/users", "/audit", "/admin/jobs", "/program"),
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    engine, settings = build_demo(tmp_path_factory, "languages")
    with serve(engine, settings, port=free_port_in(8600, 8699)) as server:
        yield server
    engine.dispose()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("RENEWALS_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def walk(live: LiveServer) -> tuple[dict[str, str], dict[str, object]]:
    """The people who walk (role -> email) and the records their pages show, made once
    per server (the languages' tests share them)."""
    cast = _cast(live)
    people = {
        "csm": cast["csm"],
        "manager": cast["manager"],
        "executive": cast["executive"],
        "admin": _an_admin(live),
    }
    return people, {"account": cast["account"], **_proposal_and_contract(live, cast)}


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_each_role_walks_its_pages_in_each_language(  # type: ignore[no-untyped-def]
    browser,
    live: LiveServer,
    axe,  # noqa: F811 (the imported fixture)
    screenshots: Path,
    walk: tuple[dict[str, str], dict[str, object]],
    language: str,
) -> None:
    """A test per language, so pytest-xdist spreads the walks over its workers (each
    worker's tests share its book, server and browser)."""
    people, where = walk
    own_words = _policy_texts(policy_service.load())
    english_seen: set[str] = set()
    left: dict[str, list[str]] = {}
    blocking: dict[str, list[str]] = {}
    report: dict[str, dict[str, int]] = {}
    with session_scope(live.engine) as session:  # each test sets it: any order works
        for email in people.values():
            session.get(User, email).language = language
    phrases = _english_phrases(language) if language != "en" else _english_phrases("de")
    folder = screenshots / language
    folder.mkdir(exist_ok=True)
    for role, email in people.items():
        person = Person(browser, live, email)
        for path in PAGES[role]:
            path = path.format(**where)
            response = person.goto(path)
            name = f"{role} {path}"
            assert response is not None and response.status == 200, (language, name)
            html = person.page.content()
            assert f'<html lang="{language}"' in html, (language, name)
            text = _visible_text(html)
            for words in own_words:
                text = text.replace(words, " ")
            found = _english_left(phrases, text)
            slug = path.strip("/").replace("/", "-") or "root"
            if language == "en":
                english_seen.update(found)
            else:
                (folder / f"{role}-{slug}.txt").write_text(text, "utf-8")  # to read it
                if found:
                    left[f"{language} {name}"] = found
            violations = axe.run(person.page).response["violations"]
            report[name] = dict(Counter(v["impact"] for v in violations))
            serious = [
                f"{v['id']} ({v['impact']}): {[n['html'][:200] for n in v['nodes'][:2]]}"
                for v in violations
                if v["impact"] in BLOCKING
            ]
            if serious:
                blocking[f"{language} {name}"] = serious
            person.page.screenshot(path=str(folder / f"{role}-{slug}.png"), full_page=True)
        assert not person.errors, (language, role, person.errors)
        person.close()
    (folder / "axe.json").write_text(json.dumps(report, indent=1), "utf-8")
    print(f"\nscreenshots and axe.json in {folder}")
    assert blocking == {}, blocking
    assert left == {}, left
    if language == "en":  # the check can fail: the English pages show many of the phrases
        assert len(english_seen) > 60, len(english_seen)
    assert len(list(folder.glob("*.png"))) == sum(map(len, PAGES.values()))


def _an_admin(live: LiveServer) -> str:
    with session_scope(live.engine) as session:
        admin = session.scalars(select(User.email).where(User.role == "admin")).first()
    assert admin is not None
    return admin


def _proposal_and_contract(live: LiveServer, cast: dict[str, str]) -> dict[str, object]:
    """The CSM's renewal with a proposal and a contract drafted from it (TECH-3, TECH-4), and
    the day of the account's latest health score (HEALTH-5), for the pages that show them."""
    policy = policy_service.load()
    with session_scope(live.engine) as session:
        proposal = proposal_service.create(
            session,
            cast["renewal"],
            option=None,
            by=cast["csm"],
            as_of=TODAY,
            policy=policy,
            vendor_name="Example Vendor",
        )
        contract = contract_service.create(
            session,
            cast["renewal"],
            by=cast["csm"],
            policy=policy,
            proposal_id=proposal.proposal_id,
            vendor=contract_service.Vendor("Example Vendor GmbH", "1 Example Street, Berlin"),
            as_of=TODAY,
        )
        day = session.scalar(
            select(func.max(HealthSnapshot.as_of)).where(
                HealthSnapshot.account_id == cast["account"]
            )
        )
        session.flush()
        found = {"proposal": proposal.proposal_id, "contract": contract.document_id}
    assert day is not None
    return {**found, "day": day.isoformat()}
