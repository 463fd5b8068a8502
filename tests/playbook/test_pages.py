"""My tasks (TECH-5 work queue): filters, done and snooze with CSRF, HTMX row fragments,
redirects to the Referer, and refusals for people who may not change the account."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from books import Books
from dashboard.book import TODAY, built_book, client_for, people
from sqlalchemy import Engine, select

from renewals.db import session_scope
from renewals.task.models import Task


@pytest.fixture
def book(books: Books, engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = built_book(books, engine, tmp_path)
    return engine, settings, people(engine)


def _open_task(engine: Engine, owner: str) -> Task:
    with session_scope(engine) as session:
        task = session.scalars(
            select(Task)
            .where(Task.owner_email == owner, Task.status == "open")
            .order_by(Task.due_date, Task.task_id)
        ).first()
        session.expunge(task)
        return task


def _task(engine: Engine, task_id: int) -> Task:
    with session_scope(engine) as session:
        task = session.get(Task, task_id)
        session.expunge(task)
        return task


def test_the_queue_lists_my_tasks_and_a_manager_may_pick_a_team_member(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings, who = book
    csm, _ = client_for(settings, who.csm)
    rows = list(csv.DictReader(io.StringIO(csm.get("/tasks?status=all&format=csv").text)))
    with session_scope(engine) as session:
        mine = set(session.scalars(select(Task.task_id).where(Task.owner_email == who.csm)))
        overdue = set(
            session.scalars(
                select(Task.task_id).where(
                    Task.owner_email == who.csm, Task.status == "open", Task.due_date < TODAY
                )
            )
        )
    assert {int(r["task_id"]) for r in rows} == mine
    late = csm.get(f"/tasks?due=overdue&format=csv&as_of={TODAY}").text
    assert {int(r["task_id"]) for r in csv.DictReader(io.StringIO(late))} == overdue
    assert csm.get(f"/tasks?owner={who.other_csm}").status_code == 403
    assert csm.get("/tasks?status=later").status_code == 400
    manager, _ = client_for(settings, who.manager)
    theirs = manager.get(f"/tasks?owner={who.csm}&status=all&format=csv").text
    assert {int(r["task_id"]) for r in csv.DictReader(io.StringIO(theirs))} == mine
    page = manager.get(f"/tasks?owner={who.csm}&sort=due&desc=1")
    assert page.status_code == 200 and "Export CSV" in page.text


def test_done_with_htmx_answers_the_row_and_needs_the_csrf_token(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings, who = book
    client, token = client_for(settings, who.csm)
    task = _open_task(engine, who.csm)
    refused = client.post(f"/tasks/{task.task_id}/done", data={"note": "called them"})
    assert refused.status_code == 403
    assert _task(engine, task.task_id).status == "open"
    answer = client.post(
        f"/tasks/{task.task_id}/done",
        data={"note": "called them"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith(f'<tr id="task-{task.task_id}"')
    assert "badge done" in answer.text and "<html" not in answer.text
    done = _task(engine, task.task_id)
    assert (done.status, done.completed_by, done.status_reason) == ("done", who.csm, "called them")
    again = client.post(
        f"/tasks/{task.task_id}/done", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert again.status_code == 400 and "already done" in again.text


def test_snooze_needs_a_reason_and_returns_to_the_referer(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings, who = book
    client, token = client_for(settings, who.csm)
    task = _open_task(engine, who.csm)
    url = f"/tasks/{task.task_id}/snooze"
    until = "2027-01-15"
    missing = client.post(url, data={"csrf_token": token, "until": until, "reason": " "})
    assert missing.status_code == 422 and "reason is required" in missing.text
    assert _task(engine, task.task_id).status == "open"
    moved = client.post(
        url,
        data={"csrf_token": token, "until": until, "reason": "customer on holiday"},
        headers={"Referer": f"http://testserver/accounts/{task.account_id}?tab=tasks"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/accounts/{task.account_id}?tab=tasks"
    snoozed = _task(engine, task.task_id)
    assert snoozed.status == "snoozed" and snoozed.due_date.isoformat() == until
    assert "customer on holiday" in snoozed.status_reason
    other = _open_task(engine, who.csm)
    away = client.post(
        f"/tasks/{other.task_id}/done",
        data={"csrf_token": token},
        headers={"Referer": "https://evil.example/steal"},
        follow_redirects=False,
    )
    assert away.status_code == 303 and away.headers["location"] == "/tasks"


def test_another_csm_may_not_complete_my_task(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings, who = book
    task = _open_task(engine, who.csm)
    other, token = client_for(settings, who.other_csm)
    page = other.post(f"/tasks/{task.task_id}/done", data={"csrf_token": token})
    assert page.status_code == 403 and "may not change account" in page.text
    fragment = other.post(
        f"/tasks/{task.task_id}/done", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert fragment.status_code == 403 and "may not change account" in fragment.text
    assert _task(engine, task.task_id).status == "open"
    manager, token = client_for(settings, who.manager)
    assert (
        manager.post(
            f"/tasks/{task.task_id}/done", data={"csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )
    assert _task(engine, task.task_id).completed_by == who.manager
