"""Lowering: the checked model -> the IR (ir.py), one `ir.Programme` per programme.

Every decision about how a programme runs is taken here, once, for every
backend: the order of reads and computations, which input is read once per
block, the variable names, the calculator's partial evaluation (each rule
under a `Guard` on its inputs), the cases tried in order, the list items
summed.  Printers (backends/python.py, the SQL backend) only print.

Values and their explanations are lowered side by side but into separate
nodes: an expression gives (value operand, text operand), where the value is
a `Var` or `Const` and the text a `Var` (set by an `Explain`) or a `Lit`.
"""

from __future__ import annotations

import dataclasses

from . import catalogue, ir, keywords, visitor
from . import model as M
from . import runtime as R
from .units import display_unit

RULE_NAMES = {M.Let: keywords.RULES["let"], M.Require: keywords.RULES["require"], M.Review: keywords.RULES["review"],
              M.Unique: keywords.RULES["unique"]}

Operand = tuple  # (value: ir.Var | ir.Const, text: ir.Var | ir.Lit)
HOLDS = object()  # in compute's text arguments: the value being computed


class _Lowering(visitor.Visitor):
    """Lowers one programme's statements: one visit_ method per model node kind."""

    def __init__(self, programme: M.Programme, partial: bool = False):
        self.p = programme
        self.article = int(programme.article)
        self.partial = partial  # the calculator's variant: rules only, each once its inputs are known
        self.blocks: list[list] = [[]]
        self.scopes: list[dict] = [{}]  # per open block: input already read -> (value var, text var)
        self.counter = 0
        self.let_vars: dict[str, str] = {}

    # ------------------------------------------------------------ plumbing
    def at(self, node) -> ir.Origin:
        return ir.Origin(self.article, int(node.span.line))

    def emit(self, stmt) -> None:
        self.blocks[-1].append(stmt)

    def open_block(self, reads: dict | None = None) -> None:
        """A nested block; inputs read inside it are not visible after it.  reads:
        the inputs already read whenever the block runs (default: the enclosing block's)."""
        self.blocks.append([])
        self.scopes.append(dict(self.scopes[-1] if reads is None else reads))

    def close_block(self) -> tuple:
        return self.close_block_reads()[0]

    def close_block_reads(self) -> tuple[tuple, dict]:
        """The block's statements and the inputs read by its end."""
        return tuple(self.blocks.pop()), self.scopes.pop()

    def segment(self) -> tuple:
        """The statements of the open block so far; the block (and what it has read) goes on."""
        done = tuple(self.blocks[-1])
        self.blocks[-1] = []
        return done

    def fresh(self) -> tuple[str, str]:
        self.counter += 1
        return f"v{self.counter}", f"t{self.counter}"

    def statements(self) -> tuple:
        (body,) = self.blocks
        return tuple(body)

    # ------------------------------------------------------------ expressions
    # visit(e, item) emits the statements computing e and returns its (value, text)
    # operands; item is the source of the current list item ("item"), None outside 逐项.
    def visit_Const(self, e: M.Const, item: str | None) -> Operand:
        at = self.at(e)
        return ir.Const(e.value, at=at), ir.Lit(catalogue.const_text(e), at=at)

    def visit_InputRef(self, e: M.InputRef, item: str | None) -> Operand:
        return self.read(e.field, "values", self.at(e))

    def visit_ItemRef(self, e: M.ItemRef, item: str | None) -> Operand:
        return self.read(e.field, item, self.at(e))

    def read(self, f: M.Field, source: str, at: ir.Origin) -> Operand:
        key = (source, f.name)
        if key not in self.scopes[-1]:  # read once per block
            v, t = self.fresh()
            self.emit(ir.Read(v, source, f, ir.Explain(t, ir.RefText(f, ir.Var(v, at=at), at=at), at=at), at=at))
            self.scopes[-1][key] = (ir.Var(v, at=at), ir.Var(t, at=at))
        return self.scopes[-1][key]

    def compute(self, e, expr, text_func: str, *text_args) -> Operand:
        """A fresh value var = expr, explained by runtime text_func(*text_args);
        HOLDS among the text arguments stands for the value itself (a comparison's
        text says whether it holds)."""
        at = self.at(e)
        v, t = self.fresh()
        args = tuple(ir.Var(v, at=at) if a is HOLDS else a for a in text_args)
        self.emit(ir.Compute(v, expr, ir.Explain(t, ir.Render(text_func, args, at=at), at=at), at=at))
        return ir.Var(v, at=at), ir.Var(t, at=at)

    def visit_LetRef(self, e: M.LetRef, item: str | None) -> Operand:
        at = self.at(e)
        v = ir.Var(self.let_vars[e.let.name], at=at)
        t = self.fresh()[1]
        self.emit(ir.Explain(t, ir.Render("r_let", (ir.Lit(e.let.label, at=at), self.shown(v, e.type, at)), at=at),
                             at=at))
        return v, ir.Var(t, at=at)

    def visit_Arith(self, e: M.Arith, item: str | None) -> Operand:
        (lv, lt), (rv, rt) = self.visit(e.left, item), self.visit(e.right, item)
        at = self.at(e)

        def shown(text, child: M.Expr, side: str):
            return ir.Render("r_paren", (text,), at=at) if catalogue.parenthesised(child, e.op, side) else text

        if e.op == "÷" and not isinstance(e.right, M.Const):  # a ratio (check/ratio.py): shown with its value
            if e.type.dim:
                return self.compute(e, ir.Arith(e.op, lv, rv, at=at), "r_quotient", shown(lt, e.left, "left"),
                                    shown(rt, e.right, "right"), HOLDS, ir.Lit(display_unit(e.type.dim), at=at))
            return self.compute(e, ir.Arith(e.op, lv, rv, at=at), "r_ratio",
                                shown(lt, e.left, "left"), shown(rt, e.right, "right"), HOLDS)
        return self.compute(e, ir.Arith(e.op, lv, rv, at=at), "r_arith", ir.Lit(e.op, at=at),
                            shown(lt, e.left, "left"), shown(rt, e.right, "right"))

    # --- 除法、比例与累进 (#22 ratio)
    def visit_Bands(self, e: M.Bands, item: str | None) -> Operand:
        """累进, lowered to what every printer knows: per band max(0, min(x, upper) − lower) × rate, summed."""
        sv, st = self.visit(e.subject, item)
        at = self.at(e)
        zero = ir.Const(R.ZERO, at=at)
        parts, total = [], None
        for row in e.rows:
            top = sv if row.upper is None else self.value(ir.Call("min", (sv, ir.Const(row.upper, at=at)), at=at), at)
            part = self.value(ir.Call("max", (zero, self.value(ir.Arith("-", top, ir.Const(row.lower, at=at), at=at),
                                                                  at)), at=at), at)
            parts.append(part)
            term = self.value(ir.Arith("×", part, ir.Const(row.rate, at=at), at=at), at)
            total = term if total is None else self.value(ir.Arith("+", total, term, at=at), at)
        for row in e.rows:
            self.emit_note(row.interpretation, at)
        v, t = self.fresh()
        text = ir.Render("r_bands", (st, ir.Lit([row.label for row in e.rows], at=at), ir.Items(tuple(parts), at=at),
                                     ir.Lit([row.rate_text for row in e.rows], at=at),
                                     ir.Lit(display_unit(e.subject.type.dim), at=at)), at=at)
        self.emit(ir.Compute(v, total, ir.Explain(t, text, at=at), at=at))
        return ir.Var(v, at=at), ir.Var(t, at=at)

    def value(self, expr, at: ir.Origin) -> ir.Var:
        """A fresh value var = expr, with no explanation of its own."""
        v = self.fresh()[0]
        self.emit(ir.Compute(v, expr, at=at))
        return ir.Var(v, at=at)

    def visit_Logic(self, e: M.Logic, item: str | None) -> Operand:
        (lv, lt), (rv, rt) = self.visit(e.left, item), self.visit(e.right, item)
        at = self.at(e)
        return self.compute(e, ir.Logic(e.op, lv, rv, at=at), "r_arith", ir.Lit(e.op, at=at), lt, rt)

    def visit_Not(self, e: M.Not, item: str | None) -> Operand:
        ov, ot = self.visit(e.operand, item)
        return self.compute(e, ir.Not(ov, at=self.at(e)), "r_not", ot)

    def visit_Compare(self, e: M.Compare, item: str | None) -> Operand:
        (lv, lt), (rv, rt) = self.visit(e.left, item), self.visit(e.right, item)
        at = self.at(e)
        return self.compute(e, ir.Compare(e.op, lv, rv, at=at), "r_compare", ir.Lit(e.op, at=at), lt, rt, HOLDS)

    def visit_Member(self, e: M.Member, item: str | None) -> Operand:
        ov, ot = self.visit(e.operand, item)
        at = self.at(e)
        labels = [e.operand.field.option_label(o) for o in e.values]
        return self.compute(e, ir.Member(ov, tuple(e.values), at=at), "r_member", ot, ir.Lit(labels, at=at), HOLDS)

    def visit_Cond(self, e: M.Cond, item: str | None) -> Operand:
        at = self.at(e)
        cv, ct = self.visit(e.cond, item)
        v, t = self.fresh()
        branches = []
        for branch in (e.then, e.otherwise):
            self.open_block()
            bv, bt = self.visit(branch, item)
            self.emit(ir.Compute(v, bv, ir.Explain(t, bt, at=at), at=at))
            branches.append(self.close_block())
        self.emit(ir.If(cv, branches[0], branches[1], at=at))
        self.emit(ir.Explain(t, ir.Render("r_cond", (ir.Var(t, at=at), ct), at=at), at=at))
        return ir.Var(v, at=at), ir.Var(t, at=at)

    def visit_Call(self, e: M.Call, item: str | None) -> Operand:
        args = [self.visit(a, item) for a in e.args]
        at = self.at(e)
        return self.compute(e, ir.Call(e.func, tuple(a[0] for a in args), at=at), "r_call", ir.Lit(e.func, at=at),
                            ir.Items(tuple(a[1] for a in args), at=at))

    def visit_Tiers(self, e: M.Tiers, item: str | None) -> Operand:
        sv, st = self.visit(e.subject, item)
        at = self.at(e)
        v, t = self.fresh()
        reached = self.fresh()[1]
        rows = tuple(ir.TierRow(r.threshold, r.award, r.threshold_text, r.award_text, at=at) for r in e.rows)
        text = ir.Render("r_tiers", (st, ir.Spread(reached, at=at), ir.Lit(e.rows[0].threshold_text, at=at)), at=at)
        self.emit(ir.Compute(v, ir.TierSelect(sv, rows, reached, at=at), ir.Explain(t, text, at=at), at=at))
        return ir.Var(v, at=at), ir.Var(t, at=at)

    def visit_Lookup(self, e: M.Lookup, item: str | None) -> Operand:
        sv, _ = self.visit(e.subject, item)
        at = self.at(e)
        v, t = self.fresh()
        arms = []
        for option, branch in e.choices:
            self.open_block()
            bv, bt = self.visit(branch, item)
            text = ir.Render("r_lookup", (bt, ir.Lit(e.field.label, at=at), ir.Lit(e.field.option_label(option), at=at)),
                             at=at)
            self.emit(ir.Compute(v, bv, ir.Explain(t, text, at=at), at=at))
            arms.append(ir.Arm(option, self.close_block(), at=at))
        self.emit(ir.Choose(sv, tuple(arms), at=at))
        return ir.Var(v, at=at), ir.Var(t, at=at)

    @staticmethod
    def shown(v: ir.Var, t: M.Type, at: ir.Origin) -> ir.Shown:
        return ir.Shown(v, t.kind if t.kind in ("bool", "date") else "num",
                        display_unit(t.dim) if t.kind not in ("bool", "date") else None, at=at)

    def ref(self, node) -> dict:
        """The static part of node's trace record (catalogue.step_refs)."""
        return catalogue.step_refs(self.p)[id(node)]

    def note(self, interp: M.Interpretation | None, at: ir.Origin) -> ir.Note | None:
        return ir.Note(catalogue.interpretation_entry(interp), at=at) if interp is not None else None

    def emit_note(self, interp: M.Interpretation | None, at: ir.Origin) -> None:
        if interp is not None:
            self.emit(self.note(interp, at))

    # ------------------------------------------------------------ rules
    def rules(self, rules, item: str | None) -> None:
        for rule in rules:
            at = self.at(rule)
            deps = catalogue.inputs_of(catalogue.rule_expr(rule)) if item is None and self.partial else frozenset()
            name = RULE_NAMES.get(type(rule), type(rule).__name__)  # an unknown rule is refused just below
            self.emit(ir.RuleMark(name, at=at))
            if deps:  # the calculator runs a rule only once its inputs are known
                self.open_block()
                self.visit(rule, item)
                self.emit(ir.Guard(tuple(sorted(deps)), "known", self.close_block(), at=at))
            else:
                self.visit(rule, item)

    def visit_Let(self, rule: M.Let, item: str | None) -> None:
        at = self.at(rule)
        v, t = self.visit(rule.expr, item)
        var = f"let_{len(self.let_vars) + 1}"
        self.let_vars[rule.name] = var
        self.emit(ir.Compute(var, v, at=at))
        self.emit_note(rule.interpretation, at)
        self.emit(ir.Step("let", (ir.Lit(rule.label, at=at), t, self.shown(ir.Var(var, at=at), rule.expr.type, at),
                                  ir.Var(var, at=at)), item is not None, self.ref(rule), at=at))

    def visit_Require(self, rule: M.Require, item: str | None) -> None:
        at = self.at(rule)
        v, t = self.visit(rule.cond, item)
        self.emit_note(rule.interpretation, at)
        self.emit(ir.Step("require", (v, t), item is not None, self.ref(rule), at=at))
        self.emit(ir.Require(v, ir.Reason("require", (ir.Lit(rule.reason, at=at), t), item is not None, at=at), at=at))

    def visit_Review(self, rule: M.Review, item: str | None) -> None:
        at = self.at(rule)
        v, t = self.visit(rule.cond, item)
        self.emit(ir.Step("review", (v, t), item is not None, self.ref(rule), at=at))
        self.emit(ir.Review(v, ir.Reason("review", (ir.Lit(rule.reason, at=at), t), item is not None, at=at),
                            self.note(rule.interpretation, at), at=at))

    # ------------------------------------------------------------ amounts
    # visit(amount, final, item) emits the amount and returns its outcome: the Var
    # it is computed into, or (a case's review or ineligible outcome) an ir.Outcome.
    def outcome_var(self) -> str:
        return f"outcome_{self.fresh()[0]}"

    def visit_Formula(self, amount: M.Formula, final: bool, item: str | None):
        at = self.at(amount)
        out = self.outcome_var()
        v, t = self.visit(amount.expr, item)
        self.emit_note(amount.interpretation, at)
        value = ir.Var(f"value_{v.name}" if isinstance(v, ir.Var) else "value_const", at=at)
        self.emit(ir.Compute(value.name, v, at=at))
        if amount.cap is None:
            self.emit(ir.Cap(value.name, v, None, None, at=at))
        else:
            lv, _ = self.visit(amount.cap.limit, item)
            self.emit_note(amount.cap.interpretation, at)
            if isinstance(amount.cap.limit, M.Const):  # shown once, at build time
                shown = ir.Lit(R.show_yuan(amount.cap.limit.value), at=at)
            else:
                shown = ir.Render("show_yuan", (lv,), at=at)
            self.emit(ir.Cap(value.name, v, lv, shown, at=at))
        taken = ir.Call("round_cents", (value,), at=at) if final else value
        self.emit(ir.Step("formula", (t, v, ir.Var("cap_shown", at=at), ir.Var("capped", at=at), taken),
                          item is not None, self.ref(amount), at=at))
        self.emit(ir.Pay(out, value, at=at))
        return ir.Var(out, at=at)

    def visit_Cases(self, amount: M.Cases, final: bool, item: str | None):
        at = self.at(amount)
        out = self.outcome_var()
        cases = []
        # A case's condition is computed only while no earlier case held, so
        # every earlier case's condition was computed too: what those read is
        # read already, for this condition and for this case's outcome.
        reads = self.scopes[-1]
        for case in amount.cases:
            cat = self.at(case)
            if case.cond is None:
                self.open_block(reads)
                self.emit(ir.Step("case", (ir.Lit(None, at=cat),), item is not None, self.ref(case), at=cat))
                self.emit(ir.SetOutcome(out, self.visit(case.outcome, final, item), at=cat))
                cases.append(ir.Case((), None, self.close_block(), at=cat))
                break
            self.open_block(reads)
            cv, ct = self.visit(case.cond, item)
            setup, reads = self.close_block_reads()
            self.open_block(reads)
            self.emit(ir.Step("case", (ct,), item is not None, self.ref(case), at=cat))
            self.emit(ir.SetOutcome(out, self.visit(case.outcome, final, item), at=cat))
            cases.append(ir.Case(setup, cv, self.close_block(), at=cat))
        self.emit(ir.FirstOf(out, tuple(cases), at=at))
        return ir.Var(out, at=at)

    def visit_ReviewOutcome(self, outcome: M.ReviewOutcome, final: bool, item: str | None):
        at = self.at(outcome)
        self.emit_note(outcome.interpretation, at)
        return ir.Outcome("review", (ir.Reason("plain", (ir.Lit(outcome.reason, at=at),), item is not None, at=at),),
                          at=at)

    def visit_IneligibleOutcome(self, outcome: M.IneligibleOutcome, final: bool, item: str | None):
        at = self.at(outcome)
        return ir.Outcome("ineligible",
                          (ir.Reason("plain", (ir.Lit(outcome.reason, at=at),), item is not None, at=at),), at=at)

    def visit_PerItem(self, amount: M.PerItem, final: bool, item: str | None):
        at = self.at(amount)
        out = self.outcome_var()
        self.open_block()  # one block for the item: what its rules read stays visible to its amount
        self.rules([r for r in amount.rules if not isinstance(r, M.Unique)], "item")
        rules = self.segment()
        for number, rule in enumerate(amount.rules):
            if isinstance(rule, M.Unique):
                rat = self.at(rule)
                kv, kt = self.visit(rule.key, "item")
                self.emit(ir.Unique(number, kv, kt, rule.reason, self.note(rule.interpretation, rat), self.ref(rule),
                                    at=rat))
        checks = self.segment()
        inner = self.visit(amount.amount, False, "item")
        amount_body = self.close_block()
        self.emit(ir.ForEach(out, amount.list_field, rules, checks, amount_body, inner.name,
                             final and amount.cap is None, self.ref(amount), at=at))
        if amount.cap is not None:
            return self.total_cap(amount.cap, ir.Var(out, at=at), final, item, at)
        return ir.Var(out, at=at)

    # --- caps on sums (#22) ---
    def visit_ItemSum(self, e: M.ItemSum, item: str | None) -> Operand:
        """令 x = 逐项 …: a ForEach (not final: the sum is a step's value), its certain amount."""
        at = self.at(e)
        out = self.outcome_var()
        self.open_block()
        self.rules(e.rules, "item")
        rules = self.segment()
        inner = self.visit(e.amount, False, "item")
        amount_body = self.close_block()
        self.emit(ir.ForEach(out, e.list_field, rules, (), amount_body, inner.name, False, self.ref(e), at=at))
        return self.compute(e, ir.Call("sum_of", (ir.Var(out, at=at),), at=at), "r_item_sum",
                            ir.Lit(e.list_field.label, at=at))

    def total_cap(self, cap: M.Cap, total: ir.Var, final: bool, item: str | None, at: ir.Origin) -> ir.Var:
        """合计最高不超过 after a ForEach: the sum's own cap, its note and step."""
        lv, _ = self.visit(cap.limit, item)
        if isinstance(cap.limit, M.Const):  # shown once, at build time
            shown = ir.Lit(R.show_yuan(cap.limit.value), at=at)
        else:
            shown = ir.Render("show_yuan", (lv,), at=at)
        out = self.outcome_var()
        self.emit(ir.TotalCap(out, total, lv, shown, final, self.note(cap.interpretation, at), self.ref(cap), at=at))
        return ir.Var(out, at=at)


