"""The FastAPI application: REST API under /api/v1 (OpenAPI at /docs) and the pages.

`create_app(settings)` builds everything once: the migrated engine, the validated
policy, the secret key and the templates. Each area adds its routers in `_routers()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from renewals import __version__, migrate
from renewals.config import Settings
from renewals.db import make_engine
from renewals.errors import RenewalsError
from renewals.kit import i18n
from renewals.kit.figures import FigureStore
from renewals.kit.i18n import Text, lazy, tr
from renewals.kit.locale import DEFAULT_LANGUAGE
from renewals.kit.secrets import secret_key
from renewals.policy import service as policy_service
from renewals.web import deps, failures, serving
from renewals.web.admission import Admission, AdmissionStats
from renewals.web.cache import PageCache

STATIC_DIR = Path(__file__).parent / "static"
API_PREFIX = "/api/v1"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Scripts and styles only from our own static files (charts are drawn by /static/app.js).
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


def _routers(app: FastAPI) -> None:
    from renewals.web import auth_pages

    app.include_router(auth_pages.router)
    from renewals.web import api  # /api/v1 (JSON), /openapi.json and /docs behind login

    app.include_router(api.router)
    app.include_router(api.docs_router)
    from renewals.web import admin_pages  # /audit, /users (admins only)

    app.include_router(admin_pages.router)
    from renewals.worker import pages as worker_pages  # /admin/jobs (admins only)

    app.include_router(worker_pages.router)
    from renewals.account import pages as account_pages  # /accounts, /accounts/{id}
    from renewals.renewal import pages as renewal_pages  # /renewals

    app.include_router(account_pages.router)
    from renewals.signal import pages as signal_pages  # /accounts/{id}/signals/... (labels)

    app.include_router(signal_pages.router)
    app.include_router(renewal_pages.router)
    from renewals.proposal import pages as proposal_pages  # /proposals/{id}

    app.include_router(proposal_pages.router)
    from renewals.concession import pages as concession_pages  # /approvals, /concessions/{id}
    from renewals.dashboard import pages as dashboard_pages  # /home, /manager, /executive
    from renewals.outbox import pages as outbox_pages  # /outbox
    from renewals.playbook import pages as playbook_pages  # /tasks

    app.include_router(dashboard_pages.router)
    app.include_router(playbook_pages.router)
    app.include_router(concession_pages.router)
    app.include_router(outbox_pages.router)
    from renewals.contract_doc import pages as contract_pages  # /contracts, /sign, /webhooks/esign

    app.include_router(contract_pages.router)
    from renewals.source import endpoints as source_endpoints  # /v1 product events (issue 19)

    app.include_router(source_endpoints.router)
    from renewals.review import pages as review_pages  # /program (MET-2), /library (LEARN-3)

    app.include_router(review_pages.router)


def _is_api(request: Request) -> bool:
    # /v1: the product-event tracking API (source/endpoints.py) answers JSON too.
    return request.url.path.startswith((API_PREFIX, "/webhooks", "/v1/"))


def error_body(status: int, message: str, **extra: object) -> dict[str, object]:
    """The stable error format of the API: {"error": {"status", "message", ...}}."""
    return {"error": {"status": status, "message": message, **extra}}


# An API client sends the token in a header, not in a form.
API_CSRF_MESSAGE = Text(
    "The X-CSRF-Token header is missing or wrong: a call made with the session cookie must "
    "send the session's CSRF token (or authenticate with 'Authorization: Bearer <token>')."
)
INVALID_FIELDS = Text("Some fields are invalid.")
# Pydantic's and Starlette's own English messages an API client meets most, as templates:
# read back in the reader's language like a stored reason (kit.i18n.tr); their `type` and
# `loc` stay as they are (machine codes). Others stay English.
FRAMEWORK_MESSAGES = (
    lazy("Field required"),
    lazy("Extra inputs are not permitted"),
    lazy("Input should be a valid integer, unable to parse string as an integer"),
    lazy("Input should be a valid integer"),
    lazy("Input should be a valid number, unable to parse string as a number"),
    lazy("Input should be a valid number"),
    lazy("Input should be a valid string"),
    lazy("Input should be a valid boolean, unable to interpret input"),
    lazy("Input should be a valid date or datetime, input is too short"),
    lazy("Input should be a valid date in the format YYYY-MM-DD, {why}"),
    lazy("Input should be a valid dictionary or object to extract fields from"),
    lazy("Input should be a valid list"),
    lazy("Input should be greater than {limit}"),
    lazy("Input should be greater than or equal to {limit}"),
    lazy("Input should be less than {limit}"),
    lazy("Input should be less than or equal to {limit}"),
    lazy("String should have at least {n} characters"),
    lazy("String should have at most {n} characters"),
    lazy("String should have at least {n} character"),
    lazy("String should have at most {n} character"),
    lazy("JSON decode error"),
    lazy("Value error, {reason}"),
    lazy("Not Found"),
    lazy("Method Not Allowed"),
)


def _literal(error: Mapping[str, Any]) -> Text | None:
    """Pydantic's answer to a value not among a parameter's choices (an unknown `?sort=` or
    `?status=`), "Input should be 'a', 'b' or 'c'", as a Text: the choices as they are, the
    words in the reader's language. None for any other error."""
    expected = str((error.get("ctx") or {}).get("expected", ""))
    one, _or, other = expected.rpartition(" or ")
    if error.get("type") not in ("literal_error", "enum") or not one:
        return None
    return Text(
        "Input should be {expected}", expected=Text("{one} or {other}", one=one, other=other)
    )


