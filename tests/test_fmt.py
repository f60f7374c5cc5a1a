"""The formatter: canonical layout, idempotence, round trip, comments, verbatim text, and `fmt`."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yeji_policy import ast as A
from yeji_policy import check, fmt, parser
from yeji_policy.cli import main

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = (Path(__file__).parent / "fixtures" / "minimal.policy").read_text(encoding="utf-8")


def meaning(text: str):
    """The AST without positions: what a source says, whatever its layout."""
    tree, diagnostics = parser.parse(text)
    assert tree is not None, diagnostics
    return A.without_spans(A.build(tree))


def comments(text: str) -> list[str]:
    _, tokens, _ = parser.parse_with_comments(text)
    return sorted(str(t).rstrip() for t in tokens)


# ---------------------------------------------------------------- the shipped policy
def test_shipped_policy_is_formatted(policy_source):
    assert fmt.format_source(policy_source) == policy_source


# ---------------------------------------------------------------- the layout, word for word
MESSY = '''# 头部注释
文件{发文机关 "示例区人民政府"
标题 "示例政策"   版本 "0.1" }
章 一 "总则" {
条 1 "目标" {
>1．目标。推动发展。
      >    缩进与空格原样保留   
目标 "推动发展"}
    条 2 "设备补助" {
  > 2．设备补助。对设备投入给予50%补助，最高不超过50万元；对年销售额达到300万元、500万元的，分别奖励1万元、2万元。
}
项目 equipment "设备补助" { 条款 2 摘录 "对设备投入给予50%补助，最高不超过50万元"
申请主体 "企业" 资金来源 "区财政" 解释 "按本条理解" 兑现条件 "验收后"
输入 { investment: 金额 "设备投入" 说明 "单位：元"   # 投入
accepted: 是否 "验收合格"
kind: 选项 { ecommerce "电子商务企业" other "其他" } "企业类型" }
要求 accepted 且 kind 属于 {ecommerce} 否则 不符合 "未验收合格"
令 base "基数" = 若 investment>=100元 则 investment 否则 0元
金额 = (base - (investment - investment)) * 50% 最高不超过 50万元 解释 "上限"
}
项目 award "销售奖励" {
条款 2 申请主体 "企业" 资金来源 "区财政" 兑现条件 "一次性"
输入 { sales: 金额 "年销售额" }
金额 = 分档 sales { 达到 300万元 -> 1万元
  # 第二档
  达到 500万元 -> 2万元 }
}
测试 "设备：一般情形" { 项目 equipment 输入 { investment: 100000, accepted: 是, kind: "ecommerce" } 预期 符合 金额 50000.00 }
测试 "奖励" { 项目 award 输入 { sales: 3000000 } 预期 符合 金额 10000.00 }
}
'''

CANONICAL = '''# 头部注释
文件 {
  发文机关 "示例区人民政府"
  标题 "示例政策"
  版本 "0.1"
}

章 一 "总则" {
  条 1 "目标" {
    > 1．目标。推动发展。
    >    缩进与空格原样保留
    目标 "推动发展"
  }
  条 2 "设备补助" {
    > 2．设备补助。对设备投入给予50%补助，最高不超过50万元；对年销售额达到300万元、500万元的，分别奖励1万元、2万元。
  }

  项目 equipment "设备补助" {
    条款 2
    摘录 "对设备投入给予50%补助，最高不超过50万元"
    申请主体 "企业"
    资金来源 "区财政" 解释 "按本条理解"
    兑现条件 "验收后"
    输入 {
      investment: 金额 "设备投入"
        说明 "单位：元"  # 投入
      accepted: 是否 "验收合格"
      kind: 选项 {
        ecommerce "电子商务企业"
        other "其他"
      } "企业类型"
    }
    要求 accepted 且 kind 属于 { ecommerce } 否则 不符合 "未验收合格"
    令 base "基数" = 若 investment ≥ 100元 则 investment 否则 0元
    金额 = (base - (investment - investment)) × 50%
      最高不超过 50万元 解释 "上限"
  }

  项目 award "销售奖励" {
    条款 2
    申请主体 "企业"
    资金来源 "区财政"
    兑现条件 "一次性"
    输入 {
      sales: 金额 "年销售额"
    }
    金额 = 分档 sales {
      达到 300万元 → 1万元
      # 第二档
      达到 500万元 → 2万元
    }
  }

  测试 "设备：一般情形" {
    项目 equipment
    输入 { investment: 100000 accepted: 是 kind: "ecommerce" }
    预期 符合 金额 50000.00
  }
  测试 "奖励" {
    项目 award
    输入 { sales: 3000000 }
    预期 符合 金额 10000.00
  }
}
'''


def test_canonical_layout_word_for_word():
    assert check.check_source(MESSY, "messy.policy")[0] is not None
    assert fmt.format_source(MESSY) == CANONICAL
    assert fmt.format_source(CANONICAL) == CANONICAL
    assert meaning(CANONICAL) == meaning(MESSY)


def test_operators_take_one_spelling():
    text = MINIMAL.replace("investment × 50%", "investment * 50%")
    assert fmt.format_source(text) == fmt.format_source(MINIMAL)
    formatted = fmt.format_source(CANONICAL.replace("≥", ">=").replace("→", "->"))
    assert formatted == CANONICAL


def test_original_text_is_kept_verbatim(policy, policy_source):
    formatted = fmt.format_source(policy_source.replace("\n    > ", "\n>"))
    assert formatted == policy_source
    for article in policy.articles:
        assert f"> {article.text}\n" in formatted


def test_strings_are_requoted_exactly():
    text = MINIMAL.replace('目标 "推动发展"', r'目标 "推动\"发展\"\\\q\t\u0041"')
    formatted = fmt.format_source(text)
    assert r'目标 "推动\"发展\"\\\\q\tA"' in formatted
    assert meaning(formatted) == meaning(text)


EXPRESSIONS = '''文件 { 发文机关 "示例" 标题 "示例" 版本 "1" }
章 一 "总则" {
  条 1 "补助" {
    > 1．补助。给予50%补助，最高不超过50万元。
  }
  项目 p "补助" {
    条款 1 申请主体 "企业" 资金来源 "区财政" 兑现条件 "验收后"
    输入 {
      a: 是否 "甲" b: 是否 "乙" c: 是否 "丙"
      x: 金额 "投入" y: 金额 "其他" z: 金额 "再其他"
      d1: 日期 "起" d2: 日期 "止"
      items: 列表 { v: 文本 "村" amt: 金额 "额" } "项目"
    }
    校验 d2 >= d1 于 d2 否则 "倒置"
    要求 非 (a 且 b) 或 c 否则 不符合 "一"
    要求 (a 或 b) 且 (非 c) 否则 不符合 "二"
    要求 a 或 b 且 c 否则 不符合 "三"
    令 m "月" = 月数(d1, d2)
    令 s "和" = x - (y - z) + (若 a 则 1元 否则 2元) * 1
    令 t "套" = 若 a 则 若 b 则 x 否则 y 否则 最小(x, 最大(y, z))
    要求 m >= 1个月 且 (s - t) * 2 > 0元 否则 不符合 "四"
    金额 = 情形 {
      当 a: 情形 { 当 b: x * 50% 其他: 逐项 items 为 i { 唯一 i.v 否则 审核 "重复" 金额 = i.amt * 50% 最高不超过 50万元 } }
      当 非 a = b: 不符合 "五"
      其他: 审核 "六" 解释 "原文未规定"
    }
  }
}
'''

EXPRESSIONS_FORMATTED = '''文件 {
  发文机关 "示例"
  标题 "示例"
  版本 "1"
}

章 一 "总则" {
  条 1 "补助" {
    > 1．补助。给予50%补助，最高不超过50万元。
  }

  项目 p "补助" {
    条款 1
    申请主体 "企业"
    资金来源 "区财政"
    兑现条件 "验收后"
    输入 {
      a: 是否 "甲"
      b: 是否 "乙"
      c: 是否 "丙"
      x: 金额 "投入"
      y: 金额 "其他"
      z: 金额 "再其他"
      d1: 日期 "起"
      d2: 日期 "止"
      items: 列表 {
        v: 文本 "村"
        amt: 金额 "额"
      } "项目"
    }
    校验 d2 ≥ d1 于 d2 否则 "倒置"
    要求 非 (a 且 b) 或 c 否则 不符合 "一"
    要求 (a 或 b) 且 非 c 否则 不符合 "二"
    要求 a 或 b 且 c 否则 不符合 "三"
    令 m "月" = 月数(d1, d2)
    令 s "和" = x - (y - z) + (若 a 则 1元 否则 2元) × 1
    令 t "套" = 若 a 则 若 b 则 x 否则 y 否则 最小(x, 最大(y, z))
    要求 m ≥ 1个月 且 (s - t) × 2 > 0元 否则 不符合 "四"
    金额 = 情形 {
      当 a: 情形 {
        当 b: x × 50%
        其他: 逐项 items 为 i {
          唯一 i.v 否则 审核 "重复"
          金额 = i.amt × 50% 最高不超过 50万元
        }
      }
      当 非 a = b: 不符合 "五"
      其他: 审核 "六"
        解释 "原文未规定"
    }
  }
}
'''


def test_precedence_blocks_and_nesting():
    """Only the parentheses the grammar needs; blocks nested in cases and items."""
    formatted = fmt.format_source(EXPRESSIONS)
    assert formatted == EXPRESSIONS_FORMATTED
    assert meaning(formatted) == meaning(EXPRESSIONS)


# ---------------------------------------------------------------- comments
COMMENTED = '''# 一
# 二

文件 {  # 文件块
  发文机关 "示例区人民政府"
  # 标题之前
  标题 "示例政策"
  版本 "0.1"
  # 块末
}
# 章之前
章 一 "总则" {
  条 1 "目标" {
    > 1．目标。推动发展。
    # 原文之后
    目标 "推动发展"
  }
  条 2 "设备补助" {
    > 2．设备补助。对设备投入给予50%补助，最高不超过50万元。
  }
  项目 equipment "设备补助" {
    条款 2   # 条款
    摘录 "对设备投入给予50%补助，最高不超过50万元"
    申请主体 "企业"
    资金来源 "区财政"
    兑现条件 "验收后"
    输入 {
      investment: 金额 "设备投入"  # 金额
      accepted: 是否 "验收合格"
    }
    要求 accepted 否则 不符合 "未验收合格"
    金额 = investment
      # 表达式中间
      * 50%   # 比例
      最高不超过 50万元
  }
  测试 "设备：一般情形" {
    项目 equipment
    输入 { investment: 100000 accepted: 是 }  # 输入
    预期 符合 金额 50000.00
    # 测试末尾
  }
}
# 文件末尾
'''

COMMENTED_FORMATTED = '''# 一
# 二

文件 {  # 文件块
  发文机关 "示例区人民政府"
  # 标题之前
  标题 "示例政策"
  版本 "0.1"
  # 块末
}

# 章之前
章 一 "总则" {
  条 1 "目标" {
    > 1．目标。推动发展。
    # 原文之后
    目标 "推动发展"
  }
  条 2 "设备补助" {
    > 2．设备补助。对设备投入给予50%补助，最高不超过50万元。
  }

  项目 equipment "设备补助" {
    条款 2  # 条款
    摘录 "对设备投入给予50%补助，最高不超过50万元"
    申请主体 "企业"
    资金来源 "区财政"
    兑现条件 "验收后"
    输入 {
      investment: 金额 "设备投入"  # 金额
      accepted: 是否 "验收合格"
    }
    要求 accepted 否则 不符合 "未验收合格"
    # 表达式中间
    金额 = investment × 50% 最高不超过 50万元  # 比例
  }

  测试 "设备：一般情形" {
    项目 equipment
    输入 { investment: 100000 accepted: 是 }  # 输入
    预期 符合 金额 50000.00
    # 测试末尾
  }
}
# 文件末尾
'''


def test_comments_are_kept_in_place():
    assert fmt.format_source(COMMENTED) == COMMENTED_FORMATTED
    assert fmt.format_source(COMMENTED_FORMATTED) == COMMENTED_FORMATTED


def test_hash_inside_strings_and_text_is_not_a_comment():
    text = MINIMAL.replace('目标 "推动发展"', '目标 "推动#发展"').replace("> 1．目标。推动发展。", "> 1．目标。推动发展。#1")
    formatted = fmt.format_source(text)
    assert '目标 "推动#发展"' in formatted and "> 1．目标。推动发展。#1\n" in formatted
    assert comments(formatted) == comments(MINIMAL)


# ---------------------------------------------------------------- refusals
def test_refuses_a_policy_with_errors():
    with pytest.raises(fmt.FormatError) as raised:
        fmt.format_source(MINIMAL.replace("× 50%", "× 50万"), "x.policy")
    assert str(raised.value) == "x.policy 有 1 个错误，未格式化"
    assert [d.code for d in raised.value.diagnostics] == ["E0301"]


# ---------------------------------------------------------------- properties
class Drawn:
    """Choices drawn by hypothesis."""

    def __init__(self, data):
        self.data = data

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def choice(self, options):
        return self.data.draw(st.sampled_from(options))


class Seeded:
    """The same choices from a seeded generator, for a stable count."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def choice(self, options):
        return self.rng.choice(options)


