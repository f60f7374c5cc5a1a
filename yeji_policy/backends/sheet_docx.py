"""The rule sheet as a Word document (DOCX), for reviewers who annotate in Word or WPS.

It lays out the same view as the Markdown and HTML sheets (`sheets.Sheet`):
real Word headings (标题 1–4, so the navigation pane and a table of contents
work), real Word tables, and the fonts of 公文 practice named for East Asian
text — 仿宋 for the body, 黑体 for headings, 宋体 for the original text — so
that comments and tracked changes can be added where the reviewer reads.

The file is byte-identical across builds: python-docx stamps zip entries
with the current time and fills the core properties (author, dates,
revision) from its template, so both are fixed here and the zip is written
again with fixed entry times, in the order python-docx gives.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Pt, RGBColor

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
ORIGINAL_FONT = "宋体"
LATIN_FONT = "Times New Roman"
# No real date belongs in the file: the text gives none (成文日期 原文未载明) and
# the build must not depend on the clock.
FIXED_TIME = datetime.datetime(2000, 1, 1, 0, 0, 0)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
AUTHOR = "yeji-policy"


def _fonts(style_or_run, east_asia: str, size: float | None = None, bold: bool | None = None) -> None:
    """Name the font for Latin and East Asian text (w:eastAsia), dropping theme fonts."""
    font = style_or_run.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)


class _Writer:
    def __init__(self, title: str, subject: str):
        self.doc = Document()
        styles = self.doc.styles
        _fonts(styles["Normal"], BODY_FONT, 12)
        for level, size in ((1, 16), (2, 14), (3, 13), (4, 12)):
            style = styles[f"Heading {level}"]
            _fonts(style, HEADING_FONT, size, bold=False)
            style.font.color.rgb = RGBColor(0, 0, 0)
            style.font.italic = False
            style.paragraph_format.keep_with_next = True
        _fonts(styles["Title"], HEADING_FONT, 20, bold=False)
        styles["Title"].font.color.rgb = RGBColor(0, 0, 0)
        quote = styles["Quote"]
        _fonts(quote, ORIGINAL_FONT, 12)
        quote.font.italic = False
        quote.font.color.rgb = RGBColor(0, 0, 0)
        _fonts(styles["List Bullet"], BODY_FONT, 12)
        _fonts(styles["Table Grid"], BODY_FONT, 10.5)
        # Style ids looked up once: python-docx resolves a style name on every use (a scan of
        # all styles), which made most of the time of building this document.
        self.style_ids = {name: styles[name].style_id for name in (
            "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Title", "Quote", "List Bullet", "Table Grid")}
        props = self.doc.core_properties
        props.author = AUTHOR
        props.last_modified_by = AUTHOR
        props.created = FIXED_TIME
        props.modified = FIXED_TIME
        props.last_printed = FIXED_TIME
        props.revision = 1
        props.title = title
        props.subject = subject
        props.comments = ""
        props.keywords = ""
        props.category = ""

    def heading(self, text: str, level: int) -> None:
        self.para(text, style=f"Heading {level}")

    def para(self, text: str, bold_prefix: str = "", style: str | None = None):
        p = self.doc.add_paragraph()
        if style is not None:
            p._p.style = self.style_ids[style]
        if bold_prefix:
            p.add_run(bold_prefix).bold = True
        if text:
            p.add_run(text)
        return p

    def original(self, lines) -> None:
        for line in lines:
            p = self.para(line, style="Quote")
            p.paragraph_format.first_line_indent = Pt(24)

    def bullets(self, lines) -> None:
        for line in lines:
            self.para(line, style="List Bullet")

    def numbered(self, lines) -> None:
        for number, line in enumerate(lines, start=1):
            self.para(f"{number}. {line}")

    def table(self, header, rows) -> None:
        """A Word table (style 表格网格): a bold header row repeated on every page, no row split across pages.

        Written as one piece of XML and parsed once: python-docx adds a table cell by cell, each
        through several lookups, which made most of the time of building this document.
        """
        width = int(self.doc._block_width) // 635 // len(header)  # EMU -> twips, equal columns
        grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in header)
        lines = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{self.style_ids["Table Grid"]}"/>'
                 f'<w:tblW w:type="auto" w:w="0"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" '
                 f'w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>']
        for index, row in enumerate([header, *rows]):
            head = index == 0
            lines.append("<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if head else "") + "</w:trPr>")
            for text in row:
                run = _run_xml(str(text), bold=head) if str(text) else ""
                lines.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr><w:p>{run}</w:p></w:tc>')
            lines.append("</w:tr>")
        lines.append("</w:tbl>")
        body = self.doc.element.body
        body.find(qn("w:sectPr")).addprevious(parse_xml("".join(lines)))

    def save(self, comment: str) -> bytes:
        raw = io.BytesIO()
        self.doc.save(raw)
        return _fixed_zip(raw.getvalue(), comment)


def _run_xml(text: str, bold: bool = False) -> str:
    """A run of text; a line break inside the text stays a line break (w:br)."""
    pieces = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in text.split("\n"))
    return "<w:r>" + ("<w:rPr><w:b/></w:rPr>" if bold else "") + pieces + "</w:r>"


def _fixed_zip(data: bytes, comment: str) -> bytes:
    """The same zip with fixed entry times and attributes, entries in their original order.

    The zip comment names the policy's hash, readable without unzipping (as in every other artifact).
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.comment = comment.encode("utf-8")
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 3
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def _marked(w: _Writer, m) -> None:
    w.para(f"{m.shown_note}（{m.subject_label}：{m.subject}；索引第{m.number}项）", bold_prefix=f"【{m.kind}】")


