"""Python backend: the checked model -> one standalone evaluator module.

Rule bodies are compiled to straight-line Python by `_Emitter`; the module
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

from .. import catalogue, keywords, layout, versions, visitor
from .. import model as M
from .. import runtime as R
from ..units import display_unit

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


class _Emitter(visitor.Visitor):
    """Emits the body of one programme function: one visit_ method per node kind."""

    def __init__(self, programme: M.Programme, constants: _Constants, partial: bool = False):
        self.constants = constants
        self.partial = partial  # the calculator's variant: rules only, each once its inputs are known
        self.p = programme
        self.article = programme.article
        self.lines: list[str] = []
        self.depth = 1
        self.scopes: list[dict] = [{}]  # per open block: input already read -> (value var, text var)
        self.counter = 0
        self.let_vars: dict[str, str] = {}

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def open_block(self) -> None:
        """Indent; inputs read inside the block are not visible after it."""
        self.depth += 1
        self.scopes.append(dict(self.scopes[-1]))

    def close_block(self, count: int = 1) -> None:
        for _ in range(count):
            self.depth -= 1
            self.scopes.pop()

    def fresh(self) -> tuple[str, str]:
        self.counter += 1
        return f"v{self.counter}", f"t{self.counter}"

    # ------------------------------------------------------------ expressions
    # visit(e, item) emits the statements computing e and returns (value code,
    # text code); item is the variable of the current list item (None outside 逐项).
    def visit_Const(self, e: M.Const, item: str | None) -> tuple[str, str]:
        return self.const(e.value), _lit(catalogue.const_text(e))

    def visit_InputRef(self, e: M.InputRef, item: str | None) -> tuple[str, str]:
        return self.read(e.field, "values")

    def visit_ItemRef(self, e: M.ItemRef, item: str | None) -> tuple[str, str]:
        return self.read(e.field, item)

    def read(self, f: M.Field, source: str) -> tuple[str, str]:
        key = (source, f.name)
        if key in self.scopes[-1]:
            return self.scopes[-1][key]  # read once per block
        v, t = self.fresh()
        self.emit(f"{v} = {source}[{_lit(f.name)}]")
        self.emit(f"{t} = {self.ref_text(f, v)}")
        self.scopes[-1][key] = (v, t)
        return v, t

    def visit_LetRef(self, e: M.LetRef, item: str | None) -> tuple[str, str]:
        v = self.let_vars[e.let.name]
        t = self.fresh()[1]
        self.emit(f"{t} = r_let({_lit(e.let.label)}, {self.show(v, e.type)})")
        return v, t

    def visit_Arith(self, e: M.Arith, item: str | None) -> tuple[str, str]:
        func = {"+": "add", "-": "sub", "×": "mul"}[e.op]

        def shown(text: str, child: M.Expr, side: str) -> str:
            return f"r_paren({text})" if catalogue.parenthesised(child, e.op, side) else text

        return self.binary(e, item, lambda lv, rv: f"{func}({lv}, {rv})",
                           lambda lt, rt, v: f"r_arith({_lit(e.op)}, {shown(lt, e.left, 'left')}, "
                                             f"{shown(rt, e.right, 'right')})")

    def visit_Logic(self, e: M.Logic, item: str | None) -> tuple[str, str]:
        word = "and" if e.op == "且" else "or"
        return self.binary(e, item, lambda lv, rv: f"{lv} {word} {rv}",
                           lambda lt, rt, v: f"r_arith({_lit(e.op)}, {lt}, {rt})")

    def visit_Not(self, e: M.Not, item: str | None) -> tuple[str, str]:
        ov, ot = self.visit(e.operand, item)
        v, t = self.fresh()
        self.emit(f"{v} = not {ov}")
        self.emit(f"{t} = r_not({ot})")
        return v, t

    def visit_Compare(self, e: M.Compare, item: str | None) -> tuple[str, str]:
        return self.binary(e, item, lambda lv, rv: f"{lv} {_CMP[e.op]} {rv}",
                           lambda lt, rt, v: f"r_compare({_lit(e.op)}, {lt}, {rt}, {v})")

    def visit_Member(self, e: M.Member, item: str | None) -> tuple[str, str]:
        ov, ot = self.visit(e.operand, item)
        labels = [e.operand.field.option_label(o) for o in e.values]
        v, t = self.fresh()
        self.emit(f"{v} = {ov} in {_lit(tuple(e.values))}")
        self.emit(f"{t} = r_member({ot}, {_lit(labels)}, {v})")
        return v, t

    def visit_Cond(self, e: M.Cond, item: str | None) -> tuple[str, str]:
        cv, ct = self.visit(e.cond, item)
        v, t = self.fresh()
        self.emit(f"if {cv}:")
        self.open_block()
        bv, bt = self.visit(e.then, item)
        self.emit(f"{v}, {t} = {bv}, {bt}")
        self.close_block()
        self.emit("else:")
        self.open_block()
        bv, bt = self.visit(e.otherwise, item)
        self.emit(f"{v}, {t} = {bv}, {bt}")
        self.close_block()
        self.emit(f"{t} = r_cond({t}, {ct})")
        return v, t

    def visit_Call(self, e: M.Call, item: str | None) -> tuple[str, str]:
        args = [self.visit(a, item) for a in e.args]
        values = ", ".join(a[0] for a in args)
        texts = ", ".join(a[1] for a in args)
        func = {"min": "min", "max": "max", "months": "months_between", "overlap_months": "overlap_months"}[e.func]
        v, t = self.fresh()
        self.emit(f"{v} = {func}({values})")
        self.emit(f"{t} = r_call({_lit(e.func)}, [{texts}])")
        return v, t

    def visit_Tiers(self, e: M.Tiers, item: str | None) -> tuple[str, str]:
        sv, st = self.visit(e.subject, item)
        v, t = self.fresh()
        lowest = e.rows[0].threshold_text
        # Thresholds rise: the last one reached is the award.  One `if` per row,
        # not an elif chain, which CPython compiles recursively (a few
        # thousand rows would exhaust its recursion limit).
        reached = self.fresh()[1]
        self.emit(f"{v}, {reached} = ZERO, (None, None)")
        for row in e.rows:
            self.emit(f"if {sv} >= {self.const(row.threshold)}:")
            self.emit(f"    {v}, {reached} = {self.const(row.award)}, {_lit((row.threshold_text, row.award_text))}")
        self.emit(f"{t} = r_tiers({st}, *{reached}, {_lit(lowest)})")
        return v, t

    def visit_Lookup(self, e: M.Lookup, item: str | None) -> tuple[str, str]:
        sv, _ = self.visit(e.subject, item)
        v, t = self.fresh()
        # One `if` per option (the form admits exactly one of them), not an elif chain.
        for option, branch in e.choices:
            self.emit(f"if {sv} == {_lit(option)}:")
            self.open_block()
            bv, bt = self.visit(branch, item)
            label = e.field.option_label(option)
            self.emit(f"{v}, {t} = {bv}, r_lookup({bt}, {_lit(e.field.label)}, {_lit(label)})")
            self.close_block()
        return v, t

    def binary(self, e, item: str | None, value, text) -> tuple[str, str]:
        """Emit both operands, then the node's value and its explanation text.

        value(lv, rv) and text(lt, rt, v) give the code of each; the text may
        refer to the node's own value v (a comparison shows what holds)."""
        lv, lt = self.visit(e.left, item)
        rv, rt = self.visit(e.right, item)
        v, t = self.fresh()
        self.emit(f"{v} = {value(lv, rv)}")
        self.emit(f"{t} = {text(lt, rt, v)}")
        return v, t

    def ref_text(self, f: M.Field, v: str) -> str:
        """Code for runtime.show_ref(label, v, kind, unit, options), specialised to the field."""
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

    def const(self, value) -> str:
        if isinstance(value, Decimal):
            return self.constants.name(value)
        return _lit(value)

    @staticmethod
    def show(v: str, t: M.Type) -> str:
        if t.kind == "bool":
            return f"show_bool({v})"
        if t.kind == "date":
            return f"{v}.isoformat()"
        return f"show_number({v}, {_lit(display_unit(t.dim))})"

    def note(self, interp: M.Interpretation | None) -> None:
        if interp is not None:
            self.emit(f"add_note(notes, {_lit(catalogue.interpretation_entry(interp))})")

    # ------------------------------------------------------------ rules
    def rules(self, rules, item: str | None, prefix: str, failed: str, reviews: str) -> None:
        a = self.article
        for rule in rules:
            deps = catalogue.inputs_of(catalogue.rule_expr(rule)) if item is None and self.partial else frozenset()
            guard = bool(deps)  # the calculator runs a rule only once its inputs are known
            name = _RULE_NAMES.get(type(rule), type(rule).__name__)  # an unknown rule is refused just below
            self.emit(f"# 第{int(a)}条 {name}（源文件第{int(rule.span.line)}行）")
            if guard:
                self.emit(f"if known.issuperset({_lit(tuple(sorted(deps)))}):")
                self.open_block()
            self.visit(rule, item, prefix, failed, reviews)
            if guard:
                self.close_block()

    def visit_Let(self, rule: M.Let, item: str | None, prefix: str, failed: str, reviews: str) -> None:
        v, t = self.visit(rule.expr, item)
        var = f"let_{len(self.let_vars) + 1}"
        self.let_vars[rule.name] = var
        self.emit(f"{var} = {v}")
        self.note(rule.interpretation)
        self.emit(f"steps.append({prefix}step_let({_lit(rule.label)}, {t}, {self.show(var, rule.expr.type)}, "
                  f"{self.article}))")

    def visit_Require(self, rule: M.Require, item: str | None, prefix: str, failed: str, reviews: str) -> None:
        a = self.article
        v, t = self.visit(rule.cond, item)
        self.note(rule.interpretation)
        self.emit(f"steps.append({prefix}step_require({v}, {t}, {a}))")
        self.emit(f"if not {v}:")
        self.emit(f"    {failed}.append({prefix}reason_require({_lit(rule.reason)}, {t}, {a}))")

    def visit_Review(self, rule: M.Review, item: str | None, prefix: str, failed: str, reviews: str) -> None:
        a = self.article
        v, t = self.visit(rule.cond, item)
        self.emit(f"steps.append({prefix}step_review({v}, {t}, {a}))")
        self.emit(f"if {v}:")
        self.open_block()
        self.note(rule.interpretation)
        self.emit(f"{reviews}.append({prefix}reason_review({_lit(rule.reason)}, {t}, {a}))")
        self.close_block()

    # ------------------------------------------------------------ amounts
    # visit(amount, final, item, prefix) emits the amount and returns the code of
    # its outcome tuple: the variable an amount is computed into, or (for a case's
    # review or ineligible outcome) the tuple itself.
    def outcome_var(self) -> str:
        return f"outcome_{self.fresh()[0]}"

    def visit_Formula(self, amount: M.Formula, final: bool, item: str | None, prefix: str) -> str:
        a = self.article
        out = self.outcome_var()
        v, t = self.visit(amount.expr, item)
        self.note(amount.interpretation)
        value = f"value_{v}"
        self.emit(f"{value} = {v}")
        if amount.cap is None:
            self.emit("cap_shown = capped = None")
        else:
            lv, _ = self.visit(amount.cap.limit, item)
            self.note(amount.cap.interpretation)
            if isinstance(amount.cap.limit, M.Const):  # shown once, at build time
                self.emit(f"cap_shown = {_lit(R.show_yuan(amount.cap.limit.value))}")
            else:
                self.emit(f"cap_shown = show_yuan({lv})")
            self.emit(f"capped = {v} > {lv}")
            self.emit("if capped:")
            self.emit(f"    {value} = {lv}")
        taken = f"round_cents({value})" if final else value
        self.emit(f"steps.append({prefix}step_formula({t}, {v}, cap_shown, capped, {taken}, {a}))")
        self.emit(f"{out} = ('pay', {value}, ZERO, [])")
        return out

    def visit_Cases(self, amount: M.Cases, final: bool, item: str | None, prefix: str) -> str:
        a = self.article
        out = self.outcome_var()
        # The cases side by side, each run while no earlier one held (the
        # outcome is still None): the depth of the code does not grow with
        # their number, as an else-if ladder's would (Python allows 100 levels).
        self.emit(f"{out} = None")
        for case in amount.cases:
            if case.cond is None:
                self.emit(f"if {out} is None:")
                self.open_block()
                self.emit(f"steps.append({prefix}step_case(None, {a}))")
                self.emit(f"{out} = {self.visit(case.outcome, final, item, prefix)}")
                self.close_block()
                break
            self.emit(f"if {out} is None:")
            header = len(self.lines)
            self.open_block()
            cv, ct = self.visit(case.cond, item)
            self.close_block()
            if len(self.lines) == header:  # the condition was already computed: nothing to guard
                self.lines.pop()
            self.emit(f"if {out} is None and {cv}:")  # cv was computed just above
            self.open_block()
            self.emit(f"steps.append({prefix}step_case({ct}, {a}))")
            self.emit(f"{out} = {self.visit(case.outcome, final, item, prefix)}")
            self.close_block()
        return out

    def visit_ReviewOutcome(self, outcome: M.ReviewOutcome, final: bool, item: str | None, prefix: str) -> str:
        self.note(outcome.interpretation)
        return f"('review', None, None, [{prefix}reason_plain({_lit(outcome.reason)}, {self.article})])"

    def visit_IneligibleOutcome(self, outcome: M.IneligibleOutcome, final: bool, item: str | None,
                                prefix: str) -> str:
        return f"('ineligible', None, None, [{prefix}reason_plain({_lit(outcome.reason)}, {self.article})])"

    def visit_PerItem(self, amount: M.PerItem, final: bool, item: str | None, prefix: str) -> str:
        a = self.article
        out = self.outcome_var()
        label = amount.list_field.label
        self.emit("counted = pending = ZERO")
        self.emit("excluded, item_reviews_all, first_by_key = [], [], {}")
        self.emit(f"for index, item in enumerate(values[{_lit(amount.list_field.name)}]):")
        self.open_block()
        self.emit(f"prefix = item_prefix({_lit(label)}, index)")
        self.emit("item_failed, item_reviews = [], []")
        self.rules([r for r in amount.rules if not isinstance(r, M.Unique)], "item", "prefix + ", "item_failed",
                   "item_reviews")
        self.emit("if item_failed:")
        self.emit("    excluded.extend(item_failed)")
        self.emit("    continue")
        for number, rule in enumerate(amount.rules):
            if not isinstance(rule, M.Unique):
                continue
            kv, kt = self.visit(rule.key, "item")
            self.emit(f"if ({number}, {kv}) in first_by_key:")
            self.open_block()
            self.note(rule.interpretation)
            self.emit(f"steps.append(step_unique(prefix, {_lit(rule.reason)}, {kt}, first_by_key[{number}, {kv}], {a}))")
            self.emit(f"item_reviews.append(prefix + reason_review({_lit(rule.reason)}, {kt}, {a}))")
            self.close_block()
            self.emit("else:")
            self.emit(f"    first_by_key[{number}, {kv}] = index")
        inner = self.visit(amount.amount, False, "item", "prefix + ")
        self.emit(f"if {inner}[0] != 'pay':")
        self.emit(f"    item_reviews.extend({inner}[3])")
        self.emit("    continue")
        self.emit("if item_reviews:")
        self.emit("    item_reviews_all.extend(item_reviews)")
        self.emit(f"    pending = add(pending, {inner}[1])")
        self.emit("else:")
        self.emit(f"    counted = add(counted, {inner}[1])")
        self.close_block()
        total = "round_cents(counted)" if final else "counted"
        self.emit(f"steps.append(step_item_total(counted, pending, {total}, {a}))")
        self.emit(f"{out} = ('partial', counted, pending, item_reviews_all) if item_reviews_all else "
                  f"('pay', counted, ZERO, excluded)")
        return out


