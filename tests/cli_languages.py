"""What the CLI's readers are checked with (issue 22): the catalogue's English phrases a
translated output may not show, and a runner of `renewals` that ignores the machine's locale.
Used by tests/web/test_i18n.py and the commands' own language tests."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from babel.messages.pofile import read_po
from typer.testing import CliRunner

from renewals.cli import app
from renewals.kit import catalogues


def english_phrases(language: str, *prefixes: str) -> set[str]:
    """The catalogue's English phrases (two words or more between placeholders and markup)
    whose translation in `language` differs: none may be left on a translated page. With
    `prefixes`, only those of the messages that start with one of them."""
    return set(_phrases(language, prefixes))


@functools.cache
def _phrases(language: str, prefixes: tuple[str, ...]) -> frozenset[str]:
    """english_phrases, read from the catalogue once per process (about 0.08 CPU s a
    reading; test_i18n's pages in each language alone asked 22 times, issue 14)."""
    with catalogues.po_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    phrases = set()
    for message in catalog:
        if not message.id or message.context or isinstance(message.id, tuple):
            continue
        if message.string == message.id:
            continue
        if prefixes and not message.id.startswith(prefixes):
            continue
        for part in re.split(r"%\(\w+\)[sd]|\{[^}]*\}|<[^>]+>|[():;,.·]", message.id):
            part = part.strip()
            if "_" in part or "=" in part:  # a policy key or a formula
                continue
            if "`" in part or "/" in part:  # a command or a path: the same in every language
                continue
            if len(re.findall(r"[A-Za-z][a-z'-]+", part)) >= 2:
                phrases.add(part)
    return frozenset(phrases)


def cli(settings: Any) -> Callable[..., str]:
    """Run `renewals ARGS` on the book with no language from the machine's locale; its output."""
    env = {
        "RENEWALS_DATABASE_URL": settings.database_url,
        "RENEWALS_DATA_DIR": str(settings.data_dir),
        "COLUMNS": "250",
        "LANG": "C.UTF-8",
        # the machine's own locale must not decide (None: unset while the command runs)
        "LANGUAGE": None,
        "LC_ALL": None,
        "LC_MESSAGES": None,
        "RENEWALS_LANGUAGE": None,
    }
    runner = CliRunner()

    def run(*args: str, code: int | None = 0, **extra: str | None) -> str:
        result = runner.invoke(app, list(args), env={**env, **extra})
        assert code is None or result.exit_code == code, (args, result.output)
        return result.output

    return run


@functools.cache
def _at_a_word_start(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<![^\W\d_])" + re.escape(phrase))


def english_left(phrases: set[str], text: str) -> list[str]:
    """The phrases found in `text` starting at the start of a word: "an admin" is English
    in "an admin may", not in Malay "kemudian admin" (then the admin); the last word may
    go on ("the reason" is found in "the reasons they left"). A phrase is looked for where
    it occurs at all (`in`), with its pattern compiled once per process: compiling each
    phrase's pattern for each text (about 4,000 phrases, more than `re`'s cache holds)
    was most of the language tests' time (issue 14)."""
    return sorted(p for p in phrases if p in text and _at_a_word_start(p).search(text))


def left_in_english(text: str, phrases: set[str]) -> list[str]:
    """The phrases of `phrases` in `text` (english_left), commands (`...`) and quoted words
    ("...") aside: those read the same in every language."""
    text = " ".join(re.sub(r"`[^`]*`|\"[^\"\n]*\"|“[^”\n]*”", " ", text).split())
    return english_left(phrases, text)


def reads_in_each_language(
    book: Callable[[], Any],
    commands: list[tuple[tuple[str, ...], int]],
    *,
    read: Callable[[str], str] = lambda text: text,
    shown: int = 10,
) -> dict[str, list[str]]:
    """Run `commands` ((args, exit code) in order) on a fresh `book()` in each language and
    check that no English phrase of the catalogue is left in de, id and ms (`read` picks
    what is checked of an output); in English at least `shown` of them are (the check can
    fail). The outputs per language."""
    from renewals.kit.i18n import LANGUAGES

    said: dict[str, list[str]] = {}
    for language in LANGUAGES:
        run = cli(book())
        said[language] = [read(run("--language", language, *a, code=c)) for a, c in commands]
    english = " ".join(said["en"])
    for language in LANGUAGES[1:]:
        phrases = english_phrases(language)
        assert len(left_in_english(english, phrases)) >= shown, language
        for (args, _code), text in zip(commands, said[language], strict=True):
            assert left_in_english(text, phrases) == [], (language, args)
    return said


def said_in_each_language(
    run: Callable[..., str],
    commands: list[tuple[tuple[str, ...], int]],
    *,
    shown: int = 5,
    read: Callable[[str], str] = lambda text: text,
) -> dict[str, list[str]]:
    """Run `commands` ((args, exit code)) that change nothing (errors, read-only reports) on
    one book in each language: in de, id and ms no English phrase of the catalogue is left
    and each output differs from the English one (a message the catalogue lacks would read
    the same); in English at least `shown` phrases are (the check can fail). `read` picks
    what is checked of an output. The outputs."""
    from remembered import TrainingRows

    from renewals.kit.i18n import LANGUAGES

    # The commands change nothing, so a command that reads the learned model's training
    # rows (`model evaluate`, `health calibrate`) reads the same rows in every language:
    # computed once (tests/remembered.py), each language's output made from them as before.
    with TrainingRows().using():
        said = {
            language: [read(run("--language", language, *a, code=code)) for a, code in commands]
            for language in LANGUAGES
        }
    english = " ".join(said["en"])
    for language in LANGUAGES[1:]:
        phrases = english_phrases(language)
        assert len(left_in_english(english, phrases)) >= shown, language
        for (args, code), text, en in zip(commands, said[language], said["en"], strict=True):
            assert left_in_english(text, phrases) == [], (language, args, text)
            if code:  # an error: its message, after the label (`error:`, `Fehler:`)
                text, en = text.partition(" ")[2], en.partition(" ")[2]
            assert text != en, (language, args, text)
    return said
