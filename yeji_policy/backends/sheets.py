"""Sheets backend: the checked model -> rule sheets for reviewers (Markdown and HTML).

The finance bureau and legal staff read these to verify that the code says
what the law says: every article with its original text verbatim, every
programme's conditions, formula, tables, form, interpretations and review
cases, worked examples, and an index of everything that needs a signature.

`build_sheet` turns the model into a view of plain strings (all numbers
already formatted for a Chinese reader); the two templates only lay that view
out.  Worked examples are computed here, at build time, by the reference
interpreter from the policy's own test cases, so a changed rate changes the
examples.  Nothing here knows a programme by name.

Escaping: the HTML environment autoescapes; the Markdown template passes
every value through the one filter `md` (see `md_escape`), and a test checks
that it does.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal

import jinja2

from .. import catalogue, describe, interpreter, layout, testing, versions, visitor
from .. import model as M
from .. import runtime as R
from ..units import MONEY

_STEM = re.compile(r"^\w[\w.-]*$")

INTERPRETATION = "解释"
REVIEW = "需人工审核"
NOT_DECLARED = "政策源文件未声明"
UNBOUNDED = "未设上限"
PAYMENT_LABELS = ("兑现方式", "补助期限", "兑现前提")  # finding: one 兑现条件 column mixed all three
DISCRETION = "原则上"


# ---------------------------------------------------------------- the view
@dataclass(frozen=True)
class Marked:
    """An interpretation or a review case: boxed in its programme, listed in the index."""

    number: int
    kind: str  # INTERPRETATION or REVIEW
    article: int
    programme: str  # "名称（id）", or "—" for an article-level note
    anchor: str  # HTML id of the section it belongs to
    subject: str
    note: str
    related: int | None = None  # a review case: the number of the 解释 of its rule, if it has one
    ids: tuple[str, ...] = ()  # an interpretation's stable ids (art10_park_rent.cap), as traces and receipts cite them

    @property
    def shown_note(self) -> str:
        """The note as the box and the sign-off index show it: with its stable ids, if any."""
        return f"{self.note}〔编号：{'、'.join(self.ids)}〕" if self.ids else self.note

    @property
    def is_review(self) -> bool:
        return self.kind == REVIEW

    @property
    def subject_label(self) -> str:
        return "情形" if self.is_review else "事项"


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class Example:
    name: str
    inputs: tuple[tuple[str, str], ...]
    steps: tuple[str, ...]
    status: str
    amount: str
    amount_if_approved: str | None
    result: str  # 符合条件，可协助申报市财政一次性奖励 20,000.00 元
    reasons: tuple[str, ...]
    notes: tuple[str, ...]  # interpretations applied
    problems: tuple[str, ...]  # where the result differs from the test case's expectation


@dataclass(frozen=True)
class ProgrammeSheet:
    id: str
    anchor: str
    name: str
    article: int
    term: str  # 补助, 奖励 or 补贴: what the programme pays, as its name says
    details: tuple[tuple[str, str], ...]  # 条款, 申请主体, 资金来源, 兑现方式 … 重复享受, each with its 解释 referenced
    statements: str  # the yes/no answers that are the applicant's statements
    excerpt: str | None
    constraints: tuple[str, ...]
    conditions: tuple[str, ...]
    steps: tuple[str, ...]  # named calculation steps (令)
    formula: tuple[str, ...]
    tables: tuple[Table, ...]
    fields: Table
    interpretations: tuple[Marked, ...]
    reviews: tuple[Marked, ...]
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class ArticleSheet:
    number: int
    anchor: str
    title: str
    lines: tuple[str, ...]  # the original text, verbatim, line by line
    measures: tuple[tuple[str, tuple[str, ...]], ...]  # (目标, [values])
    interpretations: tuple[Marked, ...]  # notes on the article itself, outside any programme
    programmes: tuple[ProgrammeSheet, ...]


@dataclass(frozen=True)
class ChapterSheet:
    numeral: str
    title: str
    articles: tuple[ArticleSheet, ...]


@dataclass(frozen=True)
class Sheet:
    title: str
    header: tuple[tuple[str, str], ...]  # the document block
    provenance: tuple[tuple[str, str], ...]
    preamble: tuple[str, ...]
    legend: tuple[str, ...]
    summary: Table
    money: Table  # the most one application can receive, per programme
    money_by_source: Table
    chapters: tuple[ChapterSheet, ...]
    index: tuple[Marked, ...]
    index_header: tuple[str, ...]
    signoff_note: str
    whole_sheet: str  # the label of the sign-off line for the whole sheet


# ---------------------------------------------------------------- figures
def figure(text: str, value: Decimal | None, is_money: bool) -> str:
    """A figure as the text writes it; an amount written in 万元 also in 元: 50万元（500,000.00 元）."""
    if is_money and value is not None and "万元" in text:
        return f"{text}（{R.show_yuan(value)}）"
    return text


def _words(e: M.Expr) -> str:
    """An expression in words, with 万元 constants also shown in 元."""
    if isinstance(e, M.Const) and isinstance(e.value, Decimal):
        return figure(e.text, e.value, e.type.dim == MONEY)
    return describe.expr(e, tables=True, words=True)


def _cap_words(cap: M.Cap) -> str:
    return f"最高不超过{_words(cap.limit)}"


def _field_type(f: M.Field) -> str:
    unit = f"（{f.unit}）" if f.unit else ""
    return {
        "money": "金额（元）",
        "number": f"数值{unit}",
        "int": f"整数{unit}",
        "bool": "是/否",
        "date": "日期（YYYY-MM-DD）",
        "text": "文字",
        "enum": "选项",
        "list": "列表（至少1项）",
    }[f.kind]


# ---------------------------------------------------------------- marked items
class _Register:
    """Numbers every interpretation and review case once, in sheet order, for the index.

    Order: article, then programme (in policy order; notes on the article
    itself first), then position in the source.
    """

    def __init__(self, policy: M.Policy):
        order = {p.id: i for i, p in enumerate(policy.programmes)}
        found: list[tuple[tuple, str, int, str | None, str, str, M.Interpretation | None]] = []
        # One reading applied in several places of a programme (兑现前提 and the rule that
        # checks it) is written once, word for word, at each: one index line, one number.
        first: dict[tuple, int] = {}  # (article, programme, note) -> its entry in found
        same: dict[int, M.Interpretation] = {}  # id of a repeated interpretation -> the first
        stable_ids: dict[int, list[str]] = {}  # id of the first -> the stable ids (art10_park_rent.cap) it stands for
        for interp in policy.interpretations:
            key = (interp.article, interp.programme, interp.note)
            if key in first:
                stable_ids[id(found[first[key]][6])].append(interp.id)
                entry = found[first[key]]
                same[id(interp)] = entry[6]
                if interp.subject not in entry[4].split("、"):
                    found[first[key]] = entry[:4] + (f"{entry[4]}、{interp.subject}",) + entry[5:]
                continue
            first[key] = len(found)
            stable_ids[id(interp)] = [interp.id]
            found.append(((interp.article, order.get(interp.programme, -1), interp.span.line, interp.span.column),
                          INTERPRETATION, interp.article, interp.programme, interp.subject, interp.note, interp))
        for p in policy.programmes:
            for span, when, reason, interp in review_cases(p):
                found.append(((p.article, order[p.id], span.line, span.column),
                              REVIEW, p.article, p.id, when, reason, interp))
        for rule in policy.cross:  # rules across programmes (#22): what the text leaves to a reviewer
            for when, reason in cross_reviews(policy, rule):
                found.append(((rule.article, -1, rule.span.line, rule.span.column), REVIEW, rule.article, None,
                              when, reason, None))
        found.sort(key=lambda f: f[0])
        numbers = {id(f[6]): n for n, f in enumerate(found, start=1) if f[1] == INTERPRETATION}
        self.marked: list[Marked] = []
        self._owners: list[str | None] = []  # programme id of each marked item
        self._by_interp: dict[int, Marked] = {}
        for number, (_, kind, article, pid, subject, note, interp) in enumerate(found, start=1):
            if pid is None:
                name, anchor = "—", _article_anchor(article)
            else:
                p = policy.programme(pid)
                name, anchor = f"{p.name}（{p.id}）", _programme_anchor(p)
            related = numbers.get(id(same.get(id(interp), interp))) if kind == REVIEW and interp is not None else None
            ids = tuple(stable_ids[id(interp)]) if kind == INTERPRETATION and interp is not None else ()
            marked = Marked(number, kind, article, name, anchor, subject, note, related, ids)
            self.marked.append(marked)
            self._owners.append(pid)
            if interp is not None and kind == INTERPRETATION:
                self._by_interp[id(interp)] = marked
        for repeated, interp in same.items():
            self._by_interp[repeated] = self._by_interp[id(interp)]

    def of(self, pid: str | None, article: int, kind: str) -> tuple[Marked, ...]:
        """The items of one kind of a programme (pid None: of the article itself)."""
        return tuple(m for m, owner in zip(self.marked, self._owners)
                     if owner == pid and m.article == article and m.kind == kind)

    def ref(self, interp: M.Interpretation | None) -> str:
        """'〔解释，索引第N项〕' after a value that carries an interpretation."""
        if interp is None:
            return ""
        return f"〔{INTERPRETATION}，索引第{self._by_interp[id(interp)].number}项〕"


def cross_reviews(policy: M.Policy, rule) -> list[tuple[str, str]]:
    """(when, reason) of what a rule across programmes sends to review, where the drafters chose no reading."""
    names = "、".join(f"“{policy.programme(pid).name}”" for pid in rule.programmes)
    if isinstance(rule, M.Exclusion):
        if len(rule.programmes) < 2 or rule.highest:
            return []
        return [(f"一次申请中{names}两项以上可予补助", f"{rule.title}：原文未规定享受哪一项，均转人工审核")]
    if rule.in_order or len(rule.programmes) < 2:
        return []
    return [(f"{names}合计超过剩余额度", f"{rule.title}：原文未规定如何分摊，均转人工审核（只有一项时按剩余额度计）")]


def review_cases(p: M.Programme) -> list[tuple[object, str, str, M.Interpretation | None]]:
    """(span, when, reason, the rule's 解释) of every case the rules leave to a reviewer, in source order.

    M.Review rules (top level or per item), M.ReviewOutcome cases, and
    M.Unique keys inside a sum over items.
    """
    walk = _ReviewCases()
    for rule in p.rules:
        walk.visit(rule, "")
    walk.visit(p.amount, "")
    walk.found.sort(key=lambda f: (f[0].line, f[0].column))
    return walk.found


class _ReviewCases(visitor.Visitor[None]):
    """visit(rule or amount, each) collects the review cases below it; each: 逐项 prefix, when: the case's condition."""

    def __init__(self) -> None:
        self.found: list[tuple[object, str, str, M.Interpretation | None]] = []

    def visit_Review(self, rule: M.Review, each: str) -> None:
        self.found.append((rule.span, f"{each}{describe.condition(rule.cond, words=True)}", rule.reason,
                           rule.interpretation))

    def visit_Unique(self, rule: M.Unique, each: str) -> None:
        self.found.append((rule.span, f"{each}{describe.expr(rule.key)}与在前已计入的一项相同", rule.reason,
                           rule.interpretation))

    def visit_Require(self, rule: M.Require, each: str) -> None:
        pass  # failing it is ineligibility, not review

    visit_Let = visit_Require

    def visit_Formula(self, a: M.Formula, each: str, when: str = "") -> None:
        pass  # a formula always computes

    def visit_Cases(self, a: M.Cases, each: str, when: str = "") -> None:
        for case in a.cases:
            self.visit(case.outcome, each,
                       describe.other_case() if case.cond is None else describe.condition(case.cond, words=True))

    def visit_ReviewOutcome(self, outcome: M.ReviewOutcome, each: str, when: str = "") -> None:
        self.found.append((outcome.span, f"{each}{when}", outcome.reason, outcome.interpretation))

    def visit_IneligibleOutcome(self, outcome: M.IneligibleOutcome, each: str, when: str = "") -> None:
        pass

    def visit_PerItem(self, a: M.PerItem, each: str, when: str = "") -> None:
        inner = f"{a.list_field.label}（逐项）："
        for rule in a.rules:
            self.visit(rule, inner)
        self.visit(a.amount, inner)


def _article_anchor(number: int) -> str:
    return f"article-{int(number)}"


def _programme_anchor(p: M.Programme) -> str:
    return "programme-" + re.sub(r"[^A-Za-z0-9_-]", "-", p.id)


# ---------------------------------------------------------------- a programme
def _rule_lines(rules, each: str, per_item: bool) -> list[str]:
    return [line for rule in rules for line in _RULE_LINES.visit(rule, each, per_item)]


class _RuleLines(visitor.Visitor[list]):
    """visit(rule, each, per_item): the rule as a condition of the sheet (none for a named step)."""

    def visit_Require(self, rule: M.Require, each: str, per_item: bool) -> list[str]:
        effect = "该项不计入" if per_item else "不符合条件"
        return [f"{each}{describe.condition(rule.cond, words=True)}（不满足时{effect}：{rule.reason}）"]

    def visit_Review(self, rule: M.Review, each: str, per_item: bool) -> list[str]:
        return [f"{each}若{describe.condition(rule.cond, words=True)}，{REVIEW}（{rule.reason}）"]

    def visit_Unique(self, rule: M.Unique, each: str, per_item: bool) -> list[str]:
        return [f"{each}{describe.expr(rule.key)}相同的，按列表顺序仅第一个符合条件的计入，"
                f"其后各项{REVIEW}（{rule.reason}）"]

    def visit_Let(self, rule: M.Let, each: str, per_item: bool) -> list[str]:
        return []  # a calculation step, listed apart (_let_lines)


_RULE_LINES = _RuleLines()


def _let_lines(p: M.Programme) -> list[str]:
    """The named calculation steps (令): a calculation, not a condition of eligibility."""
    return [f"{rule.label} = {describe.expr(rule.expr, tables=True, words=True)}"
            for rule in p.rules if isinstance(rule, M.Let)]


def term(p: M.Programme) -> str:
    """What the programme pays — 奖励, 补贴 or 补助 — as its name (the text's word) says."""
    return R.programme_term(p.name)


def money_wording(p: M.Programme) -> str:
    """How a result names the money: the policy's 资金表述, else “补助金额”."""
    return p.money_wording or f"{term(p)}金额"


def _conditions(p: M.Programme) -> list[str]:
    return _rule_lines(p.rules, "", False) + _ITEM_CONDITIONS.visit(p.amount)


class _ItemConditions(visitor.Visitor[list]):
    """The conditions each item of a sum over a list must meet, wherever the amount holds one."""

    def visit_PerItem(self, a: M.PerItem) -> list[str]:
        return _rule_lines(a.rules, f"每项{a.list_field.label}：", True) + self.visit(a.amount)

    def visit_Cases(self, a: M.Cases) -> list[str]:
        return [line for case in a.cases for line in self.visit(case.outcome)]

    def visit_Formula(self, a) -> list[str]:
        return []

    visit_ReviewOutcome = visit_IneligibleOutcome = visit_Formula


_ITEM_CONDITIONS = _ItemConditions()


def _formula_lines(a, head: str) -> list[str]:
    return _FORMULA_LINES.visit(a, head)


class _FormulaLines(visitor.Visitor[list]):
    """visit(amount, head): the lines of the amount's formula; head names the money (补助金额 = )."""

    def visit_Formula(self, a: M.Formula, head: str) -> list[str]:
        text = f"{head}{describe.expr(a.expr, tables=True, words=True)}"
        if a.cap is not None:
            text += "，" + _cap_words(a.cap)
        return [text]

    def visit_Cases(self, a: M.Cases, head: str) -> list[str]:
        lines = []
        for case in a.cases:
            when = describe.other_case() if case.cond is None else describe.condition(case.cond, words=True)
            lines.extend(f"{when}：{line}" for line in self.visit(case.outcome, head))
        return lines

    def visit_ReviewOutcome(self, outcome: M.ReviewOutcome, head: str) -> list[str]:
        return [f"{REVIEW}（{outcome.reason}）"]

    def visit_IneligibleOutcome(self, outcome: M.IneligibleOutcome, head: str) -> list[str]:
        return [f"不予补助（{outcome.reason}）"]

    def visit_PerItem(self, a: M.PerItem, head: str) -> list[str]:
        label = a.list_field.label
        word = head.split(" = ")[0]
        lines = self.visit(a.amount, f"每项{label}的{word} = ")
        lines.append(f"{word} = 计入的各项{label}金额合计（{REVIEW}的各项，经批准后计入）")
        return lines


_FORMULA_LINES = _FormulaLines()


def _caps(a, each: str = "") -> list[str]:
    return _CAPS.visit(a, each)


class _Caps(visitor.Visitor[list]):
    """visit(amount, each): the caps of an amount in words, each after `each` (每项…： inside a sum)."""

    def visit_Formula(self, a: M.Formula, each: str) -> list[str]:
        if a.cap is None:
            return []
        return [f"{each}{_words(a.cap.limit)}" + ("【解释】" if a.cap.interpretation else "")]

    def visit_Cases(self, a: M.Cases, each: str) -> list[str]:
        return [cap for case in a.cases for cap in self.visit(case.outcome, each)]

    def visit_ReviewOutcome(self, outcome, each: str) -> list[str]:
        return []

    visit_IneligibleOutcome = visit_ReviewOutcome

    def visit_PerItem(self, a: M.PerItem, each: str) -> list[str]:
        return self.visit(a.amount, f"每项{a.list_field.label}：")


_CAPS = _Caps()


def _cap_summary(p: M.Programme) -> str:
    caps = _caps(p.amount)
    if caps:
        return "；".join(caps)
    bound = catalogue.amount_bound(p.amount)
    if bound is not None:
        value, text = bound
        return f"未单列上限；按标准最多{figure(text, value, True)}"
    return UNBOUNDED


def _tables(p: M.Programme) -> list[Table]:
    """Every lookup and tier table of the programme's rules and amount, in order."""
    walk = _TableWalk()
    for rule in p.rules:
        walk.visit(catalogue.rule_expr(rule), "")
    walk.visit(p.amount, "")
    return walk.tables


class _TableWalk(visitor.Visitor[None]):
    """visit(node, within) collects the tables below node in order; within: the options a table is under."""

    def __init__(self) -> None:
        self.tables: list[Table] = []

    # ------------------------------------------------------------ amounts: their expressions in order
    def visit_Formula(self, a: M.Formula, within: str) -> None:
        self.visit(a.expr, within)
        if a.cap is not None:
            self.visit(a.cap.limit, within)

    def visit_Cases(self, a: M.Cases, within: str) -> None:
        for case in a.cases:
            if case.cond is not None:
                self.visit(case.cond, within)
            self.visit(case.outcome, within)

    def visit_ReviewOutcome(self, outcome, within: str) -> None:
        pass  # no expression

    visit_IneligibleOutcome = visit_ReviewOutcome

    def visit_PerItem(self, a: M.PerItem, within: str) -> None:
        for rule in a.rules:
            self.visit(catalogue.rule_expr(rule), within)
        self.visit(a.amount, within)

    # ------------------------------------------------------------ expressions
    def visit_Lookup(self, e: M.Lookup, within: str) -> None:
        rows = []
        for options, branch in describe.lookup_groups(e):
            labels = describe.option_labels(e, options)
            if isinstance(branch, M.Tiers):
                shown = f"{describe.tiers_name(branch)}，见下方分档表（{labels}）"
            else:
                shown = _words(branch)
            rows.append((labels, shown))
        self.tables.append(Table(f"对照表：{describe.lookup_name(e)}", (e.field.label, "金额"), tuple(rows)))
        for options, branch in describe.lookup_groups(e):
            self.visit(branch, describe.option_labels(e, options))

    def visit_Tiers(self, e: M.Tiers, within: str) -> None:
        money = e.type.dim == MONEY
        subject_money = e.subject.type.dim == MONEY
        rows = tuple(
            (f"第{i}档", figure(r.threshold_text, r.threshold, subject_money), figure(r.award_text, r.award, money))
            for i, r in enumerate(e.rows, start=1))
        caption = f"分档表：{describe.tiers_name(e)}" + (f"（{within}）" if within else "")
        note = (f"{describe.expr(e.subject)}达到某档门槛（等于门槛即为达到）即适用该档，取所达到的最高一档；"
                f"未达到最低档（{e.rows[0].threshold_text}）的为0。")
        self.tables.append(Table(caption, ("档位", f"{describe.expr(e.subject)}达到", "金额"), rows, note))
        self.visit(e.subject, "")

    def _operands(self, e: M.Expr, within: str) -> None:
        for child in catalogue.children(e):
            self.visit(child, within)

    visit_Const = visit_InputRef = visit_ItemRef = visit_LetRef = _operands
    visit_Arith = visit_Logic = visit_Not = visit_Compare = visit_Member = visit_Cond = visit_Call = _operands


def _field_rows(fields, register: _Register, prefix: str = "", label_prefix: str = "") -> list[tuple[str, ...]]:
    rows = []
    for f in fields:
        notes = []
        if f.help:
            notes.append(f.help)
        if f.options:
            notes.append("可选：" + "；".join(f"{label}（{option}）" for option, label in f.options))
        if f.default is not None:
            notes.append(f"未填时默认 {R.show_number(f.default, f.unit)}")
        if f.minimum is not None:
            notes.append(f"最小 {R.show_number(f.minimum, f.unit)}")
        if f.step is not None:
            notes.append(f"须为 {R.show_number(f.step, f.unit)} 的整数倍")
        if f.interpretation is not None:
            notes.append(f"【{INTERPRETATION}】{f.interpretation.note}{register.ref(f.interpretation)}")
        rows.append((f"{prefix}{f.name}", f"{label_prefix}{f.label}", _field_type(f), "；".join(notes) or "—"))
        if f.kind == "list":
            rows += _field_rows(f.item_fields, register, f"{prefix}{f.name}[].", f"{label_prefix}{f.label} › ")
    return rows


# ---------------------------------------------------------------- worked examples
def _show_inputs(f: M.Field, value) -> list[tuple[str, str]]:
    """(label, value shown) of one input; a list gives one row per item."""
    if f.kind == "list":
        return [(f"{f.label}第{i}项", "，".join(f"{g.label} {_show_inputs(g, item[g.name])[0][1]}" for g in f.item_fields))
                for i, item in enumerate(value, start=1)]
    return [(f.label, R.show_value(value, f.kind, f.unit, f.options))]


def _example(policy: M.Policy, p: M.Programme, case: M.TestCase) -> Example:
    outcome = testing.run_case(case, "interpreter", lambda pid, app: interpreter.evaluate(policy, pid, app))
    errors: list[dict] = []
    values = R.validate_object([catalogue.field_spec(f) for f in p.fields], case.application, "", errors) or {}
    inputs = []
    for f in p.fields:
        if f.name not in values:
            continue
        shown = _show_inputs(f, values[f.name])
        if f.name not in case.application:
            shown = [(label, value + "（未填，取默认值）") for label, value in shown]
        inputs += shown
    result = outcome.result
    if result is None:  # the application was refused as invalid
        return Example(case.name, tuple(inputs), (), M.STATUS_LABELS["invalid"], "—", None,
                       M.STATUS_LABELS["invalid"], (), (), outcome.problems)
    approved = result.get("amount_if_approved")
    status, amount = M.STATUS_LABELS[result["status"]], R.show_yuan(Decimal(result["amount"]))
    shown = f"{status}，{money_wording(p)} {amount}"
    if approved is not None:
        shown += f"；经审核批准后 {R.show_yuan(Decimal(approved))}"
    return Example(
        name=case.name,
        inputs=tuple(inputs),
        steps=tuple(result["steps"]),
        status=status,
        amount=amount,
        amount_if_approved=None if approved is None else R.show_yuan(Decimal(approved)),
        result=shown,
        reasons=tuple(result["reasons"]),
        notes=tuple(f"{n['subject']}：{n['note']}" for n in result["interpretations"]),
        problems=outcome.problems,
    )


# ---------------------------------------------------------------- the whole sheet
def _programme(policy: M.Policy, p: M.Programme, register: _Register) -> ProgrammeSheet:
    constraints = tuple(f"{describe.condition(c.cond, words=True)}（不满足时为无效申请：{c.message}）" for c in p.constraints)
    examples = tuple(_example(policy, p, case) for case in policy.tests
                     if case.programme == p.id and case.expect.status != "invalid")
    fields = Table("申请表单", ("字段", "名称", "类型", "说明"), tuple(_field_rows(p.fields, register)))

    def shown(a: M.Attribute | None) -> str:
        return NOT_DECLARED if a is None else a.value + register.ref(a.interpretation)

    details = [("条款", f"第{p.article}条"), ("申请主体", shown(p.applicant)), ("资金来源", shown(p.funding_source)),
               ("结果的表述", f"“{money_wording(p)} ……元”"),
               ("兑现条件（计算结果所列）", shown(p.payment_condition))]
    details += [(label, shown(a)) for label, a in p.details if label != "重复享受"]
    details.append(("申报材料", "；".join(p.materials) if p.materials else NOT_DECLARED))
    details += [(label, shown(a)) for label, a in p.details if label == "重复享受"]
    rules = [f"见第{r.article}条“{r.title}”" for r in policy.cross if p.id in r.programmes]  # #22
    if rules:
        details.append(("跨项目规定", "；".join(rules)))
    return ProgrammeSheet(
        id=p.id,
        anchor=_programme_anchor(p),
        name=p.name,
        article=p.article,
        term=term(p),
        details=tuple(details),
        statements=_statements(p),
        excerpt=p.excerpt,
        constraints=constraints,
        conditions=tuple(_conditions(p)),
        steps=tuple(_let_lines(p)),
        formula=tuple(_formula_lines(p.amount, f"{term(p)}金额 = ")),
        tables=tuple(_tables(p)),
        fields=fields,
        interpretations=register.of(p.id, p.article, INTERPRETATION),
        reviews=register.of(p.id, p.article, REVIEW),
        examples=examples,
    )


def _has_review(p: M.Programme) -> bool:
    """Whether some case of the programme ends in review: a 审核 rule, case or 唯一."""
    return bool(review_cases(p))


def _marked_value(a: M.Attribute | None) -> str:
    if a is None:
        return NOT_DECLARED
    return a.value + ("【解释】" if a.interpretation else "")


def calculation_interpretations(p: M.Programme) -> list[M.Interpretation]:
    """The interpretations the amount's calculation rests on, caps apart (the 上限 column marks those).

    A formula's own 解释, and the 解释 of every named step (令) and input it
    computes with: a reviewer reading only 资金项目一览 must not take an
    interpreted formula for the text's.
    """
    walk = _Calculation()
    walk.visit(p.amount)
    return walk.found


class _Calculation(visitor.Visitor[None]):
    """visit(amount or expression) collects in found the 解释 of the formulas, steps and inputs below it."""

    def __init__(self) -> None:
        self.found: list[M.Interpretation] = []
        self._lets: set[int] = set()

    def _add(self, interp: M.Interpretation | None) -> None:
        if interp is not None and all(interp is not seen for seen in self.found):
            self.found.append(interp)

    # ------------------------------------------------------------ amounts
    def visit_Formula(self, a: M.Formula) -> None:
        self._add(a.interpretation)
        self.visit(a.expr)

    def visit_Cases(self, a: M.Cases) -> None:
        for case in a.cases:
            if case.cond is not None:
                self.visit(case.cond)
            self.visit(case.outcome)

    def visit_ReviewOutcome(self, outcome) -> None:
        pass  # computes nothing: a review case is listed apart

    visit_IneligibleOutcome = visit_ReviewOutcome

    def visit_PerItem(self, a: M.PerItem) -> None:
        for rule in a.rules:
            self.visit(rule)
        self.visit(a.amount)

    # ------------------------------------------------------------ rules: a step computes, a condition decides
    def visit_Let(self, rule: M.Let) -> None:
        if id(rule) not in self._lets:
            self._lets.add(id(rule))
            self._add(rule.interpretation)
            self.visit(rule.expr)

    def visit_Require(self, rule) -> None:
        pass  # a condition of eligibility, not of the calculation

    visit_Review = visit_Unique = visit_Require

    # ------------------------------------------------------------ expressions
    def visit_InputRef(self, e: M.InputRef) -> None:
        self._add(e.field.interpretation)

    visit_ItemRef = visit_InputRef

    def visit_LetRef(self, e: M.LetRef) -> None:
        self.visit(e.let)

    def visit_Tiers(self, e: M.Tiers) -> None:
        self.visit(e.subject)

    def visit_Lookup(self, e: M.Lookup) -> None:
        self._add(e.field.interpretation)
        self._operands(e)

    def _operands(self, e: M.Expr) -> None:
        for child in catalogue.children(e):
            self.visit(child)

    visit_Const = visit_Arith = visit_Logic = visit_Not = visit_Compare = visit_Member = visit_Cond = _operands
    visit_Call = _operands


def _summary(policy: M.Policy) -> Table:
    rows = []
    for p in policy.programmes:
        standard = describe.amount(p.amount, tables=True, caps=False, words=True)
        if calculation_interpretations(p):
            standard += f"【{INTERPRETATION}】"  # as the 上限, 资金来源 and 兑现 columns mark theirs
        if _has_review(p):
            standard += "（含【需人工审核】的情形）"
        rows.append((f"第{p.article}条", f"{p.name}（{p.id}）", standard, _cap_summary(p),
                     _marked_value(p.funding_source), *(_marked_value(p.detail(label)) for label in PAYMENT_LABELS)))
    return Table("资金项目一览", ("条款", "项目", "计算标准", "上限", "资金来源", *PAYMENT_LABELS), tuple(rows))


def _bound(p: M.Programme) -> Decimal | None:
    bound = catalogue.amount_bound(p.amount)
    return None if bound is None else R.round_cents(bound[0])


def _money(policy: M.Policy) -> tuple[Table, Table]:
    """The most one application can receive: per programme, and per funding source.

    Computed from the model (caps, tiers, lookups), never typed: where the
    rules do not bound the amount (per trainee, per station, up to the rent
    paid) it says 未设上限.  Funding sources are never added together.
    """
    rows = []
    sources: dict[str, list[M.Programme]] = {}
    for p in policy.programmes:
        bound = _bound(p)
        rows.append((f"第{p.article}条", f"{p.name}（{p.id}）", p.funding_source.value, money_wording(p),
                     UNBOUNDED if bound is None else R.show_yuan(bound)))
        sources.setdefault(p.funding_source.value, []).append(p)
    by_source = []
    for source, programmes in sources.items():
        bounds = [_bound(p) for p in programmes]
        unbounded = [p for p, b in zip(programmes, bounds) if b is None]
        if unbounded:
            total = UNBOUNDED + "（" + "、".join(f"{p.name}" for p in unbounded) + "未设上限）"
        else:
            total = R.show_yuan(sum(bounds, Decimal(0)))
        by_source.append((source, "、".join(f"{p.name}（{p.id}）" for p in programmes), total))
    return (Table("每份申请最多可得金额（按项目）", ("条款", "项目", "资金来源", "结果的表述", "每份申请最多"), tuple(rows),
                  "按政策源文件中的上限、分档和对照表计算；“未设上限”表示原文未规定上限，金额随人数、网点数或实际支出增长。"),
            Table("按资金来源汇总（各资金来源分别列示，不相加）", ("资金来源", "项目", "各项目各一份申请最多合计"),
                  tuple(by_source),
                  "不同资金来源的金额分别列示，不相加；每个项目的“结果的表述”写明由谁出资。"))


def _measures(article: M.Article) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out: list[tuple[str, list[str]]] = []
    for m in article.measures:
        if m.kind == "indicator":
            text = f"{m.values[0]}达到{m.values[1]}" if len(m.values) > 1 else m.values[0]
        elif m.kind == "responsible":
            text = m.values[0] + (f"（{m.values[1]}）" if len(m.values) > 1 else "")
        else:
            text = "；".join(m.values)
        for label, values in out:
            if label == m.label:
                values.append(text)
                break
        else:
            out.append((m.label, [text]))
    return tuple((label, tuple(values)) for label, values in out)


# --- rules across programmes (#22): each in words (describe.cross_rule), among the measures of its article
def cross_measures(policy: M.Policy, article: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out: dict[str, list[str]] = {}
    for rule in policy.cross:
        if rule.article == article:
            label = "不得重复享受" if isinstance(rule, M.Exclusion) else "合计上限"
            out.setdefault(label, []).append(describe.cross_rule(policy, rule))
    return tuple((label, tuple(values)) for label, values in out.items())


def _statements(p: M.Programme) -> str:
    """The yes/no answers of the form are what the applicant says, to be proven by documents."""
    labels = [f.label for f in p.fields if f.kind == "bool"]
    labels += [g.label for f in p.fields if f.kind == "list" for g in f.item_fields if g.kind == "bool"]
    if not labels:
        return ""
    return ("表单中的是否项（" + "、".join(f"“{label}”" for label in labels) +
            "）是申请人的陈述，本系统按所填答案计算；须由受理部门以证明材料核实。")


def original_text(policy: M.Policy) -> str:
    """The law's text alone, line by line as published: issuer, title, preamble, chapter headings, articles.

    Its hash tells a reviewer whether a new version changed the law's text or only the encoding.
    """
    doc = policy.document
    lines = [doc.issuer, doc.title] + (doc.preamble.split("\n") if doc.preamble else [])
    for chapter in policy.chapters:
        lines.append(f"{chapter.numeral}、{chapter.title}")
        for number in chapter.articles:
            lines += policy.article(number).text.split("\n")
    return "\n".join(lines) + "\n"


def _discretion(policy: M.Policy, marked: tuple[Marked, ...]) -> str:
    """How each 原则上 of the text is read: a review case, or a rule applied as binding."""
    clauses = []
    for a in policy.articles:
        for clause in re.split(r"[，。；：]", a.text):
            if DISCRETION in clause:
                clauses.append(f"第{a.number}条“{clause}”")
    if not clauses:
        return ""
    readings = []
    for m in marked:
        if DISCRETION in m.note:
            how = f"列为【{REVIEW}】" if m.is_review else f"按硬性规定执行，为【{INTERPRETATION}】"
            related = f"；其【{INTERPRETATION}】见索引第{m.related}项" if m.related else ""
            readings.append(f"{how}：{m.note}（索引第{m.number}项{related}）")
    return (f"原文“{DISCRETION}”共{len(clauses)}处：" + "、".join(clauses) + "。处理方式不同，并非一律需人工审核：" +
            "；".join(readings) + "。")


def _legend(policy: M.Policy, marked: tuple[Marked, ...]) -> tuple[str, ...]:
    lines = [
        "原文以引用块逐字列出，须与政策原文逐字一致；其后是编码后的措施和资金项目。",
        f"【{INTERPRETATION}】标出起草人对原文所作的理解，并非原文字面规定，须经审核确认。",
        f"【{REVIEW}】标出原文留有裁量或未作规定、须由审核人员决定的情形：计算结果为“需人工审核”；能够计算的，同时列出经批准后的金额。",
        _discretion(policy, marked),
        "金额单位为元，千分位分隔；原文以万元表述的，同时注明元。计算精确进行，最终金额只在最后按分四舍五入一次，"
        "上限和合计在取整之前适用；计算过程中写明“按分四舍五入”的一步，即是取整之处。",
        "“资金来源”和“结果的表述”写明每个项目由谁出资：不由区财政出资的项目，结果写明资金渠道或“可协助申报”，金额汇总按资金来源分列。",
        "表单中的是否项（验收合格、机构健全等）和申请人类别是申请人的陈述，本系统按所填答案计算，须由受理部门以证明材料核实。",
        f"“{NOT_DECLARED}”表示政策源文件没有写这一项；“原文未规定”“原文未载明”表示原文没有这一内容，由起草人在政策源文件中声明。",
        "计算示例由编译器在生成本说明时，用参考解释器按政策源文件中的测试用例计算，不是手工填写。",
        f"文末审核签字栏逐项列出全部【{INTERPRETATION}】和【{REVIEW}】事项，另有一行供对全文签署审核意见。",
    ]
    return tuple(line for line in lines if line)


def _version_rows(policy: M.Policy) -> tuple[tuple[str, str], ...]:
    """Which version this sheet shows, when it applies, what it amends and what replaced it.
    An open end (the text gives no date) is a reading of the drafters, said as such."""
    from ..policy_dates import NOT_STATED, shown

    doc = policy.document
    first, last = versions.period(policy)
    period = f"{f'自{shown(first)}起' if first else '起始不限'}，{f'至{shown(last)}止' if last else '截止不限'}"
    if first is None or last is None:
        open_ends = "、".join(word for word, day in (("施行日期", first), ("截止日期", last)) if day is None)
        period += (f"〔{INTERPRETATION}：{open_ends}{NOT_STATED}，按不限处理——"
                   f"任何申请日期都适用本版本{'' if last else '，直至有新版本修订或废止它'}〕")
    rows = [("本说明所示版本", f"{policy.id}（编码版本 {doc.version}）"), ("适用期间", period)]
    if doc.amends is not None:
        rows.append(("修订", f"本版本修订 {doc.amends.policy}，自{shown(doc.amends.since)}起施行"))
    successor = policy.superseded_by
    rows.append(("被修订", f"自{shown(successor.since)}起由 {successor.policy}（编码版本 {successor.version}）取代，"
                          "此后的申请适用新版本" if successor else "无（没有一同构建的版本修订本版本）"))
    return tuple(rows)


def build_sheet(policy: M.Policy) -> Sheet:
    doc = policy.document
    register = _Register(policy)
    basis = "；".join(f"{number}《{title}》" for number, title in doc.basis) or "—"
    header = (
        ("发文机关", doc.issuer),
        ("标题", doc.title),
        *((label, NOT_DECLARED if value is None else value) for label, value in doc.details),
        ("依据", basis),
        ("主送", doc.addressees or "—"),
        *_version_rows(policy),
    )
    provenance = (
        ("政策源文件", policy.source_file),
        ("编码版本", doc.version),
        ("政策源文件哈希（SHA-256）", policy.content_hash),
        ("原文哈希（SHA-256）", hashlib.sha256(original_text(policy).encode("utf-8")).hexdigest()),
        ("说明", "政策源文件哈希随编码的任何改动而变；原文哈希只对原文（发文机关、标题、引言、各章标题和各条原文，"
                "按行排列，每行以换行符结尾，UTF-8）计算，新版本中不变即表示原文未改、只改了编码。"),
    )
    programmes = {p.id: _programme(policy, p, register) for p in policy.programmes}
    chapters = []
    for chapter in policy.chapters:
        articles = []
        for number in chapter.articles:
            a = policy.article(number)
            articles.append(ArticleSheet(
                number=a.number,
                anchor=_article_anchor(a.number),
                title=a.title,
                lines=tuple(a.text.split("\n")),
                measures=_measures(a) + cross_measures(policy, a.number),
                interpretations=register.of(None, a.number, INTERPRETATION),
                programmes=tuple(programmes[pid] for pid in a.programmes),
            ))
        chapters.append(ChapterSheet(chapter.numeral, chapter.title, tuple(articles)))
    money, money_by_source = _money(policy)
    return Sheet(
        title=f"{doc.issuer}{doc.title}",
        header=header,
        provenance=provenance,
        preamble=tuple(doc.preamble.split("\n")) if doc.preamble else (),
        legend=_legend(policy, tuple(register.marked)),
        summary=_summary(policy),
        money=money,
        money_by_source=money_by_source,
        chapters=tuple(chapters),
        index=tuple(register.marked),
        index_header=("序号", "条款", "项目", "类别", "事项", "内容", "审核意见", "审核人", "日期"),
        signoff_note="审核人员逐项填写审核意见（同意 / 不同意及理由）、签名和日期；最后一行对本说明全文签署意见。",
        whole_sheet="本说明全文（含原文、各项目、计算示例和以上各项）",
    )


# ---------------------------------------------------------------- Markdown escaping
# Characters that Markdown (CommonMark + GFM tables, strikethrough, autolinks,
# footnotes, math, emoji) may interpret anywhere in a line; CommonMark lets a
# backslash escape any ASCII punctuation, so escaping them is always safe.
_MD_INLINE = re.compile(r"([\\`*_\[\]<|~&$:#!])")
# Interpreted only at the start of a line (or of a list item or table cell,
# where a value may stand): bullets "- " "+ ", ordered lists "1. " "1) ",
# setext underlines and thematic breaks made of "=" or "-", and ">" (a
# quote).  ">" elsewhere is plain text (without "<" it opens no tag), so it is
# not escaped: a reviewer reading the raw file sees "补助月数 > 0", not "\>".
_MD_LIST_MARKER = re.compile(r"^([-+]|\d{1,9}[.)])(?=[ \t]|$)")
_MD_UNDERLINE = re.compile(r"^[=-]+[ \t]*$")
_LEADING_SPACE = re.compile(r"^[ \t]+")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def md_escape(value) -> str:
    """Escape a value so that Markdown shows it literally.

    Every policy-derived string in sheet.md.j2 goes through this filter.  A
    newline inside a value becomes <br> (the value stands in a table cell or
    a list item); leading spaces become &#32; so they cannot open a code block.
    """
    lines = []
    for line in _NEWLINE.split(str(value)):
        line = _MD_INLINE.sub(r"\\\1", line)
        line = _LEADING_SPACE.sub(lambda m: "&#32;" * len(m.group(0).expandtabs(4)), line)
        if _MD_UNDERLINE.match(line) or line.startswith(">"):
            line = "\\" + line
        else:
            line = _MD_LIST_MARKER.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], line)
        lines.append(line)
    return "<br>".join(lines)


# ---------------------------------------------------------------- rendering
def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("yeji_policy", "backends/templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = md_escape
    return env


def render_markdown(sheet: Sheet) -> str:
    return _environment(autoescape=False).get_template("sheet.md.j2").render(sheet=sheet)


def render_html(sheet: Sheet) -> str:
    return _environment(autoescape=True).get_template("sheet.html.j2").render(sheet=sheet)


def generate(policy: M.Policy) -> dict[str, bytes]:
    if not _STEM.match(policy.id):
        raise ValueError(f"unsafe policy id {policy.id!r}")
    sheet = build_sheet(policy)
    from . import sheet_docx  # python-docx and lxml load only when a sheet is built

    return {
        layout.sheet(policy.id, "md"): render_markdown(sheet).encode("utf-8"),
        layout.sheet(policy.id, "html"): render_html(sheet).encode("utf-8"),
        layout.sheet(policy.id, "docx"): sheet_docx.render(sheet, policy.content_hash),
    }
