"""The answer to an unexpected failure (HTTP 500) on a page or in the API (issue 15).

The person sees a short message with a request id and never a traceback; the log gets
the same id with the traceback, so a report ("request 3f9c...") leads to the cause.
Starlette calls this handler outside the application's middleware, so the security
headers that every other answer gets there are set here as well.
"""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.responses import Response

log = logging.getLogger("renewals.web")

MESSAGE = (
    "Something went wrong on our side and nothing was changed. "
    "If it happens again, tell your administrator the request id {request_id}."
)


def new_request_id() -> str:
    return secrets.token_hex(6)


def is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/webhooks/")) or path == "/openapi.json"


def with_headers(response: Response, headers: Mapping[str, str]) -> Response:
    """`response` with the security headers and no caching (errors are never cached)."""
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def unexpected(request: Request, exc: Exception, headers: Mapping[str, str]) -> Response:
    """Log the failure with a request id; answer 500 in the page or API error format."""
    request_id = new_request_id()
    log.error(
        "500 request_id=%s %s %s: %s",
        request_id,
        request.method,
        request.url.path,
        type(exc).__name__,
        exc_info=exc,
    )
    message = MESSAGE.format(request_id=request_id)
    response: Response
    if is_api(request):
        body = {"error": {"status": 500, "message": message, "request_id": request_id}}
        response = JSONResponse(body, status_code=500)
    else:
        response = _page(request, message, request_id)
    response.headers["X-Request-ID"] = request_id
    return with_headers(response, headers)


def _page(request: Request, message: str, request_id: str) -> Response:
    # No database work here: the database may be what failed.
    from renewals.web import deps

    try:
        return deps.render(
            request,
            "error.html",
            None,
            status_code=500,
            status=500,
            message=message,
            request_id=request_id,
        )
    except Exception:  # the templates themselves failed: a plain page still answers
        log.exception("500 request_id=%s: the error page could not be drawn", request_id)
        return HTMLResponse(
            f"<!doctype html><title>500</title><h1>Something went wrong (500)</h1>"
            f"<p>{html.escape(message)}</p>",
            status_code=500,
        )
