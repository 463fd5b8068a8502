"""Account rules on plain values."""

from __future__ import annotations

from enum import StrEnum


class Segment(StrEnum):
    """SEG-1 segments, largest first."""

    enterprise = "enterprise"
    mid_market = "mid_market"
    smb = "smb"


class StakeholderRole(StrEnum):
    """STK-1 roles."""

    user = "user"
    champion = "champion"
    economic_buyer = "economic_buyer"
    decision_maker = "decision_maker"
    technical_buyer = "technical_buyer"
    legal = "legal"
    procurement = "procurement"
    executive = "executive"


class GoalStatus(StrEnum):
    achieved = "achieved"
    on_track = "on_track"
    at_risk = "at_risk"
    missed = "missed"


class Language(StrEnum):
    """Languages the text rules understand (ISO 639-1); others are stored as given."""

    en = "en"
    de = "de"
    id = "id"
    ms = "ms"
