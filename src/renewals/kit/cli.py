"""What every command shares: settings from global options, the engine, the policy,
a Rich console and progress bar, one way to report an expected error and to write machine
output, and the lazy group that lets the root import a command only when it runs (issue 24).

Every command imports this module at start-up, so it imports only the standard library,
Typer and Rich; settings, the database and the policy are imported when first used.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console, ConsoleDimensions
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from renewals.config import Settings
    from renewals.errors import RenewalsError
    from renewals.policy.domain import Policy

# Off a terminal (a pipe, a file, a CI log) Rich wraps at 80 columns and breaks tables and
# help mid-word (issue 15). There we use this width instead, unless COLUMNS says otherwise.
# A product default, not a rule.
PIPE_WIDTH = 120


class _Console(Console):
    """A Rich console PIPE_WIDTH wide off a terminal (unless COLUMNS is set)."""

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if self._width is None and not self.is_terminal and not os.environ.get("COLUMNS"):
            return ConsoleDimensions(PIPE_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


console = _Console(highlight=False)
err_console = _Console(stderr=True, highlight=False)


def wide_help_off_terminal() -> None:
    """Typer formats help on its own console, TERMINAL_WIDTH wide when that is set: off a
    terminal make it PIPE_WIDTH, so `renewals --help > file` reads like the terminal."""
    if not sys.stdout.isatty() and not os.environ.get("COLUMNS"):
        os.environ.setdefault("TERMINAL_WIDTH", str(PIPE_WIDTH))


# ---------------------------------------------------------------- language (issue 22)

LANGUAGE_HELP = (
    "The language to write in: en, de, id or ms. Default: RENEWALS_LANGUAGE, then the "
    "environment's locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), then English."
)


def use_language(ctx: typer.Context, language: str | None, *, from_environment: bool) -> None:
    """Write this invocation's output in `language` (an explicit --language), else, when
    `from_environment`, in RENEWALS_LANGUAGE's or the locale's; restored when the command
    ends. An unsupported explicit language is an error (exit 2)."""
    from renewals.kit import i18n

    if language is not None:
        chosen = i18n.normalise(language)
        if chosen is None or chosen != language.strip().lower():
            fail(
                i18n.Text(
                    "--language must be one of {choices}, not {value}",
                    choices=", ".join(i18n.LANGUAGES),
                    value=repr(language),
                ),
                2,
            )
    elif from_environment:
        chosen = i18n.choose(os.environ.get("RENEWALS_LANGUAGE"), i18n.from_environment(os.environ))
    else:
        return
    if language is not None:  # an explicit choice; the help of what follows uses it too
        ctx.find_root().meta[LANGUAGE_KEY] = chosen
    ctx.call_on_close(i18n.activate(chosen))


def language_option(ctx: typer.Context, language: str | None) -> str | None:
    """The root's --language, eager (issue 22): processed before a --help that follows it,
    so `renewals --language de --help` is German."""
    if language is not None and not ctx.resilient_parsing:
        use_language(ctx, language, from_environment=False)
    return language


# ---------------------------------------------------------------- help in the language
#
# Typer and Click fix a command's help when it is imported. The help is translated when it
# is formatted: each paragraph of a command's help, of its options' and of the commands
# it lists is looked up in the catalogue (commands and example lines stay as they are),
# and so are Typer's panel titles and the usage line's prefix. English help is untouched
# (docs/cli.md is generated from it). renewals.cli.extract_cli_help lists the
# paragraphs of the commands whose help is translated (HELP_TRANSLATED there).

LANGUAGE_KEY = "renewals.language"
_TYPER_WORDS = (  # typer.rich_utils's module-level words
    "ARGUMENTS_PANEL_TITLE",
    "OPTIONS_PANEL_TITLE",
    "COMMANDS_PANEL_TITLE",
    "DEFAULT_STRING",
    "REQUIRED_LONG_STRING",
    "ENVVAR_STRING",
    "DEPRECATED_STRING",
)


def help_paragraphs(text: str) -> list[str]:
    """A help text's paragraphs as Typer shows them (split on blank lines)."""
    return text.split("\n\n")


