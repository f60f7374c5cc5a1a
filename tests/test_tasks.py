"""Every directive encoded (clause coverage), the assignment file, and the task breakdown (issue #20)."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from click.testing import CliRunner
from docx import Document

from yeji_policy import assignments, check, clauses, diff
from yeji_policy import model as M
from yeji_policy.backends import tasks
from yeji_policy.cli import main
from yeji_policy.diagnostics import render

from conftest import POLICY_FILE, ROOT, SOURCE_TEXT

SAMPLE = ROOT / "tests" / "fixtures" / "assignments" / "sample.assignments"
TEMPLATES = ROOT / "yeji_policy" / "backends" / "templates"


def _articles_of_the_publication() -> dict[int, str]:
    """Article N's text as published (policies/source), independent of the policy file."""
    out = {}
    for line in SOURCE_TEXT.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*(\d+)．", line)
        if match:
            out[int(match.group(1))] = line.strip()
    return out


def _measure_block(policy_source: str, ident: str) -> str:
    match = re.search(rf"\n    [^\s]+ {ident} [^\n]*\{{\n(?:      [^\n]*\n)*    \}}\n", policy_source)
    assert match, ident
    return match.group(0)[1:]


def _sentence(text: str, clause: str) -> str:
    """The sentence of text (ended by 。；！？) that holds clause — computed here, not by clauses.py."""
    at = text.index(clause)
    start = max(text.rfind(mark, 0, at) for mark in "。；！？") + 1
    end = min(i for i in (text.find(mark, at) for mark in "。；！？") if i >= 0) + 1
    return text[start:end]


# ---------------------------------------------------------------- clause coverage
def test_the_shipped_policy_has_no_diagnostic_at_all(policy_source):
    policy, diagnostics = check.check_source(policy_source, "yeji_ecommerce.policy")
    assert policy is not None and diagnostics == []


# The directives the legal review found missing (articles 6, 7, 8, 18, 19) and art. 3's 政府购买服务.
REVIEWED = ["a06_online_sales", "a06_city_channels", "a06_rural_market", "a07_roads", "a07_triple_play", "a07_mobile",
            "a08_postal_express", "a08_equipment_it", "a18_production_management", "a18_certified_products",
            "a18_enforcement_credit", "a19_national_reporting", "a03_purchase_services"]


@pytest.mark.parametrize("ident", REVIEWED)
def test_removing_a_measure_gives_a_warning_quoting_its_sentence(policy_source, policy, ident):
    article, measure = assignments.traced(policy)[ident]
    source = policy_source.replace(_measure_block(policy_source, ident), "", 1)
    _, diagnostics = check.check_source(source, "yeji_ecommerce.policy")
    assert [d.code for d in diagnostics] == ["W0901"]
    (warning,) = diagnostics
    published = _articles_of_the_publication()[article.number]
    sentence = _sentence(published, measure.clauses[0].text)
    assert warning.message == f"第{article.number}条原文中这一句有未被措施、项目或非规范条文覆盖的内容：“{sentence}”"
    rendered = render(warning, "yeji_ecommerce.policy", source)
    line = source.split("\n")[warning.span.line - 1]
    assert line.startswith(f"    > {article.number}．") and line[warning.span.column - 1:].startswith(
        measure.clauses[0].text.split("，")[0][:6])  # the caret stands on the uncovered words
    assert rendered.startswith(f"yeji_ecommerce.policy:{warning.span.line}:{warning.span.column}: 警告 W0901: ")


def test_a_non_normative_clause_covers_the_sentence_instead(policy_source):
    block = _measure_block(policy_source, "a06_city_channels")
    source = policy_source.replace(block, '    非规范条文 "拓展农产品进城渠道" 因 "测试"\n', 1)
    source = source.replace('    非规范条文 "拓展农产品进城渠道" 因 "测试"\n', "", 1)
    anchor = '    对象 "农业龙头企业、专业合作社、家庭农场等新型农业经营主体"\n'
    source = source.replace(anchor, '    非规范条文 "拓展农产品进城渠道" 因 "测试"\n' + anchor, 1)
    policy, diagnostics = check.check_source(source, "yeji_ecommerce.policy")
    assert policy is not None and diagnostics == []


