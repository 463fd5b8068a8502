"""Sign in and out. The login form is protected by a double-submit CSRF cookie."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from renewals.kit import i18n
from renewals.kit.secrets import same_secret
from renewals.kit.time import utc_now
from renewals.user import auth
from renewals.user import service as user_service
from renewals.web import deps
from renewals.web.deps import Db, PageViewer

router = APIRouter(include_in_schema=False)

# Where each role lands after signing in (TECH-5 role dashboards).
HOME_BY_ROLE = {
    "csm": "/home",
    "specialist": "/home",
    "sales": "/home",
    "manager": "/manager",
    "director": "/manager",
    "vp": "/executive",
    "executive": "/executive",
    "admin": "/executive",
}


def _safe_next(next_url: str | None) -> str | None:
    """Only same-site paths: never an absolute URL or a protocol-relative one.

    Browsers drop tabs and line breaks inside URLs and read a backslash as a slash,
    so "/\\t/evil.example" or "/\\\\evil.example" would leave the site: any control
    character, whitespace or backslash is refused.
    """
    if (
        next_url
        and next_url.startswith("/")
        and not next_url.startswith("//")
        and "\\" not in next_url
        and not any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in next_url)
    ):
        return next_url
    return None


def _login_page(
    request: Request, next_url: str | None, error: str | None = None, status_code: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    response = deps.render(
        request,
        "auth/login.html",
        None,
        status_code=status_code,
        login_csrf=token,
        next_url=_safe_next(next_url) or "",
        error=error,
    )
    response.set_cookie(
        deps.LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=3600,
        path="/login",
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next)


@router.post("/login")
def login(
    request: Request,
    session: Db,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    cookie = request.cookies.get(deps.LOGIN_CSRF_COOKIE, "")
    if not cookie or not same_secret(csrf_token, cookie):
        raise deps.CsrfFailed()
    context = deps.web(request)
    ip = request.client.host if request.client else None
    try:
        signed_in = auth.login(
            session, email, password, now=utc_now(), policy=context.policy.web, ip=ip
        )
    except auth.LoginFailed as failed:
        session.commit()  # keep the audit record and the failure count
        return _login_page(request, next, error=failed.message, status_code=401)
    target = _safe_next(next) or HOME_BY_ROLE.get(signed_in.user.role, "/home")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        deps.SESSION_COOKIE,
        signed_in.raw_session_id,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
        max_age=context.policy.web.session_hours * 3600,
    )
    response.delete_cookie(deps.LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, session: Db, viewer: PageViewer) -> Response:
    auth.logout(session, request.cookies.get(deps.SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(deps.SESSION_COOKIE, path="/")
    return response


@router.get("/profile")
def profile(request: Request, viewer: PageViewer, saved: bool = False) -> Response:
    """Your settings: the language you read the product in (issue 22)."""
    return deps.render(
        request,
        "auth/profile.html",
        viewer,
        languages=i18n.LANGUAGE_NAMES,
        browser=i18n.from_accept_language(request.headers.get("accept-language")),
        saved=saved,
    )


@router.post("/profile")
def save_profile(
    request: Request,
    session: Db,
    viewer: PageViewer,
    language: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Set (or with "" clear) your language; audited like `renewals user update --language`."""
    user_service.set_language(session, viewer.user.email, language or None, actor=viewer.user.email)
    return RedirectResponse("/profile?saved=1", status_code=303)


@router.get("/")
def root(viewer: PageViewer) -> Response:
    return RedirectResponse(HOME_BY_ROLE.get(viewer.user.role, "/home"), status_code=303)
