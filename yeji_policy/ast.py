"""The abstract syntax tree: frozen dataclasses with source spans.

`build(tree)` turns a Lark parse tree into these nodes and does nothing else;
every semantic check is in the checker (check/), so that its errors keep their positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from lark import Token, Transformer, Tree, v_args

from . import keywords
from .diagnostics import Span


def span_of(item: Token | Tree | object) -> Span:
    if isinstance(item, Token):
        return Span(item.line, item.column, item.end_line or item.line,
                    item.end_column or item.column + len(item))
    meta = item.meta  # type: ignore[attr-defined]
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


@dataclass(frozen=True)
class Name:
    value: str
    span: Span


@dataclass(frozen=True)
class Str:
    value: str
    span: Span


@dataclass(frozen=True)
class Interp:
    """An interpretation: the drafters' reading rather than the text's words."""

    note: str
    span: Span


# ---------------------------------------------------------------- expressions
@dataclass(frozen=True)
class Quantity:
    text: str  # as written: "50万元", "15元/平方米/月", "80%"
    span: Span


@dataclass(frozen=True)
class Number:
    text: str
    span: Span


@dataclass(frozen=True)
class Bool:
    value: bool
    span: Span


@dataclass(frozen=True)
class Ref:
    name: Name
    span: Span


@dataclass(frozen=True)
class ItemRef:
    var: Name
    name: Name
    span: Span


@dataclass(frozen=True)
class If:
    cond: "Expr"
    then: "Expr"
    otherwise: "Expr"
    span: Span


@dataclass(frozen=True)
class BinOp:
    op: str  # "+", "-", "×", "且", "或"
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True)
class Not:
    operand: "Expr"
    span: Span


@dataclass(frozen=True)
class Compare:
    op: str  # normalised: ">=", "<=", ">", "<", "=", "!="
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True)
class Member:
    operand: "Expr"
    values: tuple[Name, ...]
    span: Span


@dataclass(frozen=True)
class Call:
    func: Name
    args: tuple["Expr", ...]
    span: Span


@dataclass(frozen=True)
class Tier:
    threshold: Union[Quantity, Number]
    award: Union[Quantity, Number]
    span: Span


@dataclass(frozen=True)
class Tiers:
    subject: "Expr"
    rows: tuple[Tier, ...]
    span: Span


@dataclass(frozen=True)
class Choice:
    values: tuple[Name, ...]
    expr: "Expr"
    span: Span


@dataclass(frozen=True)
class Lookup:
    subject: "Expr"
    choices: tuple[Choice, ...]
    span: Span


# --- 除法、比例与累进 (#22 ratio) ---
@dataclass(frozen=True)
class Ratio:
    """A ratio literal as written (1:0.5): one figure, worth right ÷ left."""

    text: str
    span: Span


@dataclass(frozen=True)
class Band:
    """One band of a 累进 table: 不超过 upper → rate, or (the last) 超过 lower → rate."""

    bound: Union[Quantity, Number]
    rate: Union[Quantity, Number]
    above: bool  # 超过: open above
    interp: Interp | None
    span: Span


@dataclass(frozen=True)
class Bands:
    subject: "Expr"
    rows: tuple[Band, ...]
    span: Span


# --- dates in rules (#22, #16) ---
@dataclass(frozen=True)
class DateLit:
    """A date as the text writes it: 2025年1月1日."""

    text: str
    span: Span


@dataclass(frozen=True)
class AppDate:
    """申请日期: the day the application is filed (its application_date)."""

    span: Span


@dataclass(frozen=True)
class EffectiveDate:
    """施行日期: the policy's own date of effect, as its document declares it."""

    span: Span


Expr = Union[Quantity, Number, Bool, Ref, ItemRef, If, BinOp, Not, Compare, Member, Call, Tiers, Lookup, Ratio, Bands,
             DateLit, AppDate, EffectiveDate]


