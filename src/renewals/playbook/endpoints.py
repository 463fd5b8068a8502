"""Tasks over the JSON API: mine or those in my scope; complete one; snooze one with a reason.

A task may be changed by its owner or by anyone who may edit its account (TECH-5).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from renewals.errors import Conflict, NotFound
from renewals.kit.i18n import Text
from renewals.playbook.schemas import TaskDone, TaskRead, TaskSnooze
from renewals.task import service as task_service
from renewals.task.models import Task
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db, Viewer

router = APIRouter(tags=["tasks"])

SORTABLE = {"due_date": Task.due_date, "task_id": Task.task_id, "status": Task.status}
Status = Literal["open", "snoozed", "done", "cancelled", "overdue", "active"]


def _read(task: Task, as_of: Any) -> dict[str, Any]:
    return {
        **{c: getattr(task, c) for c in TaskRead.model_fields if c != "overdue"},
        "overdue": task.is_overdue(as_of),
    }


@router.get(
    "/tasks",
    response_model=api.PageOut[TaskRead],
    responses=api.errors(400),
    summary="List tasks: yours (mine=true) or every task in your scope",
)
def list_tasks(
    request: Request,
    session: Db,
    viewer: ApiViewer,
    mine: Annotated[bool, Query(description="only tasks you own")] = True,
    status: Annotated[
        Status, Query(description="active = open or snoozed; overdue = open and past due")
    ] = "active",
    owner: api.QueryText = None,
    account_id: api.QueryText = None,
    as_of: api.AsOf = None,
    page: api.PageNo = 1,
    size: api.Size = None,
    sort: Literal["due_date", "task_id", "status"] = "due_date",
    desc: api.Desc = False,
) -> dict[str, Any]:
    day = api.day(as_of)
    # The /tasks page's query (task.service): `owner` is one person in your scope (403
    # otherwise), `mine=false` every task owned in your scope (a manager's team; a CSM's
    # own), else your own tasks.
    if owner:
        owners = task_service.list_owners(
            owner,
            me=viewer.user.email,
            role=viewer.user.role,
            scope=lambda: api.scope(request, session, viewer),
        )
    elif mine:
        owners = task_service.list_owners(
            None,
            me=viewer.user.email,
            role=viewer.user.role,
            scope=lambda: api.scope(request, session, viewer),
        )
    else:
        owners = api.scope(request, session, viewer)
    stmt = select(Task).where(
        *task_service.list_conditions(
            owners,
            status="all" if status == "overdue" else status,
            as_of=day,
            overdue=status == "overdue",
            account_id=account_id,
        )
    )
    result = api.listing(
        request,
        session,
        stmt,
        page=page,
        size=size,
        sort=sort,
        desc=desc,
        sortable=SORTABLE,
        tiebreak=(Task.task_id,),
    )
    return api.page_out(result, [_read(t, day) for t in result.rows])


def _task_to_change(request: Request, session: Any, viewer: Viewer, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(Text("no task {id}", id=str(task_id)))
    if (task.owner_email or "").lower() != viewer.user.email.lower():
        api.require_account(request, session, viewer, task.account_id, edit=True)
    if task.status in ("done", "cancelled"):
        raise Conflict(Text("task {id} is already {status}", id=str(task_id), status=task.status))
    return task


@router.post(
    "/tasks/{task_id}/done",
    response_model=TaskRead,
    responses=api.errors(400, 403, 404, 409),
    summary="Mark a task done (who and when are recorded)",
)
def complete(
    request: Request, session: Db, viewer: ApiViewer, task_id: api.IntId, body: TaskDone
) -> dict[str, Any]:
    _task_to_change(request, session, viewer, task_id)
    task = task_service.complete_task(session, task_id, by=viewer.user.email, note=body.note)
    return _read(task, api.day(None))


@router.post(
    "/tasks/{task_id}/snooze",
    response_model=TaskRead,
    responses=api.errors(400, 403, 404, 409),
    summary="Snooze a task to a later day with a reason",
)
def snooze(
    request: Request, session: Db, viewer: ApiViewer, task_id: api.IntId, body: TaskSnooze
) -> dict[str, Any]:
    _task_to_change(request, session, viewer, task_id)
    task = task_service.snooze_task(
        session, task_id, by=viewer.user.email, until=body.until, reason=body.reason
    )
    return _read(task, api.day(None))
