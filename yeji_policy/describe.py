"""The rules in Chinese words, for forms and rule sheets.

Figures appear as the policy writes them (50%，最高不超过50万元); inputs by their
Chinese labels.  Used by the schema and sheets backends.

Two registers: the default spells every tier table and lookup out in full (a
form's description must stand alone); with `tables=True` a tier table or a
lookup is named in one phrase, for a reader who has the tables beside it (the
rule sheets print them as tables right below the formula).

With `words=True` (the rule sheets, which a legal reviewer signs) comparisons
and subtraction read as an official writes them — 不少于、大于、扣除 — and a
figure in another unit than the inputs also shows that unit: 1年（12 个月）.
"""

from __future__ import annotations

from functools import lru_cache

from . import catalogue, visitor
from . import runtime as R
from . import model as M

_CMP_WORDS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "=", "!=": "≠"}
# In words: quantities, and dates (a date is not "more" than another, it is later).
_CMP_PLAIN = {">=": "不少于", "<=": "不超过", ">": "大于", "<": "少于", "=": "为", "!=": "不为"}
_CMP_DATES = {">=": "不早于", "<=": "不晚于", ">": "晚于", "<": "早于", "=": "为", "!=": "不为"}


def lookup_groups(e: M.Lookup) -> list[tuple[tuple[str, ...], M.Expr]]:
    """The choices of a lookup, options that share one branch grouped together.

    `B2B, B2C: 分档 …` gives both options the same branch object; they are
    described once, as "B2B、B2C：…".  Groups keep the order in which their
    first option is declared.
    """
    groups: list[tuple[list[str], M.Expr]] = []
    for option, branch in e.choices:
        for options, shared in groups:
            if shared is branch:
                options.append(option)
                break
        else:
            groups.append(([option], branch))
    return [(tuple(options), branch) for options, branch in groups]


def option_labels(e: M.Lookup, options: tuple[str, ...]) -> str:
    return "、".join(e.field.option_label(o) for o in options)


def tiers_name(e: M.Tiers) -> str:
    """How a tier table is named in a sentence and above its table."""
    return f"按{expr(e.subject)}分档"


def bands_name(e: M.Bands) -> str:
    """How a 累进 table is named in a sentence and above its table (#22 ratio)."""
    return f"按{expr(e.subject)}分段累进"


def lookup_name(e: M.Lookup) -> str:
    return f"按{e.field.label}确定"


def expr(e: M.Expr, tables: bool = False, words: bool = False) -> str:
    return _describer(tables, words).visit(e)


@lru_cache(maxsize=None)
def _describer(tables: bool, words: bool, caps: bool = True) -> "_Describer":
    return _Describer(tables, words, caps)



def _narrowed(e) -> bool:
    """A condition check/dates.py narrowed to a 期间: 若 bound 则 … 否则 the constant that holds outside."""
    return isinstance(e, M.Cond) and isinstance(e.otherwise, M.Const) and e.otherwise.text.startswith("不在期间内")