SPELLINGS = [("×", "*"), ("≥", ">="), ("→", "->"), ("*", "×"), (">=", "≥")]


def variant(pick, source: str) -> str:
    """The source with indentation, spaces, line breaks, spellings and comments changed, or lines dropped or doubled."""
    lines = source.split("\n")
    for _ in range(pick.integer(1, 8)):
        index = pick.integer(0, len(lines) - 1)
        action = pick.choice(["indent", "spaces", "join", "comment", "trailing", "spell", "drop", "double"])
        line = lines[index]
        code = not line.lstrip().startswith((">", "#"))
        if action == "indent":
            lines[index] = " " * pick.integer(0, 9) + line.lstrip()
        elif action == "spaces" and code and '"' not in line:
            lines[index] = re.sub(" +", lambda m: " " * pick.integer(1, 3), line)
        elif action == "join" and code and index + 1 < len(lines) and not lines[index + 1].lstrip().startswith(">"):
            lines[index:index + 2] = [line + " " + lines[index + 1].lstrip()]
        elif action == "comment":
            lines.insert(index, " " * pick.integer(0, 6) + f"# 注释{index}")
        elif action == "trailing" and code and "#" not in line:
            lines[index] = line + f"  # 行尾{index}"
        elif action == "spell" and code:
            old, new = pick.choice(SPELLINGS)
            lines[index] = line.replace(old, new)
        elif action == "drop":
            del lines[index]
        elif action == "double":
            lines.insert(index, line)
    return "\n".join(lines)


