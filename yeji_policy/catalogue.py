"""Plain-data views of the checked model that several consumers share.

- `field_spec` / `programme_meta`: the form of a programme as JSON-able data —
  what the generated module's PROGRAMMES holds and what runtime.validate_object
  reads, in the interpreter and in the generated module alike;
- `inputs_of`: which inputs an expression depends on (for the policy
  calculator, which decides a rule as soon as its inputs are known);
- `amount_bound`: the largest amount the rules allow whatever the inputs, where
  the rules bound it (最高 80万元).
"""

from __future__ import annotations

from decimal import Decimal

from . import model as M
from . import versions, visitor
from . import runtime
from .units import BASE_NAMES, MONEY, UNITS


def const_text(c: M.Const) -> str:
    """A constant as the text writes it, and where its unit is not the unit the
    inputs are counted in (1年 against 个月), also in that unit: 1年（12 个月）.
    Money in 万元 stays as written (the amount beside it is in 元)."""
    if not isinstance(c.value, Decimal) or c.type.dim == MONEY or len(c.type.dim) != 1 or c.type.dim[0][1] != 1:
        return c.text
    unit = c.text.lstrip("0123456789.")
    base = BASE_NAMES[c.type.dim[0][0]]
    if unit in UNITS and UNITS[unit][1] != 1:
        return f"{c.text}（{runtime.show_number(c.value, base)}）"
    return c.text


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def field_spec(field: M.Field) -> dict:
    spec: dict = {"name": field.name, "label": field.label, "kind": field.kind}
    if field.help:
        spec["help"] = field.help
    if field.unit:
        spec["unit"] = field.unit
    if field.minimum is not None:
        spec["minimum"] = _dec(field.minimum)
    if field.step is not None:
        spec["step"] = _dec(field.step)
    if field.default is not None:
        spec["default"] = _dec(field.default)
    if field.options:
        spec["options"] = [list(o) for o in field.options]
    if field.kind == "list":
        spec["items"] = [field_spec(f) for f in field.item_fields]
    if field.interpretation:
        spec["interpretation"] = field.interpretation.note
    return spec


def interpretation_entry(interp: M.Interpretation) -> dict:
    return {"id": interp.id, "article": interp.article, "subject": interp.subject, "note": interp.note}


def policy_meta(policy: M.Policy) -> dict:
    """Who issued the policy, its version, and the hashes a receipt names it by: content_hash
    (sha256 of the policy source) and text_hash (of the original text it holds, text_hash below)."""
    return {
        "id": policy.id,
        "issuer": policy.document.issuer,
        "title": policy.document.title,
        "version": policy.document.version,
        "content_hash": policy.content_hash,
        "text_hash": text_hash(policy),
    }


def text_hash(policy: M.Policy) -> str:
    """sha256 of the original text as the policy holds it, verbatim: the RFC 8785 canonical JSON of
    {"preamble": 引言 or null, "articles": [[number, title, text], …]} — any change to a word of it changes the hash."""
    import hashlib

    body = {"preamble": policy.document.preamble,
            "articles": [[a.number, a.title, a.text] for a in policy.articles]}
    return hashlib.sha256(runtime.canonical_json(body)).hexdigest()


def programme_meta(programme: M.Programme) -> dict:
    bound = amount_bound(programme.amount)
    return {
        "id": programme.id,
        "name": programme.name,
        "article": programme.article,
        "applicant": programme.applicant.value,
        "funding_source": programme.funding_source.value,
        "payment_condition": programme.payment_condition.value,
        "inputs": [field_spec(f) for f in programme.fields],
        "max_amount": None if bound is None else _dec(bound[0]),
        "max_amount_text": None if bound is None else bound[1],
        # the programme's own period (起始日期, 截止日期), only where it has one
        **({"period": versions.programme_period(programme)} if programme.starts or programme.ends else {}),
    }


def inputs_of(expr: M.Expr) -> frozenset[str]:
    """Names of the top-level inputs that expr reads (a list field for item refs)."""
    return _INPUTS.visit(expr)


class _Inputs(visitor.Visitor[frozenset]):
    def visit_InputRef(self, e: M.InputRef) -> frozenset[str]:
        return frozenset({e.field.name})

    def visit_LetRef(self, e: M.LetRef) -> frozenset[str]:
        return self.visit(e.let.expr)

    def visit_ItemRef(self, e: M.ItemRef) -> frozenset[str]:
        return frozenset()

    def _of_children(self, e: M.Expr) -> frozenset[str]:
        names: frozenset[str] = frozenset()
        for child in children(e):
            names |= self.visit(child)
        return names

    visit_Const = visit_Arith = visit_Logic = visit_Not = visit_Compare = visit_Member = _of_children
    visit_Cond = visit_Call = visit_Tiers = visit_Lookup = _of_children

    def visit_TierRow(self, e: M.TierRow) -> frozenset[str]:
        return frozenset()  # a row holds constants only

    def visit_ItemSum(self, e: M.ItemSum) -> frozenset[str]:
        """The list, and what the items' rules and amount read outside the item (#22)."""
        names = frozenset({e.list_field.name})
        for rule in e.rules:
            names |= self.visit(rule_expr(rule))
        names |= self.visit(e.amount.expr)
        return names | (self.visit(e.amount.cap.limit) if e.amount.cap else frozenset())
    visit_Bands = _of_children  # 累进 (#22 ratio)
    visit_BandRow = visit_TierRow