_EXAMPLE = re.compile(r"(?:\$ |(?:[A-Z_]+=\S* )*renewals |--|[^|]*\| renewals )")


def is_example(paragraph: str) -> bool:
    """A paragraph that is a command line (an example, perhaps after `VAR=value`, piped into
    renewals, or an option line continuing one): the same in every language."""
    return _EXAMPLE.match(paragraph.strip()) is not None


def translate_help(text: str | None) -> str | None:
    """`text` with each paragraph that the catalogue has in the current language."""
    if not text:
        return text
    from renewals.kit.i18n import gettext

    return "\n\n".join(p if is_example(p) else gettext(p) for p in help_paragraphs(text))


def help_language(ctx: Any) -> str:
    """The language of a help text: the eager root --language when given, else the
    environment's (RENEWALS_LANGUAGE, the locale), else English."""
    from renewals.kit import i18n

    chosen = ctx.find_root().meta.get(LANGUAGE_KEY)
    if chosen:
        return str(chosen)
    return i18n.choose(os.environ.get("RENEWALS_LANGUAGE"), i18n.from_environment(os.environ))


@contextmanager
def help_in_language(command: Any, ctx: Any) -> Iterator[None]:
    """Format `command`'s help in the reader's language: its strings (and the listed
    commands' short help) and Typer's words swapped for the time of formatting."""
    from renewals.kit import i18n

    language = help_language(ctx)
    if language == "en":  # the source language: the help as written
        yield
        return
    from typer import rich_utils

    saved: list[tuple[Any, str, Any]] = []

    def swap(obj: Any, name: str, value: Any) -> None:
        saved.append((obj, name, getattr(obj, name)))
        setattr(obj, name, value)

    with i18n.using(language):
        swap(command, "help", translate_help(command.help))
        swap(command, "short_help", translate_help(command.short_help))
        for param in command.get_params(ctx):
            swap(param, "help", translate_help(getattr(param, "help", None)))
        for sub in getattr(command, "commands", {}).values():
            swap(sub, "help", translate_help(sub.help))
            swap(sub, "short_help", translate_help(sub.short_help))
        for name in _TYPER_WORDS:
            swap(rich_utils, name, i18n.gettext(getattr(rich_utils, name)))
        usage = command.get_usage
        prefix = i18n.gettext("Usage:")
        command.get_usage = lambda c: usage(c).replace("Usage:", prefix, 1)
        try:
            yield
        finally:
            del command.get_usage
            for obj, name, value in reversed(saved):
                setattr(obj, name, value)


# Click's usage errors (Typer's own Click, typer._click, and Typer's checks of a value)
# are English f-strings, with no gettext to hook. Their shapes are catalogue messages
# (renewals.cli.extract_cli_help extracts them): an error shown to a reader of another
# language is read back through them by kit.i18n.tr, its values kept ("No such option:
# --nope"; a value's own reason, "Input should be less than or equal to 5", is a message of
# its own). English errors are Click's, untouched.
USAGE_ERRORS = (
    "No such option: {name}",
    "No such option: {name} (Possible options: {names})",
    "No such command {name}.",
    "Did you mean {names}?",
    "Missing argument {name}.",
    "Missing option {name}.",
    "Missing parameter {name}.",
    "Missing parameter: {name}",
    "Invalid value for {name}: {reason}",
    "Invalid value: {reason}",
    "Got unexpected extra argument(s) ({args})",
    "Option {name} requires an argument.",
    "Option {name} requires {n} arguments.",
    "Option {name} does not take a value.",
    "Argument {name} takes {n} values.",
    "Value {value} is not a valid {kind}.",
    "Value error, {reason}",
    "{value} is not one of {choices}.",
    "Try [blue]'{command_path} {help_option}'[/] for help.",
    "Error",
)


