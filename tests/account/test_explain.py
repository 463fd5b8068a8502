"""component_moves (HEALTH-5): which components moved the score, by how much, from which facts."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renewals.account.explain import component_moves

NAMES = ("usage", "adoption", "support", "relationship")


def component(
    name: str, score: float | None, share: float, **measures: float | None
) -> dict[str, Any]:
    return {
        "name": name,
        "score": score,
        "weight": share,
        "share": share if score is not None else 0.0,
        "measures": [
            {"feature": f, "value": v, "score": None, "weight": 1.0} for f, v in measures.items()
        ],
    }


def total(components: list[dict[str, Any]]) -> float:
    return sum(c["share"] * c["score"] for c in components if c["score"] is not None)


def test_it_says_which_component_moved_the_score_and_from_which_facts() -> None:
    before = [
        component("usage", 80, 0.5, usage_change_30d=0.10),
        component("support", 60, 0.5, urgent_tickets=1),
    ]
    after = [
        component("usage", 40, 0.5, usage_change_30d=-0.35),
        component("support", 60, 0.5, urgent_tickets=1),
    ]
    moves = component_moves(after, before)
    assert [m.component for m in moves] == ["usage", "support"]  # biggest move first
    usage = moves[0]
    assert usage.change == -20.0 and (usage.points_before, usage.points_after) == (40.0, 20.0)
    assert usage.rules == ("HEALTH-1", "HEALTH-5")
    assert "usage took away 20.0 points" in usage.reason
    assert [f.text for f in usage.facts] == [
        "usage in the last 30 days vs the previous 30: +10% -> -35%"
    ]
    assert moves[1].change == 0 and moves[1].facts == ()


def test_a_component_that_lost_its_data_gives_back_its_points() -> None:
    before = [component("usage", 80, 0.5), component("support", 60, 0.5)]
    after = [component("usage", 80, 1.0), component("support", None, 0.0)]
    moves = {m.component: m for m in component_moves(after, before)}
    assert moves["support"].change == -30.0 and moves["support"].points_after is None
    assert "re-weighted" in moves["support"].reason
    assert moves["usage"].change == 40.0
    assert sum(m.change for m in moves.values()) == pytest.approx(total(after) - total(before))


def test_without_a_previous_snapshot_nothing_moved() -> None:
    assert component_moves([component("usage", 80, 1.0)], None) == []


scores = st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False))


@given(st.lists(scores, min_size=4, max_size=4), st.lists(scores, min_size=4, max_size=4))
def test_the_moves_add_up_to_the_change_in_the_score(
    old: list[float | None], new: list[float | None]
) -> None:
    def book(values: list[float | None]) -> list[dict[str, Any]]:
        present = [v for v in values if v is not None]
        share = 1 / len(present) if present else 0.0
        return [component(n, v, share) for n, v in zip(NAMES, values, strict=True)]

    before, after = book(old), book(new)
    moves = component_moves(after, before)
    # each change is rounded to 0.1 point: the sum is within half a point per component
    assert sum(m.change for m in moves) == pytest.approx(
        total(after) - total(before), abs=0.05 * len(NAMES) + 1e-9
    )
