"""Drafter mistakes and the exact diagnostics they get: code, position, caret, Chinese message.

Each case edits tests/fixtures/minimal.policy (a clean policy) in one place.
The expected text is compared word for word, like Jinja2's test_error_messages.
"""

from pathlib import Path

import pytest

from yeji_policy import check
from yeji_policy.diagnostics import Diagnostic, Related, Span, render

BASE = (Path(__file__).parent / "fixtures" / "minimal.policy").read_text(encoding="utf-8")

KIND_FIELD = 'accepted: 是否 "验收合格"\n      kind: 选项 { ecommerce "电子商务企业" other "其他" } "企业类型"'

# A second programme reusing the name "accepted" for a date.
SECOND_PROGRAMME = '''  项目 other "其他补助" {
    条款 2
    申请主体 "企业"
    资金来源 "区财政"
    兑现条件 "验收后"
    输入 {
      accepted: 日期 "验收日期"
    }
    金额 = 情形 {
      当 accepted ≥ accepted: 1元
      其他: 审核 "日期倒置"
    }
  }
'''

# 51 若 inside one another, one per line: one level more than the checker allows.
DEEP_CONDITIONAL = "".join("若 accepted 则\n      " for _ in range(51)) + "investment × 50%" + " 否则 0元" * 51

# Extra inputs some edits need, added after "accepted".
EXTRA_FIELDS = {
    'precision_overflow': 'rate: 数值 "系数"',
    'per_item_in_per_item': 'items: 列表 { cost: 金额 "费用" } "明细"',
}

EDITS = {
 'misspelt': ('金额 = investment × 50%', '金额 = investmnt × 50%'),
 'unit_mismatch': ('金额 = investment × 50%', '金额 = investment + 3人'),
 'amount_not_yuan': ('金额 = investment × 50%', '金额 = 50%'),
 'malformed_literal': ('最高不超过 50万元\n', '最高不超过 50万\n'),
 'nonpositive_cap': ('最高不超过 50万元\n', '最高不超过 0元\n'),
 'rate_over_100': ('investment × 50%', 'investment × 150%'),
 'missing_article': ('条 2 "设备补助"', '条 3 "设备补助"'),
 'duplicate_article': ('条 2 "设备补助"', '条 1 "设备补助"'),
 'unknown_article': ('条款 2', '条款 7'),
 'duplicate_field': ('accepted: 是否 "验收合格"', 'accepted: 是否 "验收合格"\n      investment: 金额 "重复"'),
 'unused_input': ('accepted: 是否 "验收合格"', 'accepted: 是否 "验收合格"\n      staff: 整数 人 "员工人数"'),
 'bool_expected': ('要求 accepted 否则', '要求 investment 否则'),
 'excerpt': ('摘录 "对设备投入给予50%补助', '摘录 "对设备投入给予60%补助'),
 'test_unknown_programme': ('    项目 equipment\n    输入', '    项目 equipmnt\n    输入'),
 'test_wrong_type': ('investment: 100000 accepted', 'investment: "十万" accepted'),
 'test_unknown_field': ('accepted: 是 }', 'accepted: 是 invest: 1 }'),
 'fullwidth_colon': ('accepted: 是否', 'accepted：是否'),
 'unterminated_string': ('标题 "示例政策"', '标题 "示例政策'),
 'unclosed_block': (None, None),
 'descending_tiers': ('金额 = investment × 50% 最高不超过 50万元', '金额 = 分档 investment {\n      达到 100万元 → 2万元\n      达到 50万元 → 1万元\n    }'),
 'lookup_missing': ('accepted: 是否 "验收合格"', 'accepted: 是否 "验收合格"\n      level: 选项 { city "市级" province "省级" } "级别"'),
 'cases_without_otherwise': ('金额 = investment × 50% 最高不超过 50万元', '金额 = 情形 {\n      当 accepted: investment × 50%\n    }'),
 'unknown_option': ('要求 accepted 否则', '要求 accepted 且 kind 属于 { ecommrce } 否则'),
 'unexpected_token': ('条款 2', '条款 2 2'),
 'surrogate_escape': ('申请主体 "企业"', '申请主体 "企业\\ud800"'),
 'field_redefined': ('  测试 "设备', SECOND_PROGRAMME + '  测试 "设备'),
 'literal_too_long': ('最高不超过 50万元\n', '最高不超过 1' + '0' * 40 + '元\n'),
 'literal_not_exact': ('最高不超过 50万元\n', '最高不超过 0.01元/年 × 6个月\n'),
 'precision_overflow': ('金额 = investment × 50%', '金额 = investment' + ' × rate' * 8),
 'nesting_too_deep': ('金额 = investment × 50%', '金额 = ' + DEEP_CONDITIONAL),
 'per_item_in_per_item': ('金额 = investment × 50% 最高不超过 50万元',
                          '金额 = 逐项 items 为 s {\n      金额 = 逐项 items 为 t {\n        金额 = t.cost\n      }\n    }'),
 'article_number_too_large': ('条款 2', '条款 10000'),
 'name_taken': ('    要求 accepted 否则', '    令 investment "投入" = 1元\n    令 step "步骤" = investment\n    令 step "又一步" = 2元\n    要求 accepted 否则'),
 'duplicate_test_input': ('investment: 100000 accepted', 'investment: 100000 investment: 1 accepted'),
 'duplicate_document_entry': ('  版本 "0.1"\n', '  版本 "0.1"\n  标题 "又一个标题"\n'),
}


