"""`yeji-policy test --coverage`: which branches the embedded tests exercise.

The observer must record exactly the outcome the interpreter took and never
change a result; the report names every uncovered outcome with its place and
words; --fail-under fails a run below the threshold.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

import strategies
from yeji_policy import coverage, interpreter
from yeji_policy import model as M
from yeji_policy.cli import main

ROOT = Path(__file__).resolve().parent.parent
POLICY_FILE = ROOT / "policies" / "yeji_ecommerce.policy"
PER_ITEM = ROOT / "tests" / "cases" / "lists" / "good" / "per_item.policy"
MIN_AND_MAX = ROOT / "tests" / "cases" / "minmax" / "good" / "min_and_max.policy"


def run(*args: str):
    return CliRunner().invoke(main, ["test", *args])


def covered_by(policy: M.Policy, names: list[str]) -> set[tuple[str, str, str, str]]:
    """(programme, kind, text, outcome) of everything the named embedded tests exercise."""
    recorder = coverage.Recorder()
    for case in policy.tests:
        if case.name in names:
            interpreter.evaluate(policy, case.programme, case.application, recorder.make_run)
    return {(p.id, i.kind, i.text, i.outcome) for p in policy.programmes for i in coverage.items(p)
            if i.key in recorder.hits}


def test_a_case_covers_the_branches_it_takes(policy):
    # 2 days without lodging: neither 当 applies, so 其他 (review) is taken; the 若 inside
    # the first case's amount are never evaluated.
    taken = covered_by(policy, ["培训：两天未安排食宿需审核"])
    assert {t for t in taken if t[1] in ("情形", "若")} == {
        ("art17_training", "情形", "培训天数 = 0.5天", "不采用"),
        ("art17_training", "情形", "培训天数 ≥ 1天，且安排食宿", "不采用"),
        ("art17_training", "情形", "其他情形（不属于以上任何情形）", "采用"),
    }
    half_day = covered_by(policy, ["培训：公开示例，半天含就餐"])
    assert {t for t in half_day if t[1] in ("情形", "若")} == {
        ("art17_training", "情形", "培训天数 = 0.5天", "采用"),
        ("art17_training", "若", "安排就餐", "成立"),
        ("art17_training", "若", "安排上机操作", "不成立"),
    }
    assert ("art17_training", "要求", "培训人数 > 0人", "满足") in half_day


def test_tier_rows_and_lookup_branches(policy):
    taken = covered_by(policy, ["销售奖励：B2B第三档", "销售奖励：B2C差一分未达到300万元"])
    assert {t for t in taken if t[1] in ("分档", "按")} == {
        ("art14_sales_award", "按", "按电子商务形式确定", "企业间电子商务、企业对消费者电子商务"),
        ("art14_sales_award", "分档", "按年网上营业额分档", "达到1000万元（5万元）"),
        ("art14_sales_award", "分档", "按年网上营业额分档", "低于最低档（300万元）"),
    }


def test_a_failed_requirement_is_covered_as_not_met(policy):
    taken = covered_by(policy, ["销售奖励：运行未满1年"])
    assert ("art14_sales_award", "要求", "实际运行月数 ≥ 1年", "不满足") in taken
    assert not any(t[1] == "分档" for t in taken)  # no amount is computed for an ineligible application


@pytest.mark.parametrize("pid", strategies.PROGRAMME_IDS)
def test_observing_changes_no_result_and_records_only_known_items(policy, pid):
    programme = policy.programme(pid)
    keys = {i.key for i in coverage.items(programme)}

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategies.for_programme(programme))
    def check(application):
        try:
            plain = interpreter.evaluate(policy, pid, application)
        except interpreter.R.InvalidApplication:
            return
        recorder = coverage.Recorder()
        assert interpreter.evaluate(policy, pid, application, recorder.make_run) == plain
        assert recorder.hits <= keys
        values = interpreter._validated(programme, application)
        oracle = interpreter._Run(programme, values)  # an unobserved run, deciding each top-level condition
        for rule in programme.rules:
            if isinstance(rule, M.Let):
                oracle.visit(rule, "", [], [])
            elif isinstance(rule, (M.Require, M.Review)):
                holds, _ = oracle.visit(rule.cond)
                assert (id(rule), bool(holds)) in recorder.hits
                assert (id(rule), not holds) not in recorder.hits

    check()


def test_the_shipped_policy_is_fully_covered():
    out = run("--coverage", "--fail-under", "100", str(POLICY_FILE))
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[-1] == "  合计：100.0%（82/82）"


def test_deleting_a_tier_rows_test_case_names_that_row(tmp_path):
    source = POLICY_FILE.read_text(encoding="utf-8")
    case = ('  测试 "销售奖励：B2B第三档" {\n    项目 art14_sales_award\n'
            '    输入 { sales_channel: "B2B" months_in_operation: 13 annual_online_sales: 49999999.99 }\n'
            '    预期 符合 金额 50000.00\n  }\n')
    assert source.count(case) == 1  # the only case that reaches the B2B/B2C 1000万元 row
    copy = tmp_path / "yeji_ecommerce.policy"
    copy.write_text(source.replace(case, ""), encoding="utf-8")
    shutil.copytree(POLICY_FILE.parent / "source", tmp_path / "source", dirs_exist_ok=True)
    lines = source.splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "B2B, B2C: 分档" in text)
    column = lines[line - 1].index("分档") + 1

    out = run("--coverage", str(copy))
    assert out.exit_code == 0, out.output  # the remaining tests pass; coverage alone does not fail a run
    report = out.output.splitlines()
    at = report.index("  第14条 网商年销售额首次突破奖励（art14_sales_award）：92.8%（13/14）")
    assert report[at + 1] == f"    {copy}:{line}:{column}  分档“按年网上营业额分档”：未覆盖“达到1000万元（5万元）”"
    assert report[at + 2].startswith("  第14条 聘用贫困人口稳定就业补助")
    assert report[-1] == "  合计：98.7%（81/82）"

    failing = run("--coverage", "--fail-under", "100", str(copy))
    assert failing.exit_code == 1
    assert "总覆盖率 98.7% 低于 --fail-under 100%" in failing.output
    assert run("--fail-under", "98.7", str(copy)).exit_code == 0  # 81/82 = 98.78…% reaches 98.7


def test_text_report_word_for_word():
    out = run("--coverage", str(PER_ITEM))
    assert out.exit_code == 0
    assert out.output.splitlines() == [
        "通过  [解释器] stations：网点：两个村各一个（第33行）",
        "通过  [生成模块] stations：网点：两个村各一个（第33行）",
        "2 passed, 0 failed",
        f"覆盖率：{PER_ITEM}（内嵌测试用例在解释器上走过的分支）",
        "  第1条 网点补助（stations）：66.6%（4/6）",
        f"    {PER_ITEM}:28:7  要求“已开业”：未覆盖“不满足”",
        f"    {PER_ITEM}:29:7  唯一“所在行政村”：未覆盖“与前项重复（转人工审核）”",
        "  合计：66.6%（4/6）",
    ]


def test_text_report_with_a_programme_without_tests():
    out = run("--coverage", str(MIN_AND_MAX))
    report = out.output.splitlines()
    start = report.index(f"覆盖率：{MIN_AND_MAX}（内嵌测试用例在解释器上走过的分支）")
    assert report[start:] == [
        f"覆盖率：{MIN_AND_MAX}（内嵌测试用例在解释器上走过的分支）",
        "  第1条 设备补助（equipment）：没有需要覆盖的分支",
        "  第2条 培训补助（training）：0.0%（0/4）",
        f"    {MIN_AND_MAX}:38:5  要求“培训人数 > 0人”：未覆盖“满足”",
        f"    {MIN_AND_MAX}:38:5  要求“培训人数 > 0人”：未覆盖“不满足”",
        f"    {MIN_AND_MAX}:39:10  上限“最高不超过培训实际支出、1万元中的较大者”：未覆盖“达到上限”",
        f"    {MIN_AND_MAX}:39:10  上限“最高不超过培训实际支出、1万元中的较大者”：未覆盖“未达到上限”",
        "  合计：0.0%（0/4）",
    ]


def test_json_report():
    out = run("--coverage", "--json", str(PER_ITEM))
    assert out.exit_code == 0
    assert json.loads(out.output) == {
        "passed": 2, "failed": 0, "covered": 4, "total": 6, "percent": "66.6",
        "files": [{
            "file": str(PER_ITEM), "covered": 4, "total": 6, "percent": "66.6",
            "programmes": [{
                "programme": "stations", "name": "网点补助", "article": 1,
                "covered": 4, "total": 6, "percent": "66.6",
                "uncovered": [
                    {"line": 28, "column": 7, "kind": "要求", "text": "已开业", "outcome": "不满足"},
                    {"line": 29, "column": 7, "kind": "唯一", "text": "所在行政村", "outcome": "与前项重复（转人工审核）"},
                ],
            }],
        }],
    }


@pytest.mark.parametrize("value", ["abc", "101", "-1", "NaN", "Infinity"])
def test_fail_under_must_be_a_percentage(value):
    out = run("--fail-under", value, str(PER_ITEM))
    assert out.exit_code == 2
    assert out.output == f"错误：--fail-under 须为 0 到 100 之间的数，实际为“{value}”\n"


def test_json_without_coverage_is_a_usage_error():
    out = run("--json", str(PER_ITEM))
    assert out.exit_code == 2
    assert out.output == "错误：--json 只与 --coverage 一起使用\n"


def test_percent_is_rounded_down():
    assert coverage.percent(2, 3) == "66.6"
    assert coverage.percent(9999, 10000) == "99.9"
    assert coverage.percent(0, 0) == "100.0"


def test_a_deeply_nested_condition_is_reported_not_a_traceback(tmp_path):
    import hostile_policies

    deep = tmp_path / "deep.policy"
    deep.write_text(hostile_policies.deep_not(3000), encoding="utf-8")
    out = run("--coverage", str(deep))
    assert out.exit_code == 0, out.output
    missing = [line for line in out.output.splitlines() if "要求“并非" in line]
    assert len(missing) == 1 and missing[0].endswith("为否" + "”" * 3000 + "：未覆盖“不满足”")