def i18n_normalise(tag: str) -> str | None:
    from renewals.kit import i18n

    return i18n.normalise(tag)


def show_usage_error(exc: Any, ctx: Any) -> bool:
    """Print Click's usage error `exc` as Typer does, in the reader's language (the usage
    line's prefix, the hint, the panel's title and the message); False, printing nothing,
    when the reader reads English (Click's own output then)."""
    from typer import rich_utils

    from renewals.kit import i18n

    language = help_language(ctx)
    if language == "en":
        return False
    with i18n.using(language):
        message = i18n.tr(exc.format_message())
        words = {
            "RICH_HELP": i18n.gettext(rich_utils.RICH_HELP),
            "ERRORS_PANEL_TITLE": i18n.gettext(rich_utils.ERRORS_PANEL_TITLE),
        }
        prefix = i18n.gettext("Usage:")
    saved = {name: getattr(rich_utils, name) for name in words}
    command = exc.ctx.command if getattr(exc, "ctx", None) is not None else None
    try:
        for name, value in words.items():
            setattr(rich_utils, name, value)
        exc.format_message = lambda: message
        if command is not None:
            usage = command.get_usage
            command.get_usage = lambda c: usage(c).replace("Usage:", prefix, 1)
        rich_utils.rich_format_error(exc)
    finally:
        for name, value in saved.items():
            setattr(rich_utils, name, value)
        if command is not None:
            del command.get_usage
    return True


def translated_help(command: Any) -> Any:
    """`command` (and its sub-commands) formatting its help in the reader's language."""
    original = command.format_help

    def format_help(ctx: Any, formatter: Any) -> None:
        with help_in_language(command, ctx):
            original(ctx, formatter)

    command.format_help = format_help
    for sub in getattr(command, "commands", {}).values():
        translated_help(sub)
    return command


# ---------------------------------------------------------------- machine output


def _default(value: Any) -> Any:
    return str(value)  # dates, decimals, enums: their plain text


def emit_json(value: Any) -> None:
    """Write one JSON document on one line to stdout, raw: never through Rich, which would
    wrap long lines and colour them (issue 25)."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=_default) + "\n")


def emit_json_lines(rows: Iterable[Any]) -> None:
    """Write a list as JSON Lines: one compact object per line, raw (docs/cli.md)."""
    write = sys.stdout.write
    for row in rows:
        write(json.dumps(row, ensure_ascii=False, default=_default) + "\n")


def emit_text(text: str) -> None:
    """Write machine text (TOML, CSV, iCalendar) to stdout exactly as given."""
    sys.stdout.write(text)
    if text and not text.endswith("\n"):
        sys.stdout.write("\n")


# ---------------------------------------------------------------- application state


class AppState:
    """The global options of one invocation; settings, engine and policy made on first use,
    so that `--help` and a command that needs none of them pay nothing for them."""

    def __init__(
        self, settings: Settings | None = None, *, overrides: dict[str, Any] | None = None
    ) -> None:
        self._settings = settings
        self._overrides = overrides or {}
        self._engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from pydantic import ValidationError

            from renewals.config import Settings

            try:
                self._settings = Settings(**self._overrides)
            except ValidationError as exc:  # one line per bad setting, no traceback
                problems = [
                    f"RENEWALS_{'_'.join(map(str, e['loc'])).upper()}={e.get('input')!r}: "
                    f"{e['msg']}"
                    for e in exc.errors()
                ]
                from renewals.kit.i18n import Text

                fail(Text("invalid setting: {reasons}", reasons="; ".join(problems) or str(exc)))
        return self._settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._settings = value

    def engine(self) -> Engine:
        """The application database, migrated to the current schema on first use."""
        if self._engine is None:
            from renewals import migrate
            from renewals.db import make_engine

            self._engine = make_engine(self.settings.database_url)
            migrate.ensure_schema(self._engine)
        return self._engine

    def policy(self) -> Policy:
        from renewals.policy import service as policy_service

        return policy_service.load(self.settings.policy_file)


def state(ctx: typer.Context) -> AppState:
    obj = ctx.find_root().obj
    if not isinstance(obj, AppState):  # a sub-app invoked directly (tests)
        obj = AppState()
        ctx.find_root().obj = obj
    return obj


def fail(message: str, code: int = 1) -> NoReturn:
    """Report an expected error in one line and exit: `error: ...` in the reader's language
    (a message of the catalogue or a `Text`, read with `tr`; anything else as written)."""
    from renewals.kit.i18n import _, tr

    label = _("error:")
    err_console.print(f"[bold red]{label}[/] {tr(message)}")
    raise typer.Exit(code)


def number(value: Any, places: int = 0) -> str:
    """A figure for a person, written the current language's way (kit.locale): `1,234`,
    `1.234` in German and Indonesian."""
    from renewals.kit import locale
    from renewals.kit.i18n import current

    return locale.format_number(value, current(), places)


def figure(text: str) -> str:
    """A figure already written the English way (`f"{x:g}"`, `"6.0"`) with the current
    language's separators (kit.locale.localise_number); its digits unchanged."""
    from renewals.kit import locale
    from renewals.kit.i18n import current

    return locale.localise_number(text, current())


