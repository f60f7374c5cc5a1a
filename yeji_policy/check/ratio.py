"""The ratio pass (#22): division (÷), ratio literals (1:0.5) and progressive bands (累进).

Called by the types and units pass where these occur.  What it decides, once, for
every engine:

- ``a ÷ c`` with a constant divisor is exact when 1/c is a finite decimal (÷ 2, ÷ 4,
  ÷ 10000): the result is an ordinary number, computed exactly everywhere.  Any other
  constant divisor (÷ 3) is refused (E0331): nothing is ever rounded silently.  ÷ 0 is
  refused (E0330).
- ``a ÷ b`` with a divisor that is not a constant is a *ratio*: carried exactly (a
  Fraction in the Python engines where no decimal holds it) to the one final rounding.
  Compared with a threshold (增长率 ≥ 20%) or as the base of 分档, SQL cross-multiplies it;
  an amount computed from it (人均, 按占比分配) the SQL engine refuses, naming it, and the
  Python engines decide.  Its divisor may be zero for some applicant, so the drafter must
  say what happens then (E0332): a ratio stands only in the amount (its caps included, a
  逐项's 合计最高不超过 too), after ``要求 b > 0 否则 不符合 "…"`` or after a case
  ``当 b = 0: 审核 "…"`` (or 不符合) of the same 情形 — unless b cannot be zero at all
  (年份(d), an input whose 最小 is above 0: check/bounds.py).
- ``1:0.5`` is one figure worth 0.5 ÷ 1 (50%); its value must be a finite decimal (E0334).
- 累进 { 不超过 500万元 → 5%  不超过 2000万元 → 3%  超过 2000万元 → 1% }: each band's rate
  applies to the part of the subject inside it.  Bounds are in the subject's unit and
  rise strictly (E0335); only the last band may be 超过, and it continues the band
  before it (E0336); rates are plain numbers or percentages (E0337).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from .. import ast as A
from .. import model as M
from ..units import DIMENSIONLESS, describe, exact_decimal, invert, multiply
from .bounds import lowest

if TYPE_CHECKING:
    from .names import Scope
    from .types_and_units import TypesPass


def is_ratio(e) -> bool:
    """A division whose divisor is not a constant: a ratio, carried exactly."""
    return isinstance(e, M.Arith) and e.op == "÷" and not isinstance(e.right, M.Const)


# ---------------------------------------------------------------- division
def divide(checker: "TypesPass", node: A.BinOp, left: M.Expr, right: M.Expr):
    """a ÷ b: E0330, E0331, E0332 (units: any; the result's unit is left's over right's)."""
    error = checker.ctx.error
    dim = multiply(left.type.dim, invert(right.type.dim))
    if isinstance(right, M.Const):
        if right.value == 0:
            error("E0330", f"除数为零：“{right.text}”", node.right.span, "除数须是不为零的数")
            return None
        if exact_decimal(1 / Fraction(right.value)) is None:
            error("E0331", f"除以“{right.text}”的结果可能不是有限小数（如 1 ÷ 3），计算须精确，不能默默舍入",
                  node.right.span, "请改写为乘以一个比例（如“× 50%”），或写成与门槛的比较、分档的依据（比例可精确比较）")
            return None
    elif not checker.ratio_allowed or not _guarded(right, checker.facts):
        error("E0332", f"除数“{_words(right)}”可能为零，须写明为零时的结果",
              node.right.span,
              "比例只能用在“金额 = …”中；请在前面写“要求 除数 > 0 否则 不符合 \"…\"”，"
              "或在同一“情形”中先写“当 除数 = 0: 审核 \"…\"”（或 不符合 \"…\"）")
        return None
    return M.Arith("÷", left, right, M.Type("num", dim), node.span)


def _words(e: M.Expr) -> str:
    from .. import describe as D

    return D.expr(e)


def _key(e) -> object:
    """A structural key of an expression (spans and types ignored): equal keys, equal values."""
    if isinstance(e, M.Const):
        return ("const", e.value)
    if isinstance(e, (M.InputRef, M.ItemRef)):
        return ("field", type(e).__name__, e.field.name)
    if isinstance(e, M.LetRef):
        return ("let", e.let.name)
    if isinstance(e, M.Arith):
        return ("arith", e.op, _key(e.left), _key(e.right))
    return ("node", id(e))  # anything else is equal only to itself


_MIRROR = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "=": "=", "!=": "!="}
_NEGATE = {">": "<=", "<=": ">", ">=": "<", "<": ">=", "=": "!=", "!=": "="}


def _nonzero(op: str, bound: Decimal) -> bool:
    """Whether `divisor op bound` rules out divisor = 0."""
    if op == ">":
        return bound >= 0
    if op == ">=":
        return bound > 0
    if op == "<":
        return bound <= 0
    if op == "<=":
        return bound < 0
    if op == "!=":
        return bound == 0
    return op == "=" and bound != 0


