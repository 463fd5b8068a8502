"""The one Jinja environment for what renewals writes from templates: customer messages,
proposals, contracts and save plans (issue 14).

- Loading: your edited copies (the templates directory, `RENEWALS_TEMPLATES_DIR`) win over
  the packaged ones of the same name (renewals/policy/templates).
- Undefined names fail loudly (StrictUndefined): a template never prints a blank where a
  fact was expected.
- Escaping: HTML templates (`.html.j2`) are escaped, text templates are not, unless the
  caller says otherwise.
- The locale filters print in the template context's `language` (English when it has
  none), through renewals.kit.locale:
  - `number`: `12000|number` -> 12,000 (12.000 in German); `places` fixes the decimals;
  - `money`: `12000|money("USD")` -> 12,000 USD;
  - `percent` and `pct`: a ratio as a percentage, `0.85|percent` -> 85% (85 % in German);
    `signed=True` adds "+", `places` the decimals. `pct` means the same on the web pages
    (renewals.web.formatting);
  - `in_percent`: a value that is already in percent, `12.5|in_percent` -> 12.5%;
  - `date_long`: `14 March 2027`, `14. März 2027`.
  Each prints nothing for None.
- Words (issue 22): `jinja2.ext.i18n` with gettext callables from renewals.kit.i18n
  (`{{ _("...") }}`, `{% trans %}`, `ngettext`, `pgettext`; new-style, so `%(name)s`
  placeholders are filled and escaped). Customer templates translate into their context's
  `language`; the pages (`install_i18n(env)`) into the language of the request being
  rendered (renewals.kit.i18n.using). `term(context)` prints a stored value (a stage, a
  health category) as a word of that language.
- Compiling (`CompiledTemplates`): environments built alike in one process (the web app's,
  renewals.web.deps.make_templates) share their compiled templates instead of compiling
  each again.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from keyword import iskeyword
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.idtracking import VAR_LOAD_RESOLVE
from markupsafe import Markup, escape

from renewals.kit import i18n
from renewals.kit.locale import (
    DEFAULT_LANGUAGE,
    format_date_long,
    format_money,
    format_number,
    format_percent,
)

PACKAGE = "renewals.policy"
PACKAGED = "templates"

Number = Decimal | float | int | str


def language_of(ctx: jinja2.runtime.Context) -> str:
    """The language a template is rendered in: its context's `language`, else English."""
    language = ctx.get("language")
    return language if isinstance(language, str) else DEFAULT_LANGUAGE


@jinja2.pass_context
def number(ctx: jinja2.runtime.Context, value: Number | None, places: int | None = None) -> str:
    return "" if value is None else format_number(value, language_of(ctx), places)


@jinja2.pass_context
def money(ctx: jinja2.runtime.Context, value: Number | None, currency: str | None = None) -> str:
    return "" if value is None else format_money(value, currency, language_of(ctx))


@jinja2.pass_context
def percent(
    ctx: jinja2.runtime.Context, value: Number | None, signed: bool = False, places: int = 0
) -> str:
    """A ratio (0.85) as `85%`; `in_percent` is for a value already in percent."""
    if value is None:
        return ""
    return format_percent(value, language_of(ctx), signed=signed, places=places)


@jinja2.pass_context
def in_percent(ctx: jinja2.runtime.Context, value: Number | None) -> str:
    """A value in percent (12.5) as `12.5%` / `12,5 %`: whole numbers without decimals."""
    if value is None:
        return ""
    places = 0 if float(value).is_integer() else 1
    return format_percent(Decimal(str(value)) / 100, language_of(ctx), places=places)


@jinja2.pass_context
def date_long(ctx: jinja2.runtime.Context, value: date | datetime | str | None) -> str:
    return "" if value is None else format_date_long(value, language_of(ctx))


@jinja2.pass_context
def _context_gettext(ctx: jinja2.runtime.Context, message: str) -> str:
    with i18n.using(_context_language(ctx)):
        return i18n.gettext(message)


