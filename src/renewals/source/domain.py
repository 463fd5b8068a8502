"""Product events in the Segment/RudderStack HTTP tracking format, on plain values.

`normalise(message, ...)` turns one tracking-API message into the spool's record or a
reason to quarantine it. No I/O and no clock: the endpoint passes the time it received
the request in.

Mapping to the usage store (docs/data-format.md: account_id, user_id, event, feature,
timestamp):

| call | account_id | user_id | event | feature |
|---|---|---|---|---|
| track | groupId, context.groupId, properties.groupId, else the user's group | userId or anonymousId | `event` | properties.feature |
| page / screen | as track | as track | `page` / `screen` | `name` (or properties.name) |
| group | (maps userId to groupId for later calls) | | | |
| identify | (maps userId to context.groupId / traits.groupId when given) | | | |
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# The Segment HTTP tracking API's limits.
MAX_BATCH_BYTES = 500 * 1024
MAX_MESSAGE_BYTES = 32 * 1024
TYPES = ("track", "page", "screen", "identify", "group", "alias")
USAGE_TYPES = ("track", "page", "screen")
MAX_ID_CHARS = 500


@dataclass(frozen=True)
class Record:
    """One message as the spool keeps it (short keys: the spool is written per request)."""

    message_id: str
    type: str
    user_id: str | None
    group_id: str | None
    event: str | None
    feature: str | None
    timestamp: str  # ISO 8601, UTC
    problem: str | None = None  # set: the message goes to the quarantine with this reason

    def as_json(self, source_id: int, received_at: str) -> dict[str, Any]:
        return {
            "s": source_id,
            "m": self.message_id,
            "t": self.type,
            "u": self.user_id,
            "g": self.group_id,
            "e": self.event,
            "f": self.feature,
            "ts": self.timestamp,
            "r": received_at,
            "p": self.problem,
        }


class BadRequest(ValueError):
    """The request as a whole is unusable (not JSON, no batch): 400, nothing kept."""


def write_key_from(authorization: str | None, body: dict[str, Any] | None) -> str | None:
    """The write key: HTTP Basic user name ('KEY:' in base64), else the body's writeKey."""
    if authorization and authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        key = decoded.split(":", 1)[0]
        return key or None
    if body is not None and isinstance(body.get("writeKey"), str):
        return body["writeKey"] or None
    return None


def parse_body(raw: bytes) -> dict[str, Any]:
    """The JSON object of a request; BadRequest with the reason otherwise."""
    if len(raw) > MAX_BATCH_BYTES:
        raise BadRequest(f"the request is {len(raw):,} bytes; the limit is {MAX_BATCH_BYTES:,}")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def messages_of(body: dict[str, Any], call: str) -> list[Any]:
    """The messages of a request: `batch` for /v1/batch, the body itself for a single call."""
    if call == "batch":
        batch = body.get("batch")
        if not isinstance(batch, list):
            raise BadRequest('/v1/batch needs {"batch": [message, ...]}')
        return batch
    return [{**body, "type": body.get("type") or call}]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        text = str(value).strip()
        return text[:MAX_ID_CHARS] or None
    return None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _timestamp(message: dict[str, Any], received: datetime) -> tuple[str, str | None]:
    """`timestamp` (else originalTimestamp, else when it was received) as UTC ISO 8601."""
    for key in ("timestamp", "originalTimestamp"):
        raw = message.get(key)
        if raw is None:
            continue
        if not isinstance(raw, str):
            return received.isoformat(), f"{key} is not a string"
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return received.isoformat(), f"{key} is not an ISO 8601 timestamp: {raw[:40]!r}"
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(), None
    return received.isoformat(), None


def group_of(message: dict[str, Any]) -> str | None:
    """The account a message names: groupId, context.groupId or properties.groupId."""
    context = _mapping(message.get("context"))
    properties = _mapping(message.get("properties"))
    traits = _mapping(message.get("traits")) or _mapping(context.get("traits"))
    for value in (
        message.get("groupId"),
        context.get("groupId"),
        properties.get("groupId"),
        traits.get("groupId"),
    ):
        text = _text(value)
        if text:
            return text
    return None


def normalise(message: Any, *, received: datetime) -> Record:
    """One message as a spool record; `problem` says why it cannot be used as it is."""
    if not isinstance(message, dict):
        return Record(
            str(uuid.uuid4()),
            "?",
            None,
            None,
            None,
            None,
            received.isoformat(),
            "a message must be a JSON object",
        )
    message_id = _text(message.get("messageId")) or f"server-{uuid.uuid4()}"
    kind = _text(message.get("type")) or "?"
    user_id = _text(message.get("userId")) or _text(message.get("anonymousId"))
    group_id = group_of(message)
    timestamp, bad_time = _timestamp(message, received)
    properties = _mapping(message.get("properties"))
    event = feature = None
    problem: str | None = None
    size = len(json.dumps(message, separators=(",", ":"), default=str).encode())
    if kind not in TYPES:
        problem = f"type {kind!r} is not one of {', '.join(TYPES)}"
    elif size > MAX_MESSAGE_BYTES:
        problem = f"the message is {size:,} bytes; the limit is {MAX_MESSAGE_BYTES:,}"
    elif kind != "alias" and user_id is None:
        problem = "userId or anonymousId is required"
    elif bad_time:
        problem = bad_time
    elif kind == "track":
        event = _text(message.get("event"))
        feature = _text(properties.get("feature"))
        if event is None:
            problem = "a track call needs `event`"
    elif kind in ("page", "screen"):
        event = kind
        feature = _text(message.get("name")) or _text(properties.get("name"))
    elif kind == "group" and group_id is None:
        problem = "a group call needs `groupId`"
    return Record(message_id, kind, user_id, group_id, event, feature, timestamp, problem)
