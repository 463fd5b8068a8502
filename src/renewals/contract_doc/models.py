"""Tables: renewal contract documents and their signature trail (TECH-4)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base, UTCDateTime


class ContractDocument(Base):
    """One renewal contract: draft -> pending_approval -> approved -> sent -> signed|declined|expired."""

    __tablename__ = "contract_document"

    document_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    renewal_id: Mapped[str] = mapped_column(ForeignKey("renewal.renewal_id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.proposal_id"))
    language: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    annual_value: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    term_months: Mapped[int] = mapped_column(Integer)
    # The terms written into the contract; non-standard ones route approval higher (TECH-4).
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    required_role: Mapped[str | None] = mapped_column(String(16))
    routing: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # why that role
    approved_by: Mapped[str | None] = mapped_column(String(254))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signer_name: Mapped[str | None] = mapped_column(String(300))
    signer_email: Mapped[str | None] = mapped_column(String(254))
    # A fresh nonce per signing link: re-sending invalidates the old link.
    link_nonce: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_name: Mapped[str | None] = mapped_column(String(300))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_ip: Mapped[str | None] = mapped_column(String(64))
    signed_via: Mapped[str | None] = mapped_column(String(32))  # link | provider name
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    html: Mapped[str] = mapped_column(Text, default="")
    file_path: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
