"""Issue 16 (item 11): each policy value's source, seed or product default, told the same
way in both places a reader meets it: the schema (`rule(..., source=...)`, an item's
`value_source`), which `renewals policy show` prints, and the comment beside the key in the
shipped defaults.toml.

A value is a seed value only when DOMAIN.md or the seeds give that number or choice; a
comment that says "product default" and a schema that says PRODUCT must go together, in
both directions, so the two cannot drift apart again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from renewals.policy import service
from renewals.policy.domain import PRODUCT, SEED

HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.]+)\s*\]\]?")
KEY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=")


@dataclass(frozen=True)
class KeyLine:
    number: int
    key: str  # as `policy show` names it: health.guards[0].below
    comment: str

    @property
    def says_product(self) -> bool:
        return "product default" in self.comment.lower()


def split_comment(line: str) -> tuple[str, str, int]:
    """(code, comment, change in bracket depth) of one TOML line, strings respected."""
    depth = 0
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i], line[i + 1 :].strip(), depth
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return line, "", depth


def key_lines(text: str) -> list[KeyLine]:
    """Every table header and key of a policy TOML text with the comment on its line (a
    value spanning several lines is read on its first)."""
    table = ""
    counts: dict[str, int] = {}
    out: list[KeyLine] = []
    still_open = 0
    for number, line in enumerate(text.splitlines(), 1):
        code, comment, depth = split_comment(line)
        if still_open:
            still_open += depth
            continue
        header = HEADER.match(code)
        if header:
            table = header.group(2)
            if header.group(1) == "[[":
                counts[table] = counts.get(table, -1) + 1
                table = f"{table}[{counts[table]}]"
            out.append(KeyLine(number, table, comment))
            continue
        key = KEY.match(code)
        if key:
            name = key.group(1)
            out.append(KeyLine(number, f"{table}.{name}" if table else name, comment))
            still_open = depth
    return out


def disagreements(text: str) -> list[str]:
    sources = {e.key: e.source for e in service.entries(service.load())}
    problems = []
    for line in key_lines(text):
        if line.key not in sources:
            if not any(k.startswith(line.key) for k in sources):
                problems.append(f"line {line.number}: {line.key} is not a policy key")
            continue  # a section header: its comment is about the section
        source = sources[line.key]
        if line.says_product and source != PRODUCT:
            problems.append(
                f"line {line.number}: {line.key}: the comment says product default, "
                f"the schema says {source}"
            )
        elif not line.says_product and source == PRODUCT:
            problems.append(
                f"line {line.number}: {line.key}: the schema says product default, "
                "the comment does not"
            )
    return problems


def test_every_key_comment_and_schema_source_agree() -> None:
    problems = disagreements(service.defaults_text())
    assert not problems, "\n".join(problems)


def test_the_check_catches_both_directions() -> None:
    # healthy_nrr_rate is a seed value (FUND-2: 90%+); green_min_score a product default.
    text = (
        "[fundamentals]\n"
        "healthy_nrr_rate = 0.9  # FUND-2 (product default)\n"
        "[health]\n"
        "green_min_score = 70    # HEALTH-3: green at or above\n"
    )
    problems = disagreements(text)
    assert len(problems) == 2, problems
    assert "fundamentals.healthy_nrr_rate: the comment says product default" in problems[0]
    assert "health.green_min_score: the schema says product default" in problems[1]


def test_an_item_of_a_list_tells_its_own_source() -> None:
    # TIME-1's "after signature" gives no day: that step's offset is a product default,
    # while the T-120 step's is the seed's.
    text = (
        "[[timelines.enterprise]]\n"
        "offset_days = 120  # TIME-1\n"
        "[[timelines.enterprise]]\n"
        "[[timelines.enterprise]]\n"
        "[[timelines.enterprise]]\n"
        "[[timelines.enterprise]]\n"
        "[[timelines.enterprise]]\n"
        "[[timelines.enterprise]]\n"
        "offset_days = -7   # TIME-1: after signature\n"
    )
    problems = disagreements(text)
    assert problems == [
        "line 9: timelines.enterprise[6].offset_days: the schema says product default, "
        "the comment does not"
    ]


def test_every_value_policy_show_lists_is_on_a_line_of_the_defaults() -> None:
    read = {line.key for line in key_lines(service.defaults_text())}
    shown = [e.key for e in service.entries(service.load())]
    missing = [k for k in shown if not any(k == r or k.startswith(f"{r}.") for r in read)]
    # a value inside a multi-line list is read on the list's first line
    assert missing == [], missing
    assert {e.source for e in service.entries(service.load())} == {SEED, PRODUCT}