# ---------------------------------------------------------------- unused explanations
def prune(statements: tuple) -> tuple:
    """statements without the explanations nothing shows: an Explain whose text no
    step, reason or other shown text uses (a form check's comparison, a
    lookup's subject) is dropped, and so are the texts only it used."""
    dead = _unused_texts(statements)
    if not dead:
        return statements
    return tuple(s for s in (_without(s, dead) for s in statements) if s is not None)


def _unused_texts(statements: tuple) -> set[str]:
    """The variables set by an Explain that nothing shown depends on (one pass and
    a reachability walk: linear, however long a chain of unused texts)."""
    needs: dict[str, set[str]] = {}  # text var -> the variables its definitions use
    shown: set[str] = set()  # variables used outside any Explain

    def names(node) -> set[str]:
        return {n.name for n in visitor.walk(node) if isinstance(n, (ir.Var, ir.Spread))}

    stack = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Explain):
            needs.setdefault(node.var, set()).update(names(node.text))
            continue
        if isinstance(node, (ir.Var, ir.Spread)):
            shown.add(node.name)
        stack.extend(visitor.children(node))
    live: set[str] = set()
    pending = [v for v in shown if v in needs]
    while pending:
        var = pending.pop()
        if var not in live:
            live.add(var)
            pending.extend(v for v in needs[var] if v in needs)
    return set(needs) - live