_INPUTS = _Inputs()


def rule_expr(rule) -> M.Expr:
    """The expression a rule evaluates: a Let's value, a Unique's key, else its condition."""
    return _RULE_EXPR.visit(rule)


class _RuleExpr(visitor.Visitor):
    def visit_Let(self, rule: M.Let) -> M.Expr:
        return rule.expr

    def visit_Unique(self, rule: M.Unique) -> M.Expr:
        return rule.key

    def visit_Require(self, rule: M.Require) -> M.Expr:
        return rule.cond

    visit_Review = visit_Require


_RULE_EXPR = _RuleExpr()


def parenthesised(child: M.Expr, parent_op: str, side: str) -> bool:
    """Whether an explanation shows this operand of an arithmetic node in parentheses."""
    if isinstance(child, M.Arith) and child.op in "+-":
        return parent_op in ("×", "÷") or (parent_op == "-" and side == "right")
    # a ÷ (b × c): the grammar's divisor is one operand (#22 ratio)
    return parent_op == "÷" and side == "right" and isinstance(child, M.Arith) and child.op in ("×", "÷")


def children(expr: M.Expr) -> tuple[M.Expr, ...]:
    """The sub-expressions of an expression (visitor.children: read from the node's fields)."""
    return visitor.children(expr)


def amount_bound(amount) -> tuple[Decimal, str] | None:
    return _BOUND.visit(amount)


_PAYS_NOTHING = object()  # what a case that ends in review or ineligibility adds to the bound


class _Bound(visitor.Visitor):
    """The largest value an expression or an amount can take, with its text; None: unbounded."""

    # ------------------------------------------------------------ expressions
    def visit_Const(self, e: M.Const) -> tuple[Decimal, str] | None:
        return (e.value, e.text) if isinstance(e.value, Decimal) else None

    def visit_Tiers(self, e: M.Tiers) -> tuple[Decimal, str]:
        top = max(e.rows, key=lambda r: r.award)
        return top.award, top.award_text

    def visit_Bands(self, e: M.Bands) -> tuple[Decimal, str] | None:  # 累进 (#22 ratio)
        if e.rows[-1].upper is None or e.rows[-1].rate == 0:
            top = e.at(e.rows[-1].lower)
            return (top, runtime.show_yuan(top)) if e.rows[-1].rate == 0 else None
        top = e.at(e.rows[-1].upper)
        return top, runtime.show_yuan(top)

    def visit_Lookup(self, e: M.Lookup) -> tuple[Decimal, str] | None:
        bounds = [self.visit(branch) for _, branch in e.choices]
        if any(b is None for b in bounds):
            return None
        return max(bounds, key=lambda b: b[0])

    def visit_Arith(self, e: M.Arith) -> tuple[Decimal, str] | None:
        if e.op == "-":
            # Every input is ≥ 0, so subtracting never raises the bound.
            return self.visit(e.left)
        return None

    def _unbounded(self, e: M.Expr) -> None:
        return None

    visit_InputRef = visit_ItemRef = visit_LetRef = visit_Logic = visit_Not = visit_Compare = _unbounded
    visit_ItemSum = _unbounded  # a sum over a list: the list can be long
    visit_Member = visit_Cond = _unbounded

    def visit_Call(self, e: M.Call) -> tuple[Decimal, str] | None:
        """最小 of amounts is at most any bounded argument (金额 = 最小(各门店补助合计, 20万元) pays at
        most 20万元); 最大 is bounded only when every argument is."""
        if e.func not in ("min", "max") or e.type.dim != MONEY:
            return None
        bounds = [self.visit(a) for a in e.args]
        if e.func == "min":
            known = [b for b in bounds if b is not None]
            return min(known, key=lambda b: b[0]) if known else None
        return None if None in bounds else max(bounds, key=lambda b: b[0])

    # ------------------------------------------------------------ amounts
    def visit_Formula(self, a: M.Formula) -> tuple[Decimal, str] | None:
        bounds = [b for b in (self.visit(a.expr), a.cap and self.visit(a.cap.limit)) if b]
        return min(bounds, key=lambda b: b[0]) if bounds else None

    def visit_Cases(self, a: M.Cases) -> tuple[Decimal, str] | None:
        bounds = []
        for case in a.cases:
            bound = self.visit(case.outcome)
            if bound is _PAYS_NOTHING:
                continue
            if bound is None:
                return None
            bounds.append(bound)
        return max(bounds, key=lambda b: b[0]) if bounds else None

    def visit_ReviewOutcome(self, outcome: M.ReviewOutcome) -> object:
        return _PAYS_NOTHING

    visit_IneligibleOutcome = visit_ReviewOutcome

    def visit_PerItem(self, a: M.PerItem) -> tuple[Decimal, str] | None:
        # a sum over a list has no bound (the list can be long) but the sum's own cap
        return None if a.cap is None else self.visit(a.cap.limit)


