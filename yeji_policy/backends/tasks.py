"""The task breakdown (重点任务分工方案): every traced measure of a policy as one row.

序号 | 工作任务 | 条款 | 牵头单位 | 配合单位 | 完成时限 | 原文依据, grouped by chapter, in
Markdown, HTML (autoescaped Jinja2, like the rule sheet) and DOCX (python-docx,
byte-identical across builds, through the rule sheet's writer).

Each unit and deadline says where it comes from: the text (原文), the
assignment file the drafting office edits (分工, see assignments.py), or
nowhere (原文未明确).  The note block lists every measure still without a lead
unit, so that the 领导小组办公室 can fill them in, the declared units that
have no task yet, and the articles that contribute no row (purely monetary).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import layout
from .. import model as M
from ..assignments import Assignments
from . import sheets

HEADER = ("序号", "工作任务", "条款", "牵头单位", "配合单位", "完成时限", "原文依据")
FROM_TEXT = "原文"
FROM_FILE = "分工"
KIND_LABELS = {"task": "任务", "goal": "目标", "indicator": "指标", "funding": "资金承诺", "organisation": "组织"}


@dataclass(frozen=True)
class Row:
    number: int
    id: str
    task: str
    article: str
    lead: str
    support: str
    deadline: str
    basis: str

    @property
    def cells(self) -> tuple[str, ...]:
        return (str(self.number), self.task, self.article, self.lead, self.support, self.deadline, self.basis)


@dataclass(frozen=True)
class Group:
    title: str  # 一、创新发展方式，促进融合发展
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Breakdown:
    title: str
    provenance: tuple[tuple[str, str], ...]
    legend: tuple[str, ...]
    groups: tuple[Group, ...]
    unassigned: tuple[str, ...]  # 序号 编号 工作任务 of each row without a lead unit
    idle_units: tuple[str, ...]  # declared units with no row
    monetary: tuple[str, ...]  # 第N条 标题 of articles with no row

    @property
    def header(self) -> tuple[str, ...]:
        return HEADER


def _marked(value: str | None, source: str) -> str:
    return f"{value}（{source}）" if value else M.UNSTATED


def _task_text(m: M.Measure) -> str:
    text = f"{m.values[0]}：达到{m.values[1]}" if m.kind == "indicator" else m.values[0]
    if m.kind == "funding":
        text += f"（资金来源：{m.funding_source or M.UNSTATED}）"
    return f"〔{KIND_LABELS[m.kind]}〕{text}"


def _basis(article: M.Article, m: M.Measure) -> str:
    """The clauses, verbatim, in the order of the text; "……" where the text between them is left out."""
    runs: list[tuple[int, int]] = []
    for clause in m.clauses:  # in the order of the text
        if runs and clause.start <= runs[-1][1]:  # overlapping or adjacent: one run of the text
            runs[-1] = (runs[-1][0], max(runs[-1][1], clause.end))
        else:
            runs.append((clause.start, clause.end))
    return "……".join(article.text[start:end] for start, end in runs)


def _row(number: int, article: M.Article, m: M.Measure, assignments: Assignments | None) -> Row:
    given = assignments.of(m.id) if assignments is not None else None
    lead = _marked(m.lead, FROM_TEXT) if m.lead else _marked(given and given.lead, FROM_FILE)
    if m.support:
        support = _marked("、".join(m.support), FROM_TEXT)
    else:
        support = _marked("、".join(given.support) if given and given.support else None, FROM_FILE)
    deadline = _marked(m.deadline, FROM_TEXT) if m.deadline else _marked(given and given.deadline, FROM_FILE)
    return Row(number, m.id, _task_text(m), f"第{article.number}条", lead, support, deadline, _basis(article, m))


def build(policy: M.Policy, assignments: Assignments | None = None) -> Breakdown:
    doc = policy.document
    by_number = {a.number: a for a in policy.articles}
    groups: list[Group] = []
    number = 0
    for chapter in policy.chapters:
        rows = []
        for n in chapter.articles:
            article = by_number[n]
            for m in article.measures:
                if m.id is None:
                    continue
                number += 1
                rows.append(_row(number, article, m, assignments))
        if rows:
            groups.append(Group(f"{chapter.numeral}、{chapter.title}", tuple(rows)))
    all_rows = [r for g in groups for r in g.rows]
    unassigned = tuple(f"{r.number}. {r.task}（{r.id}，{r.article}）" for r in all_rows if r.lead == M.UNSTATED)
    used = {u for r in all_rows for cell in (r.lead, r.support) for u in cell.removesuffix(f"（{FROM_FILE}）").split("、")}
    idle = tuple(u for u in (assignments.units if assignments else ()) if u not in used)
    with_rows = {int(r.article[1:-1]) for r in all_rows}
    monetary = tuple(f"第{a.number}条 {a.title}" for a in policy.articles if a.number not in with_rows)
    provenance = (
        ("政策源文件", policy.source_file),
        ("编码版本", doc.version),
        ("政策源文件哈希（SHA-256）", policy.content_hash),
        ("分工文件", assignments.file if assignments else "无（全部单位和时限以原文为准；原文未明确的，待领导小组办公室分工）"),
    ) + ((("分工文件哈希（SHA-256）", assignments.content_hash),) if assignments else ())
    legend = (
        "每一行是政策源文件中一项带编号的措施；“原文依据”逐字引用该措施所依据的原文（省略处以“……”标出）。",
        "“工作任务”前的〔任务〕〔目标〕〔指标〕〔资金承诺〕〔组织〕是措施的类别；指标写明度量和目标值，供进度报告核对。",
        f"单位和时限后的（{FROM_TEXT}）表示原文明确写明，（{FROM_FILE}）表示来自分工文件；“{M.UNSTATED}”表示原文没有写明、分工文件也没有指定。",
        "本表由 yeji-policy 根据政策源文件和分工文件自动生成，请勿手工修改；分工请改分工文件，条文请改政策源文件。",
    )
    return Breakdown(f"《{doc.title}》重点任务分工", provenance, legend, tuple(groups), unassigned, idle, monetary)


def render_markdown(b: Breakdown) -> str:
    return sheets._environment(autoescape=False).get_template("tasks.md.j2").render(b=b)


def render_html(b: Breakdown) -> str:
    return sheets._environment(autoescape=True).get_template("tasks.html.j2").render(b=b, unstated=M.UNSTATED)


def render_docx(b: Breakdown, content_hash: str) -> bytes:
    from .sheet_docx import _Writer  # python-docx and lxml load only when a breakdown is built
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    w = _Writer(b.title, "重点任务分工")
    w.para(b.title, style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
    w.heading("生成依据", 1)
    w.table(("项目", "内容"), b.provenance)
    w.heading("阅读说明", 1)
    w.numbered(b.legend)
    for group in b.groups:
        w.heading(group.title, 1)
        w.table(HEADER, [r.cells for r in group.rows])
    w.heading("说明：待分工事项", 1)
    _notes_docx(w, b)
    return w.save(f"yeji-policy task breakdown; policy sha256 {content_hash}")


def _notes_docx(w, b: Breakdown) -> None:
    w.para("", bold_prefix=f"原文未明确牵头单位、分工文件也未指定的措施（{len(b.unassigned)}项）")
    w.bullets(b.unassigned or ("无",))
    w.para("", bold_prefix="分工文件已声明、尚未承担任务的单位")
    w.bullets(b.idle_units or ("无",))
    w.para("", bold_prefix="未列入本表的条款（纯资金条款）")
    w.bullets(b.monetary or ("无：每一条都有措施列入本表",))


def generate(policy: M.Policy, assignments: Assignments | None = None) -> dict[str, bytes]:
    if not sheets._STEM.match(policy.id):
        raise ValueError(f"unsafe policy id {policy.id!r}")
    b = build(policy, assignments)
    return {
        layout.tasks(policy.id, "md"): render_markdown(b).encode("utf-8"),
        layout.tasks(policy.id, "html"): render_html(b).encode("utf-8"),
        layout.tasks(policy.id, "docx"): render_docx(b, policy.content_hash),
    }
