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

import ast
import datetime
import re
from decimal import Decimal
from importlib import resources

import jinja2

from .. import catalogue, cross_runtime, ir, layout, lower, versions, visitor
from .. import model as M
from .. import runtime as R

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
    if isinstance(value, datetime.date):  # a date in a rule (#22): three integers
        return f"datetime.date({value.year!r}, {value.month!r}, {value.day!r})"
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


# Straight on the exact context's bound methods (runtime.add/sub/mul do the same through one more call).
_ARITH = {"+": "exact_add", "-": "exact_sub", "×": "exact_mul"}
# A programme that divides by a value that is not a constant carries exact fractions (#22 ratio):
# runtime.add/sub/mul, which take a Fraction where the bound methods would raise TypeError.
_ARITH_FRACTIONS = {"+": "add", "-": "sub", "×": "mul"}


def _carries_fractions(programme: ir.Programme) -> bool:
    return any(type(n) is ir.Arith and n.op == "÷" and not isinstance(n.right, ir.Const)
               for n in visitor.walk(programme))
_LOGIC = {"且": "and", "或": "or"}
_CALLS = {"min": "min", "max": "max", "months": "months_between", "overlap_months": "overlap_months",
          "round_cents": "round_cents", "add": "add", "sum_of": "sum_of",
          # dates in rules (#22)
          "days": "days_between", "year": "year_of", "full_months": "full_months", "full_days": "full_days",
          "year_index": "year_index"}
_RENDER = re.compile(r"r_[a-z_]+|show_yuan")  # runtime functions that build explanation texts
_KIND = re.compile(r"[a-z_]+")  # step_<kind>, reason_<kind>


# ---------------------------------------------------------------- texts specialised at build time
# A runtime text function that only splices its text arguments between fixed
# pieces (given its other arguments) is printed as that concatenation: its
# pieces are found by calling the function itself with markers in place of
# the texts, so its wording still lives in runtime.py alone.  A function that
# looks at its texts (r_not, r_call, r_tiers, step_formula) keeps its call.
_MARKS = tuple(chr(0xE000 + i) for i in range(4))  # private-use characters: in no runtime wording
_SPLICED_RENDERS = {"r_arith": 1, "r_compare": 1, "r_paren": 0, "r_cond": 0, "r_lookup": 0, "r_let": 0}
"""r_* function -> how many leading arguments are literals (the operator), the rest being texts;
r_compare's last argument (whether it holds) chooses between two splicings."""


def _pieces(text: str, count: int) -> list[str] | None:
    """text split at the markers 0..count-1, each appearing once and in order; None otherwise."""
    pieces, rest = [], text
    for mark in _MARKS[:count]:
        head, found, rest = rest.partition(mark)
        if not found or any(m in head for m in _MARKS):
            return None
        pieces.append(head)
    if any(m in rest for m in _MARKS):
        return None
    return pieces + [rest]


def _operand(code: str) -> str:
    """code as an operand of "+": parenthesised unless it binds at least as tightly (a name, a
    literal, a call, a subscript, or itself a sum of strings, which "+" may regroup)."""
    tree = ast.parse(code, mode="eval").body
    if isinstance(tree, (ast.Name, ast.Constant, ast.Call, ast.Subscript, ast.Attribute)) \
            or isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Add):
        return code
    return f"({code})"


def _terms(code: str) -> list:
    """The terms of a text's code: a str literal as its str, a sum of texts as its terms (so
    neighbouring literals merge), anything else as [code] (an operand of "+")."""
    tree = ast.parse(code, mode="eval").body
    if isinstance(tree, ast.Constant) and type(tree.value) is str:
        return [tree.value]
    if isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Add):
        return _terms(ast.unparse(tree.left)) + _terms(ast.unparse(tree.right))
    return [[_operand(code)]]


def _splice(pieces: list[str], codes: list[str]) -> str:
    """The code concatenating the literal pieces around the argument codes (texts: str + str)."""
    parts: list = []  # str: a literal text (adjacent ones merged at build time); else [code]
    for index, piece in enumerate(pieces):
        items = [piece]
        if index < len(codes):
            items.extend(_terms(codes[index]))
        for item in items:
            if isinstance(item, str) and parts and isinstance(parts[-1], str):
                parts[-1] += item
            elif item != "":
                parts.append(item)
    return " + ".join(_lit(p) if isinstance(p, str) else p[0] for p in parts) if parts else "''"


