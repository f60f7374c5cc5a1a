"""`yeji-policy diff`: each kind of change, word for word, and its effect on tests and populations."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from yeji_policy.batch import exact_json
from yeji_policy import check, diff, fmt, interpreter
from yeji_policy.cli import main

BASE = (Path(__file__).parent / "fixtures" / "minimal.policy").read_text(encoding="utf-8")


def edit(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


TIERS = edit(BASE, ("最高不超过50万元。", "最高不超过50万元。年销售额达到300万元、500万元的，分别奖励1万元、2万元。"),
  ("  测试 \"设备", """  项目 award "销售奖励" {
    条款 2
    申请主体 "企业"
    资金来源 "区财政"
    兑现条件 "一次性"
    输入 {
      sales: 金额 "年销售额"
    }
    金额 = 分档 sales {
      达到 300万元 → 1万元
      达到 500万元 → 2万元
    }
  }
  测试 "奖励：第一档" {
    项目 award
    输入 { sales: 3000000 }
    预期 符合 金额 10000.00
  }
  测试 "设备"""))
# A kept input whose default, minimum and step change: reported once, as the input's change.
FIELD_OPTIONS = edit(BASE, ('      accepted: 是否 "验收合格"\n', '      accepted: 是否 "验收合格"\n      other: 金额 "已获其他补助" 默认 0元\n'
                            '      days: 数值 天 "验收天数" 最小 0.5天 步长 0.5天\n'),
                     ("× 50% 最高", "× 50% - other 最高"), ("要求 accepted 否则", "要求 accepted 且 days ≤ 30天 否则"),
                     ("accepted: 是 }", "accepted: 是 days: 1 }"))
# An option input whose option is renamed and another added.
OPTIONS = edit(BASE, ('      accepted: 是否 "验收合格"\n', '      accepted: 是否 "验收合格"\n      level: 选项 { city "市级" province "省级" } "级别"\n'),
               ("要求 accepted 否则", "要求 accepted 且 level = city 否则"), ("accepted: 是 }", 'accepted: 是 level: "city" }'))
