"""Signing links and webhook signatures (TECH-4).

A signing link carries `{document id, link nonce}`, signed and timestamped with the
application's secret key (itsdangerous, salt per purpose). The token alone
authenticates the customer's signer; the service also checks that the nonce is the
document's current one (a re-sent link invalidates the old one) and the document's
`expires_at` (the database decides, so a shortened policy takes effect at once).

The signing form carries a hidden value bound to its token (an HMAC), as the signer
has no session to hold a CSRF token. Webhook calls are signed by the provider:
`X-Renewals-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer

from renewals.errors import RenewalsError
from renewals.kit.secrets import same_secret

LINK_SALT = "renewals.contract_doc.signing-link"
FORM_PURPOSE = b"renewals.contract_doc.signing-form:"
SIGNATURE_HEADER = "X-Renewals-Signature"
MAX_TOKEN = 500


class LinkTampered(RenewalsError):
    """The token was not issued by us (or was changed): 400. `reason` keys the customer's
    wording on the signing pages (in their language)."""

    reason = "invalid"
    language: str | None = None

    def __init__(self) -> None:
        super().__init__(
            "This signing link is not valid: it may have been copied incompletely or changed. "
            "Ask your contact for a new link.",
            400,
        )


class LinkGone(RenewalsError):
    """A genuine link that no longer works (expired, replaced, used): 410. `reason` is one
    of expired, signed, withdrawn, superseded, not_open, missing; `language` the contract's
    (None when unknown), so the page speaks the customer's language."""

    def __init__(self, message: str, reason: str = "expired", language: str | None = None) -> None:
        super().__init__(message, 410)
        self.reason = reason
        self.language = language


@dataclass(frozen=True)
class LinkClaim:
    document_id: int
    nonce: str
    issued_at: datetime


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=LINK_SALT)


def make_link_token(secret: str, document_id: int, nonce: str) -> str:
    """A URL-safe, signed, timestamped token for one document and its current nonce."""
    return _serializer(secret).dumps({"d": document_id, "n": nonce})


def read_link_token(secret: str, token: str, *, now: datetime, max_age_days: int) -> LinkClaim:
    """The claim of a genuine token; LinkTampered if forged or changed, LinkGone if older
    than `max_age_days` (the database's `expires_at` is checked by the service too)."""
    if not token or len(token) > MAX_TOKEN:
        raise LinkTampered()
    try:
        payload, issued = _serializer(secret).loads(token, return_timestamp=True)
    except BadSignature:
        raise LinkTampered() from None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("d"), int)
        or not isinstance(payload.get("n"), str)
    ):
        raise LinkTampered()
    issued_at = issued if issued.tzinfo else issued.replace(tzinfo=UTC)
    if (now - issued_at).total_seconds() > max_age_days * 86400:
        raise LinkGone("This signing link has expired. Ask your contact for a new link.", "expired")
    return LinkClaim(payload["d"], payload["n"], issued_at)


def form_key(secret: str, token: str) -> str:
    """The signing form's hidden anti-forgery value, bound to its token."""
    return hmac.new(secret.encode(), FORM_PURPOSE + token.encode(), hashlib.sha256).hexdigest()


def check_form_key(secret: str, token: str, value: str | None) -> bool:
    return same_secret(value, form_key(secret, token))


def webhook_signature(secret: str, body: bytes) -> str:
    """The header value a provider sends: `sha256=` + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_webhook_signature(secret: str, body: bytes, header: str | None) -> bool:
    return isinstance(header, str) and same_secret(
        header.strip().lower(), webhook_signature(secret, body)
    )
