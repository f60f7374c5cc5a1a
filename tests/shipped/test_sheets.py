"""The rule sheets (backends/sheets.py): complete, faithful to the text, escaped, printable.

The sheets are what the finance bureau and legal staff sign off, so these
tests hold them to the law's text (policies/source/…txt), to the model (every
rate, cap, tier, interpretation and review case), and to the interpreter (the
worked examples are computed at build time, not copied).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import struct
import subprocess
import zlib
from decimal import Decimal
from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

from yeji_policy import build, catalogue, check, describe, testing
from yeji_policy import interpreter
from yeji_policy import model as M
from yeji_policy import runtime as R
from yeji_policy.backends import sheets
from cli_process import SHIPPED

ROOT = Path(__file__).resolve().parents[2]
SOURCE_TEXT = ROOT / "policies" / "source" / "yeji_ecommerce_opinions.txt"
TEMPLATES = ROOT / "yeji_policy" / "backends" / "templates"
MD_PATH = "sheets/yeji_ecommerce.md"
HTML_PATH = "sheets/yeji_ecommerce.html"
DOCX_PATH = "sheets/yeji_ecommerce.docx"
TEXT_KINDS = (".md", ".html")
INDEX_HEADING = "附：解释与需人工审核事项索引"


# ---------------------------------------------------------------- helpers
_MD_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def md_text(md: str) -> str:
    """What a Markdown reader sees as text: backslash escapes, <br> and &#32; undone."""
    text = re.sub(r"(?<!\\)<br>", "\n", md)
    text = re.sub(r"(?<!\\)&#32;", " ", text)
    return _MD_ESCAPED.sub(r"\1", text)


def html_text(page: str) -> str:
    return html.unescape(page)


def plain(sheet: str, kind: str) -> str:
    """The text a reader sees, markup dropped: Markdown emphasis, HTML tags (table cells joined by " | ")."""
    if kind == "md":
        return md_text(sheet).replace("**", "")
    sheet = re.sub(r"</t[dh]>\s*<t[dh][^>]*>", " | ", sheet)
    return html.unescape(re.sub(r"<[^>]+>", "", sheet))


def dsl_string(value: str) -> str:
    """A string literal of the policy language."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def after(text: str, marker: str) -> str:
    assert marker in text, marker
    return text[text.index(marker):]


def programme_section(text: str, p: M.Programme) -> str:
    """The part of a sheet from a programme's heading to the next programme, article or the index."""
    start = text.index(f"项目：{p.name}（{p.id}）")
    ends = [text.index(INDEX_HEADING)]
    for pattern in (r"(?m)^(#### )?项目：", r"(\n### |<h3>)第\d+条"):
        following = re.compile(pattern).search(text, start + 1)
        if following:
            ends.append(following.start())
    return text[start:min(ends)]


def all_consts(node) -> list[M.Const]:
    """Every constant of a programme's rules and amount."""
    found: list[M.Const] = []

    def expr(e) -> None:
        if isinstance(e, M.Const):
            found.append(e)
        for child in catalogue.children(e):
            expr(child)

    def amount(a) -> None:
        if isinstance(a, M.Formula):
            expr(a.expr)
            if a.cap is not None:
                expr(a.cap.limit)
        elif isinstance(a, M.Cases):
            for case in a.cases:
                if case.cond is not None:
                    expr(case.cond)
                if isinstance(case.outcome, (M.Formula, M.Cases, M.PerItem)):
                    amount(case.outcome)
        else:
            rules(a.rules)
            amount(a.amount)

    def rules(items) -> None:
        for rule in items:
            expr(rule.expr if isinstance(rule, M.Let) else rule.key if isinstance(rule, M.Unique) else rule.cond)

    rules(node.rules)
    amount(node.amount)
    return found


def all_tiers(p: M.Programme) -> list[M.Tiers]:
    tiers: list[M.Tiers] = []

    def walk(e) -> None:
        if isinstance(e, M.Tiers):
            tiers.append(e)
        for child in catalogue.children(e):
            walk(child)

    for a in _amounts(p.amount):
        walk(a.expr)
    return tiers


def _amounts(a):
    if isinstance(a, M.Formula):
        yield a
    elif isinstance(a, M.Cases):
        for case in a.cases:
            if isinstance(case.outcome, (M.Formula, M.Cases, M.PerItem)):
                yield from _amounts(case.outcome)
    else:
        yield from _amounts(a.amount)


def review_reasons(p: M.Programme) -> list[str]:
    """Every review case of a programme, found independently of the backend."""
    reasons: list[str] = []

    def rules(items) -> None:
        reasons.extend(r.reason for r in items if isinstance(r, (M.Review, M.Unique)))

    def amount(a) -> None:
        if isinstance(a, M.Cases):
            for case in a.cases:
                if isinstance(case.outcome, M.ReviewOutcome):
                    reasons.append(case.outcome.reason)
                elif not isinstance(case.outcome, M.IneligibleOutcome):
                    amount(case.outcome)
        elif isinstance(a, M.PerItem):
            rules(a.rules)
            amount(a.amount)

    rules(p.rules)
    amount(p.amount)
    return reasons


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def artifacts(policy) -> dict[str, str]:
    return {path: data.decode("utf-8") for path, data in sheets.generate(policy).items() if path.endswith(TEXT_KINDS)}


@pytest.fixture(scope="module")
def md(artifacts) -> str:
    return artifacts[MD_PATH]


@pytest.fixture(scope="module")
def page(artifacts) -> str:
    return artifacts[HTML_PATH]


@pytest.fixture(scope="module", params=["md", "html"])
def text(request, md, page) -> str:
    """Each sheet as its reader sees the text."""
    return plain(md if request.param == "md" else page, request.param)


# ---------------------------------------------------------------- the artifacts
def test_paths_named_after_the_policy_and_output_deterministic(two_builds):
    """Same bytes from two processes with different hash seeds and working directories, and in this one.
    Built outside the project (no policies/ in those directories) the file stands alone: unlinked."""
    first = sheets.generate(check.load(ROOT / "policies" / "yeji_ecommerce.policy")[0])
    assert set(first) == {MD_PATH, HTML_PATH, DOCX_PATH}
    for tree in two_builds:
        assert {path: data for path, data in tree.items()
                if path.startswith("sheets/") and ".tasks." not in path} == first  # the task breakdown: test_tasks.py
    assert ("sheets", sheets.generate) in build.backends()


def test_header_names_issuer_title_basis_version_and_hash(policy, text):
    doc = policy.document
    for value in (doc.issuer, doc.title, doc.version, policy.content_hash, policy.source_file):
        assert value in text
    for number, title in doc.basis:
        assert f"{number}《{title}》" in text


