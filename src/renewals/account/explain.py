"""What moved an account's health score between two snapshots (HEALTH-5), as plain values.

Pure rules: no database, no clock. A snapshot's score is the sum over its components of
`share x component score` (HEALTH-1, re-weighted over the components with data), so the
points each component contributed can be compared between two days, and the moves add
up exactly to the change in the score. Each move keeps its facts (the measures before
and after) and the rule IDs, so the account page can say which components moved the
score, by how much, and from which facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from renewals.health.domain import CONTEXT_FEATURES, FEATURES, format_value
from renewals.kit.i18n import Text


@dataclass(frozen=True)
class FactChange:
    """One measure of a component on both days (None: no data that day)."""

    feature: str
    label: str
    before: float | None
    after: float | None
    text: str


@dataclass(frozen=True)
class ComponentMove:
    """HEALTH-5: how many score points one component added or took away since the day before."""

    component: str
    points_before: float | None  # share x score on the earlier day; None when missing
    points_after: float | None
    score_before: float | None
    score_after: float | None
    change: float  # points_after - points_before, missing counted as contributing 0
    facts: tuple[FactChange, ...]
    reason: str
    rules: tuple[str, ...]


def points_of(component: Mapping[str, Any]) -> float | None:
    """The points a stored component contributed to its score (share x score)."""
    score = component.get("score")
    if score is None:
        return None
    return float(component.get("share") or 0) * float(score)


def feature_label(feature: str) -> str:
    info = FEATURES.get(feature)
    if info is not None:
        return info.label
    return CONTEXT_FEATURES.get(feature) or feature.replace("_", " ")


def _measures(component: Mapping[str, Any] | None) -> dict[str, float | None]:
    if not component:
        return {}
    return {m["feature"]: m.get("value") for m in component.get("measures", [])}


def component_moves(
    current: Sequence[Mapping[str, Any]],
    previous: Sequence[Mapping[str, Any]] | None,
) -> list[ComponentMove]:
    """HEALTH-5: each component's change in points since `previous`, biggest move first.

    Components are the stored snapshot records (`name`, `score`, `share`, `measures`).
    Without a previous snapshot there is nothing to compare: an empty list.
    """
    if previous is None:
        return []
    before = {c["name"]: c for c in previous}
    moves = []
    for component in current:
        name = component["name"]
        old = before.get(name)
        after_points = points_of(component)
        before_points = points_of(old) if old else None
        change = (after_points or 0.0) - (before_points or 0.0)
        old_values = _measures(old)
        facts = []
        for feature, value in _measures(component).items():
            was = old_values.get(feature)
            if was == value:
                continue
            label = feature_label(feature)
            facts.append(
                FactChange(
                    feature,
                    label,
                    was,
                    value,
                    f"{label}: {format_value(feature, was)} -> {format_value(feature, value)}",
                )
            )
        moves.append(
            ComponentMove(
                component=name,
                points_before=None if before_points is None else round(before_points, 1),
                points_after=None if after_points is None else round(after_points, 1),
                score_before=None if not old or old.get("score") is None else old["score"],
                score_after=component.get("score"),
                change=round(change, 1),
                facts=tuple(facts),
                reason=_reason(name, before_points, after_points, change),
                rules=("HEALTH-1", "HEALTH-5"),
            )
        )
    moves.sort(key=lambda m: (-abs(m.change), m.component))
    return moves


def _reason(name: str, before: float | None, after: float | None, change: float) -> Text:
    if before is None and after is None:
        return Text("HEALTH-1: {name} had no data on either day", name=name)
    if before is None:
        return Text(
            "HEALTH-1: {name} has data now and adds {after:.1f} points (no data before)",
            name=name,
            after=after,
        )
    if after is None:
        return Text(
            "HEALTH-1: {name} has no data now; its {before:.1f} points are re-weighted "
            "over the other components",
            name=name,
            before=before,
        )
    values = {"name": name, "change": abs(change), "before": before, "after": after}
    if change >= 0:
        return Text(
            "HEALTH-5: {name} added {change:.1f} points ({before:.1f} -> {after:.1f} of the score)",
            **values,
        )
    return Text(
        "HEALTH-5: {name} took away {change:.1f} points ({before:.1f} -> {after:.1f} of the score)",
        **values,
    )
