"""Renewal contract documents as the JSON API shows them (TECH-4)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from renewals.web.api_common import Out


class ContractRead(Out):
    """Status: draft -> pending_approval -> approved -> sent -> signed | declined | expired."""

    document_id: int
    renewal_id: str
    account_id: str
    proposal_id: int | None
    language: str
    currency: str
    annual_value: Decimal
    term_months: int
    status: str
    required_role: str | None
    approved_by: str | None
    approved_at: datetime | None
    signer_name: str | None
    signer_email: str | None
    sent_at: datetime | None
    expires_at: datetime | None
    signed_name: str | None
    signed_at: datetime | None
    signed_via: str | None
    sha256: str | None
    created_by: str
    created_at: datetime
    version: int


class ContractDetail(ContractRead):
    """With the terms and why approval routes to `required_role` (TECH-4)."""

    terms: dict[str, Any]
    routing: dict[str, Any]