# A lookup whose options are grouped differently in the new version: shown whole, not as a partial change.
LOOKUP = edit(OPTIONS, ("金额 = investment × 50% 最高不超过 50万元", "金额 = 按 level {\n      city: investment × 50%\n      province: investment × 40%\n    }"))
cases = {
 "rate_cap": (BASE, edit(BASE, ("50%补助，最高不超过50万元。", "40%补助，最高不超过60万元。"), ("50%补助，最高不超过50万元\"", "40%补助，最高不超过60万元\""), ("× 50% 最高不超过 50万元", "× 40% 最高不超过 60万元"))),
 "tiers": (TIERS, edit(TIERS, ("      达到 300万元 → 1万元\n", ""), ("      达到 500万元 → 2万元\n", "      达到 500万元 → 3万元\n      达到 1000万元 → 5万元\n"))),
 "conditions": (BASE, edit(BASE, ('    要求 accepted 否则 不符合 "未验收合格"\n', '    要求 investment ≥ 1万元 否则 不符合 "投入不足1万元"\n    审核 若 investment > 40万元 因 "大额投入"\n'))),
 "condition_changed": (edit(BASE, ('    要求 accepted 否则', '    要求 investment ≥ 1万元 否则 不符合 "投入不足"\n    要求 accepted 否则')), edit(BASE, ('    要求 accepted 否则', '    要求 investment ≥ 2万元 否则 不符合 "投入不足"\n    要求 accepted 否则'))),
 "interp": (edit(BASE, ('资金来源 "区财政"', '资金来源 "区财政" 解释 "按区级政策理解"'), ("最高不超过 50万元\n", '最高不超过 50万元 解释 "上限"\n')),
            edit(BASE, ('资金来源 "区财政"', '资金来源 "区财政" 解释 "由区财政承担"'), ("× 50% 最高", '× 50% 解释 "按投入计" 最高'))),
 "text": (BASE, edit(BASE, ('条 1 "目标"', '条 1 "总体目标"'), ("> 1．目标。推动发展。", "> 1．总体目标。推动电子商务发展。"), ('目标 "推动发展"', '目标 "推动电子商务发展"'))),
 "programmes": (TIERS, edit(BASE, ("  测试 \"设备", """  项目 training "培训补助" {
    条款 2
    申请主体 "培训主体"
    资金来源 "区财政"
    兑现条件 "定额"
    输入 {
      trainees: 整数 人 "培训人数"
    }
    金额 = 100元/人 × trainees
  }
  测试 "设备""")) ),
 "inputs": (edit(BASE, ('      accepted: 是否 "验收合格"\n', '      accepted: 是否 "验收合格"\n      other: 金额 "已获其他补助" 默认 0元\n'), ("× 50% 最高", "× 50% - other 最高")),
            edit(BASE, ('      investment: 金额 "设备投入"\n', '      investment: 金额 "设备设施投入" 说明 "单位：元"\n      invoices: 整数 个 "发票数量" 默认 0个\n'), ("要求 accepted 否则", "要求 accepted 且 invoices ≥ 0个 否则"))),
 "field_options": (FIELD_OPTIONS, edit(FIELD_OPTIONS, ("默认 0元", "默认 100元"), ("最小 0.5天 步长 0.5天", "最小 1天 步长 1天"))),
 "field_type": (FIELD_OPTIONS, edit(FIELD_OPTIONS, ('days: 数值 天 "验收天数" 最小 0.5天 步长 0.5天', 'days: 整数 天 "验收天数"'))),
 "option_labels": (OPTIONS, edit(OPTIONS, ('province "省级"', 'province "省级示范"'), ('} "级别"', ' county "县级" } "级别"'),
                                   ("要求 accepted 且 level = city", "要求 accepted 且 level ≠ county 且 level = city"))),
 "lookup_regrouped": (LOOKUP, edit(LOOKUP, ("      city: investment × 50%\n      province: investment × 40%\n",
                                             "      city, province: investment × 50%\n"))),
 "document": (BASE, edit(BASE, ('版本 "0.1"', '版本 "0.2"\n  依据 "示政〔2016〕7号" "示例意见"'), ('测试 "设备：一般情形" {\n    项目 equipment\n    输入 { investment: 100000 accepted: 是 }\n    预期 符合 金额 50000.00\n  }', '测试 "设备：一般情形" {\n    项目 equipment\n    输入 { investment: 100000 accepted: 是 }\n    预期 符合 金额 50000.00\n  }\n  测试 "设备：封顶" {\n    项目 equipment\n    输入 { investment: 2000000 accepted: 是 }\n    预期 符合 金额 500000.00\n  }'))),
}


