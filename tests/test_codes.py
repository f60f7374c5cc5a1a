"""The diagnostic code registry (codes.py) and `yeji-policy explain`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from yeji_policy import assignments, check, codes
from yeji_policy.cli import main

PACKAGE = Path(codes.__file__).resolve().parent  # the whole package, the checker's passes included
CODE_LITERAL = re.compile(r"""["']([EW]\d{4})["']""")


def test_the_example_policy_is_clean():
    policy, diagnostics = check.check_source(codes.EXAMPLE_POLICY, codes.EXAMPLE_FILE)
    assert policy is not None and diagnostics == []


def test_every_code_the_compiler_can_report_is_registered():
    used = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "codes.py":
            continue
        for match in CODE_LITERAL.finditer(path.read_text(encoding="utf-8")):
            used.setdefault(match.group(1), path.name)
    assert used, "no diagnostic codes found in the sources"
    missing = {code: where for code, where in used.items() if code not in codes.REGISTRY}
    assert missing == {}


@pytest.mark.parametrize("entry", [c for c in codes.REGISTRY.values() if c.example], ids=lambda c: c.code)
def test_each_code_has_an_example_that_produces_it(entry):
    before, after = entry.example
    assert codes.EXAMPLE_POLICY.count(before) == 1, "the example must name one place in the example policy"
    _, diagnostics = check.check_source(codes.example_source(entry), codes.EXAMPLE_FILE)
    produced = [d for d in diagnostics if d.code == entry.code]
    assert produced, [(d.code, d.message) for d in diagnostics]
    assert all(d.severity == entry.severity for d in produced)


def test_file_errors_are_produced_by_real_files(tmp_path):
    not_utf8 = tmp_path / "gbk.policy"
    not_utf8.write_bytes("文件 {}".encode("gbk"))
    assert [d.code for d in check.load(not_utf8)[1]] == ["E0001"]
    assert [d.code for d in check.load(tmp_path / "missing.policy")[1]] == ["E0002"]
    _, diagnostics = check.check_source(codes.EXAMPLE_POLICY, "my-policy.policy")
    assert [d.code for d in diagnostics] == ["W0003"]
    # reading a file, and the checks across files (tests/test_versions.py produces those from real files)
    assert {c.code for c in codes.REGISTRY.values() if c.example is None and c.stage != "assignments"} == {
        "E0001", "E0002", "W0003", "E0528", "E0529"}


def test_the_assignment_example_is_clean():
    policy, diagnostics = check.check_source(codes.EXAMPLE_TASK_POLICY, codes.EXAMPLE_FILE)
    assert policy is not None and diagnostics == []
    _, diagnostics = assignments.check(codes.EXAMPLE_ASSIGNMENTS, codes.EXAMPLE_ASSIGNMENTS_FILE, policy)
    assert diagnostics == []


@pytest.mark.parametrize("entry", [c for c in codes.REGISTRY.values() if c.stage == "assignments"], ids=lambda c: c.code)
def test_each_assignment_code_has_an_example_that_produces_it(entry):
    source, diagnostics = codes.assignment_example(entry)
    produced = [d for d in diagnostics if d.code == entry.code]
    assert produced, [(d.code, d.message) for d in diagnostics]
    assert all(d.severity == entry.severity for d in produced)


def test_explain_prints_meaning_fix_and_a_real_diagnostic():
    out = CliRunner().invoke(main, ["explain", "e0407"])
    assert out.exit_code == 0
    assert out.output.startswith(
        "E0407：“按”中选项重复出现（错误，类型与分档检查）\n\n"
        "同一选项在“按”中出现了两次，两个结果中哪一个适用无从判断。\n"
        "修改：每个选项只写一次。\n\n"
        "例子：把\n"
        "    金额 = investment × 50%\n"
        "改为\n"
        "    金额 = 按 kind { ecommerce: investment  ecommerce, other: 0元 } × 50%\n"
        "检查时报告：\n"
        "example.policy:26:42: 错误 E0407: 选项“ecommerce”重复出现\n")


def test_explain_lists_every_code_and_refuses_an_unknown_one():
    runner = CliRunner()
    listing = runner.invoke(main, ["explain"]).output.splitlines()
    assert [line.split()[0] for line in listing] == list(codes.REGISTRY)
    unknown = runner.invoke(main, ["explain", "E9999"])
    assert unknown.exit_code == 2
    assert unknown.output == "错误：没有诊断代码“E9999”；运行 yeji-policy explain 列出全部代码\n"
