"""Hostile policies through the drafting tools: check, fmt --check, diff, build, test.

Deep nesting, thousands of diagnostics, very long lines and articles, file
names that are no Python module name, CRLF line ends, U+2028 and invisible
characters: each gets a clear Chinese answer and an exit code of 0, 1 or 2 —
never a traceback.  Messages are compared word for word; speed is measured in
benchmarks/drafting.py, not here.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hostile_policies as H
from yeji_policy import check, cli, diagnostics, diff, fmt, parser

NAME = "policies/x.policy"


def diagnostics_text(text: str, filename: str = NAME) -> str:
    _, found = check.check_source(text, filename)
    return "".join(line + "\n" for line in diagnostics.render_all(found, filename, text))


def invoke(*args: str):
    result = CliRunner().invoke(cli.main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


# ---------------------------------------------------------------- many diagnostics, long lines
def test_at_most_a_hundred_diagnostics_then_a_count(tmp_path):
    path = tmp_path / "x.policy"
    path.write_text(H.figures_on_one_line(150), encoding="utf-8")
    result = invoke("check", str(path))
    assert result.exit_code == 0
    assert result.output.count("警告 W0801") == diagnostics.MAX_SHOWN == 100
    assert result.output.endswith(
        f"{path}：另有 50 个警告未显示（每个文件最多显示 100 条）\n"
        f"{path}：通过（2 条，1 个补助项目，1 个测试用例，150 个警告）\n")


def test_thousands_of_uncovered_sentences_on_one_line(tmp_path):
    path = tmp_path / "x.policy"
    path.write_text(H.uncovered_sentences(3_000), encoding="utf-8")
    result = invoke("check", str(path))
    assert result.exit_code == 0
    shown = [line for line in result.output.split("\n") if "警告 W0901" in line]
    assert len(shown) == 100 and "：“推进此项工作，完成建设；”" in shown[-1]
    assert all(len(line) < 400 for line in result.output.split("\n"))  # the 3,000-sentence line is quoted as a window
    assert result.output.endswith(f"{path}：另有 2900 个警告未显示（每个文件最多显示 100 条）\n"
                                  f"{path}：通过（2 条，1 个补助项目，1 个测试用例，3000 个警告）\n")


def test_errors_are_shown_before_warnings_and_the_exit_code_counts_all(tmp_path):
    path = tmp_path / "x.policy"
    path.write_text(H.unknown_names(100), encoding="utf-8")  # 100 unknown names, 100 unused inputs, a test short of inputs
    result = invoke("check", str(path))
    assert result.exit_code == 1
    assert result.output.count("错误 E0201") == 100 and "警告" not in result.output.split("另有")[0]
    assert result.output.endswith(f"{path}：另有 1 个错误、100 个警告未显示（每个文件最多显示 100 条）\n"
                                  f"{path}：101 个错误，100 个警告\n")


def test_a_very_long_line_is_quoted_around_the_caret():
    text = H.figures_on_one_line(150)
    shown = diagnostics_text(text).split("\n")
    at = shown.index(next(line for line in shown if "数字“100元”" in line))
    assert shown[at:at + 3] == [
        f"{NAME}:14:724: 警告 W0801: 第2条原文中的数字“100元”没有被任何规则或措施采用，"
        "也没有声明为非规范数字：“…元。另给予99元。另给予100元。另给予101元…”",
        " 14 | …7元。另给予98元。另给予99元。另给予100元。另给予101元。另给予102元。另给予103元。"
        "另给予104元。另给予105元。另给予106元…",
        "    |                                     ^^^^^",
    ]


def test_every_misspelt_name_among_many_gets_its_suggestion():
    # More known names than are compared in full: the bounded search still finds each one.
    _, found = check.check_source(H.unknown_names(300), NAME)
    unknown = [d.message for d in found if d.code == "E0201"]
    assert len(unknown) == 300 and len(unknown) > check.SUGGEST_POOL
    assert all(re.fullmatch(r"未定义的输入项“feild_(\d+)”，是否指“field_\1”？", m) for m in unknown), unknown[:3]


def test_a_very_long_article_diff_is_bounded_and_exact(monkeypatch):
    old = H.long_article(3_000)
    new = H.long_article(3_000, edit_every=500)
    full = diff.text_changes(old, new)
    monkeypatch.setattr(diff, "DIFF_CELLS", 10_000)  # sentence by sentence, then character by character
    assert diff.text_changes(old, new) == full
    assert len(full) == 6 and all("{+改+}" in hunk for hunk in full)


@given(st.lists(st.sampled_from("甲乙丙。12"), max_size=60), st.lists(st.sampled_from("甲乙丙。12"), max_size=60),
       st.integers(1, 400))
@settings(max_examples=200, deadline=None)
def test_bounded_diff_opcodes_turn_the_old_text_into_the_new(a, b, cells):
    original = diff.DIFF_CELLS
    diff.DIFF_CELLS = cells
    try:
        codes = diff._opcodes(a, b)
    finally:
        diff.DIFF_CELLS = original
    if codes is None:  # too large even sentence by sentence
        return
    rebuilt, i, j = [], 0, 0
    for tag, i1, i2, j1, j2 in codes:
        assert (i1, j1) == (i, j)
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
        rebuilt += b[j1:j2]
        i, j = i2, j2
    assert (i, j) == (len(a), len(b)) and rebuilt == b


def test_a_change_too_large_to_list_is_reported_by_its_size():
    old, new = "甲" * 5_000, "乙" * 4_000  # one "sentence" each: no smaller part to compare
    assert diff.text_changes(old, new) == ["全文已修改：原文 5,000 字 → 4,000 字（改动范围太大，不逐字列出）"]


# ---------------------------------------------------------------- nesting
@pytest.mark.parametrize("text", [H.deep_not(1_001), H.long_sum(1_000)], ids=["not_x1001", "sum_1000_terms"])
def test_deep_nesting_works_in_every_tool(tmp_path, text):
    old, new = tmp_path / "old.policy", tmp_path / "new.policy"
    old.write_text(text, encoding="utf-8")
    new.write_text(text.replace("50万元", "60万元"), encoding="utf-8")
    assert invoke("check", str(old)).exit_code == 0
    assert invoke("fmt", "--check", str(old)).exit_code in (0, 1)
    changed = invoke("diff", str(old), str(new))
    assert changed.exit_code == 0 and "上限 50万元 → 60万元" in changed.output
    assert invoke("build", "--out", str(tmp_path / "out"), str(old)).exit_code == 0
    assert (tmp_path / "out" / "python" / "old.py").is_file()
    assert invoke("test", str(old)).exit_code in (0, 1)


def test_absurd_nesting_is_refused_where_it_starts():
    assert diagnostics_text(H.deep_not(parser.MAX_NESTING + 1)) == (
        f"{NAME}:26:10002: 错误 E0106: 嵌套层数超过5000层，无法处理\n"
        " 26 | … 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 非 accepted 否则 不符合 \"未验收合格\"\n"
        "    |                                                                           ^^\n"
        "  = 提示：请把表达式拆成几个用“令”定义的中间量\n")


def test_deep_call_passes_back_results_and_exceptions():
    assert parser.deep_call(sum, [1, 2, 3]) == 6
    with pytest.raises(ZeroDivisionError):
        parser.deep_call(lambda: 1 / 0)
    assert parser.deep_call(parser.deep_call, len, "abc") == 3  # nested: runs directly


# ---------------------------------------------------------------- file names
@pytest.mark.parametrize("filename", ["my-policy.policy", "叶集.policy"])
def test_any_file_name_can_be_checked_tested_and_built(tmp_path, filename):
    path = tmp_path / filename
    path.write_text(H.BASE, encoding="utf-8")
    tested = invoke("test", str(path))
    assert tested.exit_code == 0 and tested.output.endswith("2 passed, 0 failed\n")
    batch = tmp_path / "apps.jsonl"
    batch.write_text('{"programme": "equipment", "application": {"investment": 100, "accepted": true}}\n')
    evaluated = invoke("evaluate", "--batch", str(batch), "--policy", str(path))
    assert evaluated.exit_code == 0 and '"amount": "50.00"' in evaluated.output
    checked = invoke("check", str(path))
    assert checked.exit_code == 0
    stem, module = filename.removesuffix(".policy"), check.policy_id(filename)
    assert checked.output.startswith(
        f"{path}:1:1: 警告 W0003: 文件名“{stem}”不能用作模块名，生成的计算模块、表单和规则说明改以“{module}”命名\n")
    assert "模块名只能由英文字母、数字和下划线组成，且不以数字开头；如需别的名称，请按此给文件改名" in checked.output
    assert invoke("build", "--out", str(tmp_path / "out"), str(path)).exit_code == 0
    assert (tmp_path / "out" / "python" / f"{module}.py").is_file()


def test_policy_ids_are_module_names_and_distinct():
    assert check.policy_id("policies/yeji_ecommerce.policy") == "yeji_ecommerce"
    ids = [check.policy_id(name) for name in H.ODD_FILE_NAMES + ["my_policy.policy"]]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", i) and i.isidentifier() for i in ids), ids
    assert check.policy_id("my-policy.policy").startswith("my_policy_")
    assert check.policy_id("叶集.policy").startswith("policy_")


# ---------------------------------------------------------------- line breaks and invisible characters
def test_u2028_in_a_comment_does_not_shift_the_quoted_line():
    text = H.line_separator_in_comment(H.BASE.replace("给予50%补助，最高不超过50万元\"", "给予60%补助，最高不超过50万元\""))
    assert diagnostics_text(text) == (
        f"{NAME}:18:8: 错误 E0507: 摘录不是第2条原文的一部分\n"
        " 18 |     摘录 \"对设备投入给予60%补助，最高不超过50万元\"\n"
        "    |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  = 提示：摘录须与原文逐字一致，包括标点\n")


def test_a_crlf_file_is_the_same_policy_and_fmt_writes_lf(tmp_path):
    path = tmp_path / "crlf.policy"
    path.write_bytes(H.crlf())
    assert invoke("check", str(path)).exit_code == 0
    assert check.decode(H.crlf()) == (H.BASE, [])
    assert check.load(path)[0].content_hash == check.check_source(H.BASE, str(path))[0].content_hash
    assert invoke("fmt", "--check", str(path)).output == f"未按规范格式排版：{path}\n1 个文件未按规范格式排版；运行 yeji-policy fmt 即可排版\n"
    assert invoke("fmt", str(path)).exit_code == 0
    assert path.read_bytes() == fmt.format_source(H.BASE).encode("utf-8")


@pytest.mark.parametrize("ch", H.ZERO_WIDTH, ids=[f"U+{ord(c):04X}" for c in H.ZERO_WIDTH])
def test_zero_width_characters_in_text_are_refused(ch):
    assert diagnostics_text(H.zero_width_in_title(ch)) == (
        f"{NAME}:4:6: 错误 E0105: 文字中含有不可见的零宽字符 U+{ord(ch):04X}\n"
        " 4 |   标题 \"示例\ufffd政策\"\n"
        "   |        ^^^^^^^^^^^\n"
        "  = 提示：这类字符会改变文字的显示或在生成的表单、说明中造成错误，请删除\n")


def test_a_byte_order_mark_at_the_start_is_accepted():
    text, found = check.decode(("\ufeff" + H.BASE).encode("utf-8"))
    assert found == [] and text == H.BASE
    assert check.check_source(text, NAME)[0] is not None


# ---------------------------------------------------------------- the generator
SHAPES = {
    "deep_not": H.deep_not,
    "long_sum": H.long_sum,
    "many_articles": H.many_articles,
    "figures_on_one_line": H.figures_on_one_line,
    "unknown_names": H.unknown_names,
    "long_article": H.long_article,
}
TWISTS = {
    "none": lambda text: text.encode("utf-8"),
    "crlf": H.crlf,
    "u2028": lambda text: H.line_separator_in_comment(text).encode("utf-8"),
    "zero_width": lambda text: H.zero_width_in_title("\u200b", text).encode("utf-8"),
    "bom": lambda text: ("\ufeff" + text).encode("utf-8"),
    "lone_cr": lambda text: text.replace("\n", "\r", 3).encode("utf-8"),
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@st.composite
def hostile_files(draw):
    shape = draw(st.sampled_from(sorted(SHAPES)))
    size = draw(st.sampled_from([1, 2, 50, 150, 1_200] if shape in ("deep_not", "long_sum") else [1, 3, 120]))
    if shape == "deep_not" and draw(st.booleans()):
        size = parser.MAX_NESTING + draw(st.integers(1, 50))
    twist = draw(st.sampled_from(sorted(TWISTS)))
    name = draw(st.sampled_from(["p.policy", *H.ODD_FILE_NAMES]))
    return name, TWISTS[twist](SHAPES[shape](size))


@given(hostile_files())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_hostile_policies_never_give_a_traceback(tmp_path, hostile):
    name, data = hostile
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example: hypothesis may repeat an input
    path = folder / name
    path.write_bytes(data)
    base = folder / "base.policy"
    base.write_text(H.BASE, encoding="utf-8")
    runs = [invoke("check", str(path)), invoke("fmt", "--check", str(path)),
            invoke("diff", str(base), str(path)), invoke("build", "--out", str(folder / "out"), str(path))]
    for result in runs:
        assert result.exit_code in (0, 1, 2), result.output
        assert "Traceback" not in result.output and CHINESE.search(result.output), result.output


# ---------------------------------------------------------------- quoting source lines
def test_only_newline_ends_a_line_for_positions():
    assert diagnostics.source_line("甲\u2028乙\r丙\n丁", 1) == "甲\u2028乙\r丙"
    assert diagnostics.source_line("甲\u2028乙\r丙\n丁", 2) == "丁"
    assert diagnostics.source_line("甲\n", 2) is None and diagnostics.source_line("", 1) is None


@given(st.text(st.sampled_from("a中\t\u200b\u2028é"), max_size=400), st.data())
@settings(max_examples=300, deadline=None)
def test_the_caret_stays_under_its_character_in_a_window_of_bounded_width(line, data):
    start = data.draw(st.integers(0, len(line)))
    end = data.draw(st.integers(start, len(line)))
    span = diagnostics.Span(1, start + 1, 1, end + 1)
    head, quoted, carets = diagnostics.render(diagnostics.Diagnostic("E0000", "x", span), "f", line + "\n").split("\n")
    shown, marks = quoted[len(" 1 | "):], carets[len("   | "):]
    assert diagnostics.display_width(shown) <= diagnostics.MAX_SOURCE_WIDTH
    pad = len(marks) - len(marks.lstrip(" "))
    assert set(marks[pad:]) == {"^"}
    if start < len(line):  # the first marked character starts at the caret's column
        column, at = 0, 0
        while column < pad:
            column += diagnostics.display_width(shown[at])
            at += 1
        assert column == pad and shown[at] == diagnostics._printable(line[start])
