"""kit.locale: numbers in each language. The whole-number way (no Decimal) must print what
the Decimal way prints, which is the rule: half away from zero on the number as written."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renewals.kit.locale import format_money, format_number, format_percent

LANGUAGES = ("en", "de", "id", "ms")
SEPARATORS = {"en": (",", "."), "de": (".", ","), "id": (".", ","), "ms": (",", ".")}


def written(value: float | int, language: str, places: int | None) -> str:
    """The rule, the slow way: the number as written, rounded half away from zero."""
    number = Decimal(str(value))
    if places is None:
        places = 0 if number == number.to_integral_value() else 2
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if number == 0:
        number = abs(number)
    group, mark = SEPARATORS[language]
    text = f"{number:,.{places}f}"
    return text.replace(",", "\0").replace(".", mark).replace("\0", group)


@pytest.mark.parametrize(
    ("value", "places", "english", "german"),
    [
        (2.5, 0, "3", "3"),  # round() would say 2
        (-2.5, 0, "-3", "-3"),
        (12000.5, 0, "12,001", "12.001"),
        (0.49999999999999994, 0, "0", "0"),  # 0.49999999999999994 + 0.5 is 1.0 as a float
        (-0.4, 0, "0", "0"),  # no "-0"
        (-0.0, None, "0", "0"),
        (123456.78, 0, "123,457", "123.457"),
        (123456.78, None, "123,456.78", "123.456,78"),
        (2.675, 2, "2.68", "2,68"),  # as written, not the float's 2.67499...
        (1234567, None, "1,234,567", "1.234.567"),
        (1234567, 2, "1,234,567.00", "1.234.567,00"),
        (1e20, 0, "100,000,000,000,000,000,000", "100.000.000.000.000.000.000"),
        (Decimal("1234.5"), 0, "1,235", "1.235"),
        ("70649", None, "70,649", "70.649"),
    ],
)
def test_numbers_round_half_away_from_zero_as_written(
    value: float | int | Decimal | str, places: int | None, english: str, german: str
) -> None:
    assert format_number(value, "en", places) == english
    assert format_number(value, "de", places) == german
    assert format_number(value, "id", places) == german
    assert format_number(value, "ms", places) == english


@given(
    value=st.one_of(
        st.integers(min_value=-(10**18), max_value=10**18),
        st.floats(min_value=-1e16, max_value=1e16, allow_nan=False),
        st.integers(min_value=-(10**9), max_value=10**9).map(lambda n: n + 0.5),
        st.integers(min_value=-(10**6), max_value=10**6).map(lambda n: n / 100),
    ),
    places=st.sampled_from((None, 0, 1, 2)),
    language=st.sampled_from(LANGUAGES),
)
def test_every_number_prints_as_the_rule_says(
    value: float | int, places: int | None, language: str
) -> None:
    assert format_number(value, language, places) == written(value, language, places)


def test_money_and_percent_use_the_same_numbers() -> None:
    assert format_money(12000.5, "USD", "de") == "12.000,50 USD"
    assert format_money(12000.0, "EUR", "en") == "12,000 EUR"
    assert format_percent(0.125, "de", places=1) == "12,5 %"
    assert format_percent(0.125, "en") == "13%"


def test_a_bool_is_not_a_number() -> None:
    with pytest.raises(TypeError):
        format_number(True, "en")
