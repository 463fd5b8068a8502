"""What the team reads, in the team's language (issue 22): gettext over the Babel catalogues
in renewals/locale/<lang>/LC_MESSAGES/messages.{po,mo}.

- `_` (gettext), `ngettext` (plurals: German has two forms, Indonesian and Malay one),
  `pgettext` (a word with a context, e.g. a stage name) and `lazy` (a message translated
  when it is printed, for module-level constants) translate into the *current* language.
- The current language is a context variable: `using("de")` sets it for a block (a page
  being rendered, a CLI command), `set_language` for the rest of the invocation.
- Who reads which language is decided by the caller with `choose`: the first supported
  of, in order, an explicit choice (`--language`, the user's profile), the browser's
  Accept-Language or the environment's locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), and
  the policy's default. English is the source language: its catalogue is the msgids.

Numbers, money and dates are formatted by renewals.kit.locale (the customer documents'
one place); this module only picks the words.
"""

from __future__ import annotations

import gettext as _gettext
import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from renewals.kit.locale import DEFAULT_LANGUAGE, localise_month, localise_number

LANGUAGES: tuple[str, ...] = ("en", "de", "id", "ms")
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "id": "Bahasa Indonesia",
    "ms": "Bahasa Melayu",
}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("renewals_language", default=DEFAULT_LANGUAGE)


# ------------------------------------------------------------------ which language


def normalise(tag: str | None) -> str | None:
    """A supported language from a locale tag or name: `de-DE`, `id_ID.UTF-8`, `ms` -> de,
    id, ms; `in` (the old code for Indonesian) -> id; anything else (C, POSIX, fr) -> None."""
    if not tag:
        return None
    code = tag.strip().split(".")[0].split("@")[0].replace("_", "-").split("-")[0].lower()
    code = {"in": "id", "zsm": "ms", "ind": "id", "deu": "de", "ger": "de", "eng": "en"}.get(
        code, code
    )
    return code if code in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The supported language a browser prefers most (`de-CH,de;q=0.9,en;q=0.8` -> de)."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = normalise(tag)
        if language is not None and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None


def from_environment(environ: Mapping[str, str]) -> str | None:
    """The language of the environment's locale, in gettext's order: LANGUAGE (a list),
    LC_ALL, LC_MESSAGES, LANG. `C` and `POSIX` say nothing."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if not value:
            continue
        for tag in value.split(":"):
            language = normalise(tag)
            if language is not None:
                return language
        if name != "LANGUAGE":  # a set LC_ALL/LC_MESSAGES/LANG decides, even as C
            return None
    return None


def choose(*candidates: str | None) -> str:
    """The first supported language of `candidates` (most specific first), else English."""
    for candidate in candidates:
        language = normalise(candidate)
        if language is not None:
            return language
    return DEFAULT_LANGUAGE


def check(language: str) -> str:
    """`language` if supported; a ValueError naming the supported ones otherwise."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return language


# ------------------------------------------------------------------ the current language


def current() -> str:
    return _current.get()


def set_language(language: str) -> None:
    """The language for the rest of this context (a CLI invocation)."""
    _current.set(check(language))


def activate(language: str) -> Callable[[], None]:
    """Make `language` current until the returned function is called (a CLI command's
    `call_on_close`), which puts the previous one back."""
    token = _current.set(check(language))
    return lambda: _current.reset(token)


@contextmanager
def using(language: str | None) -> Iterator[str]:
    """Translate into `language` inside the block (None keeps the current one)."""
    if language is None:
        yield current()
        return
    token = _current.set(check(language))
    try:
        yield language
    finally:
        _current.reset(token)


# ------------------------------------------------------------------ translating


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalogue of `language` (English: the msgids themselves)."""
    if language == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for `n` (German: one for 1, another for the rest; id/ms: one form)."""
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in a context (`pgettext("stage", "negotiation")`): the same English word may
    need different translations in different places."""
    return translations(current()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(current()).npgettext(context, singular, plural, n)


def translate(language: str, message: str) -> str:
    """`message` in `language`, whatever the current language is."""
    return translations(check(language)).gettext(message)


class LazyString:
    """A message translated each time it is printed (module-level constants, labels made
    before anyone knows who reads them). Extracted as `lazy("...")`."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)

    def __repr__(self) -> str:
        return f"lazy({self.message!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.message)

    def format(self, *args: object, **kwargs: object) -> str:
        return str(self).format(*args, **kwargs)

    def __mod__(self, values: object) -> str:
        return str(self) % values


def lazy(message: str) -> LazyString:
    return LazyString(message)


