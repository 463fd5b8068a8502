"""Issue 16: a policy that lies is worse than none. Every key of the policy schema must be
read by some code outside the policy package; a key nobody reads fails this test (remove
it, or make the code use it).

"Read" means an attribute access `.key` (or `getattr(x, "key")`) in the Python source,
found by parsing it: a bare name in a string, a comment or a step key (`"review_meeting"`)
does not count, so a key nobody reads cannot pass by sharing its name with something else.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from renewals.policy.domain import Policy

SRC = Path(__file__).resolve().parents[2] / "src" / "renewals"
# Where keys are declared and loaded, not used.
OWN = {SRC / "policy" / "domain.py", SRC / "policy" / "service.py", SRC / "policy" / "commands.py"}
# Keys the policy model reads itself, through a method the code calls: HEALTH-1's weights
# and their per-segment overrides are read field by field by `HealthPolicy.weights_for`.
READ_VIA = {
    "weights": "weights_for",
    "segment_weights": "weights_for",
    "adoption": "weights_for",
    "outcomes": "weights_for",
    "sentiment": "weights_for",
    "support": "weights_for",
    "tenure": "weights_for",
    # The event kind patterns are read by `HealthEvents.kind_of`.
    "negative": "kind_of",
    "ignore": "kind_of",
}


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return (
        [m for arg in get_args(annotation) for m in _models(arg)] if get_origin(annotation) else []
    )


def schema_keys() -> dict[str, set[str]]:
    """Field name -> the dotted paths where it appears in the policy schema."""
    found: dict[str, set[str]] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            found.setdefault(name, set()).add(f"{prefix}{name}")
            for inner in _models(field.annotation):
                walk(inner, f"{prefix}{name}.")

    walk(Policy, "")
    return found


def attributes_read(sources: list[str]) -> set[str]:
    """Every attribute name the code reads: `x.name` and `getattr(x, "name")`."""
    found: set[str] = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Attribute):
                found.add(node.attr)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "getattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                found.add(node.args[1].value)
    return found


def unread_keys(sources: list[str], keys: dict[str, set[str]]) -> list[str]:
    read = attributes_read(sources)
    return sorted(
        path
        for name, paths in keys.items()
        if READ_VIA.get(name, name) not in read
        for path in paths
    )


def test_every_policy_key_is_read_by_some_code() -> None:
    sources = [p.read_text(encoding="utf-8") for p in sorted(SRC.rglob("*.py")) if p not in OWN]
    unread = unread_keys(sources, schema_keys())
    assert not unread, f"policy keys no code reads (remove them or use them): {unread}"


def test_a_name_in_a_string_or_comment_is_not_a_read() -> None:
    keys = {"review_meeting": {"paths.red.review_meeting"}}
    quoted = ['STEP = "review_meeting"  # review_meeting\nx = {"review_meeting": 1}\n']
    assert unread_keys(quoted, keys) == ["paths.red.review_meeting"]
    assert unread_keys(["if p.review_meeting:\n    pass\n"], keys) == []
    assert unread_keys(['getattr(p, "review_meeting")\n'], keys) == []


def test_the_walk_sees_nested_keys() -> None:
    keys = schema_keys()
    assert "timelines.smb.automated" in keys["automated"]
    assert "segments.bands.team_hours" in keys["team_hours"]
