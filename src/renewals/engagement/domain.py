"""Engagement vocabularies (the values the import format accepts)."""

from __future__ import annotations

from enum import StrEnum


class TicketPriority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class SurveyKind(StrEnum):
    nps = "nps"
    csat = "csat"


class InteractionKind(StrEnum):
    meeting = "meeting"
    qbr = "qbr"
    call = "call"
    email = "email"
    note = "note"
    training = "training"
    webinar = "webinar"
    beta_invite = "beta_invite"


class InteractionStatus(StrEnum):
    held = "held"
    cancelled = "cancelled"
    no_show = "no_show"
    declined = "declined"
    scheduled = "scheduled"
    sent = "sent"
    replied = "replied"

    @classmethod
    def missed(cls) -> frozenset[InteractionStatus]:
        """Statuses that count as disengagement (SIG-2)."""
        return frozenset({cls.cancelled, cls.no_show, cls.declined})


SURVEY_SCALES: dict[SurveyKind, tuple[int, int]] = {
    SurveyKind.nps: (0, 10),
    SurveyKind.csat: (1, 5),
}