def _formula_wording(article: int, with_cap: bool) -> dict | None:
    """runtime.step_formula's wording for one article, as pieces: variant ("capped", "rounded",
    "plain") -> [literal or marker, …], the markers standing for the formula's text (0), its value
    shown (1), the cap shown (2) and the amount taken shown (3).  Found by calling step_formula on
    probe amounts whose shown texts are then marked, and checked on other amounts by rebuilding;
    None when that does not hold (the printer keeps the call)."""
    def variants(value, taken):
        cap = _MARKS[2] if with_cap else None
        out = {"rounded": step(value, cap, False if with_cap else None, taken),
               "plain": step(taken, cap, False if with_cap else None, taken)}
        if with_cap:
            out["capped"] = step(value, cap, True, taken)
        return out

    def step(value, cap, capped, taken):
        return R.step_formula(_MARKS[0], value, cap, capped, taken, article)

    def marked(texts, value, taken):
        shown_value, shown_taken = R.show_yuan(value), R.show_yuan(taken)
        out = {}
        for kind, text in texts.items():
            if kind == "plain":
                text = text.replace(shown_taken, _MARKS[1])
            else:
                text = text.replace(shown_value, _MARKS[1], 1).replace(shown_taken, _MARKS[3], 1)
            out[kind] = [p for p in re.split(f"([{''.join(_MARKS)}])", text) if p]
        return out

    probe_value, probe_taken = Decimal("1.001"), Decimal("1.00")
    wording = marked(variants(probe_value, probe_taken), probe_value, probe_taken)
    for value, taken in ((Decimal("12345.6789"), Decimal("12345.68")), (Decimal("0.005"), Decimal("0.01"))):
        for kind, expected in variants(value, taken).items():
            fill = {_MARKS[0]: _MARKS[0], _MARKS[1]: R.show_yuan(value if kind != "plain" else taken),
                    _MARKS[2]: _MARKS[2], _MARKS[3]: R.show_yuan(taken)}
            if "".join(fill.get(p, p) for p in wording[kind]) != expected:
                return None
    return wording


