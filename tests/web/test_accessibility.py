"""Accessibility in a real browser (issue 22): axe-core (bundled in axe-playwright-python,
from PyPI) checks every page each role uses, and the main workflows are done with the
keyboard alone: sign in, complete a task, request a concession, approve it.

No page may have a serious or critical violation. The counts by impact, per page, are
written to test-artifacts/accessibility/axe.json (or $RENEWALS_TEST_ARTIFACTS) for people to
read; docs/accessibility.md says what is checked.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from web.conftest import settle, track
from web.live import PASSWORD, LiveServer, build_demo, serve
from web.test_browser import ARTIFACTS, Person, _cast

from renewals.concession.models import Concession
from renewals.db import session_scope
from renewals.task.models import Task

pytestmark = pytest.mark.browser

REPORT = ARTIFACTS.parent / "accessibility" / "axe.json"
BLOCKING = {"serious", "critical"}
MAX_TABS = 400  # a control further than this from the top of its page is not reachable


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    engine, settings = build_demo(tmp_path_factory, "accessibility")
    with serve(engine, settings) as server:
        yield server
    engine.dispose()


@pytest.fixture(scope="module")
def axe():  # type: ignore[no-untyped-def]
    module = pytest.importorskip(
        "axe_playwright_python.sync_playwright", reason="pip install axe-playwright-python"
    )
    return module.Axe()


class Audit:
    """axe-core's violations of each page visited, by impact."""

    def __init__(self, axe) -> None:  # type: ignore[no-untyped-def]
        self.axe = axe
        self.pages: dict[str, list[dict]] = {}  # type: ignore[type-arg]

    def check(self, person: Person, name: str) -> None:
        settle(person.page)
        violations = self.axe.run(person.page).response["violations"]
        self.pages[name] = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["html"][:300] for n in v["nodes"][:5]],
            }
            for v in violations
        ]

    def blocking(self) -> dict[str, list[str]]:
        return {
            name: [f"{v['id']} ({v['impact']}): {v['help']} {v['nodes'][:2]}" for v in found]
            for name, found in self.pages.items()
            if any(v["impact"] in BLOCKING for v in found)
        }

    def write(self) -> None:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        summary = {
            name: dict(Counter(v["impact"] for v in found)) for name, found in self.pages.items()
        }
        REPORT.write_text(
            json.dumps({"by_page": summary, "violations": self.pages}, indent=1), "utf-8"
        )


def tab_to(person: Person, selector: str) -> None:
    """Press Tab until the focused element matches `selector`, as a keyboard user would."""
    page = person.page
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => !!document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"{selector!r} cannot be reached with the Tab key on {page.url}")


def sign_in_by_keyboard(browser, live: LiveServer, email: str) -> Person:  # type: ignore[no-untyped-def]
    person = Person.__new__(Person)
    person.live = live
    person.context = browser.new_context(viewport={"width": 1366, "height": 900})
    person.page = track(person.context.new_page())
    person.errors = []
    person.page.on("console", lambda m: person.errors.append(m.text) if m.type == "error" else None)
    person.goto("/login")
    tab_to(person, "input[name=email]")
    person.page.keyboard.type(email)
    person.page.keyboard.press("Tab")
    person.page.keyboard.type(PASSWORD)
    with person.page.expect_navigation():
        person.page.keyboard.press("Enter")
    settle(person.page)
    assert "/login" not in person.page.url, person.page.content()[:2000]
    return person


