"""The structure pass: the document block, chapters and articles, and each programme's entries.

It checks what the policy is made of before what its rules mean: one 文件
block with its issuer, title and version; chapters numbered 一, 二, …;
articles numbered from 1 without gaps; each programme's entries present
once, naming an article that exists and quoting it word for word.  The
programmes it passes on (`Outline`) are those with a unique id, in source
order, for the names and types passes to check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lark import Token

from .. import ast as A
from .. import clauses
from .. import model as M
from ..headings import chinese_numeral, heading_forms, heading_length
from ..diagnostics import Span
from .context import Context, first_here, short

# Articles are numbered 1, 2, … consecutively: no real policy comes near this.
MAX_ARTICLE = 9999

ENTRY_LABELS = {
    "issuer": "发文机关", "title": "标题", "version": "版本", "addressees": "主送", "preamble": "引言",
    "article": "条款", "excerpt": "摘录", "applicant": "申请主体", "funding_source": "资金来源",
    "payment_condition": "兑现条件", "inputs": "输入", "basis": "依据", "figure_note": "非规范数字", "amends": "修订",
    **A.DOC_DETAILS, **A.PROGRAMME_DETAILS,
}

REQUIRED_ENTRIES = ("article", "applicant", "funding_source", "payment_condition")


@dataclass
class ProgrammeOutline:
    """One programme's entries after the structure pass; its inputs and rules are still AST."""

    node: A.Programme
    entries: dict[str, A.Entry]
    constraints: list[A.Constraint]
    rules: list[object]
    missing: list[str]
    article: int  # 0 when not given or not a number
    excerpt: str | None = None
    applicant: M.Attribute | None = None
    funding: M.Attribute | None = None
    payment: M.Attribute | None = None

    @property
    def id(self) -> str:
        return self.node.id.value


@dataclass
class Outline:
    """The policy's structure: the document, its chapters and articles, its programmes and tests."""

    document: M.Document | None
    chapters: list[M.Chapter]
    articles: dict[int, M.Article]
    programmes: list[ProgrammeOutline] = field(default_factory=list)
    declared: set[str] = field(default_factory=set)  # every programme id, duplicates included
    tests: list[A.TestCase] = field(default_factory=list)