def percent(fraction: Any, places: int = 0, *, signed: bool = False) -> str:
    """A fraction as a percentage in the current language (kit.locale): `85%`, `85 %`."""
    from renewals.kit import locale
    from renewals.kit.i18n import current

    return locale.format_percent(fraction, current(), signed=signed, places=places)


def in_percent(value: Any) -> str:
    """A value already in percent (a discount of 12.5) in the current language: `12.5%`,
    `12,5 %` in German; as many decimals as it has (up to two), `-` for none."""
    if value is None:
        return "-"
    from renewals.kit import locale
    from renewals.kit.i18n import current

    exact = Decimal(str(value))
    places = min(2, max(0, -exact.normalize().as_tuple().exponent))  # type: ignore[operator]
    return locale.format_percent(exact / 100, current(), places=places)


def fail_with(exc: RenewalsError) -> NoReturn:
    fail(exc.message)


@contextmanager
def opened(ctx: typer.Context) -> Iterator[Session]:
    """A command's unit of work: a session on the configured database, committed when the
    block ends, rolled back on an error; a RenewalsError becomes the one-line `error:`
    message and exit code 1 (what every command did with its own try/except)."""
    from renewals.db import session_scope
    from renewals.errors import RenewalsError

    try:
        with session_scope(state(ctx).engine()) as session:
            yield session
    except RenewalsError as exc:
        fail_with(exc)


def parse_date(value: str | None, option: str) -> date | None:
    """The CLI's one date parser: a date option written YYYY-MM-DD, within the bounds pages
    and the API accept (kit.validate); None when not given. Bad input exits with code 2,
    naming the option."""
    from renewals.kit import validate

    try:
        return validate.parse_day(value, option)
    except validate.InvalidInput as exc:
        fail(exc.message, 2)


def parse_as_of(value: str | None, option: str = "--as-of") -> date:
    """The day a command works as of: the date option, or today when not given."""
    from renewals.kit.time import today

    return parse_date(value, option) or today()


ProgressCallback = Callable[[str, int, int], None]


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressCallback]:
    """A Rich progress bar driven by callbacks `(step, done, total)`; quiet when not a terminal."""
    if not enabled or not console.is_terminal:
        yield lambda step, done, total: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from renewals.kit.i18n import _, tr

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<32}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn(_("eta")),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(_("starting"), total=None)
        current = ["starting"]

        def update(step: str, done: int, total: int) -> None:
            label = tr(step)  # a step's label in the reader's language (issue 22)
            if step != current[0]:  # a new step: its own elapsed time and ETA
                current[0] = step
                progress.reset(task, description=label, completed=done, total=total)
            else:
                progress.update(task, description=label, completed=done, total=total)

        yield update