@jinja2.pass_context
def _context_ngettext(ctx: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    with i18n.using(_context_language(ctx)):
        return i18n.ngettext(singular, plural, n)


@jinja2.pass_context
def _context_pgettext(ctx: jinja2.runtime.Context, context: str, message: str) -> str:
    with i18n.using(_context_language(ctx)):
        return i18n.pgettext(context, message)


@jinja2.pass_context
def _context_npgettext(
    ctx: jinja2.runtime.Context, context: str, singular: str, plural: str, n: int
) -> str:
    with i18n.using(_context_language(ctx)):
        return i18n.npgettext(context, singular, plural, n)


def _context_language(ctx: jinja2.runtime.Context) -> str | None:
    """A customer template's `language` when it is one we have words for, else the current."""
    language = ctx.get("language")
    return language if isinstance(language, str) and language in i18n.LANGUAGES else None


@jinja2.pass_context
def _context_term(ctx: jinja2.runtime.Context, value: str | None, context: str) -> str:
    with i18n.using(_context_language(ctx)):
        return i18n.term(context, value)


def install_i18n(env: jinja2.Environment, *, from_context: bool = False) -> None:
    """Add `jinja2.ext.i18n` to `env`, translating into the current language
    (renewals.kit.i18n.current; the pages, which this makes escape always), or with
    `from_context` into the template context's `language` (customer messages and
    documents) when it has one."""
    env.add_extension("jinja2.ext.i18n")
    if from_context:
        env.install_gettext_callables(  # type: ignore[attr-defined]
            gettext=_context_gettext,
            ngettext=_context_ngettext,
            pgettext=_context_pgettext,
            npgettext=_context_npgettext,
            newstyle=True,
        )
        env.filters["term"] = _context_term
    else:
        # The pages are HTML: they escape always, and get plain gettext functions, so a
        # call costs one `Context.call` and no derived context per loop iteration (Jinja's
        # wrappers take the context and, inside a `for`, copy it for every call: 20 us a
        # word; these take about 1 us).
        env.autoescape = True
        env.newstyle_gettext = True  # type: ignore[attr-defined]
        env.globals.update(
            _=_page_gettext,
            gettext=_page_gettext,
            ngettext=_page_ngettext,
            pgettext=_page_pgettext,
            npgettext=_page_npgettext,
        )
        env.filters["term"] = _current_term
        env.code_generator_class = _PageCodeGenerator
        # a page is compiled once per language it is read in (in_language): its fixed
        # words are then part of the page's text, not a call each time it is shown
        if env.loader is not None and not isinstance(env.loader, _LanguageLoader):
            env.loader = _LanguageLoader(env.loader)
        env.join_path = _join_path  # type: ignore[method-assign]
    env.filters["tr"] = _current_tr


_PAGE_GETTEXT = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})
_IN_LANGUAGE = re.compile(r"@([a-z]{2})/")
# a message's words cut at its places: (text before, "%(name)s" or "%%" or "" at the end)
_PLACES = re.compile(r"(.*?)(%\(\w+\)s|%%|\Z)", re.DOTALL)


def in_language(name: str, language: str) -> str:
    """The name of page `name` compiled for readers of `language` (`@de/tasks.html`): the
    pages' environment (install_i18n) loads the same file, and compiles its fixed words
    (`{{ _("Done") }}`, `{% trans %}Snooze{% endtrans %}`) as text of that language. Render
    it while `language` is current (renewals.web.deps.render does)."""
    return f"@{i18n.check(language)}/{name}"


def _language_of_name(name: str | None) -> str | None:
    match = _IN_LANGUAGE.match(name or "")
    return match.group(1) if match and match.group(1) in i18n.LANGUAGES else None


def _join_path(template: str, parent: str) -> str:
    """A page's includes, imports and layout in the language of the page that uses them."""
    match = _IN_LANGUAGE.match(parent)
    if match is None or _IN_LANGUAGE.match(template):
        return template
    return match.group(0) + template


class _LanguageLoader(jinja2.BaseLoader):
    """The pages' loader, for names with a language (`@de/base.html`): the same source as
    the name without it, compiled (and kept) apart."""

    def __init__(self, loader: jinja2.BaseLoader) -> None:
        self.loader = loader

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Any]:
        return self.loader.get_source(environment, _IN_LANGUAGE.sub("", template, count=1))

    def list_templates(self) -> list[str]:
        return self.loader.list_templates()