def test_a_policy_that_traces_no_clause_is_not_asked_for_coverage():
    source = (ROOT / "tests" / "fixtures" / "minimal.policy").read_text(encoding="utf-8")
    assert "条文" not in source
    assert [d for d in check.check_source(source, "minimal.policy")[1] if d.code == "W0901"] == []


def test_phrases_split_outside_brackets_and_quotes():
    text = "按照“甲，乙”的要求，推进（一、二，三）建设；完成。"
    assert [text[s:e] for s, e in clauses.phrases(text)] == ["按照“甲，乙”的要求", "推进（一、二，三）建设", "完成"]
    assert [text[s:e] for s, e in clauses.sentences(text)] == ["按照“甲，乙”的要求，推进（一、二，三）建设；", "完成。"]


def test_every_clause_is_traced_to_its_offsets(policy):
    published = _articles_of_the_publication()
    for article in policy.articles:
        for m in article.measures:
            for clause in m.clauses:
                assert article.text[clause.start:clause.end] == clause.text
                assert clause.text in published[article.number]


# ---------------------------------------------------------------- the breakdown
@pytest.fixture(scope="module")
def breakdown(policy):
    return tasks.build(policy)


def test_every_article_gives_a_row_or_is_listed_as_purely_monetary(policy, breakdown):
    rows = [r for g in breakdown.groups for r in g.rows]
    with_rows = {r.article for r in rows}
    listed = set(breakdown.monetary)
    for article in policy.articles:
        assert (f"第{article.number}条" in with_rows) != (f"第{article.number}条 {article.title}" in listed)
    assert len(with_rows) == 19 and listed == set()


