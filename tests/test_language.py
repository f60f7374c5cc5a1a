"""The language: a strict LALR grammar, robustness of the front end, and the `check` command.
(The shipped policy's own contract is in tests/shipped/test_policy.py.)"""

from __future__ import annotations

import random
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_process import run_cli
from yeji_policy import check, parser
from yeji_policy.cli import main
from yeji_policy.diagnostics import render

ROOT = Path(__file__).resolve().parent.parent
POLICY_FILE = ROOT / "policies" / "yeji_ecommerce.policy"


def test_grammar_is_strict_lalr(policy_source):
    """The grammar has no LALR conflict and no terminal collision (Lark strict mode);
    the tools' faster parser gives the same tree."""
    strict = parser.build_parser(strict=True)
    assert strict.parse(policy_source) == parser.policy_parser().parse(policy_source)


def test_chapter_numerals_past_ten():
    # The checker names the numeral a chapter should have: 十 is the tenth, then 十一 … 二十, 二十一.
    assert [check._chinese_numeral(n) for n in (1, 9, 10, 11, 19, 20, 21, 30, 99)] == \
        ["一", "九", "十", "十一", "十九", "二十", "二十一", "三十", "九十九"]


# ---------------------------------------------------------------- robustness
def _never_raises(text: str) -> None:
    policy, diagnostics = check.check_source(text, "fuzz.policy")
    for d in diagnostics:
        render(d, "fuzz.policy", text)
    assert policy is not None or any(d.is_error for d in diagnostics)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text_gives_only_diagnostics(text):
    _never_raises(text)


TOKENS = ["{", "}", "(", ")", "×", "+", "-", "金额", "=", "要求", "否则", "50万元", "80%", "\"", "#", "\n", ">",
          "项目", "条", "章", "最高不超过", "分档", "按", "若", "则", "逐项", "情形", "其他", ":", "0元", "-1",
          "99999999999999999999999999999999999万元", "0.0000001%", "元/人/天", "\\", "\x00", "（"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_policy_gives_only_diagnostics(policy_source, data):
    text = policy_source
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["delete", "insert", "duplicate"]))
        if action == "delete":
            length = data.draw(st.integers(1, 40))
            text = text[:position] + text[position + length:]
        elif action == "insert":
            text = text[:position] + data.draw(st.sampled_from(TOKENS)) + text[position:]
        else:
            length = data.draw(st.integers(1, 200))
            text = text[:position] + text[position:position + length] + text[position:]
    _never_raises(text)


def test_random_token_soup_gives_only_diagnostics():
    rng = random.Random(7)
    for _ in range(200):
        _never_raises(" ".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 40))))


def test_not_utf8_and_binary_files(tmp_path):
    bad = tmp_path / "bad.policy"
    bad.write_bytes("文件 {\n  标题 \"".encode("utf-8") + b"\xff\xfe\x00garbage")
    policy, diagnostics, _ = check.load(bad)
    assert policy is None
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("E0001", 2, 7)]
    assert diagnostics[0].message == "文件不是 UTF-8 编码：第20个字节 0xFF 无法解码"
    garbage = tmp_path / "garbage.policy"
    garbage.write_bytes(bytes(range(256)) * 4)
    policy, diagnostics, _ = check.load(garbage)
    assert policy is None and diagnostics[0].code == "E0001"
    nul = tmp_path / "nul.policy"
    nul.write_bytes(b"\x00\x01\x02")
    policy, diagnostics, text = check.load(nul)
    assert policy is None and diagnostics[0].code == "E0102"
    assert "U+0000" in render(diagnostics[0], "nul.policy", text)


# ---------------------------------------------------------------- the check command
def test_check_command_exit_codes(tmp_path, policy_source):
    runner = CliRunner()
    ok = runner.invoke(main, ["check", str(POLICY_FILE)])
    assert ok.exit_code == 0, ok.output
    assert "通过（19 条，13 个补助项目" in ok.output
    broken = tmp_path / "broken.policy"
    broken.write_text(policy_source.replace("× 80%", "× 80万"), encoding="utf-8")
    bad = runner.invoke(main, ["check", str(broken)])
    assert bad.exit_code == 1
    assert "错误 E0301: 未知单位“万”" in bad.output
    usage = runner.invoke(main, ["check", "--no-such-option"])
    assert usage.exit_code == 2


def test_check_never_prints_a_traceback(tmp_path):
    empty = tmp_path / "empty.policy"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.policy"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    missing = tmp_path / "missing.policy"
    for path in (empty, binary, missing):
        proc = run_cli("check", str(path))
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr
        assert "错误 E0" in proc.stdout