EXPECTED = {
    'rate_cap': (
        '第2条 原文有改动：\n'
        '  …补助。对设备投入给予[-50-]{+40+}%补助，最高不超过[-50-]{+60+}万元。\n'
        '第2条 设备补助（equipment）：摘录有改动：…设备投入给予[-50-]{+40+}%补助，最高不超过[-50-]{+60+}万元；补助比例 50% → 40%；上限 50万元 → 60万元\n'
        '测试用例的结果变化（共 1 个用例，1 个结果有变化；旧 → 新）：\n'
        '  equipment“设备：一般情形”：符合条件 50,000.00 元 → 符合条件 40,000.00 元\n'
    ),
    'tiers': (
        '第2条 销售奖励（award）：删除档位“达到 300万元 → 1万元”；档位“达到 500万元”的奖励 2万元 → 3万元；新增档位“达到 1000万元 → 5万元”\n'
        '测试用例的结果变化（共 2 个用例，1 个结果有变化；旧 → 新）：\n'
        '  award“奖励：第一档”：符合条件 10,000.00 元 → 不符合条件\n'
    ),
    'conditions': (
        '第2条 设备补助（equipment）：删除条件：验收合格（不满足时：未验收合格）；新增条件：设备投入 ≥ 1万元（不满足时：投入不足1万元）；新增人工审核：设备投入 > 40万元时（大额投入）\n'
        '测试用例的结果：没有变化（共 1 个用例）\n'
    ),
    'condition_changed': (
        '第2条 设备补助（equipment）：条件 设备投入 ≥ 1万元 → 设备投入 ≥ 2万元\n'
        '测试用例的结果：没有变化（共 1 个用例）\n'
    ),
    'interp': (
        '第2条 设备补助（equipment）：资金来源的解释 “按区级政策理解” → “由区财政承担”；新增解释（金额计算）：“按投入计”；删除解释（上限）：“上限”\n'
        '测试用例的结果：没有变化（共 1 个用例）\n'
    ),
    'text': (
        '第1条：标题 “目标” → “总体目标”；删除目标 “推动发展”；新增目标 “推动电子商务发展”\n'
        '第1条 原文有改动：\n'
        '  1．{+总体+}目标。推动{+电子商务+}发展。\n'
        '测试用例的结果：没有变化（共 1 个用例）\n'
    ),
    'programmes': (
        '第2条 原文有改动：\n'
        '  …，最高不超过50万元。[-年销售额达到300万元、500万元的，分别奖励1万元、2万元。-]\n'
        '第2条 新增项目 培训补助（training）：100元/人 × 培训人数\n'
        '第2条 删除项目 销售奖励（award）\n'
        '测试用例：删除 award“奖励：第一档”\n'
        '测试用例的结果变化（共 2 个用例，1 个结果有变化；旧 → 新）：\n'
        '  award“奖励：第一档”：符合条件 10,000.00 元 → （无此项目）\n'
    ),
    'inputs': (
        '第2条 设备补助（equipment）：删除输入项 other（已获其他补助）；新增输入项 invoices（发票数量）；输入项 investment 的名称 “设备投入” → “设备设施投入”；输入项 investment 的说明 （无） → “单位：元”；条件 验收合格 → 验收合格，且发票数量 ≥ 0个；金额计算 设备投入 × 50% - 已获其他补助 → 设备设施投入 × 50%\n'
        '测试用例的结果：没有变化（共 1 个用例）\n'
    ),
    'field_options': (
        '第2条 设备补助（equipment）：输入项 other 的默认值 0 → 100；输入项 days 的最小值 0.5 → 1；输入项 days 的步长 0.5 → 1\n'
        '测试用例的结果变化（共 1 个用例，1 个结果有变化；旧 → 新）：\n'
        '  equipment“设备：一般情形”：符合条件 50,000.00 元 → 符合条件 49,900.00 元\n'
    ),
    'field_type': (
        '第2条 设备补助（equipment）：输入项 days 的类型 数值（天） → 整数（天）；输入项 days 的最小值 0.5 → （无）；输入项 days 的步长 0.5 → （无）\n'
        '测试用例的结果：没有变化（共 1 个用例）\n'
    ),
    'option_labels': (
        '第2条 设备补助（equipment）：输入项 level 新增选项 county（县级）；输入项 level 的选项 province 的名称 “省级” → “省级示范”；条件 验收合格，且级别为“市级” → 验收合格，且级别不为“县级”，且级别为“市级”\n'
        '测试用例的结果：没有变化（共 1 个用例）\n'
    ),
    'lookup_regrouped': (
        '第2条 设备补助（equipment）：金额计算 按级别区分（市级：设备投入 × 50%；省级：设备投入 × 40%） → 按级别区分（市级、省级：设备投入 × 50%）\n'
        '测试用例的结果：没有变化（共 1 个用例）\n'
    ),
    'document': (
        '文件：版本 “0.1” → “0.2”；新增依据 “示政〔2016〕7号”\n'
        '测试用例：新增 equipment“设备：封顶”\n'
        '测试用例的结果：没有变化（共 2 个用例）\n'
    ),
}


def run_diff(tmp_path, old_text: str, new_text: str, *options: str):
    old, new = tmp_path / "old.policy", tmp_path / "new.policy"
    old.write_text(old_text, encoding="utf-8")
    new.write_text(new_text, encoding="utf-8")
    return CliRunner().invoke(main, ["diff", str(old), str(new), *options])