class _PageCodeGenerator(CodeGenerator):
    """The pages' code generator, for the calls of the gettext functions (`_("...")`, and
    the `gettext`/`ngettext` calls `{% trans %}` compiles to) when the name is the
    environment's (not a variable of the template):

    - a plain Python call instead of Jinja's `context.call(...)`, which looks for a context
      argument on every call (2-3 us each);
    - printed as it is, not through `escape()`: the functions return `Markup` already (the
      words are trusted, the values filled in escaped), and `escape` would copy it.

    A task queue of 50 rows makes about 430 such calls; these two costs were most of what
    the translations added to a page's template (issue 22). The functions are plain ones
    that read the request's language (install_i18n), so the call means the same."""

    def _direct(self, node: nodes.Node, frame: Frame) -> bool:
        if not (
            isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Name)
            and node.node.name in _PAGE_GETTEXT
        ):
            return False
        load = frame.symbols.find_load(frame.symbols.ref(node.node.name))
        return (
            load is not None
            and load[0] == VAR_LOAD_RESOLVE  # the environment's, not the template's own `_`
            and not self.environment.is_async
            and node.dyn_args is None
            and node.dyn_kwargs is None
            and not any(iskeyword(k.key) for k in node.kwargs)
        )

    def _message(self, node: nodes.Node, frame: Frame) -> tuple[str, str, nodes.Call] | None:
        """(language, message, call) of `_("...")` or `gettext("...")`, the message a
        constant, when the page is compiled for one language (in_language)."""
        language = _language_of_name(self.name)
        if (
            language is None
            or not self._direct(node, frame)
            or not isinstance(node, nodes.Call)
            or not isinstance(node.node, nodes.Name)
            or node.node.name not in ("_", "gettext")
            or len(node.args) != 1
            or not isinstance(node.args[0], nodes.Const)
            or not isinstance(node.args[0].value, str)
        ):
            return None
        return language, node.args[0].value, node

    def _fixed_words(self, node: nodes.Node, frame: Frame) -> Markup | None:
        """The words of `_("Done")` (or the `gettext("...")` of a `{% trans %}` without
        values) when the page is compiled for one language (in_language): the same Markup
        the call would return when the page is shown in that language."""
        message = self._message(node, frame)
        if message is None or message[2].kwargs:
            return None
        return _words(message[0], message[1])

    def _words_with_values(self, node: nodes.Node, frame: Frame) -> list[str | nodes.Expr] | None:
        """`_("Note for task %(id)s", id=t.task_id)` when the page is compiled for one
        language: that language's words cut at their `%(name)s` places, each place the
        value's expression. None when a place is anything else (`%(n)d`, a name no value
        has, a name twice): the call stays and formats as it did."""
        message = self._message(node, frame)
        if message is None or not message[2].kwargs:
            return None
        language, msgid, call = message
        words = i18n.translations(language).gettext(msgid)
        values = {keyword.key: keyword.value for keyword in call.kwargs}
        pieces: list[str | nodes.Expr] = []
        used: set[str] = set()
        for text, place in _PLACES.findall(words):
            if "%" in text:  # a place other than %(name)s or %%
                return None
            pieces.append(text)
            if place == "%%":
                pieces.append("%")
            elif place:
                name = place[2:-2]
                if name not in values or name in used:
                    return None
                used.add(name)
                pieces.append(values[name])
        return pieces

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        if forward_caller or not self._direct(node, frame):
            super().visit_Call(node, frame, forward_caller=forward_caller)
            return
        words = self._fixed_words(node, frame)
        if words is not None:  # an argument (`sort_header(..., _("Owner"))`): the words
            self.write(f"Markup({str(words)!r})")
            return
        pieces = self._words_with_values(node, frame)
        if pieces is not None:  # the words as text, each value escaped as `%` would
            self.write("Markup(''")
            for piece in pieces:
                if isinstance(piece, str):
                    if piece:
                        self.write(f" + {piece!r}")
                else:
                    self.write(" + str(escape(")
                    self.visit(piece, frame)
                    self.write("))")
            self.write(")")
            return
        self.visit(node.node, frame)
        self.write("(")
        for n, argument in enumerate([*node.args, *node.kwargs]):
            if n:
                self.write(", ")
            self.visit(argument, frame)
        self.write(")")

    def _printed_as_is(self, node: nodes.Expr, frame: Frame, finalize: object) -> bool:
        return (
            frame.eval_ctx.autoescape
            and not frame.eval_ctx.volatile
            and getattr(finalize, "src", None) is None
            and self._direct(node, frame)
        )

    def _output_child_to_const(self, node: nodes.Expr, frame: Frame, finalize: Any) -> str:
        words = self._fixed_words(node, frame)
        if words is None:
            return super()._output_child_to_const(node, frame, finalize)
        if frame.eval_ctx.volatile:  # escaping known only when shown
            raise nodes.Impossible()
        # printed as the page's own text: the words are trusted markup (see _words)
        return str(finalize.const(escape(words) if frame.eval_ctx.autoescape else words))

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if not self._printed_as_is(node, frame, finalize):
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if not self._printed_as_is(node, frame, finalize):
            super()._output_child_post(node, frame, finalize)


