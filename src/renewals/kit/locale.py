"""Numbers, money, percentages and dates written for people in their language (en, de,
id, ms): the one place customer documents, messages and pages format them (issue 14).

Malaysian usage (and CLDR "ms") writes 12,000.50 like English; Indonesian and German
write 12.000,50. A language not listed is written as English.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

DEFAULT_LANGUAGE = "en"

# (thousands separator, decimal mark). Malaysian usage (and CLDR "ms") writes
# 12,000.50 like English; Indonesian and German write 12.000,50.
_SEPARATORS: dict[str, tuple[str, str]] = {
    "en": (",", "."),
    "de": (".", ","),
    "id": (".", ","),
    "ms": (",", "."),
}
_MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "ms": (
        "Januari",
        "Februari",
        "Mac",
        "April",
        "Mei",
        "Jun",
        "Julai",
        "Ogos",
        "September",
        "Oktober",
        "November",
        "Disember",
    ),
}


def format_number(
    value: Decimal | float | int | str, language: str, places: int | None = None
) -> str:
    """`value` with the language's separators; whole numbers without decimals, else 2 places."""
    number = _decimal(value)
    if places is None:
        places = 0 if number == number.to_integral_value() else 2
    quantum = Decimal(1).scaleb(-places)
    number = number.quantize(quantum, rounding=ROUND_HALF_UP)
    if number == 0:
        number = abs(number)  # no "-0"
    group, mark = _SEPARATORS.get(language, _SEPARATORS[DEFAULT_LANGUAGE])
    text = f"{number:,.{places}f}"
    return text.replace(",", "\0").replace(".", mark).replace("\0", group)


def format_money(value: Decimal | float | int | str, currency: str | None, language: str) -> str:
    """`12,000 USD` (en, ms), `12.000 USD` (de, id)."""
    amount = format_number(value, language)
    return f"{amount} {currency}" if currency else amount


def format_percent(
    fraction: Decimal | float | int | str, language: str, *, signed: bool = False, places: int = 0
) -> str:
    """A fraction as a percentage: 0.85 -> `85%` (`85 %` in German); signed adds `+`."""
    pct = _decimal(fraction) * 100
    text = format_number(pct, language, places)
    if signed and pct.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) > 0:
        text = f"+{text}"
    return f"{text} %" if language == "de" else f"{text}%"


def format_date_long(value: date | datetime | str, language: str) -> str:
    """The date in words: `14 March 2027`, `14. März 2027`, `14 Maret 2027`, `14 Mac 2027`."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise TypeError(f"date_long needs a date, got {type(value).__name__} {value!r}")
    month = _MONTHS.get(language, _MONTHS[DEFAULT_LANGUAGE])[value.month - 1]
    if language == "de":
        return f"{value.day}. {month} {value.year}"
    return f"{value.day} {month} {value.year}"


# A number as English text writes it: grouped thousands and/or a decimal point, perhaps a
# sign, a percent sign or a multiplier ("70,649", "0.14", "+3.9", "12.5%", "2.0x").
_ENGLISH_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?[%x]?")


def localise_number(text: str, language: str) -> str:
    """A number already written the English way (a value inside a reason stored in English,
    a figure formatted with `{:,.0f}`) with `language`'s separators, its digits unchanged:
    `70,649` -> `70.649`, `0.14` -> `0,14` in German and Indonesian (`12.5%` -> `12,5 %` in
    German, as format_percent writes it). Other text as it is."""
    group, mark = _SEPARATORS.get(language, _SEPARATORS[DEFAULT_LANGUAGE])
    if (group, mark) == _SEPARATORS[DEFAULT_LANGUAGE] or not _ENGLISH_NUMBER.fullmatch(text):
        return text
    text = text.replace(",", "\0").replace(".", mark).replace("\0", group)
    return f"{text[:-1]} %" if language == "de" and text.endswith("%") else text


def month_name(month: int, language: str = DEFAULT_LANGUAGE) -> str:
    """The name of `month` (1-12) in `language`: `month_name(7)` is `July`."""
    return _MONTHS.get(language, _MONTHS[DEFAULT_LANGUAGE])[month - 1]


def localise_month(text: str, language: str) -> str:
    """An English month name (`July`, inside a reason stored in English) in `language`."""
    try:
        month = _MONTHS[DEFAULT_LANGUAGE].index(text)
    except ValueError:
        return text
    return _MONTHS.get(language, _MONTHS[DEFAULT_LANGUAGE])[month]


def _decimal(value: Decimal | float | int | str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError(f"expected a number, got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise TypeError(f"expected a number, got {value!r}") from None