def test_every_case_has_an_expectation():
    assert set(cases) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_change_word_for_word(tmp_path, name):
    old_text, new_text = cases[name]
    result = run_diff(tmp_path, old_text, new_text)
    assert result.exit_code == 0, result.output
    assert result.output == EXPECTED[name]


def test_identical_policies(tmp_path):
    # Layout, comments and operator spellings are not changes.
    reformatted = "# 另一种排版\n" + fmt.format_source(BASE).replace("×", "*")
    result = run_diff(tmp_path, BASE, reformatted)
    assert (result.exit_code, result.output) == (0, "无变化\n")
    assert run_diff(tmp_path, BASE, BASE, "--exit-code").exit_code == 0


def test_exit_code_option(tmp_path):
    old_text, new_text = cases["rate_cap"]
    assert run_diff(tmp_path, old_text, new_text, "--exit-code").exit_code == 1


def test_text_changes_keep_numbers_whole():
    assert diff.text_changes("最高不超过80万元。", "最高不超过100万元。") == ["最高不超过[-80-]{+100+}万元。"]
    assert diff.text_changes("甲" * 30 + "乙", "甲" * 30 + "丙") == ["…甲甲甲甲甲甲甲甲甲甲[-乙-]{+丙+}"]


# ---------------------------------------------------------------- populations
POPULATION = [
    {"programme": "equipment", "application": {"investment": 100000, "accepted": True}},
    {"programme": "equipment", "application": {"investment": 2000000, "accepted": True}},
    {"programme": "equipment", "application": {"investment": 100, "accepted": False}},
    "不是 JSON",
    {"programme": "equipment", "application": {"investment": 1.234, "accepted": True}},
    {"programme": "nope", "application": {}},
]


def write_population(path: Path, records) -> None:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records),
                    encoding="utf-8")


def test_population_totals_before_and_after(tmp_path):
    population = tmp_path / "population.jsonl"
    write_population(population, POPULATION)
    old_text, new_text = cases["rate_cap"]
    result = run_diff(tmp_path, old_text, new_text, "--population", str(population))
    assert result.exit_code == 0, result.output
    assert result.output.split("\n")[5:] == [
        f"申请样本 {population}：共 6 行，其中 1 行无法读取；结果变化 2 份",
        "按项目（旧 → 新）：",
        "  设备补助（equipment）：结果变化 2 份；金额 550,000.00 元 → 640,000.00 元（增加 90,000.00 元）",
        "按资金来源（旧 → 新）：",
        "  区财政：金额 550,000.00 元 → 640,000.00 元（增加 90,000.00 元）",
        "合计：金额 550,000.00 元 → 640,000.00 元（增加 90,000.00 元）",
        "",
    ]




def test_population_totals_match_the_interpreter(policy_source):
    """Before and after, the totals by programme and by funding source are direct sums of interpreter results."""
    new_text = policy_source.replace("× 15% 最高不超过 30万元", "× 20% 最高不超过 30万元")
    old, _ = check.check_source(policy_source, "old.policy")
    new, _ = check.check_source(new_text, "new.policy")
    records = [{"programme": c.programme, "application": c.application} for c in old.tests if c.expect.status != "invalid"]
    stream = io.BytesIO("".join(exact_json(r) + "\n" for r in records).encode("utf-8"))
    effects = diff.compare_population(old, new, stream)
    assert effects.changed == {"art14_cross_border": 1}
    for policy, tally in ((old, effects.before), (new, effects.after)):
        results = [interpreter.evaluate(policy, r["programme"], r["application"]) for r in records]
        assert tally.total.amount == sum((Decimal(r["amount"]) for r in results), Decimal(0))
        for source, totals in tally.sources.items():
            assert totals.amount == sum((Decimal(r["amount"]) for r in results if r["funding_source"] == source),
                                        Decimal(0))
        for pid, totals in tally.programmes.items():
            assert totals.count == sum(r["programme"] == pid for r in results)


