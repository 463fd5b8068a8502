"""Contract pages (TECH-4): the customer's public signing page, the e-signature
provider's webhook, and the staff page of a contract with its actions.

The signing page needs no login: the signed token in the URL authenticates the
signer and shows only that one contract. Its form carries a hidden value bound to
the token instead of a session CSRF token. The contract itself is shown in a frame
from /sign/{token}/document, the one response allowed inline styles (the document's
own CSS), still without any script.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from starlette.responses import HTMLResponse, Response

from renewals.contract_doc import domain, service, tokens
from renewals.contract_doc.domain import InvalidContract, Status
from renewals.contract_doc.models import ContractDocument
from renewals.errors import RenewalsError
from renewals.kit.i18n import Text
from renewals.kit.pdf import html_to_pdf
from renewals.kit.time import utc_now
from renewals.user import access
from renewals.web import deps
from renewals.web.deps import Db, PageViewer, Viewer
from renewals.web.params import FormChoice, FormEmail, FormName, FormShort, FormText, IntId

router = APIRouter()

# The contract document's own CSS is inline; nothing else is allowed, no script at all,
# and only our own pages may frame it.
DOCUMENT_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
    ),
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "no-referrer",
}
SIGN_PAGE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
SIGN_PAGE_LANGUAGES = ("en", "de", "id", "ms")
MAX_WEBHOOK_BODY = 64 * 1024


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _accepted_language(request: Request) -> str:
    """The first of the signing pages' languages the browser asks for (else English)."""
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in SIGN_PAGE_LANGUAGES:
            return code
    return "en"


def _link_problem(
    request: Request, exc: RenewalsError, *, reason: str | None = None, lang: str | None = None
) -> Response:
    """Why a signing link does not work, in the customer's words and language (TECH-4):
    the contract's language when the link names a contract, else the browser's. Never the
    internal message (English, for staff)."""
    known = lang or getattr(exc, "language", None)
    language = known if known in SIGN_PAGE_LANGUAGES else _accepted_language(request)
    response = deps.render(
        request,
        "contract_doc/link_problem.html",
        None,
        status_code=exc.status_code,
        status=exc.status_code,
        reason=reason or getattr(exc, "reason", None) or "invalid",
        lang=language,
    )
    response.headers.update(SIGN_PAGE_HEADERS)
    return response


def _lang(doc: ContractDocument) -> str:
    """The signing pages speak the contract's language (TECH-4)."""
    return doc.language if doc.language in SIGN_PAGE_LANGUAGES else "en"


def _sign_page(
    request: Request,
    session: Db,
    doc: ContractDocument,
    token: str,
    *,
    error: str | None = None,
    status_code: int = 200,
    name: str = "",
) -> Response:
    context = deps.web(request)
    response = deps.render(
        request,
        "contract_doc/sign.html",
        None,
        status_code=status_code,
        doc=doc,
        token=token,
        form_key=tokens.form_key(context.secret, token),
        lang=_lang(doc),
        customer=service.customer_view(session, doc, context.settings),
        error=error,
        typed_name=name,
        document_sha256=service.document_sha256(doc),
    )
    response.headers.update(SIGN_PAGE_HEADERS)
    return response


@router.get("/sign/{token}", include_in_schema=False)
def sign_form(request: Request, session: Db, token: str) -> Response:
    context = deps.web(request)
    try:
        doc = service.open_link(
            session, token, secret=context.secret, policy=context.policy, now=utc_now()
        )
    except (tokens.LinkTampered, tokens.LinkGone) as exc:
        return _link_problem(request, exc)
    return _sign_page(request, session, doc, token)


@router.get("/sign/{token}/document", include_in_schema=False)
def sign_document(request: Request, session: Db, token: str) -> Response:
    context = deps.web(request)
    try:
        doc = service.open_link(
            session, token, secret=context.secret, policy=context.policy, now=utc_now()
        )
    except (tokens.LinkTampered, tokens.LinkGone) as exc:
        return _link_problem(request, exc)
    return HTMLResponse(doc.html, headers=DOCUMENT_HEADERS)


