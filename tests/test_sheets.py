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

ROOT = Path(__file__).resolve().parent.parent
SOURCE_TEXT = ROOT / "policies" / "source" / "yeji_ecommerce_opinions.txt"
TEMPLATES = ROOT / "yeji_policy" / "backends" / "templates"
MD_PATH = "sheets/yeji_ecommerce.md"
HTML_PATH = "sheets/yeji_ecommerce.html"
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
    start = text.index(f"补助项目：{p.name}（{p.id}）")
    ends = [text.index(INDEX_HEADING)]
    for pattern in (r"补助项目：", r"(\n### |<h3>)第\d+条"):
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
    return {path: data.decode("utf-8") for path, data in sheets.generate(policy).items()}


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
def test_paths_named_after_the_policy_and_output_deterministic(policy, two_builds):
    """Same bytes from two processes with different hash seeds and working directories, and in this one."""
    first = sheets.generate(policy)
    assert set(first) == {MD_PATH, HTML_PATH}
    for tree in two_builds:
        assert {path: data for path, data in tree.items() if path.startswith("sheets/")} == first
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
    summary = md_text(md).split("## 补助项目一览", 1)[1].split("\n## ", 1)[0]
    assert "| 条款 | 项目 | 补助标准 | 上限 | 资金来源 | 兑现条件 |" in summary
    rows = [line for line in summary.splitlines() if line.startswith("| 第")]
    assert len(rows) == len(policy.programmes)
    for p, row in zip(policy.programmes, rows):
        assert row.startswith(f"| 第{p.article}条 | {p.name}（{p.id}） |")
        assert p.funding_source.value in row and p.payment_condition.value in row
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
    expected_rows = len(policy.interpretations) + len(reviews)

    index_md = md_text(after(md, INDEX_HEADING))
    rows = [line for line in index_md.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(rows) == expected_rows
    assert "签字/审核意见" in index_md
    assert all(line.endswith("|   |") for line in rows)  # the sign-off column is left empty

    index_html = after(page, INDEX_HEADING)
    assert index_html.count('<td class="sign"></td>') == expected_rows
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
    assert "符合条件，补助金额 98,765.42 元" in section


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

    out = {path: data.decode("utf-8") for path, data in sheets.generate(changed).items()}
    for shown in (plain(out[MD_PATH], "md"), plain(out[HTML_PATH], "html")):
        section = programme_section(shown, changed.programme("art09_equipment"))
        assert "123,456.78 元 × 70% = 86,419.746 元" in section
        assert "补助金额 86,419.75 元" in section
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
    "第一行\n- 第二行\n3. 第三行", "{{ 7*7 }}{% if %}",
])
def test_md_escape_shows_text_literally(value):
    escaped = sheets.md_escape(value)
    assert "\n" not in escaped
    assert md_text(escaped) == value.replace("\t", "    ")
    assert not re.search(r"(?<!\\)[<>*_`\[\]|#~$]", re.sub(r"(?<!\\)<br>|(?<!\\)&#32;", "", escaped))
    for line in re.split(r"(?<!\\)<br>", escaped):
        assert not re.match(r"^([-+=]|\d+[.)])(\s|$)", line) and not line.startswith(" ")


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
        ('任务 "鼓励企业投资建设或改造符合规划的电子商务产业园区"', f"任务 {dsl_string('# 标题' + chr(10) + '- 列表' + chr(10) + '1. 有序')}"),
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
    return {path: data.decode("utf-8") for path, data in sheets.generate(checked).items()}


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
            assert not re.search(r"(?<!\\)[<>*_`\[\]#~]", _without_our_markup(line)), line
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
    assert "@page { size: A4;" in page
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


def test_html_renders_in_headless_chromium(page, tmp_path):
    chromium = _chromium()
    if chromium is None:
        # .ci/run installs Chromium: in CI its absence is a failure, not a pass.
        assert os.environ.get("CI", "").lower() not in ("true", "1"), "CI: Chromium is missing"
        pytest.skip("Chromium not installed (apt-get install chromium fonts-noto-cjk): rendering not checked")
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


def test_summary_marks_exactly_the_programmes_that_can_need_review(policy, md):
    """The 补助项目一览 row says （含【需人工审核】的情形） for a programme whose rules, cases or list items
    can end in review — here, those whose embedded test cases reach 需审核 (a 审核 rule, a 其他 case, a 唯一)."""
    summary = md.split("## 补助项目一览", 1)[1].split("\n## ", 1)[0]
    marked = {p.id for p in policy.programmes
              for row in summary.splitlines() if row.startswith("| ") and f"（{p.id.replace('_', chr(92) + '_')}）" in row
              and "（含【需人工审核】的情形）" in row}
    reaching_review = {t.programme for t in policy.tests if t.expect.status == "review"}
    assert len(reaching_review) >= 3
    assert marked == reaching_review
