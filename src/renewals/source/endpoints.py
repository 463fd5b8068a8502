"""The Segment/RudderStack-compatible HTTP tracking API: POST /v1/track, /v1/identify,
/v1/group, /v1/page, /v1/screen, /v1/alias and /v1/batch (docs/sources.md).

Authentication: HTTP Basic with the source's write key as the user name (what the client
libraries send), or `writeKey` in the body. A request is acknowledged once its messages
are in the durable spool; the worker's `source.compact` job moves them into the usage
store. The answers are the tracking API's: 200 `{"success": true}`; 400/401/413 with
`{"success": false, "code", "message"}` (the client libraries do not retry those), 503
with Retry-After when the server is busy (they retry).
"""

from __future__ import annotations

import zlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from renewals.kit.time import utc_now
from renewals.source import domain, service
from renewals.web import deps
from renewals.web.deps import Db

# Not in /openapi.json: the format is the tracking API's own (docs/sources.md).
router = APIRouter(prefix="/v1", include_in_schema=False)

CALLS = ("track", "identify", "group", "page", "screen", "alias", "batch")


# What event_body returns for a gzip body that does not inflate (never valid JSON).
BAD_GZIP = b"\x00bad gzip"


async def event_body(request: Request) -> bytes | None:
    """The request body, unzipped, read on the event loop up to the 500 KB batch limit;
    None past it. Touches no database."""
    limit = domain.MAX_BATCH_BYTES
    gzipped = request.headers.get("content-encoding", "").lower() == "gzip"
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        if inflate is not None:
            try:
                chunk = inflate.decompress(chunk, limit + 1 - size)
            except zlib.error:
                return BAD_GZIP
            if inflate.unconsumed_tail:
                return None
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    if inflate is not None:
        try:
            tail = inflate.flush()
        except zlib.error:
            return BAD_GZIP
        size += len(tail)
        if size > limit:
            return None
        chunks.append(tail)
    return b"".join(chunks)


EventBody = Annotated[bytes | None, Depends(event_body)]


def _refuse(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "code": code, "message": message}, status_code=status)


def _receive(
    call: str, request: Request, session: Db, body: bytes | None, authorization: str | None
) -> Response:
    received = utc_now()
    if body is None:
        return _refuse(
            413,
            "request_too_large",
            f"a request may hold at most {domain.MAX_BATCH_BYTES:,} bytes (unzipped); "
            "send smaller batches",
        )
    payload: dict[str, Any] | None = None
    key = domain.write_key_from(authorization, None)
    if key is None:  # no Basic auth: the key may be in the body (`writeKey`)
        try:
            payload = domain.parse_body(body)
        except domain.BadRequest:
            payload = None
        key = domain.write_key_from(None, payload)
    source = service.authenticate(session, key)
    if source is None:
        return _refuse(
            401,
            "unauthorized",
            "unknown or revoked write key: send it as the Basic auth user name "
            "(`renewals source add NAME` creates one)",
        )
    if body == BAD_GZIP:
        return _refuse(400, "bad_request", "the body says gzip but does not inflate")
    try:
        payload = payload if payload is not None else domain.parse_body(body)
        messages = domain.messages_of(payload, call)
    except domain.BadRequest as exc:
        return _refuse(400, "bad_request", str(exc))
    settings = deps.web(request).settings
    accepted = service.accept(settings.data_dir, source.id, messages, received=received)
    return JSONResponse({"success": True, "received": accepted.messages})


def _route(call: str):  # type: ignore[no-untyped-def]
    def receive(
        request: Request,
        session: Db,
        body: EventBody,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        return _receive(call, request, session, body, authorization)

    receive.__name__ = f"receive_{call}"
    receive.__doc__ = (
        f"Accept a `{call}` call of the Segment/RudderStack tracking API (docs/sources.md)."
        if call != "batch"
        else 'Accept a batch of tracking calls (`{"batch": [...]}`, at most 500 KB).'
    )
    return receive


for _call in CALLS:
    router.add_api_route(f"/{_call}", _route(_call), methods=["POST"], name=f"events_{_call}")