# ---------------------------------------------------------------- the lazy command group


@dataclass(frozen=True)
class LazyCommand:
    """A command of the root named before it is imported: `target` is "module:attribute",
    a Typer app (a group of commands) or a command function; `summary` is the line
    `renewals --help` shows, and the loaded command's short help (one place for it)."""

    name: str
    target: str
    summary: str

    def load(self) -> Any:
        """Import the command's module and build its Click command."""
        from typer.main import get_command_from_info, get_group
        from typer.models import CommandInfo

        module, _, attribute = self.target.partition(":")
        obj = getattr(importlib.import_module(module), attribute)
        command: Any
        if isinstance(obj, typer.Typer):
            command = get_group(obj)
        else:
            command = get_command_from_info(
                CommandInfo(name=self.name, callback=obj),
                pretty_exceptions_short=True,
                rich_markup_mode="rich",
            )
        command.name = self.name
        command.short_help = self.summary
        return translated_help(command)

    def listed(self) -> TyperCommand:
        """What a listing needs (name and summary) without importing the command; the
        summary in the reader's language when a help is being formatted."""
        from renewals.kit.i18n import gettext

        summary = gettext(self.summary)
        return TyperCommand(name=self.name, short_help=summary, help=summary)


class LazyGroup(TyperGroup):
    """A Typer group whose commands are imported when one runs, is completed or its help is
    shown; listing them (`--help`, completing a command name) imports none. Subclasses set
    `lazy_commands`, in the order `--help` lists them."""

    lazy_commands: tuple[LazyCommand, ...] = ()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._registry = {c.name: c for c in self.lazy_commands}
        self._listing = False

    @contextmanager
    def _only_listing(self) -> Iterator[None]:
        self._listing, before = True, self._listing
        try:
            yield
        finally:
            self._listing = before

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self._registry, *(n for n in self.commands if n not in self._registry)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = self._registry.get(cmd_name)
        if entry is None:
            return None
        if self._listing:
            return entry.listed()
        self.commands[cmd_name] = command = entry.load()
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with self._only_listing(), help_in_language(self, ctx):
            super().format_help(ctx, formatter)

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        with self._only_listing():
            return super().shell_complete(ctx, incomplete)

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        from typer._click.exceptions import ClickException

        # the eager --language may not have been read when the root's options fail
        given = args[args.index("--language") + 1 :] if "--language" in args else []
        try:
            return super().make_context(info_name, args, parent, **extra)
        except ClickException as exc:  # the root's own options (`renewals --nope`)
            ctx = getattr(exc, "ctx", None)
            if ctx is not None:
                language = i18n_normalise(given[0]) if given else None
                if language:
                    ctx.find_root().meta[LANGUAGE_KEY] = language
                if show_usage_error(exc, ctx):
                    raise typer.Exit(exc.exit_code) from None
            raise

    def invoke(self, ctx: Any) -> Any:
        """The command, and Click's usage errors of a command or sub-command at any depth
        printed in the reader's language (issue 22; English: Typer prints them)."""
        from typer._click.exceptions import ClickException

        try:
            return super().invoke(ctx)
        except ClickException as exc:
            if show_usage_error(exc, ctx):
                raise typer.Exit(exc.exit_code) from None
            raise

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        from typer._click.exceptions import UsageError  # Typer's own Click

        try:
            return self._click_resolve_command(ctx, args)
        except UsageError as exc:  # suggest the nearest names, loaded or not
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and self.suggest_commands:
                names = ", ".join(repr(m) for m in matches)
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {names}?"
            raise

    def load_all(self, ctx: Any = None) -> None:
        """Import every command (the generated reference and its tests need them all)."""
        for name in self._registry:
            self.get_command(ctx, name)