class _Printer(visitor.Visitor):
    """Prints one IR statement list as the body of a Python function: one visit_
    method per IR node.  Expressions return their code; statements emit lines.

    fields: the programme's inputs by name.  fast (the rules of evaluate): each
    step's trace record is printed as a dict display and its Chinese text is
    appended to `texts` beside it (specialised at build time), so decide need
    not word the records again; the calculator's partial rules stay generic."""

    def __init__(self, constants: _Constants, fields: dict | None = None, fast: bool = False,
                 fractions: bool = False):
        self.constants = constants
        self.arith = _ARITH_FRACTIONS if fractions else _ARITH
        self.lines: list[str] = []
        self.depth = 1
        self.in_item = False  # inside a ForEach: requirements and reviews go to the item's lists
        self.fields = fields or {}
        self.fast = fast
        self.notes_seen: list[dict] = []  # interpretation entries printed so far (visit_Note)
        self.input_texts: dict[str, str] = {}  # input name -> local holding its trace text (fast mode)
        self.capped_by_limit = False  # the last Cap printed had a limit
        self.after_start: int | None = None  # where those locals are computed: the line after Start's
        self.taken: tuple | None = None  # (code of the amount taken, line count) after a rounded formula step

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
        return f"{self.arith[e.op]}({self.visit(e.left)}, {self.visit(e.right)})"

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
        spliced = self.spliced_render(e)
        if spliced is not None:
            return spliced
        return f"{e.func}({', '.join(self.visit(a) for a in e.args)})"

    def spliced_render(self, e: ir.Render) -> str | None:
        """runtime.<func>(…) as a concatenation of its pieces (see _SPLICED_RENDERS); None: keep the call."""
        fixed = _SPLICED_RENDERS.get(e.func)
        if fixed is None or any(not isinstance(a, ir.Lit) for a in e.args[:fixed]) \
                or any(isinstance(a, (ir.Spread, ir.Items)) for a in e.args[fixed:]):
            return None
        func = getattr(R, e.func)
        literals = [a.value for a in e.args[:fixed]]
        if e.func == "r_compare":  # (op, left, right, holds)
            if len(e.args) != 4:
                return None
            texts = [self.visit(a) for a in e.args[1:3]]
            whether = [_pieces(func(*literals, *_MARKS[:2], holds), 2) for holds in (True, False)]
            if None in whether:
                return None
            return f"{_splice(whether[0], texts)} if {_operand(self.visit(e.args[3]))} else {_splice(whether[1], texts)}"
        texts = [self.visit(a) for a in e.args[fixed:]]
        if len(texts) > len(_MARKS):
            return None
        pieces = _pieces(func(*literals, *_MARKS[:len(texts)]), len(texts))
        return None if pieces is None else _splice(pieces, texts)

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
        if f.unit and f.kind == "int" and f.default is None:
            # a whole number as the form check leaves it (exponent 0): group(v) is its ",f" format
            return f"{_lit(label + ' ')} + format({v}, ',f') + {_lit(' ' + f.unit)}"
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
        if not e.prefixed and _KIND.fullmatch(e.kind) and all(isinstance(a, ir.Lit) and type(a.value) is str
                                                              for a in e.args):
            # every argument known at build time: the reason's text itself, worded now, not on every call
            return _lit(getattr(R, f"reason_{e.kind}")(*(a.value for a in e.args), int(e.at.article)))
        return self.call("reason", e)

    def visit_Outcome(self, e: ir.Outcome) -> str:
        reasons = ", ".join(self.visit(r) for r in e.reasons)
        return f"Outcome({_lit(e.kind)}, None, None, [{reasons}])"

    # ------------------------------------------------------------ statements
    def visit_Start(self, s: ir.Start) -> None:
        self.notes_seen.extend(s.notes)
        self.emit(f"steps, failed, reviews, notes = [], [], [], {_lit(list(s.notes))}")
        if self.fast:
            self.emit("texts = []  # the steps in Chinese, beside their records")
            self.after_start = len(self.lines)

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
        if isinstance(s.expr, ir.TierSelect) and self.spliced_tiers(var, s.expr, s.explain):
            return
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

    def spliced_tiers(self, var: str, e: ir.TierSelect, explain: ir.Explain | None) -> bool:
        """A tier table explained by runtime.r_tiers(subject, *reached, lowest): each row (and none
        reached) records the pieces its text has around the subject, spliced once below, instead of
        (threshold text, award text) for a call with *args.  False: not that shape, printed as tiers()."""
        if not (self.fast and e.reached is not None and explain is not None and isinstance(explain.text, ir.Render)
                and explain.text.func == "r_tiers" and len(explain.text.args) == 3
                and explain.text.args[1] == ir.Spread(e.reached, at=explain.text.args[1].at)
                and isinstance(explain.text.args[2], ir.Lit)):
            return False
        lowest = explain.text.args[2].value
        pieces = [_pieces(R.r_tiers(_MARKS[0], t, a, lowest), 1)
                  for t, a in [(None, None)] + [(row.threshold_text, row.award_text) for row in e.rows]]
        if None in pieces:
            return False
        subject, reached = self.visit(e.subject), _ident(e.reached)
        self.emit(f"{var}, {reached} = ZERO, {_lit(tuple(pieces[0]))}")
        for row, around in zip(e.rows, pieces[1:]):  # one `if` per row, as tiers() prints them
            self.emit(f"if {subject} >= {self.constants.name(row.threshold)}:")
            self.emit(f"    {var}, {reached} = {self.constants.name(row.award)}, {_lit(tuple(around))}")
        text = self.visit(explain.text.args[0])
        self.emit(f"{_ident(explain.var)} = {reached}[0] + {_operand(text)} + {reached}[1]")
        return True

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
        # runtime.add_note appends an entry not yet in notes.  In fast mode, outside list items (where a
        # Note runs once per item), an entry that neither Start nor any Note printed before it holds
        # cannot be there yet: appended without looking.
        if self.fast and not self.in_item and s.entry not in self.notes_seen:
            self.notes_seen.append(s.entry)
            self.emit(f"notes.append({_lit(s.entry)})")
            return
        self.notes_seen.append(s.entry)
        self.emit(f"add_note(notes, {_lit(s.entry)})")

    def trace_ref(self, ref: dict) -> str:
        """The module-level constant holding a trace record's static part."""
        return self.constants.literal(_lit(ref))

    def visit_Step(self, s: ir.Step) -> None:
        if not _KIND.fullmatch(s.kind):
            raise ValueError(f"not a step kind: {s.kind!r}")
        if self.fast and self.fast_step(s):
            return
        where = "item, index, prefix" if s.prefixed else "None, None, ''"
        args = "".join(f"{self.visit(a)}, " for a in s.args)
        self.emit(f"steps.append(trace_{s.kind}({self.trace_ref(s.ref)}, values, {where}, {args}{int(s.at.article)}))")
        self.rendered()

    # ------------------------------------------------------------ steps specialised (fast mode)
    # runtime.trace_<kind> + render_step, printed for one step: the record as a
    # dict display (fresh on every call, so one caller's edits never reach the
    # next result; only immutable constants are shared) and its wording spliced
    # from runtime.step_<kind>'s pieces.  A step inside a list item, or of a
    # kind not listed here, takes the generic path above.
    # runtime.plain_json by kind.  A Decimal's str() is its format(…, 'f') unless str() chose an exponent
    # ("1E+3"), at a third of the cost: _DECIMAL_TEXT takes str() when it has no "E".
    _DECIMAL_TEXT = "text if 'E' not in (text := str({0})) else format({0}, 'f')"
    _INPUT_JSON = {"money": _DECIMAL_TEXT, "number": _DECIMAL_TEXT, "int": _DECIMAL_TEXT,
                   "bool": "{0}", "text": "{0}", "enum": "{0}", "date": "{0}.isoformat()"}

    def fast_step(self, s: ir.Step) -> bool:
        ref = s.ref
        if s.prefixed or ref is None or s.kind not in ("require", "review", "case", "formula") \
                or any(self.fields.get(n) is None or self.fields[n].kind not in self._INPUT_JSON
                       for n in ref["inputs"]):
            return False
        a = int(s.at.article)
        args = [self.visit(arg) for arg in s.args]
        if s.kind in ("require", "review"):  # (ok, text): the value is whether it held
            ok, text = args
            value = f"True if {_operand(ok)} else False"  # runtime.trace_require's bool(ok), without the call
            step = getattr(R, f"step_{s.kind}")
            wording = [_pieces(step(holds, _MARKS[0], a), 1) for holds in (True, False)]
            if None in wording:
                return False
            explanation = f"{{'text': {text}}}"
            line = f"texts.append({_splice(wording[0], [text])} if {_operand(ok)} else {_splice(wording[1], [text])})"
        elif s.kind == "case":  # (text,): None for "none of the above"
            (text,) = args
            value, explanation = "True", f"{{'text': {text}}}"
            if isinstance(s.args[0], ir.Lit) and s.args[0].value is None:
                line = f"texts.append({_lit(R.step_case(None, a))})"
            else:
                wording = _pieces(R.step_case(_MARKS[0], a), 1)
                if wording is None:
                    return False
                line = f"texts.append({_splice(wording, [text])})"
        else:  # formula: (text, exact value, cap shown, capped, amount taken); amounts are Decimals
            text, exact, cap_shown, capped, taken = args
            self.emit(f"taken = {taken}")
            # rounded to 分, its exponent is -2, where str() never uses an exponent: str() is format(…, 'f')
            rounded = isinstance(s.args[4], ir.Call) and s.args[4].func == "round_cents"
            value = "str(taken)" if rounded else "format(taken, 'f')"
            exact_text = self._DECIMAL_TEXT.format(exact)
            explanation = f"{{'text': {text}, 'exact': {exact_text}, 'cap': {cap_shown}, 'capped': {capped}}}"
            line = self.formula_text(text, exact, cap_shown, capped, a, rounded)
        self.emit(f"steps.append({self.record(ref, value, explanation)})")
        self.emit(line)
        if s.kind == "formula" and rounded:  # visit_Pay: `taken` is round_cents(amount) while no line follows
            self.taken = (args[4], len(self.lines))
        return True

    def formula_text(self, text: str, exact: str, cap_shown: str, capped: str, a: int, rounded: bool) -> str:
        """texts.append(runtime.step_formula(…)) for the formula just capped (visit_Cap), spliced.
        rounded: `taken` is round_cents(…), of exponent -2, so show_yuan(taken) is format(taken, ',f') + ' 元'."""
        call = f"texts.append(step_formula({text}, {exact}, {cap_shown}, {capped}, taken, {a}))"
        wording = _formula_wording(a, self.capped_by_limit)
        if wording is None:
            return call
        taken_shown = "show_yuan(taken)"
        if rounded:
            # show_yuan shows a value's number, not its exponent: an exact amount equal to the one taken
            # (uncapped: taken is that amount, rounded, sign kept) shows as the amount taken does.
            taken_shown = "taken_shown"
            self.emit("taken_shown = format(taken, ',f') + ' 元'")
            same = f"taken == {_operand(exact)}" + (f" and not {_operand(capped)}" if self.capped_by_limit else "")
            self.emit(f"formula_shown = taken_shown if {same} else show_yuan({exact})")
        else:
            self.emit(f"formula_shown = show_yuan({exact})")
        codes = {_MARKS[0]: text, _MARKS[1]: "formula_shown", _MARKS[2]: cap_shown, _MARKS[3]: taken_shown}

        def spliced(kind):
            return " + ".join(_operand(codes[p]) if p in codes else _lit(p) for p in wording[kind])

        choice = f"{spliced('rounded')} if taken != {_operand(exact)} else {spliced('plain')}"
        if self.capped_by_limit:
            choice = f"{spliced('capped')} if {_operand(capped)} else {choice}"
        return f"texts.append({choice})"

    def input_text(self, name: str) -> str:
        """The local holding an input's trace text, computed once after Start (see body_with_inputs):
        records of one run share the immutable str."""
        if name not in self.input_texts:
            self.input_texts[name] = f"input_{len(self.input_texts) + 1}"
        return self.input_texts[name]

    def input_lines(self, indent: str) -> list[str]:
        return [f"{indent}{local} = {self.input_json(self.fields[name], f'values[{_lit(name)}]')}"
                for name, local in self.input_texts.items()]

    def input_json(self, f: M.Field, read: str) -> str:
        """runtime.plain_json of an input's checked value, by its kind.  A whole number as the form
        check leaves it has exponent 0, where str() is format(…, 'f') at a third of the cost."""
        if f.kind == "int" and f.default is None:
            return f"str({read})"
        return self._INPUT_JSON[f.kind].format(read)

    def record(self, ref: dict, value: str, explanation: str) -> str:
        """runtime._record for a step outside list items, as one dict display (same keys, same order)."""
        clause = ref["clause"]
        clause_code = "None" if clause is None else (
            f"{{'excerpt': {self.constants.literal(_lit(clause['excerpt']))}, "
            f"'start': {_lit(clause['start'])}, 'end': {_lit(clause['end'])}}}")
        inputs = ", ".join(f"{_lit(n)}: {self.input_text(n)}" for n in ref["inputs"])
        return (f"{{'id': {_lit(ref['id'])}, 'kind': {_lit(ref['kind'])}, 'article': {_lit(ref['article'])}, "
                f"'clause': {clause_code}, 'inputs': {{{inputs}}}, 'value': {value}, "
                f"'interpretations': {_lit(list(ref['interpretations']))}, 'explanation': {explanation}}}")

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
        self.capped_by_limit = s.limit is not None  # for the formula step that follows (formula_text)
        if s.limit is None:
            self.emit("cap_shown = capped = None")
            return
        limit = self.visit(s.limit)
        self.emit(f"cap_shown = {self.visit(s.shown)}")
        self.emit(f"capped = {self.visit(s.amount)} > {limit}")
        self.emit("if capped:")
        self.emit(f"    {_ident(s.var)} = {limit}")

    def visit_Pay(self, s: ir.Pay) -> None:
        amount = self.visit(s.amount)
        # Right after the formula step that rounded this amount (fast mode): the Outcome carries the
        # rounded amount, so that decide does not round it again.
        rounded = ", taken" if self.taken == (f"round_cents({amount})", len(self.lines)) else ""
        self.emit(f"{_ident(s.var)} = Outcome('pay', {amount}, ZERO, []{rounded})")

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
        self.rendered()
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
        self.rendered()
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
        self.rendered()
        self.emit(f"{_ident(s.var)} = {total}")

    def visit_Stop(self, s: ir.Stop) -> None:
        self.emit("if failed:")
        self.emit(f"    return steps, failed, reviews, Outcome('ineligible', None, None, []), notes{self.texts()}")

    def visit_Return(self, s: ir.Return) -> None:
        outcome = "None" if s.outcome is None else self.visit(s.outcome)
        self.emit(f"return steps, failed, reviews, {outcome}, notes{self.texts()}")

    def texts(self) -> str:
        """The last element of what the rules return in fast mode: the worded steps (runtime.decide's texts)."""
        return ", texts" if self.fast else ""

    def rendered(self) -> None:
        """After a record appended in the generic way: its text too, in fast mode."""
        if self.fast:
            self.emit("texts.append(render_step(steps[-1]))")


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