# ---------------------------------------------------------------- amounts and rules
@dataclass(frozen=True)
class Cap:
    limit: Expr
    interp: Interp | None
    span: Span


@dataclass(frozen=True)
class Formula:
    expr: Expr
    interp: Interp | None
    cap: Cap | None
    span: Span


@dataclass(frozen=True)
class Pay:
    amount: "Amount"
    span: Span


@dataclass(frozen=True)
class OutcomeReview:
    reason: Str
    interp: Interp | None
    span: Span


@dataclass(frozen=True)
class OutcomeIneligible:
    reason: Str
    span: Span


Outcome = Union[Pay, OutcomeReview, OutcomeIneligible]


@dataclass(frozen=True)
class Case:
    cond: Expr | None  # None for 其他
    outcome: Outcome
    span: Span


@dataclass(frozen=True)
class Cases:
    cases: tuple[Case, ...]
    span: Span


@dataclass(frozen=True)
class PerItem:
    list_name: Name
    var: Name
    rules: tuple["Rule", ...]
    span: Span
    cap: "Cap | None" = None  # 合计最高不超过: the cap on the sum of the items


# --- per-year schedules (#22) ---
@dataclass(frozen=True)
class YearRow:
    """第N年: what year `year` (1, 2, …) of a schedule pays."""

    year: int
    text: str  # as written: 第1年
    outcome: Outcome
    span: Span


@dataclass(frozen=True)
class PerYear:
    """逐年 自 start 至 day { 第1年: … 其他: … }: the row of the year, counted from start, that day falls in."""

    start: Expr
    day: Expr
    interp: Interp | None
    rows: tuple[YearRow, ...]
    otherwise: Case
    span: Span


Amount = Union[Formula, Cases, PerItem, PerYear]


@dataclass(frozen=True)
class ItemSum:
    """令 x "…" = 逐项 LIST 为 VAR { … }: the sum of the items' amounts, as a named step's value (#22)."""

    list_name: Name
    var: Name
    rules: tuple["Rule", ...]
    span: Span


@dataclass(frozen=True)
class Require:
    cond: Expr
    reason: Str
    interp: Interp | None
    span: Span


@dataclass(frozen=True)
class Review:
    cond: Expr
    reason: Str
    interp: Interp | None
    span: Span


@dataclass(frozen=True)
class Let:
    name: Name
    label: Str
    expr: Expr
    interp: Interp | None
    span: Span


@dataclass(frozen=True)
class Unique:
    key: Expr
    reason: Str
    interp: Interp | None
    span: Span


@dataclass(frozen=True)
class AmountRule:
    amount: Amount
    span: Span


# --- rule-level periods (#16) ---
@dataclass(frozen=True)
class Period:
    """期间 自 start 至 end 按 day { rules }: the rules apply only where day (else the application
    date) lies from start to end, both included; None: open on that side."""

    start: Expr | None
    end: Expr | None
    day: Expr | None
    rules: tuple["Rule", ...]
    span: Span


Rule = Union[Require, Review, Let, Unique, AmountRule, Period]


# ---------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Option:
    name: Name
    label: Str
    span: Span


@dataclass(frozen=True)
class TypeRef:
    kind: str  # money, number, int, bool, date, text, enum, list
    unit: Token | None
    options: tuple[Option, ...]
    fields: tuple["Field", ...]
    span: Span


@dataclass(frozen=True)
class FieldOption:
    kind: str  # help, default, min, step, interp
    value: object
    span: Span


@dataclass(frozen=True)
class Field:
    name: Name
    type: TypeRef
    label: Str
    options: tuple[FieldOption, ...]
    span: Span


@dataclass(frozen=True)
class Constraint:
    cond: Expr
    path: Name
    message: Str
    span: Span


