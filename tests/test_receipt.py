"""Decision receipts (issue #17): RFC 8785 canonical JSON, made by both the CLI
and the generated module, verified offline; tampering is caught and named."""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from yeji_policy import interpreter, receipt, runtime
from yeji_policy.cli import main

from conftest import POLICY_FILE, ROOT

canonical = runtime.canonical_json


# ---------------------------------------------------------------- RFC 8785 test vectors (the parts we use)
def test_jcs_sorts_members_by_utf16_code_units():
    # RFC 8785 §3.2.3: the sorting example (U+1F600 is a surrogate pair, D83D, so it sorts before U+FB33).
    value = {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
             "1": "One", "\U0001F600": "Emoji: Grinning Face", "\u0080": "Control",
             "\u00f6": "Latin Small Letter O With Diaeresis"}
    expected = ('{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",'
                '"\u20ac":"Euro Sign","\U0001F600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}')
    assert canonical(value) == expected.encode("utf-8")


def test_jcs_strings_and_literals():
    # RFC 8785 §3.2.2 (its numbers aside: a receipt holds none but integers).
    value = {"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"/", "literals": [None, True, False]}
    assert canonical(value) == '{"literals":[null,true,false],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'.encode()
    assert canonical({"a": [1, -2, 0, 9007199254740991], "b": {}}) == b'{"a":[1,-2,0,9007199254740991],"b":{}}'


@pytest.mark.parametrize("bad", [1.5, runtime.D("1.5"), 2 ** 53, {1: "x"}])
def test_jcs_refuses_what_a_receipt_must_not_hold(bad):
    with pytest.raises(ValueError):
        canonical({"x": bad})


# ---------------------------------------------------------------- receipts of every embedded case
def _cases(policy):
    return [c for c in policy.tests if c.expect.status != "invalid"]


def test_every_embedded_case_has_a_receipt_that_verifies(policy, generated_module):
    for case in _cases(policy):
        result = interpreter.evaluate(policy, case.programme, case.application)
        made = receipt.make(policy, case.programme, case.application, result)
        by_module = generated_module.receipt(case.programme, case.application)
        assert canonical(made) == generated_module.canonical_json(by_module)  # both engines, same bytes
        body = {k: v for k, v in made.items() if k != "sha256"}
        assert made["sha256"] == hashlib.sha256(canonical(body)).hexdigest()
        assert made["policy"]["sha256"] == policy.content_hash
        assert receipt.differences(json.loads(canonical(made)), policy) == [], case.name


def _art09(policy):
    app = {"equipment_investment": runtime.D("123456.78"), "equipment_audit_passed": True}
    made = receipt.make(policy, "art09_equipment", app, interpreter.evaluate(policy, "art09_equipment", app))
    return json.loads(canonical(made))


def test_a_flipped_amount_digit_is_caught(policy):
    tampered = _art09(policy)
    tampered["result"]["amount"] = "98765.43"
    found = receipt.differences(tampered, policy)
    assert found[0].startswith("回执编号不符：内容的 sha256 为 ")
    assert found[1:] == ["金额不一致：回执为 98,765.43 元，按政策重新计算为 98,765.42 元"]


def test_a_changed_input_is_caught(policy):
    tampered = _art09(policy)
    tampered["application"]["equipment_investment"] = "123456.79"
    found = receipt.differences(tampered, policy)
    assert found[0].startswith("回执编号不符")
    assert found[1] == ("申请与计算记录不符：第2步（art09_equipment.formula.1）计算时“equipment_investment”为 "
                        "\"123456.78\"，回执中的申请为 \"123456.79\"")
    assert "金额不一致：回执为 98,765.42 元，按政策重新计算为 98,765.43 元" in found


def test_a_changed_trace_value_is_caught(policy):
    tampered = _art09(policy)
    tampered["result"]["trace"][1]["explanation"]["exact"] = "98765.425"
    found = receipt.differences(tampered, policy)
    assert found[1:] == ["第2步（art09_equipment.formula.1）的“explanation.exact”不一致：回执为 \"98765.425\"，"
                         "按政策重新计算为 \"98765.424\""]


def test_a_resealed_tampered_receipt_is_still_caught(policy):
    # Whoever recomputes the sha256 after changing the amount passes the hash check, not the recomputation.
    tampered = _art09(policy)
    tampered["result"]["amount"] = "98765.43"
    resealed = runtime.seal_receipt({k: v for k, v in tampered.items() if k != "sha256"})
    assert receipt.differences(resealed, policy) == ["金额不一致：回执为 98,765.43 元，按政策重新计算为 98,765.42 元"]


def test_canonical_bytes_are_the_same_in_a_fresh_interpreter(policy):
    made = canonical(_art09(policy))
    code = ("import json, sys; from decimal import Decimal; from yeji_policy import check, interpreter, receipt;"
            "p = check.load(sys.argv[1])[0];"
            "a = {'equipment_investment': Decimal('123456.78'), 'equipment_audit_passed': True};"
            "sys.stdout.buffer.write(receipt.canonical(receipt.make(p, 'art09_equipment', a,"
            " interpreter.evaluate(p, 'art09_equipment', a))))")
    for seed in ("0", "12345"):
        out = subprocess.run([sys.executable, "-c", code, str(POLICY_FILE)], capture_output=True, check=True,
                             env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}, cwd=ROOT).stdout
        assert out == made


