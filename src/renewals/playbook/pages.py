"""My tasks (TECH-5 work queue): GET /tasks, POST /tasks/{id}/done and /tasks/{id}/snooze.

The account page posts to the same routes. With HTMX (header HX-Request) the answer is
the task's updated table row; otherwise a 303 back to the (same-site) Referer or /tasks.
Who may act: anyone who may edit the task's account (renewals.user.access).
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.responses import Response

from renewals.dashboard import queues
from renewals.dashboard.pages import is_htmx, parse_day, redirect_back
from renewals.dashboard.tables import TableQuery
from renewals.errors import RenewalsError
from renewals.kit import validate
from renewals.kit.i18n import Text
from renewals.kit.time import today
from renewals.task import service as task_service
from renewals.user import access
from renewals.web import deps
from renewals.web.deps import Db, PageViewer, Viewer
from renewals.web.params import FormShort, FormText, IntId

router = APIRouter(include_in_schema=False)


@router.get("/tasks")
def tasks_page(
    request: Request,
    session: Db,
    viewer: PageViewer,
    owner: str | None = None,
    status: str | None = None,
    due: str | None = None,
    as_of: str | None = None,
    format: str | None = None,
) -> Response:
    context = deps.web(request)
    day = parse_day(as_of)
    filters = queues.task_filters(owner, status, due)
    spec = queues.tasks_spec(session, viewer.user, context.policy, filters, as_of=day)
    if format == "csv":
        return spec.export(session)
    query = TableQuery.read(request.query_params, "", size=context.policy.web.page_size)
    return deps.render(
        request,
        "playbook/tasks.html",
        viewer,
        page=spec.fetch(session, query),
        filters=filters,
        described=filters.describe(viewer.user),
        team=queues.team_members(session, viewer.user, context.policy),
        statuses=queues.TASK_STATUSES,
        as_of=day,
    )


def _row(
    request: Request,
    session: Db,
    viewer: Viewer,
    task_id: IntId,
    *,
    message: str | None = None,
    error: RenewalsError | None = None,
) -> Response:
    return deps.render(
        request,
        "playbook/task_row.html",
        viewer,
        status_code=error.status_code if error else 200,
        t=queues.task_row(session, task_id),
        as_of=today(),
        message=message,
        error=error.message if error else None,
    )


def _act(request: Request, session: Db, viewer: Viewer, task_id: int, action) -> Response:  # type: ignore[no-untyped-def]
    """Check the viewer may edit the task's account, act, answer as the caller expects."""
    context = deps.web(request)
    try:
        account_id = queues.task_account(session, task_id)
        access.require_edit(session, viewer.user, account_id, context.policy.web)
        message = action()
    except RenewalsError as exc:
        if not is_htmx(request) or exc.status_code == 404:
            raise
        session.rollback()
        return _row(request, session, viewer, task_id, error=exc)
    if is_htmx(request):
        return _row(request, session, viewer, task_id, message=message)
    return redirect_back(request, "/tasks")


@router.post("/tasks/{task_id}/done")
def task_done(
    request: Request,
    session: Db,
    viewer: PageViewer,
    task_id: IntId,
    note: FormText = "",
) -> Response:
    def done() -> str:
        task_service.complete_task(session, task_id, by=viewer.user.email, note=note.strip())
        return Text("Done.")

    return _act(request, session, viewer, task_id, done)


def _until(value: str) -> date:
    """The snooze date: required, YYYY-MM-DD, within the bounds of renewals.kit.validate."""
    day = validate.parse_day(value, "until")
    if day is None:
        raise validate.InvalidInput("until", Text("say until when (YYYY-MM-DD)"))
    return day


@router.post("/tasks/{task_id}/snooze")
def task_snooze(
    request: Request,
    session: Db,
    viewer: PageViewer,
    task_id: IntId,
    until: FormShort = "",
    reason: FormText = "",
) -> Response:
    def snooze() -> str:
        day = _until(until)
        if not reason.strip():
            raise RenewalsError(Text("say why you snooze the task: the reason is required"), 422)
        task_service.snooze_task(
            session, task_id, by=viewer.user.email, until=day, reason=reason.strip()
        )
        return Text("Snoozed until {day}.", day=day.isoformat())

    return _act(request, session, viewer, task_id, snooze)
