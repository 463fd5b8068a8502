"""Proposal pages (TECH-3): the proposal with its options and reasons, its PDF, and creating one.

Thin: access is checked on the server (renewals.user.access) for every request; the
work is renewals.proposal.service's.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from renewals.errors import RenewalsError
from renewals.kit.i18n import Text
from renewals.kit.time import today
from renewals.proposal import service
from renewals.proposal.domain import OptionName
from renewals.renewal import service as renewal_service
from renewals.user import access
from renewals.web import deps
from renewals.web.deps import Db, PageViewer, Web
from renewals.web.params import FormChoice, IntId, PathId

router = APIRouter(include_in_schema=False)


@router.get("/proposals/{proposal_id}")
def proposal_page(
    request: Request, proposal_id: IntId, session: Db, viewer: PageViewer, web: Web
) -> Response:
    proposal = service.get(session, proposal_id)
    access.require_view(session, viewer.user, proposal.account_id, web.policy.web)
    service.sync_approval(session, proposal)
    can_edit = access.can_edit_account(session, viewer.user, proposal.account_id, web.policy.web)
    renewal = renewal_service.get(session, proposal.renewal_id)
    return deps.render(
        request,
        "proposal/show.html",
        viewer,
        proposal=proposal,
        renewal=renewal,
        summary=proposal.value_summary,
        pricing=proposal.options,
        option_names=[o.value for o in OptionName],
        can_edit=can_edit,
    )


@router.get("/proposals/{proposal_id}/pdf")
def proposal_pdf(proposal_id: IntId, session: Db, viewer: PageViewer, web: Web) -> Response:
    proposal = service.get(session, proposal_id)
    access.require_view(session, viewer.user, proposal.account_id, web.policy.web)
    data = service.pdf_bytes(proposal)
    name = f"proposal-{proposal.proposal_id}-{proposal.renewal_id}.pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/renewals/{renewal_id}/proposals")
def create_proposal(
    renewal_id: PathId,
    session: Db,
    viewer: PageViewer,
    web: Web,
    option: FormChoice = "",
) -> Response:
    renewal = renewal_service.get(session, renewal_id)
    access.require_edit(session, viewer.user, renewal.account_id, web.policy.web)
    if option and option not in {o.value for o in OptionName}:
        choices = ", ".join(o.value for o in OptionName)
        raise RenewalsError(
            Text(
                "option must be one of {choices}, got {value}", choices=choices, value=repr(option)
            ),
            422,
        )
    proposal = service.create(
        session,
        renewal_id,
        option=option or None,
        by=viewer.user.email,
        as_of=today(),
        policy=web.policy,
        templates_dir=web.settings.templates_dir,
        vendor_name=web.settings.vendor_name,
    )
    return RedirectResponse(f"/proposals/{proposal.proposal_id}", status_code=303)
