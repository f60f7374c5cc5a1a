"""Literals mean exact values in base units: checked against rational arithmetic.

units.parse_quantity used to scale at Python's default 28-digit context: the
rate 0.01元/年 became 0.000833…33 元/个月, so 0.01元/年 × 6个月 (exactly 0.005
元) came to 0.0049999…98 and rounded to 0.00 instead of 0.01.  Both engines
read the same converted constant, so only an independent oracle sees that:
here fractions.Fraction.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yeji_policy import units
from yeji_policy.units import LiteralTooLong, NotExactDecimal, UnitError, parse_quantity

# The scale of each unit to its base unit, and its base, written out again here.
SCALES = {"元": ("money", 1), "万元": ("money", 10000), "平方米": ("area", 1), "人": ("person", 1), "个": ("item", 1),
          "天": ("day", 1), "月": ("month", 1), "个月": ("month", 1), "年": ("month", 12)}


def finite_decimal(value: Fraction) -> bool:
    """Whether value × 10^k is whole for some k (checked by trying, not by factoring)."""
    return any((value * 10 ** k).denominator == 1 for k in range(400))


def oracle(number: str, unit: str, per: list[str]) -> tuple[Fraction, dict[str, int]]:
    if unit == "%":
        return Fraction(number) / 100, {}
    base, scale = SCALES[unit]
    value = Fraction(number) * scale
    exponents = {base: 1}
    for denominator in per:
        base, scale = SCALES[denominator]
        value /= scale
        exponents[base] = exponents.get(base, 0) - 1
    return value, {k: v for k, v in exponents.items() if v}


numbers = st.builds(
    lambda whole, fraction: whole + ("." + fraction if fraction else ""),
    st.text("0123456789", min_size=1, max_size=14),
    st.text("0123456789", max_size=14),
)


@given(numbers, st.sampled_from(sorted(SCALES) + ["%"]), st.lists(st.sampled_from(sorted(SCALES)), max_size=4))
def test_literal_is_the_exact_rational_value(number, unit, per):
    text = number + unit + "".join("/" + p for p in per)
    if unit == "%" and per:
        with pytest.raises(UnitError):
            parse_quantity(text)
        return
    expected, exponents = oracle(number, unit, per)
    if not finite_decimal(expected):
        with pytest.raises(NotExactDecimal) as caught:
            parse_quantity(text)
        assert caught.value.value == expected
        return
    value, dim = parse_quantity(text)
    assert Fraction(value) == expected
    assert dict(dim) == exponents


@given(st.integers(units.MAX_LITERAL_DIGITS + 1, 5000), st.sampled_from(["元", "%", "万元/年"]))
def test_longer_literals_are_refused(digits, unit):
    with pytest.raises(LiteralTooLong) as caught:
        parse_quantity("7" * digits + unit)
    assert caught.value.digits == digits


def test_regressions():
    # a rate per year with no finite value per month: refused, not rounded
    with pytest.raises(NotExactDecimal) as caught:
        parse_quantity("0.01元/年")
    assert caught.value.value == Fraction(1, 1200)
    # exactly divisible: kept, with its usual exponent
    assert parse_quantity("6元/年") == (units.Decimal("0.5"), (("money", 1), ("month", -1)))
    assert str(parse_quantity("0.5万元")[0]) == "5000.0"
    # a % literal of 30 digits was rounded to 28
    value, _ = parse_quantity("12.3456789012345678901234567891%")
    assert Fraction(value) == Fraction("12.3456789012345678901234567891") / 100
    # a million digits raised decimal.Overflow
    with pytest.raises(LiteralTooLong):
        parse_quantity("9" * 1_000_000 + "万元")
