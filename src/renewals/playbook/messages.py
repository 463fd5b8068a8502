"""Campaign messages (TIME-5) and the timeline shared with the customer (TIME-6).

Every message is a Jinja2 text template named `{step}.{language}.txt.j2`. The
packaged ones live in `renewals/policy/templates/messages/`; a user may keep
edited copies (same names) in a templates directory, which is searched first.
A message template's first line is `Subject: ...`, then a blank line, then the
body. The shared timeline (`customer_timeline.{language}.txt.j2`) has no subject:
it is a paragraph to paste into any message.

Language: the account's language when a template exists in it, else English;
`Rendered.language` says which one was used. The internal messages (INTERNAL_STEPS) have
one English template whose sentences are catalogue messages (issue 22): they read in the
language asked for (the recipient's) when it is one of the team's (renewals.kit.i18n). Numbers, money, percentages and
dates are formatted for that language by the `number`, `money`, `percent` and
`date_long` filters. A context key a template needs but was not given is an
error naming the template and the key (StrictUndefined), never an empty gap in
a customer email. No clock here: `as_of` comes in the context.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

import jinja2

from renewals.errors import RenewalsError
from renewals.kit import i18n, templates
from renewals.kit.i18n import Text

# TIME-5, in campaign order: (internal) T-90 owner alert; (customer) T-60 heads-up,
# T-30 formal notice, T-14 follow-up; (internal) T-14 escalation; (customer) T-7 final
# reminder; (internal) T-7 management.
CUSTOMER_STEPS: tuple[str, ...] = ("heads_up", "formal_notice", "follow_up", "final_reminder")
INTERNAL_STEPS: tuple[str, ...] = ("owner_alert", "escalation", "management")
STEPS: tuple[str, ...] = (
    "owner_alert",
    "heads_up",
    "formal_notice",
    "follow_up",
    "escalation",
    "final_reminder",
    "management",
)
TIMELINE_TEMPLATE = "customer_timeline"
AT_RISK_SUFFIX = "_at_risk"  # the template variant for at-risk and red accounts (SEG-2)
DEFAULT_LANGUAGE = "en"

# The keys every message template may use (docs/messages.md); some may be None.
CONTEXT_KEYS: tuple[str, ...] = (
    "account_name",
    "contact_name",
    "renewal_id",
    "renewal_date",
    "days_to_renewal",
    "arr",
    "currency",
    "owner_name",
    "owner_email",
    "manager_name",
    "segment",
    "opportunity_type",
    "touch_model",
    "stage",
    "health_score",
    "health_category",
    "signals",
    "value",
    "timeline",
    "as_of",
    "account_state",  # "at_risk" (at-risk or red: the _at_risk variant) or "ok"
)
# The keys of context["value"]; a missing one is read as None (no figure for it).
VALUE_KEYS: tuple[str, ...] = (
    "events_30d",
    "active_users_30d",
    "seats",
    "seat_utilisation",
    "key_feature_adoption",
    "usage_change_30d",
)

_STEP_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
_SUFFIX = ".txt.j2"


class MessageTemplateError(RenewalsError):
    """A message template is missing, broken, or needs a context key it was not given."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 422)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    language: str  # the language of the template used (after the fallback to English)
    template: str  # its file name, e.g. "formal_notice.de.txt.j2"


class MilestoneLike(Protocol):
    """policy.campaign.customer_timeline items (TimelineMilestone)."""

    @property
    def days(self) -> int: ...

    @property
    def milestone(self) -> str: ...


Milestones = Sequence[tuple[int, str]] | Sequence[MilestoneLike]


# --- templates ------------------------------------------------------------------------


def packaged_templates_dir() -> Path:
    """Where the packaged templates are (copy them from here to edit them)."""
    return Path(__file__).resolve().parent.parent / "policy" / "templates" / "messages"


def template_name(step: str, language: str) -> str:
    return f"{step}.{language}{_SUFFIX}"


