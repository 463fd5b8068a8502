"""Human formatting on pages (issue 15): the Jinja filters every page template uses.

- `plural`: `3|plural("row")` -> "3 rows", `1|plural("row")` -> "1 row";
- `money`: `57210|money("USD")` -> "57,210 USD" (grouping, and cents only when there are any);
- `percent`: a ratio as a percentage, `0.1125|percent` -> "11%"; `pct`: a value already in
  percent, `12.5|pct` -> "12.5%" (the same names mean the same as in customer messages
  and proposal documents, so one template idiom works everywhere);
- `yesno`: booleans as words, never "True"/"False";
- `number`: grouping and at most two decimals;
- `date_long`, `datetime_long`: dates in words in the page's language.

The separators and month names are the ones customer messages and documents use
(renewals.playbook.messages), so a page and a contract in German agree.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jinja2 import Environment

from renewals.kit import i18n
from renewals.kit.locale import format_date_long, format_money, format_number, format_percent
from renewals.task import domain as task_domain

Number = Decimal | float | int | str


def _lang(lang: str | None) -> str:
    """The language asked for, else the page's (renewals.kit.i18n: the viewer's, issue 22)."""
    return lang or i18n.current()


def plural(
    count: Any, singular: str, plural_form: str | None = None, lang: str | None = None
) -> str:
    """`count` with the noun in the right number; counts are grouped (1,234 rows)."""
    if count is None:
        count = 0
    noun = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{format_number(count, _lang(lang))} {noun}"


def money(value: Number | None, currency: str | None = None, lang: str | None = None) -> str:
    return "" if value is None or value == "" else format_money(value, currency, _lang(lang))


def percent(ratio: Number | None, places: int = 0, lang: str | None = None) -> str:
    """A ratio (0..1) as a percentage (the `percent` filter of messages and documents)."""
    return "" if ratio is None or ratio == "" else format_percent(ratio, _lang(lang), places=places)


def pct(value: Number | None, lang: str | None = None) -> str:
    """A value already in percent (12.5) as `12.5%` (the proposal documents' `pct`)."""
    if value is None or value == "":
        return ""
    number_ = Decimal(str(value))
    places = 0 if number_ == number_.to_integral_value() else 1
    return format_percent(number_ / 100, _lang(lang), places=places)


def number(value: Number | None, places: int | None = None, lang: str | None = None) -> str:
    return "" if value is None or value == "" else format_number(value, _lang(lang), places)


YES_NO = {
    "en": ("yes", "no"),
    "de": ("ja", "nein"),
    "id": ("ya", "tidak"),
    "ms": ("ya", "tidak"),
}


def yesno(value: Any, lang: str | None = None) -> str:
    yes, no = YES_NO.get(_lang(lang), YES_NO["en"])
    if value is None:
        return "–"
    return yes if value else no


def date_long(value: date | datetime | str | None, lang: str | None = None) -> str:
    return "" if not value else format_date_long(value, _lang(lang))


def datetime_long(value: datetime | None, lang: str | None = None) -> str:
    """`14 March 2027, 09:30 UTC` in the page's language."""
    if value is None:
        return ""
    return f"{format_date_long(value, _lang(lang))}, {value:%H:%M} UTC"


RATIO_WORDS = ("utilisation", "utilization", "rate", "share", "ratio", "adoption")


def label(key: Any) -> str:
    """A field name as words: `seat_utilisation` -> "Seat utilisation"."""
    text = str(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def word(value: Any, lang: str | None = None) -> str:
    """A decided value as a word: booleans as yes/no, `multi_year` as "multi year"."""
    if isinstance(value, bool) or value is None:
        return yesno(value, lang)
    return str(value).replace("_", " ")


def fact(value: Any, key: str = "", lang: str | None = None) -> str:
    """A measured fact for people: ratios named so as percentages, numbers grouped."""
    if isinstance(value, bool) or value is None:
        return yesno(value, lang)
    if isinstance(value, int | float | Decimal):
        ratio = Decimal(str(value))
        if any(w in key for w in RATIO_WORDS) and -1 <= ratio <= 1:
            return percent(ratio, 1 if abs(ratio) < Decimal("0.1") else 0, lang)
        return number(value, lang=lang)
    return str(value)


def days_overdue(task: Any, as_of: date) -> int:
    """Days an overdue task is late on `as_of`, 0 when it is not overdue (TIME-4: the one
    rule, renewals.task.domain); `task` is a Task or a row with its status and due date."""
    return task_domain.days_overdue(task.status, task.due_date, as_of)


FILTERS = {
    "days_overdue": days_overdue,
    "label": label,
    "word": word,
    "fact": fact,
    "plural": plural,
    "money": money,
    "percent": percent,
    "pct": pct,
    "number": number,
    "yesno": yesno,
    "date_long": date_long,
    "datetime_long": datetime_long,
}


def install(env: Environment) -> None:
    """Add the filters to a Jinja environment (the pages' templates)."""
    env.filters.update(FILTERS)