_RULE_NAMES = {M.Let: keywords.RULES["let"], M.Require: keywords.RULES["require"], M.Review: keywords.RULES["review"],
               M.Unique: keywords.RULES["unique"]}


def _programme_bodies(programme: M.Programme, constants: _Constants) -> tuple[str, str, str]:
    """The bodies of one programme's three functions: rules and amount; rules on
    known inputs only (for the calculator); and the form's cross-field checks."""
    notes = []
    for interp in (programme.applicant.interpretation, programme.funding_source.interpretation,
                   programme.payment_condition.interpretation, *(f.interpretation for f in programme.fields)):
        if interp is not None:
            entry = catalogue.interpretation_entry(interp)
            if entry not in notes:
                notes.append(entry)
    start = f"steps, failed, reviews, notes = [], [], [], {_lit(notes)}"

    em = _Emitter(programme, constants)
    em.emit(start)
    em.rules(programme.rules, None, "", "failed", "reviews")
    if any(isinstance(r, M.Require) for r in programme.rules):
        em.emit("if failed:")
        em.emit("    return steps, failed, reviews, ('ineligible', None, None, []), notes")
    out = em.visit(programme.amount, True, None, "")
    em.emit(f"return steps, failed, reviews, {out}, notes")

    pm = _Emitter(programme, constants, partial=True)
    pm.emit(start)
    pm.rules(programme.rules, None, "", "failed", "reviews")
    pm.emit("return steps, failed, reviews, None, notes")

    cm = _Emitter(programme, constants)
    for constraint in programme.constraints:
        deps = tuple(sorted(catalogue.inputs_of(constraint.cond)))
        cm.emit(f"if values.keys() >= set({_lit(deps)}):")
        cm.open_block()
        v, _ = cm.visit(constraint.cond, None)
        cm.emit(f"if not {v}:")
        cm.emit(f"    errors.append({_lit({'path': constraint.path, 'message': constraint.message})})")
        cm.close_block()
    return "\n".join(em.lines), "\n".join(pm.lines), "\n".join(cm.lines)


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


def module_name(policy: M.Policy) -> str:
    return _ident(policy.id)


def generate(policy: M.Policy) -> dict[str, bytes]:
    programmes = []
    constants = _Constants()
    for p in policy.programmes:
        rules_body, partial_body, constraints_body = _programme_bodies(p, constants)
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
    metas = {p.id: catalogue.programme_meta(p) for p in policy.programmes}
    text = _environment().get_template("python_module.py.j2").render(
        module_name=module_name(policy),
        policy_lit=_lit({
            "id": policy.id,
            "issuer": policy.document.issuer,
            "title": policy.document.title,
            "version": policy.document.version,
            "content_hash": policy.content_hash,
            "in_force": versions.period_data(policy),
        }),
        content_hash=policy.content_hash if re.fullmatch(r"[0-9a-f]{64}", policy.content_hash) else "",
        runtime=runtime_source(),
        programmes=programmes,
        programmes_lit=_pretty(metas),
        constants=constants.definitions(),
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
