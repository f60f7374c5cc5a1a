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

import re
from dataclasses import dataclass
from decimal import Decimal

import jinja2

from .. import catalogue, describe, interpreter, testing
from .. import model as M
from .. import runtime as R
from ..units import MONEY

_STEM = re.compile(r"^\w[\w.-]*$")

INTERPRETATION = "解释"
REVIEW = "需人工审核"


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
    reasons: tuple[str, ...]
    notes: tuple[str, ...]  # interpretations applied
    problems: tuple[str, ...]  # where the result differs from the test case's expectation


@dataclass(frozen=True)
class ProgrammeSheet:
    id: str
    anchor: str
    name: str
    article: int
    applicant: str  # 申请主体, with its interpretation referenced
    excerpt: str | None
    constraints: tuple[str, ...]
    conditions: tuple[str, ...]
    formula: tuple[str, ...]
    tables: tuple[Table, ...]
    funding_source: str
    payment_condition: str
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
    header: tuple[tuple[str, str], ...]
    preamble: tuple[str, ...]
    legend: tuple[str, ...]
    summary: Table
    chapters: tuple[ChapterSheet, ...]
    index: tuple[Marked, ...]
    index_header: tuple[str, ...]


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
    return describe.expr(e, tables=True)


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
        for interp in policy.interpretations:
            found.append(((interp.article, order.get(interp.programme, -1), interp.span.line, interp.span.column),
                          INTERPRETATION, interp.article, interp.programme, interp.subject, interp.note, interp))
        for p in policy.programmes:
            for span, when, reason in review_cases(p):
                found.append(((p.article, order[p.id], span.line, span.column),
                              REVIEW, p.article, p.id, when, reason, None))
        found.sort(key=lambda f: f[0])
        self.marked: list[Marked] = []
        self._owners: list[str | None] = []  # programme id of each marked item
        self._by_interp: dict[int, Marked] = {}
        for number, (_, kind, article, pid, subject, note, interp) in enumerate(found, start=1):
            if pid is None:
                name, anchor = "—", _article_anchor(article)
            else:
                p = policy.programme(pid)
                name, anchor = f"{p.name}（{p.id}）", _programme_anchor(p)
            marked = Marked(number, kind, article, name, anchor, subject, note)
            self.marked.append(marked)
            self._owners.append(pid)
            if interp is not None:
                self._by_interp[id(interp)] = marked

    def of(self, pid: str | None, article: int, kind: str) -> tuple[Marked, ...]:
        """The items of one kind of a programme (pid None: of the article itself)."""
        return tuple(m for m, owner in zip(self.marked, self._owners)
                     if owner == pid and m.article == article and m.kind == kind)

    def ref(self, interp: M.Interpretation | None) -> str:
        """'〔解释，索引第N项〕' after a value that carries an interpretation."""
        if interp is None:
            return ""
        return f"〔{INTERPRETATION}，索引第{self._by_interp[id(interp)].number}项〕"


def review_cases(p: M.Programme) -> list[tuple[object, str, str]]:
    """(span, when, reason) of every case the rules leave to a reviewer, in source order.

    M.Review rules (top level or per item), M.ReviewOutcome cases, and
    M.Unique keys inside a sum over items.
    """
    found: list[tuple[object, str, str]] = []

    def rules(items, each: str) -> None:
        for rule in items:
            if isinstance(rule, M.Review):
                found.append((rule.span, f"{each}{describe.condition(rule.cond)}", rule.reason))
            elif isinstance(rule, M.Unique):
                found.append((rule.span, f"{each}{describe.expr(rule.key)}与在前已计入的一项相同", rule.reason))

    def amount(a, each: str) -> None:
        if isinstance(a, M.Cases):
            for case in a.cases:
                when = describe.other_case() if case.cond is None else describe.condition(case.cond)
                if isinstance(case.outcome, M.ReviewOutcome):
                    found.append((case.outcome.span, f"{each}{when}", case.outcome.reason))
                elif not isinstance(case.outcome, M.IneligibleOutcome):
                    amount(case.outcome, each)
        elif isinstance(a, M.PerItem):
            inner = f"{a.list_field.label}（逐项）："
            rules(a.rules, inner)
            amount(a.amount, inner)

    rules(p.rules, "")
    amount(p.amount, "")
    found.sort(key=lambda f: (f[0].line, f[0].column))
    return found


