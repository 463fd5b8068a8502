"""Load the effective policy: packaged defaults with a user's TOML merged over them."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from renewals.errors import RenewalsError
from renewals.policy.domain import Policy

DEFAULTS = "defaults.toml"


class PolicyError(RenewalsError):
    """The policy file is unreadable or invalid; the message names every bad key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"invalid policy {source}:\n{lines}", 422)


def defaults_text() -> str:
    return resources.files("renewals.policy").joinpath(DEFAULTS).read_text(encoding="utf-8")


@lru_cache
def _defaults() -> dict[str, Any]:
    return tomllib.loads(defaults_text())


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (lists included) replaces the default."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = merge(base[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(str(path), ["file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(str(path), [f"not valid TOML: {exc}"]) from None


def _key(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problems(exc: ValidationError, data: dict[str, Any]) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            known = _known_keys(loc[:-1])
            hint = f" (known keys here: {', '.join(known)})" if known else ""
            problems.append(f"{_key(loc)}: unknown key{hint}")
        elif err["type"] == "missing":
            problems.append(f"{_key(loc)}: required key is missing")
        else:
            value = _lookup(data, loc)
            shown = (
                f" (got {value!r})"
                if value is not _MISSING and not isinstance(value, dict | list)
                else ""
            )
            message = err["msg"].removeprefix("Value error, ")
            problems.append(f"{_key(loc) or '(top level)'}: {message}{shown}")
    return problems


_MISSING = object()


def _lookup(data: Any, loc: tuple[int | str, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return data


def _known_keys(loc: tuple[int | str, ...]) -> list[str]:
    model: type[BaseModel] | None = Policy
    for part in loc:
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        model = _model_of(field.annotation) if field else None
    return sorted(model.model_fields) if model else []


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found:
            return found
    return None


def validate(data: dict[str, Any], source: str) -> Policy:
    """Validate merged policy data, or raise PolicyError listing every bad key."""
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(source, _problems(exc, data)) from None


def load(path: Path | None = None) -> Policy:
    """The effective policy: defaults, with the file at `path` (if any) merged over them."""
    if path is None:
        return _default_policy()
    return validate(merge(_defaults(), _read_toml(path)), str(path))


@lru_cache
def _default_policy() -> Policy:
    return validate(_defaults(), f"defaults ({DEFAULTS})")


@dataclass(frozen=True)
class PolicyEntry:
    key: str
    value: Any
    rule: str
    description: str


def entries(policy: Policy) -> Iterator[PolicyEntry]:
    """Every effective value with its dotted key, rule ID and description."""
    yield from _walk(policy, "", "")


def _walk(model: BaseModel, prefix: str, parent_rule: str) -> Iterator[PolicyEntry]:
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        key = f"{prefix}.{name}" if prefix else name
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        rule_id = str(extra.get("rule", parent_rule))
        if isinstance(value, BaseModel) and _is_range(value):
            yield PolicyEntry(key, f"{value.min:g}-{value.max:g}", rule_id, field.description or "")
        elif isinstance(value, BaseModel):
            yield from _walk(value, key, rule_id)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for i, item in enumerate(value):
                yield from _walk(item, f"{key}[{i}]", rule_id)
        else:
            shown = value.value if hasattr(value, "value") else value
            yield PolicyEntry(key, shown, rule_id, field.description or "")


def _is_range(value: BaseModel) -> bool:
    return set(type(value).model_fields) == {"min", "max"}
