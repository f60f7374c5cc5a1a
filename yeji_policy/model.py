"""The checked policy: what every backend reads.

The checker (check/) builds these from the AST once every name is resolved and every
expression has a type and a unit.  Backends never see the AST, never look a
programme up by name, and never re-check anything.

Values are exact: numbers are `Decimal` in base units (元, 平方米, 人, 个, 天,
个月); see units.py.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from functools import cached_property
from decimal import Decimal
from typing import Union

from . import keywords
from .diagnostics import Span
from .units import Dim


# A field marked as a reference names a declaration made elsewhere (an input,
# a named step); visitor.children() does not walk into it.
REFERENCE_KEY = "reference"


def reference():
    return dataclasses.field(metadata={REFERENCE_KEY: True})


# ---------------------------------------------------------------- types
@dataclass(frozen=True)
class Type:
    """The type of an expression.  kind: num, bool, date, text, enum."""

    kind: str
    dim: Dim = ()
    options: tuple[str, ...] = ()  # for enums: the option ids

    def __str__(self) -> str:
        from .units import describe

        return {
            "num": f"数值（{describe(self.dim)}）",
            "bool": "是否值",
            "date": "日期",
            "text": "文本",
            "enum": "选项",
        }[self.kind]


BOOL = Type("bool")
DATE = Type("date")
TEXT = Type("text")


@dataclass(frozen=True)
class Interpretation:
    """A reading chosen by the drafters where the text is ambiguous."""

    note: str
    subject: str  # what it is about, in Chinese: "资金来源", "上限", "金额计算", …
    article: int
    programme: str | None
    span: Span
    # Stable id, "<programme>.<what>" (art10_park_rent.cap, art10_park_rent.value.months,
    # art09_equipment.applicant): the same on every run and across edits elsewhere in the file.
    id: str = ""


# ---------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Field:
    """An input of an application form.

    kind: money (元, ≥ 0, two decimals), number (≥ 0, two decimals unless a
    step says otherwise), int (≥ 0), bool, date, text (non-empty), enum, list.
    """

    name: str
    label: str
    kind: str
    help: str | None = None
    unit: str | None = None  # display unit: 元, 平方米, 人, 个, 天, 个月
    dim: Dim = ()
    default: Decimal | None = None
    minimum: Decimal | None = None
    step: Decimal | None = None
    options: tuple[tuple[str, str], ...] = ()  # enum: (id, Chinese label)
    item_fields: tuple["Field", ...] = ()  # list: the fields of one item
    interpretation: Interpretation | None = None
    span: Span = field(default=Span(1, 1, 1, 1), compare=False)

    @property
    def type(self) -> Type:
        if self.kind in ("money", "number", "int"):
            return Type("num", self.dim)
        if self.kind == "enum":
            return Type("enum", (), tuple(o for o, _ in self.options))
        return Type(self.kind)

    def option_label(self, option: str) -> str:
        return self._option_labels[option]

    @cached_property
    def _option_labels(self) -> dict[str, str]:
        # built once: a lookup over n options asks for every label (n² with a dict per call)
        return dict(self.options)


# ---------------------------------------------------------------- expressions
@dataclass(frozen=True)
class Const:
    value: Union[Decimal, bool, str]  # str for enum option ids
    type: Type
    text: str  # as written in the policy: 50万元, 80%, 是
    span: Span


@dataclass(frozen=True)
class InputRef:
    field: Field = reference()
    type: Type
    span: Span


@dataclass(frozen=True)
class ItemRef:
    """A field of the current item inside 逐项 … 为 s { … }."""

    var: str
    field: Field = reference()
    type: Type
    span: Span


@dataclass(frozen=True)
class LetRef:
    let: "Let" = reference()
    type: Type
    span: Span


@dataclass(frozen=True)
class Arith:
    op: str  # "+", "-", "×"
    left: "Expr"
    right: "Expr"
    type: Type
    span: Span


@dataclass(frozen=True)
class Logic:
    op: str  # "且", "或"
    left: "Expr"
    right: "Expr"
    type: Type
    span: Span


@dataclass(frozen=True)
class Not:
    operand: "Expr"
    type: Type
    span: Span


@dataclass(frozen=True)
class Compare:
    op: str  # ">=", "<=", ">", "<", "=", "!="
    left: "Expr"
    right: "Expr"
    type: Type
    span: Span


@dataclass(frozen=True)
class Member:
    operand: "Expr"
    values: tuple[str, ...]
    type: Type
    span: Span


@dataclass(frozen=True)
class Cond:
    cond: "Expr"
    then: "Expr"
    otherwise: "Expr"
    type: Type
    span: Span


@dataclass(frozen=True)
class Call:
    """A built-in: min, max, months (calendar months from a to b inclusive),
    overlap_months (months of [a, b] inside the n-month window starting with
    the month of start)."""

    func: str
    args: tuple["Expr", ...]
    type: Type
    span: Span


@dataclass(frozen=True)
class TierRow:
    threshold: Decimal
    award: Decimal
    threshold_text: str
    award_text: str


@dataclass(frozen=True)
class Tiers:
    """The award of the highest threshold that subject reaches (≥), else 0."""

    subject: "Expr"
    rows: tuple[TierRow, ...]
    type: Type
    span: Span


@dataclass(frozen=True)
class Lookup:
    """One expression per enum option, in the order the options are declared."""

    subject: "Expr"
    field: Field = reference()
    choices: tuple[tuple[str, "Expr"], ...]
    type: Type
    span: Span


Expr = Union[Const, InputRef, ItemRef, LetRef, Arith, Logic, Not, Compare, Member, Cond, Call, Tiers, Lookup]


# ---------------------------------------------------------------- rules
@dataclass(frozen=True)
class Cap:
    limit: Expr
    interpretation: Interpretation | None


@dataclass(frozen=True)
class Formula:
    expr: Expr
    interpretation: Interpretation | None
    cap: Cap | None
    span: Span


@dataclass(frozen=True)
class ReviewOutcome:
    """The text is silent here: review, with no amount the rules could compute."""

    reason: str
    interpretation: Interpretation | None
    span: Span


@dataclass(frozen=True)
class IneligibleOutcome:
    reason: str
    span: Span


@dataclass(frozen=True)
class Case:
    cond: Expr | None  # None: every other case
    outcome: Union["Amount", ReviewOutcome, IneligibleOutcome]
    span: Span


@dataclass(frozen=True)
class Cases:
    cases: tuple[Case, ...]
    span: Span


@dataclass(frozen=True)
class Require:
    cond: Expr
    reason: str
    interpretation: Interpretation | None
    span: Span


@dataclass(frozen=True)
class Review:
    cond: Expr
    reason: str
    interpretation: Interpretation | None
    span: Span


@dataclass(frozen=True, eq=False)
class Let:
    name: str
    label: str
    expr: Expr
    interpretation: Interpretation | None
    span: Span


@dataclass(frozen=True)
class Unique:
    """Among the items that qualify, in list order, only the first per key counts."""

    key: Expr
    reason: str
    interpretation: Interpretation | None
    span: Span


Rule = Union[Require, Review, Let, Unique]


@dataclass(frozen=True)
class PerItem:
    """A sum over the items of a list, each item judged by its own rules."""

    list_field: Field = reference()
    var: str
    rules: tuple[Rule, ...]
    amount: "Amount"
    span: Span


Amount = Union[Formula, Cases, PerItem]


@dataclass(frozen=True)
class Constraint:
    """A check of the form: failing it makes the application invalid."""

    cond: Expr
    path: str
    message: str
    span: Span


@dataclass(frozen=True)
class Attribute:
    value: str
    interpretation: Interpretation | None


# ---------------------------------------------------------------- documents
@dataclass(frozen=True)
class Clause:
    """A verbatim excerpt of an article's text: text[start:end] of the article."""

    text: str
    start: int
    end: int