# ---------------------------------------------------------------- the law's text
def _source_lines() -> list[str]:
    return [line for line in SOURCE_TEXT.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_article_appears_verbatim_in_both_sheets(md, page):
    articles = {int(m.group(1)): line for line in _source_lines() if (m := re.match(r"^(\d+)．", line))}
    assert sorted(articles) == list(range(1, 20))
    shown_md, shown_html = md_text(md), html_text(page)
    for number, line in articles.items():
        assert f"\n> {line}\n" in shown_md, f"第{number}条原文不在 Markdown 的引用块中"
        assert f'<blockquote class="original">\n<p>{line}</p>' in shown_html, f"第{number}条原文不在 HTML 的引用块中"


def test_preamble_and_chapter_headings_appear(policy, text):
    lines = _source_lines()
    preamble = [line for line in lines[:6] if line.startswith(("各乡镇", "为进一步"))]
    assert len(preamble) == 2
    for line in preamble:
        assert line in text
    for chapter in policy.chapters:
        assert f"{chapter.numeral}、{chapter.title}" in text
        assert f"{chapter.numeral}、{chapter.title}" in lines


def test_article_headings_and_measures(policy, text):
    for article in policy.articles:
        assert f"第{article.number}条 {article.title}" in text
        for measure in article.measures:
            # Every value shown, as the sheet writes each kind: 指标 "A达到B", 责任单位 "A（B）", others "A；B".
            values = measure.values
            shown = (f"{values[0]}达到{values[1]}" if measure.kind == "indicator" and len(values) > 1 else
                     values[0] + (f"（{values[1]}）" if len(values) > 1 else "") if measure.kind == "responsible" else
                     "；".join(values))
            assert shown in text, (article.number, measure.kind, shown)


# ---------------------------------------------------------------- programmes
def test_every_programme_rate_cap_tier_funding_and_payment_appears(policy, text):
    for p in policy.programmes:
        section = programme_section(text, p)
        for const in all_consts(p):
            if isinstance(const.value, Decimal):
                assert const.text in section, f"{p.id}: {const.text}"
        for tiers in all_tiers(p):
            for row in tiers.rows:
                assert f"{row.threshold_text}（{R.show_yuan(row.threshold)}）" in section
                assert f"{row.award_text}（{R.show_yuan(row.award)}）" in section
        assert p.funding_source.value in section
        assert p.payment_condition.value in section
        assert p.applicant.value in section
        if p.excerpt:
            assert p.excerpt in section
        for f in p.fields:
            assert f.label in section and f.name in section
            for g in f.item_fields:
                assert g.label in section
        for rule in p.rules:
            if isinstance(rule, M.Require):
                assert rule.reason in section


def test_amounts_in_wan_yuan_also_shown_in_yuan(text):
    assert "最高不超过50万元（500,000.00 元）" in text
    assert "80万元（800,000.00 元）" in text
    assert "0.5万元（5,000.00 元）" in text


def test_summary_table_lists_every_programme(policy, md, page):
    summary = md_text(md).split("## 资金项目一览", 1)[1].split("\n## ", 1)[0]
    assert "| 条款 | 项目 | 计算标准 | 上限 | 资金来源 | 兑现方式 | 补助期限 | 兑现前提 |" in summary
    rows = [line for line in summary.splitlines() if line.startswith("| 第")]
    assert len(rows) == len(policy.programmes)
    for p, row in zip(policy.programmes, rows):
        assert row.startswith(f"| 第{p.article}条 | {p.name}（{p.id}） |")
        assert p.funding_source.value in row
        for label in ("兑现方式", "补助期限", "兑现前提"):
            assert p.detail(label).value in row
    assert html_text(page).count("<tr><td>第") >= len(policy.programmes)


def test_interpretations_and_review_cases_are_boxed_in_their_programme(policy, text):
    for p in policy.programmes:
        section = programme_section(text, p)
        for interp in policy.interpretations:
            if interp.programme == p.id:
                assert f"【解释】 {interp.note}" in section, interp.note
        for reason in review_reasons(p):
            assert f"【需人工审核】 {reason}" in section, reason


def test_index_lists_every_interpretation_and_review_case_for_sign_off(policy, md, page):
    reviews = [(p, reason) for p in policy.programmes for reason in review_reasons(p)]
    assert policy.interpretations and reviews  # the shipped policy has both
    readings = {(i.programme, i.note) for i in policy.interpretations}  # one reading in two places: one line
    expected_rows = len(readings) + len(reviews) + 1  # and one line for the whole sheet

    index_md = md_text(after(md, INDEX_HEADING))
    rows = [line for line in index_md.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(rows) == expected_rows
    assert "| 审核意见 | 审核人 | 日期 |" in index_md
    assert all(line.endswith("|   |   |   |") for line in rows)  # the sign-off columns are left empty

    index_html = after(page, INDEX_HEADING)
    assert index_html.count('<td class="sign"></td>') == 3 * expected_rows
    shown = html_text(index_html)
    for interp in policy.interpretations:
        assert interp.note in index_md and interp.note in shown
        assert interp.subject in index_md
    for p, reason in reviews:
        assert reason in index_md and reason in shown
        assert any(f"| 第{p.article}条 | {p.name}（{p.id}） | 需人工审核 |" in row and reason in row for row in rows)


# ---------------------------------------------------------------- worked examples
def test_worked_examples_for_every_decided_test_case(policy, text):
    for p in policy.programmes:
        section = programme_section(text, p)
        cases = [c for c in policy.tests if c.programme == p.id]
        for case in cases:
            if case.expect.status == "invalid":
                assert case.name not in section
                continue
            assert case.name in section
            if case.expect.amount is not None:
                assert R.show_yuan(case.expect.amount) in section
            if case.expect.amount_if_approved is not None:
                assert f"经审核批准后 {R.show_yuan(case.expect.amount_if_approved)}" in section
        assert "与测试用例的预期不符" not in section


def test_worked_example_shows_inputs_steps_and_status(policy, text):
    section = programme_section(text, policy.programme("art09_equipment"))
    assert "新增软硬件设备设施购置投入：123,456.78 元" in section or "新增软硬件设备设施购置投入 | 123,456.78 元" in section
    assert "新增软硬件设备设施购置投入 123,456.78 元 × 80% = 98,765.424 元" in section
    assert "符合条件，区财政补助 98,765.42 元" in section


def _changed_rate_policy(policy_source: str) -> M.Policy:
    text = policy_source
    assert text.count("equipment_investment × 80%") == 1
    text = text.replace("equipment_investment × 80%", "equipment_investment × 70%")
    assert text.count("预期 符合 金额 98765.42") == 1
    text = text.replace("预期 符合 金额 98765.42", "预期 符合 金额 86419.75")  # 123456.78 × 70% = 86419.746
    changed, diagnostics = check.check_source(text, "yeji_ecommerce.policy")
    assert changed is not None, diagnostics
    return changed


def test_worked_examples_are_computed_at_build_time(policy_source):
    changed = _changed_rate_policy(policy_source)
    engine = lambda pid, app: interpreter.evaluate(changed, pid, app)  # noqa: E731
    assert all(testing.run_case(case, "interpreter", engine).passed for case in changed.tests)

    out = {path: data.decode("utf-8") for path, data in sheets.generate(changed).items() if path.endswith(TEXT_KINDS)}
    for shown in (plain(out[MD_PATH], "md"), plain(out[HTML_PATH], "html")):
        section = programme_section(shown, changed.programme("art09_equipment"))
        assert "123,456.78 元 × 70% = 86,419.746 元" in section
        assert "区财政补助 86,419.75 元" in section
        assert "98,765.42" not in shown
        assert "新增软硬件设备设施购置投入 × 70%" in section


# ---------------------------------------------------------------- the words
def test_options_sharing_a_branch_are_described_once(policy):
    shared = [e for p in policy.programmes for a in _amounts(p.amount) for e in _walk(a.expr)
              if isinstance(e, M.Lookup) and any(len(o) > 1 for o, _ in describe.lookup_groups(e))]
    assert shared, "the shipped policy has B2B, B2C sharing one tier table"
    for lookup in shared:
        words = describe.expr(lookup)
        for options, branch in describe.lookup_groups(lookup):
            labels = "、".join(lookup.field.option_label(o) for o in options)
            assert words.count(f"{labels}：") == 1
            if len(options) > 1:
                for option in options:
                    assert f"（{lookup.field.option_label(option)}：" not in words
                    assert f"；{lookup.field.option_label(option)}：" not in words


def _walk(e):
    yield e
    for child in catalogue.children(e):
        yield from _walk(child)


def test_programme_rule_describes_every_programme(policy):
    for p in policy.programmes:
        sentence = describe.programme_rule(p)
        assert sentence.startswith(f"第{p.article}条：") and p.funding_source.value in sentence
    assert "企业类型为“其他”" in describe.condition(
        next(r for r in policy.programme("art10_rural_logistics").rules if isinstance(r, M.Review)).cond)


# ---------------------------------------------------------------- escaping
def test_markdown_template_escapes_every_value():
    """Every {{ … }} of sheet.md.j2 is `value | md`, or a call of one of its own macros."""
    env = jinja2.Environment()
    tree = env.parse((TEMPLATES / "sheet.md.j2").read_text(encoding="utf-8"))
    macros = {m.name for m in tree.find_all(nodes.Macro)}
    outputs = [n for output in tree.find_all(nodes.Output) for n in output.nodes
               if not isinstance(n, nodes.TemplateData)]
    assert len(outputs) > 50
    for node in outputs:
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in macros:
            continue
        assert isinstance(node, nodes.Filter) and node.name == "md", \
            f"line {node.lineno} of sheet.md.j2 outputs a value without the md filter"
    assert not list(tree.find_all(nodes.MarkSafe)) and not list(tree.find_all(nodes.MarkSafeIfAutoescape))


@pytest.mark.parametrize("value", [
    "<script>alert(1)</script>", "a | b", "*粗* _斜_ `码`", "[链接](http://x)", "# 标题", "- 列表", "+ 列表",
    "1. 有序", "12) 有序", "===", "---", "    缩进", "反斜杠\\结尾\\", "&amp; &#32;", "~~删~~ $x$ :smile:",
    "第一行\n- 第二行\n3. 第三行", "{{ 7*7 }}{% if %}", "> 引用", ">引用", "补助月数 > 0个月",
])
def test_md_escape_shows_text_literally(value):
    escaped = sheets.md_escape(value)
    assert "\n" not in escaped
    assert md_text(escaped) == value.replace("\t", "    ")
    assert not re.search(r"(?<!\\)[<*_`\[\]|#~$]", re.sub(r"(?<!\\)<br>|(?<!\\)&#32;", "", escaped))
    for line in re.split(r"(?<!\\)<br>", escaped):
        assert not re.match(r"^([-+=]|\d+[.)])(\s|$)", line) and not line.startswith((" ", ">"))


HOSTILE = '<script>alert(1)</script></table>{{ 7*7 }}{% if %}"引号"\'单引号\'\\反斜杠 | *星* _下_ `码` [链接](http://x) #井号'


def hostile_policy(policy_source: str) -> str:
    """The shipped policy with labels, notes, titles, reasons and original text made hostile."""
    replacements = [
        ('标题 "关于加快电子商务发展的实施意见"', f"标题 {dsl_string('关于' + HOSTILE)}"),
        ("审计验收后给予80%补助，补助金额最高不超过80万元。\n", "审计验收后给予80%补助，补助金额最高不超过80万元。" + HOSTILE + "\n"),
        ('项目 art09_equipment "农村电商公共服务中心设备设施购置补助"', f"项目 art09_equipment {dsl_string('设备' + HOSTILE)}"),
        ('equipment_investment: 金额 "新增软硬件设备设施购置投入"', f"equipment_investment: 金额 {dsl_string('投入' + HOSTILE)}"),
        ('解释 "补助不超过申请期间实际支付的租金"', f"解释 {dsl_string('注' + HOSTILE)}"),
        ('因 "原文所列企业类型以“等”结尾，其他类型企业是否属于补助范围需人工认定"', f"因 {dsl_string('审' + HOSTILE)}"),
        ('测试 "设备购置：四舍五入到分"', f"测试 {dsl_string('例' + HOSTILE)}"),
        ('C2C "个人与个人之间的电子商务"', f"C2C {dsl_string('个人' + HOSTILE)}"),
        ('任务 a09_industrial_parks "鼓励企业投资建设或改造符合规划的电子商务产业园区"', f"任务 a09_industrial_parks {dsl_string('# 标题' + chr(10) + '- 列表' + chr(10) + '1. 有序')}"),
    ]
    text = policy_source
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def hostile(policy_source) -> dict[str, str]:
    checked, diagnostics = check.check_source(hostile_policy(policy_source), "yeji_ecommerce.policy")
    assert checked is not None, [d.message for d in diagnostics]
    return {path: data.decode("utf-8") for path, data in sheets.generate(checked).items() if path.endswith(TEXT_KINDS)}


def test_hostile_text_is_escaped_in_html(hostile):
    page = hostile[HTML_PATH]
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/table&gt;" in page
    assert page.count("<table") == page.count("</table>")
    shown = html_text(page)
    assert shown.count(HOSTILE) >= 8  # title, original text, name, label, note, reason, example, option
    assert "{{ 7*7 }}{% if %}" in shown
    import html5lib

    html5lib.HTMLParser(strict=True).parse(page)


def test_hostile_text_is_shown_literally_in_markdown(hostile):
    md = hostile[MD_PATH]
    shown = md_text(md)
    assert shown.count(HOSTILE) >= 8
    assert "任务：# 标题\n- 列表\n1. 有序" in shown
    for line in md.splitlines():
        if "alert(1)" in line:  # every Markdown-active character of the hostile text is escaped
            assert not re.search(r"(?<!\\)[<*_`\[\]#~]", _without_our_markup(line)), line
        assert line not in ("- 列表", "1. 有序")
    table: list[str] = []
    for line in md.splitlines() + [""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:  # a hostile | never adds a column
            counts = {len(_UNESCAPED_PIPE.findall(row)) for row in table}
            assert len(counts) == 1, table
            table = []


def _without_our_markup(line: str) -> str:
    """A Markdown line without the markup the template itself writes around values."""
    line = re.sub(r"^(#+ |> |\s*- |\s*\d+\. )", "", line)
    line = line.replace("**", "")
    return re.sub(r"^\*(.*)\*$", r"\1", line)


# ---------------------------------------------------------------- the HTML page
def test_html_is_self_contained_and_printable(page):
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"zh-CN\">")
    assert '<meta charset="utf-8">' in page
    lowered = page.lower()
    for forbidden in ("<script", "<link", "<img", "<iframe", "src=", "@import", "url(", "http://", "https://"):
        assert forbidden not in lowered, forbidden
    assert "@page {\n  size: A4;" in page
    assert "break-inside: avoid" in page and "thead { display: table-header-group; }" in page
    assert "@media print" in page


def test_html_parses_as_html5_without_errors(page):
    import html5lib  # test extra: a parser that reports every HTML5 parse error

    html5lib.HTMLParser(strict=True).parse(page)


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def read_png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """(width, height, channels, rows of pixel bytes) of an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0, (depth, interlace)
            channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous, i = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        if kind == 2:
            line = bytearray((x + y) & 255 for x, y in zip(line, previous))
        elif kind:
            for x in range(stride):
                a = line[x - channels] if x >= channels else 0
                b = previous[x]
                c = previous[x - channels] if x >= channels else 0
                if kind == 1:
                    line[x] = (line[x] + a) & 255
                elif kind == 3:
                    line[x] = (line[x] + (a + b) // 2) & 255
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def _require(tool: str | None, what: str) -> str:
    """The path of a browser-test tool; outside CI a missing one skips, saying so; under CI=true it fails."""
    if tool is None:
        message = f"{what} not installed (.ci/run installs it): not checked"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return tool


def test_html_renders_in_headless_chromium(page, tmp_path):
    chromium = _require(_chromium(), "Chromium (apt-get install chromium fonts-noto-cjk)")
    fonts = shutil.which("fc-list")
    if fonts:
        families = subprocess.run([fonts, ":lang=zh", "family"], capture_output=True, text=True).stdout
        assert families.strip(), "no Chinese font (apt-get install fonts-noto-cjk): the sheet would show boxes"
    sheet = tmp_path / "sheet.html"
    sheet.write_text(page, encoding="utf-8")
    shot = tmp_path / "sheet.png"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1240,1754",
         sheet.as_uri()],
        capture_output=True, timeout=180, check=False)
    assert shot.is_file(), "Chromium wrote no screenshot"
    data = shot.read_bytes()
    assert 20_000 < len(data) < 20_000_000
    width, height, channels, rows = read_png(data)
    assert (width, height) == (1240, 1754)
    colours = set()
    dark = 0
    for row in rows[::4]:
        for x in range(0, width * channels, channels * 2):
            pixel = row[x:x + 3]
            colours.add(pixel)
            if sum(pixel[:3]) < 3 * 110:
                dark += 1
    sampled = len(rows[::4]) * len(range(0, width * channels, channels * 2))
    assert len(colours) > 16, "the screenshot is (nearly) one colour: the page did not render"
    assert 0.005 < dark / sampled < 0.5, f"implausible share of dark (text) pixels: {dark / sampled:.3f}"


# ================================================================ issue 11: sheets a legal reviewer can sign
# Each test below failed on the sheet of commit 365e776 (before the fix), word for word where it is wording.
def _index_number(policy, note: str) -> int:
    return next(m.number for m in sheets.build_sheet(policy).index if m.note == note)


def _section(text: str, policy, pid: str) -> str:
    return programme_section(text, policy.programme(pid))


def test_finding1_funding_reasons_are_true_claims_about_the_text(policy, text):
    """No reason says "按本章各条“区财政”理解": chapter 五 also has 市财政 and 市电子商务发展专项资金."""
    assert "本章各条" not in text
    reading = "原文本句未写明出资方；本意见由区人民政府印发，是区级政策，按区财政出资理解"
    for pid in ("art13_rural_stations", "art14_sales_award", "art14_poverty_employment"):
        p = policy.programme(pid)
        assert p.funding_source.interpretation.note == reading
        assert f"【解释】 {reading}" in _section(text, policy, pid)
    # "本句未写明出资方" is true: the excerpt of every programme with that reading names no payer
    for p in policy.programmes:
        note = p.funding_source.interpretation.note if p.funding_source.interpretation else ""
        if "未写明出资方" in note:
            assert p.funding_source.value not in (p.excerpt or ""), p.id
        else:  # and a payer not read into the text is one the article names
            assert p.funding_source.value in policy.article(p.article).text, p.id
    # a reason that quotes the text quotes it exactly
    for interp in policy.interpretations:
        for quoted in re.findall(r"(?:原文为|前一句)“([^”]+)”", interp.note):
            article = policy.article(interp.article).text
            assert all(part in article for part in quoted.split("……")), (interp.note, quoted)


def test_finding2_reading_guide_says_how_each_yuanzeshang_is_read(policy, text):
    legend = after(text, "阅读说明").split("引言（原文）")[0]
    assert "原文留有裁量（如“原则上”）" not in legend  # the old guide: every 原则上 a review case
    review = "同一行政村原则上只建设1个网点，本村已有符合条件的网点"
    cap = "原文为“原则上每个站点不超过2万元”，按每个网点上限2万元执行"
    review_reading = next(i.note for i in policy.interpretations if i.note.startswith("按列表顺序，每个行政村第一个"))
    assert ("原文“原则上”共2处：第13条“每个行政村原则上建设1个农村电子商务网点”、第13条“原则上每个站点不超过2万元”。"
            "处理方式不同，并非一律需人工审核："
            f"列为【需人工审核】：{review}（索引第{_index_number(policy, review)}项；"
            f"其【解释】见索引第{_index_number(policy, review_reading)}项）；"
            f"按硬性规定执行，为【解释】：{cap}（索引第{_index_number(policy, cap)}项）。") in legend
    assert text.count(DISCRETION_IN_TEXT) >= 2


DISCRETION_IN_TEXT = "原则上"


def test_finding3_other_governments_money_is_said_in_words(policy, text):
    demo = _section(text, policy, "art15_demonstration")
    assert "结果：符合条件，可协助申报市财政一次性奖励 20,000.00 元" in demo
    assert "补助金额" not in demo
    cross = _section(text, policy, "art14_cross_border")
    assert "结果：符合条件，由市电子商务发展专项资金补贴 150,000.00 元" in cross
    assert "补助金额" not in cross
    money = after(text, "按资金来源汇总（各资金来源分别列示，不相加）")
    assert "市电子商务发展专项资金 | 跨境电子商务平台建设补贴（art14_cross_border） | 300,000.00 元" in money
    assert "市财政 | 电子商务示范企业奖励（art15_demonstration） | 500,000.00 元" in money


def test_finding3_cli_result_names_the_payer(tmp_path):
    from click.testing import CliRunner
    from yeji_policy.cli import main

    path = tmp_path / "app.json"
    path.write_text('{"demonstration_level": "city"}', encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", "art15_demonstration", str(path)])
    assert result.exit_code == 0, result.output
    assert "结果：可协助申报市财政一次性奖励 20,000.00 元" in result.output.splitlines()


SIMULATE_POLICY = ROOT / "tests" / "fixtures" / "minimal.policy"


def test_finding3_simulate_and_diff_never_add_funding_sources(tmp_path, policy_source):
    """Two payers: each total stands apart, and no line adds district and city money together."""
    from click.testing import CliRunner
    from yeji_policy.cli import main

    population = tmp_path / "population.jsonl"
    population.write_text(
        '{"programme": "art15_demonstration", "application": {"demonstration_level": "city"}}\n'
        '{"programme": "art09_equipment", "application": {"equipment_investment": 100000, '
        '"equipment_audit_passed": true}}\n', encoding="utf-8")
    out = CliRunner().invoke(main, ["simulate", str(population), *SHIPPED]).output.splitlines()
    assert "  区财政：1 份；金额 80,000.00 元" in out and "  市财政：1 份；金额 20,000.00 元" in out
    assert out[out.index("按资金来源：") + 3] == "合计：资金来源不同，金额分别列示（见“按资金来源”），不相加"
    assert not any("100,000.00 元" in line for line in out)  # 80,000 + 20,000 is never shown
    new = tmp_path / "yeji_ecommerce.policy"
    new.write_text(policy_source.replace("city: 2万元", "city: 3万元"), encoding="utf-8")
    out = CliRunner().invoke(main, ["diff", str(ROOT / "policies" / "yeji_ecommerce.policy"), str(new),
                                    "--population", str(population)]).output.splitlines()
    assert "  市财政：金额 20,000.00 元 → 30,000.00 元（增加 10,000.00 元）" in out
    assert "合计：资金来源不同，金额分别列示（见“按资金来源”），不相加" in out


def test_finding4_cross_border_platforms_worded_one_way(policy, text):
    section = _section(text, policy, "art14_cross_border")
    assert "公共服务平台或交易平台" not in section
    assert "未建立跨境电子商务公共服务平台及交易平台（两个平台均未建立）" in section
    assert "【解释】 原文为“公共服务平台及交易平台”，按建成其中一个平台即可理解" in section


def test_finding5_excerpts_hold_every_figure(policy, text):
    for pid, words in (("art14_sales_award", "分别按0.5万元、1万元、5万元、10万元给予一次性奖励"),
                       ("art17_training", "培训时间在1天以上（含1天）且安排食宿（含上机操作），给予培训主体200元/人/天补助"),
                       ("art11_service_center_operation", "建成淘宝、京东、苏宁易购等3个以上线上特色馆")):
        assert words in policy.programme(pid).excerpt
        assert words in after(_section(text, policy, pid), "摘录")


def test_finding5_checker_reports_an_excerpt_missing_a_figure(policy_source):
    full = ('摘录 "培训实行定额补助制度，培训时间在半天的，给予培训主体60元/人补助；安排就餐的，再给予30元/人补助；'
            '安排上机操作，再给予20元/人补助。培训时间在1天以上（含1天）且安排食宿（含上机操作），给予培训主体200元/人/天补助"')
    assert policy_source.count(full) == 1
    checked, diagnostics = check.check_source(policy_source.replace(full, '摘录 "培训实行定额补助制度"'),
                                              "yeji_ecommerce.policy")
    assert checked is not None
    found = [(d.code, d.message) for d in diagnostics if d.code == "W0804"]
    assert found == [("W0804", f"项目“art17_training”的摘录没有包含它使用的数字“{figure}”")
                     for figure in ("0.5天", "60元/人", "30元/人", "20元/人", "1天", "200元/人/天")]
    _, shipped = check.check_source(policy_source, "yeji_ecommerce.policy")
    assert not [d for d in shipped if d.code.startswith("W")]


def test_finding6_terms_and_payment_columns(policy, md, text):
    summary = md_text(md).split("## 资金项目一览", 1)[1].split("\n## ", 1)[0]
    assert "| 条款 | 项目 | 计算标准 | 上限 | 资金来源 | 兑现方式 | 补助期限 | 兑现前提 |" in summary
    assert ("| 第10条 | 电商企业入园房屋租金补助（art10_park_rent） | 15元/平方米/月 × 租赁建筑面积（平方米） × 补助月数【解释】 | "
            "申请期间实际支付租金【解释】 | 区财政 | 原文未规定 | 连续补助3年 | 原文未规定 |") in summary
    assert "补助项目：" not in text
    award = _section(text, policy, "art14_sales_award")
    assert award.startswith("项目：网商年销售额首次突破奖励（art14_sales_award）")
    assert "奖励金额 = 按电子商务形式确定的金额（见对照表），扣除此前已获本项奖励金额" in award
    assert "补贴金额 = 实际投入 × 15%，最高不超过30万元（300,000.00 元）" in _section(text, policy, "art14_cross_border")


def test_finding7_a_step_that_rounds_says_so(policy, generated_module, text):
    app = {"builds_cross_border_platform": True, "cross_border_investment": Decimal("1999999.99")}
    step = ("实际投入 1,999,999.99 元 × 15% = 299,999.9985 元，未超过上限 300,000.00 元，按分四舍五入，"
            "取 300,000.00 元【第14条】")
    assert interpreter.evaluate(policy, "art14_cross_border", app)["steps"][-1] == step
    assert generated_module.evaluate("art14_cross_border", app)["steps"][-1] == step
    assert ("新增设备、软件及相关设施投入（影像采集、网络传输、溯源设备，资质认证，标准化建设） 0.07 元 × 50% = 0.035 元，"
            "未超过上限 500,000.00 元，按分四舍五入，取 0.04 元【第12条】") in _section(text, policy, "art12_supply_chain")
    capped = interpreter.evaluate(policy, "art14_cross_border", dict(app, cross_border_investment=Decimal(3000000)))
    assert capped["steps"][-1].endswith("超过上限 300,000.00 元，按上限计，取 300,000.00 元【第14条】")


def test_finding8_conditions_read_as_chinese(policy, generated_module, md, text):
    app = {"supply_chain_investment": 100000, "supply_chain_subsidy_received": True}
    for result in (interpreter.evaluate(policy, "art12_supply_chain", app),
                   generated_module.evaluate("art12_supply_chain", app)):
        assert result["reasons"] == ["已获得过本项一次性补助（不满足条件：“已获本项一次性补助”为是）【第12条】"]
    assert "非（" not in text
    award = _section(text, policy, "art14_sales_award")
    assert "实际运行月数不少于1年（12 个月）（不满足时不符合条件：实际运行未满1年）" in award
    assert "满足条件：实际运行月数 20 个月 ≥ 1年（12 个月）【第14条】" in award
    assert not re.search(r"\S - \S", award)  # no ASCII minus: 扣除
    assert "扣除 此前已获本项奖励金额 5,000.00 元 = 5,000.00 元" in award
    rent = _section(text, policy, "art10_park_rent")
    conditions = rent.split("申请条件")[1].split("计算标准")[0]
    assert "补助月数 =" not in conditions  # a calculation is not a condition
    assert "计算：补助月数 = 本次申请补助期间（起）至本次申请补助期间（止）期间落在自入园起租日期当月起3年（36 个月）内的自然月数" in rent
    assert "补助月数大于0个月" in conditions
    assert "\\>" not in md


SILENT_READINGS = {
    "art13_rural_stations": ["原文为“2017年新建符合农村电子商务服务网点标准的企业”，按网点的建成年份为2017年理解",
                             "只在本次申请内核对：同村是否已有其他申请人的网点，本系统不核对，由审核人员核对",
                             "原文为“验收后给予补助”，未写“合格”；按验收合格理解"],
    "art12_supply_chain": ["原文补助基数为“新增设备、软件及相关设施等投入”，未写明是否含资质认证、标准化建设的投入；按“等”字计入理解",
                           "“一次性补助”按每个申请人只能获得一次理解"],
    "art09_equipment": ["原文为“审计验收后给予80%补助”，未写“合格”；按审计验收合格理解"],
    "art11_service_center_operation": ["原文未写100万元上限的计算期间（每年或累计），按每次申请不超过100万元执行"],
    "art14_sales_award": ["扣除此前已获本项奖励（不论此前按哪种电子商务形式获得）；“首次突破”不核对以前年度的销售额"],
    "art10_park_rent": ["申请期间落在补助期以外的月份不计。同一月份是否已在以前的申请中获得补助，本系统不跨申请核对"],
    "art14_cross_border": ["申请人是否为生产企业或外贸企业不在表单中核对，以申请人的陈述为准"],
    "art14_poverty_employment": ["申请人是否为电子商务企业或网商、所聘人员是否为贫困人口并“稳定就业”，以申请人的陈述为准"],
    "art17_training": ["受训人员是否属于本条所列培训对象，以培训主体的陈述为准"],
}


@pytest.mark.parametrize("pid", sorted(SILENT_READINGS))
def test_finding9_every_silent_reading_is_marked(policy, text, pid):
    section = _section(text, policy, pid)
    boxes = [line for line in section.splitlines() if "【解释】 " in line]
    for reading in SILENT_READINGS[pid]:
        assert any(reading in box for box in boxes), reading
    assert not any("含3个" in i.note for i in policy.interpretations)  # 3个以上 includes 3 by law, not by reading


# ---------------------------------------------------------------- what a sheet needs to be signed
def test_document_block_declared_in_the_policy(policy, text, policy_source):
    for label in ("文号", "成文日期", "施行日期", "有效期"):
        assert policy.document.detail(label) == "原文未载明"
        assert f"{label} | 原文未载明" in text
    changed, _ = check.check_source(policy_source.replace('文号 "原文未载明"', '文号 "叶政〔2018〕1号"'), "x.policy")
    shown = plain(sheets.render_markdown(sheets.build_sheet(changed)), "md")
    assert "文号 | 叶政〔2018〕1号" in shown  # from the policy, not the template


def test_new_attributes_round_trip_through_fmt_and_diff(policy_source):
    from yeji_policy import diff, fmt

    assert fmt.format_source(policy_source, "yeji_ecommerce.policy") == policy_source
    messy = policy_source.replace('  文号 "原文未载明"\n', '文号   "原文未载明"\n').replace(
        '    受理部门 "原文未规定"\n', '受理部门\n "原文未规定"\n', 1)
    assert messy != policy_source
    assert fmt.format_source(messy, "yeji_ecommerce.policy") == policy_source
    combination = ('重复享受 "原文未规定同一事项的投入能否同时享受本意见其他条款或其他政策的补助；本系统不核对，由审核人员核对"\n'
                   '    资金表述 "可协助申报市财政一次性奖励"')
    old_block = f'受理部门 "原文未规定"\n    申报材料 "原文未规定"\n    {combination}'
    assert policy_source.count(old_block) == 1
    edited = (policy_source.replace('有效期 "原文未载明"', '有效期 "五年"')
              .replace(old_block, f'受理部门 "区商务和粮食局"\n    申报材料 "示范企业证书" "申请表"\n    {combination}'))
    old, _ = check.check_source(policy_source, "yeji_ecommerce.policy")
    new, diagnostics = check.check_source(edited, "yeji_ecommerce.policy")
    assert new is not None, [d.message for d in diagnostics]
    assert new.programme("art15_demonstration").materials == ("示范企业证书", "申请表")
    assert new.programme("art15_demonstration").detail("受理部门").value == "区商务和粮食局"
    report = "\n".join(diff.changes(old, new))
    assert "有效期 “原文未载明” → “五年”" in report
    assert "受理部门 “原文未规定” → “区商务和粮食局”" in report
    assert "申报材料 “原文未规定” → “示范企业证书；申请表”" in report


def _original_lines() -> str:
    lines = [line.strip() for line in SOURCE_TEXT.read_text(encoding="utf-8").splitlines()]
    return "\n".join(line for line in lines if line) + "\n"


def test_provenance_hashes_policy_and_original_text_apart(policy, text, policy_source):
    import hashlib

    original = hashlib.sha256(_original_lines().encode("utf-8")).hexdigest()
    assert sheets.original_text(policy) == _original_lines()  # the law, and nothing of the encoding
    assert f"原文哈希（SHA-256） | {original}" in text
    assert f"政策源文件哈希（SHA-256） | {policy.content_hash}" in text
    encoding_only, _ = check.check_source(policy_source.replace("equipment_investment × 80%", "equipment_investment × 70%")
                                          .replace("预期 符合 金额 98765.42", "预期 符合 金额 86419.75"), "x.policy")
    assert encoding_only.content_hash != policy.content_hash
    assert sheets.original_text(encoding_only) == sheets.original_text(policy)
    law = policy_source.replace("给予80%补助，补助金额最高不超过80万元。\n", "给予70%补助，补助金额最高不超过80万元。\n")
    law = law.replace("审计验收后给予80%补助，补助金额最高不超过80万元\"", "审计验收后给予70%补助，补助金额最高不超过80万元\"")
    law_changed, diagnostics = check.check_source(law, "x.policy")
    assert law_changed is not None, [d.message for d in diagnostics]
    assert sheets.original_text(law_changed) != sheets.original_text(policy)


def test_money_summary_is_computed_from_the_model(policy, text, policy_source):
    money = after(text, "每份申请最多可得金额（按项目）")
    assert "农村电商公共服务中心设备设施购置补助（art09_equipment） | 区财政 | 区财政补助 | 800,000.00 元" in money
    assert "网商年销售额首次突破奖励（art14_sales_award） | 区财政 | 区财政一次性奖励 | 100,000.00 元" in money
    for pid in ("art14_poverty_employment", "art17_training", "art13_rural_stations"):
        p = policy.programme(pid)
        assert f"{p.name}（{p.id}） | {p.funding_source.value} | {sheets.money_wording(p)} | 未设上限" in money
    changed, _ = check.check_source(policy_source.replace("× 80% 最高不超过 80万元", "× 80% 最高不超过 70万元"), "x.policy")
    shown = plain(sheets.render_markdown(sheets.build_sheet(changed)), "md")
    assert "设备设施购置补助（art09_equipment） | 区财政 | 区财政补助 | 700,000.00 元" in shown


def test_each_programme_names_office_materials_statements_and_combination(policy, text):
    for p in policy.programmes:
        section = programme_section(text, p)
        assert "受理部门 | 原文未规定" in section
        assert "申报材料 | 原文未规定" in section
        assert "重复享受 | 原文未规定同一事项的投入能否同时享受本意见其他条款或其他政策的补助；本系统不核对，由审核人员核对" in section
        flags = [f.label for f in p.fields if f.kind == "bool"]
        flags += [g.label for f in p.fields for g in f.item_fields if g.kind == "bool"]
        if flags:
            note = "表单中的是否项（" + "、".join(f"“{label}”" for label in flags) + "）是申请人的陈述"
            assert note in section, p.id
    assert "表单中的是否项（“机构健全、制度完善、分工明确、管理规范”、“承担农村电子商务公共服务中心运营维护”" in text


def test_signoff_block_at_the_end(policy, md, page):
    tail = md_text(md).rstrip("\n").splitlines()
    count = len(sheets.build_sheet(policy).index)
    assert tail[-1] == (f"| {count + 1} | 全文 | — | 全文审核 | 本说明全文（含原文、各项目、计算示例和以上各项） | "
                        "对本说明全文的审核意见 |   |   |   |")
    assert "| 序号 | 条款 | 项目 | 类别 | 事项 | 内容 | 审核意见 | 审核人 | 日期 |" in md_text(md)
    assert '<tr class="whole"><td>' in page


def test_print_stylesheet(page):
    assert '@bottom-center { content: "第 " counter(page) " 页，共 " counter(pages) " 页";' in page
    assert "tr { break-inside: avoid; page-break-inside: avoid; }" in page
    assert "h1, h2, h3, h4, h5, h6 { break-after: avoid; page-break-after: avoid; break-inside: avoid; }" in page
    assert "orphans: 3; widows: 3;" in page


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def test_html_prints_to_pdf_with_every_article_and_the_signoff_block(policy, page, tmp_path):
    chromium = _require(_chromium(), "Chromium (apt-get install chromium fonts-noto-cjk)")
    pdftotext = _require(shutil.which("pdftotext"), "pdftotext (apt-get install poppler-utils)")
    sheet = tmp_path / "sheet.html"
    sheet.write_text(page, encoding="utf-8")
    pdf = tmp_path / "sheet.pdf"
    subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", sheet.as_uri()], capture_output=True, timeout=300, check=False)
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), "Chromium wrote no PDF"
    shown = subprocess.run([pdftotext, "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    squeezed = re.sub(r"\s+", "", shown)  # pdftotext breaks lines where the page does
    for article in policy.articles:
        assert f"第{article.number}条{article.title}" in squeezed, article.number
    signoff = squeezed[squeezed.rindex("附：解释与需人工审核事项索引及审核签字"):]
    for words in ("审核人员逐项填写审核意见（同意/不同意及理由）、签名和日期；最后一行对本说明全文签署意见。",
                  "序号条款项目类别事项内容审核意见审核人日期", "对本说明全文的审核意见"):
        assert words in signoff, words
    assert len(re.findall(r"第\d+条", signoff)) >= len(sheets.build_sheet(policy).index)
    pages = re.findall(r"第(\d+)页，共(\d+)页", squeezed)  # the page numbers of the print stylesheet
    assert pages and pages[0] == ("1", pages[0][1]) and int(pages[0][1]) > 20
    assert len({total for _, total in pages}) == 1


# ---------------------------------------------------------------- the Word copy
def _docx_text(document) -> tuple[list, str]:
    """(paragraphs, all the text: paragraphs and every table cell)."""
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return document.paragraphs, "\n".join(parts)


@pytest.fixture(scope="module")
def docx_bytes(policy) -> bytes:
    return sheets.generate(policy)[DOCX_PATH]


def test_docx_holds_the_articles_programmes_interpretations_and_signoff(policy, docx_bytes):
    import io

    import docx

    document = docx.Document(io.BytesIO(docx_bytes))
    paragraphs, everything = _docx_text(document)
    quoted = [p.text for p in paragraphs if p.style.name == "Quote"]
    articles = [line for line in _source_lines() if re.match(r"^\d+．", line)]
    assert len(articles) == 19
    for line in articles:
        assert line in quoted, line[:20]  # verbatim, as original text (宋体)
    headings = {p.text: p.style.name for p in paragraphs if p.style.name.startswith("Heading")}
    for p in policy.programmes:
        assert headings.get(f"项目：{p.name}（{p.id}）") == "Heading 3", p.id
    for article in policy.articles:
        assert headings.get(f"第{article.number}条 {article.title}") == "Heading 2"
    for interp in policy.interpretations:
        assert f"【解释】{interp.note}" in everything, interp.note
    for p in policy.programmes:
        for reason in review_reasons(p):
            assert f"【需人工审核】{reason}" in everything
    signoff = document.tables[-1]
    index = sheets.build_sheet(policy).index
    assert [c.text for c in signoff.rows[0].cells] == ["序号", "条款", "项目", "类别", "事项", "内容", "审核意见", "审核人", "日期"]
    assert len(signoff.rows) == 1 + len(index) + 1
    assert [c.text for c in signoff.rows[-1].cells][:4] == [str(len(index) + 1), "全文", "—", "全文审核"]
    assert all(c.text == "" for row in signoff.rows[1:] for c in row.cells[6:])
    assert headings.get("附：解释与需人工审核事项索引及审核签字") == "Heading 1"
    assert policy.content_hash in everything
    sheet = sheets.build_sheet(policy)  # the same content as the other sheets: guide, document block, money
    for line in sheet.legend:
        assert line in everything
    for table in (sheet.summary, sheet.money, sheet.money_by_source):
        for row in table.rows:
            assert all(cell in everything for cell in row)
    for label, value in sheet.header + sheet.provenance:
        assert f"{label}\n{value}" in everything


def test_docx_names_chinese_fonts_for_east_asian_text(docx_bytes):
    import io

    import docx
    from docx.oxml.ns import qn

    styles = docx.Document(io.BytesIO(docx_bytes)).styles

    def east_asia(name: str) -> str:
        return styles[name].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))

    assert east_asia("Normal") == "仿宋"
    assert [east_asia(f"Heading {n}") for n in (1, 2, 3, 4)] == ["黑体"] * 4
    assert east_asia("Quote") == "宋体"
    fonts = styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would override the named one


def test_docx_is_byte_identical_across_builds_in_separate_processes(docx_bytes):
    import io
    import subprocess
    import sys
    import zipfile

    script = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[3]); from conftest import linked; "
              "from yeji_policy.backends import sheets; "
              "p = linked(Path(sys.argv[1])); sys.stdout.buffer.write(sheets.generate(p)[sys.argv[2]])")
    builds = [subprocess.run([sys.executable, "-c", script, str(ROOT / "policies" / "yeji_ecommerce.policy"), DOCX_PATH,
                              str(ROOT / "tests")],
                             capture_output=True, check=True, cwd=tmp).stdout for tmp in (ROOT, ROOT / "tests")]
    assert builds[0] == builds[1] == docx_bytes
    assert (ROOT / "generated" / DOCX_PATH).read_bytes() == docx_bytes
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml"
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode("utf-8")
    for fixed in ("<dc:creator>yeji-policy</dc:creator>", "<cp:revision>1</cp:revision>",
                  '<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>',
                  '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'):
        assert fixed in core


def test_summary_marks_exactly_the_programmes_that_can_need_review(policy, md):
    """The 资金项目一览 row says （含【需人工审核】的情形） for a programme whose rules, cases or list items
    can end in review — here, those whose embedded test cases reach 需审核 (a 审核 rule, a 其他 case, a 唯一)."""
    summary = md.split("## 资金项目一览", 1)[1].split("\n## ", 1)[0]
    marked = {p.id for p in policy.programmes
              for row in summary.splitlines() if row.startswith("| ") and f"（{p.id.replace('_', chr(92) + '_')}）" in row
              and "（含【需人工审核】的情形）" in row}
    reaching_review = {t.programme for t in policy.tests if t.expect.status == "review"}
    assert len(reaching_review) >= 3
    assert marked == reaching_review


# ================================================================ second review of the sheets
# Each test below failed on the sheets of commit 4631098 (before the fix), word for word where it is wording.
CALCULATION_READ = {"art10_park_rent", "art11_pavilion", "art12_supply_chain", "art13_rural_stations",
                    "art14_sales_award", "art14_poverty_employment", "art17_training"}


def _summary_rows(md: str) -> dict[str, list[str]]:
    """The 资金项目一览 rows by programme id: the cells as a reader sees them."""
    summary = md_text(md).split("## 资金项目一览", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in summary.splitlines():
        found = re.search(r"（(\w+)） \|", line)
        if line.startswith("| 第") and found:
            rows[found.group(1)] = [cell.strip() for cell in line.strip("|").split(" | ")]
    return rows


def test_review2_finding1_overview_marks_every_interpreted_formula(policy, md):
    rows = _summary_rows(md)
    assert set(rows) == set(policy.programme_ids)
    assert rows["art11_pavilion"][2:5] == ["营销特色馆（线上线下）建设投入【解释】", "50万元（500,000.00 元）", "区财政【解释】"]
    assert rows["art12_supply_chain"][2] == ("新增设备、软件及相关设施投入（影像采集、网络传输、溯源设备，资质认证，标准化建设）"
                                             " × 50%【解释】")
    assert rows["art13_rural_stations"][2].endswith("室内外牌匾等投入 × 100%，各项合计【解释】（含【需人工审核】的情形）")
    assert rows["art14_sales_award"][2] == "按电子商务形式确定的金额（见对照表），扣除此前已获本项奖励金额【解释】"
    assert rows["art17_training"][2].endswith("原文未规定补助标准）【解释】（含【需人工审核】的情形）")
    assert rows["art10_park_rent"][2] == "15元/平方米/月 × 租赁建筑面积（平方米） × 补助月数【解释】"  # its 令 is read
    assert rows["art09_equipment"][2] == "新增软硬件设备设施购置投入 × 80%"  # the text's own formula: unmarked
    marked = {pid for pid, cells in rows.items() if "【解释】" in cells[2]}
    assert marked == CALCULATION_READ
    # every formula that carries a 解释 of its own is among them, found apart from the backend
    assert {p.id for p in policy.programmes if any(a.interpretation for a in _amounts(p.amount))} <= marked


ONE_TIME_AWARD = "原文为“一次性奖励”；本系统不核对此前是否已获本项奖励，由审核人员核对"
ONE_TIME_PER_PERSON = ("原文为“一次性补助1000元/人”，按每名贫困人口只补助一次理解：只计此前未获本项补助的人员"
                       "（表单人数一栏注明“此前未获本项补助”）；本系统不核对此前是否已获补助，由审核人员核对")


def test_review2_finding2_one_time_readings_are_marked(policy, md, text, generated_module):
    demo, poverty = _section(text, policy, "art15_demonstration"), _section(text, policy, "art14_poverty_employment")
    assert f"兑现前提 | 原文未规定〔解释，索引第{_index_number(policy, ONE_TIME_AWARD)}项〕" in demo
    assert f"【解释】 {ONE_TIME_AWARD}" in demo
    assert _summary_rows(md)["art15_demonstration"][-1] == "原文未规定【解释】"
    assert f"兑现条件（计算结果所列） | 一次性〔解释，索引第{_index_number(policy, ONE_TIME_PER_PERSON)}项〕" in poverty
    assert f"【解释】 {ONE_TIME_PER_PERSON}" in poverty
    subjects = {m.note: m.subject for m in sheets.build_sheet(policy).index}
    assert (subjects[ONE_TIME_AWARD], subjects[ONE_TIME_PER_PERSON]) == ("兑现前提", "兑现条件")
    # the behaviour stays: no history field, the reading only made visible — in every result too
    assert [f.name for f in policy.programme("art15_demonstration").fields] == ["demonstration_level"]
    assert [f.name for f in policy.programme("art14_poverty_employment").fields] == ["poor_employees"]
    for result in (interpreter.evaluate(policy, "art14_poverty_employment", {"poor_employees": 3}),
                   generated_module.evaluate("art14_poverty_employment", {"poor_employees": 3})):
        assert (result["status"], result["amount"]) == ("eligible", "3000.00")
        assert {"id": "art14_poverty_employment.payment_condition", "article": 14, "subject": "兑现条件",
                    "note": ONE_TIME_PER_PERSON} in result["interpretations"]


def test_review2_finding3_one_reading_one_signoff_line(policy, text):
    index = sheets.build_sheet(policy).index
    assert len({(m.programme, m.note) for m in index}) == len(index)
    for pid, quoted, subject, labels in (
            ("art09_equipment", "审计验收后给予80%补助", "兑现前提、条件", ("兑现前提",)),
            ("art13_rural_stations", "验收后给予补助", "兑现条件、兑现前提", ("兑现条件（计算结果所列）", "兑现前提"))):
        p = policy.programme(pid)
        readings = [m for m in index if m.programme == f"{p.name}（{pid}）" and quoted in m.note]
        assert len(readings) == 1, [m.note for m in readings]
        (reading,) = readings
        assert reading.subject == subject
        assert reading.note.endswith("未写“合格”；按审计验收合格理解" if pid == "art09_equipment" else "未写“合格”；按验收合格理解")
        section = _section(text, policy, pid)
        for label in labels:
            assert re.search(rf"{re.escape(label)} \| [^|\n]*〔解释，索引第{reading.number}项〕", section), label
        assert section.count(f"【解释】 {reading.note}") == 1
    assert len([m for m in index if m.note.startswith("原文为“审计验收后") or "验收后给予补助" in m.note]) == 2


def test_review2_finding4_steps_and_totals_read_as_chinese(policy, generated_module, text, tmp_path):
    stations = {"stations": [{"village": "平岗村", "built_year": 2017, "meets_standard": True, "acceptance_passed": True,
                              "investment": 9000},
                             {"village": "三元村", "built_year": 2016, "meets_standard": True, "acceptance_passed": True,
                              "investment": 9000}]}
    award = {"sales_channel": "C2C", "months_in_operation": 24, "annual_online_sales": 1000000,
             "sales_awards_received": 10000}
    for evaluate in (lambda pid, app: interpreter.evaluate(policy, pid, app), generated_module.evaluate):
        steps = evaluate("art13_rural_stations", stations)["steps"]
        assert steps[0] == "服务网点第1项：满足条件：建成年份 2017 等于 2017【第13条】"
        assert "服务网点第2项：不满足条件：建成年份 2016 不等于 2017【第13条】" in steps
        assert evaluate("art14_sales_award", award)["reasons"] == ["按规则计算的奖励金额为 0.00 元，不大于0【第14条】"]
    assert "建成年份 2017 = 2017" not in text and "建成年份 2017 等于 2017" in text
    award_section = _section(text, policy, "art14_sales_award")
    assert "原因：按规则计算的奖励金额为 0.00 元，不大于0【第14条】" in award_section
    assert "补助金额" not in award_section
    from click.testing import CliRunner
    from yeji_policy.cli import main

    population = tmp_path / "population.jsonl"
    population.write_text('{"programme": "art15_demonstration", "application": {"demonstration_level": "city"}}\n',
                          encoding="utf-8")
    source = (ROOT / "policies" / "yeji_ecommerce.policy").read_text(encoding="utf-8")
    for city, change in (("1万元", "（减少 10,000.00 元）"), ("3万元", "（增加 10,000.00 元）")):
        new = tmp_path / "yeji_ecommerce.policy"
        new.write_text(source.replace("city: 2万元", f"city: {city}"), encoding="utf-8")
        out = CliRunner().invoke(main, ["diff", str(ROOT / "policies" / "yeji_ecommerce.policy"), str(new),
                                        "--population", str(population)]).output.splitlines()
        assert f"合计：金额 20,000.00 元 → {city[0]}0,000.00 元{change}" in out, out


def test_a_field_lists_its_choices_exactly_when_it_has_options(policy, md):
    # The form table's 说明 says 可选：label（value）… for an option field, and only there.
    rows = [line.split(" | ") for line in md.splitlines() if line.startswith("| ") and line.count(" | ") == 3]
    fields = [r for r in rows if r[2] not in ("类型", "---")]
    with_options = [r for r in fields if r[2] == "选项"]
    assert len(with_options) == 4
    for row in fields:
        assert ("可选：" in row[3]) == (row[2] == "选项"), row
    assert with_options[0][3] == "可选：电子商务企业（ecommerce）；配套服务企业（support\\_service）；其他（other） |"
