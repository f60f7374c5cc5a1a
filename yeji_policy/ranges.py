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
truth.  It reads the checked model, with the abstract domain's helpers in
runtime.py (range_*); the generated module prints the same reasoning from the
IR (`ranges(programme, partial_application)`, backends/python.py), and
tests/test_ranges.py checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from . import catalogue, runtime, visitor
from . import model as M
from . import interpreter

INF = runtime.INF
ANY = runtime.RANGE_ANY  # a date or text that may be anything
Interval = runtime.Interval
_point = runtime.range_point


def field_range(field: M.Field):
    """What an unanswered field may be."""
    if field.kind in ("money", "number", "int"):
        return Interval(field.minimum if field.minimum is not None else Decimal(0), INF)
    if field.kind == "bool":
        return runtime.YES_OR_NO
    if field.kind == "enum":
        return frozenset(o for o, _ in field.options)
    return ANY


def known_range(field: M.Field, value):
    if field.kind in ("money", "number", "int"):
        return _point(Decimal(value))
    if field.kind == "list":
        return ANY
    return frozenset((value,))


class _Ranges(visitor.Visitor):
    """Expressions -> abstract values (runtime.range_*); rules and amounts -> what they may decide."""

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

    def item_lets(self, rules) -> None:
        """An item's named steps (令 inside 逐项), over any item: its amount may use them."""
        for rule in rules:
            if isinstance(rule, M.Let):
                self.lets[rule.name] = self.visit(rule.expr)

    def visit_ItemSum(self, e: M.ItemSum) -> Interval:
        """令 x = 逐项 … (#22): exact once the list and all it reads are answered, else any number
        of items, each excluded (0) or within its capped formula's range."""
        needed = item_sum_inputs(e)
        if needed is not None and needed <= set(self.values):
            return _point(interpreter.expression_value(self.p, self.values, e))
        self.item_lets(e.rules)
        return runtime.range_items_value(runtime.range_items_unknown(self.visit(e.amount)))

    def visit_Arith(self, e: M.Arith) -> Interval:
        return runtime.range_arith(e.op, self.visit(e.left), self.visit(e.right))

    def visit_Logic(self, e: M.Logic) -> frozenset:
        return runtime.range_logic(e.op, self.visit(e.left), self.visit(e.right))

    def visit_Not(self, e: M.Not) -> frozenset:
        return runtime.range_not(self.visit(e.operand))

    def visit_Compare(self, e: M.Compare) -> frozenset:
        return runtime.range_compare(e.op, self.visit(e.left), self.visit(e.right))

    def visit_Member(self, e: M.Member) -> frozenset:
        return runtime.range_member(self.visit(e.operand), e.values)

    def visit_Cond(self, e: M.Cond):
        cond = self.visit(e.cond)
        branches = [self.visit(e.then)] if True in cond else []
        if False in cond:
            branches.append(self.visit(e.otherwise))
        return runtime.range_join(branches)

    def visit_Call(self, e: M.Call):
        return runtime.range_call(e.func, *(self.visit(a) for a in e.args))

    def visit_Tiers(self, e: M.Tiers) -> Interval:
        return runtime.range_tiers(self.visit(e.subject), [r.threshold for r in e.rows], [r.award for r in e.rows])

    # --- 除法、比例与累进 (#22 ratio)
    def visit_Bands(self, e: M.Bands) -> Interval:
        s = self.visit(e.subject)  # the table never falls as its subject grows
        return Interval(e.at(s.lo), e.at(s.hi))

    def visit_Lookup(self, e: M.Lookup):
        options = self.visit(e.subject)
        return runtime.range_join([self.visit(branch) for option, branch in e.choices if option in options])

    # ------------------------------------------------------------ rules: -> lists of (possible) failures and reviews
    def rules(self, rules) -> tuple[list, list]:
        fails: list[frozenset] = []
        reviews: list[frozenset] = []
        for rule in rules:
            self.visit(rule, fails, reviews)
        return fails, reviews

    def visit_Let(self, rule: M.Let, fails, reviews) -> None:
        self.lets[rule.name] = self.visit(rule.expr)

    def visit_Require(self, rule: M.Require, fails, reviews) -> None:
        fails.append(runtime.range_not(self.visit(rule.cond)))

    def visit_Review(self, rule: M.Review, fails, reviews) -> None:
        reviews.append(self.visit(rule.cond))

    # ------------------------------------------------------------ amounts: -> list of (kind, Interval | None)
    def visit_Formula(self, a: M.Formula) -> list:
        value = self.visit(a.expr)
        if a.cap is not None:
            value = runtime.range_cap(value, self.visit(a.cap.limit))
        return [("pay", value)]

    def visit_Cases(self, a: M.Cases) -> list:
        outcomes: list = []
        for case in a.cases:
            hit = runtime.YES if case.cond is None else self.visit(case.cond)
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
        needed = sum_inputs(a)
        if needed is not None and needed <= set(self.values):
            # Everything the sum reads is answered: computed exactly by the reference interpreter.
            return runtime.range_items_exact(interpreter.amount_outcome(self.p, self.values, a))
        # Unanswered: any number of items, each counted, excluded or sent to review.
        self.item_lets(a.rules)
        outcomes = runtime.range_items_unknown(self.visit(a.amount))
        if a.cap is not None:  # 合计最高不超过 clamps the sum, pending items included, as the engines do
            outcomes = runtime.range_items_capped(outcomes, self.visit(a.cap.limit))
        return outcomes


def item_sum_inputs(e: M.ItemSum) -> frozenset | None:
    """The inputs a 令 list sum reads, None when it reads a 令 value (as sum_inputs)."""
    if any(type(n) is M.LetRef for n in visitor.walk(e)):
        return None
    return catalogue.inputs_of(e)


def sum_inputs(a: M.PerItem) -> frozenset | None:
    """The inputs a list's sum reads (the list, and what its rules and amount read),
    None when it reads a 令 value (computed outside it: the sum cannot be worked out alone)."""
    if any(type(n) is M.LetRef for n in visitor.walk(a)):
        return None
    needed = {a.list_field.name}
    for rule in a.rules:
        needed |= catalogue.inputs_of(catalogue.rule_expr(rule))
    for node in visitor.walk(a.amount):
        if type(node) is M.InputRef:
            needed.add(node.field.name)
    if a.cap is not None:
        needed |= catalogue.inputs_of(a.cap.limit)
    return frozenset(needed)


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


def outlook(programme: M.Programme, values: dict) -> Outlook:
    """The statuses and the amount range of a programme, given the answered inputs (validated values)."""
    run = _Ranges(programme, {k: v for k, v in values.items() if any(f.name == k for f in programme.fields)})
    fails, reviews = run.rules(programme.rules)
    outcomes = [] if runtime.range_any(fails) == runtime.YES else run.visit(programme.amount)
    return Outlook(programme.id, *runtime.range_outlook(fails, reviews, outcomes))


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