class _Describer(visitor.Visitor[str]):
    """The words of an expression or an amount in one register (see the module's docstring)."""

    def __init__(self, tables: bool, words: bool, caps: bool) -> None:
        self.tables, self.words, self.caps = tables, words, caps

    def _operand(self, e: M.Expr) -> str:
        """An operand of + - ×: a spelled-out table is bracketed so the operator is not read as part of it."""
        text = self.visit(e)
        if isinstance(e, (M.Tiers, M.Lookup, M.Bands)) and not self.tables:
            return f"［{text}］"
        return text

    # ------------------------------------------------------------ expressions
    def visit_Const(self, e: M.Const) -> str:
        return catalogue.const_text(e) if self.words else e.text

    def visit_InputRef(self, e: M.InputRef) -> str:
        return e.field.label

    visit_ItemRef = visit_InputRef

    def visit_LetRef(self, e: M.LetRef) -> str:
        return e.let.label

    def visit_Arith(self, e: M.Arith) -> str:
        left, right = self._operand(e.left), self._operand(e.right)
        if isinstance(e.left, M.Arith) and e.left.op in "+-" and e.op in "×÷":
            left = f"（{left}）"
        if isinstance(e.right, M.Arith) and (e.right.op in "+-" and e.op in "×-÷" or e.op == "÷"):
            right = f"（{right}）"
        if self.words and e.op == "-":
            return f"{left}，扣除{right}"
        return f"{left} {e.op} {right}"

    def visit_Logic(self, e: M.Logic) -> str:
        return f"{self.visit(e.left)}{'，且' if e.op == '且' else '，或'}{self.visit(e.right)}"

    def visit_Not(self, e: M.Not) -> str:
        if isinstance(e.operand, (M.InputRef, M.ItemRef)):
            return f"“{e.operand.field.label}”为否"
        return f"并非“{self.visit(e.operand)}”"

    def visit_Compare(self, e: M.Compare) -> str:
        if e.left.type.kind == "enum" and isinstance(e.right, M.Const):
            verb = "为" if e.op == "=" else "不为"
            label = e.right.text  # the option's Chinese label, as the checker writes it
            return f"{self.visit(e.left)}{verb}“{label}”"
        if self.words:
            verbs = _CMP_DATES if e.left.type.kind == "date" else _CMP_PLAIN
            return f"{self.visit(e.left)}{verbs[e.op]}{self.visit(e.right)}"
        return f"{self.visit(e.left)} {_CMP_WORDS[e.op]} {self.visit(e.right)}"

    def visit_Member(self, e: M.Member) -> str:
        labels = "或".join(f"“{e.operand.field.option_label(o)}”" for o in e.values)
        return f"{self.visit(e.operand)}为{labels}"

    def visit_Cond(self, e: M.Cond) -> str:
        if _narrowed(e):  # a 要求 or 审核 narrowed by 期间 (#16): its bounds, then the condition
            bounds, inner = [], e
            while _narrowed(inner):
                bounds.append(self.visit(inner.cond))
                inner = inner.then
            rest = "不作此要求" if e.otherwise.value else "不审核此项"
            return f"（{'，且'.join(bounds)}的，{self.visit(inner)}；其余{rest}）"
        return f"（{self.visit(e.cond)}的，{self.visit(e.then)}；否则 {self.visit(e.otherwise)}）"

    def visit_Call(self, e: M.Call) -> str:
        args = [self.visit(a) for a in e.args]
        if e.func == "min":
            return "、".join(args) + "中的较小者"
        if e.func == "max":
            return "、".join(args) + "中的较大者"
        if e.func == "months":
            return f"自{args[0]}至{args[1]}的自然月数"
        # dates in rules (#22)
        if e.func == "days":
            return f"自{args[0]}至{args[1]}的天数（首尾两日都计入）"
        if e.func == "year":
            return f"{args[0]}所在的年份"
        if e.func in ("full_months", "full_days"):
            return f"自{args[0]}起至{args[1]}已满{args[2]}"
        if e.func == "year_index":
            return f"{args[1]}所在的年度（自{args[0]}起按周年计，第1年至满1年的前一日）"
        return f"{args[0]}至{args[1]}期间落在自{args[2]}当月起{args[3]}内的自然月数"

    def visit_Tiers(self, e: M.Tiers) -> str:
        if self.tables:
            return f"{tiers_name(e)}的金额（见分档表）"
        return f"按{expr(e.subject)}所达到的最高档位给予的金额（" + "；".join(
            f"达到{r.threshold_text}的，{r.award_text}" for r in e.rows) + "）"

    # --- 累进 (#22 ratio)
    def visit_Bands(self, e: M.Bands) -> str:
        if self.tables:
            return f"{bands_name(e)}的金额（见累进表）"
        return f"按{expr(e.subject)}分段累进计算的金额（" + "；".join(
            f"{r.label}的部分按{r.rate_text}" for r in e.rows) + "）"

    def visit_Lookup(self, e: M.Lookup) -> str:
        if self.tables:
            return f"{lookup_name(e)}的金额（见对照表）"
        return f"按{e.field.label}区分（" + "；".join(
            f"{option_labels(e, options)}：{expr(branch)}" for options, branch in lookup_groups(e)) + "）"

    # ------------------------------------------------------------ amounts and what a case leads to
    def visit_Formula(self, a: M.Formula) -> str:
        text = self.visit(a.expr)
        if a.cap is not None and self.caps:
            text += "，" + cap(a.cap, self.tables)
        return text

    def visit_Cases(self, a: M.Cases) -> str:
        parts = []
        for case in a.cases:
            head = other_case() if case.cond is None else f"{condition(case.cond, self.words)}时"
            parts.append(f"{head}，{self.visit(case.outcome)}")
        return "；".join(parts)

    def visit_ReviewOutcome(self, outcome: M.ReviewOutcome) -> str:
        return f"需人工审核（{outcome.reason}）"

    def visit_IneligibleOutcome(self, outcome: M.IneligibleOutcome) -> str:
        return f"不予补助（{outcome.reason}）"

    def visit_ItemSum(self, e: M.ItemSum) -> str:
        """令 x = 逐项 … (#22): the items that count, each item's formula (with its cap), the sum."""
        conditions = [condition(r.cond, self.words) for r in e.rules if isinstance(r, M.Require)]
        each = f"满足条件（{'；'.join(conditions)}）的各项" if conditions else "每项"
        return f"{e.list_field.label}{each}按 {self.visit(e.amount)} 计算的金额之和"

    def visit_PerItem(self, a: M.PerItem) -> str:
        conditions = [condition(r.cond, self.words) for r in a.rules if isinstance(r, M.Require)]
        each = f"{a.list_field.label}逐项计算："
        if conditions:
            each += "满足条件（" + "；".join(conditions) + "）的各项"
        else:
            each += "每项"
        total = f"{each}按 {self.visit(a.amount)}，各项合计"
        if a.cap is not None and self.caps:
            total += "，合计" + cap(a.cap, self.tables)
        return total


