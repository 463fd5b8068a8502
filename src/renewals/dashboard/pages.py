"""Role dashboards (TECH-5): GET /home, /manager, /executive. Thin: parse, call the
dashboard service, render. `?as_of=YYYY-MM-DD` shows another day; `?csv=<table>`
downloads one table whole."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from renewals.dashboard import service, tables
from renewals.kit import validate
from renewals.kit.time import today
from renewals.user.access import scope_for
from renewals.web import cache, deps
from renewals.web.deps import Db, PageViewer

router = APIRouter(include_in_schema=False)


def parse_day(value: str | None, field: str = "as_of") -> date:
    """`as_of` from the query string (default today, UTC); a bad or out-of-range date is a
    422 (renewals.kit.validate: 2000-01-01 to 2999-12-31)."""
    return validate.parse_day(value, field) or today()


def _dashboard(
    request: Request,
    session: Db,
    viewer: PageViewer,
    name: str,
    day: date,
    compute: Callable[[], Any],
    *,
    shared_by: Hashable,
    options: tuple[str, ...] = (),
) -> Response:
    """A dashboard's figures, computed once per (day, `options` such as the trend period, and
    `shared_by`: whom they are for — the user, their team's scope, or the whole book) and kept
    until the data changes (web/cache.py): the aggregates cost seconds on a large book and
    change only with the daily run or a person's action. Each table's page (`<table>_page`,
    `_sort`, `_desc`) is kept under its own key, so paging a table reuses the figures.
    Callers check the role first: access before state."""
    size = deps.web(request).policy.dashboard.rows_per_table
    pages_cache = cache.of(request)
    key = (name, shared_by, day, options)
    data = pages_cache.get(session, key, compute)
    params = tuple(sorted(request.query_params.items()))
    pages = pages_cache.get(
        session,
        (*key, params),
        lambda: tables.pages(session, data.specs, request.query_params, size=size),
    )
    return deps.render(request, f"dashboard/{name}.html", viewer, data=data, pages=pages)


@router.get("/home")
def home_page(
    request: Request,
    session: Db,
    viewer: PageViewer,
    as_of: str | None = None,
    csv: str | None = None,
) -> Response:
    context = deps.web(request)
    day = parse_day(as_of)
    if csv:
        specs = service.home_specs(session, viewer.user, context.policy, as_of=day)
        return tables.export(session, specs, csv)
    return _dashboard(
        request,
        session,
        viewer,
        "home",
        day,
        lambda: service.home(session, viewer.user, context.policy, as_of=day),
        shared_by=viewer.user.email,  # the home page lists the user's own approvals
    )


@router.get("/manager")
def manager_page(
    request: Request,
    session: Db,
    viewer: PageViewer,
    as_of: str | None = None,
    csv: str | None = None,
) -> Response:
    context = deps.web(request)
    day = parse_day(as_of)
    service.require_role(viewer.user, service.MANAGER_ROLES, "manager")
    if csv:
        specs, _ = service.manager_specs(session, viewer.user, context.policy, as_of=day)
        return tables.export(session, specs, csv)
    # The book-wide parts (forecast by owner, stage stalls, win/loss) are the same on every
    # team's page: computed once and shared with the other processes (kit/figures.py).
    memo = cache.memo(request, session)
    return _dashboard(
        request,
        session,
        viewer,
        "manager",
        day,
        lambda: service.manager(session, viewer.user, context.policy, as_of=day, memo=memo),
        shared_by=scope_for(session, viewer.user, context.policy.web),  # same team, same page
    )


@router.get("/executive")
def executive_page(
    request: Request,
    session: Db,
    viewer: PageViewer,
    as_of: str | None = None,
    csv: str | None = None,
    trend: str = "quarter",
) -> Response:
    context = deps.web(request)
    day = parse_day(as_of)
    service.require_role(viewer.user, service.EXECUTIVE_ROLES, "executive")
    if csv:
        specs, _ = service.executive_specs(session, context.policy, as_of=day, trend_by=trend)
        return tables.export(session, specs, csv)
    return _dashboard(
        request,
        session,
        viewer,
        "executive",
        day,
        lambda: service.executive(
            session,
            viewer.user,
            context.policy,
            as_of=day,
            trend_by=trend,
            memo=cache.memo(request, session),
        ),
        shared_by="book",  # the whole book, the same for every executive role
        options=(trend,),
    )


# --- shared by the work-queue pages (tasks, concessions, outbox) -----------------------------


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request", "").lower() == "true"


def back_to(request: Request, default: str) -> str:
    """Where a form returns to: the Referer when it is this site, else `default`."""
    referer = request.headers.get("referer", "")
    if not referer:
        return default
    parts = urlsplit(referer)
    same_site = (not parts.netloc or parts.netloc == request.url.netloc) and parts.scheme in (
        "",
        request.url.scheme,
    )
    path = parts.path or "/"
    if not same_site or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    return path + (f"?{parts.query}" if parts.query else "")


def redirect_back(request: Request, default: str) -> Response:
    return RedirectResponse(back_to(request, default), status_code=303)