def _without(node, dead: set[str]):
    """node with the dead explanations removed (None: node itself is one)."""
    if isinstance(node, ir.Explain):
        return None if node.var in dead else node
    changes = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, ir.Explain) and value.var in dead:
            changes[f.name] = None
            if isinstance(node, ir.Compute) and isinstance(node.expr, ir.TierSelect):
                changes["expr"] = dataclasses.replace(node.expr, reached=None)
        elif isinstance(value, tuple) and value and all(isinstance(v, ir.Node) for v in value):
            changes[f.name] = tuple(c for c in (_without(v, dead) for v in value) if c is not None)
    return dataclasses.replace(node, **changes) if changes else node


def _interpretation_notes(programme: M.Programme) -> tuple[dict, ...]:
    notes: list[dict] = []
    for interp in (programme.applicant.interpretation, programme.funding_source.interpretation,
                   programme.payment_condition.interpretation, *(f.interpretation for f in programme.fields)):
        if interp is not None:
            entry = catalogue.interpretation_entry(interp)
            if entry not in notes:
                notes.append(entry)
    return tuple(notes)


def lower_programme(programme: M.Programme) -> ir.Programme:
    """One programme's three statement lists: rules and amount; rules on known
    inputs only (for the calculator); and the form's cross-field checks."""
    at = ir.Origin(int(programme.article), int(programme.span.line))
    start = ir.Start(_interpretation_notes(programme), at=at)

    full = _Lowering(programme)
    full.emit(start)
    full.rules(programme.rules, None)
    if any(isinstance(r, M.Require) for r in programme.rules):
        full.emit(ir.Stop(at=at))
    out = full.visit(programme.amount, True, None)
    full.emit(ir.Return(out, at=at))

    partial = _Lowering(programme, partial=True)
    partial.emit(start)
    partial.rules(programme.rules, None)
    partial.emit(ir.Return(None, at=at))

    checks = _Lowering(programme)
    for constraint in programme.constraints:
        cat = ir.Origin(int(programme.article), int(constraint.span.line))
        deps = tuple(sorted(catalogue.inputs_of(constraint.cond)))
        checks.open_block()
        v, _ = checks.visit(constraint.cond, None)
        checks.emit(ir.Constraint(v, constraint.path, constraint.message, at=cat))
        checks.emit(ir.Guard(deps, "values", checks.close_block(), at=cat))
    ranges, sums = lower_ranges(programme)
    return ir.Programme(programme.id, prune(full.statements()), prune(partial.statements()),
                        prune(checks.statements()), ranges, sums, at=at)