def mutated(name: str) -> str:
    old, new = EDITS[name]
    if name == "unclosed_block":
        return BASE.rstrip()[:-1]
    if name == "lookup_missing":
        return BASE.replace(old, new).replace("金额 = investment × 50% 最高不超过 50万元", "金额 = 按 level { city: 2万元 }")
    if name == "unknown_option":
        return BASE.replace('accepted: 是否 "验收合格"', KIND_FIELD).replace(old, new)
    assert old in BASE, name
    text = BASE.replace(old, new, 1)
    if name in EXTRA_FIELDS:
        text = text.replace('accepted: 是否 "验收合格"', 'accepted: 是否 "验收合格"\n      ' + EXTRA_FIELDS[name])
    return text


def diagnostics_text(text: str) -> str:
    policy, diagnostics = check.check_source(text, "policies/x.policy")
    if any(d.is_error for d in diagnostics):
        assert policy is None
    return "".join(render(d, "policies/x.policy", text) + "\n" for d in diagnostics)


EXPECTED = {
    'misspelt': (
        'policies/x.policy:23:7: 警告 W0701: 输入项“investment”（设备投入）没有被任何规则使用\n'
        ' 23 |       investment: 金额 "设备投入"\n'
        '    |       ^^^^^^^^^^\n'
        'policies/x.policy:27:10: 错误 E0201: 未定义的输入项“investmnt”，是否指“investment”？\n'
        ' 27 |     金额 = investmnt × 50% 最高不超过 50万元\n'
        '    |            ^^^^^^^^^\n'
    ),
    'unit_mismatch': (
        'policies/x.policy:27:10: 错误 E0302: 单位不一致：元 + 人\n'
        ' 27 |     金额 = investment + 3人 最高不超过 50万元\n'
        '    |            ^^^^^^^^^^^^^^^^\n'
        '  = 提示：只有相同单位的量才能相加减\n'
    ),
    'amount_not_yuan': (
        'policies/x.policy:23:7: 警告 W0701: 输入项“investment”（设备投入）没有被任何规则使用\n'
        ' 23 |       investment: 金额 "设备投入"\n'
        '    |       ^^^^^^^^^^\n'
        'policies/x.policy:27:10: 错误 E0303: 金额须以元计，此处为数值（无单位）\n'
        ' 27 |     金额 = 50% 最高不超过 50万元\n'
        '    |            ^^^\n'
    ),
    'malformed_literal': (
        'policies/x.policy:27:33: 错误 E0301: 未知单位“万”\n'
        ' 27 |     金额 = investment × 50% 最高不超过 50万\n'
        '    |                                        ^^^^\n'
        '  = 提示：可用的单位：%、元、万元、平方米、亩、人、个、天、个月、月、年；复合单位如 15元/平方米/月\n'
    ),
    'nonpositive_cap': (
        'policies/x.policy:27:33: 错误 E0406: 上限须大于0，此处为“0元”\n'
        ' 27 |     金额 = investment × 50% 最高不超过 0元\n'
        '    |                                        ^^^\n'
    ),
    'rate_over_100': (
        # The text says 50%: figure traceability names both sides of the slip.
        'policies/x.policy:14:21: 警告 W0801: 第2条原文中的数字“50%”没有被任何规则或措施采用，也没有声明为非规范数字：'
        '“…设备补助。对设备投入给予50%补助，最高不超过…”\n'
        ' 14 |     > 2．设备补助。对设备投入给予50%补助，最高不超过50万元。\n'
        '    |                                  ^^^\n'
        '  = 提示：若它不是规范性内容，请在第2条原文之后写：非规范数字 "50%" 因 "……"\n'
        'policies/x.policy:27:23: 警告 W0301: 比例“150%”超过100%\n'
        ' 27 |     金额 = investment × 150% 最高不超过 50万元\n'
        '    |                         ^^^^\n'
        'policies/x.policy:27:23: 警告 W0802: 项目“equipment”中的数字“150%”不见于第2条原文\n'
        ' 27 |     金额 = investment × 150% 最高不超过 50万元\n'
        '    |                         ^^^^\n'
        '  = 提示：原文没有的数字是起草人的理解：请在这条规则、公式或上限之后写 解释 "……"\n'
    ),
    'missing_article': (
        'policies/x.policy:13:5: 错误 E0501: 缺少第2条：条款应从第1条起连续编号\n'
        ' 13 |   条 3 "设备补助" {\n'
        '    |      ^\n'
        'policies/x.policy:13:7: 警告 W0508: 第3条的标题与原文开头不一致：原文应以“3．设备补助”开头\n'
        ' 13 |   条 3 "设备补助" {\n'
        '    |        ^^^^^^^^^^\n'
        '  = 提示：编号也可写作“3.”“3、”“第三条”“第3条”“三、”“（三）”，其后可有空格\n'
        'policies/x.policy:17:8: 错误 E0211: 项目“equipment”引用的第2条不存在\n'
        ' 17 |     条款 2\n'
        '    |          ^\n'
        '  = 提示：已有条款：1、3\n'
    ),
    'duplicate_article': (
        'policies/x.policy:13:5: 错误 E0502: 第1条重复\n'
        ' 13 |   条 1 "设备补助" {\n'
        '    |      ^\n'
        'policies/x.policy:9:5: 相关位置：首次定义于此\n'
        '  9 |   条 1 "目标" {\n'
        '    |      -\n'
        'policies/x.policy:17:8: 错误 E0211: 项目“equipment”引用的第2条不存在\n'
        ' 17 |     条款 2\n'
        '    |          ^\n'
        '  = 提示：已有条款：1\n'
    ),
    'unknown_article': (
        'policies/x.policy:17:8: 错误 E0211: 项目“equipment”引用的第7条不存在\n'
        ' 17 |     条款 7\n'
        '    |          ^\n'
        '  = 提示：已有条款：1、2\n'
    ),
    'duplicate_field': (
        'policies/x.policy:25:7: 错误 E0202: 输入项“investment”重复定义\n'
        ' 25 |       investment: 金额 "重复"\n'
        '    |       ^^^^^^^^^^\n'
        'policies/x.policy:23:7: 相关位置：首次定义于此\n'
        ' 23 |       investment: 金额 "设备投入"\n'
        '    |       ----------\n'
    ),
    'unused_input': (
        'policies/x.policy:25:7: 警告 W0701: 输入项“staff”（员工人数）没有被任何规则使用\n'
        ' 25 |       staff: 整数 人 "员工人数"\n'
        '    |       ^^^^^\n'
        'policies/x.policy:32:8: 错误 E0604: 测试输入缺少输入项：staff\n'
        ' 32 |     输入 { investment: 100000 accepted: 是 }\n'
        '    |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n'
    ),
    'bool_expected': (
        'policies/x.policy:24:7: 警告 W0701: 输入项“accepted”（验收合格）没有被任何规则使用\n'
        ' 24 |       accepted: 是否 "验收合格"\n'
        '    |       ^^^^^^^^\n'
        'policies/x.policy:26:8: 错误 E0401: 要求的条件须是是否值，此处为数值（元）\n'
        ' 26 |     要求 investment 否则 不符合 "未验收合格"\n'
        '    |          ^^^^^^^^^^\n'
    ),
    'excerpt': (
        'policies/x.policy:18:8: 错误 E0507: 摘录不是第2条原文的一部分\n'
        ' 18 |     摘录 "对设备投入给予60%补助，最高不超过50万元"\n'
        '    |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n'
        '  = 提示：摘录须与原文逐字一致，包括标点\n'
    ),
    'test_unknown_programme': (
        'policies/x.policy:30:8: 错误 E0601: 测试“设备：一般情形”引用了不存在的项目“equipmnt”，是否指“equipment”？\n'
        ' 30 |     项目 equipmnt\n'
        '    |          ^^^^^^^^\n'
    ),
    'test_wrong_type': (
        'policies/x.policy:31:22: 错误 E0605: 测试输入“investment”的类型不符：“设备投入”应为金额（数字）\n'
        ' 31 |     输入 { investment: "十万" accepted: 是 }\n'
        '    |                        ^^^^^^\n'
    ),
    'test_unknown_field': (
        'policies/x.policy:31:41: 错误 E0603: 测试输入中有未知的输入项“invest”，是否指“investment”？\n'
        ' 31 |     输入 { investment: 100000 accepted: 是 invest: 1 }\n'
        '    |                                            ^^^^^^\n'
    ),
    'fullwidth_colon': (
        'policies/x.policy:24:15: 错误 E0102: 无法识别的字符“：”，此处期望：“:”\n'
        ' 24 |       accepted：是否 "验收合格"\n'
        '    |               ^^\n'
        '  = 提示：请使用半角冒号 :\n'
    ),
    'unterminated_string': (
        'policies/x.policy:4:6: 错误 E0104: 字符串没有结束：缺少右侧的半角双引号\n'
        ' 4 |   标题 "示例政策\n'
        '   |        ^\n'
        '  = 提示：字符串不能跨行；换行请写 \\n\n'
    ),
    'unclosed_block': (
        'policies/x.policy:8:10: 错误 E0103: 文件意外结束：第8行第10列的“{”没有对应的“}”\n'
        ' 8 | 章 一 "总则" {\n'
        '   |              ^\n'
        '  = 提示：此处期望：“}”、“不得重复享受”、“合计上限”、“条”、“测试”、“项目”\n'
    ),
    'descending_tiers': (
        'policies/x.policy:29:10: 错误 E0404: 档位门槛须严格递增：“50万元”不大于上一档“100万元”\n'
        ' 29 |       达到 50万元 → 1万元\n'
        '    |            ^^^^^^\n'
        'policies/x.policy:29:17: 错误 E0405: 高档的奖励不能低于低档：“1万元”低于上一档“2万元”\n'
        ' 29 |       达到 50万元 → 1万元\n'
        '    |                     ^^^^^\n'
    ),
    'lookup_missing': (
        'policies/x.policy:23:7: 警告 W0701: 输入项“investment”（设备投入）没有被任何规则使用\n'
        ' 23 |       investment: 金额 "设备投入"\n'
        '    |       ^^^^^^^^^^\n'
        'policies/x.policy:28:10: 错误 E0403: “按”未覆盖选项：province（省级）\n'
        ' 28 |     金额 = 按 level { city: 2万元 }\n'
        '    |            ^^^^^^^^^^^^^^^^^^^^^^^^\n'
    ),
    'cases_without_otherwise': (
        'policies/x.policy:27:10: 错误 E0514: “情形”须以“其他: …”结尾，说明其余情形如何处理\n'
        ' 27 |     金额 = 情形 {\n'
        '    |            ^^\n'
        '  = 提示：原文未作规定的情形写作：其他: 审核 "原因"\n'
    ),
    'unknown_option': (
        'policies/x.policy:27:29: 错误 E0204: 未知的选项“ecommrce”，是否指“ecommerce”？\n'
        ' 27 |     要求 accepted 且 kind 属于 { ecommrce } 否则 不符合 "未验收合格"\n'
        '    |                                  ^^^^^^^^\n'
        '  = 提示：可选：ecommerce、other\n'
        'policies/x.policy:32:8: 错误 E0604: 测试输入缺少输入项：kind\n'
        ' 32 |     输入 { investment: 100000 accepted: 是 }\n'
        '    |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n'
    ),
    'unexpected_token': (
        'policies/x.policy:17:10: 错误 E0101: 此处不应出现“2”，期望：“}”、“令”、“兑现前提”、“兑现方式”、“兑现条件”、“受理部门”、“唯一”、“审核”、“截止日期”、“摘录”、“期间”、“校验”、“申报材料”、“申请主体”、“补助期限”、“要求”、“资金来源”、“资金表述”、“起始日期”、“输入”、“重复享受”、“金额”\n'
        ' 17 |     条款 2 2\n'
        '    |            ^\n'
    ),
    'surrogate_escape': (
        'policies/x.policy:19:13: 错误 E0108: 转义“\\ud800”不是有效的字符：U+D800 是代理码位\n'
        ' 19 |     申请主体 "企业\\ud800"\n'
        '    |                   ^^^^^^\n'
        '  = 提示：代理码位（U+D800–U+DFFF）只能成对出现在 UTF-16 中，不能单独表示字符；请直接写出该字符\n'
    ),
    'field_redefined': (
        'policies/x.policy:35:7: 错误 E0213: 输入项“accepted”在项目“other”中的定义与项目“equipment”不同：类型为“是否”与“日期”\n'
        ' 35 |       accepted: 日期 "验收日期"\n'
        '    |       ^^^^^^^^\n'
        'policies/x.policy:24:7: 相关位置：首次定义于项目“equipment”\n'
        ' 24 |       accepted: 是否 "验收合格"\n'
        '    |       --------\n'
        '  = 提示：政策计算器按名称合并各项目的输入项：同一名称须表示同一输入（类型、单位、选项、最小值、步长、默认值都相同）；'
        '不同的输入请另起名称\n'
    ),
    'literal_too_long': (
        'policies/x.policy:27:33: 错误 E0305: 数字“10000000000000000000…”过长：有41位数字，最多30位\n'
        ' 27 |     金额 = investment × 50% 最高不超过 10000000000000000000000000000000000000000元\n'
        '    |                                        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n'
        '  = 提示：政策中的数字（含小数位）不超过30位；金额、比例和步长都用不到更多\n'
    ),
    'literal_not_exact': (
        'policies/x.policy:27:33: 错误 E0306: “0.01元/年”换算为基本单位后不是有限小数：等于 1/1200 元/个月\n'
        ' 27 |     金额 = investment × 50% 最高不超过 0.01元/年 × 6个月\n'
        '    |                                        ^^^^^^^^^\n'
        '  = 提示：计算以基本单位（元/个月）精确进行，无法表示无限小数；请直接以基本单位书写，'
        '或选用换算后能除尽的数值（如 12元/年 = 1元/个月）\n'
    ),
    'precision_overflow': (
        'policies/x.policy:28:10: 错误 E0307: 这一步计算最多需要108位有效数字，超过计算引擎的100位精度\n'
        ' 28 |     金额 = investment × rate × rate × rate × rate × rate × rate × rate × rate 最高不超过 50万元\n'
        '    |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n'
        '  = 提示：每个输入项最大为 9,999,999,999.99；请减少相乘的输入项，或减少数字、步长的小数位数\n'
        'policies/x.policy:32:8: 错误 E0604: 测试输入缺少输入项：rate\n'
        ' 32 |     输入 { investment: 100000 accepted: 是 }\n'
        '    |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n'
    ),
    'nesting_too_deep': (
        'policies/x.policy:77:7: 错误 E0517: 嵌套过深：“若”“按”“情形”最多相互嵌套50层\n'
        ' 77 |       若 accepted 则\n'
        '    |       ^^\n'
        '  = 提示：请用“令”把内层的计算写成具名的步骤，或把条件并列写在同一个“情形”中\n'
    ),
    'per_item_in_per_item': (
        'policies/x.policy:23:7: 警告 W0701: 输入项“investment”（设备投入）没有被任何规则使用\n'
        ' 23 |       investment: 金额 "设备投入"\n'
        '    |       ^^^^^^^^^^\n'
        'policies/x.policy:29:12: 错误 E0518: “逐项”内不能再有“逐项”\n'
        ' 29 |       金额 = 逐项 items 为 t {\n'
        '    |              ^^\n'
        '  = 提示：每一项的金额须直接算出；对另一个列表的计算请写成另一条规则或另一个项目\n'
    ),
    'article_number_too_large': (
        'policies/x.policy:17:8: 错误 E0519: 条款编号“10000”过大：最大为第9999条\n'
        ' 17 |     条款 10000\n'
        '    |          ^^^^^\n'
    ),
    # A name in use points to its declaration: an input's name, a step's whole 令 line.
    'name_taken': (
        'policies/x.policy:26:7: 错误 E0208: 名称“investment”已被使用\n'
        ' 26 |     令 investment "投入" = 1元\n'
        '    |        ^^^^^^^^^^\n'
        'policies/x.policy:23:7: 相关位置：输入项“investment”定义于此\n'
        ' 23 |       investment: 金额 "设备投入"\n'
        '    |       ----------\n'
        'policies/x.policy:28:7: 错误 E0208: 名称“step”已被使用\n'
        ' 28 |     令 step "又一步" = 2元\n'
        '    |        ^^^^\n'
        'policies/x.policy:27:5: 相关位置：步骤“step”定义于此\n'
        ' 27 |     令 step "步骤" = investment\n'
        '    |     ---------------------------\n'
    ),
    'duplicate_test_input': (
        'policies/x.policy:31:29: 错误 E0602: 测试输入中“investment”重复\n'
        ' 31 |     输入 { investment: 100000 investment: 1 accepted: 是 }\n'
        '    |                               ^^^^^^^^^^\n'
        'policies/x.policy:31:10: 相关位置：首次出现于此\n'
        ' 31 |     输入 { investment: 100000 investment: 1 accepted: 是 }\n'
        '    |            ----------\n'
    ),
    'duplicate_document_entry': (
        'policies/x.policy:6:3: 错误 E0505: “标题”重复\n'
        ' 6 |   标题 "又一个标题"\n'
        '   |   ^^^^^^^^^^^^^^^^^\n'
        'policies/x.policy:4:3: 相关位置：首次出现于此\n'
        ' 4 |   标题 "示例政策"\n'
        '   |   ---------------\n'
    ),
}


