"""Event kinds declared by the import (SIG-3, HEALTH-1; issue 17): `event_kinds.csv`.

The book knows its own events best: a row says what one `event` value is (`usage`,
`negative`: a user removing or rejecting something, or `ignore`: a system event) and,
for usage, its weight. Declarations are kept beside the events, in
`DATA_DIR/usage/event_kinds.json`; a re-import adds and updates by event, never deletes.
A declared event wins over the policy's patterns (`health.events`), which cover the
kinds nobody declared.

Like the events, the declarations are validated with the rest of the import, staged, and
made visible only after the database commit (nothing half-imported).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from renewals.ingest.domain import REQUIRED, Issue, typed
from renewals.kit.i18n import Text

FILE = "event_kinds.csv"
KINDS = ("usage", "negative", "ignore")
COLUMNS = ("event", "kind", "weight", "description")

Declared = dict[str, tuple[str, float]]  # event -> (kind, usage weight)


def store_path(data_dir: Path) -> Path:
    return data_dir / "usage" / "event_kinds.json"


def load(data_dir: Path) -> Declared:
    """The declared kinds of the book ({} when none were imported)."""
    path = store_path(data_dir)
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {event: (str(v["kind"]), float(v["weight"])) for event, v in data.items()}


def parse(path: Path) -> tuple[Declared, list[Issue]]:
    """The rows of `event_kinds.csv`, or the problems (file:line:column: field: reason)."""
    name = path.name
    found: Declared = {}
    first: dict[str, int] = {}
    issues: list[Issue] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        position = {h: i for i, h in enumerate(header)}
        for column in ("event", "kind"):
            if column not in position:
                issues.append(Issue(name, 1, None, column, Text("required column is missing")))
        if issues:
            return {}, issues
        for cells in reader:
            line = reader.line_num

            def cell(column: str, row: list[str] = cells) -> str:
                index = position.get(column)
                return row[index].strip() if index is not None and index < len(row) else ""

            def col(column: str) -> int:
                return position[column] + 1

            event, kind, weight_text = cell("event"), cell("kind").lower(), cell("weight")
            if not event:
                issues.append(Issue(name, line, col("event"), "event", REQUIRED))
                continue
            if kind not in KINDS:
                issues.append(
                    Issue(
                        name,
                        line,
                        col("kind"),
                        "kind",
                        Text(
                            "{raw} is not one of: {allowed}",
                            raw=typed(kind),
                            allowed=", ".join(KINDS),
                        ),
                    )
                )
                continue
            weight = 1.0
            if weight_text:
                try:
                    weight = float(weight_text)
                except ValueError:
                    weight = -1.0
                if not weight >= 0:
                    issues.append(
                        Issue(
                            name,
                            line,
                            col("weight"),
                            "weight",
                            Text("not a number >= 0: {raw}", raw=typed(weight_text)),
                        )
                    )
                    continue
            if event in first:
                issues.append(
                    Issue(
                        name,
                        line,
                        col("event"),
                        "event",
                        Text(
                            "{event} is listed twice (first on line {line})",
                            event=typed(event),
                            line=first[event],
                        ),
                    )
                )
                continue
            first[event] = line
            found[event] = (
                kind,
                weight if kind == "usage" else (1.0 if kind == "negative" else 0.0),
            )
    return found, issues


@dataclass
class StagedKinds:
    """Declarations validated and written beside the store, waiting for the commit."""

    source: Path
    declared: Declared
    issues: list[Issue] = field(default_factory=list)
    staged: Path | None = None
    existing: int = 0

    def stage(self, data_dir: Path) -> None:
        if self.issues:
            return
        before = load(data_dir)
        self.existing = sum(1 for e in self.declared if e in before)
        merged = {**before, **self.declared}
        target = store_path(data_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.staged = target.with_name(target.name + ".staged")
        self.staged.write_text(
            json.dumps(
                {e: {"kind": k, "weight": w} for e, (k, w) in sorted(merged.items())}, indent=1
            ),
            encoding="utf-8",
        )

    def publish(self) -> None:
        if self.staged is not None:
            self.staged.replace(self.staged.with_name(self.staged.name.removesuffix(".staged")))
            self.staged = None

    def discard(self) -> None:
        if self.staged is not None:
            self.staged.unlink(missing_ok=True)
            self.staged = None