def test_every_row_cites_its_clause_verbatim_from_the_publication(policy, breakdown):
    published = _articles_of_the_publication()
    rows = [r for g in breakdown.groups for r in g.rows]
    assert [r.number for r in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        number = int(row.article[1:-1])
        for piece in row.basis.split("……"):
            assert piece and piece in published[number], (row.id, piece)


def test_rows_are_grouped_by_chapter_in_the_policys_order(policy, breakdown):
    assert [g.title for g in breakdown.groups] == [f"{c.numeral}、{c.title}" for c in policy.chapters]
    expected_ids = [m.id for a in policy.articles for m in a.measures if m.id]
    assert [r.id for g in breakdown.groups for r in g.rows] == expected_ids


def test_units_and_deadlines_the_text_names_are_marked_and_the_rest_unstated(breakdown):
    rows = {r.id: r for g in breakdown.groups for r in g.rows}
    assert rows["a16_leading_group"].lead == "区政府（原文）"
    assert rows["a16_group_office"].lead == "区商务和粮食局（原文）"
    assert rows["a02_logistics_center"].deadline == "尽快（原文）"
    assert rows["a06_city_channels"].cells[3:6] == ("原文未明确", "原文未明确", "原文未明确")
    assert rows["a02_village_coverage"].task == "〔指标〕电子商务服务网点行政村覆盖率：达到100%（行政村全覆盖）"
    assert rows["a07_public_wifi"].task == "〔指标〕重点公共区域免费无线网络覆盖：达到全覆盖"
    assert rows["a03_purchase_services"].task == "〔资金承诺〕将电子商务公共服务纳入政府购买服务范围（资金来源：原文未明确）"
    assert rows["a09_reward_subsidy"].task.endswith("区财政以奖代补（资金来源：区财政）")
    assert rows["a01_enterprises"].task == "〔指标〕电子商务企业数量：达到全市平均水平"
    unassigned = [line for line in breakdown.unassigned]
    assert len(unassigned) == len(rows) - 2  # every row but the two whose lead the text names
    assert "31. 〔任务〕加快推进农村道路畅通工程，完善区、乡、村三级农村公路网络（a07_roads，第7条）" in unassigned


def test_the_docx_is_a_real_word_table_with_the_columns(breakdown, policy):
    data = tasks.render_docx(breakdown, policy.content_hash)
    assert data == tasks.render_docx(tasks.build(policy), policy.content_hash)  # same bytes twice
    assert data == (ROOT / "generated" / "sheets" / "yeji_ecommerce.tasks.docx").read_bytes()  # and as committed
    doc = Document(io.BytesIO(data))
    task_tables = [t for t in doc.tables if len(t.columns) == 7]
    assert len(task_tables) == len(breakdown.groups)
    read = []
    for table in task_tables:
        assert tuple(c.text for c in table.rows[0].cells) == tasks.HEADER
        read += [tuple(c.text for c in row.cells) for row in table.rows[1:]]
    assert read == [r.cells for g in breakdown.groups for r in g.rows]
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [g.title for g in breakdown.groups] == [h for h in headings if h in {g.title for g in breakdown.groups}]


def test_the_build_writes_the_breakdown_identically_in_two_processes(two_builds):
    first, second = two_builds
    for suffix in ("md", "html", "docx"):
        path = f"sheets/yeji_ecommerce.tasks.{suffix}"
        assert first[path] == second[path] == (ROOT / "generated" / path).read_bytes()


def test_markdown_template_filters_every_value():
    text = re.sub(r"\{#.*?#\}", "", (TEMPLATES / "tasks.md.j2").read_text(encoding="utf-8"), flags=re.S)
    expressions = re.findall(r"\{\{(.*?)\}\}", text)
    assert expressions and all(re.search(r"\|\s*md\s*$", e) for e in expressions), expressions


def test_hostile_text_is_escaped_in_html_and_markdown(policy_source):
    hostile = '<script>alert(1)</script> | **粗** [链接](x)'
    source = policy_source.replace('任务 a19_register "加快建立电子商务基本单位名录库和统计体系"',
                                   f'任务 a19_register "{hostile}"', 1)
    policy, diagnostics = check.check_source(source, "yeji_ecommerce.policy")
    assert policy is not None, diagnostics
    b = tasks.build(policy)
    html = tasks.render_html(b)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    md = tasks.render_markdown(b)
    assert "〔任务〕&lt;script" not in md and r"| 65 | 〔任务〕\<script>alert(1)\</script> \| \*\*粗\*\* \[链接\](x) | 第19条 |" in md


# ---------------------------------------------------------------- the assignment file
def _sample(clean: bool) -> str:
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    return "\n".join(line for line in lines if not (clean and ("a06_city_chanels" in line or "区交通局" in line)))


def test_sample_assignments_show_in_the_table_marked_as_assigned(policy):
    result, diagnostics = assignments.check(_sample(clean=True), "sample.assignments", policy)
    assert result is not None
    assert [d.code for d in diagnostics] == ["W1006"]
    b = tasks.build(policy, result)
    rows = {r.id: r for g in b.groups for r in g.rows}
    assert rows["a02_service_center"].cells[3:6] == ("区商务和粮食局（分工）", "区财政局、区农委（分工）", "2019年12月底前（分工）")
    assert rows["a19_register"].cells[3:6] == ("区统计局（分工）", "区商务和粮食局（分工）", "原文未明确")
    assert rows["a16_group_office"].lead == "区商务和粮食局（原文）"  # the text's, not the file's
    assert not any("a02_service_center" in line or "a19_register" in line for line in b.unassigned)
    assert "31. 〔任务〕加快推进农村道路畅通工程，完善区、乡、村三级农村公路网络（a07_roads，第7条）" in b.unassigned
    assert b.idle_units == ("区交通运输局",)
    assert ("分工文件", "sample.assignments") in b.provenance
    md = tasks.render_markdown(b)
    assert "| 9 | 〔任务〕全面建成区级电子商务公共服务中心 | 第2条 | 区商务和粮食局（分工） | 区财政局、区农委（分工） | 2019年12月底前（分工） |" in md
    missing = len(rows) - 2 - 2
    assert diagnostics[0].message.startswith(f"{missing}项措施原文未明确牵头单位，分工文件也没有指定：a01_support_system、")


def test_check_reports_an_unknown_task_id_and_an_undeclared_unit_with_place_and_caret(tmp_path):
    shutil.copy(POLICY_FILE, tmp_path / "yeji_ecommerce.policy")
    (tmp_path / "yeji_ecommerce.assignments").write_text(_sample(clean=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "yeji_ecommerce.policy")])
    assert result.exit_code == 1
    file = tmp_path / "yeji_ecommerce.assignments"
    assert f"""{file}:6:4: 错误 E1002: 任务编号“a06_city_chanels”不是政策中的措施
 6 | 任务 a06_city_chanels 牵头 "区农委"
   |      ^^^^^^^^^^^^^^^^
  = 提示：是否指“a06_city_channels”？
  = 提示：任务编号须是政策中带编号的措施（任务、目标、指标、资金承诺、组织）之一
{file}:7:17: 错误 E1003: 单位“区交通局”没有在分工文件中声明
 7 | 任务 a07_roads 牵头 "区交通局"
   |                     ^^^^^^^^^^
  = 提示：是否指“区交通运输局”？
  = 提示：若确是此单位，请在文件开头写：单位 "区交通局"
{file}：2 个错误
""" in result.output