def _guarded(divisor: M.Expr, facts: list) -> bool:
    """Whether a fact that holds here (a 要求, a case's condition, an earlier case's
    condition that failed) rules out a zero divisor; or the divisor cannot be zero at all
    (年份(d) is 1 to 9999; an input whose 最小 is above 0), by itself or under those facts."""
    low = lowest(divisor, tuple(facts))
    if low is not None and low > 0:
        return True
    key = _key(divisor)
    pending = [(f, False) for f in facts]
    while pending:
        fact, negated = pending.pop()
        if isinstance(fact, M.Not):
            pending.append((fact.operand, not negated))
        elif isinstance(fact, M.Logic) and fact.op == ("或" if negated else "且"):
            pending += [(fact.left, negated), (fact.right, negated)]
        elif isinstance(fact, M.Compare):
            op = _NEGATE[fact.op] if negated else fact.op
            for side, other, o in ((fact.left, fact.right, op), (fact.right, fact.left, _MIRROR[op])):
                if _key(side) == key and isinstance(other, M.Const) and isinstance(other.value, Decimal) \
                        and not isinstance(other.value, bool) and _nonzero(o, other.value):
                    return True
    return False


# ---------------------------------------------------------------- ratio literals
def ratio_literal(checker: "TypesPass", node: A.Ratio):
    """1:0.5 -> 0.5 (dimensionless), one figure: E0334 when it is no finite decimal or divides by 0."""
    left_text, right_text = node.text.split(":")
    left, right = Fraction(Decimal(left_text)), Fraction(Decimal(right_text))
    if left == 0 or exact_decimal(right / left) is None:
        error_value = "无穷大" if left == 0 else f"{right_text} ÷ {left_text}"
        checker.ctx.error("E0334", f"比例“{node.text}”不是有限小数：{error_value}", node.span,
                          "比例 甲:乙 表示每 甲 配 乙，即 乙 ÷ 甲；请选用能除尽的写法，如 1:0.5、2:1")
        return None
    return M.Const(exact_decimal(right / left), M.Type("num", DIMENSIONLESS), node.text, node.span)


# ---------------------------------------------------------------- 累进
def bands(checker: "TypesPass", node: A.Bands, scope: "Scope"):
    """累进 SUBJECT { 不超过 上限 → 比例 … 超过 上限 → 比例 }: E0401, E0302, E0335, E0336, E0337."""
    error = checker.ctx.error
    subject = checker.expr(node.subject, scope)
    if subject is not None and subject.type.kind != "num":
        error("E0401", f"累进的依据须是数值，此处为{subject.type}", node.subject.span)
        return None
    if subject is None:
        return None
    rows: list[M.BandRow] = []
    ok = True
    lower, lower_text = Decimal(0), None
    for index, row in enumerate(node.rows):
        bound = checker.literal(row.bound)
        rate = checker.literal(row.rate)
        interp = checker.ctx.interp(row.interp, "累进分段", scope.article, scope.programme, "band")
        if bound is None or rate is None:
            ok = False
            continue
        if bound[1] != subject.type.dim:
            error("E0302", f"累进分段的界限须与{describe(subject.type.dim)}一致，此处为{describe(bound[1])}",
                  row.bound.span)
            ok = False
            continue
        if rate[1] != DIMENSIONLESS:
            error("E0337", f"累进各段的比例须是数字或百分比，此处为{describe(rate[1])}", row.rate.span,
                  "各段金额 = 落在该段的部分 × 比例；比例如 5%、0.03")
            ok = False
            continue
        if row.above:
            if index != len(node.rows) - 1:
                error("E0336", "“超过”须是累进的最后一段", row.span, "中间各段写作“不超过 上限 → 比例”")
                ok = False
                continue
            if index == 0 or bound[0] != lower:
                before = f"上一段的上限“{lower_text}”" if lower_text else "上一段的上限"
                error("E0336", f"“超过 {row.bound.text}”须接续{before}", row.bound.span,
                      "最后一段写作“超过 上一段的上限 → 比例”，各段首尾相接，不留空隙")
                ok = False
                continue
            rows.append(M.BandRow(lower, None, rate[0], lower_text, None, row.rate.text, interp))
            continue
        if bound[0] <= lower:
            error("E0335", f"累进分段的上限须严格递增且大于0：“{row.bound.text}”不大于"
                  + (f"上一段的上限“{lower_text}”" if lower_text else "0"), row.bound.span)
            ok = False
            continue
        rows.append(M.BandRow(lower, bound[0], rate[0], lower_text, row.bound.text, row.rate.text, interp))
        lower, lower_text = bound[0], row.bound.text
    if not ok or not rows:
        return None
    return M.Bands(subject, tuple(rows), subject.type, node.span)