# Jinja's new-style gettext, for an environment that escapes everything: the words are
# trusted markup, the values filled in are escaped, and a message is always a format
# string ("100%%" prints "100%"), exactly as jinja2.ext's wrappers do. A page says the same
# few things many times ("in 12 d" on every row), so a message with its values is kept
# once made: a dictionary lookup instead of a lookup, an escape and a format each time.
@lru_cache(maxsize=8192)
def _words(language: str, message: str) -> Markup:
    words = Markup(i18n.translations(language).gettext(message))
    return words % {} if "%" in words else words


@lru_cache(maxsize=16384)
def _filled(words: Markup, values: tuple[tuple[str, type, object], ...]) -> Markup:
    return words % {name: value for name, _type, value in values}


def _fill(words: str, variables: dict[str, object]) -> Markup:
    markup = Markup(words)
    # the key holds each value's type: "<b>" as Markup and as str are equal, but only
    # the str is escaped (and 1 == True == 1.0 print differently)
    try:
        return _filled(markup, tuple((k, v.__class__, v) for k, v in variables.items()))
    except TypeError:  # a value that cannot be a key (a list): formatted each time
        return markup % variables


def _page_gettext(message: str, /, **variables: object) -> Markup:
    if not variables:
        return _words(i18n.current(), message)
    return _fill(i18n.gettext(message), variables)


def _page_ngettext(singular: str, plural: str, num: int, /, **variables: object) -> Markup:
    variables.setdefault("num", num)
    return _fill(i18n.ngettext(singular, plural, num), variables)


def _page_pgettext(context: str, message: str, /, **variables: object) -> Markup:
    variables.setdefault("context", context)
    return _fill(i18n.pgettext(context, message), variables)


def _page_npgettext(
    context: str, singular: str, plural: str, num: int, /, **variables: object
) -> Markup:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    return _fill(i18n.npgettext(context, singular, plural, num), variables)


# The pages' filters take the context only so that Jinja never folds them at compile time:
# `"overdue"|term("badge")` has constant arguments, and a plain function would be evaluated
# once, in the language of the first request, for every later reader.
@jinja2.pass_context
def _current_term(ctx: jinja2.runtime.Context, value: str | None, context: str) -> str:
    return i18n.term(context, value)


@jinja2.pass_context
def _current_tr(ctx: jinja2.runtime.Context, value: object) -> str:
    return i18n.tr(value)


FILTERS = {
    "number": number,
    "money": money,
    "percent": percent,
    "in_percent": in_percent,
    # `pct` kept with its first meaning (the proposal documents' filter, web.formatting.pct):
    # a value already in percent, so a copied template written against it still reads right.
    "pct": in_percent,
    "date_long": date_long,
}


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept in memory, for environments of one process built with the
    same settings (one instance per kind of environment: the code Jinja compiles depends
    on them). Jinja checks each template's source checksum before reusing its code, so an
    edited template is compiled again. Compiling a page costs 50-120 ms (about 1 s for
    the web app's 36 pages, renewals.web.serving.warm_templates); loading it from here
    about 2 ms. An app is built once per server process, but the test suite builds one
    per test (issue 14)."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


@lru_cache(maxsize=32)
def environment(
    folder: str = "",
    templates_dir: str | None = None,
    *,
    escape: bool | None = None,
    keep_trailing_newline: bool = False,
) -> jinja2.Environment:
    """The environment for the packaged templates in `folder` (under
    renewals/policy/templates) and your copies in `templates_dir`, which win.

    `escape`: True escapes every template, False none, None the `.html.j2` ones only.
    """
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(templates_dir))
    loaders.append(jinja2.PackageLoader(PACKAGE, f"{PACKAGED}/{folder}".rstrip("/")))
    autoescape = (
        jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False)
        if escape is None
        else escape
    )
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline,
    )
    env.filters.update(FILTERS)
    install_i18n(env, from_context=True)
    return env


SYNTAX_ERROR = i18n.Text("template {name} line {line}: {problem}")


def syntax_error(
    exc: jinja2.TemplateSyntaxError, name: str, words: str = SYNTAX_ERROR
) -> i18n.Text:
    """A template's syntax error in the reader's words (`words`: the kind of template's
    Text, "template {name} line {line}: {problem}" by default): its file, line and Jinja's
    own message."""
    return i18n.Text(
        words, name=exc.filename or name, line=str(exc.lineno), problem=str(exc.message)
    )