def render(sheet, content_hash: str) -> bytes:
    """The DOCX bytes of a sheets.Sheet; content_hash: the policy's sha256."""
    w = _Writer(sheet.title, "规则说明（审核用）")
    title = w.para(sheet.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    w.para("规则说明（审核用）").alignment = WD_ALIGN_PARAGRAPH.CENTER
    w.para("本说明由 yeji-policy 根据政策源文件自动生成，请勿手工修改；如需更正，请修改政策源文件后重新生成。")

    w.heading("文件信息", 1)
    w.table(("项目", "内容"), sheet.header)
    w.heading("审核对象（版本与哈希）", 1)
    w.table(("项目", "内容"), sheet.provenance)
    w.heading("阅读说明", 1)
    w.numbered(sheet.legend)
    if sheet.preamble:
        w.heading("引言（原文）", 1)
        w.original(sheet.preamble)
    w.heading(sheet.summary.caption, 1)
    w.table(sheet.summary.header, sheet.summary.rows)
    w.heading("金额汇总", 1)
    for t in (sheet.money, sheet.money_by_source):
        w.heading(t.caption, 2)
        w.table(t.header, t.rows)
        w.para(t.note)

    for chapter in sheet.chapters:
        w.heading(f"{chapter.numeral}、{chapter.title}", 1)
        for article in chapter.articles:
            w.heading(f"第{article.number}条 {article.title}", 2)
            w.para("", bold_prefix="原文")
            w.original(article.lines)
            if article.measures:
                w.para("", bold_prefix="措施")
                w.bullets(f"{label}：{value}" for label, values in article.measures for value in values)
            for m in article.interpretations:
                _marked(w, m)
            for p in article.programmes:
                _programme(w, p)

    w.heading("附：解释与需人工审核事项索引及审核签字", 1)
    w.para(sheet.signoff_note)
    rows = [(str(m.number), f"第{m.article}条", m.programme, m.kind, m.subject, m.shown_note, "", "", "")
            for m in sheet.index]
    rows.append((str(len(sheet.index) + 1), "全文", "—", "全文审核", sheet.whole_sheet, "对本说明全文的审核意见", "", "", ""))
    w.table(sheet.index_header, rows)
    return w.save(f"yeji-policy rule sheet; policy sha256 {content_hash}")


def _programme(w: _Writer, p) -> None:
    w.heading(f"项目：{p.name}（{p.id}）", 3)
    w.table(("项目", "内容"), p.details)
    if p.statements:
        w.para(p.statements)
    if p.excerpt:
        w.para("", bold_prefix="摘录")
        w.original([p.excerpt])
    w.para("", bold_prefix="申请条件（按规则顺序）")
    if p.conditions:
        w.numbered(p.conditions)
    else:
        w.para("无（按计算标准计算）")
    if p.constraints:
        w.para("", bold_prefix="表单校验（不满足时为无效申请，不作决定）")
        w.bullets(p.constraints)
    w.para("", bold_prefix="计算标准")
    w.bullets([f"计算：{line}" for line in p.steps] + list(p.formula))
    for t in p.tables:
        w.para(t.caption)
        w.table(t.header, t.rows)
        if t.note:
            w.para(t.note)
    w.para("", bold_prefix=p.fields.caption)
    w.table(p.fields.header, p.fields.rows)
    if p.interpretations:
        w.para("", bold_prefix="解释")
        for m in p.interpretations:
            _marked(w, m)
    if p.reviews:
        w.para("", bold_prefix="需人工审核的情形")
        for m in p.reviews:
            _marked(w, m)
    if p.examples:
        w.para("", bold_prefix="计算示例（生成时由参考解释器计算）")
        for number, ex in enumerate(p.examples, start=1):
            w.heading(f"示例{number}：{ex.name}", 4)
            if ex.inputs:
                w.table(("输入项", "值"), ex.inputs)
            w.numbered(ex.steps)
            w.para(ex.result, bold_prefix="结果：")
            w.bullets([f"原因：{r}" for r in ex.reasons] + [f"适用的解释：{n}" for n in ex.notes] +
                      [f"与测试用例的预期不符：{problem}" for problem in ex.problems])
