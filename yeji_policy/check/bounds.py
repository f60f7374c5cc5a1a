"""Bounds of an expression over every valid application: the least value a cap can take.

A cap (最高不超过 …) that is an expression — 200万元 minus what the applicant
already received, say — can fall to zero or below for some applications; the
calculator then reports every amount as "超过上限 -200,000.00 元".  The types
pass asks `lowest` for the least value of each such cap and warns (W0410) when
it is not above zero, naming that value.

Intervals are exact (Decimal, with ±Infinity for no bound).  An input counts
from its 最小 (else 0: the forms refuse negative numbers) with no upper bound,
narrowed by what is known to hold where the cap stands: the 要求 before it and
the 当 condition of its case (`要求 received ≤ 200万元` makes `200万元 - received`
at least 0).  A step (令) has the bounds of its expression.  Where a bound cannot
be told (a calendar function, a truth value) the answer is None, and no warning
is given: the warning is never raised on a guess.
"""

from __future__ import annotations

from decimal import Decimal

from .. import model as M
from ..runtime import MAX_ITEMS
from ..visitor import Visitor

INF = Decimal("Infinity")
Interval = tuple[Decimal, Decimal]


def lowest(expr: M.Expr, facts: tuple[M.Expr, ...] = ()) -> Decimal | None:
    """The least value `expr` takes over valid applications for which every condition of `facts`
    holds (-Infinity: no least), or None if unknown."""
    interval = _Bounds(_narrowed(facts)).visit(expr)
    return interval[0] if interval is not None else None


_MIRROR = {"<=": ">=", "<": ">", ">=": "<=", ">": "<", "=": "="}


def _narrowed(facts: tuple[M.Expr, ...]) -> dict[str, Interval]:
    """Input name -> the interval the conditions confine it to (comparisons of an input with a
    bounded expression, joined by 且; anything else tells nothing)."""
    known: dict[str, Interval] = {}
    plain = _Bounds({})
    pending = list(facts)
    while pending:
        fact = pending.pop()
        if isinstance(fact, M.Logic) and fact.op == "且":
            pending += [fact.left, fact.right]
            continue
        if not isinstance(fact, M.Compare) or fact.op not in _MIRROR:
            continue
        for subject, op, other in ((fact.left, fact.op, fact.right), (fact.right, _MIRROR[fact.op], fact.left)):
            if not isinstance(subject, M.InputRef) or subject.field.kind not in ("money", "number", "int"):
                continue
            bound = plain.visit(other)
            if bound is None:
                continue
            low, high = known.get(subject.field.name) or plain.visit(subject)
            if op in ("<=", "<", "="):
                high = min(high, bound[1])
            if op in (">=", ">", "="):
                low = max(low, bound[0])
            known[subject.field.name] = (low, high)
    return known


def _times(a: Decimal, b: Decimal) -> Decimal:
    if a == 0 or b == 0:  # 0 × unbounded is 0 here: the bound is reached by the finite factor
        return Decimal(0)
    return a * b


def _hull(*intervals: Interval | None) -> Interval | None:
    if any(i is None for i in intervals):
        return None
    return min(i[0] for i in intervals), max(i[1] for i in intervals)  # type: ignore[index]


class _Bounds(Visitor):
    """Interval of a numeric expression; None where it cannot be told."""

    def __init__(self, known: dict[str, Interval]) -> None:
        self.known = known  # inputs confined by the conditions that hold here
        self.steps: dict[int, Interval | None] = {}  # each step once: a chain of steps that use the one before twice stays linear

    def visit_Const(self, e: M.Const) -> Interval | None:
        if isinstance(e.value, Decimal):
            return e.value, e.value
        return None

    def _field(self, f: M.Field) -> Interval | None:
        if f.kind not in ("money", "number", "int"):
            return None
        return (f.minimum if f.minimum is not None else Decimal(0)), INF

    def visit_InputRef(self, e: M.InputRef) -> Interval | None:
        return self.known.get(e.field.name) or self._field(e.field)

    def visit_ItemRef(self, e: M.ItemRef) -> Interval | None:
        return self._field(e.field)

    def visit_LetRef(self, e: M.LetRef) -> Interval | None:
        key = id(e.let)
        if key not in self.steps:
            self.steps[key] = self.visit(e.let.expr)
        return self.steps[key]

    def visit_Arith(self, e: M.Arith) -> Interval | None:
        left, right = self.visit(e.left), self.visit(e.right)
        if left is None or right is None:
            return None
        if e.op == "+":
            return left[0] + right[0], left[1] + right[1]
        if e.op == "-":
            return left[0] - right[1], left[1] - right[0]
        if e.op == "÷":  # (#22 ratio) a constant divisor scales; a ratio is not bounded here
            if not isinstance(e.right, M.Const) or right[0] <= 0:
                return None
            return left[0] / right[0], left[1] / right[0]
        products = [_times(a, b) for a in left for b in right]
        return min(products), max(products)

    def visit_Cond(self, e: M.Cond) -> Interval | None:
        return _hull(self.visit(e.then), self.visit(e.otherwise))

    def visit_Call(self, e: M.Call) -> Interval | None:
        if e.func == "year":  # 年份(d): a date's year, 1 to 9999 (never 0: check/ratio.py divides by it)
            return Decimal(1), Decimal(9999)
        if e.func not in ("min", "max"):
            return None  # 月数, 重叠月数: calendar arithmetic, not bounded here
        args = [self.visit(a) for a in e.args]
        if any(a is None for a in args):
            return None
        pick = min if e.func == "min" else max
        return pick(a[0] for a in args), pick(a[1] for a in args)  # type: ignore[index]

    def visit_Tiers(self, e: M.Tiers) -> Interval | None:
        awards = [Decimal(0)] + [row.award for row in e.rows]  # below the first threshold: 0
        return min(awards), max(awards)

    def visit_Bands(self, e: M.Bands) -> Interval | None:  # 累进 (#22 ratio): never falls as its subject grows
        subject = self.visit(e.subject)
        return None if subject is None else (e.at(subject[0]), e.at(subject[1]))

    def visit_Lookup(self, e: M.Lookup) -> Interval | None:
        return _hull(*(self.visit(choice) for _, choice in e.choices))

    def visit_ItemSum(self, e: M.ItemSum) -> Interval | None:
        """令 x = 逐项 … (#22): any number of items, each 0 (excluded) or its capped formula."""
        item = self.visit(e.amount.expr)
        if item is not None and e.amount.cap is not None:
            limit = self.visit(e.amount.cap.limit)
            item = None if limit is None else (min(item[0], limit[0]), min(item[1], limit[1]))
        if item is None:
            return None
        return (min(Decimal(0), _times(item[0], Decimal(MAX_ITEMS))), INF if item[1] > 0 else Decimal(0))

    # Truth values and comparisons have no numeric bounds.
    def visit_Logic(self, e: M.Logic) -> None:
        return None

    def visit_Not(self, e: M.Not) -> None:
        return None

    def visit_Compare(self, e: M.Compare) -> None:
        return None

    def visit_Member(self, e: M.Member) -> None:
        return None
