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
    """`value` with the language's separators; whole numbers without decimals, else 2 places.
    Rounds half away from zero on the number as written (`2.675` -> `2.68`)."""
    if places is None or places == 0:
        whole = _whole(value, places)
        if whole is not None:  # the common case on the pages (counts, amounts in whole units)
            return _in_language(f"{whole:,}", language)
    number = _decimal(value)
    if places is None:
        places = 0 if number == number.to_integral_value() else 2
    number = number.quantize(_QUANTA.get(places) or Decimal(1).scaleb(-places), ROUND_HALF_UP)
    if number == 0:
        number = abs(number)  # no "-0"
    return _in_language(f"{number:,.{places}f}", language)


# 1, 0.1, ..., the steps format_number rounds to
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(7)}
_FLOAT_EXACT = 2.0**52  # below it a float's nearest integer is its written form's (see _whole)
_IN_LANGUAGE = {
    language: str.maketrans({",": group, ".": mark})
    for language, (group, mark) in _SEPARATORS.items()
    if language != DEFAULT_LANGUAGE
}


def _in_language(text: str, language: str) -> str:
    """English-written digits (`12,000.50`) with `language`'s separators, in one pass."""
    table = _IN_LANGUAGE.get(language)
    return text if table is None else text.translate(table)


def _whole(value: object, places: int | None) -> int | None:
    """`value` as format_number rounds it to a whole number, when that needs no Decimal:
    an int, or a float that is whole (`places` None) or rounded to 0 places. None: the
    Decimal way.

    A float's nearest integer is that of its written form (`str(value)`, which the Decimal
    way reads) below 2**52: there x + 0.5 is a float, so x and the shortest text that reads
    back as x lie on the same side of it; an exact half (12.5) rounds away from zero as
    ROUND_HALF_UP does, where round() would go to the even neighbour."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None  # a bool is refused by the Decimal way; a Decimal or str goes there
    if isinstance(value, int):
        return value
    number = value
    if not -_FLOAT_EXACT < number < _FLOAT_EXACT:  # nan and inf too
        return None
    if number.is_integer():
        return int(number)
    if places is None:  # a fraction shows 2 places
        return None
    whole = round(number)
    if abs(number - int(number)) == 0.5:
        whole = int(number) + (1 if number > 0 else -1)
    return whole


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