def lower(policy: M.Policy) -> tuple[ir.Programme, ...]:
    """Every programme of a checked policy, lowered, in declaration order."""
    return tuple(lower_programme(p) for p in policy.programmes)


# ---------------------------------------------------------------- range reasoning (the calculator, #13)
class _RangeLowering(_Lowering):
    """A programme's rules and amount for the calculator's range reasoning (ir.ItemRange):
    as for evaluate, every rule unguarded (the printer evaluates it over abstract
    values), except that a list's sum becomes an ItemRange."""

    def __init__(self, programme: M.Programme):
        super().__init__(programme)
        self.sums: list[tuple] = []

    def visit_PerItem(self, amount: M.PerItem, final: bool, item: str | None):
        from .ranges import sum_inputs  # the reference's rule for when a sum can be worked out alone

        at = self.at(amount)
        out = self.outcome_var()
        limit = None if amount.cap is None else self.visit(amount.cap.limit, item)[0]  # 合计最高不超过
        self.item_range(out, amount, sum_inputs(amount), lambda whole: whole.visit(amount, False, None), limit, False)
        return ir.Var(out, at=at)

    def visit_ItemSum(self, e: M.ItemSum, item: str | None) -> Operand:
        """令 x = 逐项 … (#22): the range of the sum's amount (its exact sum paid as one outcome)."""
        from .ranges import item_sum_inputs

        at = self.at(e)
        out = self.outcome_var()

        def whole_sum(whole: _Lowering) -> ir.Var:
            value, _ = whole.visit(e, None)
            paid = whole.outcome_var()
            whole.emit(ir.Pay(paid, value, at=at))
            return ir.Var(paid, at=at)

        self.item_range(out, e, item_sum_inputs(e), whole_sum, None, True)
        return ir.Var(out, at=at), ir.Lit(e.list_field.label, at=at)

    def item_range(self, out: str, node, inputs: frozenset | None, whole_sum, limit, total: bool) -> None:
        """An ItemRange into out for a list's sum node (PerItem or ItemSum): whole_sum(lowering) lowers
        the sum alone into the lowering and gives its outcome var (printed as an exact sums function)."""
        at = self.at(node)
        exact = None
        if inputs is not None:
            whole = _Lowering(self.p)  # on its own: reads nothing from the statements around it
            whole.emit(ir.Start((), at=at))
            whole.emit(ir.Return(whole_sum(whole), at=at))
            exact = len(self.sums)
            self.sums.append(prune(whole.statements()))
        self.open_block()
        for rule in node.rules:  # an item's named steps, over any item: its amount may use them (as ranges.py)
            if isinstance(rule, M.Let):
                self.visit(rule, "item")
        inner = self.visit(node.amount, False, "item")
        per_item = self.close_block()
        self.emit(ir.ItemRange(out, None if inputs is None else tuple(sorted(inputs)), exact, per_item, inner.name,
                               limit, total, at=at))


