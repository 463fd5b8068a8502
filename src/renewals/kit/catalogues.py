"""The message catalogues (issue 22): extract, update, compile and check, with Babel.

    python -m renewals.kit.catalogues extract   # src -> src/renewals/locale/messages.pot
    python -m renewals.kit.catalogues update    # .pot -> every <lang>/LC_MESSAGES/messages.po
    python -m renewals.kit.catalogues compile   # every .po -> its .mo (committed, shipped)
    python -m renewals.kit.catalogues check     # what CI checks: complete, nothing fuzzy,
                                                # nothing left in English, .mo up to date

They are the `pybabel extract/update/compile` commands with this project's settings
(babel.cfg at the repository's root, the keywords below); docs/i18n.md shows both.

The compiled .mo files are committed next to their .po (and shipped as package data), so
`pip install -e .` on a fresh clone reads them with no build step of its own; `check`
(tests/kit/test_catalogues.py) fails when a .mo is older than its .po's messages.
"""

from __future__ import annotations

import io
import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from renewals.kit.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

SOURCE_LANGUAGE = "en"
TRANSLATED = tuple(language for language in LANGUAGES if language != SOURCE_LANGUAGE)
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
ROOT = LOCALE_DIR.parent.parent.parent  # the repository (src/renewals/locale -> .)
# gettext's, plus `lazy` (a message translated when printed) and `term_noop` (a stored
# value's word in a context, listed for extraction: renewals.web.terms).
KEYWORDS = ("lazy", "term_noop:1c,2", "Text")

# Messages that may read the same in a language as in English: names, rule IDs, units and
# loanwords the seeds themselves use (docs/i18n.md, glossary). Matched on the whole msgid.
# Words Indonesian and Malay keep as in English (metric names, segments, language names).
MALAY_LIKE_INDONESIAN = frozenset(
    {
        "ARR",
        "ARR:",
        "SAVE-3: ARR {arr} >= {minimum:,.0f}",
        "Model #{id}",  # the same word (`renewals model show`)
        "NRR",
        "GRR",
        "ROC AUC",
        "CSM",
        "Status",
        "status",
        "Status: {status}: {reason}",
        "Enterprise",
        "Mid-market",
        "SMB",
        "Deutsch",
        "English",
        "Bahasa Indonesia",
        "Bahasa Melayu",
    }
)
SAME_AS_ENGLISH: dict[str, frozenset[str]] = {
    "de": frozenset(
        {
            "ARR",
            "ARR:",
            "SAVE-3: ARR {arr} >= {minimum:,.0f}",
            "NRR",
            "GRR",
            "ROC AUC",
            "Brier score",
            "CSM",
            "Status",
            "Status: {status}: {reason}",
            "Segment",
            "Name",
            "Account",
            "Accounts",
            "Team",
            "Enterprise",
            "Mid-market",
            "SMB",
            "Outbox",
            "Audit-Log",
            "Deutsch",
            "English",
            "Bahasa Indonesia",
            "Bahasa Melayu",
            "Jobs",
            "Job",
            "E-Mail",
            "Signal",
            "Option",
            "Problem (SAVE-8)",
            "Triage (SAVE-2..7)",
            "Segment: %(segment)s.",
            "Segment:",
        }
    ),
    # the seeds' own loanwords: "champion" and "proposal" (Indonesian), "trend" (Malay)
    "id": MALAY_LIKE_INDONESIAN
    | {"champion", "Proposal #%(id)s", "Proposal %(id)s", "Proposal %(id)s: %(account)s"},
    "ms": MALAY_LIKE_INDONESIAN | {"Trend", "trend", "Trend (HEALTH-5)", "standard"},
}
# A msgid with no letters outside placeholders and markup needs no translation of its own.
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{[^}]*\}|<[^>]+>|&\w+;")
_RULE_ID = re.compile(r"\b[A-Z]+-\d+\b")


# The product's default wording in the policy (policy/defaults.toml) that the team reads on
# pages and in the CLI: extracted so that it reads in every language. A team's own wording
# (a changed title, a new rule) is not in the catalogue and stays as the team wrote it.
# Contract clauses and customer timeline milestones are the customer's text: not extracted.
POLICY_TEXTS: tuple[tuple[str, ...], ...] = (
    ("health", "guards", "*", "reason"),
    ("timelines", "*", "*", "title"),
    ("paths", "*", "*", "title"),
    ("ownership", "rules", "*", "description"),
    ("concessions", "terms", "*", "measure"),
    ("concessions", "terms", "*", "documentation", "*"),
)


def policy_texts(data: object, paths: tuple[tuple[str, ...], ...] = POLICY_TEXTS) -> list[str]:
    """The strings of `data` (the policy as dicts and lists) at `paths` (`*`: any key or item)."""
    found: list[str] = []

    def walk(value: object, path: tuple[str, ...]) -> None:
        if not path:
            if isinstance(value, str) and value:
                found.append(value)
            return
        head, rest = path[0], path[1:]
        if isinstance(value, dict):
            items = list(value.values()) if head == "*" else [value.get(head)]
        elif isinstance(value, list) and head == "*":
            items = value
        else:
            return
        for item in items:
            walk(item, rest)

    for path in paths:
        walk(data, path)
    return found


