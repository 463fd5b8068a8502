"""The policy prior (TECH-1): a likelihood from health category, SIG-0 risk and stage,
usable on day one with no history. Every number is in `[forecast.prior]`."""

from __future__ import annotations

from collections.abc import Sequence

from renewals.forecast.engine import Driver, Prediction, RenewalFeatures
from renewals.policy.domain import Prior


class PriorEngine:
    name = "prior"

    def __init__(self, prior: Prior) -> None:
        self.prior = prior

    def predict_one(self, row: RenewalFeatures) -> Prediction:
        p = self.prior
        category = row.health_category or "unscored"
        base = float(getattr(p, category, p.unscored))
        drivers = [
            Driver(
                "health_category",
                base,
                f"TECH-1: health {category}: base likelihood {base:.0%}",
            )
        ]
        value = base
        risk = {"watch": p.risk_watch, "at_risk": p.risk_at_risk, "save": p.risk_save}.get(
            row.risk or ""
        )
        if risk:
            value += risk
            drivers.append(Driver("risk", risk, f"SIG-0: risk {row.risk}: {risk:+.0%}"))
        stage = {"closing": p.stage_closing, "execution": p.stage_execution}.get(row.stage)
        if stage:
            value += stage
            drivers.append(Driver("stage", stage, f"TIME-4: stage {row.stage}: {stage:+.0%}"))
        clipped = min(p.ceiling, max(p.floor, value))
        if clipped != value:
            drivers.append(
                Driver(
                    "bounds", clipped - value, f"TECH-1: kept within {p.floor:.0%}-{p.ceiling:.0%}"
                )
            )
        return Prediction(round(clipped, 4), self.name, tuple(drivers))

    def predict(self, rows: Sequence[RenewalFeatures]) -> list[Prediction]:
        return [self.predict_one(r) for r in rows]
