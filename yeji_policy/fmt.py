"""The canonical layout of policy files (`yeji-policy fmt`).

The layout is printed from the AST, so it depends on what a file says, not on
how it was typed: two-space indentation; one statement per line; one blank
line between top-level items, and between the items of a chapter except
between two articles or two test cases; no blank lines inside a block.
Operators take one spelling each: × (not *), ≥ ≤ ≠ (not >= <= != ), → (not
->).  Expressions are never broken; blocks (分档, 按, 情形, 逐项, 选项, 列表) are.
An interpretation (解释) of a rule, a formula, a cap or a field, and a field's
说明, go on a continuation line; a cap follows its formula on the same line
unless either has an interpretation.  A test's inputs and expectation stay on
one line while they fit in 120 columns (a CJK character counts two); longer
inputs are filled into lines of 120 columns, a nested record or list starting
a line of its own.

Kept exactly: the words of every `>` line (original text), every string's
value, every literal as written (50万元 stays 50万元), and every `#` comment —
an own-line comment stays before the statement that follows it, a trailing
comment after the statement on whose line it stood.

Before anything is written, the result is parsed again and must give the same
AST (positions aside) and the same comments: a formatter bug cannot change a
policy.
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from dataclasses import dataclass

from lark import Token

from . import ast as A
from . import check, keywords, parser
from .diagnostics import Diagnostic, Span, display_width

WIDTH = 120  # columns, a CJK character counting two
INDENT = 2


class FormatError(Exception):
    """The source cannot be formatted: it has errors (diagnostics), or the formatter has a bug."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None):
        super().__init__(message)
        self.diagnostics = diagnostics or []


# ---------------------------------------------------------------- printed lines
@dataclass
class Line:
    indent: int
    text: str
    first: int | None = None  # the source lines this printed line comes from
    last: int | None = None
    closing: bool = False  # a closing brace: a comment before it belongs to the block inside
    blank: bool = False
    comment: str | None = None  # a trailing comment

    def cover(self, first: int | None, last: int | None = None) -> None:
        last = first if last is None else last
        if first is None:
            return
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)


class Frag:
    """Printed text that may run over several lines; the first continues the current line."""

    def __init__(self, text: str = "", span: Span | None = None, whole: bool = True):
        self.lines = [Line(0, text)]
        if span is not None:
            self.lines[0].cover(span.line, span.end_line if whole else span.line)

    def add(self, *parts: "Frag | str") -> "Frag":
        for part in parts:
            if isinstance(part, str):
                self.lines[-1].text += part
                continue
            head, *rest = part.lines
            self.lines[-1].text += head.text
            self.lines[-1].cover(head.first, head.last)
            self.lines.extend(rest)
        return self

    def newline(self, indent: int) -> "Frag":
        self.lines.append(Line(indent, ""))
        return self

    def close(self, indent: int, text: str, end_line: int) -> "Frag":
        self.newline(indent).add(text)
        self.lines[-1].closing = True
        self.lines[-1].cover(end_line)
        return self


BLANK = None  # a blank line in a list of statements


def quote(value: str) -> str:
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif unicodedata.category(ch) == "Cc":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def text_line(words: str) -> str:
    return "> " + words if words else ">"


CMP_SPELLING = {">=": "≥", "<=": "≤", "!=": "≠", ">": ">", "<": "<", "=": "="}

# Binding strength, loosest first, as in the grammar.
_IF, _OR, _AND, _NOT, _CMP, _SUM, _PRODUCT, _ATOM = range(8)


def _precedence(e) -> int:
    if isinstance(e, A.If):
        return _IF
    if isinstance(e, A.BinOp):
        return {"或": _OR, "且": _AND, "+": _SUM, "-": _SUM, "×": _PRODUCT, "÷": _PRODUCT}[e.op]
    if isinstance(e, A.Not):
        return _NOT
    if isinstance(e, (A.Compare, A.Member)):
        return _CMP
    return _ATOM