def available_languages(step: str, *, templates_dir: Path | None = None) -> list[str]:
    """The languages with a template for `step` (packaged or in `templates_dir`), sorted."""
    _check_step(step)
    pattern = re.compile(rf"^{re.escape(step)}\.([a-z]{{2,3}}){re.escape(_SUFFIX)}$")
    env = _environment(_dir_key(templates_dir))
    found = {m.group(1) for name in env.list_templates() if (m := pattern.match(name))}
    return sorted(found)


def render(
    step: str,
    language: str | None,
    context: Mapping[str, Any],
    *,
    templates_dir: Path | None = None,
) -> Rendered:
    """The message for `step` in `language` (or English), with its subject split off."""
    env = _environment(_dir_key(templates_dir))
    chosen = step
    if context.get("account_state") == "at_risk":
        # Issue 16, SEG-2: an at-risk or red account never gets the friendly template;
        # its `<step>_at_risk` variant is used where one exists.
        variant = f"{step}{AT_RISK_SUFFIX}"
        if available_languages(variant, templates_dir=templates_dir):
            chosen = variant
    used, template = _select(env, chosen, language)
    name = template_name(chosen, used)
    variables = dict(context)
    if "value" in variables:
        variables["value"] = {key: None for key in VALUE_KEYS} | dict(variables["value"] or {})
    wanted = _normalise_language(language)
    if step in INTERNAL_STEPS and used == DEFAULT_LANGUAGE and wanted in i18n.LANGUAGES:
        # Issue 22: an internal message is one English template whose sentences are
        # catalogue messages: it reads in the recipient's language (docs/i18n.md).
        used = wanted
    variables["language"] = used
    text = _render(template, variables)
    subject, body = _split_subject(text, name)
    return Rendered(subject=subject, body=body, language=used, template=name)


def customer_timeline(
    renewal_date: date, milestones: Milestones, as_of: date
) -> list[dict[str, Any]]:
    """TIME-6: the dated milestones, earliest first; `passed` when the date is before as_of."""
    pairs = sorted(_pairs(milestones), key=lambda pair: -pair[0])
    timeline = []
    for days, milestone in pairs:
        when = renewal_date - timedelta(days=days)
        timeline.append(
            {"date": when, "days": days, "milestone": milestone, "passed": when < as_of}
        )
    return timeline


def timeline_text(
    renewal_date: date,
    milestones: Milestones,
    language: str | None,
    as_of: date,
    *,
    templates_dir: Path | None = None,
) -> str:
    """TIME-6: the timeline as a paragraph to share with the customer (no subject line)."""
    env = _environment(_dir_key(templates_dir))
    used, template = _select(env, TIMELINE_TEMPLATE, language)
    variables = {
        "renewal_date": renewal_date,
        "timeline": customer_timeline(renewal_date, milestones, as_of),
        "as_of": as_of,
        "language": used,
    }
    return _tidy(_render(template, variables)).rstrip("\n")


def _pairs(milestones: Milestones) -> list[tuple[int, str]]:
    pairs: list[tuple[int, str]] = []
    for item in milestones:
        if isinstance(item, tuple):
            days, milestone = item
        else:
            days, milestone = item.days, item.milestone
        pairs.append((int(days), str(milestone)))
    return pairs


def _dir_key(templates_dir: Path | None) -> str | None:
    if templates_dir is None:
        return None
    path = Path(templates_dir).expanduser()
    if not path.is_dir():
        raise MessageTemplateError(
            Text(
                "message templates directory {path} does not exist or is not a directory",
                path=str(path),
            )
        )
    return str(path.resolve())


def _environment(templates_dir: str | None) -> jinja2.Environment:
    # The user's edited copies win over the packaged ones of the same name; plain text.
    return templates.environment(
        "messages", templates_dir, escape=False, keep_trailing_newline=True
    )


