"""Risk signals as the JSON API shows them, with their evidence (SIG-0..9)."""

from __future__ import annotations

from datetime import date
from typing import Any

from renewals.web.api_common import Out


class SignalRead(Out):
    signal_id: int
    account_id: str
    kind: str
    rule: str
    severity: str
    source: str
    source_id: str
    source_date: date
    first_seen_on: date
    last_seen_on: date
    language: str | None
    evidence: str
    facts: dict[str, Any]
    active: bool