@router.post("/sign/{token}", include_in_schema=False)
def sign(
    request: Request,
    session: Db,
    token: str,
    # No length limits here: a customer's over-long input gets the signing page's own
    # message in their language (typed_signature), never a framework error page.
    signed_name: Annotated[str, Form()] = "",
    agree: Annotated[str, Form()] = "",
    form_key: Annotated[str, Form()] = "",
) -> Response:
    context = deps.web(request)
    signed_name = signed_name[: domain.MAX_NAME + 1]  # typed_signature refuses longer names
    if len(form_key) > 200 or not tokens.check_form_key(context.secret, token, form_key):
        return _link_problem(
            request,
            RenewalsError("The form is not valid for this link; open the link again.", 403),
            reason="form",
        )
    try:
        doc = service.sign_with_link(
            session,
            token,
            name=signed_name,
            agreed=agree.strip() == "yes",
            ip=_ip(request),
            secret=context.secret,
            policy=context.policy,
            settings=context.settings,
            now=utc_now(),
        )
    except (tokens.LinkTampered, tokens.LinkGone) as exc:
        return _link_problem(request, exc)
    except InvalidContract as exc:  # nothing written yet: show the form again
        try:
            doc = service.open_link(
                session, token, secret=context.secret, policy=context.policy, now=utc_now()
            )
        except (tokens.LinkTampered, tokens.LinkGone) as gone:
            return _link_problem(request, gone)
        return _sign_page(
            request,
            session,
            doc,
            token,
            error=exc.code or "invalid",
            status_code=422,
            name=signed_name[:300],
        )
    except RenewalsError as exc:  # e.g. signed meanwhile in another tab: say so, never a 500
        session.rollback()
        try:
            service.open_link(
                session, token, secret=context.secret, policy=context.policy, now=utc_now()
            )
        except (tokens.LinkTampered, tokens.LinkGone) as gone:
            return _link_problem(request, gone)
        return _link_problem(request, exc, reason="not_open")
    response = deps.render(
        request,
        "contract_doc/signed.html",
        None,
        doc=doc,
        lang=_lang(doc),
        customer=service.customer_view(session, doc, context.settings),
        document_sha256=service.document_sha256(doc),
    )
    response.headers.update(SIGN_PAGE_HEADERS)
    return response


# --- the e-signature provider ------------------------------------------------------------


@router.post(
    "/webhooks/esign",
    tags=["contracts"],
    summary="E-signature provider status callback (TECH-4)",
    description=(
        "JSON body {event_id, document_id | external_id, status: signed|completed|declined|"
        "rejected|expired, provider, signer_name (signed), signed_at (ISO 8601 with zone), "
        "signer_ip, reason}; header X-Renewals-Signature: sha256=<hex HMAC-SHA256 of the raw "
        "body with RENEWALS_ESIGN_WEBHOOK_SECRET>. Repeating an event changes nothing. "
        "See docs/contracts.md."
    ),
)
def esign_webhook(request: Request, session: Db, body: deps.RawBody) -> Response:
    context = deps.web(request)
    secret = context.settings.esign_webhook_secret
    if not secret:
        raise RenewalsError(
            Text("the e-signature webhook is off: set RENEWALS_ESIGN_WEBHOOK_SECRET"), 503
        )
    if len(body) > MAX_WEBHOOK_BODY:
        raise RenewalsError(Text("the body is too large"), 413)
    if not tokens.check_webhook_signature(
        secret, body, request.headers.get(tokens.SIGNATURE_HEADER)
    ):
        raise RenewalsError(
            Text("missing or wrong {header} header", header=tokens.SIGNATURE_HEADER), 401
        )
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise RenewalsError(Text("the body is not JSON"), 400) from None
    if not isinstance(payload, dict):
        raise RenewalsError(Text("the body must be a JSON object"), 400)
    result = service.provider_event(
        session, payload, policy=context.policy, settings=context.settings, now=utc_now()
    )
    return JSONResponse(
        {
            "document_id": result.doc.document_id,
            "status": result.status,
            "changed": result.changed,
            "message": result.message,
        }
    )


# --- staff pages -------------------------------------------------------------------------


def _detail(
    request: Request, session: Db, viewer: Viewer, doc: ContractDocument, **extra: Any
) -> Response:
    context = deps.web(request)
    user = viewer.user
    editable = service.can_edit(session, user, doc, context.policy)
    status = Status(doc.status)
    events = service.history(session, doc.document_id)
    return deps.render(
        request,
        "contract_doc/detail.html",
        viewer,
        doc=doc,
        events=events,
        document_sha256=service.document_sha256(doc),
        can_submit=editable and status == Status.draft,
        can_approve=service.can_approve(session, user, doc, context.policy),
        can_send=editable and status in (Status.approved, Status.sent, Status.expired),
        can_decline=not status.is_final
        and (editable or service.can_approve(session, user, doc, context.policy)),
        **extra,
    )


def _visible(request: Request, session: Db, viewer: Viewer, document_id: int) -> ContractDocument:
    doc = service.get(session, document_id)
    service.require_view(session, viewer.user, doc, deps.web(request).policy)
    return doc