# ---------------------------------------------------------------- errors
def test_unreadable_and_broken_policies(tmp_path):
    runner = CliRunner()
    good = tmp_path / "good.policy"
    good.write_text(BASE, encoding="utf-8")
    missing = tmp_path / "missing.policy"
    result = runner.invoke(main, ["diff", str(missing), str(good)])
    assert result.exit_code == 2
    assert result.output.startswith(f"错误：无法读取文件 {missing}：")
    broken = tmp_path / "broken.policy"
    broken.write_text(BASE.replace("× 50%", "× 50万"), encoding="utf-8")
    result = runner.invoke(main, ["diff", str(good), str(broken)])
    assert result.exit_code == 1
    assert "错误 E0301: 未知单位“万”" in result.output
    assert result.output.endswith(f"错误：{broken} 有 1 个错误，无法继续\n")
    result = runner.invoke(main, ["diff", str(good), str(good), "--population", str(missing)])
    assert result.exit_code == 0  # identical: the population is not read
    old_text, new_text = cases["rate_cap"]
    result = run_diff(tmp_path, old_text, new_text, "--population", str(missing))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_a_basis_title_change_is_reported_with_its_number(tmp_path, policy_source):
    """A survivor of the mutation run: the title of a 依据 changing under the same number went unseen."""
    old = "六政〔2014〕43号\" \"六安市人民政府关于加快电子商务发展的实施意见\""
    new = "六政〔2014〕43号\" \"六安市人民政府关于加快电子商务发展的若干意见\""
    assert policy_source.count(old) == 1
    result = run_diff(tmp_path, policy_source, policy_source.replace(old, new))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "文件：依据 “六政〔2014〕43号” 的标题 “六安市人民政府关于加快电子商务发展的实施意见” → "
        "“六安市人民政府关于加快电子商务发展的若干意见”")


def test_a_case_condition_change_is_reported_case_by_case(tmp_path, policy_source):
    """A survivor of the mutation run: inside 情形, a changed condition must be named, not the whole amount."""
    old = "当 training_days ≥ 1天 且 lodging_provided:"
    assert policy_source.count(old) == 1
    result = run_diff(tmp_path, policy_source, policy_source.replace(old, "当 training_days ≥ 2天 且 lodging_provided:"))
    assert result.exit_code == 0, result.output
    changed = [line for line in result.output.splitlines() if line.startswith("第17条")]
    assert len(changed) == 1 and "情形2的条件" in changed[0] and "金额计算" not in changed[0], changed


def test_a_change_inside_per_item_is_reported_per_item(tmp_path, policy_source):
    """A survivor of the mutation run: inside 逐项, a changed cap must be named for each item, not the whole amount."""
    old = "最高不超过 2万元 解释"
    assert policy_source.count(old) == 1
    result = run_diff(tmp_path, policy_source, policy_source.replace(old, "最高不超过 3万元 解释"))
    assert result.exit_code == 0, result.output
    changed = [line for line in result.output.splitlines() if line.startswith("第13条")]
    assert len(changed) == 1 and "每项：" in changed[0] and "2万元 → 3万元" in changed[0], changed
    assert "金额计算" not in changed[0]


def test_neighbouring_changes_merge_into_the_kind_they_make_together():
    # Sentence-by-sentence diffs of long texts give neighbouring opcodes; merged, two deletions stay a
    # deletion (shown as 删除, not as 改为 an empty text), two insertions an insertion, and a deletion
    # next to an insertion a replacement.
    from yeji_policy.diff import _tidy
    assert _tidy([("delete", 0, 2, 0, 0), ("delete", 2, 4, 0, 0), ("equal", 4, 6, 0, 2)]) == [
        ("delete", 0, 4, 0, 0), ("equal", 4, 6, 0, 2)]
    assert _tidy([("insert", 0, 0, 0, 3), ("insert", 0, 0, 3, 5)]) == [("insert", 0, 0, 0, 5)]
    assert _tidy([("delete", 0, 2, 0, 0), ("insert", 2, 2, 0, 1), ("equal", 2, 3, 1, 2)]) == [
        ("replace", 0, 2, 0, 1), ("equal", 2, 3, 1, 2)]
    assert _tidy([("equal", 0, 0, 0, 0), ("equal", 0, 2, 0, 2), ("equal", 2, 3, 2, 3)]) == [("equal", 0, 3, 0, 3)]
