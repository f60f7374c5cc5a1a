"""Numbers and quantities as written (50%, 15元/平方米/月, 3年): their exact value in base units.

Shared by the names pass (an input's 最小, 步长, 默认), the types and units
pass and the tables pass; E0301 (unknown unit), E0305 (too many digits) and
E0306 (no finite decimal in base units) are reported here.
"""

from __future__ import annotations

from decimal import Decimal

from .. import ast as A
from ..units import (DIMENSIONLESS, MAX_LITERAL_DIGITS, UNITS, LiteralTooLong, NotExactDecimal, UnitError, describe,
                     parse_number, parse_quantity)
from .context import Context, short


def literal(ctx: Context, node) -> tuple[Decimal, tuple] | None:
    """(value, dimension) of a number or quantity literal; None after reporting why it has none."""
    try:
        if isinstance(node, A.Number):
            return parse_number(node.text), DIMENSIONLESS
        return parse_quantity(node.text)
    except LiteralTooLong as exc:
        ctx.error("E0305", f"数字“{short(node.text)}”过长：有{exc.digits}位数字，最多{MAX_LITERAL_DIGITS}位", node.span,
                  "政策中的数字（含小数位）不超过30位；金额、比例和步长都用不到更多")
        return None
    except NotExactDecimal as exc:
        base = describe(exc.dim)
        ctx.error("E0306", f"“{short(node.text)}”换算为基本单位后不是有限小数：等于 {exc.value} {base}", node.span,
                  f"计算以基本单位（{base}）精确进行，无法表示无限小数；请直接以基本单位书写，"
                  "或选用换算后能除尽的数值（如 12元/年 = 1元/个月）")
        return None
    except UnitError as exc:
        known = "、".join(["%"] + list(UNITS))
        ctx.error("E0301", f"未知单位“{exc.unit}”", node.span, f"可用的单位：{known}；复合单位如 15元/平方米/月")
        return None