async def _reader_language(request: Request) -> str:
    """The language of whoever made the failing request (issue 22): the signed-in user's
    (session or API token), else Accept-Language, else the policy's."""
    viewer = await run_in_threadpool(deps.viewer_for_error_page, request)
    return deps.page_language(request, viewer.user if viewer else None)


async def _read(request: Request, message: object) -> str:
    """An error's message in the reader's language; the English when nothing matches."""
    with i18n.using(await _reader_language(request)):
        return tr(message)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(deps.NeedsLogin)
    async def _needs_login(request: Request, exc: deps.NeedsLogin) -> Response:
        if _is_api(request):
            message = await _read(request, exc.message)
            return JSONResponse(error_body(401, message), status_code=401)
        return RedirectResponse(deps.login_redirect(exc.next_url), status_code=303)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # A 500: logged with a request id shown to the person, never a traceback (issue 15).
        return failures.unexpected(request, exc, SECURITY_HEADERS)

    @app.exception_handler(RenewalsError)
    async def _expected(request: Request, exc: RenewalsError) -> Response:
        if _is_api(request):
            message = API_CSRF_MESSAGE if isinstance(exc, deps.CsrfFailed) else exc.message
            message = await _read(request, message)
            return JSONResponse(error_body(exc.status_code, message), status_code=exc.status_code)
        return deps.render(
            request,
            "error.html",
            await run_in_threadpool(deps.viewer_for_error_page, request),
            status_code=exc.status_code,
            status=exc.status_code,
            message=exc.message,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "message": _literal(e) or e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        if _is_api(request):
            with i18n.using(await _reader_language(request)):
                read = [{**f, "message": tr(f["message"])} for f in fields]
                body = error_body(422, tr(INVALID_FIELDS), fields=read)
            return JSONResponse(body, status_code=422)
        # each field and its problem, read on the page in its reader's words (`tr`)
        message = i18n.joined(
            Text(
                "{field}: {message}", field=".".join(f["loc"][1:]) or "input", message=f["message"]
            )
            for f in fields
        )
        return deps.render(
            request,
            "error.html",
            await run_in_threadpool(deps.viewer_for_error_page, request),
            status_code=422,
            status=422,
            message=message,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if _is_api(request) or exc.status_code == 405:
            return JSONResponse(
                error_body(exc.status_code, await _read(request, str(exc.detail))),
                status_code=exc.status_code,
                headers=headers,
            )
        return deps.render(
            request,
            "error.html",
            await run_in_threadpool(deps.viewer_for_error_page, request),
            status_code=exc.status_code,
            status=exc.status_code,
            message=str(exc.detail),
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # One connection per admitted request, so the pool is exactly the admission limit and a
    # request never queues for a connection (docs/deploy.md).
    engine = make_engine(
        settings.database_url,
        pool_size=settings.web_concurrency,
        timeout_seconds=settings.db_timeout_seconds,
    )
    migrate.ensure_schema(engine)
    stats = AdmissionStats(limit=settings.web_concurrency)
    app = FastAPI(
        title="renewals",
        version=__version__,
        description=(
            "Renewal management API. Authenticate with `Authorization: Bearer <token>` "
            "(create one with `renewals user token EMAIL`). Errors are "
            '`{"error": {"status", "message"}}`; invalid input is 422 with `fields`; '
            "a busy server answers 503 with Retry-After."
        ),
        docs_url=None,  # /docs and /openapi.json are served behind login by web/api.py
        openapi_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    policy = policy_service.load(settings.policy_file)
    secret = secret_key(settings)
    app.state.web = deps.WebContext(
        settings=settings,
        engine=engine,
        policy=policy,
        secret=secret,
        templates=deps.make_templates(settings),
    )
    app.state.admission = stats
    # Book-wide figures are shared between processes through the database; on SQLite a
    # page never takes the write lock for them (the daily run stores them), kit/figures.py.
    store = FigureStore(
        secret,
        context=policy_service.fingerprint(policy),
        writes=engine.dialect.name != "sqlite",
    )
    app.state.page_cache = PageCache(settings.dashboard_cache_seconds, store=store)
    app.state.loop_guard = serving.guard_event_loop(engine)

    @app.middleware("http")
    async def _security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    # Added last, so it is the outermost middleware: a shed request costs almost nothing.
    app.add_middleware(
        Admission,
        stats=stats,
        backlog=settings.web_backlog,
        wait_seconds=settings.web_queue_seconds,
        headers=SECURITY_HEADERS,
    )
    _install_error_handlers(app)
    serving.install_busy_handlers(app, SECURITY_HEADERS)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(serving.router)
    _routers(app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    serving.size_thread_pool(app.state.web.settings)
    serving.share_interpreter(app.state.web.settings)
    await run_in_threadpool(
        serving.warm_templates,
        app.state.web.templates,
        (app.state.web.policy.web.language, DEFAULT_LANGUAGE),
    )
    yield
    app.state.web.engine.dispose()
