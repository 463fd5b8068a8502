"""One interface for the likelihood engines: the policy prior and the learned model.

Both take the same point-in-time facts of a renewal and return a likelihood in 0-1
with the drivers that moved it, so the daily forecast, the backtest and the model
comparison treat them alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class RenewalFeatures:
    """A renewal as it looked on `as_of` (no fact dated after it)."""

    account_id: str
    as_of: date
    renewal_date: date
    arr: float
    segment: str
    health_score: float | None
    health_category: str | None
    risk: str | None  # SIG-0: none | watch | at_risk | save
    signals: tuple[str, ...] = ()
    stage: str = "assessment"
    features: Mapping[str, float | None] = field(default_factory=dict)  # HEALTH-1 features
    renewal_id: str | None = None

    @property
    def days_to_renewal(self) -> int:
        return (self.renewal_date - self.as_of).days


@dataclass(frozen=True)
class Driver:
    feature: str
    contribution: float  # in likelihood points (prior) or log-odds (learned), signed
    text: str


@dataclass(frozen=True)
class Prediction:
    likelihood: float
    engine: str  # prior | learned
    drivers: tuple[Driver, ...] = ()
    model_id: int | None = None


class Engine(Protocol):
    name: str

    def predict(self, rows: Sequence[RenewalFeatures]) -> list[Prediction]: ...