def test_related_places_share_the_gutter_and_those_past_the_end_are_not_quoted():
    source = "".join(f"第{n}行\n" for n in range(1, 121))
    diagnostic = Diagnostic("E0202", "重复", Span(9, 2, 9, 3), related=(
        Related(Span(100, 1, 100, 2), "首次定义于此"), Related(Span(500, 1, 500, 2), "文件之外")))
    assert render(diagnostic, "a.policy", source) == (
        "a.policy:9:2: 错误 E0202: 重复\n"
        "   9 | 第9行\n"
        "     |   ^\n"
        "a.policy:100:1: 相关位置：首次定义于此\n"
        " 100 | 第100行\n"
        "     | --\n"
        "a.policy:500:1: 相关位置：文件之外")


def test_every_edit_has_an_expectation():
    assert set(EDITS) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_diagnostic_word_for_word(name):
    assert diagnostics_text(mutated(name)) == EXPECTED[name]


def test_base_is_clean():
    assert diagnostics_text(BASE) == ""


def test_empty_file():
    assert diagnostics_text("") == (
        'policies/x.policy:1:1: 错误 E0501: 政策中没有任何条款：至少须有第1条\n'
        'policies/x.policy:1:1: 错误 E0509: 缺少“文件 { … }”块：须写明发文机关、标题和版本\n'
    )



