"""Python backend: the checked model -> one standalone evaluator module.

Rule bodies are lowered by lower.py (the IR, ir.py) and printed as
straight-line Python by `_Printer`, which decides nothing; the module
around them comes from templates/python_module.py.j2, and runtime.py is
copied in verbatim so the module imports only the standard library.

Safety: no policy text is ever pasted into code.  Every string, number and
structure goes through `repr` (`_lit`); the only names derived from the
policy are programme ids, which the grammar restricts to ASCII identifiers
and which are checked again here before use as a suffix.
"""

from __future__ import annotations

import re
from decimal import Decimal
from importlib import resources

import jinja2

from .. import catalogue, cross_runtime, ir, layout, lower, versions, visitor
from .. import model as M

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # fullmatch: "$" would allow a final newline
_CMP = {">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "==", "!=": "!="}


def _lit(value) -> str:
    """A Python literal for value; Decimals as D('…')."""
    if isinstance(value, Decimal):
        return f"D({format(value, 'f')!r})"
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_lit(v) for v in value)
        return f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else (
            f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def _ident(pid: str) -> str:
    if not _IDENT.fullmatch(pid):
        raise ValueError(f"unsafe programme id {pid!r}")
    return pid


class _Constants:
    """Decimal constants hoisted to module level, named in order of first use."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def name(self, value: Decimal) -> str:
        return self.literal(f"D({format(value, 'f')!r})")

    def literal(self, code: str) -> str:
        """A module-level name for a constant expression (already rendered through _lit)."""
        if code not in self.names:
            self.names[code] = f"_K{len(self.names) + 1}"
        return self.names[code]

    def definitions(self) -> list[str]:
        return [f"{name} = {code}" for code, name in self.names.items()]


_ARITH = {"+": "add", "-": "sub", "×": "mul"}
_LOGIC = {"且": "and", "或": "or"}
_CALLS = {"min": "min", "max": "max", "months": "months_between", "overlap_months": "overlap_months",
          "round_cents": "round_cents", "add": "add", "sum_of": "sum_of"}
_RENDER = re.compile(r"r_[a-z_]+|show_yuan")  # runtime functions that build explanation texts
_KIND = re.compile(r"[a-z_]+")  # step_<kind>, reason_<kind>


class _Printer(visitor.Visitor):
    """Prints one IR statement list as the body of a Python function: one visit_
    method per IR node.  Expressions return their code; statements emit lines."""

    def __init__(self, constants: _Constants):
        self.constants = constants
        self.lines: list[str] = []
        self.depth = 1
        self.in_item = False  # inside a ForEach: requirements and reviews go to the item's lists

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def body(self, statements) -> None:
        for stmt in statements:
            self.visit(stmt)

    def block(self, statements) -> None:
        self.depth += 1
        self.body(statements)
        self.depth -= 1

    # ------------------------------------------------------------ expressions
    def visit_Const(self, e: ir.Const) -> str:
        if isinstance(e.value, Decimal):
            return self.constants.name(e.value)
        return _lit(e.value)

    def visit_Var(self, e: ir.Var) -> str:
        return _ident(e.name)

    def visit_Arith(self, e: ir.Arith) -> str:
        if e.op == "÷":  # a constant divisor divides exactly; any other gives a ratio (#22 ratio, check/ratio.py)
            return f"{'div' if isinstance(e.right, ir.Const) else 'ratio'}({self.visit(e.left)}, {self.visit(e.right)})"
        return f"{_ARITH[e.op]}({self.visit(e.left)}, {self.visit(e.right)})"

    def visit_Logic(self, e: ir.Logic) -> str:
        return f"{self.visit(e.left)} {_LOGIC[e.op]} {self.visit(e.right)}"

    def visit_Not(self, e: ir.Not) -> str:
        return f"not {self.visit(e.operand)}"

    def visit_Compare(self, e: ir.Compare) -> str:
        return f"{self.visit(e.left)} {_CMP[e.op]} {self.visit(e.right)}"

    def visit_Member(self, e: ir.Member) -> str:
        return f"{self.visit(e.operand)} in {_lit(tuple(e.values))}"

    def visit_Call(self, e: ir.Call) -> str:
        return f"{_CALLS[e.func]}({', '.join(self.visit(a) for a in e.args)})"

    # ------------------------------------------------------------ explanation texts
    def visit_Lit(self, e: ir.Lit) -> str:
        return _lit(e.value)

    def visit_Spread(self, e: ir.Spread) -> str:
        return f"*{_ident(e.name)}"

    def visit_Items(self, e: ir.Items) -> str:
        return f"[{', '.join(self.visit(a) for a in e.items)}]"

    def visit_Render(self, e: ir.Render) -> str:
        if not _RENDER.fullmatch(e.func):
            raise ValueError(f"not an explanation function: {e.func!r}")
        return f"{e.func}({', '.join(self.visit(a) for a in e.args)})"

    def visit_Shown(self, e: ir.Shown) -> str:
        v = self.visit(e.value)
        if e.kind == "bool":
            return f"show_bool({v})"
        if e.kind == "date":
            return f"{v}.isoformat()"
        return f"show_number({v}, {_lit(e.unit)})"

    def visit_RefText(self, e: ir.RefText) -> str:
        """runtime.show_ref(label, v, kind, unit, options), specialised to the field."""
        f, v = e.field, self.visit(e.value)
        label = f.label
        if f.kind == "bool":
            return f"({_lit(label + '（是）')} if {v} else {_lit(label + '（否）')})"
        if f.kind == "enum":
            table = {option: f"{label}（{text}）" for option, text in f.options}
            return f"{self.constants.literal(_lit(table))}[{v}]"
        if f.kind == "date":
            return f"{_lit(label + ' ')} + {v}.isoformat()"
        if f.kind == "text":
            return f"{_lit(label + ' “')} + {v} + {_lit('”')}"
        if f.unit == "元":
            return f"{_lit(label + ' ')} + show_yuan({v})"
        if f.unit:
            return f"{_lit(label + ' ')} + group({v}) + {_lit(' ' + f.unit)}"
        return f"{_lit(label + ' ')} + show_number({v}, None)"

    def call(self, family: str, node) -> str:
        """family_<kind>(*args, article) (family: step or reason), after the item's prefix if node.prefixed."""
        if not _KIND.fullmatch(node.kind):
            raise ValueError(f"not a step or reason kind: {node.kind!r}")
        args = "".join(f"{self.visit(a)}, " for a in node.args)
        return f"{'prefix + ' if node.prefixed else ''}{family}_{node.kind}({args}{int(node.at.article)})"

    def visit_Reason(self, e: ir.Reason) -> str:
        return self.call("reason", e)

    def visit_Outcome(self, e: ir.Outcome) -> str:
        reasons = ", ".join(self.visit(r) for r in e.reasons)
        return f"Outcome({_lit(e.kind)}, None, None, [{reasons}])"

    # ------------------------------------------------------------ statements
    def visit_Start(self, s: ir.Start) -> None:
        self.emit(f"steps, failed, reviews, notes = [], [], [], {_lit(list(s.notes))}")

    def visit_RuleMark(self, s: ir.RuleMark) -> None:
        self.emit(f"# 第{int(s.at.article)}条 {s.name}（源文件第{int(s.at.line)}行）")

    def visit_Explain(self, s: ir.Explain) -> None:
        self.emit(f"{_ident(s.var)} = {self.visit(s.text)}")

    def visit_Read(self, s: ir.Read) -> None:
        source = {"values": "values", "item": "item"}[s.source]
        self.emit(f"{_ident(s.var)} = {source}[{_lit(s.field.name)}]")
        if s.explain is not None:
            self.visit(s.explain)

    def visit_Compute(self, s: ir.Compute) -> None:
        var = _ident(s.var)
        if isinstance(s.expr, ir.TierSelect):
            self.tiers(var, s.expr)
        elif s.explain is not None and isinstance(s.expr, (ir.Var, ir.Const)):
            # a copy with its explanation (a branch's result): one tuple assignment
            self.emit(f"{var}, {_ident(s.explain.var)} = {self.visit(s.expr)}, {self.visit(s.explain.text)}")
            return
        else:
            self.emit(f"{var} = {self.visit(s.expr)}")
        if s.explain is not None:
            self.visit(s.explain)

    def tiers(self, var: str, e: ir.TierSelect) -> None:
        # Thresholds rise: the last one reached is the award.  One `if` per row,
        # not an elif chain, which CPython compiles recursively (a few
        # thousand rows would exhaust its recursion limit).
        subject = self.visit(e.subject)
        if e.reached is None:
            self.emit(f"{var} = ZERO")
        else:
            self.emit(f"{var}, {_ident(e.reached)} = ZERO, (None, None)")
        for row in e.rows:
            self.emit(f"if {subject} >= {self.constants.name(row.threshold)}:")
            award = self.constants.name(row.award)
            if e.reached is None:
                self.emit(f"    {var} = {award}")
            else:
                self.emit(f"    {var}, {_ident(e.reached)} = {award}, {_lit((row.threshold_text, row.award_text))}")

    def visit_If(self, s: ir.If) -> None:
        self.emit(f"if {self.visit(s.cond)}:")
        self.block(s.then)
        if s.otherwise is not None:
            self.emit("else:")
            self.block(s.otherwise)

    def visit_Choose(self, s: ir.Choose) -> None:
        subject = self.visit(s.subject)
        # One `if` per option (the form admits exactly one of them), not an elif chain.
        for arm in s.arms:
            self.emit(f"if {subject} == {_lit(arm.option)}:")
            self.block(arm.body)

    def visit_Note(self, s: ir.Note) -> None:
        self.emit(f"add_note(notes, {_lit(s.entry)})")

    def trace_ref(self, ref: dict) -> str:
        """The module-level constant holding a trace record's static part."""
        return self.constants.literal(_lit(ref))

    def visit_Step(self, s: ir.Step) -> None:
        if not _KIND.fullmatch(s.kind):
            raise ValueError(f"not a step kind: {s.kind!r}")
        where = "item, index, prefix" if s.prefixed else "None, None, ''"
        args = "".join(f"{self.visit(a)}, " for a in s.args)
        self.emit(f"steps.append(trace_{s.kind}({self.trace_ref(s.ref)}, values, {where}, {args}{int(s.at.article)}))")

    def visit_Require(self, s: ir.Require) -> None:
        failed = "item_failed" if self.in_item else "failed"
        self.emit(f"if not {self.visit(s.cond)}:")
        self.emit(f"    {failed}.append({self.visit(s.reason)})")

    def visit_Review(self, s: ir.Review) -> None:
        reviews = "item_reviews" if self.in_item else "reviews"
        self.emit(f"if {self.visit(s.cond)}:")
        self.depth += 1
        if s.note is not None:
            self.visit(s.note)
        self.emit(f"{reviews}.append({self.visit(s.reason)})")
        self.depth -= 1

    def visit_Guard(self, s: ir.Guard) -> None:
        if s.known == "known":
            self.emit(f"if known.issuperset({_lit(tuple(s.inputs))}):")
        else:
            self.emit(f"if {_ident(s.known)}.keys() >= set({_lit(tuple(s.inputs))}):")
        self.block(s.body)

    def visit_Constraint(self, s: ir.Constraint) -> None:
        self.emit(f"if not {self.visit(s.cond)}:")
        self.emit(f"    errors.append({_lit({'path': s.path, 'message': s.message})})")

    def visit_Cap(self, s: ir.Cap) -> None:
        if s.limit is None:
            self.emit("cap_shown = capped = None")
            return
        limit = self.visit(s.limit)
        self.emit(f"cap_shown = {self.visit(s.shown)}")
        self.emit(f"capped = {self.visit(s.amount)} > {limit}")
        self.emit("if capped:")
        self.emit(f"    {_ident(s.var)} = {limit}")

    def visit_Pay(self, s: ir.Pay) -> None:
        self.emit(f"{_ident(s.var)} = Outcome('pay', {self.visit(s.amount)}, ZERO, [])")

    def visit_SetOutcome(self, s: ir.SetOutcome) -> None:
        self.emit(f"{_ident(s.var)} = {self.visit(s.value)}")

    def visit_FirstOf(self, s: ir.FirstOf) -> None:
        # The cases side by side, each run while no earlier one held (the
        # outcome is still None): the depth of the code does not grow with
        # their number, as an else-if ladder's would (Python allows 100 levels).
        out = _ident(s.var)
        self.emit(f"{out} = None")
        for case in s.cases:
            if case.cond is None:
                self.emit(f"if {out} is None:")
                self.block(case.body)
                continue
            if case.setup:  # a condition already computed needs no guard
                self.emit(f"if {out} is None:")
                self.block(case.setup)
            self.emit(f"if {out} is None and {self.visit(case.cond)}:")  # computed just above
            self.block(case.body)

    def visit_Unique(self, s: ir.Unique) -> None:
        key, text, number = self.visit(s.key), self.visit(s.key_text), int(s.number)
        a = int(s.at.article)
        self.emit(f"if ({number}, {key}) in first_by_key:")
        self.depth += 1
        if s.note is not None:
            self.visit(s.note)
        self.emit(f"steps.append(trace_unique({self.trace_ref(s.ref)}, values, item, index, prefix, {_lit(s.reason)}, "
                  f"{text}, first_by_key[{number}, {key}], {a}))")
        self.emit(f"item_reviews.append(prefix + reason_review({_lit(s.reason)}, {text}, {a}))")
        self.depth -= 1
        self.emit("else:")
        self.emit(f"    first_by_key[{number}, {key}] = index")

    def visit_ForEach(self, s: ir.ForEach) -> None:
        inner, a = _ident(s.inner), int(s.at.article)
        self.emit("counted = pending = ZERO")
        self.emit("excluded, item_reviews_all, first_by_key = [], [], {}")
        self.emit(f"for index, item in enumerate(values[{_lit(s.field.name)}]):")
        self.depth += 1
        outer, self.in_item = self.in_item, True
        self.emit(f"prefix = item_prefix({_lit(s.field.label)}, index)")
        self.emit("item_failed, item_reviews = [], []")
        self.body(s.rules)
        self.emit("if item_failed:")
        self.emit("    excluded.extend(item_failed)")
        self.emit("    continue")
        self.body(s.checks)
        self.body(s.amount)
        self.emit(f"if {inner}.kind != 'pay':")
        self.emit(f"    item_reviews.extend({inner}.reasons)")
        self.emit("    continue")
        self.emit("if item_reviews:")
        self.emit("    item_reviews_all.extend(item_reviews)")
        self.emit(f"    pending = add(pending, {inner}.amount)")
        self.emit("else:")
        self.emit(f"    counted = add(counted, {inner}.amount)")
        self.in_item = outer
        self.depth -= 1
        total = "round_cents(counted)" if s.final else "counted"
        self.emit(f"steps.append(trace_item_total({self.trace_ref(s.ref)}, values, None, None, '', counted, pending, "
                  f"{total}, {a}))")
        self.emit(f"{_ident(s.var)} = Outcome('partial', counted, pending, item_reviews_all) if item_reviews_all else "
                  f"Outcome('pay', counted, ZERO, excluded)")

    # --- caps on sums (#22) ---
    def visit_TotalCap(self, s: ir.TotalCap) -> None:
        total, limit, a = _ident(s.total.name), self.visit(s.limit), int(s.at.article)
        if s.note is not None:
            self.visit(s.note)
        self.emit(f"cap_shown = {self.visit(s.shown)}")
        self.emit(f"whole = add({total}.amount, {total}.pending)")
        self.emit(f"capped = whole > {limit}")
        self.emit("if capped:")
        self.emit(f"    certain = min({total}.amount, {limit})")
        self.emit(f"    {total} = Outcome({total}.kind, certain, sub({limit}, certain), {total}.reasons)")
        taken = f"round_cents({total}.amount)" if s.final else f"{total}.amount"
        self.emit(f"steps.append(trace_total_cap({self.trace_ref(s.ref)}, values, None, None, '', whole, cap_shown, "
                  f"capped, {total}.pending, {taken}, {a}))")
        self.emit(f"{_ident(s.var)} = {total}")

    def visit_Stop(self, s: ir.Stop) -> None:
        self.emit("if failed:")
        self.emit("    return steps, failed, reviews, Outcome('ineligible', None, None, []), notes")

    def visit_Return(self, s: ir.Return) -> None:
        outcome = "None" if s.outcome is None else self.visit(s.outcome)
        self.emit(f"return steps, failed, reviews, {outcome}, notes")


# ---------------------------------------------------------------- range reasoning (the calculator, #13)
def _range_of(f: M.Field):
    """The abstract value of an unanswered input: what its form allows (as ranges.field_range)."""
    if f.kind in ("money", "number", "int"):
        return f"Interval({_lit(f.minimum if f.minimum is not None else Decimal(0))}, INF)"
    if f.kind == "bool":
        return "YES_OR_NO"
    if f.kind == "enum":
        return f"frozenset({_lit(tuple(o for o, _ in f.options))})"
    return "RANGE_ANY"


def _assigned(statements) -> set[str]:
    """The variables a block's own statements compute (not those of blocks inside it)."""
    return {s.var for s in statements if isinstance(s, ir.Compute)}


class _RangePrinter(visitor.Visitor):
    """Prints a programme's `ranges` statements as a function over abstract values
    (runtime.range_*): values become ranges, rules the lists `fails` (whether each
    requirement can fail) and `reviews` (whether each review can hold), the amount
    the list of (kind, range) outcomes it can have.  Explanations are dropped.
    sums: the names of the functions computing the programme's list sums exactly."""

    def __init__(self, constants: _Constants, sums: list[str]):
        self.constants = constants
        self.sums = sums
        self.lines: list[str] = []
        self.depth = 1

    emit, body, block = _Printer.emit, _Printer.body, _Printer.block

    # ------------------------------------------------------------ expressions: their range
    def visit_Const(self, e: ir.Const) -> str:
        if isinstance(e.value, Decimal):
            return self.constants.literal(f"Interval({_lit(e.value)}, {_lit(e.value)})")
        return self.constants.literal(f"frozenset(({_lit(e.value)},))")

    def visit_Var(self, e: ir.Var) -> str:
        return _ident(e.name)

    def visit_Arith(self, e: ir.Arith) -> str:
        return f"range_arith({_lit(e.op)}, {self.visit(e.left)}, {self.visit(e.right)})"

    def visit_Logic(self, e: ir.Logic) -> str:
        return f"range_logic({_lit(e.op)}, {self.visit(e.left)}, {self.visit(e.right)})"

    def visit_Not(self, e: ir.Not) -> str:
        return f"range_not({self.visit(e.operand)})"

    def visit_Compare(self, e: ir.Compare) -> str:
        return f"range_compare({_lit(e.op)}, {self.visit(e.left)}, {self.visit(e.right)})"

    def visit_Member(self, e: ir.Member) -> str:
        return f"range_member({self.visit(e.operand)}, {_lit(tuple(e.values))})"

    def visit_Call(self, e: ir.Call) -> str:
        if e.func not in ("min", "max", "months", "overlap_months"):
            raise ValueError(f"no range for {e.func!r}")
        return f"range_call({_lit(e.func)}, {', '.join(self.visit(a) for a in e.args)})"

    def visit_TierSelect(self, e: ir.TierSelect) -> str:
        thresholds = self.constants.literal(_lit(tuple(r.threshold for r in e.rows)))
        awards = self.constants.literal(_lit(tuple(r.award for r in e.rows)))
        return f"range_tiers({self.visit(e.subject)}, {thresholds}, {awards})"

    # ------------------------------------------------------------ statements
    def visit_Start(self, s: ir.Start) -> None:
        self.emit("fails, reviews = [], []")

    def visit_RuleMark(self, s: ir.RuleMark) -> None:
        self.emit(f"# 第{int(s.at.article)}条 {s.name}（源文件第{int(s.at.line)}行）")

    def visit_Explain(self, s) -> None:
        pass  # explanations are not reasoned about

    visit_Step = visit_Note = visit_Explain

    def visit_Read(self, s: ir.Read) -> None:
        unknown = self.constants.literal(_range_of(s.field))
        if s.source == "item":  # only an unanswered list's items are read here: any item
            self.emit(f"{_ident(s.var)} = {unknown}")
        else:
            self.emit(f"{_ident(s.var)} = range_value(values, {_lit(s.field.name)}, {unknown})")

    def visit_Compute(self, s: ir.Compute) -> None:
        self.emit(f"{_ident(s.var)} = {self.visit(s.expr)}")

    def branches(self, arms: list[tuple[str, tuple]]) -> None:
        """Run each (condition, block) whose condition may hold; a variable every block
        computes takes the join of what they gave it (a phi over ranges)."""
        joined = sorted(set.intersection(*(_assigned(block) for _, block in arms)))
        for var in joined:
            self.emit(f"{_ident(var)}_all = []")
        for cond, block in arms:
            self.emit(f"if {cond}:")
            self.block(block)
            for var in joined:
                self.emit(f"    {_ident(var)}_all.append({_ident(var)})")
        for var in joined:
            self.emit(f"{_ident(var)} = range_join({_ident(var)}_all)")

    def visit_If(self, s: ir.If) -> None:
        cond = self.visit(s.cond)
        arms = [(f"True in {cond}", s.then)]
        if s.otherwise is not None:
            arms.append((f"False in {cond}", s.otherwise))
        self.branches(arms)

    def visit_Choose(self, s: ir.Choose) -> None:
        subject = self.visit(s.subject)
        self.branches([(f"{_lit(arm.option)} in {subject}", arm.body) for arm in s.arms])

    def visit_FirstOf(self, s: ir.FirstOf) -> None:
        # Every case that can hold adds its outcomes; the cases after one that surely holds cannot be reached.
        out = _ident(s.var)
        self.emit(f"{out}, {out}_open = [], True")
        for case in s.cases:
            self.emit(f"if {out}_open:")
            self.depth += 1
            self.body(case.setup)
            if case.cond is None:
                self.body(case.body)
                self.emit(f"{out}_open = False")
            else:
                cond = self.visit(case.cond)
                self.emit(f"if True in {cond}:")
                self.block(case.body)
                self.emit(f"if False not in {cond}:")
                self.emit(f"    {out}_open = False")
            self.depth -= 1

    def visit_SetOutcome(self, s: ir.SetOutcome) -> None:
        if isinstance(s.value, ir.Outcome):
            self.emit(f"{_ident(s.var)}.append(({_lit(s.value.kind)}, None))")
        else:
            self.emit(f"{_ident(s.var)}.extend({self.visit(s.value)})")

    def visit_Require(self, s: ir.Require) -> None:
        self.emit(f"fails.append(range_not({self.visit(s.cond)}))")

    def visit_Review(self, s: ir.Review) -> None:
        self.emit(f"reviews.append({self.visit(s.cond)})")

    def visit_Cap(self, s: ir.Cap) -> None:
        if s.limit is not None:
            self.emit(f"{_ident(s.var)} = range_cap({_ident(s.var)}, {self.visit(s.limit)})")

    def visit_Pay(self, s: ir.Pay) -> None:
        self.emit(f"{_ident(s.var)} = [('pay', {self.visit(s.amount)})]")

    def visit_ItemRange(self, s: ir.ItemRange) -> None:
        var = _ident(s.var)
        if s.inputs is not None:
            inputs = self.constants.literal(f"frozenset({_lit(tuple(s.inputs))})")
            self.emit(f"if values.keys() >= {inputs}:")
            self.emit(f"    {var} = range_items_exact({_ident(self.sums[s.exact])}(values)[3])")
            self.emit("else:")
            self.depth += 1
        self.body(s.per_item)
        self.emit(f"{var} = range_items_unknown({_ident(s.inner)})")
        if s.limit is not None:  # 合计最高不超过 (#22)
            self.emit(f"{var} = range_items_capped({var}, {self.visit(s.limit)})")
        if s.inputs is not None:
            self.depth -= 1
        if s.total:  # 令 x = 逐项 … (#22): the sum's amount
            self.emit(f"{var} = range_items_value({var})")

    def visit_Stop(self, s: ir.Stop) -> None:
        self.emit("if YES in fails:")
        self.emit("    return fails, reviews, []")

    def visit_Return(self, s: ir.Return) -> None:
        self.emit(f"return fails, reviews, {'[]' if s.outcome is None else self.visit(s.outcome)}")


def _range_bodies(programme: ir.Programme, constants: _Constants) -> tuple[str, list[tuple[str, str]]]:
    """The body of a programme's _ranges_ function, and its exact list sums as (name, body)."""
    names = [f"_sum_{_ident(programme.id)}_{n + 1}" for n in range(len(programme.sums))]
    sums = []
    for name, statements in zip(names, programme.sums):
        printer = _Printer(constants)
        printer.body(statements)
        sums.append((name, "\n".join(printer.lines)))
    printer = _RangePrinter(constants, names)
    printer.body(programme.ranges)
    return "\n".join(printer.lines), sums


def _programme_bodies(programme: ir.Programme, constants: _Constants) -> tuple[str, str, str]:
    """The bodies of one programme's three functions, printed from its IR."""
    bodies = []
    for statements in (programme.rules, programme.partial, programme.constraints):
        printer = _Printer(constants)
        printer.body(statements)
        bodies.append("\n".join(printer.lines))
    return bodies[0], bodies[1], bodies[2]


def _validator_body(programme: M.Programme, constants: _Constants) -> str:
    """The form check: a plainly valid application goes field by field through
    runtime's plain_* checks; anything else (or any list) gets validate_object,
    which finds and words every problem."""
    full = f"return validate_object(PROGRAMMES[{_lit(programme.id)}]['inputs'], application, '', errors)"
    if any(f.kind == "list" for f in programme.fields):
        return "    " + full
    names = tuple(f.name for f in programme.fields)
    required = tuple(f.name for f in programme.fields if f.default is None)
    lines = [
        "    if type(application) is dict:",
        "        try:",
        f"            if {constants.literal(f'frozenset({_lit(names)})')} >= application.keys() >= "
        f"{constants.literal(f'frozenset({_lit(required)})')}:",
        "                return {",
    ]
    for f in programme.fields:
        read = (f"application[{_lit(f.name)}]" if f.default is None
                else f"application.get({_lit(f.name)}, {constants.name(f.default)})")
        lines.append(f"                    {_lit(f.name)}: {_plain_check(f, read, constants)},")
    # NotPlain; or a key whose own __eq__ or __hash__ raises, which the full check reads as plain text
    lines += ["                }", "        except Exception:", "            pass", "    " + full]
    return "\n".join(lines)


def _plain_check(f: M.Field, read: str, constants: _Constants) -> str:
    if f.kind == "money":
        return f"plain_money({read})"
    if f.kind == "int" and f.step is None and f.minimum is None:
        return f"plain_int({read})"
    if f.kind in ("int", "number"):
        step = constants.name(f.step) if f.step is not None else "None"
        minimum = constants.name(f.minimum) if f.minimum is not None else "None"
        check = f"plain_number({read}, {step}, {minimum})"
        return f"plain_int_value({check})" if f.kind == "int" else check
    if f.kind == "bool":
        return f"plain_bool({read})"
    if f.kind == "enum":
        options = constants.literal(f"frozenset({_lit(tuple(o for o, _ in f.options))})")
        return f"plain_option({read}, {options})"
    if f.kind == "date":
        return f"plain_date({read})"
    return f"plain_text({read})"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("yeji_policy", "backends/templates"),
        autoescape=False,  # Python source: every value is rendered through _lit, never raw
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def runtime_source() -> str:
    return resources.files("yeji_policy").joinpath("runtime.py").read_text(encoding="utf-8")


def cross_source() -> str:
    """cross_runtime.py below its marker: the rules across programmes (#22), for a policy that has them."""
    text = resources.files("yeji_policy").joinpath("cross_runtime.py").read_text(encoding="utf-8")
    return text.split("# ---- copied into the generated module from here\n", 1)[1]


def module_name(policy: M.Policy) -> str:
    return _ident(policy.id)


def generate(policy: M.Policy) -> dict[str, bytes]:
    programmes = []
    constants = _Constants()
    lowered_all = lower.lower(policy)
    for p, lowered in zip(policy.programmes, lowered_all):
        rules_body, partial_body, constraints_body = _programme_bodies(lowered, constants)
        programmes.append({
            "ident": _ident(p.id),
            "id_lit": _lit(p.id),
            "article": int(p.article),
            "line": int(p.span.line),
            "rules_body": rules_body,
            "partial_body": partial_body,
            "validator_body": _validator_body(p, constants),
            "has_constraints": bool(p.constraints),
            "constraints_body": constraints_body,
        })
    for entry, lowered in zip(programmes, lowered_all):  # after the rest: their constants keep their names
        entry["ranges_body"], entry["sums"] = _range_bodies(lowered, constants)
    metas = {p.id: catalogue.programme_meta(p) for p in policy.programmes}
    text = _environment().get_template("python_module.py.j2").render(
        module_name=module_name(policy),
        policy_lit=_lit(dict(catalogue.policy_meta(policy), in_force=versions.period_data(policy))),
        content_hash=policy.content_hash if re.fullmatch(r"[0-9a-f]{64}", policy.content_hash) else "",
        runtime=runtime_source(),
        programmes=programmes,
        programmes_lit=_pretty(metas),
        constants=constants.definitions(),
        cross=cross_source() if policy.cross else None,  # rules across programmes (#22)
        cross_lit=_pretty(cross_runtime.table(policy)) if policy.cross else None,
    )
    return {layout.module(module_name(policy)): text.encode("utf-8")}


def _pretty(value, indent: int = 0) -> str:
    """A readable multi-line literal (dicts and lists broken per item)."""
    pad = "    " * (indent + 1)
    end = "    " * indent
    if isinstance(value, dict) and value:
        items = ",\n".join(f"{pad}{_lit(k)}: {_pretty(v, indent + 1)}" for k, v in value.items())
        return "{\n" + items + ",\n" + end + "}"
    if isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        items = ",\n".join(f"{pad}{_pretty(v, indent + 1)}" for v in value)
        return "[\n" + items + ",\n" + end + "]"
    return _lit(value)