# the calls runtime.range_call reasons about (the date calls of #22 included)
_RANGE_CALLS = ("min", "max", "months", "overlap_months", "days", "year", "year_index", "full_months", "full_days")


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
        if e.func not in _RANGE_CALLS:
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
        printer = _Printer(constants, fractions=_carries_fractions(programme))
        printer.body(statements)
        sums.append((name, "\n".join(printer.lines)))
    printer = _RangePrinter(constants, names)
    printer.body(programme.ranges)
    return "\n".join(printer.lines), sums


def _programme_bodies(programme: ir.Programme, constants: _Constants,
                     fields: dict | None = None) -> tuple[str, str, str]:
    """The bodies of one programme's three functions, printed from its IR (fields: its inputs by
    name; evaluate's rules are printed fast, with their steps worded beside their records)."""
    bodies = []
    fractions = _carries_fractions(programme)
    for statements, fast in ((programme.rules, True), (programme.partial, False), (programme.constraints, False)):
        printer = _Printer(constants, fields, fast, fractions)
        printer.body(statements)
        if printer.after_start is not None:  # the inputs' trace texts, once, where every record can read them
            at = printer.after_start
            printer.lines[at:at] = printer.input_lines(printer.lines[at - 1][:-len(printer.lines[at - 1].lstrip())])
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
        f"            if application.keys() == {constants.literal(f'frozenset({_lit(names)})')}:" if names == required else
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
    # A yes/no and a plain whole number are checked inline (runtime.plain_bool, plain_int without
    # the call: the walrus names the value once; `value` is local to the validator).
    if f.kind == "bool":
        return f"(value if type(value := {read}) is bool else not_plain())"
    if f.kind == "int" and f.step is None and f.minimum is None:
        return f"(D(value) if type(value := {read}) is int and 0 <= value <= MAX_WHOLE else not_plain())"
    if f.kind == "money":
        return f"plain_money({read})"
    if f.kind == "enum":
        options = constants.literal(f"frozenset({_lit(tuple(o for o, _ in f.options))})")
        return f"(value if type(value := {read}) is str and value in {options} else not_plain())"
    if f.kind in ("int", "number"):
        step = constants.name(f.step) if f.step is not None else "None"
        minimum = constants.name(f.minimum) if f.minimum is not None else "None"
        check = f"plain_number({read}, {step}, {minimum})"
        if f.kind == "number" and f.step is not None and f.minimum is not None and f.minimum > 0:
            # plain_number's test of a Decimal inline (a positive minimum: not 0 nor -0, so no ZERO
            # test); anything else (an int, NaN, out of range, off the step) takes the call, as before.
            return (f"(value if type(value := {read}) is D and {minimum} <= value <= MAX_NUMBER "
                    f"and _remainder(value, {step}) == 0 else plain_number(value, {step}, {minimum}))")
        return f"plain_int_value({check})" if f.kind == "int" else check
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
        rules_body, partial_body, constraints_body = _programme_bodies(lowered, constants,
                                                                       {f.name: f for f in p.fields})
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