# ---------------------------------------------------------------- documents
@dataclass(frozen=True)
class Text:
    lines: tuple[str, ...]
    span: Span
    # Where each line's words start and end in the source (after "> "), so
    # that a diagnostic can point into the original text.
    line_spans: tuple[Span, ...] = ()

    @property
    def value(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Entry:
    """One keyword entry of a block: `kind` names it, `values` are its operands."""

    kind: str
    values: tuple[object, ...]
    span: Span


@dataclass(frozen=True)
class Document:
    entries: tuple[Entry, ...]
    span: Span


@dataclass(frozen=True)
class Measure:
    kind: str  # goal, task, responsible, indicator, target_group, funding, organisation
    values: tuple[Str, ...]
    span: Span
    # A traced measure (任务 id "…" { 条文 … }): its id and its block's entries
    # (clause, lead, support, deadline, funding_source).
    id: Name | None = None
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class ClauseNote:
    """非规范条文 "words" 因 "reason": these words of the text direct nobody."""

    words: Str
    reason: Str
    span: Span


@dataclass(frozen=True)
class FigureNote:
    """非规范数字 "words" 因 "reason": the figures inside `words` are not normative."""

    words: Str
    reason: Str
    span: Span


@dataclass(frozen=True)
class Article:
    number: Token
    title: Str
    text: Text
    measures: tuple[Measure, ...]
    span: Span
    figure_notes: tuple[FigureNote, ...] = ()
    clause_notes: tuple[ClauseNote, ...] = ()


@dataclass(frozen=True)
class Programme:
    id: Name
    name: Str
    entries: tuple[object, ...]  # Entry, Constraint, Rule
    span: Span


@dataclass(frozen=True)
class Value:
    """A literal in a test case: kind is number, string, bool, list or object."""

    kind: str
    value: object
    span: Span


@dataclass(frozen=True)
class Expect:
    status: Str
    details: tuple[Entry, ...]
    span: Span


@dataclass(frozen=True)
class TestCase:
    name: Str
    programme: Name
    inputs: Value
    expect: Expect
    span: Span


# --- rules across programmes: 不得重复享受, 合计上限 (#22) ---
@dataclass(frozen=True)
class CrossRule:
    """A declaration over several programmes: kind "exclusion" (不得重复享受) or
    "aggregate_cap" (合计上限); its entries (article, excerpt, programmes — with
    the declaration's 解释 last, if any —, elsewhere, highest, period, received,
    limit, in_order) as written."""

    kind: str
    id: Name
    title: Str
    entries: tuple[Entry, ...]
    span: Span


@dataclass(frozen=True)
class Chapter:
    numeral: Token
    title: Str
    items: tuple[object, ...]  # Article, Programme, TestCase
    span: Span


@dataclass(frozen=True)
class Module:
    items: tuple[object, ...]  # Document, Chapter, Programme, TestCase
    span: Span


# Optional entries, each one string: the keyword of each kind (keywords.py), for
# the checker, the formatter and diff.
DOC_DETAILS = keywords.DOC_DETAILS
PROGRAMME_DETAILS = keywords.PROGRAMME_DETAILS

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unquote(token: Token) -> str:
    """The value of a STRING token; unknown escapes are kept as written."""

    def replace(match: re.Match[str]) -> str:
        ch = match.group(1)
        if ch in _ESCAPES:
            return _ESCAPES[ch]
        if match.group(2):  # \uXXXX
            return chr(int(match.group(2), 16))
        return match.group(0)

    return re.sub(r"\\(u([0-9A-Fa-f]{4})|.)", replace, str(token)[1:-1])


CMP_OPS = {"≥": ">=", "≤": "<=", "≠": "!=", ">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "=", "!=": "!="}


def _string(token: Token) -> Str:
    return Str(unquote(token), span_of(token))


def _name(token: Token) -> Name:
    return Name(str(token), span_of(token))


def _text_line(token: Token) -> str:
    line = str(token).strip()[1:]
    return line[1:] if line.startswith(" ") else line


def _text_line_span(token: Token) -> Span:
    """The span of a text line's words: the token less its ">" and one space."""
    words = _text_line(token)
    column = token.column + (2 if str(token).startswith("> ") else 1)
    return Span(token.line, column, token.line, column + len(words))


@v_args(meta=True)
class _Builder(Transformer):
    """Parse tree -> AST.  Pure construction: no checks here."""

    def _span(self, meta) -> Span:
        return Span(meta.line, meta.column, meta.end_line, meta.end_column)

    def start(self, meta, items):
        span = self._span(meta) if not meta.empty else Span(1, 1, 1, 1)
        return Module(tuple(items), span)

    # document
    def document(self, meta, entries):
        return Document(tuple(entries), self._span(meta))

    def _entry(kind):  # noqa: N805 - a factory used in the class body
        def method(self, meta, children):
            values = tuple(_string(c) if isinstance(c, Token) and c.type == "STRING" else c for c in children)
            return Entry(kind, values, self._span(meta))
        return method

    doc_issuer = _entry("issuer")
    doc_title = _entry("title")
    doc_version = _entry("version")
    doc_basis = _entry("basis")
    doc_addressees = _entry("addressees")
    doc_preamble = _entry("preamble")
    doc_figure_note = _entry("figure_note")
    doc_number = _entry("doc_number")
    doc_date_written = _entry("date_written")
    doc_date_effective = _entry("date_effective")
    doc_validity = _entry("validity")
    doc_expires = _entry("expires")
    doc_repealed = _entry("repealed")
    doc_amends = _entry("amends")

    def text(self, meta, lines):
        return Text(tuple(_text_line(t) for t in lines), self._span(meta), tuple(_text_line_span(t) for t in lines))

    # chapters and articles
    def chapter(self, meta, children):
        numeral, title, *items = children
        return Chapter(numeral, _string(title), tuple(items), self._span(meta))

    def article(self, meta, children):
        number, title, text, *rest = children
        notes = tuple(c for c in rest if isinstance(c, FigureNote))
        clause_notes = tuple(c for c in rest if isinstance(c, ClauseNote))
        measures = tuple(c for c in rest if isinstance(c, Measure))
        return Article(number, _string(title), text, measures, self._span(meta), notes, clause_notes)

    def clause_note(self, meta, children):
        words, reason = children
        return ClauseNote(_string(words), _string(reason), self._span(meta))

    def figure_note(self, meta, children):
        words, reason = children
        return FigureNote(_string(words), _string(reason), self._span(meta))

    def _measure(kind):  # noqa: N805
        def method(self, meta, children):
            return Measure(kind, tuple(_string(c) for c in children), self._span(meta))
        return method

    goal = _measure("goal")
    task = _measure("task")
    responsible = _measure("responsible")
    indicator = _measure("indicator")
    target_group = _measure("target_group")

    def _traced(kind):  # noqa: N805
        def method(self, meta, children):
            ident, *strings, entries = children
            return Measure(kind, tuple(_string(c) for c in strings), self._span(meta), _name(ident), entries)
        return method

    traced_task = _traced("task")
    traced_goal = _traced("goal")
    traced_indicator = _traced("indicator")
    traced_funding = _traced("funding")
    traced_organisation = _traced("organisation")

    def traced(self, meta, children):
        return tuple(children)

    tr_clause = _entry("clause")
    tr_lead = _entry("lead")
    tr_support = _entry("support")
    tr_deadline = _entry("deadline")
    tr_funding = _entry("funding_source")

    # programmes
    def programme(self, meta, children):
        pid, name, *entries = children
        return Programme(_name(pid), _string(name), tuple(entries), self._span(meta))

    def _prog_entry(kind):  # noqa: N805
        def method(self, meta, children):
            values = tuple(_string(c) if isinstance(c, Token) and c.type == "STRING" else c for c in children)
            return Entry(kind, values, self._span(meta))
        return method

    prog_article = _prog_entry("article")
    prog_excerpt = _prog_entry("excerpt")
    prog_applicant = _prog_entry("applicant")
    prog_funding = _prog_entry("funding_source")
    prog_payment = _prog_entry("payment_condition")
    prog_payment_method = _prog_entry("payment_method")
    prog_duration = _prog_entry("duration")
    prog_precondition = _prog_entry("precondition")
    prog_office = _prog_entry("office")
    prog_materials = _prog_entry("materials")
    prog_combination = _prog_entry("combination")
    prog_money_wording = _prog_entry("money_wording")
    prog_starts = _prog_entry("starts")
    prog_ends = _prog_entry("ends")

    def prog_inputs(self, meta, fields):
        return Entry("inputs", tuple(fields), self._span(meta))

    def prog_constraint(self, meta, children):
        cond, path, message = children
        return Constraint(cond, _name(path), _string(message), self._span(meta))

    def interp(self, meta, children):
        return Interp(unquote(children[0]), self._span(meta))

    @staticmethod
    def _split_interp(children):
        if children and isinstance(children[-1], Interp):
            return children[:-1], children[-1]
        return children, None

    def require(self, meta, children):
        (cond, reason), interp = self._split_interp(children)
        return Require(cond, _string(reason), interp, self._span(meta))

    def review(self, meta, children):
        (cond, reason), interp = self._split_interp(children)
        return Review(cond, _string(reason), interp, self._span(meta))

    def let(self, meta, children):
        (name, label, expr), interp = self._split_interp(children)
        return Let(_name(name), _string(label), expr, interp, self._span(meta))

    def unique(self, meta, children):
        (key, reason), interp = self._split_interp(children)
        return Unique(key, _string(reason), interp, self._span(meta))

    def amount_rule(self, meta, children):
        return AmountRule(children[0], self._span(meta))

    def formula(self, meta, children):
        expr, *rest = children
        interp = next((c for c in rest if isinstance(c, Interp)), None)
        cap = next((c for c in rest if isinstance(c, Cap)), None)
        return Formula(expr, interp, cap, self._span(meta))

    def cap(self, meta, children):
        (limit,), interp = self._split_interp(children)
        return Cap(limit, interp, self._span(meta))

    def item_sum(self, meta, children):
        list_name, var, *rules = children
        return ItemSum(_name(list_name), _name(var), tuple(rules), self._span(meta))

    total_cap = cap  # 合计最高不超过: the same node, held by a 逐项 (PerItem.cap)

    def cases(self, meta, children):
        return Cases(tuple(children), self._span(meta))

    def case(self, meta, children):
        cond, outcome = children
        return Case(cond, outcome, self._span(meta))

    def otherwise(self, meta, children):
        return Case(None, children[0], self._span(meta))

    def pay(self, meta, children):
        return Pay(children[0], self._span(meta))

    def outcome_review(self, meta, children):
        (reason,), interp = self._split_interp(children)
        return OutcomeReview(_string(reason), interp, self._span(meta))

    def outcome_ineligible(self, meta, children):
        return OutcomeIneligible(_string(children[0]), self._span(meta))

    def per_item(self, meta, children):
        list_name, var, *rules = children
        cap = rules.pop() if rules and isinstance(rules[-1], Cap) else None
        return PerItem(_name(list_name), _name(var), tuple(rules), self._span(meta), cap)

    # --- dates in rules, per-year schedules, rule-level periods (#22, #16)
    def date_lit(self, meta, children):
        return DateLit(str(children[0]), span_of(children[0]))

    def app_date(self, meta, children):
        return AppDate(self._span(meta))

    def effective_date(self, meta, children):
        return EffectiveDate(self._span(meta))

    def per_year(self, meta, children):
        start, day, *rows, otherwise = children
        interp = rows.pop(0) if rows and isinstance(rows[0], Interp) else None
        return PerYear(start, day, interp, tuple(rows), otherwise, self._span(meta))

    def amount(self, meta, children):  # the per_year alternative of `amount`, which carries no alias
        return children[0]

    def year_row(self, meta, children):
        token, outcome = children
        return YearRow(int(str(token)[1:-1]), str(token), outcome, self._span(meta))

    def period_block(self, meta, children):
        parts = {c[0]: c[1] for c in children if isinstance(c, tuple)}
        rules = tuple(c for c in children if not isinstance(c, tuple))
        return Period(parts.get("from"), parts.get("to"), parts.get("by"), rules, self._span(meta))

    def period_from(self, meta, children):
        return ("from", children[0])

    def period_to(self, meta, children):
        return ("to", children[0])

    def period_by(self, meta, children):
        return ("by", children[0])

    # inputs
    def field(self, meta, children):
        name, type_, label, *options = children
        return Field(_name(name), type_, _string(label), tuple(options), self._span(meta))

    def _type(kind):  # noqa: N805
        def method(self, meta, children):
            unit = children[0] if children and isinstance(children[0], Token) else None
            options = tuple(c for c in children if isinstance(c, Option))
            fields = tuple(c for c in children if isinstance(c, Field))
            return TypeRef(kind, unit, options, fields, self._span(meta))
        return method

    t_money = _type("money")
    t_number = _type("number")
    t_int = _type("int")
    t_bool = _type("bool")
    t_date = _type("date")
    t_text = _type("text")
    t_enum = _type("enum")
    t_list = _type("list")

    def option(self, meta, children):
        name, label = children
        return Option(_name(name), _string(label), self._span(meta))

    def _field_option(kind):  # noqa: N805
        def method(self, meta, children):
            value = children[0]
            if isinstance(value, Token) and value.type == "STRING":
                value = _string(value)
            return FieldOption(kind, value, self._span(meta))
        return method

    opt_help = _field_option("help")
    opt_default = _field_option("default")
    opt_min = _field_option("min")
    opt_step = _field_option("step")
    opt_interp = _field_option("interp")

    # expressions
    def quantity(self, meta, children):
        return Quantity(str(children[0]), span_of(children[0]))

    def number(self, meta, children):
        return Number(str(children[0]), span_of(children[0]))

    def true(self, meta, children):
        return Bool(True, self._span(meta))

    def false(self, meta, children):
        return Bool(False, self._span(meta))

    def ref(self, meta, children):
        return Ref(_name(children[0]), self._span(meta))

    def item_ref(self, meta, children):
        var, name = children
        return ItemRef(_name(var), _name(name), self._span(meta))

    def if_expr(self, meta, children):
        cond, then, otherwise = children
        return If(cond, then, otherwise, self._span(meta))

    def _binop(op):  # noqa: N805
        def method(self, meta, children):
            left, right = children
            return BinOp(op, left, right, self._span(meta))
        return method

    or_ = _binop("或")
    and_ = _binop("且")
    add = _binop("+")
    sub = _binop("-")
    mul = _binop("×")
    div = _binop("÷")  # 除法 (#22 ratio)

    def not_(self, meta, children):
        return Not(children[0], self._span(meta))

    def cmp_op(self, meta, children):
        return CMP_OPS[str(children[0])]

    def compare(self, meta, children):
        left, op, right = children
        return Compare(op, left, right, self._span(meta))

    def member(self, meta, children):
        operand, *values = children
        return Member(operand, tuple(_name(v) for v in values), self._span(meta))

    def call(self, meta, children):
        func, *args = children
        return Call(_name(func), tuple(args), self._span(meta))

    def tiers(self, meta, children):
        subject, *rows = children
        return Tiers(subject, tuple(rows), self._span(meta))

    def tier(self, meta, children):
        threshold, award = children
        return Tier(threshold, award, self._span(meta))

    # --- 除法、比例与累进 (#22 ratio) ---
    def ratio(self, meta, children):
        return Ratio(str(children[0]), span_of(children[0]))

    def bands(self, meta, children):
        subject, *rows = children
        return Bands(subject, tuple(rows), self._span(meta))

    def _band(above):  # noqa: N805
        def method(self, meta, children):
            bound, rate, *interp = children
            return Band(bound, rate, above, interp[0] if interp else None, self._span(meta))
        return method

    band_upto = _band(False)
    band_above = _band(True)

    def lookup(self, meta, children):
        subject, *choices = children
        return Lookup(subject, tuple(choices), self._span(meta))

    def choice(self, meta, children):
        *values, expr = children
        return Choice(tuple(_name(v) for v in values), expr, self._span(meta))

    # --- rules across programmes (#22)
    def _cross(kind):  # noqa: N805
        def method(self, meta, children):
            cid, title, *entries = children
            return CrossRule(kind, _name(cid), _string(title), tuple(entries), self._span(meta))
        return method

    exclusion = _cross("exclusion")
    aggregate_cap = _cross("aggregate_cap")

    def _cross_entry(kind):  # noqa: N805
        def method(self, meta, children):
            values = tuple(_string(c) if isinstance(c, Token) and c.type == "STRING" else
                           _name(c) if isinstance(c, Token) and c.type == "NAME" else c for c in children)
            return Entry(kind, values, self._span(meta))
        return method

    cross_article = _cross_entry("article")
    cross_excerpt = _cross_entry("excerpt")
    cross_programmes = _cross_entry("programmes")
    cross_elsewhere = _cross_entry("elsewhere")
    cross_highest = _cross_entry("highest")
    cross_period = _cross_entry("period")
    cross_received = _cross_entry("received")
    cross_limit = _cross_entry("limit")
    cross_in_order = _cross_entry("in_order")

    # tests
    def test_case(self, meta, children):
        name, programme, inputs, expect = children
        return TestCase(_string(name), _name(programme), inputs, expect, self._span(meta))

    def object(self, meta, pairs):
        return Value("object", tuple(pairs), self._span(meta))

    def pair(self, meta, children):
        name, value = children
        return (_name(name), value)

    def v_number(self, meta, children):
        return Value("number", str(children[0]), self._span(meta))

    def v_negative(self, meta, children):
        return Value("number", "-" + str(children[0]), self._span(meta))

    def v_string(self, meta, children):
        return Value("string", unquote(children[0]), self._span(meta))

    def v_true(self, meta, children):
        return Value("bool", True, self._span(meta))

    def v_false(self, meta, children):
        return Value("bool", False, self._span(meta))

    def v_list(self, meta, children):
        return Value("list", tuple(children), self._span(meta))

    def expect(self, meta, children):
        status, *details = children
        return Expect(status, tuple(details), self._span(meta))

    def status(self, meta, children):
        return Str(str(children[0]), span_of(children[0]))

    expect_amount = _prog_entry("amount")
    expect_if_approved = _prog_entry("amount_if_approved")
    expect_reason = _prog_entry("reason")
    expect_path = _prog_entry("path")


def build(tree: Tree) -> Module:
    return _Builder().transform(tree)


def without_spans(node: object) -> object:
    """The node as plain nested tuples with every position left out.

    Two sources that mean the same policy — whatever their layout, comments or
    operator spellings — give equal results; the formatter's tests and its
    safety check compare these.
    """
    if isinstance(node, Span):
        return None
    if isinstance(node, Token):
        return (node.type, str(node))
    if isinstance(node, (tuple, list)):
        return tuple(without_spans(item) for item in node)
    fields = getattr(node, "__dataclass_fields__", None)
    if fields is not None:
        return (type(node).__name__,) + tuple(
            without_spans(getattr(node, name)) for name in fields if name not in ("span", "line_spans"))
    return node
