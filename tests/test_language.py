"""The language and the shipped policy: verbatim text, the catalogue contract,
robustness of the front end, and the `check` command."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_process import run_cli
from yeji_policy import check, parser
from yeji_policy import model as M
from yeji_policy.cli import main
from yeji_policy.diagnostics import render

ROOT = Path(__file__).resolve().parent.parent
POLICY_FILE = ROOT / "policies" / "yeji_ecommerce.policy"
SOURCE_TEXT = ROOT / "policies" / "source" / "yeji_ecommerce_opinions.txt"

# The public contract (CATALOGUE.md): programme id -> (article, input fields).
CATALOGUE = {
    "art09_venue_fitout": (9, ["venue_fitout_investment", "venue_acceptance_passed"]),
    "art09_equipment": (9, ["equipment_investment", "equipment_audit_passed"]),
    "art10_park_rent": (10, ["enterprise_kind", "in_ecommerce_park", "leased_area_m2", "move_in_date",
                             "claim_from", "claim_to", "rent_paid"]),
    "art10_rural_logistics": (10, ["logistics_operator_kind", "serves_rural_ecommerce", "logistics_investment"]),
    "art11_service_center_operation": (11, ["well_organised", "operates_service_center", "has_rural_platform",
                                            "collects_transaction_data", "online_pavilions", "operation_cost"]),
    "art11_pavilion": (11, ["pavilion_cost"]),
    "art12_supply_chain": (12, ["supply_chain_investment", "supply_chain_subsidy_received"]),
    "art13_rural_stations": (13, ["stations"]),
    "art14_sales_award": (14, ["sales_channel", "months_in_operation", "annual_online_sales",
                               "sales_awards_received"]),
    "art14_poverty_employment": (14, ["poor_employees"]),
    "art14_cross_border": (14, ["builds_cross_border_platform", "cross_border_investment"]),
    "art15_demonstration": (15, ["demonstration_level"]),
    "art17_training": (17, ["trainees", "training_days", "meals_provided", "hands_on_computer", "lodging_provided"]),
}
ENUMS = {
    "enterprise_kind": ["ecommerce", "support_service", "other"],
    "logistics_operator_kind": ["postal", "supply_marketing", "commerce_distribution", "third_party_logistics", "other"],
    "sales_channel": ["B2B", "B2C", "C2C"],
    "demonstration_level": ["city", "province", "national"],
}


def test_grammar_is_strict_lalr(policy_source):
    """The grammar has no LALR conflict and no terminal collision (Lark strict mode);
    the tools' faster parser gives the same tree."""
    strict = parser.build_parser(strict=True)
    assert strict.parse(policy_source) == parser.policy_parser().parse(policy_source)


def test_shipped_policy_is_clean(policy_source):
    policy, diagnostics = check.check_source(policy_source, str(POLICY_FILE))
    assert [render(d, "p", policy_source) for d in diagnostics] == []
    assert policy is not None


def test_every_article_is_verbatim(policy):
    source_lines = SOURCE_TEXT.read_text(encoding="utf-8").split("\n")
    numbered = {int(m.group(1)): line for line in source_lines if (m := re.match(r"^(\d+)．", line))}
    assert sorted(numbered) == list(range(1, 20))
    assert [a.number for a in policy.articles] == list(range(1, 20))
    for article in policy.articles:
        assert article.text == numbered[article.number]


def test_source_copy_matches_the_shared_original():
    shared = SOURCE_TEXT.parents[3] / "shared" / "source" / SOURCE_TEXT.name
    if not shared.is_file():
        # In CI the shared original must be there: a missing copy is a failure, not a pass.
        assert os.environ.get("CI", "").lower() not in ("true", "1"), f"CI: the shared original {shared} is missing"
        pytest.skip(f"the shared original {shared} is not on this machine (outside CI)")
    assert shared.read_bytes() == SOURCE_TEXT.read_bytes()


def test_chapter_numerals_past_ten():
    # The checker names the numeral a chapter should have: 十 is the tenth, then 十一 … 二十, 二十一.
    assert [check._chinese_numeral(n) for n in (1, 9, 10, 11, 19, 20, 21, 30, 99)] == \
        ["一", "九", "十", "十一", "十九", "二十", "二十一", "三十", "九十九"]


def test_document_and_chapters(policy):
    doc = policy.document
    assert doc.issuer == "六安市叶集区人民政府"
    assert doc.title == "关于加快电子商务发展的实施意见"
    assert [b[0] for b in doc.basis] == ["皖政办〔2013〕48号", "六政〔2014〕43号"]
    assert [c.numeral for c in policy.chapters] == list("一二三四五六")
    assert [c.articles for c in policy.chapters] == [(1,), (2, 3, 4), (5, 6), (7, 8), (9, 10, 11, 12, 13, 14, 15),
                                                     (16, 17, 18, 19)]
    assert all(a.measures for a in policy.articles if not a.programmes)


def test_catalogue_contract(policy):
    assert {p.id: (p.article, [f.name for f in p.fields]) for p in policy.programmes} == CATALOGUE
    for p in policy.programmes:
        for f in p.fields:
            if f.name in ENUMS:
                assert [o for o, _ in f.options] == ENUMS[f.name]
    stations = policy.programme("art13_rural_stations").field("stations")
    assert [f.name for f in stations.item_fields] == ["village", "built_year", "meets_standard",
                                                       "acceptance_passed", "investment"]
    assert policy.programme("art14_cross_border").funding_source.value == "市电子商务发展专项资金"
    assert policy.programme("art15_demonstration").funding_source.value == "市财政"


def test_every_programme_has_cases_for_each_status(policy):
    """Every programme has an eligible case; every programme with a condition, a review
    rule, cases or a list has a case that is not eligible."""
    statuses = {}
    for case in policy.tests:
        statuses.setdefault(case.programme, set()).add(case.expect.status)
    for p in policy.programmes:
        assert "eligible" in statuses[p.id], p.id
        branches = any(isinstance(r, (M.Require, M.Review)) for r in p.rules) or \
            isinstance(p.amount, (M.Cases, M.PerItem))
        if branches:
            assert statuses[p.id] & {"ineligible", "review", "invalid"}, p.id


def test_interpretations_are_marked(policy):
    notes = {(i.programme, i.subject) for i in policy.interpretations}
    # The catalogue names these readings as interpretations.
    assert ("art10_park_rent", "上限") in notes
    assert ("art11_pavilion", "金额计算") in notes
    assert ("art13_rural_stations", "上限") in notes
    assert ("art14_sales_award", "金额计算") in notes
    assert ("art14_cross_border", "输入项“建立跨境电子商务公共服务平台及交易平台”") in notes
    for pid in ("art10_rural_logistics", "art11_pavilion", "art13_rural_stations", "art14_sales_award",
                "art14_poverty_employment", "art17_training"):
        assert (pid, "资金来源") in notes, pid


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