class StructurePass:
    """E0501–E0503, E0505, E0509, E0510, E0519, W0508 (document, chapters, articles);
    E0203, E0211, E0504, E0505, E0507 (programmes)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def run(self, module: A.Module) -> Outline:
        documents = [i for i in module.items if isinstance(i, A.Document)]
        chapters = [i for i in module.items if isinstance(i, A.Chapter)]
        programmes: list[A.Programme] = [i for i in module.items if isinstance(i, A.Programme)]
        tests: list[A.TestCase] = [i for i in module.items if isinstance(i, A.TestCase)]
        for chapter in chapters:
            programmes += [i for i in chapter.items if isinstance(i, A.Programme)]
            tests += [i for i in chapter.items if isinstance(i, A.TestCase)]
        programmes.sort(key=lambda p: (p.span.line, p.span.column))
        tests.sort(key=lambda t: (t.span.line, t.span.column))

        document = self.document(documents)
        m_chapters, articles = self.chapters(chapters, module)
        outline = Outline(document, m_chapters, {a.number: a for a in articles}, tests=tests)
        seen: dict[str, A.Programme] = {}
        for prog in programmes:
            if prog.id.value in seen:
                first = seen[prog.id.value].id.span
                self.ctx.error("E0203", f"项目“{prog.id.value}”重复定义", prog.id.span, related=first_here(first))
                continue
            seen[prog.id.value] = prog
            outline.programmes.append(self.programme(prog, outline.articles))
        outline.declared = set(seen)
        return outline

    # ------------------------------------------------------------ document
    def document(self, documents: list[A.Document]) -> M.Document | None:
        if not documents:
            self.ctx.error("E0509", "缺少“文件 { … }”块：须写明发文机关、标题和版本", Span.point(1, 1))
            return None
        for extra in documents[1:]:
            self.ctx.error("E0505", "“文件”块重复", extra.span, related=first_here(documents[0].span, "首次出现于此"))
        doc = documents[0]
        single: dict[str, A.Entry] = {}
        basis: list[tuple[str, str]] = []
        for entry in doc.entries:
            if entry.kind == "basis":
                basis.append((entry.values[0].value, entry.values[1].value))
                continue
            if entry.kind == "figure_note":
                continue  # checked by trace.py with the article notes
            if entry.kind in single:
                self.ctx.error("E0505", f"“{ENTRY_LABELS[entry.kind]}”重复", entry.span,
                               related=first_here(single[entry.kind].span, "首次出现于此"))
            single[entry.kind] = entry
        for kind in ("issuer", "title", "version"):
            if kind not in single:
                self.ctx.error("E0509", f"“文件”块缺少“{ENTRY_LABELS[kind]}”", doc.span)
        if any(k not in single for k in ("issuer", "title", "version")):
            return None

        def value(kind: str) -> str | None:
            if kind not in single:
                return None
            v = single[kind].values[0]
            return v.value if isinstance(v, (A.Str, A.Text)) else str(v)

        details = tuple((label, value(kind)) for kind, label in A.DOC_DETAILS.items())
        return M.Document(value("issuer"), value("title"), value("version"), tuple(basis),
                          value("addressees"), value("preamble"), details)

    # ------------------------------------------------------------ chapters and articles
    def chapters(self, chapters: list[A.Chapter], module: A.Module):
        m_chapters: list[M.Chapter] = []
        articles: list[M.Article] = []
        expected_article = 1
        seen_articles: dict[int, A.Article] = {}
        for index, chapter in enumerate(chapters):
            numeral = str(chapter.numeral)
            expected = chinese_numeral(index + 1)
            if numeral != expected:
                self.ctx.error("E0510", f"章序号应为“{expected}”，此处为“{numeral}”", A.span_of(chapter.numeral))
            numbers = []
            for item in chapter.items:
                if not isinstance(item, A.Article):
                    continue
                number = self.article_number(item.number)
                if number is None:
                    continue
                span = A.span_of(item.number)
                if number in seen_articles:
                    first = A.span_of(seen_articles[number].number)
                    self.ctx.error("E0502", f"第{number}条重复", span, related=first_here(first))
                    continue
                if number < expected_article:
                    self.ctx.error("E0503", f"第{number}条顺序错误：应排在第{expected_article - 1}条之前", span)
                elif number > expected_article:
                    missing = ("、".join(f"第{n}条" for n in range(expected_article, number))
                               if number - expected_article <= 3 else f"第{expected_article}条至第{number - 1}条")
                    self.ctx.error("E0501", f"缺少{missing}：条款应从第1条起连续编号", span)
                seen_articles[number] = item
                expected_article = max(expected_article, number + 1)
                numbers.append(number)
                articles.append(self.article(item, numeral, len(numbers)))
            m_chapters.append(M.Chapter(numeral, chapter.title.value, tuple(numbers)))
        if not seen_articles:
            self.ctx.error("E0501", "政策中没有任何条款：至少须有第1条", module.span)
        articles.sort(key=lambda a: a.number)
        return m_chapters, articles

    def article_number(self, token: Token) -> int | None:
        """The number of 条 N or 条款 N; E0519 beyond MAX_ARTICLE."""
        text = str(token).lstrip("0") or "0"
        if len(text) > len(str(MAX_ARTICLE)) or int(text) > MAX_ARTICLE:
            self.ctx.error("E0519", f"条款编号“{short(str(token))}”过大：最大为第{MAX_ARTICLE}条", A.span_of(token))
            return None
        return int(text)

    def article(self, art: A.Article, chapter: str, position: int) -> M.Article:
        """`position`: its place among its chapter's articles, from 1."""
        number = int(art.number)
        text = art.text.value
        length = heading_length(text)
        forms = heading_forms(number, position)
        heading = text[:length].rstrip(" \u3000")
        if heading not in forms or not text[length:].startswith(art.title.value):
            self.ctx.warning("W0508", f"第{number}条的标题与原文开头不一致：原文应以“{forms[0]}{art.title.value}”开头",
                             art.title.span, f"编号也可写作“{'”“'.join(forms[1:7])}”，其后可有空格")
        measures = clauses.measures(art, self.ctx.diags)
        return M.Article(number, art.title.value, text, chapter, measures, ())

    # ------------------------------------------------------------ programmes
    def programme(self, prog: A.Programme, articles: dict[int, M.Article]) -> ProgrammeOutline:
        pid = prog.id.value
        entries: dict[str, A.Entry] = {}
        constraints: list[A.Constraint] = []
        rules: list[object] = []
        for entry in prog.entries:
            if isinstance(entry, A.Entry):
                if entry.kind in entries:
                    self.ctx.error("E0505", f"项目“{pid}”的“{ENTRY_LABELS[entry.kind]}”重复", entry.span,
                                   related=first_here(entries[entry.kind].span, "首次出现于此"))
                    continue
                entries[entry.kind] = entry
            elif isinstance(entry, A.Constraint):
                constraints.append(entry)
            else:
                rules.append(entry)
        missing = [k for k in REQUIRED_ENTRIES if k not in entries]
        for kind in missing:
            self.ctx.error("E0504", f"项目“{pid}”缺少“{ENTRY_LABELS[kind]}”", prog.id.span)
        article = 0
        if "article" in entries:
            token = entries["article"].values[0]
            number = self.article_number(token)
            article = number or 0
            if number is not None and article not in articles:
                known = "、".join(str(n) for n in sorted(articles)) or "无"
                self.ctx.error("E0211", f"项目“{pid}”引用的第{article}条不存在", A.span_of(token), f"已有条款：{known}")
        outline = ProgrammeOutline(prog, entries, constraints, rules, missing, article)
        if "excerpt" in entries:
            excerpt_str = entries["excerpt"].values[0]
            outline.excerpt = excerpt_str.value
            if article in articles and outline.excerpt not in articles[article].text:
                self.ctx.error("E0507", f"摘录不是第{article}条原文的一部分", excerpt_str.span,
                               "摘录须与原文逐字一致，包括标点")
        outline.applicant = self.attribute(outline, "applicant", "申请主体")
        outline.funding = self.attribute(outline, "funding_source", "资金来源")
        outline.payment = self.attribute(outline, "payment_condition", "兑现条件")
        return outline

    def attribute(self, outline: ProgrammeOutline, kind: str, subject: str) -> M.Attribute:
        """A programme's entry as text with its 解释, if any."""
        if kind not in outline.entries:
            return M.Attribute("", None)
        values = outline.entries[kind].values
        note = values[1] if len(values) > 1 else None
        return M.Attribute(values[0].value, self.ctx.interp(note, subject, outline.article, outline.id, kind))

    def details(self, outline: ProgrammeOutline):
        """The optional entries of a programme (兑现方式, 受理部门 …), its materials and its money wording;
        read only for a programme that checked cleanly."""
        entries = outline.entries
        details = tuple((label, self.attribute(outline, kind, label) if kind in entries else None)
                        for kind, label in A.PROGRAMME_DETAILS.items() if kind not in ("materials", "money_wording"))
        materials = tuple(v.value for v in entries["materials"].values) if "materials" in entries else ()
        wording = entries["money_wording"].values[0].value if "money_wording" in entries else None
        return details, materials, wording