# What a traced measure shows where the text names no unit or deadline.
UNSTATED = "原文未明确"


@dataclass(frozen=True)
class Measure:
    kind: str  # goal, task, responsible, indicator, target_group, funding, organisation
    values: tuple[str, ...]
    # A traced measure (one row of the task breakdown): its id, the clauses of
    # the article it encodes, and the units and deadline the text names (None /
    # () where it names none: shown as 原文未明确).
    id: str | None = None
    clauses: tuple[Clause, ...] = ()
    lead: str | None = None
    support: tuple[str, ...] = ()
    deadline: str | None = None
    funding_source: str | None = None

    KIND_LABELS = keywords.MEASURES

    @property
    def label(self) -> str:
        return self.KIND_LABELS[self.kind]


@dataclass(frozen=True)
class Article:
    number: int
    title: str
    text: str  # verbatim
    chapter: str  # numeral, e.g. 五
    measures: tuple[Measure, ...]
    programmes: tuple[str, ...]  # ids, in order


@dataclass(frozen=True)
class Chapter:
    numeral: str
    title: str
    articles: tuple[int, ...]


@dataclass(frozen=True)
class Programme:
    id: str
    name: str
    article: int
    excerpt: str | None
    applicant: Attribute
    funding_source: Attribute
    payment_condition: Attribute
    fields: tuple[Field, ...]
    constraints: tuple[Constraint, ...]
    rules: tuple[Rule, ...]  # Require, Review and Let, in order
    amount: Amount
    span: Span
    # For reviewers (rule sheets): 兑现方式, 补助期限, 兑现前提, 受理部门, 重复享受
    # as declared (None: not declared), 申报材料, and 资金表述 — how a result names
    # its money ("由市电子商务发展专项资金补贴"; None: "补助金额").
    details: tuple[tuple[str, Attribute | None], ...] = ()
    materials: tuple[str, ...] = ()
    money_wording: str | None = None
    # Where the 摘录 stands in the article's verbatim text: (start, end) character offsets.
    excerpt_at: tuple[int, int] | None = None
    # 起始日期 / 截止日期: the programme's own period, both days included (None: open)
    starts: datetime.date | None = None
    ends: datetime.date | None = None

    def detail(self, label: str) -> Attribute | None:
        return dict(self.details).get(label)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