def condition(e: M.Expr, words: bool = False) -> str:
    """A condition as a sentence: a yes/no input reads as its label."""
    return expr(e, words=words)


def cap(c: M.Cap, tables: bool = False) -> str:
    return f"最高不超过{expr(c.limit, tables)}"


def other_case() -> str:
    return "其他情形（不属于以上任何情形）"


def amount(a, tables: bool = False, caps: bool = True, words: bool = False) -> str:
    """The amount rule in one sentence; `caps=False` leaves the caps out (a table shows them apart).

    `a` may also be what a case leads to: 需人工审核（…） or 不予补助（…）."""
    return _describer(tables, words, caps).visit(a)


def programme_rule(p: M.Programme) -> str:
    """One sentence: who gets what under which conditions."""
    requirements = [condition(r.cond) for r in p.rules if isinstance(r, M.Require)]
    head = ("须满足：" + "；".join(requirements) + "。") if requirements else ""
    return f"第{p.article}条：{head}{R.programme_term(p.name)}金额为 {amount(p.amount)}；资金来源：{p.funding_source.value}。"


# --- rules across programmes (#22)
def cross_rule(policy: M.Policy, rule) -> str:
    """A 不得重复享受 or 合计上限 as a reviewer reads it (diff shows a change of it in these words)."""
    names = "、".join(f"“{policy.programme(pid).name}”（{pid}）" for pid in rule.programmes)
    if isinstance(rule, M.Exclusion):
        out = f"{rule.title}：{names}不得重复享受" if len(rule.programmes) > 1 else f"{rule.title}：{names}"
        if len(rule.programmes) > 1:
            out += ("；一次申请中两项以上可予补助时，只付金额较高的一项（金额相同取条款在前的一项），其余不予补助【解释】"
                    if rule.highest else "；一次申请中两项以上可予补助时，原文未规定享受哪一项，均转人工审核")
        if rule.elsewhere is not None:
            out += f"；申请表询问“{rule.elsewhere.label}”，答“是”的，以上项目不符合条件"
        return out + "。"
    period = M.CROSS_PERIODS[rule.period]
    limit = f"{rule.limit_text}（{R.show_yuan(rule.limit)}）" if "万元" in rule.limit_text else rule.limit_text
    out = (f"{rule.title}：{names}的补助{period}合计不超过 {limit}；申请表询问"
           f"“{rule.received.label}”，剩余额度为上限减去已获补助（不低于0）；剩余额度为0时以上项目不予补助；")
    out += ("超过剩余额度时，按项目顺序依次计算至剩余额度用尽【解释】" if rule.in_order
            else "超过剩余额度时，原文未规定如何分摊，以上项目均转人工审核")
    return out + "。"