class Text(str):
    """An explanation made where nobody knows yet who reads it (a decision's reason, a
    dashboard's note): a template with parameters. It *is* the English text wherever a
    str is used (tests, JSON, CSV, logs); printed with `translated()` (the pages' `tr`
    filter, the CLI) it reads in the current language, rule IDs and values unchanged.
    Extracted as `Text("SEG-1: ARR {arr} lies in the {segment} band", arr=..., ...)`."""

    msgid: str
    params: dict[str, object]

    def __new__(cls, msgid: str, **params: object) -> Text:
        text = super().__new__(cls, msgid.format(**params) if params else msgid)
        text.msgid = msgid
        text.params = params
        return text

    def translated(self) -> str:
        language = current()
        if language == DEFAULT_LANGUAGE:
            # the English is this text itself: its values are English too (a Text among
            # them reads as its own English) and English writes numbers as format() does
            return str.__str__(self)
        words = gettext(self.msgid)
        if not self.params:
            return words
        # a value that is itself an explanation or a stored value (a component, a stage)
        # reads in the language too, as when the English is read back from the database
        # (a field that names a file, a column, a key or a command keeps its value as written)
        params = {
            name: (
                value.translated()  # the product's own words, whatever the field (`no file`)
                if isinstance(value, Text)
                else value
                if name in VERBATIM_FIELDS
                else _translate_text(value, language, 1)
                if isinstance(value, str) and value and language != DEFAULT_LANGUAGE
                else value
            )
            for name, value in self.params.items()
        }
        try:
            if any(_is_number(v) for v in params.values()):
                return _NumberFormatter(language).vformat(words, (), params)
            return words.format(**params)
        except (KeyError, IndexError, ValueError):  # a broken translation: the English
            return str(self)

    def __reduce__(self) -> tuple[object, ...]:  # pickles (caches) keep the template
        return (_text, (self.msgid, self.params))


def counts(values: Mapping[object, int], sep: str = ", ") -> Text:
    """`green 3, red 2`: stored values with their counts (a job's detail, a summary line),
    English as it reads; printed with `tr`, each value is its term and each count is
    written the language's way (`grün 3, rot 2`; `1.234` in German)."""
    pattern = sep.join(f"{{v{i}}} {{n{i}:,}}" for i in range(len(values)))
    params: dict[str, object] = {}
    for i, (value, count) in enumerate(values.items()):
        params[f"v{i}"], params[f"n{i}"] = str(value), count
    return Text(pattern, **params)


def joined(parts: Iterable[object], sep: str = "; ") -> Text:
    """Sentences or reasons joined into one (`a; b`), each read in its words by `tr`: the
    way to add a clause that is there only sometimes, instead of gluing strings."""
    items = list(parts)
    pattern = sep.join(f"{{p{i}}}" for i in range(len(items)))
    params = {f"p{i}": item for i, item in enumerate(items)}
    return Text(pattern, **params)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


class _NumberFormatter(string.Formatter):
    """str.format, but a number's field written with the language's separators
    (`{arr:,.0f}`: 70,649 -> 70.649 in German; kit.locale)."""

    def __init__(self, language: str) -> None:
        self.language = language

    def format_field(self, value: object, format_spec: str) -> str:
        text = format(value, format_spec)
        return localise_number(text, self.language) if _is_number(value) else text


def _text(msgid: str, params: dict[str, object]) -> Text:
    return Text(msgid, **params)


def tr(value: object) -> str:
    """`value` for the reader: a Text translated; a plain str looked up as a message, or,
    when it is the English of a Text stored earlier (a reason in the database), matched
    against the catalogue's templates and translated with its values; anything else as str."""
    language = current()
    if language == DEFAULT_LANGUAGE:  # the English is the text itself (the catalogue's keys)
        return value if type(value) is str else str(value)
    if isinstance(value, Text):
        return value.translated()
    if isinstance(value, str):
        return _translate_text(value, language, 0) if value else value
    return str(value)