def _check_step(step: str) -> None:
    if not _STEP_NAME.match(step):
        raise MessageTemplateError(
            Text(
                "{step} is not a message step; steps are {steps}",
                step=repr(step),
                steps=", ".join(STEPS),
            )
        )


def _normalise_language(language: str | None) -> str | None:
    """`de`, `DE`, `de-AT` and `de_DE` all mean `de`; anything else unusable is None."""
    if not language:
        return None
    code = language.strip().lower().replace("_", "-").split("-")[0]
    return code if _LANGUAGE_CODE.match(code) else None


def _select(
    env: jinja2.Environment, step: str, language: str | None
) -> tuple[str, jinja2.Template]:
    _check_step(step)
    wanted = _normalise_language(language)
    candidates = [wanted] if wanted and wanted != DEFAULT_LANGUAGE else []
    candidates.append(DEFAULT_LANGUAGE)
    for candidate in candidates:
        name = template_name(step, candidate)
        try:
            return candidate, env.get_template(name)
        except jinja2.TemplateNotFound as exc:
            if exc.name != name:  # an {% extends %} or {% import %} inside it is missing
                raise MessageTemplateError(
                    Text(
                        "message template {name} refers to {missing}, which does not exist",
                        name=name,
                        missing=str(exc.name),
                    )
                ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise _syntax_error(exc, name) from None
    tried = ", ".join(template_name(step, c) for c in candidates)
    raise MessageTemplateError(
        Text(
            "no message template for step {step} (looked for {tried})",
            step=repr(step),
            tried=tried,
        )
    )


# a message template's problem at a line: its syntax, or what rendering it met there
AT_LINE = Text("message template {name} line {line}: {problem}")


def _syntax_error(exc: jinja2.TemplateSyntaxError, name: str) -> MessageTemplateError:
    return MessageTemplateError(templates.syntax_error(exc, name, AT_LINE))


def _in_template(name: str, line: int | None, problem: str) -> MessageTemplateError:
    """An error while rendering: the template, its line where known, and the problem."""
    if line is None:
        return MessageTemplateError(
            Text("message template {name}: {problem}", name=name, problem=problem)
        )
    return MessageTemplateError(Text(AT_LINE, name=name, line=str(line), problem=problem))


def _render(template: jinja2.Template, variables: Mapping[str, Any]) -> str:
    name = template.name or "?"
    try:
        return template.render(variables)
    except jinja2.UndefinedError as exc:
        problem = Text(
            "{problem}; the context must provide it (see docs/messages.md for the keys)",
            problem=str(exc.message),
        )
        raise _in_template(name, _line_of(exc, template), problem) from None
    except jinja2.TemplateNotFound as exc:
        raise MessageTemplateError(
            Text(
                "message template {name} includes {missing}, which does not exist",
                name=name,
                missing=str(exc.name),
            )
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax_error(exc, name) from None
    except (TypeError, ValueError) as exc:
        raise _in_template(name, _line_of(exc, template), str(exc)) from None


def _line_of(exc: BaseException, template: jinja2.Template) -> int | None:
    """The line of the template where the error happened (Jinja keeps it in the traceback)."""
    filename = template.filename
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if filename and frame.filename == filename and frame.lineno:
            return frame.lineno
    return None


def _split_subject(text: str, name: str) -> tuple[str, str]:
    first, _, rest = text.lstrip("\n").partition("\n")
    if not first.startswith("Subject:"):
        raise MessageTemplateError(
            Text(
                "message template {name}: the first line must be 'Subject: ...', then a blank "
                "line, then the body (it is {first})",
                name=name,
                first=repr(first[:60]),
            )
        )
    subject = " ".join(first.removeprefix("Subject:").split())
    if not subject:
        raise MessageTemplateError(Text("message template {name}: the subject is empty", name=name))
    return subject, _tidy(rest)


def _tidy(text: str) -> str:
    """No trailing spaces, at most one blank line in a row (left by omitted paragraphs)."""
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return f"{text}\n" if text else ""