# ---------------------------------------------------------------- the printer
class _Printer:
    # ------------------------------------------------------------ blocks
    def block(self, head: Frag, statements: list, indent: int, span: Span) -> Frag:
        if not any(s is not BLANK for s in statements):
            head.add(" {}")
            head.lines[-1].cover(span.end_line)
            return head
        head.add(" {")
        for statement in statements:
            if statement is BLANK:
                head.lines.append(Line(0, "", blank=True))
            else:
                head.newline(indent + INDENT).add(statement)
        return head.close(indent, "}", span.end_line)

    @staticmethod
    def statement(frag: Frag, span: Span) -> Frag:
        frag.lines[0].cover(span.line)
        frag.lines[-1].cover(span.end_line)
        return frag

    def module(self, module: A.Module) -> list[Line]:
        lines: list[Line] = []
        for index, item in enumerate(module.items):
            if index:
                lines.append(Line(0, "", blank=True))
            frag = self.item(item, 0)
            lines.extend(frag.lines)
        return lines

    def item(self, item, indent: int) -> Frag:
        if isinstance(item, A.Document):
            return self.document(item, indent)
        if isinstance(item, A.Chapter):
            return self.chapter(item, indent)
        if isinstance(item, A.Article):
            return self.article(item, indent)
        if isinstance(item, A.Programme):
            return self.programme(item, indent)
        if isinstance(item, A.CrossRule):
            return self.cross_rule(item, indent)
        return self.test_case(item, indent)

    # ------------------------------------------------------------ document, chapters, articles
    def document(self, doc: A.Document, indent: int) -> Frag:
        return self.block(Frag("文件", doc.span, whole=False),
                          [self.doc_entry(e, indent + INDENT) for e in doc.entries], indent, doc.span)

    def doc_entry(self, entry: A.Entry, indent: int) -> Frag:
        keyword = {"issuer": "发文机关", "title": "标题", "version": "版本", "basis": "依据", "addressees": "主送",
                   **A.DOC_DETAILS}
        if entry.kind == "preamble":
            frag = Frag("引言")
            self.text(frag, entry.values[0], indent + INDENT)
        elif entry.kind == "figure_note":
            frag = Frag(f"非规范数字 {quote(entry.values[0].value)} 因 {quote(entry.values[1].value)}")
        elif entry.kind == "amends":
            frag = Frag(f"{keywords.DOCUMENT['amends']} {quote(entry.values[0].value)} {keywords.DOCUMENT['since']} "
                        f"{quote(entry.values[1].value)}")
        else:
            frag = Frag(" ".join([keyword[entry.kind]] + [quote(v.value) for v in entry.values]))
        return self.statement(frag, entry.span)

    @staticmethod
    def text(frag: Frag, text: A.Text, indent: int) -> None:
        spans = text.line_spans or (text.span,) * len(text.lines)
        for words, span in zip(text.lines, spans):
            frag.newline(indent).add(Frag(text_line(words), span))

    def chapter(self, chapter: A.Chapter, indent: int) -> Frag:
        head = Frag(f"章 {chapter.numeral} {quote(chapter.title.value)}", chapter.span, whole=False)
        statements: list = []
        previous = None
        for item in chapter.items:
            if previous is not None and not (type(item) is type(previous) and isinstance(item, (A.Article, A.TestCase))):
                statements.append(BLANK)
            statements.append(self.item(item, indent + INDENT))
            previous = item
        return self.block(head, statements, indent, chapter.span)

    def article(self, article: A.Article, indent: int) -> Frag:
        head = Frag(f"条 {article.number} {quote(article.title.value)}", article.span, whole=False)
        head.add(" {")
        self.text(head, article.text, indent + INDENT)
        notes = sorted((*article.figure_notes, *article.clause_notes), key=lambda n: (n.span.line, n.span.column))
        for note in notes:
            keyword = "非规范数字" if isinstance(note, A.FigureNote) else "非规范条文"
            head.newline(indent + INDENT).add(
                Frag(f"{keyword} {quote(note.words.value)} 因 {quote(note.reason.value)}", note.span))
        for measure in article.measures:
            head.newline(indent + INDENT).add(self.measure(measure, indent + INDENT))
        return head.close(indent, "}", article.span.end_line)

    def measure(self, measure: A.Measure, indent: int = 0) -> Frag:
        v = [quote(s.value) for s in measure.values]
        ident = f" {measure.id.value}" if measure.id is not None else ""
        text = {
            "goal": lambda: f"目标{ident} {v[0]}",
            "task": lambda: f"任务{ident} {v[0]}",
            "responsible": lambda: " ".join(["责任单位"] + v),
            "indicator": lambda: f"指标{ident} {v[0]} 达到 {v[1]}",
            "target_group": lambda: f"对象 {v[0]}",
            "funding": lambda: f"资金承诺{ident} {v[0]}",
            "organisation": lambda: f"组织{ident} {v[0]}",
        }[measure.kind]()
        if measure.id is None:
            return Frag(text, measure.span)
        entries = [self.statement(Frag(" ".join([keywords.TRACED[e.kind]] + [quote(x.value) for x in e.values])),
                                  e.span) for e in measure.entries]
        return self.block(Frag(text, measure.span, whole=False), entries, indent, measure.span)

    # ------------------------------------------------------------ programmes
    def programme(self, prog: A.Programme, indent: int) -> Frag:
        head = Frag(f"项目 {prog.id.value} {quote(prog.name.value)}", prog.span, whole=False)
        inner = indent + INDENT
        return self.block(head, [self.prog_entry(e, inner) for e in prog.entries], indent, prog.span)

    def prog_entry(self, entry, indent: int) -> Frag:
        if isinstance(entry, A.Constraint):
            frag = Frag("校验 ").add(self.expr(entry.cond, indent), f" 于 {entry.path.value} 否则 {quote(entry.message.value)}")
            return self.statement(frag, entry.span)
        if not isinstance(entry, A.Entry):
            return self.rule(entry, indent)
        if entry.kind == "inputs":
            fields = [self.field(f, indent + INDENT) for f in entry.values]
            return self.statement(self.block(Frag("输入"), fields, indent, entry.span), entry.span)
        keyword = {"article": "条款", "excerpt": "摘录", "applicant": "申请主体", "funding_source": "资金来源",
                   "payment_condition": "兑现条件", **A.PROGRAMME_DETAILS}[entry.kind]
        parts = [keyword]
        for value in entry.values:
            if isinstance(value, A.Interp):
                parts.append(f"解释 {quote(value.note)}")
            elif isinstance(value, A.Str):
                parts.append(quote(value.value))
            else:
                parts.append(str(value))
        return self.statement(Frag(" ".join(parts)), entry.span)

    def field(self, node: A.Field, indent: int) -> Frag:
        frag = Frag(f"{node.name.value}: ", node.name.span).add(self.type(node.type, indent), " ",
                                                                 Frag(quote(node.label.value), node.label.span))
        for option in node.options:
            if option.kind in ("help", "interp"):
                words = (f"说明 {quote(option.value.value)}" if option.kind == "help"
                         else f"解释 {quote(option.value.note)}")
                frag.newline(indent + INDENT).add(Frag(words, option.span))
            else:
                keyword = keywords.FIELD_OPTIONS[option.kind]
                frag.add(" ", Frag(f"{keyword} {option.value.text}", option.span))
        return self.statement(frag, node.span)

    def type(self, t: A.TypeRef, indent: int) -> Frag:
        if t.kind not in ("enum", "list"):
            return Frag(keywords.TYPES[t.kind] + (f" {t.unit}" if t.unit is not None else ""), t.span)
        if t.kind == "enum":
            options = [Frag(f"{o.name.value} {quote(o.label.value)}", o.span) for o in t.options]
            return self.block(Frag(keywords.TYPES["enum"], t.span, whole=False), options, indent, t.span)
        fields = [self.field(f, indent + INDENT) for f in t.fields]
        return self.block(Frag(keywords.TYPES["list"], t.span, whole=False), fields, indent, t.span)

    # ------------------------------------------------------------ rules and amounts
    @staticmethod
    def interp(node: A.Interp) -> Frag:
        return Frag(f"解释 {quote(node.note)}", node.span)

    def with_interp(self, frag: Frag, interp: A.Interp | None, indent: int) -> Frag:
        if interp is not None:
            frag.newline(indent + INDENT).add(self.interp(interp))
        return frag

    def rule(self, rule, indent: int) -> Frag:
        if isinstance(rule, A.Require):
            frag = Frag("要求 ").add(self.expr(rule.cond, indent), f" 否则 不符合 {quote(rule.reason.value)}")
        elif isinstance(rule, A.Review):
            frag = Frag("审核 若 ").add(self.expr(rule.cond, indent), f" 因 {quote(rule.reason.value)}")
        elif isinstance(rule, A.Let) and isinstance(rule.expr, A.ItemSum):  # a list's sum as a step (#22)
            e = rule.expr
            head = Frag(f"令 {rule.name.value} {quote(rule.label.value)} = 逐项 {e.list_name.value} 为 {e.var.value}",
                        e.span, whole=False)
            frag = self.block(head, [self.rule(r, indent + INDENT) for r in e.rules], indent, e.span)
        elif isinstance(rule, A.Let):
            frag = Frag(f"令 {rule.name.value} {quote(rule.label.value)} = ").add(self.expr(rule.expr, indent))
        elif isinstance(rule, A.Unique):
            frag = Frag("唯一 ").add(self.expr(rule.key, indent), f" 否则 审核 {quote(rule.reason.value)}")
        elif isinstance(rule, A.Period):
            return self.period(rule, indent)
        else:
            return self.statement(Frag("金额 = ").add(self.amount(rule.amount, indent)), rule.span)
        return self.statement(self.with_interp(frag, rule.interp, indent), rule.span)

    def amount(self, node: A.Amount, indent: int) -> Frag:
        if isinstance(node, A.Formula):
            frag = self.with_interp(self.expr(node.expr, indent), node.interp, indent)
            if node.cap is not None:
                apart = node.interp is not None or node.cap.interp is not None
                cap_indent = indent + INDENT if apart else indent
                if apart:
                    frag.newline(cap_indent)
                else:
                    frag.add(" ")
                frag.add(self.cap(node.cap, "最高不超过 ", cap_indent))
            return frag
        if isinstance(node, A.Cases):
            cases = []
            for case in node.cases:
                head = Frag("其他: ", case.span, whole=False) if case.cond is None else \
                    Frag("当 ", case.span, whole=False).add(self.expr(case.cond, indent + INDENT), ": ")
                cases.append(self.statement(head.add(self.outcome(case.outcome, indent + INDENT)), case.span))
            return self.block(Frag("情形", node.span, whole=False), cases, indent, node.span)
        if isinstance(node, A.PerYear):
            return self.per_year(node, indent)
        head = Frag(f"逐项 {node.list_name.value} 为 {node.var.value}", node.span, whole=False)
        frag = self.block(head, [self.rule(r, indent + INDENT) for r in node.rules], indent, node.span)
        if node.cap is not None:  # after the block's closing brace, as the sum's own cap
            frag.add(" ", self.cap(node.cap, "合计最高不超过 ", indent))
        return frag

    def cap(self, cap: A.Cap, keyword: str, indent: int) -> Frag:
        frag = Frag(keyword).add(self.expr(cap.limit, indent))
        if cap.interp is not None:
            frag.add(" ", self.interp(cap.interp))
        return frag

    # --- per-year schedules and rule-level periods (#22, #16)
    def per_year(self, node: A.PerYear, indent: int) -> Frag:
        head = Frag("逐年 自 ", node.span, whole=False).add(self.expr(node.start, indent), " 至 ",
                                                           self.expr(node.day, indent))
        if node.interp is not None:
            head.newline(indent + INDENT).add(self.interp(node.interp))
        rows = [self.statement(Frag(f"{row.text}: ", row.span, whole=False).add(
            self.outcome(row.outcome, indent + INDENT)), row.span) for row in node.rows]
        other = node.otherwise
        rows.append(self.statement(Frag("其他: ", other.span, whole=False).add(
            self.outcome(other.outcome, indent + INDENT)), other.span))
        return self.block(head, rows, indent, node.span)

    def period(self, node: A.Period, indent: int) -> Frag:
        head = Frag("期间", node.span, whole=False)
        for word, part in (("自", node.start), ("至", node.end), ("按", node.day)):
            if part is not None:
                head.add(f" {word} ", self.expr(part, indent))
        return self.block(head, [self.rule(r, indent + INDENT) for r in node.rules], indent, node.span)

    def outcome(self, outcome, indent: int) -> Frag:
        if isinstance(outcome, A.Pay):
            return self.amount(outcome.amount, indent)
        if isinstance(outcome, A.OutcomeReview):
            return self.with_interp(Frag(f"审核 {quote(outcome.reason.value)}", outcome.reason.span),
                                    outcome.interp, indent)
        return Frag(f"不符合 {quote(outcome.reason.value)}", outcome.reason.span)

    # ------------------------------------------------------------ expressions
    def expr(self, e, indent: int, need: int = _IF) -> Frag:
        if _precedence(e) < need:
            return Frag("(").add(self.expr(e, indent), ")")
        if isinstance(e, (A.Quantity, A.Number)):
            return Frag(e.text, e.span)
        if isinstance(e, A.Bool):
            return Frag("是" if e.value else "否", e.span)
        if isinstance(e, A.Ref):
            return Frag(e.name.value, e.span)
        if isinstance(e, A.ItemRef):
            return Frag(f"{e.var.value}.{e.name.value}", e.span)
        if isinstance(e, A.If):
            return Frag("若 ", e.span, whole=False).add(
                self.expr(e.cond, indent), " 则 ", self.expr(e.then, indent), " 否则 ", self.expr(e.otherwise, indent))
        if isinstance(e, A.BinOp):
            strength = _precedence(e)
            return self.expr(e.left, indent, strength).add(f" {e.op} ", self.expr(e.right, indent, strength + 1))
        if isinstance(e, A.Not):
            return Frag("非 ", e.span, whole=False).add(self.expr(e.operand, indent, _NOT))
        if isinstance(e, A.Compare):
            return self.expr(e.left, indent, _SUM).add(f" {CMP_SPELLING[e.op]} ", self.expr(e.right, indent, _SUM))
        if isinstance(e, A.Member):
            names = ", ".join(v.value for v in e.values)
            return self.expr(e.operand, indent, _SUM).add(Frag(f" 属于 {{ {names} }}", e.values[-1].span))
        if isinstance(e, A.Call):
            frag = Frag(f"{e.func.value}(", e.func.span)
            for index, arg in enumerate(e.args):
                frag.add(", " if index else "", self.expr(arg, indent))
            return frag.add(")")
        if isinstance(e, A.DateLit):
            return Frag(e.text, e.span)
        if isinstance(e, (A.AppDate, A.EffectiveDate)):
            return Frag("申请日期" if isinstance(e, A.AppDate) else "施行日期", e.span)
        if isinstance(e, A.Tiers):
            head = Frag("分档 ", e.span, whole=False).add(self.expr(e.subject, indent))
            rows = [Frag(f"达到 {row.threshold.text} → {row.award.text}", row.span) for row in e.rows]
            return self.block(head, rows, indent, e.span)
        if isinstance(e, A.Ratio):  # 除法、比例与累进 (#22 ratio)
            return Frag(e.text, e.span)
        if isinstance(e, A.Bands):
            head = Frag("累进 ", e.span, whole=False).add(self.expr(e.subject, indent))
            rows = [self.with_interp(Frag(f"{'超过' if row.above else '不超过'} {row.bound.text} → {row.rate.text}",
                                          row.span, whole=row.interp is None), row.interp, indent + INDENT)
                    for row in e.rows]
            return self.block(head, rows, indent, e.span)
        if isinstance(e, A.Lookup):
            head = Frag("按 ", e.span, whole=False).add(self.expr(e.subject, indent))
            choices = [Frag(", ".join(v.value for v in c.values) + ": ", c.span, whole=False)
                       .add(self.expr(c.expr, indent + INDENT)) for c in e.choices]
            return self.block(head, choices, indent, e.span)
        raise TypeError(e)  # pragma: no cover - the grammar has no other expression

    # --- rules across programmes (#22)
    def cross_rule(self, rule: A.CrossRule, indent: int) -> Frag:
        head = Frag(f"{keywords.CROSS[rule.kind]} {rule.id.value} {quote(rule.title.value)}", rule.span, whole=False)
        return self.block(head, [self.cross_entry(e) for e in rule.entries], indent + 0, rule.span)

    def cross_entry(self, entry: A.Entry) -> Frag:
        k, v = keywords.CROSS, entry.values
        words = {
            "article": lambda: f"条款 {v[0]}",
            "excerpt": lambda: f"摘录 {quote(v[0].value)}",
            "programmes": lambda: "项目 " + ", ".join(n.value for n in v if isinstance(n, A.Name)) + (
                f" 解释 {quote(v[-1].note)}" if isinstance(v[-1], A.Interp) else ""),
            "elsewhere": lambda: f"{k['elsewhere']} {v[0].value} {quote(v[1].value)}",
            "highest": lambda: f"{k['on_repeat']} {k['highest']}",
            "period": lambda: f"{k['period']} {quote(v[0].value)}",
            "received": lambda: f"{k['received']} {v[0].value} {quote(v[1].value)}",
            "limit": lambda: f"最高不超过 {v[0].text}",
            "in_order": lambda: f"{k['on_excess']} {k['in_order']}",
        }[entry.kind]()
        if entry.kind in ("highest", "in_order") and v:
            words += f" 解释 {quote(v[0].note)}"
        return self.statement(Frag(words), entry.span)

    # ------------------------------------------------------------ test cases
    def test_case(self, case: A.TestCase, indent: int) -> Frag:
        head = Frag(f"测试 {quote(case.name.value)}", case.span, whole=False)
        inner = indent + INDENT
        inputs = Frag("输入 ", case.inputs.span, whole=False).add(
            self.value(case.inputs, inner, inner + display_width("输入 ")))
        statements = [Frag(f"项目 {case.programme.value}", case.programme.span), inputs, self.expect(case.expect, inner)]
        return self.block(head, statements, indent, case.span)

    def inline(self, v: A.Value) -> str:
        if v.kind == "number":
            return v.value
        if v.kind == "string":
            return quote(v.value)
        if v.kind == "bool":
            return "是" if v.value else "否"
        if v.kind == "list":
            return "[" + " ".join(self.inline(item) for item in v.value) + "]"
        if not v.value:
            return "{}"
        return "{ " + " ".join(f"{name.value}: {self.inline(item)}" for name, item in v.value) + " }"

    def value(self, v: A.Value, indent: int, used: int) -> Frag:
        """A test value: on one line if it fits, else its members filled into lines of WIDTH columns."""
        text = self.inline(v)
        if v.kind not in ("object", "list") or not v.value or used + display_width(text) <= WIDTH:
            return Frag(text, v.span)
        frag = Frag("{" if v.kind == "object" else "[", v.span, whole=False)
        inner = indent + INDENT
        members = v.value if v.kind == "object" else [(None, item) for item in v.value]
        width = WIDTH + 1  # start a new line for the first member
        for name, item in members:
            key = "" if name is None else f"{name.value}: "
            member = Frag(key, name.span) if name is not None else Frag()
            member_text = key + self.inline(item)
            if item.kind in ("object", "list") and item.value:
                # A nested record or list takes lines of its own.
                frag.newline(inner).add(member, self.value(item, inner, inner + display_width(key)))
                width = WIDTH + 1
                continue
            member.add(Frag(self.inline(item), item.span))
            if width + 1 + display_width(member_text) <= WIDTH:
                frag.add(" ", member)
                width += 1 + display_width(member_text)
            else:
                frag.newline(inner).add(member)
                width = inner + display_width(member_text)
        return frag.close(indent, "}" if v.kind == "object" else "]", v.span.end_line)

    def expect(self, expect: A.Expect, indent: int) -> Frag:
        keyword = keywords.EXPECT
        details = []
        for detail in expect.details:
            value = detail.values[0]
            shown = quote(value.value) if isinstance(value, A.Str) else str(value)
            details.append(Frag(f"{keyword[detail.kind]} {shown}", detail.span))
        one_line = " ".join(["预期", expect.status.value] + [d.lines[0].text for d in details])
        frag = Frag(f"预期 {expect.status.value}", expect.span, whole=False)
        fits = indent + display_width(one_line) <= WIDTH
        for detail in details:
            if fits:
                frag.add(" ", detail)
            else:
                frag.newline(indent + INDENT).add(detail)
        return self.statement(frag, expect.span)