# The contexts of stored values (renewals.web.terms), tried in this order for a value that
# fills a reason's field ("40 days in {stage}").
TERM_CONTEXTS = (
    "stage",
    "badge",
    "segment",
    "opportunity",
    "motion",
    "outcome",
    "role",
    "component",
    "signal",
    "severity",
    "triage",
    "option",
    "forecast",
    "message",
    "permission",
    "escalation",
    "contact",
    "reason",
    "library",
    "document",
)
# Fields that may hold "; " (a list joined into one, a policy title); a template's other
# fields never span one, so a list of reasons is read item by item rather than swallowed
# by one item's template.
LIST_FIELDS = frozenset(
    {"reasons", "drivers", "signals", "missing", "growth", "labels", "contacts", "title", "lines"}
)
# Fields whose value is an identifier the reader types or looks for as it is (a file, a
# column, a policy key, a command, an address): never read as a term, in a Text being
# printed or in a stored reason read back ("accounts.csv", the column "status", the
# source file stem "accounts" stay as they are, not "Kunden" or "Status").
VERBATIM_FIELDS = frozenset(
    {"file", "path", "column", "field", "key", "stem", "table", "command", "url", "email"}
)
_VALUE = re.compile(r"[a-z][a-z_]*")
_FIELD = re.compile(r"\{(\w+)((?:![rsa])?(?::[^{}]*)?)\}")
_MAX_DEPTH = 6
# what a short template's field matches: a figure as format() writes it (14, -3, 1,234.5,
# 1e+06, 12%); its fixed text must hold a word
_FIGURE = r"[-+]?\d[\d,]*(?:\.\d+)?(?:e[-+]\d+)?%?"
_WORD = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=len(LANGUAGES))
def _templates(language: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The catalogue's messages with `{name}` fields as patterns over their English text,
    the most specific (longest fixed text) first. A template of little but fields would
    match anything: one with fewer than 8 fixed characters is kept only with words among
    them and a figure at each field ("{n} days" reads "14 days", never "many days")."""
    catalog = getattr(translations(language), "_catalog", {})
    found: list[tuple[int, re.Pattern[str], str]] = []
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or "\x04" in msgid or "{" not in msgid:
            continue
        words = _FIELD.sub("", msgid)
        short = len(words) < 8
        if short and not _WORD.search(words):
            continue
        parts, seen, fixed, position = [], set(), 0, 0
        for field in _FIELD.finditer(msgid):
            literal = msgid[position : field.start()]
            parts.append(re.escape(literal))
            fixed += len(literal)
            name = field.group(1)
            # a value spans no list item and no sentence ("flat. Customer-facing: ...")
            value = (
                _FIGURE if short else ".+?" if name in LIST_FIELDS else r"(?:(?!; |\. [A-Z]).)+?"
            )
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{value})")
            seen.add(name)
            position = field.end()
        parts.append(re.escape(msgid[position:]))
        fixed += len(msgid) - position
        found.append((fixed, re.compile("".join(parts), re.S), msgstr))
    found.sort(key=lambda item: -item[0])
    return tuple((pattern, msgstr) for _, pattern, msgstr in found)


@lru_cache(maxsize=4096)
def _translate_text(text: str, language: str, depth: int, split: bool = True) -> str:
    """`text` in `language`: a message, a stored value's term, a template's English with
    its values, else (with `split`) paragraph by paragraph and item by item."""
    catalog = translations(language)
    words = catalog.gettext(text)
    if words != text or language == DEFAULT_LANGUAGE or depth >= _MAX_DEPTH:
        return words
    if depth and _VALUE.fullmatch(text):  # a stored value inside a reason: its term
        for context in TERM_CONTEXTS:
            words = catalog.pgettext(context, text)
            if words != text:
                return words
    # a figure (or, inside a reason, a month): the language's way of writing it
    words = localise_number(text, language)
    if depth and words == text:
        words = localise_month(text, language)
    if words != text:
        return words
    for pattern, msgstr in _templates(language):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        values = {
            name: value if name in VERBATIM_FIELDS else _translate_text(value, language, depth + 1)
            for name, value in match.groupdict().items()
        }
        # the values are already text: their format specs ({x:g}) are spent
        return _FIELD.sub(lambda f: "{" + f.group(1) + "}", msgstr).format(**values)
    if not split:
        return text
    if "\n\n" in text:  # paragraphs (a task's description and a note added to it)
        return "\n\n".join(
            _translate_text(part, language, depth + 1) for part in text.split("\n\n")
        )
    if "\n" in text:  # lines (a win-back task's touch and the churn's facts under it)
        return "\n".join(_translate_text(line, language, depth + 1) for line in text.split("\n"))
    sentences = _SENTENCE.split(text)
    if len(sentences) > 1:  # sentences joined with " " (a task's description): each
        return " ".join(_translate_items(tuple(sentences), " ", language, depth + 1))
    if "; " in text:  # a list of reasons joined into one: each in its words
        return "; ".join(_translate_items(tuple(text.split("; ")), "; ", language, depth + 1))
    return text


# Where one sentence ends and the next begins: ". " before a capital letter or a rule ID.
_SENTENCE = re.compile(r"(?<=[.)]) (?=[A-Z])")


def _translate_items(parts: tuple[str, ...], sep: str, language: str, depth: int) -> list[str]:
    """The items of a joined list (sentences, "; "-joined reasons), each in its words. An
    item may hold the separator itself ("relationship not solid (...; is red)"): the
    longest run of parts a message reads is taken as one item."""
    out: list[str] = []
    i = 0
    while i < len(parts):
        for j in range(len(parts) if i else len(parts) - 1, i + 1, -1):
            candidate = sep.join(parts[i:j])
            words = _translate_text(candidate, language, depth, split=False)
            if words != candidate:  # one message reads these parts together
                out.append(words)
                i = j
                break
        else:
            out.append(_translate_text(parts[i], language, depth))
            i += 1
    return out


def word(context: str, value: str | None) -> str:
    """A stored value for CLI output: as stored in English (scripts read it), else its term."""
    if value is None:
        return ""
    return str(value) if current() == DEFAULT_LANGUAGE else term(context, value)


def term(context: str, value: str | None) -> str:
    """A stored value (a stage, a health category, a segment) as a word of the current
    language: the value's catalogue entry in `context`, else the value with spaces."""
    if value is None:
        return ""
    text = str(value)
    translated = pgettext(context, text)
    return (translated if translated != text else text).replace("_", " ")