def test_build_uses_the_assignment_file_and_refuses_a_wrong_one(tmp_path):
    shutil.copy(POLICY_FILE, tmp_path / "yeji_ecommerce.policy")
    (tmp_path / "yeji_ecommerce.assignments").write_text(_sample(clean=True), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", "--out", str(out), str(tmp_path / "yeji_ecommerce.policy")])
    assert result.exit_code == 0, result.output
    html = (out / "sheets" / "yeji_ecommerce.tasks.html").read_text(encoding="utf-8")
    assert '<tr id="a19_register"><td>65</td>' in html and "<td>区统计局（分工）</td>" in html
    (tmp_path / "yeji_ecommerce.assignments").write_text(_sample(clean=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--out", str(out), str(tmp_path / "yeji_ecommerce.policy")])
    assert result.exit_code == 1 and "E1002" in result.output and "有 2 个错误，无法继续" in result.output


def test_syntax_errors_in_an_assignment_file(policy):
    cases = {
        '单位 "甲"\n任务 a02_service_center 牵头 甲\n': "2:26: 错误 E1001: 分工文件中此处有无法识别的字符“甲”",
        '单位 "甲"\n任务 a02_service_center\n': "2:22: 错误 E1001: 分工文件意外结束：最后一项没有写完",
        '单位 "甲"\n任务 a02_service_center 配合 "甲" 牵头\n单位 "乙"': "3:1: 错误 E1001: 分工文件中此处不应出现“单位”，应为“带引号的文字”",
        '单位\n': "1:3: 错误 E1001: 分工文件意外结束：最后一项没有写完",
    }
    for source, expected in cases.items():
        result, diagnostics = assignments.check(source, "x.assignments", policy)
        assert result is None
        assert render(diagnostics[0], "x.assignments", source).startswith("x.assignments:" + expected), source


def test_an_assignment_may_not_contradict_the_text(policy):
    source = '单位 "区财政局"\n任务 a16_group_office 牵头 "区财政局"\n'
    result, diagnostics = assignments.check(source, "x.assignments", policy)
    assert result is None
    assert [(d.code, d.message) for d in diagnostics] == [
        ("E1005", "第16条原文已明确任务“a16_group_office”的牵头单位为“区商务和粮食局”，分工文件不能另行指定")]



@pytest.mark.parametrize("text, shown", [("区财\x00政局", "控制字符 U+0000"), ("2019\x0b年", "控制字符 U+000B"),
                                         ("区\u202e局政财", "双向文本控制符 U+202E"), ("区财\u200b政局", "零宽字符 U+200B"),
                                         ("区财\\u0000政局", "控制字符 U+0000"), ("区财\\ud800政局", "代理码位 U+D800")])
def test_an_invisible_character_in_an_assignment_is_an_error_at_its_string(tmp_path, text, shown):
    # Checked clean, these reached the build: NUL and U+000B made the Word copy fail with lxml's English
    # XMLSyntaxError and no place; a bidi or zero-width character went into the table unseen.
    source = f'单位 "区商务和粮食局"\n任务 a02_service_center 时限 "{text}"\n'
    result, diagnostics = assignments.check(source, "x.assignments", check.load(POLICY_FILE)[0])
    assert result is None
    assert render(diagnostics[0], "x.assignments", source).startswith(
        f"x.assignments:2:26: 错误 E0105: 文字中含有不可见的{shown}\n")
    shutil.copy(POLICY_FILE, tmp_path / "yeji_ecommerce.policy")
    (tmp_path / "yeji_ecommerce.assignments").write_text(source, encoding="utf-8", errors="surrogatepass")
    built = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "out"), str(tmp_path / "yeji_ecommerce.policy")])
    assert built.exit_code == 1 and "E0105" in built.output and "Error" not in built.output