def _article_anchor(number: int) -> str:
    return f"article-{int(number)}"


def _programme_anchor(p: M.Programme) -> str:
    return "programme-" + re.sub(r"[^A-Za-z0-9_-]", "-", p.id)


# ---------------------------------------------------------------- a programme
def _rule_lines(rules, each: str, per_item: bool) -> list[str]:
    lines = []
    for rule in rules:
        if isinstance(rule, M.Require):
            effect = "该项不计入" if per_item else "不符合条件"
            lines.append(f"{each}{describe.condition(rule.cond)}（不满足时{effect}：{rule.reason}）")
        elif isinstance(rule, M.Let):
            lines.append(f"{each}计算“{rule.label}”= {describe.expr(rule.expr, tables=True)}")
        elif isinstance(rule, M.Review):
            lines.append(f"{each}若{describe.condition(rule.cond)}，{REVIEW}（{rule.reason}）")
        elif isinstance(rule, M.Unique):
            lines.append(f"{each}{describe.expr(rule.key)}相同的，按列表顺序仅第一个符合条件的计入，"
                         f"其后各项{REVIEW}（{rule.reason}）")
    return lines


def _conditions(p: M.Programme) -> list[str]:
    lines = _rule_lines(p.rules, "", False)

    def nested(a) -> None:
        if isinstance(a, M.PerItem):
            lines.extend(_rule_lines(a.rules, f"每项{a.list_field.label}：", True))
            nested(a.amount)
        elif isinstance(a, M.Cases):
            for case in a.cases:
                if not isinstance(case.outcome, (M.ReviewOutcome, M.IneligibleOutcome)):
                    nested(case.outcome)

    nested(p.amount)
    return lines


def _formula_lines(a, head: str = "补助金额 = ") -> list[str]:
    if isinstance(a, M.Formula):
        text = f"{head}{describe.expr(a.expr, tables=True)}"
        if a.cap is not None:
            text += "，" + _cap_words(a.cap)
        return [text]
    if isinstance(a, M.Cases):
        lines = []
        for case in a.cases:
            when = describe.other_case() if case.cond is None else describe.condition(case.cond)
            outcome = case.outcome
            if isinstance(outcome, M.ReviewOutcome):
                lines.append(f"{when}：{REVIEW}（{outcome.reason}）")
            elif isinstance(outcome, M.IneligibleOutcome):
                lines.append(f"{when}：不予补助（{outcome.reason}）")
            else:
                lines.extend(f"{when}：{line}" for line in _formula_lines(outcome, head))
        return lines
    label = a.list_field.label
    lines = _formula_lines(a.amount, f"每项{label}的补助金额 = ")
    lines.append(f"补助金额 = 计入补助的各项{label}金额合计（{REVIEW}的各项，经批准后计入）")
    return lines


def _caps(a, each: str = "") -> list[str]:
    if isinstance(a, M.Formula):
        if a.cap is None:
            return []
        return [f"{each}{_words(a.cap.limit)}" + ("【解释】" if a.cap.interpretation else "")]
    if isinstance(a, M.Cases):
        found = []
        for case in a.cases:
            if not isinstance(case.outcome, (M.ReviewOutcome, M.IneligibleOutcome)):
                found.extend(_caps(case.outcome, each))
        return found
    return _caps(a.amount, f"每项{a.list_field.label}：")


def _cap_summary(p: M.Programme) -> str:
    caps = _caps(p.amount)
    if caps:
        return "；".join(caps)
    bound = catalogue.amount_bound(p.amount)
    if bound is not None:
        value, text = bound
        return f"未单列上限；按标准最多{figure(text, value, True)}"
    return "未规定上限"