# ---------------------------------------------------------------- comments
@dataclass(frozen=True)
class Comment:
    text: str
    line: int
    own_line: bool  # nothing but whitespace before it on its line
    blank_after: bool  # the source line after it is blank


def _comments(tokens: list[Token], source: str) -> list[Comment]:
    lines = source.split("\n")
    result = []
    for token in tokens:
        before = lines[token.line - 1][: token.column - 1]
        after = lines[token.line] if token.line < len(lines) else "x"
        result.append(Comment(str(token).rstrip(), token.line, not before.strip(), not after.strip()))
    return result


def _attach(lines: list[Line], comments: list[Comment]) -> list[Line]:
    """Put each comment back: before the printed line it preceded, or after the one it followed."""
    before: dict[int, list[Comment]] = {}
    at_end: list[Comment] = []
    coded = [i for i, line in enumerate(lines) if not line.blank and line.first is not None]
    # Indexes built once, so that each comment finds its place without a scan
    # of the whole file: the last printed line covering each source line, and
    # the running maximum of the last source line covered.
    holder: dict[int, int] = {}
    if any(not c.own_line for c in comments):
        for i in coded:
            for number in range(lines[i].first, lines[i].last + 1):
                holder[number] = i
    reach = list(itertools.accumulate((lines[i].last for i in coded), max))
    for comment in comments:
        if not comment.own_line:
            i = holder.get(comment.line)
            # A ">" line runs to the end of its line: a comment after it would become original text.
            if i is not None and lines[i].comment is None and not lines[i].text.startswith(">"):
                lines[i].comment = comment.text
                continue
        # The first printed line that reaches the comment's line.
        k = bisect.bisect_left(reach, comment.line)
        target = coded[k] if k < len(coded) else None
        if target is None:
            at_end.append(comment)
        else:
            before.setdefault(target, []).append(comment)

    out: list[Line] = []

    def put(comments_here: list[Comment], indent: int) -> None:
        for comment in comments_here:
            out.append(Line(indent, comment.text))
            if comment.blank_after:
                out.append(Line(0, "", blank=True))

    for index, line in enumerate(lines):
        put(before.get(index, []), line.indent + (INDENT if line.closing else 0))
        out.append(line)
    put(at_end, 0)

    # One blank line at most; none at the ends of the file or just before a closing brace.
    tidy: list[Line] = []
    for line in out:
        if line.blank and (not tidy or tidy[-1].blank):
            continue
        if line.closing and tidy and tidy[-1].blank:
            tidy.pop()
        tidy.append(line)
    while tidy and tidy[-1].blank:
        tidy.pop()
    return tidy