# ---------------------------------------------------------------- the other tools learn the measures
def test_diff_names_a_removed_traced_measure(policy_source, policy):
    source = policy_source.replace(_measure_block(policy_source, "a07_triple_play"), "", 1)
    new, _ = check.check_source(source, "yeji_ecommerce.policy")
    assert "第7条：删除任务 a07_triple_play “全面推进“三网融合”发展”（条文“全面推进“三网融合”发展”）" in diff.changes(policy, new)


def test_the_warning_points_into_the_right_line_of_a_multi_line_article():
    source = (ROOT / "tests" / "cases" / "clauses" / "good" / "traced_measures.policy").read_text(encoding="utf-8")
    source = source.replace("> 将公共服务纳入政府购买服务范围。对设备投入给予50%补助。",
                            "> 将公共服务纳入政府购买服务范围。加强宣传，对设备投入给予50%补助。", 1)
    _, diagnostics = check.check_source(source, "x.policy")
    (warning,) = diagnostics
    line = source.split("\n")[warning.span.line - 1]
    assert line.startswith("    > 将公共服务")
    assert line[warning.span.column - 1:warning.span.end_column - 1] == "加强宣传"
    assert warning.message.endswith("：“加强宣传，对设备投入给予50%补助。”")


# Articles without programmes, whose traced clauses do not overlap: removing any set of their measures must
# leave exactly the removed clauses uncovered — one warning per sentence that holds one, listing its phrases.
UNFUNDED = (6, 7, 8, 18, 19)


def _unfunded_ids():
    policy, _, _ = check.load(POLICY_FILE)
    return [m.id for a in policy.articles if a.number in UNFUNDED for m in a.measures if m.id]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(removed=st.sets(st.sampled_from(_unfunded_ids()), max_size=5))
def test_removed_measures_are_exactly_what_is_uncovered(policy_source, policy, removed):
    source = policy_source
    for ident in removed:
        source = source.replace(_measure_block(policy_source, ident), "", 1)
    _, diagnostics = check.check_source(source, "yeji_ecommerce.policy")
    published = _articles_of_the_publication()
    measures = assignments.traced(policy)
    expected: dict[str, list[str]] = {}
    for ident in sorted(removed, key=lambda i: (measures[i][0].number, measures[i][1].clauses[0].start)):
        article, measure = measures[ident]
        for clause in measure.clauses:
            expected.setdefault(_sentence(published[article.number], clause.text), []).extend(clause.text.split("，"))
    got = {d.message.split("：“", 1)[1][:-1]: d.notes[0] for d in diagnostics}
    assert all(d.code == "W0901" for d in diagnostics)
    assert got == {sentence: "未覆盖：" + "、".join(f"“{p}”" for p in sorted(phrases, key=sentence.index))
                   for sentence, phrases in expected.items()}