def _tables(p: M.Programme) -> list[Table]:
    """Every lookup and tier table of the programme's rules and amount, in order."""
    tables: list[Table] = []

    def roots(a) -> list[M.Expr]:
        if isinstance(a, M.Formula):
            return [a.expr] + ([a.cap.limit] if a.cap is not None else [])
        if isinstance(a, M.Cases):
            out = []
            for case in a.cases:
                out += ([case.cond] if case.cond is not None else [])
                if not isinstance(case.outcome, (M.ReviewOutcome, M.IneligibleOutcome)):
                    out += roots(case.outcome)
            return out
        return [catalogue.rule_expr(r) for r in a.rules] + roots(a.amount)

    def walk(e: M.Expr, within: str) -> None:
        if isinstance(e, M.Lookup):
            rows = []
            for options, branch in describe.lookup_groups(e):
                labels = describe.option_labels(e, options)
                if isinstance(branch, M.Tiers):
                    shown = f"{describe.tiers_name(branch)}，见下方分档表（{labels}）"
                else:
                    shown = _words(branch)
                rows.append((labels, shown))
            tables.append(Table(f"对照表：{describe.lookup_name(e)}", (e.field.label, "金额"), tuple(rows)))
            for options, branch in describe.lookup_groups(e):
                walk(branch, describe.option_labels(e, options))
            return
        if isinstance(e, M.Tiers):
            money = e.type.dim == MONEY
            subject_money = e.subject.type.dim == MONEY
            rows = tuple(
                (f"第{i}档", figure(r.threshold_text, r.threshold, subject_money), figure(r.award_text, r.award, money))
                for i, r in enumerate(e.rows, start=1))
            caption = f"分档表：{describe.tiers_name(e)}" + (f"（{within}）" if within else "")
            note = (f"{describe.expr(e.subject)}达到（≥）某档门槛即适用该档，取所达到的最高一档；"
                    f"未达到最低档（{e.rows[0].threshold_text}）的为0。")
            tables.append(Table(caption, ("档位", f"{describe.expr(e.subject)}达到", "金额"), rows, note))
            walk(e.subject, "")
            return
        for child in catalogue.children(e):
            walk(child, within)

    for root in [catalogue.rule_expr(r) for r in p.rules] + roots(p.amount):
        walk(root, "")
    return tables


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
        return Example(case.name, tuple(inputs), (), M.STATUS_LABELS["invalid"], "—", None, (), (),
                       outcome.problems)
    approved = result.get("amount_if_approved")
    return Example(
        name=case.name,
        inputs=tuple(inputs),
        steps=tuple(result["steps"]),
        status=M.STATUS_LABELS[result["status"]],
        amount=R.show_yuan(Decimal(result["amount"])),
        amount_if_approved=None if approved is None else R.show_yuan(Decimal(approved)),
        reasons=tuple(result["reasons"]),
        notes=tuple(f"{n['subject']}：{n['note']}" for n in result["interpretations"]),
        problems=outcome.problems,
    )


# ---------------------------------------------------------------- the whole sheet
def _programme(policy: M.Policy, p: M.Programme, register: _Register) -> ProgrammeSheet:
    constraints = tuple(f"{describe.condition(c.cond)}（不满足时为无效申请：{c.message}）" for c in p.constraints)
    examples = tuple(_example(policy, p, case) for case in policy.tests
                     if case.programme == p.id and case.expect.status != "invalid")
    fields = Table("申请表单", ("字段", "名称", "类型", "说明"), tuple(_field_rows(p.fields, register)))
    return ProgrammeSheet(
        id=p.id,
        anchor=_programme_anchor(p),
        name=p.name,
        article=p.article,
        applicant=p.applicant.value + register.ref(p.applicant.interpretation),
        excerpt=p.excerpt,
        constraints=constraints,
        conditions=tuple(_conditions(p)),
        formula=tuple(_formula_lines(p.amount)),
        tables=tuple(_tables(p)),
        funding_source=p.funding_source.value + register.ref(p.funding_source.interpretation),
        payment_condition=p.payment_condition.value + register.ref(p.payment_condition.interpretation),
        fields=fields,
        interpretations=register.of(p.id, p.article, INTERPRETATION),
        reviews=register.of(p.id, p.article, REVIEW),
        examples=examples,
    )


