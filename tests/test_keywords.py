"""The keyword table (keywords.py) and the grammar agree, both ways."""

from __future__ import annotations

import re

from lark.lexer import PatternStr

from yeji_policy import fmt, keywords, parser

CJK = re.compile(r"[\u4e00-\u9fff]")


def grammar_keywords() -> set[str]:
    return {t.pattern.value for t in parser.policy_parser().terminals
            if isinstance(t.pattern, PatternStr) and CJK.search(t.pattern.value)}


def test_every_keyword_of_the_grammar_is_in_the_table():
    assert grammar_keywords() - keywords.spellings() == set()


def test_every_spelling_in_the_table_is_a_keyword_of_the_grammar():
    functions = next(t for t in parser.policy_parser().terminals if t.name == "FUNC")
    for name in keywords.FUNCTIONS:
        assert re.fullmatch(functions.pattern.to_regexp(), name), name
    assert keywords.spellings() - set(keywords.FUNCTIONS) - grammar_keywords() == set()


def test_no_spelling_stands_for_two_things_in_one_table():
    for table in keywords.TABLES:
        assert len(set(table.values())) == len(table), table


def test_the_formatter_writes_the_tables_spelling():
    source = ('文件 {\n  发文机关 "区政府"\n  标题 "示例"\n  版本 "1"\n}\n\n章 一 "补助" {\n  条 1 "补助" {\n    > 1．补助。\n  }\n'
              '  项目 p "补助" {\n    条款 1\n    申请主体 "企业"\n    资金来源 "区财政"\n    兑现条件 "原文未规定"\n'
              '    输入 {\n      days: 数值 天 "天数" 最小 0.5天 步长 0.5天 默认 1天\n    }\n    金额 = 100元/天 × days\n  }\n}\n')
    out = fmt.format_source(source)
    for word in (keywords.TYPES["number"], keywords.FIELD_OPTIONS["min"], keywords.FIELD_OPTIONS["step"],
                 keywords.FIELD_OPTIONS["default"]):
        assert f"{word} " in out
