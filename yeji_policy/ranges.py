"""Range reasoning for the policy calculator: what a partial application already decides.

Given the inputs an applicant has answered (validated values) and nothing
about the rest but each field's bounds, every expression of a programme is
evaluated abstractly: a number to an interval [lo, hi] (±Infinity where a
field has no upper bound the policy could use), a yes/no or an option to the
set of values it can still take, a date or a text to its value or "any".
From these, each programme gets

- the statuses a complete application could still end in (eligible,
  ineligible, review) — one status left means it is decided;
- the range of the amount it could pay (or pay once approved), rounded as the
  result will be;

and `next_questions` ranks the unanswered fields by how many undecided
programmes one answer could decide.

The reasoning is sound, not complete: every completion's result lies inside
what is computed here (tests/test_ranges.py checks this against the generated
module with random partial applications), but a range may be wider than the
truth.  It reads the checked model only; wiring the same reasoning into the
generated module waits for the IR refactoring of the Python backend.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

from . import catalogue, runtime, visitor
from . import model as M
from . import interpreter

INF = Decimal("Infinity")
_CTX = decimal.Context(prec=200, traps=[])  # interval ends may be infinite; finite ends stay exact
ANY = None  # a date or text that may be anything


@dataclass(frozen=True)
class Interval:
    lo: Decimal
    hi: Decimal

    def __post_init__(self):
        assert self.lo <= self.hi, (self.lo, self.hi)

    @property
    def point(self) -> bool:
        return self.lo == self.hi


def _point(v: Decimal) -> Interval:
    return Interval(Decimal(v), Decimal(v))


# --- dates in rules (#22): exact where every date is known, else what the call can be at all
_DATE_CALLS = {"days": runtime.days_between, "year": runtime.year_of, "year_index": runtime.year_index,
               "full_months": runtime.full_months, "full_days": runtime.full_days}


def _date_call(func: str, args):
    dates = args[:2] if func in ("days", "year_index", "full_months", "full_days") else args[:1]
    if all(d is not ANY and len(d) == 1 for d in dates):
        concrete = [next(iter(d)) for d in dates]
        if func in ("full_months", "full_days"):
            if args[2].point:
                return frozenset((_DATE_CALLS[func](*concrete, args[2].lo),))
        else:
            return _point(_DATE_CALLS[func](*concrete))
    if func in ("full_months", "full_days"):
        return frozenset((True, False))
    return Interval(Decimal(1), Decimal(9999)) if func == "year" else Interval(Decimal(0), INF)


def _hull(a, b):
    """The join of two abstract values of one type."""
    if isinstance(a, Interval):
        return Interval(min(a.lo, b.lo), max(a.hi, b.hi))
    if a is ANY or b is ANY:
        return ANY
    return a | b


def _mul_end(a: Decimal, b: Decimal) -> Decimal:
    # 0 × ∞ is 0 here: an infinite end stands for "as large as any finite value".
    if a == 0 or b == 0:
        return Decimal(0)
    return _CTX.multiply(a, b)


def field_range(field: M.Field):
    """What an unanswered field may be."""
    if field.kind in ("money", "number", "int"):
        return Interval(field.minimum if field.minimum is not None else Decimal(0), INF)
    if field.kind == "bool":
        return frozenset((True, False))
    if field.kind == "enum":
        return frozenset(o for o, _ in field.options)
    return ANY


def known_range(field: M.Field, value):
    if field.kind in ("money", "number", "int"):
        return _point(value)
    if field.kind == "list":
        return ANY
    return frozenset((value,))


class _Ranges(visitor.Visitor):
    """Expressions -> abstract values; rules and amounts -> what they may decide."""

    def __init__(self, programme: M.Programme, values: dict):
        self.p = programme
        self.values = values
        self.lets: dict[str, object] = {}

    # ------------------------------------------------------------ expressions
    def visit_Const(self, e: M.Const):
        if isinstance(e.value, Decimal):
            return _point(e.value)
        return frozenset((e.value,))

    def visit_InputRef(self, e: M.InputRef):
        if e.field.name in self.values:
            return known_range(e.field, self.values[e.field.name])
        return field_range(e.field)

    def visit_ItemRef(self, e: M.ItemRef):
        return field_range(e.field)  # only reached for an unanswered list: any item

    def visit_LetRef(self, e: M.LetRef):
        return self.lets[e.let.name]

    def visit_Arith(self, e: M.Arith) -> Interval:
        a, b = self.visit(e.left), self.visit(e.right)
        if e.op == "+":
            return Interval(_CTX.add(a.lo, b.lo), _CTX.add(a.hi, b.hi))
        if e.op == "-":
            return Interval(_CTX.subtract(a.lo, b.hi), _CTX.subtract(a.hi, b.lo))
        ends = [_mul_end(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        return Interval(min(ends), max(ends))

    def visit_Logic(self, e: M.Logic) -> frozenset:
        a, b = self.visit(e.left), self.visit(e.right)
        if e.op == "且":
            return frozenset(x and y for x in a for y in b)
        return frozenset(x or y for x in a for y in b)

    def visit_Not(self, e: M.Not) -> frozenset:
        return frozenset(not x for x in self.visit(e.operand))

    def visit_Compare(self, e: M.Compare) -> frozenset:
        a, b = self.visit(e.left), self.visit(e.right)
        if isinstance(a, Interval):
            return _compare_intervals(e.op, a, b)
        if a is ANY or b is ANY:
            return frozenset((True, False))
        return frozenset(runtime.compare(e.op, x, y) for x in a for y in b)

    def visit_Member(self, e: M.Member) -> frozenset:
        return frozenset(x in e.values for x in self.visit(e.operand))

    def visit_Cond(self, e: M.Cond):
        cond = self.visit(e.cond)
        branches = [self.visit(e.then)] if True in cond else []
        if False in cond:
            branches.append(self.visit(e.otherwise))
        return _join(branches)

    def visit_Call(self, e: M.Call):
        args = [self.visit(a) for a in e.args]
        if e.func == "min":
            return Interval(min(a.lo for a in args), min(a.hi for a in args))
        if e.func == "max":
            return Interval(max(a.lo for a in args), max(a.hi for a in args))
        if e.func in _DATE_CALLS:
            return _date_call(e.func, args)
        dates = args[:2] if e.func == "months" else args[:3]
        if all(d is not ANY and len(d) == 1 for d in dates):
            concrete = [next(iter(d)) for d in dates]
            if e.func == "months":
                return _point(runtime.months_between(*concrete))
            window = args[3]
            if window.point:
                return _point(runtime.overlap_months(*concrete, window.lo))
        if e.func == "months":
            return Interval(Decimal(0), INF)
        return Interval(Decimal(0), max(args[3].hi, Decimal(0)))

    def visit_Tiers(self, e: M.Tiers) -> Interval:
        s = self.visit(e.subject)
        awards = [Decimal(0)] if s.lo < e.rows[0].threshold else []
        for i, row in enumerate(e.rows):
            following = e.rows[i + 1].threshold if i + 1 < len(e.rows) else INF
            # this row is the highest reached for subject values in [threshold, following)
            if s.hi >= row.threshold and s.lo < following:
                awards.append(row.award)
        return Interval(min(awards), max(awards))

    def visit_Lookup(self, e: M.Lookup):
        options = self.visit(e.subject)
        return _join([self.visit(branch) for option, branch in e.choices if option in options])

    # ------------------------------------------------------------ rules: -> (fail, review) as sets of bools
    def rules(self, rules) -> tuple[frozenset, frozenset]:
        fails: list[frozenset] = []
        reviews: list[frozenset] = []
        for rule in rules:
            self.visit(rule, fails, reviews)
        return _any(fails), _any(reviews)

    def visit_Let(self, rule: M.Let, fails, reviews) -> None:
        self.lets[rule.name] = self.visit(rule.expr)

    def visit_Require(self, rule: M.Require, fails, reviews) -> None:
        fails.append(frozenset(not x for x in self.visit(rule.cond)))

    def visit_Review(self, rule: M.Review, fails, reviews) -> None:
        reviews.append(self.visit(rule.cond))

    # ------------------------------------------------------------ amounts: -> list of (kind, Interval | None)
    def visit_Formula(self, a: M.Formula) -> list:
        value = self.visit(a.expr)
        if a.cap is not None:
            limit = self.visit(a.cap.limit)
            value = Interval(min(value.lo, limit.lo), min(value.hi, limit.hi))
        return [("pay", value)]

    def visit_Cases(self, a: M.Cases) -> list:
        outcomes: list = []
        for case in a.cases:
            hit = frozenset((True,)) if case.cond is None else self.visit(case.cond)
            if True in hit:
                outcomes.extend(self.visit(case.outcome))
            if False not in hit:
                break
        return outcomes

    def visit_ReviewOutcome(self, outcome: M.ReviewOutcome) -> list:
        return [("review", None)]

    def visit_IneligibleOutcome(self, outcome: M.IneligibleOutcome) -> list:
        return [("ineligible", None)]

    def visit_PerItem(self, a: M.PerItem) -> list:
        needed = {a.list_field.name}
        for rule in a.rules:
            needed |= catalogue.inputs_of(catalogue.rule_expr(rule))
        needed |= _amount_inputs(a.amount)
        if needed <= set(self.values) and not any(type(n) is M.LetRef for n in visitor.walk(a)):
            # Everything the sum reads is answered: compute it exactly with the reference interpreter.
            run = interpreter._Run(self.p, self.values)
            outcome = run.visit(a, False, "")
            if outcome.kind == "partial":
                return [("partial", _point(runtime.add(outcome.amount, outcome.pending)))]
            return [(outcome.kind, _point(outcome.amount))]
        # Unanswered: any number of items, each counted, excluded or sent to review.
        per_item = [value for kind, value in self.visit(a.amount) if kind == "pay"]
        hi = INF if any(v.hi > 0 for v in per_item) else Decimal(0)
        lo = min([Decimal(0)] + [_CTX.multiply(v.lo, runtime.MAX_ITEMS) for v in per_item])
        return [("pay", Interval(lo, hi)), ("partial", Interval(lo, hi))]


def _amount_inputs(amount) -> frozenset:
    found: set = set()
    for node in visitor.walk(amount):
        if type(node) is M.InputRef:
            found.add(node.field.name)
    return frozenset(found)


def _compare_intervals(op: str, a: Interval, b: Interval) -> frozenset:
    T, F = frozenset((True,)), frozenset((False,))
    both = frozenset((True, False))
    if op == ">=":
        return T if a.lo >= b.hi else F if a.hi < b.lo else both
    if op == ">":
        return T if a.lo > b.hi else F if a.hi <= b.lo else both
    if op == "<=":
        return T if a.hi <= b.lo else F if a.lo > b.hi else both
    if op == "<":
        return T if a.hi < b.lo else F if a.lo >= b.hi else both
    same = a.point and b.point and a.lo == b.lo
    apart = a.hi < b.lo or b.hi < a.lo
    if op == "=":
        return T if same else F if apart else both
    return F if same else T if apart else both


def _join(values: list):
    out = values[0]
    for v in values[1:]:
        out = _hull(out, v)
    return out


def _any(sets: list[frozenset]) -> frozenset:
    """Whether any of several conditions holds, as the set of possible answers."""
    if any(s == frozenset((True,)) for s in sets):
        return frozenset((True,))
    if any(True in s for s in sets):
        return frozenset((True, False))
    return frozenset((False,))


# ---------------------------------------------------------------- per programme
@dataclass(frozen=True)
class Outlook:
    """What a programme may still come to.  statuses: a subset of eligible,
    ineligible, review; low/high: the amount (or the amount if approved) a
    completion can have, rounded to 0.01 元 (high None: no bound in the policy)."""

    programme: str
    statuses: frozenset
    low: Decimal | None
    high: Decimal | None

    @property
    def decided(self) -> str | None:
        return next(iter(self.statuses)) if len(self.statuses) == 1 else None


def _rounded(value: Decimal) -> Decimal:
    return value if value.is_infinite() else runtime.round_cents(value)


def outlook(programme: M.Programme, values: dict) -> Outlook:
    """The statuses and the amount range of a programme, given the answered inputs (validated values)."""
    run = _Ranges(programme, {k: v for k, v in values.items() if any(f.name == k for f in programme.fields)})
    fails, reviews = run.rules(programme.rules)
    if fails == frozenset((True,)):
        return Outlook(programme.id, frozenset(("ineligible",)), Decimal(0), Decimal(0))
    statuses: set[str] = set()
    if True in fails:
        statuses.add("ineligible")
    paid: list[Interval] = []  # ranges of amount / amount_if_approved of completions that are not ineligible
    for kind, value in run.visit(programme.amount):
        if kind in ("ineligible",):
            statuses.add("ineligible")
        elif kind == "review":
            statuses.add("review")
            paid.append(_point(Decimal(0)))
        elif kind == "partial":
            statuses.add("review")
            paid.append(Interval(max(_rounded(value.lo), Decimal(0)), _rounded(value.hi)))
        else:
            lo, hi = _rounded(value.lo), _rounded(value.hi)
            if lo <= 0:
                statuses.add("ineligible")
            if hi > 0:
                if True in reviews:
                    statuses.add("review")
                if False in reviews:
                    statuses.add("eligible")
                paid.append(Interval(max(lo, runtime.CENT), hi))
    if not paid:
        return Outlook(programme.id, frozenset(statuses), Decimal(0), Decimal(0))
    low = Decimal(0) if "ineligible" in statuses else min(p.lo for p in paid)
    high = max(p.hi for p in paid)
    return Outlook(programme.id, frozenset(statuses), low, None if high.is_infinite() else high)


def outlooks(policy: M.Policy, values: dict) -> list[Outlook]:
    return [outlook(p, values) for p in policy.programmes]


# ---------------------------------------------------------------- the next questions
def _trial_values(field: M.Field) -> list:
    """A few answers to try for a field: each yes/no and option, and for numbers
    the edges the rules test (0 and the field's minimum)."""
    if field.kind == "bool":
        return [True, False]
    if field.kind == "enum":
        return [o for o, _ in field.options]
    if field.kind in ("money", "number", "int"):
        return sorted({Decimal(0) if field.minimum is None else field.minimum})
    return []


def next_questions(policy: M.Policy, values: dict, limit: int = 3) -> list[tuple[M.Field, int]]:
    """The unanswered fields (lists aside) ranked by how many undecided programmes some answer
    to that field alone decides (then by how many undecided programmes read it,
    then policy order); (field, that count) for the first `limit`."""
    open_programmes = [p for p in policy.programmes if outlook(p, values).decided is None]
    ranked = []
    from .backends.schema import profile_fields

    for order, f in enumerate(profile_fields(policy)):
        if f.name in values or f.kind == "list":  # a list is answered item by item on its form
            continue
        users = [p for p in open_programmes if any(pf.name == f.name for pf in p.fields)]
        if not users:
            continue
        decided = sum(
            any(outlook(p, {**values, f.name: v}).decided is not None for v in _trial_values(f)) for p in users
        )
        ranked.append((-decided, -len(users), order, f))
    ranked.sort(key=lambda r: r[:3])
    return [(f, -d) for d, _, _, f in ranked[:limit]]