def test_every_roles_pages_pass_axe_and_the_main_work_is_done_by_keyboard(  # type: ignore[no-untyped-def]
    browser, live: LiveServer, axe
) -> None:
    cast = _cast(live)
    audit = Audit(axe)

    anonymous = Person.__new__(Person)
    anonymous.live, anonymous.errors = live, []
    anonymous.context = browser.new_context()
    anonymous.page = track(anonymous.context.new_page())
    anonymous.goto("/login")
    audit.check(anonymous, "login")
    anonymous.goto("/sign/not-a-real-link")
    audit.check(anonymous, "signing link that does not work")
    anonymous.context.close()

    # The CSM signs in, walks their pages and completes a task with the keyboard.
    csm = sign_in_by_keyboard(browser, live, cast["csm"])
    for path in ("/home", "/accounts", "/renewals", "/tasks", "/outbox", "/approvals"):
        csm.goto(path)
        audit.check(csm, f"csm {path}")
    csm.goto(f"/accounts/{cast['account']}")
    audit.check(csm, "csm account page")
    tab_to(csm, "form[action$='/done'] button[type=submit]")
    task_id = int(
        csm.page.evaluate("() => document.activeElement.form.getAttribute('action')").split("/")[2]
    )
    with csm.page.expect_response(lambda r: r.url.endswith(f"/tasks/{task_id}/done")) as done:
        csm.page.keyboard.press("Enter")
    assert done.value.status == 200
    csm.page.locator(f"#task-{task_id}").get_by_text("done").first.wait_for()
    with session_scope(live.engine) as session:
        task = session.get(Task, task_id)
        assert task is not None and task.status == "done" and task.completed_by == cast["csm"]

    csm.goto(f"/renewals/{cast['renewal']}")
    audit.check(csm, "csm renewal page")

    # ... and asks for a 20% concession (CONC-3: a director's) without touching the mouse.
    csm.goto(f"/accounts/{cast['account']}")
    tab_to(csm, "a[href$='/concessions/new']")
    with csm.page.expect_navigation():
        csm.page.keyboard.press("Enter")
    settle(csm.page)
    audit.check(csm, "csm concession request form")
    for name, value in (
        ("discount_pct", "20"),
        ("give_back", "Multi"),  # a select: typing picks the option that starts so
        ("sunset_clause", "discount for year 1, standard pricing year 2"),
        ("business_rationale", "Keeps a strategic logo through a rough patch"),
        ("expected_outcome", "Two-year renewal at the current seat count"),
        ("alternatives_considered", "Enhanced support only; rejected by the buyer"),
    ):
        tab_to(csm, f"[name={name}]")
        csm.page.keyboard.type(value)
    tab_to(csm, "form[action$='/concessions'] button[type=submit]")
    with csm.page.expect_navigation():
        csm.page.keyboard.press("Enter")
    settle(csm.page)
    assert "/concessions/" in csm.page.url, csm.page.content()[:3000]
    concession_id = int(csm.page.url.rsplit("/", 1)[1])
    audit.check(csm, "csm concession page")
    with session_scope(live.engine) as session:
        concession = session.get(Concession, concession_id)
        assert concession is not None and concession.give_back == "multi_year"
        assert (concession.status, concession.required_role) == ("pending", "director")

    # A proposal and its draft contract (mouse is fine here; the pages are what is checked).
    csm.goto(f"/accounts/{cast['account']}")
    proposal_form = csm.page.locator("form[action$='/proposals'] button[type=submit]")
    if proposal_form.count():
        proposal_form.first.click()
        settle(csm.page)
        audit.check(csm, "csm proposal page")
        contract_form = csm.page.locator("form[action$='/contract'] button[type=submit]")
        if contract_form.count():
            contract_form.first.click()
            settle(csm.page)
            audit.check(csm, "csm contract page")
    assert not csm.errors, csm.errors
    csm.context.close()

    # Another CSM is refused that account: the refusal page is checked too.
    other = Person(browser, live, cast["other_csm"])
    assert other.goto(f"/accounts/{cast['account']}").status == 403
    audit.check(other, "refused (403)")
    assert other.goto("/accounts/no-such-account").status == 404
    audit.check(other, "not found (404)")
    other.close()

    # The director approves it from the approvals inbox, by keyboard.
    director = sign_in_by_keyboard(browser, live, cast["director"])
    audit.check(director, "director landing page")
    director.goto("/approvals")
    audit.check(director, "director approvals")
    tab_to(director, f"a[href='/concessions/{concession_id}']")
    with director.page.expect_navigation():
        director.page.keyboard.press("Enter")
    settle(director.page)
    audit.check(director, "director concession page")
    tab_to(director, "form[action$='/approve'] textarea[name=rationale]")
    director.page.keyboard.type("Worth keeping: two-year give-back")
    tab_to(director, "form[action$='/approve'] button[type=submit]")
    with director.page.expect_navigation():
        director.page.keyboard.press("Enter")
    settle(director.page)
    with session_scope(live.engine) as session:
        concession = session.get(Concession, concession_id)
        assert concession is not None
        assert (concession.status, concession.decided_by) == ("approved", cast["director"])
    director.goto("/manager")
    audit.check(director, "director team dashboard")
    assert not director.errors, director.errors
    director.context.close()

    manager = Person(browser, live, cast["manager"])
    audit.check(manager, "manager team dashboard")
    manager.goto("/approvals")
    audit.check(manager, "manager approvals")
    manager.close()

    executive = Person(browser, live, cast["executive"])
    audit.check(executive, "executive dashboard")
    executive.goto("/executive?trend=month")
    audit.check(executive, "executive dashboard by month")
    executive.close()

    with session_scope(live.engine) as session:
        from renewals.user.models import User

        admin = session.scalar(select(User.email).where(User.role == "admin"))
    assert admin is not None
    administrator = Person(browser, live, admin)
    for path in ("/users", "/audit"):
        administrator.goto(path)
        audit.check(administrator, f"admin {path}")
    administrator.close()

    audit.write()
    assert len(audit.pages) >= 25
    assert audit.blocking() == {}