def round_trip(text: str) -> bool:
    """fmt is idempotent and keeps the meaning and the comments of a variant that checks."""
    try:
        once = fmt.format_source(text)
    except fmt.FormatError as exc:
        assert exc.diagnostics, exc  # refused for the variant's errors, never for a formatter bug
        return False  # only a policy without errors can be formatted
    assert fmt.format_source(once) == once
    assert meaning(once) == meaning(text)
    assert comments(once) == comments(text)
    return True


def has_errors(text: str) -> bool:
    policy, diagnostics = check.check_source(text, "variant.policy")
    return policy is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_variants_of_the_shipped_policy(policy_source, data):
    text = variant(Drawn(data), policy_source)
    # Formatted and round-tripped exactly when it checks; refused (with its diagnostics) exactly when it has errors.
    assert round_trip(text) is not has_errors(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_variants_of_a_commented_policy(data):
    text = variant(Drawn(data), COMMENTED)
    assert round_trip(text) is not has_errors(text)


def test_most_variants_still_check(policy_source):
    """The mutations are not all thrown away: most variants check, and are round-tripped."""
    assert sum(round_trip(variant(Seeded(seed), COMMENTED)) for seed in range(60)) >= 25
    assert sum(round_trip(variant(Seeded(seed), policy_source)) for seed in range(30)) >= 8


# ---------------------------------------------------------------- the command
def test_fmt_command(tmp_path):
    runner = CliRunner()
    messy = tmp_path / "messy.policy"
    messy.write_text(MESSY, encoding="utf-8")
    clean = tmp_path / "clean.policy"
    clean.write_text(CANONICAL, encoding="utf-8")

    result = runner.invoke(main, ["fmt", "--check", str(messy), str(clean)])
    assert result.exit_code == 1
    assert result.output == (f"未按规范格式排版：{messy}\n"
                             "1 个文件未按规范格式排版；运行 yeji-policy fmt 即可排版\n")
    assert messy.read_text(encoding="utf-8") == MESSY

    result = runner.invoke(main, ["fmt", str(messy), str(clean)])
    assert result.exit_code == 0, result.output
    assert result.output == f"已排版：{messy}\n已排版 1 个文件，1 个文件无需改动\n"
    assert messy.read_text(encoding="utf-8") == CANONICAL

    result = runner.invoke(main, ["fmt", "--check", str(messy), str(clean)])
    assert result.exit_code == 0
    assert result.output == "全部 2 个文件已是规范格式\n"


def test_fmt_reads_stdin_and_writes_stdout():
    result = CliRunner().invoke(main, ["fmt", "-"], input=MESSY)
    assert result.exit_code == 0
    assert result.output == CANONICAL


def test_fmt_refuses_files_with_errors_and_unreadable_files(tmp_path):
    broken = tmp_path / "broken.policy"
    broken.write_text(MINIMAL.replace("× 50%", "× 50万"), encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", str(broken)])
    assert result.exit_code == 1
    assert "错误 E0301: 未知单位“万”" in result.output
    assert result.output.endswith(f"错误：{broken} 有 1 个错误，未格式化\n")
    assert broken.read_text(encoding="utf-8") == MINIMAL.replace("× 50%", "× 50万")

    missing = tmp_path / "missing.policy"
    result = CliRunner().invoke(main, ["fmt", str(missing)])
    assert result.exit_code == 2
    assert result.output.startswith(f"错误：无法读取文件 {missing}：")
    assert "Traceback" not in result.output