def lower_ranges(programme: M.Programme) -> tuple[tuple, tuple]:
    """A programme's statements for the range reasoning, and the list sums they compute exactly."""
    at = ir.Origin(int(programme.article), int(programme.span.line))
    low = _RangeLowering(programme)
    low.emit(ir.Start((), at=at))
    low.rules(programme.rules, None)
    if any(isinstance(r, M.Require) for r in programme.rules):
        low.emit(ir.Stop(at=at))
    low.emit(ir.Return(low.visit(programme.amount, True, None), at=at))
    return low.statements(), tuple(low.sums)


# ---------------------------------------------------------------- a readable listing (dump --stage ir)
class _Listing(visitor.Visitor):
    """The IR as indented pseudo-code, one statement a line, each with its
    article and source line; explanations on lines of their own, marked 说明."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def line(self, node, text: str) -> None:
        at = f"第{node.at.article}条 行{node.at.line}"
        self.lines.append(f"{at:<12}{'  ' * self.depth}{text}")

    def block(self, statements, header_node=None, header: str | None = None) -> None:
        if header is not None:
            self.line(header_node, header)
        self.depth += 1
        for s in statements:
            self.visit(s)
        self.depth -= 1

    # expressions and texts: their text
    def visit_Const(self, e: ir.Const) -> str:
        return repr(e.value) if isinstance(e.value, str) else str(e.value)

    def visit_Var(self, e: ir.Var) -> str:
        return e.name

    def visit_Arith(self, e) -> str:
        return f"({self.visit(e.left)} {e.op} {self.visit(e.right)})"

    visit_Compare = visit_Logic = visit_Arith

    def visit_Not(self, e: ir.Not) -> str:
        return f"非 {self.visit(e.operand)}"

    def visit_Member(self, e: ir.Member) -> str:
        return f"{self.visit(e.operand)} ∈ {{{', '.join(e.values)}}}"

    def visit_Call(self, e: ir.Call) -> str:
        return f"{e.func}({', '.join(self.visit(a) for a in e.args)})"

    def visit_TierSelect(self, e: ir.TierSelect) -> str:
        rows = "; ".join(f"≥{r.threshold} → {r.award}" for r in e.rows)
        return f"tiers({self.visit(e.subject)}: {rows})"

    def visit_Lit(self, e: ir.Lit) -> str:
        return repr(e.value)

    def visit_Spread(self, e: ir.Spread) -> str:
        return f"*{e.name}"

    def visit_Items(self, e: ir.Items) -> str:
        return f"[{', '.join(self.visit(a) for a in e.items)}]"

    def visit_Render(self, e: ir.Render) -> str:
        return f"{e.func}({', '.join(self.visit(a) for a in e.args)})"

    def visit_Shown(self, e: ir.Shown) -> str:
        return f"show_{e.kind}({self.visit(e.value)}{', ' + e.unit if e.unit else ''})"

    def visit_RefText(self, e: ir.RefText) -> str:
        return f"ref({e.field.name}, {self.visit(e.value)})"

    def visit_Reason(self, e: ir.Reason) -> str:
        return f"reason_{e.kind}({', '.join(self.visit(a) for a in e.args)}){' 逐项' if e.prefixed else ''}"

    def visit_Outcome(self, e: ir.Outcome) -> str:
        return f"{e.kind}[{', '.join(self.visit(r) for r in e.reasons)}]"

    # statements: their lines
    def explain(self, e: ir.Explain | None) -> None:
        if e is not None:
            self.visit(e)

    def visit_Explain(self, s: ir.Explain) -> None:
        self.line(s, f"说明 {s.var} = {self.visit(s.text)}")

    def visit_Start(self, s: ir.Start) -> None:
        self.line(s, "start")
        for entry in s.notes:
            self.line(s, f"  说明 note 解释（{entry['subject']}）：{entry['note']}")

    def visit_RuleMark(self, s: ir.RuleMark) -> None:
        self.line(s, f"# {s.name}")

    def visit_Read(self, s: ir.Read) -> None:
        self.line(s, f"{s.var} = read {s.source}.{s.field.name}")
        self.explain(s.explain)

    def visit_Compute(self, s: ir.Compute) -> None:
        self.line(s, f"{s.var} = {self.visit(s.expr)}")
        self.explain(s.explain)

    def visit_If(self, s: ir.If) -> None:
        self.block(s.then, s, f"if {self.visit(s.cond)}:")
        if s.otherwise is not None:
            self.block(s.otherwise, s, "else:")

    def visit_Choose(self, s: ir.Choose) -> None:
        self.line(s, f"choose {self.visit(s.subject)}:")
        self.depth += 1
        for arm in s.arms:
            self.block(arm.body, arm, f"option {arm.option!r}:")
        self.depth -= 1

    def visit_FirstOf(self, s: ir.FirstOf) -> None:
        self.line(s, f"{s.var} = first of:")
        self.depth += 1
        for case in s.cases:
            if case.setup:
                self.block(case.setup, case, "setup:")
            cond = "otherwise" if case.cond is None else f"when {self.visit(case.cond)}"
            self.block(case.body, case, f"{cond}:")
        self.depth -= 1

    def visit_Note(self, s: ir.Note) -> None:
        self.line(s, f"说明 note 解释（{s.entry['subject']}）：{s.entry['note']}")

    def visit_Step(self, s: ir.Step) -> None:
        self.line(s, f"说明 step_{s.kind}({', '.join(self.visit(a) for a in s.args)}){' 逐项' if s.prefixed else ''}")

    def visit_Require(self, s: ir.Require) -> None:
        self.line(s, f"require {self.visit(s.cond)} else {self.visit(s.reason)}")

    def visit_Review(self, s: ir.Review) -> None:
        self.line(s, f"review if {self.visit(s.cond)}: {self.visit(s.reason)}")
        if s.note is not None:
            self.depth += 1
            self.visit(s.note)
            self.depth -= 1

    def visit_Unique(self, s: ir.Unique) -> None:
        self.line(s, f"unique #{s.number} key {self.visit(s.key)} else review {s.reason!r}")

    def visit_Cap(self, s: ir.Cap) -> None:
        if s.limit is None:
            self.line(s, "cap_shown, capped = none, false")
        else:
            self.line(s, f"capped = {self.visit(s.amount)} > {self.visit(s.limit)}; {s.var} = min(…) "
                         f"(说明 cap_shown = {self.visit(s.shown)})")

    def visit_Pay(self, s: ir.Pay) -> None:
        self.line(s, f"{s.var} = pay {self.visit(s.amount)}")

    def visit_SetOutcome(self, s: ir.SetOutcome) -> None:
        self.line(s, f"{s.var} = {self.visit(s.value)}")

    def visit_ForEach(self, s: ir.ForEach) -> None:
        self.line(s, f"{s.var} = sum for each item of {s.field.name} ({'final' if s.final else 'partial'}):")
        self.depth += 1
        self.block(s.rules, s, "rules:")
        self.block(s.checks, s, "checks:")
        self.block(s.amount, s, f"amount -> {s.inner}:")
        self.depth -= 1

    def visit_Guard(self, s: ir.Guard) -> None:
        self.block(s.body, s, f"when {s.known} has {', '.join(s.inputs)}:")

    def visit_TotalCap(self, s: ir.TotalCap) -> None:
        self.line(s, f"{s.var} = {self.visit(s.total)} with its sum (pending included) capped at {self.visit(s.limit)} "
                     f"({'final' if s.final else 'partial'}; 说明 cap_shown = {self.visit(s.shown)})")

    def visit_Constraint(self, s: ir.Constraint) -> None:
        self.line(s, f"constraint {self.visit(s.cond)} else {s.path}: {s.message}")

    def visit_Stop(self, s: ir.Stop) -> None:
        self.line(s, "stop if failed")

    def visit_Return(self, s: ir.Return) -> None:
        self.line(s, f"return {'-' if s.outcome is None else self.visit(s.outcome)}")

    def visit_Programme(self, p: ir.Programme) -> None:
        self.line(p, f"programme {p.id}")
        self.depth += 1
        for name in ("rules", "partial", "constraints"):
            self.block(getattr(p, name), p, f"{name}:")
        self.depth -= 1


def listing(programmes: tuple[ir.Programme, ...]) -> str:
    """The lowered programmes as readable pseudo-code (`yeji-policy dump --stage ir`)."""
    out = _Listing()
    for p in programmes:
        out.visit(p)
    return "\n".join(out.lines)