def with_chapters(count: int, written: dict[int, str]) -> str:
    """The base policy followed by empty chapters so that it has `count`;
    `written` replaces the numeral of some of them."""
    numeral = {n: check._chinese_numeral(n) for n in range(2, count + 1)} | written
    return BASE + "".join(f'章 {numeral[n]} "第{n}章" {{\n}}\n' for n in range(2, count + 1))


def test_chapters_beyond_ninety_nine():
    # 110 chapters raised IndexError, and chapter 100 was expected as "十十".
    assert diagnostics_text(with_chapters(120, {})) == ""
    assert diagnostics_text(with_chapters(110, {100: "十十", 110: "一百十"})) == (
        'policies/x.policy:231:3: 错误 E0510: 章序号应为“一百”，此处为“十十”\n'
        ' 231 | 章 十十 "第100章" {\n'
        '     |    ^^^^\n'
        'policies/x.policy:251:3: 错误 E0510: 章序号应为“一百一十”，此处为“一百十”\n'
        ' 251 | 章 一百十 "第110章" {\n'
        '     |    ^^^^^^\n'
    )


def test_article_number_of_thousands_of_digits():
    # int() refuses more than 4,300 digits: this raised ValueError.
    for old, new in (("条款 2", "条款 2" + "0" * 5000), ('条 2 "设备补助"', '条 2' + "0" * 5000 + ' "设备补助"')):
        policy, diagnostics = check.check_source(BASE.replace(old, new), "policies/x.policy")
        assert policy is None and "E0519" in {d.code for d in diagnostics}