@dataclass(frozen=True)
class Expectation:
    status: str  # eligible, ineligible, review, invalid
    amount: Decimal | None
    amount_if_approved: Decimal | None
    reasons: tuple[str, ...]
    paths: tuple[str, ...]


@dataclass(frozen=True)
class TestCase:
    name: str
    programme: str
    application: dict
    expect: Expectation
    span: Span


@dataclass(frozen=True)
class Amends:
    """修订 "policy id" 自 "date": this version replaces that one for dates from `since` on."""

    policy: str
    since: datetime.date
    span: Span


@dataclass(frozen=True)
class Successor:
    """The version that replaced a policy (versions.link fills it in from the other files)."""

    policy: str
    version: str
    since: datetime.date


@dataclass(frozen=True)
class Document:
    issuer: str
    title: str
    version: str
    basis: tuple[tuple[str, str], ...]  # (document number, title)
    addressees: str | None
    preamble: str | None
    # 文号, 成文日期, 施行日期, 有效期, 有效期至, 废止日期 as the policy declares them (None: not declared)
    details: tuple[tuple[str, str | None], ...] = ()
    # The dates that decide when this version applies (policy_dates.py): None where the
    # text gives none (原文未载明) or the policy does not say.
    effective: datetime.date | None = None  # 施行日期, the first day
    expires: datetime.date | None = None  # 有效期至, the last day
    repealed: datetime.date | None = None  # 废止日期, the first day it no longer applies
    amends: Amends | None = None  # 修订: the version this one replaces, and from when

    def detail(self, label: str) -> str | None:
        return dict(self.details).get(label)


@dataclass(frozen=True)
class Policy:
    id: str  # the file stem: yeji_ecommerce
    source_file: str
    content_hash: str  # sha256 of the source bytes
    document: Document
    chapters: tuple[Chapter, ...]
    articles: tuple[Article, ...]
    programmes: tuple[Programme, ...]
    tests: tuple[TestCase, ...]
    interpretations: tuple[Interpretation, ...]
    superseded_by: Successor | None = None  # set across files by versions.link
    # Rules across programmes (不得重复享受, 合计上限), in source order: see Exclusion, AggregateCap.
    cross: tuple = ()

    def programme(self, pid: str) -> Programme:
        return next(p for p in self.programmes if p.id == pid)

    def article(self, number: int) -> Article:
        return next(a for a in self.articles if a.number == number)

    @property
    def programme_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.programmes)


STATUS_LABELS = {"eligible": "符合条件", "ineligible": "不符合条件", "review": "需人工审核", "invalid": "无效申请"}


# --- rules across programmes: 不得重复享受, 合计上限 (#22) ---
# Declared once at policy level, cited to their own article, applied by the
# whole-applicant evaluation (interpreter.evaluate_all, the generated module's
# evaluate_all) and the calculator (match) across the programmes they name.
@dataclass(frozen=True)
class Exclusion:
    """不得重复享受: the programmes named exclude each other for one applicant's one project.

    When two or more of them come out payable (eligible, or needs review with an amount if
    approved) in one whole-applicant evaluation, the text being silent on which is paid, all of
    them go to review — unless the drafters chose 就高 (the highest is paid, the others not; ties:
    the first in policy order) with the reason as an interpretation.  `elsewhere`: the yes/no
    question (其他同类政策) whether the same project already had a similar subsidy elsewhere; the
    checker adds it to each programme named as a 要求, so that one programme alone refuses it too.
    """

    id: str
    title: str
    article: int
    excerpt: str | None
    programmes: tuple[str, ...]
    elsewhere: Field | None
    highest: bool
    interpretation: Interpretation | None  # the declaration's own reading (解释)
    choice_interpretation: Interpretation | None  # why 就高
    span: Span


@dataclass(frozen=True)
class AggregateCap:
    """合计上限: what one applicant receives from the programmes named in one period is at most `limit`.

    `received`: the amount already received from them in the period (an input the forms ask).
    Room = limit − received (not below 0).  Payable amounts within the room stand; a room of 0
    makes each of them ineligible; a total above a room above 0 is shared as the drafters
    chose — 按项目顺序 (policy order, each taking what is left) with its reason as an
    interpretation — else, the text being silent, every programme concerned goes to review.
    """

    id: str
    title: str
    article: int
    excerpt: str | None
    programmes: tuple[str, ...]
    period: str  # 年度 or 累计
    received: Field
    limit: Decimal
    limit_text: str
    in_order: bool
    interpretation: Interpretation | None
    share_interpretation: Interpretation | None  # why 按项目顺序
    span: Span


CROSS_PERIODS = {"年度": "本年度", "累计": "累计"}
