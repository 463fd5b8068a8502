"""Proposals as the JSON API shows and takes them (TECH-3, BUN-1/2, MY-1..4)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from renewals.web.api_common import Ident, IsoDate, Out, StrictIn


class ProposalRead(Out):
    proposal_id: int
    renewal_id: str
    account_id: str
    as_of: date
    language: str
    currency: str
    option: str
    status: str
    concession_id: int | None
    created_by: str
    created_at: datetime
    pdf_sha256: str | None


class ProposalDetail(ProposalRead):
    """With the value summary (FUND-5, ROI-1) and the priced options with their reasons."""

    value_summary: dict[str, Any]
    options: dict[str, Any]


class ProposalCreate(StrictIn):
    """Draft a proposal for a renewal; a discounted option asks for a concession (CONC-3)."""

    renewal_id: Ident
    option: Literal["good", "better", "best"] | None = Field(
        None, description="the option to recommend; default: the rules' choice (BUN-1)"
    )
    as_of: IsoDate | None = Field(None, description="business day (default today)")
