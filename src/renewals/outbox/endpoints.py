"""Outbox approvals over the JSON API: approve or decline a message waiting for a person
(TIME-5). Who may is decided by renewals.outbox.service: the owner, their managers, a
director or above, or an admin."""

from __future__ import annotations

from fastapi import APIRouter

from renewals.concession.schemas import MessageRead
from renewals.outbox import service as outbox_service
from renewals.outbox.models import OutboxMessage
from renewals.web import api_common as api
from renewals.web.deps import ApiViewer, Db

router = APIRouter(tags=["approvals"])


class MessageDecline(api.StrictIn):
    reason: api.RequiredText


@router.post(
    "/outbox/{message_id}/approve",
    response_model=MessageRead,
    responses=api.errors(403, 404, 409),
    summary="Approve a message waiting for a person (TIME-5)",
)
def approve_message(session: Db, viewer: ApiViewer, message_id: api.IntId) -> OutboxMessage:
    return outbox_service.approve(session, [message_id], by=viewer.user.email)[0]


@router.post(
    "/outbox/{message_id}/decline",
    response_model=MessageRead,
    responses=api.errors(400, 403, 404, 409),
    summary="Decline a message waiting for a person: it is never sent (TIME-5)",
)
def decline_message(
    session: Db, viewer: ApiViewer, message_id: api.IntId, body: MessageDecline
) -> OutboxMessage:
    return outbox_service.decline(session, message_id, by=viewer.user.email, reason=body.reason)
