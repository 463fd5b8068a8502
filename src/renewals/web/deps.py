"""What every route shares: the database session, the signed-in user, CSRF, templates.

Routes stay thin: they take `Db`, `PageUser`/`ApiUser` and `Csrf` from here and call a
domain's service. Every unsafe request made with a session cookie must carry the
session's CSRF token (form field `csrf_token` or header `X-CSRF-Token`); API calls
authenticated by a bearer token carry no cookie and need none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.responses import Response

from renewals.config import Settings
from renewals.db import make_sessionmaker
from renewals.errors import RenewalsError
from renewals.kit import i18n
from renewals.kit.secrets import same_secret
from renewals.kit.templates import CompiledTemplates, in_language, install_i18n
from renewals.kit.time import utc_now
from renewals.policy.domain import Policy
from renewals.user import auth
from renewals.user.models import User, WebSession

SESSION_COOKIE = "renewals_session"
LOGIN_CSRF_COOKIE = "renewals_login_csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TEMPLATES_DIR = Path(__file__).parent / "templates"
# The pages compiled once per process, whichever app (tests build one per test) asks first.
_COMPILED = CompiledTemplates()


@dataclass
class WebContext:
    """Built once by create_app and kept on app.state."""

    settings: Settings
    engine: Engine
    policy: Policy
    secret: str
    templates: Jinja2Templates


def make_templates(settings: Settings) -> Jinja2Templates:
    """Your copies in RENEWALS_TEMPLATES_DIR/web win over the packaged pages."""
    dirs = [Path(settings.templates_dir) / "web"] if settings.templates_dir else []
    templates = Jinja2Templates(directory=[*dirs, TEMPLATES_DIR])
    templates.env.loader = ChoiceLoader([FileSystemLoader([*map(str, dirs), str(TEMPLATES_DIR)])])
    templates.env.bytecode_cache = _COMPILED
    from renewals.web import formatting
    from renewals.web.tables import url_with

    templates.env.globals["url_with"] = url_with
    formatting.install(templates.env)  # plural, money, pct, yesno, dates (issue 15)
    install_i18n(templates.env)  # _(), {% trans %}, term: the request's language (issue 22)
    return templates


def web(request: Request) -> WebContext:
    return request.app.state.web


def db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed before the response is sent, rolled back on error."""
    session = make_sessionmaker(web(request).engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


Db = Annotated[Session, Depends(db, scope="function")]
Web = Annotated[WebContext, Depends(web)]


class NeedsLogin(RenewalsError):
    """No valid session: pages redirect to /login, the API answers 401."""

    def __init__(self, next_url: str = "/") -> None:
        super().__init__(i18n.Text("Sign in first."), 401)
        self.next_url = next_url


class CsrfFailed(RenewalsError):
    def __init__(self) -> None:
        super().__init__(
            i18n.Text("The form's CSRF token is missing or wrong; reload the page and try again."),
            403,
        )


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of this request and how they signed in."""

    user: User
    web_session: WebSession | None  # None when signed in with an API token

    @property
    def csrf_token(self) -> str:
        return self.web_session.csrf_token if self.web_session else ""


def _viewer(request: Request, session: Session) -> Viewer | None:
    context = web(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = auth.token_user(session, header[7:].strip(), now=utc_now())
        return Viewer(user, None) if user else None
    found = auth.session_user(
        session, request.cookies.get(SESSION_COOKIE), now=utc_now(), policy=context.policy.web
    )
    return Viewer(*found) if found else None


async def sent_csrf_token(request: Request) -> str | None:
    """The CSRF token an unsafe request carries (header or form field); no database work.

    This is the only async dependency: reading a form body must be awaited. Everything that
    touches the database is a plain `def` so that FastAPI runs it in the thread pool and the
    event loop never waits for a connection (issue 23).
    """
    if request.method not in UNSAFE_METHODS:
        return None
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf_token")  # type: ignore[assignment]
    return sent if isinstance(sent, str) else None


SentCsrf = Annotated[str | None, Depends(sent_csrf_token)]


async def raw_body(request: Request) -> bytes:
    """The request body, read on the event loop so that the route itself can be a plain `def`."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def _check_csrf(request: Request, viewer: Viewer, sent: str | None) -> None:
    if request.method not in UNSAFE_METHODS or viewer.web_session is None:
        return
    if not same_secret(sent, viewer.csrf_token):
        raise CsrfFailed()


def viewer_for_error_page(request: Request) -> Viewer | None:
    """Who is looking at an error page, so it keeps the navigation (read-only; never raises)."""
    session = make_sessionmaker(web(request).engine)()
    try:
        return _viewer(request, session)
    except Exception:  # an error page must render even when the database cannot answer
        return None
    finally:
        session.close()  # discards the session's unsaved changes; loaded objects stay readable


def page_viewer(request: Request, session: Db, sent: SentCsrf) -> Viewer:
    viewer = _viewer(request, session)
    if viewer is None:
        raise NeedsLogin(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    _check_csrf(request, viewer, sent)
    return viewer


def api_viewer(request: Request, session: Db, sent: SentCsrf) -> Viewer:
    viewer = _viewer(request, session)
    if viewer is None:
        raise RenewalsError(i18n.Text("Sign in or send 'Authorization: Bearer <token>'."), 401)
    _check_csrf(request, viewer, sent)
    return viewer


PageViewer = Annotated[Viewer, Depends(page_viewer)]
ApiViewer = Annotated[Viewer, Depends(api_viewer)]


def page_language(request: Request, user: User | None) -> str:
    """The language a person reads the pages in (issue 22): the one set on their profile
    (`renewals user add/update --language`, /profile), else the browser's Accept-Language,
    else the policy's `web.language`."""
    return i18n.choose(
        user.language if user is not None else None,
        i18n.from_accept_language(request.headers.get("accept-language")),
        web(request).policy.web.language,
    )


def render(
    request: Request,
    name: str,
    viewer: Viewer | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """A page with the layout's shared context (user, CSRF token, policy), in the viewer's
    language (the template is rendered here, so the block covers every word of it)."""
    ctx = web(request)
    language = page_language(request, viewer.user if viewer else None)
    with i18n.using(language):
        return ctx.templates.TemplateResponse(
            request,
            in_language(name, language),  # compiled with its words in the language
            {
                "user": viewer.user if viewer else None,
                "csrf_token": viewer.csrf_token if viewer else "",
                "policy": ctx.policy,
                "ui_language": language,
                **context,
            },
            status_code=status_code,
        )


def login_redirect(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="")