_BOUND = _Bound()


# ---------------------------------------------------------------- trace records (#17)
# Each explained step of a programme has a static part, the same for every
# application: its stable id, kind, article, the clause (the programme's 摘录
# and its offsets in the article's verbatim text), the inputs it reads and the
# interpretations it carries.  Ids are "<programme>.<kind>.<n>": the n-th
# clause of that kind in the programme, in source order (rules first, then
# the amount, depth first); both engines take them from here.
STEP_KINDS = {"Let": "value", "Require": "condition", "Review": "review", "Unique": "unique",
              "Formula": "formula", "Case": "case", "PerItem": "sum", "Cap": "total_cap", "ItemSum": "sum"}


class _ItemInputs(_Inputs):
    """Names of the item fields that an expression inside 逐项 reads."""

    def visit_InputRef(self, e: M.InputRef) -> frozenset[str]:
        return frozenset()

    def visit_ItemRef(self, e: M.ItemRef) -> frozenset[str]:
        return frozenset({e.field.name})


_ITEM_INPUTS = _ItemInputs()
_STEP_REFS: dict[int, tuple[M.Programme, dict[int, dict]]] = {}


def step_refs(programme: M.Programme) -> dict[int, dict]:
    """id(model node) -> the static part of its trace record, computed once per programme object."""
    cached = _STEP_REFS.get(id(programme))
    if cached is None or cached[0] is not programme:
        refs = _StepRefs(programme)
        for rule in programme.rules:
            refs.visit(rule)
        refs.visit(programme.amount)
        cached = _STEP_REFS[id(programme)] = (programme, refs.refs)
    return cached[1]


class _StepRefs(visitor.Visitor):
    """Walks a programme's rules and amount in source order, numbering each kind of step."""

    def __init__(self, programme: M.Programme):
        self.p = programme
        self.refs: dict[int, dict] = {}
        self.counts: dict[str, int] = {}
        at = programme.excerpt_at
        self.clause = None if at is None else {"excerpt": programme.excerpt, "start": at[0], "end": at[1]}

    def add(self, node, exprs, interps, extra=()) -> None:
        kind = STEP_KINDS[type(node).__name__]
        self.counts[kind] = self.counts.get(kind, 0) + 1
        names: frozenset[str] = frozenset(extra)
        item_names: frozenset[str] = frozenset()
        interps = list(interps)
        for e in exprs:
            if e is not None:
                names |= inputs_of(e)
                item_names |= _ITEM_INPUTS.visit(e)
                # a 累进 band's reading is carried by the step that computes the table (#22 ratio)
                interps += [n.interpretation for n in visitor.walk(e) if isinstance(n, M.BandRow)]
        self.refs[id(node)] = {
            "id": f"{self.p.id}.{kind}.{self.counts[kind]}", "kind": kind, "article": self.p.article,
            "clause": self.clause, "inputs": tuple(sorted(names)), "item_inputs": tuple(sorted(item_names)),
            "interpretations": tuple(i.id for i in interps if i is not None),
        }

    def visit_Let(self, r: M.Let, *_) -> None:
        if isinstance(r.expr, M.ItemSum):  # 令 x = 逐项 …: the items' steps, the sum, then the step (#22)
            for rule in r.expr.rules:
                self.visit(rule)
            self.visit(r.expr.amount)
            self.add(r.expr, [], [])
            self.add(r, [], [r.interpretation])  # the items' records hold the inputs (as a 逐项 amount's)
            return
        self.add(r, [r.expr], [r.interpretation])

    def visit_Require(self, r: M.Require, *_) -> None:
        self.add(r, [r.cond], [r.interpretation])

    def visit_Review(self, r: M.Review, *_) -> None:
        self.add(r, [r.cond], [r.interpretation])

    def visit_Unique(self, r: M.Unique, *_) -> None:
        self.add(r, [r.key], [r.interpretation])

    def visit_Formula(self, a: M.Formula, *_) -> None:
        cap = a.cap
        self.add(a, [a.expr, cap.limit if cap else None], [a.interpretation, cap.interpretation if cap else None])

    def visit_Cases(self, a: M.Cases, *_) -> None:
        for case in a.cases:
            interp = case.outcome.interpretation if isinstance(case.outcome, M.ReviewOutcome) else None
            self.add(case, [case.cond], [interp])
            self.visit(case.outcome)

    def visit_ReviewOutcome(self, a: M.ReviewOutcome, *_) -> None:
        pass  # no step of its own: its case's record carries it

    def visit_IneligibleOutcome(self, a: M.IneligibleOutcome, *_) -> None:
        pass

    def visit_PerItem(self, a: M.PerItem, *_) -> None:
        for rule in a.rules:
            self.visit(rule)
        self.visit(a.amount)
        # The total reads the items' amounts, whose records (one per item) hold the inputs: the
        # whole list again here would double the trace's size and cost for nothing.
        self.add(a, [], [])
        if a.cap is not None:  # 合计最高不超过: a step of its own, citing its own interpretation
            self.add(a.cap, [a.cap.limit], [a.cap.interpretation])
