"""Issue 16: a policy that lies is worse than none. Every key of the policy schema must be
read by some code outside the policy package; a key nobody reads fails this test (remove
it, or make the code use it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from renewals.policy.domain import Policy

SRC = Path(__file__).resolve().parents[2] / "src" / "renewals"
# Where keys are declared and loaded, not used.
OWN = {SRC / "policy" / "domain.py", SRC / "policy" / "service.py", SRC / "policy" / "commands.py"}
# Keys the policy model reads itself, through a method the code calls.
READ_VIA = {"weights": "weights_for"}


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


def source_text() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in sorted(SRC.rglob("*.py")) if p not in OWN
    )


def test_every_policy_key_is_read_by_some_code() -> None:
    text = source_text()
    unread = sorted(
        path
        for name, paths in schema_keys().items()
        if not re.search(
            rf"\.{re.escape(READ_VIA.get(name, name))}\b|[\"']{re.escape(name)}[\"']", text
        )
        for path in paths
    )
    assert not unread, f"policy keys no code reads (remove them or use them): {unread}"


def test_the_walk_sees_nested_keys() -> None:
    keys = schema_keys()
    assert "timelines.smb.automated" in keys["automated"]
    assert "segments.bands.team_hours" in keys["team_hours"]
