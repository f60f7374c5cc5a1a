"""How many digits a policy's arithmetic can need, so that the checker can refuse
a policy whose valid applications would overflow the engines' exact context.

Both engines compute in runtime.EXACT (100 significant digits, every inexact
operation trapped).  A value's digits are bounded by a pair (integer digits,
fractional digits): an input holds at most as many integer digits as runtime.MAX_NUMBER
and as many decimals as its form allows (2 for money, 0 for whole numbers, the
step's decimals for a number with a step); a literal holds exactly its own.
Then x × y needs at most (i₁ + i₂, f₁ + f₂), and a chain of n terms
x₁ ± … ± xₙ at most (max iₖ + len(str(n − 1)), max fₖ).  An arithmetic node whose worst case exceeds
the context's precision could raise decimal.Inexact on a valid application.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from . import catalogue, visitor
from . import model as M
from . import runtime as R
from .diagnostics import Span
from .units import exact_decimal

PRECISION = R.EXACT.prec
INPUT_LIMIT_TEXT = R.group(R.MAX_NUMBER)
INPUT_DIGITS = len(str(int(R.MAX_NUMBER)))  # the integer digits of the largest input a form accepts
MONTH_DIGITS = 6  # months between two dates of years 1–9999: at most 119,988
ITEM_DIGITS = len(str(R.MAX_ITEMS))  # a sum over at most 10,000 items gains at most this many

Digits = tuple[int, int]  # (integer digits, fractional digits)


def of_value(value: Decimal) -> Digits:
    """The digits of one exact value: 1234.50 is (4, 1); 0.005 is (0, 3)."""
    if not value:
        return 0, 0
    sign, digits, exponent = value.as_tuple()
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, value.adjusted() + 1), max(0, -(exponent + trailing))


def of_field(field: M.Field) -> Digits:
    """The digits of an input's value: what its form admits, or its default when it is left out."""
    if field.kind == "int":
        admitted = (INPUT_DIGITS, 0)
    elif field.kind == "number" and field.step is not None:
        admitted = (INPUT_DIGITS, of_value(field.step)[1])  # a multiple of the step has no more decimals than it
    else:
        admitted = (INPUT_DIGITS, 2)
    return _widest(admitted, of_value(field.default)) if field.default is not None else admitted


def _sum_terms(e: M.Arith) -> list:
    """The terms of a chain of + and − (left to right), found without recursion."""
    terms, stack = [], [e]
    while stack:
        node = stack.pop()
        if type(node) is M.Arith and node.op in "+-":  # exactly: a new node type is visited, never flattened
            stack += [node.right, node.left]
        else:
            terms.append(node)
    return terms


def _widest(*bounds: Digits) -> Digits:
    return max((b[0] for b in bounds), default=0), max((b[1] for b in bounds), default=0)


# dates in rules (#22): at most 3,652,059 days between two dates of years 1–9999; a year or year index
_DATE_DIGITS = {"days": 7, "year": 4, "year_index": 5, "full_months": 1, "full_days": 1}


