"""The program page (MET-2) and the playbook library page (LEARN-3). Thin: the data comes
from review.program and library.service; who may see the program is checked here, on the
server (managers and above: it is the whole book's progress)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from renewals.errors import Forbidden
from renewals.kit.i18n import LANGUAGE_NAMES, Text
from renewals.kit.time import today
from renewals.library import service as library_service
from renewals.review.program import program
from renewals.web import deps
from renewals.web.deps import Db, PageViewer

router = APIRouter(include_in_schema=False)

PROGRAM_ROLES = ("manager", "director", "vp", "executive", "admin")


@router.get("/program")
def program_page(request: Request, session: Db, viewer: PageViewer) -> Response:
    """MET-2: where the renewal program stands, each milestone with its evidence."""
    if viewer.user.role not in PROGRAM_ROLES:
        raise Forbidden(
            Text("the program page is for managers and above (it shows the whole book)")
        )
    context = deps.web(request)
    return deps.render(
        request,
        "review/program.html",
        viewer,
        program=program(session, context.policy, as_of=today()),
    )


@router.get("/library")
def library_page(
    request: Request,
    session: Db,
    viewer: PageViewer,
    kind: str | None = None,
    language: str | None = None,
) -> Response:
    """LEARN-3: the playbook library with each item's uses and outcomes."""
    if kind not in (None, "", *library_service.KINDS):
        kind = None
    if language not in (None, "", *library_service.LANGUAGES):
        language = None
    report = library_service.report(session, kind=kind or None, language=language or None)
    return deps.render(
        request,
        "review/library.html",
        viewer,
        report=report,
        kind=kind or "",
        language=language or "",
        kinds=library_service.KINDS,
        languages=library_service.LANGUAGES,
        language_names=LANGUAGE_NAMES,
    )
