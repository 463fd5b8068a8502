"""The team teaches the text signals on the account page (issue 18):
POST /accounts/{id}/signals/{signal_id}/label (right or wrong, with the right label) and
POST /accounts/{id}/signals/missed (a sentence the detectors missed, with its kind).

Thin: CSRF is checked by `PageViewer`; who may label (anyone who may see the account,
TECH-5) is checked by renewals.signal.labels before anything is read or written.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from renewals.errors import NotFound
from renewals.kit.i18n import Text
from renewals.kit.time import today
from renewals.signal import labels
from renewals.web import deps
from renewals.web.deps import Db, PageViewer
from renewals.web.params import FormChoice, FormText, IntId
from renewals.web.params import PathId as AccountId

router = APIRouter(include_in_schema=False)


def _back(account_id: str) -> Response:
    return RedirectResponse(f"/accounts/{account_id}#signals", status_code=303)


@router.post("/accounts/{account_id}/signals/{signal_id}/label")
def label_signal(
    request: Request,
    session: Db,
    viewer: PageViewer,
    account_id: AccountId,
    signal_id: IntId,
    kind: FormChoice = "none",
) -> Response:
    """The sentence of this signal carries `kind` (none: the signal is wrong)."""
    policy = deps.web(request).policy
    label = labels.mark(
        session, policy, signal_id=signal_id, by=viewer.user.email, labels=[kind], as_of=today()
    )
    if label.account_id != account_id:  # after access: a refused person learns nothing; rolled back
        raise NotFound(
            Text("no signal {id} on account {account}", id=str(signal_id), account=account_id)
        )
    return _back(account_id)


@router.post("/accounts/{account_id}/signals/missed")
def label_missed(
    request: Request,
    session: Db,
    viewer: PageViewer,
    account_id: AccountId,
    sentence: FormText = "",
    kind: FormChoice = "",
) -> Response:
    """A sentence of the account that carries a signal the detectors did not find."""
    policy = deps.web(request).policy
    labels.add(
        session,
        policy,
        account_id=account_id,
        sentence=sentence,
        labels=[kind],
        by=viewer.user.email,
        as_of=today(),
    )
    return _back(account_id)
