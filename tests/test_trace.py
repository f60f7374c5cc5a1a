"""Figure traceability: every figure of the text is used, a measure's, or declared not normative."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from yeji_policy import check, trace
from yeji_policy.diagnostics import render

BASE = (Path(__file__).parent / "fixtures" / "minimal.policy").read_text(encoding="utf-8")


def diagnostics_text(text: str, name: str = "policies/x.policy") -> str:
    _, diagnostics = check.check_source(text, name)
    return "".join(render(d, name, text) + "\n" for d in diagnostics)


def edit(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def line_of(text: str, needle: str) -> tuple[int, str]:
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number, line
    raise AssertionError(needle)


# ---------------------------------------------------------------- figures in a text
@pytest.mark.parametrize("text, expected", [
    ("给予50%补助，最高不超过50万元", [("50%", "0.5", ()), ("50万元", "500000", (("money", 1),))]),
    ("按建筑面积每月每平方米15元的标准，连续补助3年",
     [("每月每平方米15元", "15", (("area", -1), ("money", 1), ("month", -1))), ("3年", "36", (("month", 1),))]),
    ("1000元/人；200元/人/天", [("1000元/人", "1000", (("money", 1), ("person", -1))),
                              ("200元/人/天", "200", (("day", -1), ("money", 1), ("person", -1)))]),
    ("建成3个以上；2017年新建；满1年", [("3个", "3", (("item", 1),)), ("2017年", "2017", ()), ("1年", "12", (("month", 1),))]),
    ("培训时间在半天的；给予全额补助", [("半天", "0.5", (("day", 1),)), ("全额", "1", ())]),
    ("分别奖励3、5、10万元", [("3", "30000", (("money", 1),)), ("5", "50000", (("money", 1),)),
                         ("10万元", "100000", (("money", 1),))]),
])
def test_figures_and_what_they_mean(text, expected):
    assert [(f.text, f.key) for f in trace.figures_in(text)] == [(t, ("num", Decimal(v), d)) for t, v, d in expected]


def test_words_that_are_not_figures():
    # B2B and C2C are names; 1． and （2） mark items; 2018年5月20日 is a date (keyed by its day, which a
    # rule's date literal matches however it is written); 48号 counts nothing the rules use.
    figures = trace.figures_in("1．通过B2B、C2C形式；（2）自2018年5月20日起；皖政办〔2013〕48号")
    assert [(f.text, f.key) for f in figures] == [
        ("2018年5月20日", ("date", datetime.date(2018, 5, 20))),
        ("2013", ("num", Decimal(2013), ())),
        ("48号", ("text", "48号")),
    ]


def test_words_for_figures_are_found_each_time_they_stand():
    # 全额 and 半天 are figures each time they occur, however often (the search steps forward).
    figures = trace.figures_in("前两年全额补助、第三年全额的一半；培训半天、全天")
    assert [(f.text, f.start, f.end) for f in figures] == [("全额", 3, 5), ("全额", 11, 13), ("半天", 19, 21)]
    assert [f.key for f in figures] == [("num", Decimal(1), ())] * 2 + [("num", Decimal("0.5"), (("day", 1),))]


def test_a_bare_list_marker_is_not_a_figure_but_a_series_is():
    # "1、加强……" marks an item; in "3、5、10万元" the 、 is followed by a figure, so each number counts.
    assert trace.figures_in("1、加强电商人才培训") == []
    assert [(f.text, f.key) for f in trace.figures_in("分别奖励3、5、10万元")] == [
        ("3", ("num", Decimal(30000), (("money", 1),))),
        ("5", ("num", Decimal(50000), (("money", 1),))),
        ("10万元", ("num", Decimal(100000), (("money", 1),))),
    ]


# ---------------------------------------------------------------- the shipped policy
def test_every_figure_of_the_shipped_policy_is_traced(policy_source):
    _, diagnostics = check.check_source(policy_source, "policies/yeji_ecommerce.policy")
    assert [d.code for d in diagnostics if d.code.startswith("W08")] == []


def test_a_figure_left_out_word_for_word(policy_source):
    """The cap of art09_equipment written as 90万元: the text's 80万元 is untraced, the rule's 90万元 is not in the text."""
    text = edit(policy_source, ("金额 = equipment_investment × 80% 最高不超过 80万元",
                                "金额 = equipment_investment × 80% 最高不超过 90万元"))
    article_line, article = line_of(text, "> 9．")
    rule_line, rule = line_of(text, "最高不超过 90万元")
    figure_column = article.index("80万元。") + 1
    caret = " " * (len(str(article_line)) + 2)
    # The article's line is wider than a terminal: the diagnostic quotes a
    # window of 120 columns that ends with the figure, the cut shown as "…".
    window = "…%补助，补助金额最高不超过50万元；对软硬件等设备设施购置新增投入部分，审计验收后给予80%补助，补助金额最高不超过80万元。"
    assert article.endswith(window[1:])
    width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in window[: window.index("80万元。")])
    assert diagnostics_text(text, "p.policy") == (
        f"p.policy:{article_line}:{figure_column}: 警告 W0801: 第9条原文中的数字“80万元”没有被任何规则或措施采用，"
        "也没有声明为非规范数字：“…补助，补助金额最高不超过80万元。”\n"
        f" {article_line} | {window}\n"
        f"{caret}| {' ' * width}^^^^^^\n"
        "  = 提示：若它不是规范性内容，请在第9条原文之后写：非规范数字 \"80万元\" 因 \"……\"\n"
        f"p.policy:{rule_line}:43: 警告 W0802: 项目“art09_equipment”中的数字“90万元”不见于第9条原文\n"
        f" {rule_line} | {rule}\n"
        f"{' ' * (len(str(rule_line)) + 1)} |                                                  ^^^^^^\n"
        "  = 提示：原文没有的数字是起草人的理解：请在这条规则、公式或上限之后写 解释 \"……\"\n"
    )


def test_the_fixture_edits_word_for_word():
    text = edit(BASE, ("对设备投入给予50%补助，最高不超过50万元。", "对设备投入给予50%补助，最高不超过50万元，自2017年起施行。"))
    assert diagnostics_text(text) == (
        'policies/x.policy:14:38: 警告 W0801: 第2条原文中的数字“2017年”没有被任何规则或措施采用，也没有声明为非规范数字：'
        '“…，最高不超过50万元，自2017年起施行。”\n'
        ' 14 |     > 2．设备补助。对设备投入给予50%补助，最高不超过50万元，自2017年起施行。\n'
        '    |                                                               ^^^^^^\n'
        '  = 提示：若它不是规范性内容，请在第2条原文之后写：非规范数字 "2017年" 因 "……"\n'
    )


# ---------------------------------------------------------------- declarations and interpretations
DATED = edit(BASE, ("对设备投入给予50%补助，最高不超过50万元。", "对设备投入给予50%补助，最高不超过50万元，自2017年起施行。"))


def test_a_declared_figure_is_traced():
    text = edit(DATED, ("施行。\n", '施行。\n    非规范数字 "自2017年起施行" 因 "施行日期，不是补助条件"\n'))
    assert diagnostics_text(text) == ""


def test_a_stale_declaration_is_a_warning():
    text = edit(BASE, ("最高不超过50万元。\n", '最高不超过50万元。\n    非规范数字 "2019年" 因 "施行日期"\n'
                                           '    非规范数字 "设备补助" 因 "不是数字"\n'))
    assert diagnostics_text(text) == (
        'policies/x.policy:15:11: 警告 W0803: 非规范数字“2019年”不是第2条原文的一部分\n'
        ' 15 |     非规范数字 "2019年" 因 "施行日期"\n'
        '    |                ^^^^^^^^\n'
        '  = 提示：须与原文逐字一致，包括标点\n'
        'policies/x.policy:16:11: 警告 W0803: 非规范数字“设备补助”中没有数字\n'
        ' 16 |     非规范数字 "设备补助" 因 "不是数字"\n'
        '    |                ^^^^^^^^^^\n'
    )


def test_a_declaration_needs_a_reason():
    text = edit(DATED, ("施行。\n", '施行。\n    非规范数字 "2017年" 因 " "\n'))
    policy, diagnostics = check.check_source(text, "x.policy")
    assert policy is None
    assert [(d.code, d.message) for d in diagnostics] == [("E0513", "非规范数字须说明理由")]


def test_an_interpretation_covers_a_figure_of_its_own():
    capped = edit(BASE, ("最高不超过 50万元\n", "最高不超过 40万元\n"))
    assert "W0802" in diagnostics_text(capped)
    marked = edit(BASE, ("最高不超过 50万元\n", '最高不超过 40万元 解释 "按年度预算压减"\n'),
                  ("对设备投入给予50%补助，最高不超过50万元。", "对设备投入给予50%补助，最高不超过50万元。"))
    # 40万元 is the drafters' own figure, marked as such; the text's 50万元 is now used by no rule.
    assert [line.split(": ")[1] for line in diagnostics_text(marked).split("\n") if line.startswith("policies/")] == [
        "警告 W0801"]


def test_zero_constants_are_structure():
    text = edit(BASE, ("要求 accepted 否则", "要求 accepted 且 investment > 0元 否则"))
    assert diagnostics_text(text) == ""


def test_a_measure_accounts_for_its_figure():
    counted = edit(BASE, ("> 1．目标。推动发展。", "> 1．目标。建设3个中心。"))
    assert "W0801" in diagnostics_text(counted)
    assert diagnostics_text(edit(counted, ('目标 "推动发展"', '目标 "建设3个中心"'))) == ""


def test_the_preamble_is_traced_against_the_basis():
    preamble = '  引言\n    > 根据《示例意见》（示政〔2016〕7号）精神，制定本政策。\n}'
    text = edit(BASE, ('  版本 "0.1"\n}', '  版本 "0.1"\n' + preamble))
    assert diagnostics_text(text).count("W0801") == 2
    cited = edit(text, ('  版本 "0.1"\n', '  版本 "0.1"\n  依据 "示政〔2016〕7号" "示例意见"\n'))
    assert diagnostics_text(cited) == ""
    declared = edit(text, ("制定本政策。\n", '制定本政策。\n  非规范数字 "示政〔2016〕7号" 因 "所依据文件的文号"\n'))
    assert diagnostics_text(declared) == ""


def test_no_tracing_while_there_are_errors():
    text = edit(BASE, ("金额 = investment × 50%", "金额 = investmnt × 50%"))
    assert "W08" not in diagnostics_text(text)