@pytest.mark.parametrize("first,second,difference", [
    ('数值 平方米 "面积"', '数值 人 "人数"', '单位为“平方米”与“人”'),
    ('选项 { a "甲" b "乙" } "类型"', '选项 { a "甲" c "丙" } "类型"', '选项为 a、b 与 a、c'),
    ('数值 天 "天数" 步长 0.5天', '数值 天 "天数"', '步长为“0.5”与“无”'),
    ('金额 "投入" 默认 0元', '金额 "投入"', '默认值为“0”与“无”'),
    ('列表 { cost: 金额 "费用" } "明细"', '列表 { cost: 整数 "费用" } "明细"', '列表项“cost”的类型为“金额”与“整数”'),
])
def test_one_input_name_one_definition(first, second, difference):
    """E0213 names what differs; the same definition under another Chinese name is the same input."""
    field = 'x: {}\n    }}\n    要求 accepted 否则 不符合 "未验收合格"'
    text = BASE.replace('accepted: 是否 "验收合格"\n    }\n    要求 accepted 否则 不符合 "未验收合格"',
                        'accepted: 是否 "验收合格"\n      ' + field.format(first))
    text = text.replace("  测试 ", SECOND_PROGRAMME.replace('accepted: 日期 "验收日期"', field.format(second).split("\n")[0])
                        .replace("当 accepted ≥ accepted", "当 是 = 是") + "  测试 ", 1)
    policy, diagnostics = check.check_source(text, "policies/x.policy")
    assert [d.message for d in diagnostics if d.code == "E0213"] == [
        f"输入项“x”在项目“other”中的定义与项目“equipment”不同：{difference}"]


def test_a_typo_at_the_end_of_a_name_is_found_among_many_names():
    """A survivor of the mutation run: among more than SUGGEST_POOL names, a name whose ending is
    misspelt is found by its alphabetical neighbours (its reversed spelling is no neighbour)."""
    from yeji_policy import check

    # 80 names whose reversed spellings (r…, s…) sort between those of "investmenq" (q…) and "investment" (t…)
    names = [f"x{n:03d}r" for n in range(40)] + [f"y{n:03d}s" for n in range(40)] + ["investment"]
    assert len(names) > check.SUGGEST_POOL
    assert check._closest("investmenq", names) == "investment"  # the beginning kept: alphabetical order
    assert check._closest("qnvestment", names) == "investment"  # the ending kept: reversed spelling
