"""Where commands meet: one JSONL file gets one verdict whichever command reads it, a
failing output is one Chinese line, --json answers in JSON even when the application is
invalid, and build --check says what build would do.  Each test came from a review of the
merged work and failed before its fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli_process import ROOT, SHIPPED
from yeji_policy import build as build_mod
from yeji_policy.cli import main

POLICY = ROOT / "policies" / "yeji_ecommerce.policy"
AS_TEXT = {"programme": "art09_equipment",
           "application": {"equipment_investment": "300000", "equipment_audit_passed": True}}
AS_NUMBER = {"programme": "art09_equipment",
             "application": {"equipment_investment": 300000, "equipment_audit_passed": True}}
MONEY_AS_TEXT = "equipment_investment：“新增软硬件设备设施购置投入”应为数字金额（单位：元），不能是文字"


@pytest.fixture
def population(tmp_path) -> Path:
    path = tmp_path / "population.jsonl"
    path.write_text(json.dumps(AS_TEXT, ensure_ascii=False) + "\n" + json.dumps(AS_NUMBER) + "\n", encoding="utf-8")
    return path


def test_money_as_text_is_invalid_in_every_command_that_reads_jsonl(population, tmp_path):
    runner = CliRunner()
    batch = [json.loads(line) for line in runner.invoke(main, ["evaluate", "--batch", str(population), *SHIPPED]).stdout.splitlines()]
    assert [r["status"] for r in batch] == ["invalid", "eligible"]
    summary = json.loads(runner.invoke(main, ["simulate", str(population), "--json", *SHIPPED]).output)
    assert summary["total"]["statuses"] == {"eligible": 1, "ineligible": 0, "review": 0, "invalid": 1}
    assert summary["total"]["amount"] == "240000.00"  # the valid line only (80% of 300,000)
    assert summary["problems"] == [{"line": 1, "programme": "art09_equipment", "messages": [MONEY_AS_TEXT]}]
    raised = tmp_path / "yeji_ecommerce.policy"
    raised.write_text(POLICY.read_text(encoding="utf-8").replace(
        "金额 = equipment_investment × 80% 最高不超过 80万元", "金额 = equipment_investment × 90% 最高不超过 80万元"),
        encoding="utf-8")
    out = runner.invoke(main, ["diff", str(POLICY), str(raised), "--population", str(population)]).output
    assert "区财政：金额 240,000.00 元 → 270,000.00 元（增加 30,000.00 元）" in out  # one valid line, not two


def test_evaluate_json_answers_in_json_when_the_application_is_invalid(tmp_path):
    app = tmp_path / "app.json"
    app.write_text('{"equipment_investment": "12.50", "equipment_audit_passed": true}', encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", "art09_equipment", str(app), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "programme": "art09_equipment", "status": "invalid", "error_count": 1,
        "errors": [{"path": "equipment_investment", "message": MONEY_AS_TEXT.split("：", 1)[1]}]}


def test_a_large_negative_whole_number_is_negative_not_too_large(tmp_path):
    app = tmp_path / "app.json"
    app.write_text('{"equipment_investment": -10000000000, "equipment_audit_passed": true}', encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", "art09_equipment", str(app)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[1] == (
        "  - equipment_investment：“新增软硬件设备设施购置投入”不能为负数，此处为 -10000000000；"
        "须为不小于0、最多两位小数的金额（元）")


@pytest.mark.parametrize("args", [["evaluate", "--batch", "LINES"], ["explain"], ["check"], ["programmes"]])
def test_a_full_disk_on_stdout_is_one_chinese_line(args, population):
    args = [str(population) if a == "LINES" else a for a in args]
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "yeji_policy.cli", *args], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == "错误：输入输出失败：磁盘空间不足；输出可能不完整"


def test_build_check_says_what_build_would_do_in_a_folder_it_did_not_make(tmp_path):
    foreign = tmp_path / "d"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("hi", encoding="utf-8")
    runner = CliRunner()
    refused = (f"错误：拒绝写入 {foreign}/：它不是空目录，也没有 yeji-policy build 的标记文件 {build_mod.MARKER}，"
               "构建会删除其中的文件；如其中没有要保留的文件，请先手工删除它\n")
    for args in (["build", "--out", str(foreign)], ["build", "--check", "--out", str(foreign)]):
        result = runner.invoke(main, args)
        assert (result.exit_code, result.stderr) == (2, refused)
    assert (foreign / "keep.txt").read_text(encoding="utf-8") == "hi"
    fresh = tmp_path / "fresh"
    listed = runner.invoke(main, ["build", "--check", "--out", str(fresh)]).stdout.splitlines()
    assert f"  新增  {fresh}/forms/yeji_ecommerce/art09_equipment.messages.json" in listed  # not yet there: new, not changed
    built = runner.invoke(main, ["build", "--out", str(fresh)]).stdout.splitlines()[0]
    artifacts = sum(1 for p in fresh.rglob("*") if p.is_file() and p.name != build_mod.MARKER)
    assert built == f"已生成 {artifacts} 个文件到 {fresh}/（{artifacts} 个有变化）："


def test_explain_never_prints_an_invisible_character_itself():
    out = CliRunner().invoke(main, ["explain", "E0105"]).output
    assert "\u202e" not in out and "<U+202E>" in out


@pytest.mark.parametrize("args,message", [
    (["nosuch"], "错误：没有命令“nosuch”；可用的命令："),
    (["dump", "--stage", "foo", "x.policy"], "错误：“--stage”应为 source、parse、ast、model、ir 之一"),
    (["check", "--bad"], "错误：没有选项“--bad”"),
    (["explain", "E0101", "more"], "错误：多余的参数：more"),
    (["dump"], "错误：缺少参数“FILE”"),
])
def test_usage_errors_are_said_in_chinese(args, message):
    result = CliRunner().invoke(main, args, prog_name="yeji-policy")
    assert result.exit_code == 2
    first, hint = result.stderr.splitlines()
    assert first.startswith(message)
    assert hint.startswith("运行“yeji-policy") and hint.endswith("--help”查看用法。")


# ---------------------------------------------------------------- --policy, given several times
COUNTY = ROOT / "tests" / "fixtures" / "versions" / "county_logistics.policy"
YEJI = ROOT / "policies" / "yeji_ecommerce.policy"


def test_serve_serves_every_policy_named_not_the_last_one(monkeypatch):
    # `serve --policy A --policy B` used to serve B alone, saying nothing
    from yeji_policy.web import server

    served = []
    monkeypatch.setattr(server, "run", lambda registry, *rest: served.append(registry))
    result = CliRunner().invoke(main, ["serve", "--policy", str(YEJI), "--policy", str(COUNTY)])
    assert result.exit_code == 0, result.output
    (registry,) = served
    assert [p.id for p in registry.policies] == ["yeji_ecommerce", "county_logistics"]


def test_every_policy_named_is_read_a_file_named_twice_once():
    runner = CliRunner()
    again = YEJI.parent / ".." / YEJI.parent.name / YEJI.name  # the same file by another path
    listed = runner.invoke(main, ["programmes", "--json", "--policy", str(YEJI), "--policy", str(COUNTY),
                                  "--policy", str(again)])
    assert listed.exit_code == 0, listed.output
    assert {entry["policy"] for entry in json.loads(listed.stdout)} == {"yeji_ecommerce", "county_logistics"}
    one = runner.invoke(main, ["programmes", "--json", "--policy", str(COUNTY)])
    assert [entry["id"] for entry in json.loads(one.stdout)] == ["county_delivery_points"]