def _render(lines: list[Line]) -> str:
    out = []
    for line in lines:
        if line.blank:
            out.append("")
            continue
        text = " " * line.indent + line.text
        if line.comment is not None:
            text += "  " + line.comment
        out.append(text.rstrip())
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- entry points
def _shape(text: str) -> tuple[object, list[str]] | None:
    tree, tokens, diagnostics = parser.parse_with_comments(text)
    if tree is None:
        return None
    return A.without_spans(A.build(tree)), sorted(str(t).rstrip() for t in tokens)


def format_source(source: str, filename: str = "<policy>") -> str:
    """The canonical layout of a policy; raises FormatError if it has errors."""
    return parser.deep_call(_format_source, source, filename)


def _format_source(source: str, filename: str) -> str:
    tree, tokens, diagnostics = parser.parse_with_comments(source)
    if tree is not None:
        _, diagnostics = check.check_tree(tree, source, filename)
    errors = [d for d in diagnostics if d.is_error]
    if errors:
        raise FormatError(f"{filename} 有 {len(errors)} 个错误，未格式化", errors)
    module = A.build(tree)
    formatted = _render(_attach(_Printer().module(module), _comments(tokens, source)))
    if _shape(formatted) != (A.without_spans(module), sorted(str(t).rstrip() for t in tokens)):
        raise FormatError(f"格式化 {filename} 的结果与原文件含义不一致，这是 yeji-policy fmt 的缺陷；文件未改动")
    return formatted