class Bounds(visitor.Visitor[Digits]):
    """The digit bounds of a programme's expressions; records every arithmetic
    node that can need more than PRECISION digits (the innermost one only)."""

    def __init__(self) -> None:
        self.lets: dict[str, Digits] = {}
        self.overflows: list[tuple[Span, int]] = []

    # ------------------------------------------------------------ expressions
    def visit_Const(self, e: M.Const) -> Digits:
        return of_value(e.value) if isinstance(e.value, Decimal) else (0, 0)

    def visit_InputRef(self, e: M.InputRef) -> Digits:
        return of_field(e.field)

    visit_ItemRef = visit_InputRef

    def visit_LetRef(self, e: M.LetRef) -> Digits:
        return self.lets.get(e.let.name, (0, 0))

    def visit_Arith(self, e: M.Arith) -> Digits:
        before = len(self.overflows)
        if e.op == "×":
            (li, lf), (ri, rf) = self.visit(e.left), self.visit(e.right)
            result = (li + ri, lf + rf)
        elif e.op == "÷":  # (#22 ratio) by a constant: times its reciprocal, a finite decimal
            (li, lf) = self.visit(e.left)
            (ri, rf) = of_value(exact_decimal(1 / Fraction(e.right.value))) if isinstance(e.right, M.Const) else self.visit(e.right)
            result = (li + ri, lf + rf)  # a ratio is a fraction, compared only: bounded by its operands
        else:
            # A chain a ± b ± … of n terms: |sum| < n × 10^(widest integer digits), so it
            # gains at most len(str(n - 1)) digits, not one per term (a 1,000-term sum is fine).
            terms = _sum_terms(e)
            widest = _widest(*(self.visit(term) for term in terms))
            result = (widest[0] + len(str(len(terms) - 1)), widest[1])
        if sum(result) > PRECISION and len(self.overflows) == before:
            self.overflows.append((e.span, sum(result)))
        return result

    def visit_Call(self, e: M.Call) -> Digits:
        if e.func in ("months", "overlap_months"):
            for arg in e.args:
                self.visit(arg)
            return MONTH_DIGITS, 0
        if e.func in _DATE_DIGITS:  # dates in rules (#22): whole numbers of days or years
            for arg in e.args:
                self.visit(arg)
            return _DATE_DIGITS[e.func], 0
        return self._widest_operand(e)  # min, max

    def visit_Tiers(self, e: M.Tiers) -> Digits:
        self.visit(e.subject)
        return _widest(*(of_value(row.award) for row in e.rows))

    # --- 除法、比例与累进 (#22 ratio)
    def visit_Bands(self, e: M.Bands) -> Digits:
        """Each band's part has the subject's digits; times its rate; n terms summed."""
        subject = self.visit(e.subject)
        terms = [(subject[0] + of_value(row.rate)[0], subject[1] + of_value(row.rate)[1]) for row in e.rows]
        widest = _widest(*terms)
        result = (widest[0] + len(str(len(terms) - 1)), widest[1])
        if sum(result) > PRECISION:
            self.overflows.append((e.span, sum(result)))
        return result

    def visit_Lookup(self, e: M.Lookup) -> Digits:
        self.visit(e.subject)
        return _widest(*(self.visit(branch) for _, branch in e.choices))

    def visit_Cond(self, e: M.Cond) -> Digits:
        self.visit(e.cond)
        return _widest(self.visit(e.then), self.visit(e.otherwise))

    def _widest_operand(self, e) -> Digits:
        return _widest(*(self.visit(child) for child in catalogue.children(e)))

    # every boolean node: the widest of the operands
    visit_Logic = visit_Not = visit_Compare = visit_Member = _widest_operand

    # ------------------------------------------------------------ rules
    def rules(self, rules) -> None:
        for rule in rules:
            self.visit(rule)

    def visit_Let(self, rule: M.Let) -> Digits:
        self.lets[rule.name] = bound = self.visit(rule.expr)
        return bound

    def visit_Require(self, rule: M.Require) -> Digits:
        return self.visit(rule.cond)

    visit_Review = visit_Require

    def visit_Unique(self, rule: M.Unique) -> Digits:
        return self.visit(rule.key)

    # ------------------------------------------------------------ amounts
    def visit_Formula(self, amount: M.Formula) -> Digits:
        value = self.visit(amount.expr)
        if amount.cap is not None:
            value = _widest(value, self.visit(amount.cap.limit))
        return value

    def visit_Cases(self, amount: M.Cases) -> Digits:
        outcomes = []
        for case in amount.cases:
            if case.cond is not None:
                self.visit(case.cond)
            outcomes.append(self.visit(case.outcome))
        return _widest(*outcomes)

    def visit_ReviewOutcome(self, outcome: M.ReviewOutcome) -> Digits:
        return 0, 0  # no amount: widens nothing

    visit_IneligibleOutcome = visit_ReviewOutcome

    def visit_ItemSum(self, e: M.ItemSum) -> Digits:
        self.rules(e.rules)
        item_int, item_frac = self.visit(e.amount)
        total = (item_int + ITEM_DIGITS, item_frac)  # the sum over every item
        if sum(total) > PRECISION:
            self.overflows.append((e.span, sum(total)))
        return total

    def visit_PerItem(self, amount: M.PerItem) -> Digits:
        self.rules(amount.rules)
        item_int, item_frac = self.visit(amount.amount)
        total = (item_int + ITEM_DIGITS, item_frac)  # the sum over every item
        if amount.cap is not None:  # 合计最高不超过: the sum and the limit, side by side
            total = _widest(total, self.visit(amount.cap.limit))
        if sum(total) > PRECISION:
            self.overflows.append((amount.span, sum(total)))
        return total


def overflows(programme: M.Programme) -> list[tuple[Span, int]]:
    """(where, digits needed) for each computation of the programme that can exceed PRECISION digits."""
    bounds = Bounds()
    for constraint in programme.constraints:
        bounds.visit(constraint.cond)
    bounds.rules(programme.rules)
    bounds.visit(programme.amount)
    return bounds.overflows
