"""One validation layer for what people type: ids, page numbers, dates, text and choices.

Pages, the API and CLI options all read their bounds from here, so the same input is
accepted or refused the same way everywhere (issue 15). Pure: no FastAPI, no database,
no clock, so the CLI can import it at start without cost.

The bounds are product defaults chosen so that nothing overflows downstream:
- ids fit the database's 32-bit integer columns;
- page numbers stay far below where `OFFSET (page - 1) * size` overflows a 64-bit integer;
- dates stay within 2000-01-01..2999-12-31, so date arithmetic (a quarter ahead, a year
  back) never leaves Python's date range;
- text carries no control characters (PostgreSQL cannot store NUL; none belong in a name,
  a note or a reason) and is no longer than its field's limit in `LIMITS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from renewals.errors import RenewalsError
from renewals.kit.i18n import Text

MAX_INT_ID = 2**31 - 1  # PostgreSQL `integer`
MAX_PAGE = 1_000_000  # far beyond any real table, low enough that OFFSET never overflows
MAX_PAGE_SIZE = 1000
MAX_DAYS = 3650  # a "within N days" window: ten years
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)
DATE_PATTERN = r"^2[0-9]{3}-[0-9]{2}-[0-9]{2}$"  # the same bounds, as a schema states them

# Control characters except tab, line feed and carriage return (allowed in multi-line text).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# One line (an id, an email, a name): no control character at all.
ONE_LINE = r"^[^\x00-\x1f\x7f]+$"

# The longest text each kind of field takes, everywhere (page forms, API bodies, CLI options).
LIMITS: dict[str, int] = {
    "text": 4000,  # notes, reasons, rationales: free text a person writes
    "name": 300,  # a person's or a company's name
    "email": 254,  # RFC 5321
    "query": 254,  # a search box or filter typed by a person
    "ident": 128,  # a record's textual id (account, renewal)
    "sort": 40,  # a column name to sort by
    "choice": 40,  # a value from a fixed list
    "number": 20,  # a number typed as text (a discount "12,5 %")
}


class InvalidInput(RenewalsError):
    """Input outside what the field accepts: 422 with a message naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(Text("{field}: {message}", field=field, message=message), 422)
        self.field = field


def limit(kind: str) -> int:
    return LIMITS[kind]


def check_id(value: int, field: str = "id") -> int:
    """A numeric record id within the database's integer range."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INT_ID:
        raise InvalidInput(
            field,
            Text(
                "must be a whole number from 1 to {high}, got {value}",
                high=MAX_INT_ID,
                value=repr(value),
            ),
        )
    return value


def parse_int(
    raw: str | int | None, field: str, *, low: int, high: int, default: int | None = None
) -> int | None:
    """A whole number typed as text, within [low, high]; blank gives `default`."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    text = str(raw).strip()
    if not re.fullmatch(r"[+-]?[0-9]{1,12}", text):
        raise InvalidInput(
            field,
            Text(
                "must be a whole number from {low} to {high}, got {value}",
                low=low,
                high=high,
                value=repr(raw),
            ),
        )
    number = int(text)
    if not low <= number <= high:
        raise InvalidInput(
            field,
            Text("must be from {low} to {high}, got {value}", low=low, high=high, value=number),
        )
    return number


def parse_page(raw: str | int | None, field: str = "page") -> int:
    """A page number from 1 to MAX_PAGE (blank is the first page)."""
    page = parse_int(raw, field, low=1, high=MAX_PAGE, default=1)
    assert page is not None
    return page


def check_page(page: int, field: str = "page") -> int:
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(
            field,
            Text("must be from {low} to {high}, got {value}", low=1, high=MAX_PAGE, value=page),
        )
    return page


def check_day(day: date, field: str = "date") -> date:
    """A date within FIRST_DAY..LAST_DAY."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(
            field,
            Text(
                "must be from {low} to {high}, got {value}",
                low=FIRST_DAY.isoformat(),
                high=LAST_DAY.isoformat(),
                value=day,
            ),
        )
    return day


def parse_day(raw: str | date | None, field: str = "date") -> date | None:
    """A date written YYYY-MM-DD within FIRST_DAY..LAST_DAY; blank is None."""
    if raw is None:
        return None
    if isinstance(raw, date):
        return check_day(raw, field)
    text = raw.strip()
    if not text:
        return None
    if len(text) > 10:
        raise InvalidInput(
            field, Text("must be an ISO date (YYYY-MM-DD), got {value}", value=repr(text[:40]))
        )
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            field, Text("must be an ISO date (YYYY-MM-DD), got {value}", value=repr(text))
        ) from None
    return check_day(day, field)


def clean_text(
    raw: str | None,
    field: str,
    *,
    kind: str = "text",
    required: bool = False,
    one_line: bool = False,
) -> str:
    """`raw` stripped, without control characters and within its kind's length limit."""
    text = (raw or "").strip()
    if required and not text:
        raise InvalidInput(field, Text("is required"))
    if len(text) > LIMITS[kind]:
        raise InvalidInput(
            field,
            Text(
                "is {length} characters long; at most {limit}",
                length=len(text),
                limit=LIMITS[kind],
            ),
        )
    bad = re.compile(r"[\x00-\x1f\x7f]") if one_line else CONTROL
    if bad.search(text):
        raise InvalidInput(field, Text("must not contain control characters"))
    return text


def choice(raw: str | None, field: str, choices: Iterable[str], *, default: str) -> str:
    """One of `choices` (blank gives `default`); anything else names the choices."""
    allowed = tuple(choices)
    value = (raw or "").strip() or default
    if value not in allowed:
        raise InvalidInput(
            field,
            Text(
                "must be one of {choices}, got {value}",
                choices=", ".join(allowed),
                value=repr(value[:40]),
            ),
        )
    return value