def extract_policy(
    fileobj: Any, keywords: object, comment_tags: object, options: object
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extraction method for policy/defaults.toml (babel.cfg): POLICY_TEXTS's strings,
    each with the line it is on."""
    source = fileobj.read().decode("utf-8")
    lines = source.splitlines()
    for text in dict.fromkeys(policy_texts(tomllib.loads(source))):
        quoted = f'"{text}"'
        lineno = next((n for n, line in enumerate(lines, 1) if quoted in line), 0)
        yield lineno, None, text, []


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]


def extract(output: Path = TEMPLATE) -> None:
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    _babel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        *keywords,
        "--no-location",
        "--sort-output",
        "--project",
        "renewals",
        "-o",
        str(output),
        str(ROOT / "src" / "renewals"),
    )


def update() -> None:
    for language in TRANSLATED:
        if po_path(language).exists():
            _babel(
                "update",
                "-i",
                str(TEMPLATE),
                "-d",
                str(LOCALE_DIR),
                "-l",
                language,
                "--no-fuzzy-matching",
                "--ignore-obsolete",
            )
        else:
            _babel("init", "-i", str(TEMPLATE), "-d", str(LOCALE_DIR), "-l", language)


def compile_all() -> None:
    for language in TRANSLATED:
        with po_path(language).open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        mo_path(language).write_bytes(buffer.getvalue())


def _needs_words(msgid: str) -> bool:
    """Words outside placeholders, markup and rule IDs (`SAVE-2: {band}: {why}` has none)."""
    return bool(re.search(r"[A-Za-z]{2,}", _RULE_ID.sub("", _PLACEHOLDER.sub("", msgid))))


@dataclass
class Report:
    language: str
    messages: int = 0
    missing: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    english: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)
    stale_mo: bool = False

    @property
    def ok(self) -> bool:
        return not (
            self.missing or self.fuzzy or self.english or self.placeholders or self.stale_mo
        )


def _names(text: str) -> set[str]:
    """The placeholders' names in a message: `%(count)s`, `{count}`, `{0}`."""
    found = re.findall(r"%\((\w+)\)[sd]|\{(\w*)[^}]*\}", text)
    return {name for pair in found for name in pair if name}


def _key(message: Message) -> tuple[str | None, str]:
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


def _strings(message: Message) -> tuple[str, ...]:
    string = message.string
    return (string,) if isinstance(string, str) else tuple(string or ())


def check_language(language: str, template: Catalog) -> Report:
    """How `language`'s catalogue stands against the template (the extracted messages)."""
    with po_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    report = Report(language)
    same_ok = SAME_AS_ENGLISH.get(language, frozenset())
    for message in template:
        if not message.id:
            continue
        report.messages += 1
        found = catalog.get(message.id, context=message.context)
        label = message.id if isinstance(message.id, str) else message.id[0]
        label = f"{message.context}|{label}" if message.context else label
        strings = list(_strings(found)) if found is not None else []
        if found is None or not strings or not all(strings):
            report.missing.append(label)
            continue
        if found.fuzzy:
            report.fuzzy.append(label)
        singular = message.id if isinstance(message.id, str) else message.id[0]
        if strings[0] == singular and _needs_words(singular) and singular not in same_ok:
            report.english.append(label)
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        wanted = set().union(*(_names(i) for i in ids))
        wrong = (
            any(_names(text) - wanted for text in strings)
            if len(ids) > 1  # a plural's singular may say "one" instead of the number
            else _names(strings[0]) != wanted
        )
        if wrong:
            report.placeholders.append(label)
    mo = mo_path(language)
    if not mo.exists():
        report.stale_mo = True
    else:
        with mo.open("rb") as handle:
            compiled = read_mo(handle)
        expected = {_key(m): _strings(m) for m in catalog if m.id and not m.fuzzy}
        have = {_key(m): _strings(m) for m in compiled if m.id}
        report.stale_mo = expected != have
    return report


def check() -> list[Report]:
    with TEMPLATE.open("rb") as handle:
        template = read_po(handle)
    return [check_language(language, template) for language in TRANSLATED]


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        failed = False
        for report in check():
            print(
                f"{report.language}: {report.messages} messages, {len(report.missing)} missing, "
                f"{len(report.fuzzy)} fuzzy, {len(report.english)} left in English, "
                f"{len(report.placeholders)} with wrong placeholders"
                f"{', .mo out of date' if report.stale_mo else ''}"
            )
            for kind in ("missing", "fuzzy", "english", "placeholders"):
                for label in getattr(report, kind)[:20]:
                    print(f"  {kind}: {label}")
            failed = failed or not report.ok
        return 1 if failed else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
