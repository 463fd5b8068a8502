"""Concessions on the web (CONC-3, CONC-6): the approvals inbox, one concession's full
record, approve / decline / forward, and the request form.

Authority is enforced by renewals.concession.service on the server: a refusal is a 403
page with the reason. Requesting needs the right to change the renewal's account.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from renewals.concession import service
from renewals.concession.domain import Rationale, parse_terms
from renewals.dashboard import queues
from renewals.dashboard.pages import is_htmx, parse_day
from renewals.dashboard.tables import TableQuery
from renewals.errors import RenewalsError
from renewals.kit import i18n
from renewals.kit.time import today
from renewals.renewal import service as renewal_service
from renewals.user import access
from renewals.web import deps
from renewals.web.deps import Db, PageViewer
from renewals.web.params import FormChoice, FormEmail, FormShort, FormText, IntId, PathId

router = APIRouter(include_in_schema=False)

Text = FormText


@router.get("/approvals")
def approvals_page(
    request: Request, session: Db, viewer: PageViewer, format: str | None = None
) -> Response:
    context = deps.web(request)
    spec = queues.approvals_spec(session, viewer.user, context.policy)
    if format == "csv":
        return spec.export(session)
    query = TableQuery.read(request.query_params, "", size=context.policy.web.page_size)
    return deps.render(
        request, "concession/approvals.html", viewer, page=spec.fetch(session, query)
    )


@router.get("/concessions/{concession_id}")
def concession_page(
    request: Request, session: Db, viewer: PageViewer, concession_id: IntId
) -> Response:
    context = deps.web(request)
    concession = service.get(session, concession_id)
    service.require_view(session, concession, viewer.user, context.policy)
    view = queues.concession_view(session, concession_id, viewer.user, context.policy)
    return deps.render(request, "concession/show.html", viewer, v=view)


def _back(concession_id: int) -> Response:
    return RedirectResponse(f"/concessions/{concession_id}", status_code=303)


@router.post("/concessions/{concession_id}/approve")
def approve(
    request: Request, session: Db, viewer: PageViewer, concession_id: IntId, rationale: Text = ""
) -> Response:
    policy = deps.web(request).policy  # the service checks access before state (TECH-5)
    service.approve(session, concession_id, by=viewer.user.email, note=rationale, policy=policy)
    return _back(concession_id)


@router.post("/concessions/{concession_id}/decline")
def decline(
    request: Request, session: Db, viewer: PageViewer, concession_id: IntId, rationale: Text = ""
) -> Response:
    if not rationale.strip():
        service.require_view(
            session, service.get(session, concession_id), viewer.user, deps.web(request).policy
        )
        raise RenewalsError(
            i18n.Text("say why you decline: the rationale is required (CONC-6)"), 422
        )
    policy = deps.web(request).policy
    service.decline(session, concession_id, by=viewer.user.email, note=rationale, policy=policy)
    return _back(concession_id)


@router.post("/concessions/{concession_id}/forward")
def forward(
    request: Request,
    session: Db,
    viewer: PageViewer,
    concession_id: IntId,
    to: FormEmail = "",
    note: Text = "",
) -> Response:
    policy = deps.web(request).policy  # the service checks access before state (TECH-5)
    service.forward(
        session,
        concession_id,
        by=viewer.user.email,
        to=to.strip() or None,
        note=note,
        policy=policy,
    )
    return _back(concession_id)


def _editable_renewal(request: Request, session: Db, viewer: PageViewer, renewal_id: PathId) -> Any:
    renewal = renewal_service.get(session, renewal_id)
    access.require_edit(session, viewer.user, renewal.account_id, deps.web(request).policy.web)
    return renewal


def _form(
    request: Request,
    session: Db,
    viewer: PageViewer,
    renewal: Any,
    *,
    values: dict[str, Any] | None = None,
    evaluation: Any = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = deps.web(request)
    form = queues.request_form(session, renewal, viewer.user, context.policy, as_of=today())
    return deps.render(
        request,
        "concession/new.html",
        viewer,
        status_code=status_code,
        form=form,
        values=values or {"kinds": []},
        evaluation=evaluation,
        error=error,
    )


@router.get("/renewals/{renewal_id}/concessions/new")
def new_concession(
    request: Request, session: Db, viewer: PageViewer, renewal_id: PathId
) -> Response:
    renewal = _editable_renewal(request, session, viewer, renewal_id)
    return _form(request, session, viewer, renewal)


def _discount(value: str) -> float:
    text = value.strip().rstrip("%").strip().replace(",", ".")
    if not text:
        return 0.0
    try:
        return float(text)
    except ValueError:
        raise RenewalsError(
            i18n.Text("the discount must be a number of percent, got {value}", value=repr(value)),
            422,
        ) from None


Kinds = Annotated[list[str] | None, Form()]


def _terms(value: str) -> dict[str, float]:
    """CONC-8: "payment_terms=90, easy_exit=30" (commas or new lines) as sizes by kind."""
    return parse_terms(p.strip() for p in value.replace("\n", ",").split(",") if p.strip())


@router.post("/renewals/{renewal_id}/concessions")
def request_concession(
    request: Request,
    session: Db,
    viewer: PageViewer,
    renewal_id: PathId,
    discount_pct: FormShort = "",
    kinds: Kinds = None,
    give_back: FormChoice = "",
    sunset_clause: Text = "",
    business_rationale: Text = "",
    expected_outcome: Text = "",
    alternatives_considered: Text = "",
    terms: Text = "",
    as_of: str | None = None,
) -> Response:
    renewal = _editable_renewal(request, session, viewer, renewal_id)
    values = {
        "terms": terms,
        "discount_pct": discount_pct,
        "kinds": list(kinds or []),
        "give_back": give_back,
        "sunset_clause": sunset_clause,
        "business_rationale": business_rationale,
        "expected_outcome": expected_outcome,
        "alternatives_considered": alternatives_considered,
    }
    try:
        concession = service.request(
            session,
            renewal_id,
            discount_pct=_discount(discount_pct),
            kinds=[k for k in kinds or [] if k],
            requested_by=viewer.user.email,
            give_back=give_back or None,
            sunset_clause=sunset_clause or None,
            rationale=Rationale(business_rationale, expected_outcome, alternatives_considered),
            policy=deps.web(request).policy,
            as_of=parse_day(as_of),
            sizes=_terms(terms),
        )
    except service.ConcessionBlocked as blocked:
        session.rollback()
        return _form(
            request,
            session,
            viewer,
            renewal,
            values=values,
            evaluation=blocked.evaluation,
            error=blocked.message,
            status_code=422,
        )
    except RenewalsError as exc:
        if exc.status_code in (403, 404):
            raise
        session.rollback()
        return _form(
            request,
            session,
            viewer,
            renewal,
            values=values,
            error=exc.message,
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/concessions/{concession.concession_id}", status_code=303)


@router.post("/renewals/{renewal_id}/concessions/check")
def check_concession(
    request: Request,
    session: Db,
    viewer: PageViewer,
    renewal_id: PathId,
    discount_pct: FormShort = "",
    kinds: Kinds = None,
    give_back: FormChoice = "",
    sunset_clause: Text = "",
    business_rationale: Text = "",
    expected_outcome: Text = "",
    alternatives_considered: Text = "",
    terms: Text = "",
) -> Response:
    """Evaluate the form against CONC-1..10 without storing anything (HTMX preview)."""
    renewal = _editable_renewal(request, session, viewer, renewal_id)
    try:
        evaluation = service.evaluate_for(
            session,
            renewal.renewal_id,
            discount_pct=_discount(discount_pct),
            kinds=[k for k in kinds or [] if k],
            requested_by=viewer.user.email,
            give_back=give_back or None,
            sunset_clause=sunset_clause or None,
            rationale=Rationale(business_rationale, expected_outcome, alternatives_considered),
            policy=deps.web(request).policy,
            sizes=_terms(terms),
        )
        error = None
    except RenewalsError as exc:
        if exc.status_code in (403, 404) or not is_htmx(request):
            raise
        evaluation, error = None, exc.message
    return deps.render(
        request, "concession/_evaluation.html", viewer, evaluation=evaluation, error=error
    )
