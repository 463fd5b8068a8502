"""The rule catalogue (rules.toml beside this file): every rule ID the product cites, what
it says and which seed article and section it comes from. docs/rules.md is generated from
it (`python -m renewals.kit.docgen`); `cited_ids` finds the IDs a text cites."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# A rule ID (SEG-1), a range (HEALTH-1..5, SIG-2..8) or a pair (OWN-1/2, SEG-2/3).
FAMILIES = "FUND|HEALTH|SIG|SEG|TIME|OWN|SAVE|CONC|ESC|LOST|POST|MET|TECH|MY|BUN|ROI|STK|LEARN"
CITATION = re.compile(rf"\b({FAMILIES})-(\d+)(?:(\.\.|/)(\d+))?\b")


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    original: str
    language: str


@dataclass(frozen=True)
class Rule:
    id: str
    area: str
    says: str
    source: Source
    sections: tuple[str, ...]

    @property
    def family(self) -> str:
        return self.id.rsplit("-", 1)[0]


@lru_cache
def catalogue() -> tuple[Rule, ...]:
    """Every rule, in the catalogue's order (by area, then number)."""
    text = resources.files("renewals").joinpath("rules.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    sources = {key: Source(key, **value) for key, value in data["sources"].items()}
    return tuple(
        Rule(r["id"], r["area"], r["says"], sources[r["source"]], tuple(r["sections"]))
        for r in data["rule"]
    )


def by_id() -> dict[str, Rule]:
    return {r.id: r for r in catalogue()}


def cited_ids(text: str) -> set[str]:
    """The rule IDs a text cites, ranges and pairs expanded (`SIG-2..4` -> SIG-2, SIG-3, SIG-4)."""
    found: set[str] = set()
    for family, first, joiner, last in CITATION.findall(text):
        start = int(first)
        if joiner == "..":
            found.update(f"{family}-{n}" for n in range(start, int(last) + 1))
        else:
            found.add(f"{family}-{start}")
            if joiner == "/":
                found.add(f"{family}-{int(last)}")
    return found
