"""Units and dimensions of quantities, and the exact meaning of literals like 50万元.

A dimension is a sorted tuple of (base, exponent) pairs; 元/平方米/月 is
(("area", -1), ("money", 1), ("month", -1)).  Every value is held in base
units (元, 平方米, 人, 个, 天, 个月): 50万元 is Decimal(500000), 3年 is 36 个月.
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

Dim = tuple[tuple[str, int], ...]

DIMENSIONLESS: Dim = ()

@dataclass(frozen=True)
class Unit:
    """One unit of the language, as a literal or an input writes it."""

    written: str  # 万元
    base: str  # the dimension it counts: money (a new unit may name its own: 亩)
    scale: Decimal  # its value in base units: 10000
    for_inputs: bool  # an input may be counted in it (数值 平方米); money inputs are 金额


# THE unit table: the grammar's UNIT terminal (parser.grammar_text), the checker,
# the figure tracer and the editor's completion all read it.  A base unit (scale
# 1) comes first for its dimension: it is how values of that dimension are shown.
# Adding a unit is one line here (and a corpus case under tests/cases/units/).
UNIT_TABLE: tuple[Unit, ...] = (
    Unit("元", "money", Decimal(1), False),
    Unit("万元", "money", Decimal(10000), False),
    Unit("平方米", "area", Decimal(1), True),
    Unit("亩", "mu", Decimal(1), True),  # its own dimension: 1亩 = 10000/15 平方米 has no exact decimal value
    Unit("人", "person", Decimal(1), True),
    Unit("个", "item", Decimal(1), True),
    Unit("天", "day", Decimal(1), True),
    Unit("个月", "month", Decimal(1), True),
    Unit("月", "month", Decimal(1), True),
    Unit("年", "month", Decimal(12), True),
)

# unit as written -> (base dimension, scale to the base unit)
UNITS: dict[str, tuple[str, Decimal]] = {u.written: (u.base, u.scale) for u in UNIT_TABLE}

# how a base unit is shown to a reader: the first unit of scale 1 of each dimension
BASE_NAMES: dict[str, str] = {}
for _unit in UNIT_TABLE:
    if _unit.scale == 1:
        BASE_NAMES.setdefault(_unit.base, _unit.written)

# what may follow 数值 / 整数 in an input's type, longest first (the grammar's UNIT terminal)
INPUT_UNITS: tuple[str, ...] = tuple(sorted((u.written for u in UNIT_TABLE if u.for_inputs), key=lambda w: (-len(w), w)))
# those the checker accepts on an input: one of scale 1 (an input in 年 is refused, E0301: its
# values would need converting); syntax errors name only these
INPUT_BASE_UNITS: tuple[str, ...] = tuple(u for u in INPUT_UNITS if UNITS[u][1] == 1)

MONEY: Dim = (("money", 1),)

_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(%|[^/]+)((?:/[^/]+)*)$")


# A literal may have at most this many digits: enough for any figure a policy
# writes (a thousand trillion 元 to the 分 is 18), far below the engines' 100-digit context.
MAX_LITERAL_DIGITS = 30


class UnitError(ValueError):
    """A literal names a unit this language does not know."""

    def __init__(self, unit: str):
        self.unit = unit
        super().__init__(unit)


class LiteralTooLong(UnitError):
    """A literal has more digits than MAX_LITERAL_DIGITS."""

    def __init__(self, text: str, digits: int):
        self.digits = digits
        super().__init__(text)


class NotExactDecimal(UnitError):
    """A literal whose value in base units has no finite decimal expansion (1元/年 = 1/12 元/个月)."""

    def __init__(self, text: str, value: Fraction, dim: "Dim"):
        self.value = value
        self.dim = dim
        super().__init__(text)


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


def literal_digits(number: str) -> int:
    """How many digits a number as written has (the decimal point aside)."""
    return sum(ch.isdigit() for ch in number)


def parse_number(text: str) -> Decimal:
    """A plain number as written (2017, 0.5), refusing one with too many digits."""
    digits = literal_digits(text)
    if digits > MAX_LITERAL_DIGITS:
        raise LiteralTooLong(text, digits)
    return Decimal(text)


def _literal_context(denominators: int) -> decimal.Context:
    """A context that holds the literal's exact value and traps anything inexact.

    The Decimal arithmetic in parse_quantity only gives each value its usual
    exponent (0.5万元 is 5000.0); Fraction decides exactness.  The number has at
    most MAX_LITERAL_DIGITS digits, ×10000 adds 5, and each exact division by a
    scale (12 or 10000) at most 4 more."""
    return decimal.Context(prec=MAX_LITERAL_DIGITS + 10 + 4 * denominators, Emin=-999999, Emax=999999,
                           traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation,
                                  decimal.Overflow, decimal.DivisionByZero])


def _terminates(value: Fraction) -> bool:
    """Whether a fraction has a finite decimal expansion (its denominator is 2^a·5^b)."""
    q = value.denominator
    for p in (2, 5):
        while q % p == 0:
            q //= p
    return q == 1


def exact_decimal(value: Fraction) -> Decimal | None:
    """A fraction as the Decimal it equals exactly; None when it has no finite decimal
    expansion (1/3).  For division and ratio literals (#22 ratio)."""
    if not _terminates(value):
        return None
    places = 0
    while (value * 10 ** places).denominator != 1:
        places += 1
    return Decimal(f"{int(value * 10 ** places)}E-{places}")  # exact: scaleb rounds to the context


def parse_quantity(text: str) -> tuple[Decimal, Dim]:
    """The exact value, in base units, and the dimension of a literal such as 15元/平方米/月.

    Raises UnitError for an unknown unit, LiteralTooLong for a number of more than
    MAX_LITERAL_DIGITS digits, and NotExactDecimal when the value in base units
    is not a finite decimal: 1元/年 is 1/12 元/个月, which no Decimal holds."""
    match = _QUANTITY.match(text)
    if not match:
        raise UnitError(text)
    number, unit, per = match.groups()
    digits = literal_digits(number)
    if digits > MAX_LITERAL_DIGITS:
        raise LiteralTooLong(text, digits)
    exact = Fraction(number)
    value = Decimal(number)
    denominators = per.split("/")[1:]
    context = _literal_context(len(denominators))
    if unit == "%":
        if per:
            raise UnitError(per)
        return context.divide(value, 100), DIMENSIONLESS
    if unit not in UNITS:
        raise UnitError(unit)
    dim = dim_of(unit)
    scales = [UNITS[unit][1]]
    for denominator in denominators:
        if denominator not in UNITS:
            raise UnitError(denominator)
        dim = multiply(dim, invert(dim_of(denominator)))
        scales.append(1 / Fraction(UNITS[denominator][1]))
    exact *= Fraction(scales[0])
    for scale in scales[1:]:
        exact *= scale
    if not _terminates(exact):
        raise NotExactDecimal(text, exact, dim)
    value = context.multiply(value, UNITS[unit][1])
    for denominator in denominators:
        value = context.divide(value, UNITS[denominator][1])
    return value, dim


def input_unit(written: str) -> tuple[Dim, str]:
    """The dimension of an input's unit as written (平方米, or compound: 元/平方米/月), and the same
    unit in base units (个月 for 年, 元/平方米/个月 for 万元/平方米/年): an input is counted in base
    units only, so a unit that differs from its base form is refused (E0301)."""
    dim: Dim = DIMENSIONLESS
    bases = []
    for number, part in enumerate(written.split("/")):
        base, _ = UNITS[part]
        dim = multiply(dim, dim_of(part) if number == 0 else invert(dim_of(part)))
        # a base unit stays as written (月 and 个月 are both base units of months)
        bases.append(part if UNITS[part][1] == 1 else BASE_NAMES[base])
    return dim, "/".join(bases)


def display_unit(dim: Dim) -> str | None:
    """The unit shown after a number of this dimension; None for a pure number."""
    return None if not dim else describe(dim)
