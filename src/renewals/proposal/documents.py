"""The proposal document (TECH-3): editable Jinja2 HTML templates, rendered to HTML and PDF.

Templates are `proposal.<language>.html.j2` in `renewals/policy/templates/proposal/`
(English, German, Indonesian, Malay); each sets its words and extends the shared
`_layout.html.j2`. Your edited copies of the same names in `<templates_dir>/proposal/`
(RENEWALS_TEMPLATES_DIR) win over the packaged ones. The account's language is used
when a template exists for it, else English, and `Rendered.note` says so. Numbers,
money, percentages and dates follow the language (the campaign messages' filters). A
key the template needs but was not given is an error naming it (StrictUndefined).
The HTML is self-contained (inline CSS, no remote URLs) so WeasyPrint renders it offline.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from renewals.config import Settings, require_vendor
from renewals.errors import RenewalsError
from renewals.kit import templates
from renewals.kit.i18n import Text

if TYPE_CHECKING:
    from renewals.proposal.models import Proposal
    from renewals.proposal.service import Facts
    from renewals.user.models import User

DEFAULT_LANGUAGE = "en"
TEMPLATE = "proposal"
SUFFIX = ".html.j2"
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


class ProposalTemplateError(RenewalsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 422)


@dataclass(frozen=True)
class Rendered:
    html: str
    language: str  # the template's language (after the fallback to English)
    template: str
    note: str  # why another language was used, or ""


def packaged_templates_dir() -> Path:
    """Where the packaged proposal templates are (copy them from here to edit them)."""
    return Path(__file__).resolve().parent.parent / "policy" / "templates" / "proposal"


def _language(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if _LANGUAGE_CODE.match(code) else None


def _offered_in(name: str, options: Mapping[str, Any]) -> bool:
    """Jinja test: the option `name` is on offer (the customer sees only those)."""
    option = options.get(name)
    return bool(option and option.get("offered"))


SYNTAX_ERROR = Text("proposal template {name} line {line}: {problem}")


def _dir_key(templates_dir: Path | None) -> str | None:
    if templates_dir is None:
        return None
    path = Path(templates_dir).expanduser()
    if not path.is_dir():
        raise ProposalTemplateError(
            Text("templates directory {path} does not exist or is not a directory", path=str(path))
        )
    return str(path.resolve())


def _environment(templates_dir: str | None) -> jinja2.Environment:
    # Your edited copies (in its proposal/ folder) win over the packaged ones.
    mine = None if templates_dir is None else str(Path(templates_dir) / "proposal")
    env = templates.environment("proposal", mine, escape=True)
    env.tests["offered_in"] = _offered_in
    return env


def available_languages(templates_dir: Path | None = None) -> list[str]:
    env = _environment(_dir_key(templates_dir))
    pattern = re.compile(rf"^{TEMPLATE}\.([a-z]{{2,3}}){re.escape(SUFFIX)}$")
    return sorted({m.group(1) for n in env.list_templates() if (m := pattern.match(n))})


def render(
    context: Mapping[str, Any], language: str | None, *, templates_dir: Path | None = None
) -> Rendered:
    """The proposal in `language` (or English, saying so)."""
    env = _environment(_dir_key(templates_dir))
    wanted = _language(language)
    candidates = [wanted] if wanted and wanted != DEFAULT_LANGUAGE else []
    candidates.append(DEFAULT_LANGUAGE)
    for candidate in candidates:
        name = f"{TEMPLATE}.{candidate}{SUFFIX}"
        try:
            template = env.get_template(name)
        except jinja2.TemplateNotFound as exc:
            if exc.name != name:
                raise ProposalTemplateError(
                    Text(
                        "proposal template {name} refers to {missing}, which does not exist",
                        name=name,
                        missing=str(exc.name),
                    )
                ) from None
            continue
        except jinja2.TemplateSyntaxError as exc:
            raise ProposalTemplateError(templates.syntax_error(exc, name, SYNTAX_ERROR)) from None
        note = ""
        if language and candidate != wanted:
            note = Text(
                "no proposal template in {language}: written in English", language=repr(language)
            )
        try:
            html = template.render({**context, "language": candidate})
        except jinja2.UndefinedError as exc:
            raise ProposalTemplateError(
                Text(
                    "proposal template {name}: {problem}; the context must provide it (see "
                    "docs/proposals.md for the keys)",
                    name=name,
                    problem=str(exc.message),
                )
            ) from None
        except (TypeError, ValueError) as exc:
            raise ProposalTemplateError(
                Text("proposal template {name}: {problem}", name=name, problem=str(exc))
            ) from None
        return Rendered(html, candidate, name, note)
    raise ProposalTemplateError(
        Text("no proposal template {name}", name=f"{TEMPLATE}.{DEFAULT_LANGUAGE}{SUFFIX}")
    )


def context(
    proposal: Proposal, facts: Facts, *, owner: User | None, vendor_name: str | None = None
) -> dict[str, Any]:
    """The keys every proposal template may use (docs/proposals.md); `vendor_name` is the
    company the customer deals with (settings vendor_name)."""
    renewal = facts.renewal
    guarded = proposal.value_summary.get("guard") or {}
    return {
        "vendor_name": vendor_name or require_vendor(Settings(), address=False)[0],
        "proposal_id": proposal.proposal_id,
        "as_of": proposal.as_of,
        "account_name": facts.account.name,
        "renewal_id": renewal.renewal_id,
        "renewal_date": renewal.renewal_date,
        "days_to_renewal": (renewal.renewal_date - proposal.as_of).days,
        # TIME-6: a date that is gone is never written to the customer as a deadline.
        "upcoming": renewal.renewal_date >= proposal.as_of,
        "currency": renewal.currency,
        "owner_name": owner.name if owner else None,
        "owner_email": owner.email if owner else renewal.owner_email,
        # Issue 16 content guard: the customer reads only the favourable, true facts.
        "value": guarded.get("shown", proposal.value_summary),
        "pricing": proposal.options,
        "options": proposal.options["options"],
        "chosen": proposal.option,
        "status": proposal.status,
        "term_start": date.fromisoformat(proposal.value_summary["term"]["start"]),
        "term_end": date.fromisoformat(proposal.value_summary["term"]["end"]),
    }
