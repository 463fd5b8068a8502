"""Load the effective policy: packaged defaults with a user's TOML merged over them."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from renewals.errors import RenewalsError
from renewals.kit.i18n import Text, joined
from renewals.policy.domain import PRODUCT, SEED, Policy, PolicyModel, Range, Source

DEFAULTS = "defaults.toml"


class PolicyError(RenewalsError):
    """The policy file is unreadable or invalid; the message names every bad key."""

    def __init__(self, source: str, problems: list[Text]) -> None:
        self.source = source
        self.problems = problems  # each a Text: its key path and rule ID as they are
        head = Text("invalid policy {path}:", path=source)
        # one problem a line, each read in the reader's language (issue 22)
        super().__init__(joined([head, *problems], "\n  "), 422)


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
        raise PolicyError(str(path), [Text("file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's own explanation (line and column) stays as it gives it
        raise PolicyError(str(path), [Text("not valid TOML: {error}", error=str(exc))]) from None


def _key(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problems(exc: ValidationError, data: dict[str, Any]) -> list[Text]:
    """Each bad key as `key.path: reason`, English as it reads; printed with `tr`, the
    reason reads in the language (the key path and rule IDs as they are): the schema's own
    checks are Text, Pydantic's English is read through the catalogue's templates of its
    messages (web.app.FRAMEWORK_MESSAGES)."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = _key(loc)
        if err["type"] == "extra_forbidden":
            known = _known_keys(loc[:-1])
            problems.append(
                Text(
                    "{key}: unknown key (known keys here: {field})", key=key, field=", ".join(known)
                )
                if known
                else Text("{key}: unknown key", key=key)
            )
            continue
        if err["type"] == "missing":
            problems.append(Text("{key}: required key is missing", key=key))
            continue
        ctx = err.get("ctx") or {}
        value = _lookup(data, loc)
        if err["type"] == "literal_error" and "expected" in ctx and value is not _MISSING:
            # Pydantic's "Input should be 'a', 'b' or 'c'" has no words of the catalogue:
            # the import's own sentence for a value outside its choices (quoted as given)
            allowed = str(ctx["expected"]).replace(" or ", ", ")
            outside = Text("{raw} is not one of: {allowed}", raw=repr(value), allowed=allowed)
            problems.append(Text("{key}: {reason}", key=key, reason=outside))
            continue
        error = ctx.get("error")
        reason: str = (
            error.args[0]
            if isinstance(error, ValueError) and error.args and isinstance(error.args[0], Text)
            # a table where a value is (Pydantic's English, the schema's name as it is)
            else Text(
                "Input should be a valid dictionary or instance of {table}",
                table=ctx["class_name"],
            )
            if err["type"] == "model_type" and "class_name" in ctx
            else err["msg"].removeprefix("Value error, ")
        )
        if value is not _MISSING and not isinstance(value, dict | list):
            problems.append(
                Text("{key}: {reason} (got {value})", key=key, reason=reason, value=repr(value))
                if key
                else Text("(top level): {reason} (got {value})", reason=reason, value=repr(value))
            )
        else:
            problems.append(
                Text("{key}: {reason}", key=key, reason=reason)
                if key
                else Text("(top level): {reason}", reason=reason)
            )
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
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(source, _problems(exc, data)) from None
    unknown = unknown_features(policy)
    if unknown:
        raise PolicyError(source, unknown)
    return policy


def unknown_features(policy: Policy) -> list[Text]:
    """HEALTH-1: each measure and calibration candidate must read a feature the health job
    computes (a misspelt name would never fire, silently); the problems name the key.
    HEALTH-3 guards name a signal fact, which the schema checks."""
    from renewals.health.domain import FEATURES  # health reads the policy, not the reverse

    known = ", ".join(sorted(FEATURES))
    named = [("measures", i, m.feature) for i, m in enumerate(policy.health.measures)]
    named += [
        ("calibration_candidates", i, c.feature)
        for i, c in enumerate(policy.health.calibration_candidates)
    ]
    problems = []
    for kind, i, feature in named:
        if feature not in FEATURES:
            key = f"health.{kind}[{i}].feature"
            problems.append(
                Text(
                    "{key}: unknown feature {value} (known: {field})",
                    key=key,
                    value=repr(feature),
                    field=known,
                )
            )
    return problems


def load(path: Path | None = None) -> Policy:
    """The effective policy: defaults, with the file at `path` (if any) merged over them."""
    if path is None:
        return _default_policy()
    return validate(merge(_defaults(), _read_toml(path)), str(path))


