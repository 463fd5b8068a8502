"""/admin/jobs: the worker's schedule, each job's last success and next run, the history.

Admins only, enforced on the server (web.admin_pages.admin_viewer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from renewals.kit.time import utc_now
from renewals.web import deps
from renewals.web.admin_pages import AdminViewer
from renewals.web.deps import Db
from renewals.worker import service

router = APIRouter(include_in_schema=False)


@router.get("/admin/jobs")
def jobs_page(
    request: Request,
    session: Db,
    viewer: AdminViewer,
    job: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Scheduled jobs (next run, last status, last success), workers seen, recent runs."""
    states = service.job_states(session)
    return deps.render(
        request,
        "admin/jobs.html",
        viewer,
        states=states,
        names=[s.name for s in states],
        runs=service.history(session, job=job or None, limit=100),
        workers=service.heartbeats(session),
        job=job or "",
        now=utc_now(),
    )