def _has_review(p: M.Programme) -> bool:
    """Whether some case of the programme ends in review: a 审核 rule, case or 唯一."""
    def within(a) -> bool:
        if isinstance(a, M.Cases):
            return any(isinstance(c.outcome, M.ReviewOutcome) or
                       (not isinstance(c.outcome, M.IneligibleOutcome) and within(c.outcome)) for c in a.cases)
        if isinstance(a, M.PerItem):
            return any(isinstance(r, (M.Review, M.Unique)) for r in a.rules) or within(a.amount)
        return False
    return any(isinstance(r, M.Review) for r in p.rules) or within(p.amount)


def _summary(policy: M.Policy) -> Table:
    rows = []
    for p in policy.programmes:
        funding = p.funding_source.value + ("【解释】" if p.funding_source.interpretation else "")
        payment = p.payment_condition.value + ("【解释】" if p.payment_condition.interpretation else "")
        standard = describe.amount(p.amount, tables=True, caps=False)
        if _has_review(p):
            standard += "（含【需人工审核】的情形）"
        rows.append((f"第{p.article}条", f"{p.name}（{p.id}）", standard, _cap_summary(p), funding, payment))
    return Table("补助项目一览", ("条款", "项目", "补助标准", "上限", "资金来源", "兑现条件"), tuple(rows))


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


LEGEND = (
    "原文以引用块逐字列出，须与政策原文逐字一致；其后是编码后的措施和补助项目。",
    f"【{INTERPRETATION}】标出起草人对原文有歧义之处所作的理解，并非原文字面规定，须经审核确认。",
    f"【{REVIEW}】标出原文留有裁量（如“原则上”）或未作规定的情形：计算结果为“需人工审核”，由审核人员决定；"
    "能够计算的，同时列出经批准后的金额。",
    "金额单位为元，千分位分隔；原文以万元表述的，同时注明元。计算精确进行，最终金额只在最后按分四舍五入一次，"
    "上限和合计在取整之前适用。",
    "计算示例由编译器在生成本说明时，用参考解释器按政策源文件中的测试用例计算，不是手工填写。",
    f"文末索引列出全部【{INTERPRETATION}】和【{REVIEW}】事项，供逐项审核签字。",
)


def build_sheet(policy: M.Policy) -> Sheet:
    doc = policy.document
    register = _Register(policy)
    basis = "；".join(f"{number}《{title}》" for number, title in doc.basis) or "—"
    header = (
        ("发文机关", doc.issuer),
        ("标题", doc.title),
        ("依据", basis),
        ("主送", doc.addressees or "—"),
        ("版本", doc.version),
        ("内容哈希（SHA-256）", policy.content_hash),
        ("政策源文件", policy.source_file),
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
                measures=_measures(a),
                interpretations=register.of(None, a.number, INTERPRETATION),
                programmes=tuple(programmes[pid] for pid in a.programmes),
            ))
        chapters.append(ChapterSheet(chapter.numeral, chapter.title, tuple(articles)))
    return Sheet(
        title=f"{doc.issuer}{doc.title}",
        header=header,
        preamble=tuple(doc.preamble.split("\n")) if doc.preamble else (),
        legend=LEGEND,
        summary=_summary(policy),
        chapters=tuple(chapters),
        index=tuple(register.marked),
        index_header=("序号", "条款", "项目", "类别", "事项", "内容", "签字/审核意见"),
    )


# ---------------------------------------------------------------- Markdown escaping
# Characters that Markdown (CommonMark + GFM tables, strikethrough, autolinks,
# footnotes, math, emoji) may interpret anywhere in a line; CommonMark lets a
# backslash escape any ASCII punctuation, so escaping them is always safe.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&$:#!])")
# Interpreted only at the start of a line (or of a list item or table cell,
# where a value may stand): bullets "- " "+ ", ordered lists "1. " "1) ",
# setext underlines and thematic breaks made of "=" or "-".
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
        if _MD_UNDERLINE.match(line):
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
    return {
        f"sheets/{policy.id}.md": render_markdown(sheet).encode("utf-8"),
        f"sheets/{policy.id}.html": render_html(sheet).encode("utf-8"),
    }