@router.get("/contracts/{document_id}", include_in_schema=False)
def contract_page(
    request: Request, session: Db, viewer: PageViewer, document_id: IntId
) -> Response:
    return _detail(request, session, viewer, _visible(request, session, viewer, document_id))


@router.get("/contracts/{document_id}/document", include_in_schema=False)
def contract_document(
    request: Request, session: Db, viewer: PageViewer, document_id: IntId
) -> Response:
    doc = _visible(request, session, viewer, document_id)
    settings = deps.web(request).settings
    html = service.executed_html(session, doc, settings) if doc.signed_at else doc.html
    return HTMLResponse(html, headers=DOCUMENT_HEADERS)


@router.get("/contracts/{document_id}/pdf", include_in_schema=False)
def contract_pdf(request: Request, session: Db, viewer: PageViewer, document_id: IntId) -> Response:
    doc = _visible(request, session, viewer, document_id)
    name = f"contract-{doc.document_id}-{doc.renewal_id}.pdf"
    if doc.file_path and Path(doc.file_path).is_file():
        return FileResponse(doc.file_path, media_type="application/pdf", filename=name)
    settings = deps.web(request).settings
    html = service.executed_html(session, doc, settings) if doc.signed_at else doc.html
    return Response(
        html_to_pdf(html),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _back(document_id: int) -> Response:
    return RedirectResponse(f"/contracts/{document_id}", status_code=303)


@router.post("/proposals/{proposal_id}/contract", include_in_schema=False)
def contract_from_proposal(
    request: Request,
    session: Db,
    viewer: PageViewer,
    proposal_id: IntId,
    annual_value: FormShort = "",
    term_months: FormShort = "",
    clauses: FormText = "",
) -> Response:
    """Draft the renewal contract from a proposal's chosen option (TECH-4). The form shows
    the option's price, term and clauses; a value the drafter changed is used instead,
    and the service checks it against any approved concession (CONC-3, CONC-4, CONC-7)."""
    from renewals.proposal.models import Proposal

    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise RenewalsError(Text("no proposal {id}", id=str(proposal_id)), 404)
    context = deps.web(request)
    # Access before state (TECH-5): 403 before any 409 about the renewal or the proposal.
    access.require_edit(session, viewer.user, proposal.account_id, context.policy.web)
    changed = service.changed_terms(
        proposal, annual_value=annual_value, term_months=term_months, clauses=clauses
    )
    document = service.create(
        session,
        proposal.renewal_id,
        by=viewer.user.email,
        policy=context.policy,
        proposal_id=proposal_id,
        term_months=changed.term_months,
        annual_value=changed.annual_value,
        clauses=changed.clauses,
        templates_dir=context.settings.templates_dir,
        vendor=service.vendor_of(context.settings),
    )
    return _back(document.document_id)


@router.post("/contracts/{document_id}/submit", include_in_schema=False)
def contract_submit(
    request: Request, session: Db, viewer: PageViewer, document_id: IntId
) -> Response:
    # The service checks access before state (TECH-5).
    service.submit(session, document_id, by=viewer.user.email, policy=deps.web(request).policy)
    return _back(document_id)


@router.post("/contracts/{document_id}/approve", include_in_schema=False)
def contract_approve(
    request: Request,
    session: Db,
    viewer: PageViewer,
    document_id: IntId,
    note: FormText = "",
) -> Response:
    service.approve(  # the service checks access before state (TECH-5)
        session, document_id, by=viewer.user.email, policy=deps.web(request).policy, note=note
    )
    return _back(document_id)


@router.post("/contracts/{document_id}/decline", include_in_schema=False)
def contract_decline(
    request: Request,
    session: Db,
    viewer: PageViewer,
    document_id: IntId,
    reason: FormText = "",
) -> Response:
    service.decline(  # the service checks access before state (TECH-5)
        session, document_id, by=viewer.user.email, reason=reason, policy=deps.web(request).policy
    )
    return _back(document_id)


@router.post("/contracts/{document_id}/send", include_in_schema=False)
def contract_send(
    request: Request,
    session: Db,
    viewer: PageViewer,
    document_id: IntId,
    signer_name: FormName = "",
    signer_email: FormEmail = "",
    queue: FormChoice = "",
) -> Response:
    context = deps.web(request)
    sent = service.send(  # the service checks access before state (TECH-5)
        session,
        document_id,
        by=viewer.user.email,
        policy=context.policy,
        settings=context.settings,
        secret=context.secret,
        as_of=utc_now().date(),
        signer_name=signer_name or None,
        signer_email=signer_email or None,
        queue=queue == "yes",
    )
    # The link is shown once, here, to the person who sent it (never on a later page).
    return _detail(request, session, viewer, sent.doc, sent=sent)
