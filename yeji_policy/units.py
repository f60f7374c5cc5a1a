"""Units and dimensions of quantities, and the exact meaning of literals like 50万元.

A dimension is a sorted tuple of (base, exponent) pairs; 元/平方米/月 is
(("area", -1), ("money", 1), ("month", -1)).  Every value is held in base
units (元, 平方米, 人, 个, 天, 个月): 50万元 is Decimal(500000), 3年 is 36 个月.
"""

from __future__ import annotations

import re
from decimal import Decimal

Dim = tuple[tuple[str, int], ...]

DIMENSIONLESS: Dim = ()

# unit as written -> (base dimension, scale to the base unit)
UNITS: dict[str, tuple[str, Decimal]] = {
    "元": ("money", Decimal(1)),
    "万元": ("money", Decimal(10000)),
    "平方米": ("area", Decimal(1)),
    "人": ("person", Decimal(1)),
    "个": ("item", Decimal(1)),
    "天": ("day", Decimal(1)),
    "月": ("month", Decimal(1)),
    "个月": ("month", Decimal(1)),
    "年": ("month", Decimal(12)),
}

# how a base unit is shown to a reader
BASE_NAMES = {"money": "元", "area": "平方米", "person": "人", "item": "个", "day": "天", "month": "个月"}

MONEY: Dim = (("money", 1),)

_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(%|[^/]+)((?:/[^/]+)*)$")


class UnitError(ValueError):
    """A literal names a unit this language does not know."""

    def __init__(self, unit: str):
        self.unit = unit
        super().__init__(unit)


def dim_of(unit: str) -> Dim:
    base, _ = UNITS[unit]
    return ((base, 1),)


def multiply(a: Dim, b: Dim) -> Dim:
    exps: dict[str, int] = dict(a)
    for base, exp in b:
        exps[base] = exps.get(base, 0) + exp
    return tuple(sorted((k, v) for k, v in exps.items() if v != 0))


def invert(a: Dim) -> Dim:
    return tuple((k, -v) for k, v in a)


def describe(dim: Dim) -> str:
    """元/平方米/月 style name of a dimension; 无单位 for a pure number."""
    if not dim:
        return "无单位"
    num = [BASE_NAMES[k] + ("" if v == 1 else f"^{v}") for k, v in dim if v > 0]
    den = [BASE_NAMES[k] + ("" if v == -1 else f"^{-v}") for k, v in dim if v < 0]
    return "×".join(num or ["1"]) + "".join("/" + d for d in den)


def parse_quantity(text: str) -> tuple[Decimal, Dim]:
    """The exact value, in base units, and the dimension of a literal such as 15元/平方米/月."""
    match = _QUANTITY.match(text)
    if not match:
        raise UnitError(text)
    number, unit, per = match.groups()
    value = Decimal(number)
    if unit == "%":
        if per:
            raise UnitError(per)
        return value / 100, DIMENSIONLESS
    if unit not in UNITS:
        raise UnitError(unit)
    dim = dim_of(unit)
    value *= UNITS[unit][1]
    for denominator in per.split("/")[1:]:
        if denominator not in UNITS:
            raise UnitError(denominator)
        dim = multiply(dim, invert(dim_of(denominator)))
        value /= UNITS[denominator][1]
    return value, dim


def display_unit(dim: Dim) -> str | None:
    """The unit shown after a number of this dimension; None for a pure number."""
    return None if not dim else describe(dim)