def load_data(data: dict[str, Any], source: str) -> Policy:
    """The effective policy of a user file's data (already parsed), merged over the defaults."""
    return validate(merge(_defaults(), data), source)


def fingerprint(policy: Policy) -> str:
    """A digest of every value of the effective policy: two processes with the same
    fingerprint decide alike (figures shared between processes carry it, kit/figures.py)."""
    return hashlib.sha256(policy.model_dump_json().encode()).hexdigest()


@lru_cache
def _default_policy() -> Policy:
    return validate(_defaults(), f"defaults ({DEFAULTS})")


@dataclass(frozen=True)
class PolicyEntry:
    key: str
    value: Any  # plain data: str, int, float, bool, None, or lists and tables of them
    rule: str
    description: str
    source: str = "seed"  # "seed" (the rule gives the value) or "product default"

    @property
    def shown(self) -> str:
        """The value as a person reads it: `smb, mid_market`, `comprehensive = 14`, `true`."""
        return display(self.value)


def entries(policy: Policy) -> Iterator[PolicyEntry]:
    """Every effective value with its dotted key, rule ID, description and source."""
    yield from _walk(policy, "", "")


def plain(value: Any) -> Any:
    """Policy values as plain data: enums by their value, Decimals as numbers, models as tables."""
    if isinstance(value, BaseModel):
        return {k: plain(v) for k, v in value}
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def display(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return ", ".join(
            f"{k} = {{{display(v)}}}" if isinstance(v, dict) else f"{k} = {display(v)}"
            for k, v in value.items()
            if v is not None
        )
    if isinstance(value, list):
        if value and all(isinstance(v, list) for v in value):  # (x, y) points
            return ", ".join("(" + ", ".join(display(x) for x in v) + ")" for v in value)
        return ", ".join(display(v) for v in value) if value else "(none)"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def field_meta(field: Any, parent_rule: str) -> tuple[str, Source]:
    """(rule ID, source) of a schema field: its own marker, or the enclosing field's rule."""
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    source: Source = PRODUCT if extra.get("source") == PRODUCT else SEED
    return str(extra.get("rule", parent_rule)), source


def _walk(model: BaseModel, prefix: str, parent_rule: str) -> Iterator[PolicyEntry]:
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        key = f"{prefix}.{name}" if prefix else name
        rule_id, declared = field_meta(field, parent_rule)
        source = model.value_source(name, declared) if isinstance(model, PolicyModel) else declared
        description = field.description or ""
        if isinstance(value, Range):
            yield PolicyEntry(key, f"{value.min:g}-{value.max:g}", rule_id, description, source)
        elif isinstance(value, BaseModel):
            yield from _walk(value, key, rule_id)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for i, item in enumerate(value):
                yield from _walk(item, f"{key}[{i}]", rule_id)
        elif (
            isinstance(value, dict) and value and isinstance(next(iter(value.values())), BaseModel)
        ):
            for k, item in value.items():
                yield from _walk(item, f"{key}.{plain(k)}", rule_id)
        else:
            yield PolicyEntry(key, plain(value), rule_id, description, source)


# ---------------------------------------------------------------- the meanings' catalogue


def meanings(model: type[BaseModel] = Policy) -> list[str]:
    """The description of every field of the policy's schema (`policy show`'s "meaning"
    column), each once, in the schema's order: every model the policy is made of, whether or
    not the effective policy has an item of it (a team's added step reads them too)."""
    found: dict[str, None] = {}
    seen: set[type[BaseModel]] = set()

    def models(annotation: Any) -> Iterator[type[BaseModel]]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield annotation
        for arg in getattr(annotation, "__args__", ()):
            yield from models(arg)

    def walk(current: type[BaseModel]) -> None:
        if current in seen:
            return
        seen.add(current)
        for field in current.model_fields.values():
            if field.description:
                found[field.description] = None
            for inner in models(field.annotation):
                walk(inner)

    walk(model)
    return list(found)


def extract_meanings(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[Any, ...]]:
    """Babel extraction method for policy/domain.py (babel.cfg, issue 22): its Python
    messages, then the schema's descriptions (line 0), which `renewals policy show` prints
    in the reader's language. Imports Babel when run."""
    from babel.messages.extract import extract_python

    yield from extract_python(fileobj, keywords, comment_tags, options)
    for text in meanings():
        yield 0, None, text, []
