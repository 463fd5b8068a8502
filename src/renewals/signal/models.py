"""Signals: one row per (account, kind, source), seen first and last on given run dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base


class Signal(Base):
    """SIG-0..9: a risk signal with its evidence (the sentence or the numbers) and source.

    The key (account, kind, source, source_id) makes the daily run idempotent: a ticket's
    competitive remark is one signal however often it is scanned; a numeric signal that
    holds for weeks is one row whose `last_seen_on` moves.
    """

    __tablename__ = "signal"
    __table_args__ = (UniqueConstraint("account_id", "kind", "source", "source_id"),)

    signal_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(
        String(16)
    )  # health, usage, ticket, survey, interaction, ...
    source_id: Mapped[str] = mapped_column(String(64), default="")
    source_date: Mapped[date] = mapped_column(Date)
    first_seen_on: Mapped[date] = mapped_column(Date)
    last_seen_on: Mapped[date] = mapped_column(Date, index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    evidence: Mapped[str] = mapped_column(Text)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SignalLabel(Base):
    """Issue 18: a person's verdict on a sentence, per workspace (this database).

    `labels` are the kinds the sentence carries in the team's eyes (empty: none). A signal
    marked wrong names its `signal_id` (verdict `wrong`: it no longer counts, SIG-0); a
    sentence the detectors missed has verdict `missed`; `correct` confirms a signal;
    `imported` came from a TSV. `detected` is what the detectors said when it was labelled,
    so `renewals signals report` can show their precision and recall on the team's labels
    over time. Every label is also an example for the semantic layer (renewals.signal.semantic).
    """

    __tablename__ = "signal_label"

    label_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("account.account_id"), index=True)
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("signal.signal_id"), index=True)
    verdict: Mapped[str] = mapped_column(String(16))  # correct | wrong | missed | imported
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    detected: Mapped[list[str]] = mapped_column(JSON, default=list)
    labelled_by: Mapped[str] = mapped_column(String(254))
    labelled_on: Mapped[date] = mapped_column(Date, index=True)


class TextEmbedding(Base):
    """Issue 18: a sentence's embedding, cached by the hash of the model and the sentence
    (`semantic.sentence_key`), so each sentence is embedded once per workspace."""

    __tablename__ = "text_embedding"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float16, little-endian


class TextScan(Base):
    """Issue 20, the incremental daily run: what the text scan last read of an account's
    window (SIG-2..8). `fingerprint` digests the account's texts in the window, its known
    language, the policy, the team's labels and the detectors themselves; a day whose
    fingerprint is the stored one finds exactly the signals it found on `as_of`, so the
    scan only moves their `last_seen_on` instead of reading the texts again."""

    __tablename__ = "text_scan"

    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    fingerprint: Mapped[str] = mapped_column(String(64))
