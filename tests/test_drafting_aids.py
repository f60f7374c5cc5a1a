"""The drafting aids (issue 22): what the checker tells a drafter, tested against what the tools then do.

- every word a syntax error offers is one the parser takes at that point;
- a cap's least value (check/bounds.py, W0410) is never above what the calculator computes;
- the article headings the structure check accepts are the ones the figure tracer skips.
The word-for-word diagnostics are in the corpus (tests/cases/{syntax,names,headings,caps,trace}/).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yeji_policy import check, codes, interpreter, parser
from yeji_policy.check.bounds import lowest
from yeji_policy.headings import chinese_numeral, heading_forms, heading_length

OFFERED = re.compile(r"期望：(.*)$", re.M)


def _syntax_error(text: str):
    tree, diagnostics = parser.parse(text)
    return None if tree is not None else diagnostics[0]


def _offset(text: str, line: int, column: int) -> int:
    return sum(len(x) + 1 for x in text.split("\n")[: line - 1]) + column - 1


LINES = codes.EXAMPLE_POLICY.split("\n")


@pytest.mark.parametrize("row", [i for i, line in enumerate(LINES) if line.strip()])
def test_every_keyword_a_syntax_error_offers_is_taken_there(row):
    """A stray "@" at the start of each line: each quoted word the error lists, written there
    instead, is taken by the parser (any error comes later in the text)."""
    indent = len(LINES[row]) - len(LINES[row].lstrip())
    before = "\n".join(LINES[:row]) + ("\n" if row else "") + LINES[row][:indent]
    after = LINES[row][indent:] + "\n" + "\n".join(LINES[row + 1:])
    error = _syntax_error(before + "@ " + after)
    assert error is not None and error.code == "E0102"
    words = re.findall(r"“([^”]+)”", OFFERED.search(error.message).group(1))  # keywords; not 标识符, 数字 …
    for word in words:
        text = before + word + " " + after
        later = _syntax_error(text)
        if later is not None:
            assert _offset(text, later.span.line, later.span.column) > len(before), (word, later.message)


def test_a_second_article_entry_is_not_offered_and_the_first_is():
    base = codes.EXAMPLE_POLICY
    one = base.replace("    条款 1\n", "    条款 1\n    @\n", 1)
    none = base.replace("    条款 1\n", "    @\n    条款 1\n", 1)
    assert "“条款”" not in _syntax_error(one).message
    assert "“条款”" in _syntax_error(none).message


def test_the_list_is_never_cut_short():
    error = _syntax_error(codes.EXAMPLE_POLICY.replace("    条款 1\n", "    条款 1 1\n", 1))
    assert "……" not in error.message and "“重复享受”" in error.message


# ---------------------------------------------------------------- cap bounds
TERMS = st.recursive(
    st.sampled_from(["a", "b", "0元", "100元", "5万元"]),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"({e} × 50%)"),
        st.tuples(st.sampled_from(["最小", "最大"]), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"(若 a > b 则 {t[0]} 否则 {t[1]})"),
    ),
    max_leaves=6,
)
MONEY = st.decimals(min_value=0, max_value=10 ** 7, places=2)

CAP_POLICY = """文件 {{
  发文机关 "示例区人民政府"
  标题 "上限"
  版本 "0.1"
}}
章 一 "补助" {{
  条 1 "补助" {{
    > 1．补助。按投入给予补助。
  }}
  项目 p "补助" {{
    条款 1
    申请主体 "企业"
    资金来源 "区财政"
    兑现条件 "原文未规定"
    输入 {{
      a: 金额 "投入"
      b: 金额 "已获补助" 最小 {minimum}元
    }}
    {requirement}
    金额 = a + b × 0% 最高不超过 {cap} 解释 "测试"
  }}
}}
"""


REQUIREMENTS = {  # a condition before the amount, and what it lets through
    "": lambda a, b: True,
    '要求 b ≤ 5万元 否则 不符合 "x"': lambda a, b: b <= 50000,
    '要求 b > 100元 且 a < 5万元 否则 不符合 "x"': lambda a, b: b > 100 and a < 50000,
    '要求 5万元 ≥ b 否则 不符合 "x"': lambda a, b: b <= 50000,
}


@settings(max_examples=200, deadline=None)
@given(TERMS, st.sampled_from([0, 3]), st.sampled_from(sorted(REQUIREMENTS)), MONEY, MONEY)
def test_a_caps_least_value_is_never_above_what_the_calculator_computes(cap, minimum, requirement, a, b):
    """Over the applications the 要求 let through, the cap is never below the least value the checker
    names (W0410 is given exactly when that value is negative)."""
    text = CAP_POLICY.format(cap=cap, minimum=minimum, requirement=requirement)
    policy, diagnostics = check.check_source(text, "cap.policy")
    if policy is None:  # a constant cap at or below zero is an error (E0406), not this warning
        assert any(d.code == "E0406" for d in diagnostics), [d.message for d in diagnostics]
        return
    programme = policy.programmes[0]
    limit = programme.amount.cap.limit
    least = lowest(limit, tuple(rule.cond for rule in programme.rules))  # the policy has 要求 rules only
    warned = any(d.code == "W0410" for d in diagnostics)
    assert warned == (least is not None and least < 0)
    b = max(b, Decimal(minimum))
    if not REQUIREMENTS[requirement](a, b):
        return
    value, _ = interpreter._Run(programme, {"a": a, "b": b}).visit(limit)
    if least is not None:
        assert least <= value


# ---------------------------------------------------------------- headings
@given(st.integers(min_value=1, max_value=check.MAX_ARTICLE), st.integers(min_value=1, max_value=50))
def test_every_accepted_heading_is_what_the_tracer_skips(number, position):
    for form in heading_forms(number, position):
        for space in ("", " ", "\u3000"):
            assert heading_length(form + space + "设备补助。") == len(form + space)


def test_headings_name_their_own_number_only():
    assert "第十一条" in heading_forms(11) and chinese_numeral(11) == "十一"
    assert "（二）" in heading_forms(5, position=2) and "（二）" not in heading_forms(5, position=5)
    assert heading_length("1.5万元补助") == 0
