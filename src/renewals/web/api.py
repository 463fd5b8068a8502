"""The JSON API under /api/v1, and its OpenAPI description at /openapi.json and /docs.

Each domain keeps its routes in its own `endpoints.py`; this module only gathers them.
Everything here needs a signed-in user (bearer token or session cookie): /openapi.json
answers 401 without one, /docs sends the browser to /login. Swagger UI is vendored
(static/vendor, no CDN) and started by /static/swagger-init.js.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from renewals.account import endpoints as account
from renewals.concession import endpoints as concession
from renewals.contract_doc import endpoints as contract_doc
from renewals.forecast import endpoints as forecast
from renewals.health import endpoints as health
from renewals.outbox import endpoints as outbox
from renewals.playbook import endpoints as playbook
from renewals.proposal import endpoints as proposal
from renewals.renewal import endpoints as renewal
from renewals.save_plan import endpoints as save_plan
from renewals.signal import endpoints as signal
from renewals.web.deps import ApiViewer, PageViewer, render

router = APIRouter(prefix="/api/v1")
for module in (
    account,
    renewal,
    health,
    signal,
    playbook,
    save_plan,
    concession,
    outbox,
    forecast,
    proposal,
    contract_doc,
):
    router.include_router(module.router)

docs_router = APIRouter(include_in_schema=False)

# Swagger UI sets inline styles; scripts stay 'self' only (the app's middleware leaves
# this header alone on /docs).
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


@docs_router.get("/openapi.json")
def openapi(request: Request, viewer: ApiViewer) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@docs_router.get("/docs")
def docs(request: Request, viewer: PageViewer) -> Response:
    response = render(request, "api/docs.html", viewer)
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response