# ---------------------------------------------------------------- the command line
def _cli(args, cwd):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_cli_receipt_verify_and_tampering(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    app = tmp_path / "app.json"
    app.write_text('{"equipment_investment": 123456.78, "equipment_audit_passed": true}', encoding="utf-8")
    made = _cli(["evaluate", "art09_equipment", str(app), "--receipt"], ROOT)
    assert made.exit_code == 0
    document = json.loads(made.stdout_bytes)
    assert made.stdout_bytes == canonical(document) + b"\n"
    path = tmp_path / "receipt.json"
    path.write_bytes(made.stdout_bytes)
    ok = _cli(["verify", str(path)], ROOT)
    assert (ok.exit_code, ok.output) == (0, "一致\n")

    document["result"]["amount"] = "98765.43"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    bad = _cli(["verify", str(path)], ROOT)
    assert bad.exit_code == 1
    assert "不一致：金额不一致：回执为 98,765.43 元，按政策重新计算为 98,765.42 元\n" in bad.output


def test_cli_verify_unknown_policy_and_not_a_receipt(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    document = json.loads(canonical(_art09_cli_free()))
    document["policy"]["sha256"] = "0" * 64
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    unknown = CliRunner().invoke(main, ["verify", str(path)])
    assert unknown.exit_code == 3
    assert unknown.output == (f"错误：找不到回执所用的政策版本（sha256 {'0' * 64}）：policies/ 中没有这一版本，"
                              "请用 --policy 指定该版本的政策文件\n")
    path.write_text('{"format": "something else"}', encoding="utf-8")
    other = CliRunner().invoke(main, ["verify", str(path)])
    assert other.exit_code == 2
    assert other.output == f"错误：{path} 不是有效的决定回执：回执格式应为“yeji-policy-receipt/1”\n"


def _art09_cli_free():
    from yeji_policy import check

    policy = check.load(POLICY_FILE)[0]
    return copy.deepcopy(_art09(policy))


def test_readme_examples_are_what_the_tools_produce(policy, update_expected):
    # After a policy edit the receipt's sha256 changes: `pytest tests/test_receipt.py --update-expected`
    # re-makes both examples in the README (read the diff before committing).
    readme_file = ROOT / "README.md"
    readme = readme_file.read_text(encoding="utf-8")
    start = readme.index("## Traces and decision receipts")
    section = readme[start:]
    blocks = [b.split("```", 1)[0] for b in section.split("```json\n")[1:3]]
    made = _art09(policy)
    record = interpreter.evaluate(policy, "art09_equipment", dict(made["application"], equipment_investment=runtime.D(
        made["application"]["equipment_investment"])))["trace"][1]  # in the order `evaluate --json` prints it
    shown = [json.dumps(record, ensure_ascii=False, indent=2) + "\n", json.dumps(made, ensure_ascii=False, indent=1) + "\n"]
    if update_expected:
        for old, new in zip(blocks, shown):
            section = section.replace("```json\n" + old, "```json\n" + new, 1)
        readme_file.write_text(readme[:start] + section, encoding="utf-8")
        blocks = shown
    assert blocks == shown
    assert json.loads(blocks[0]) == made["result"]["trace"][1]
    assert json.loads(blocks[1]) == made
