"""Issue #22, sums: caps on a list's sum (逐项 … 合计最高不超过), inputs in compound units
(数值 元/平方米/月), and the pattern policies of tests/cases/patterns/ run on DuckDB too.

The corpus (tests/test_corpus.py) runs every pattern on the interpreter and the generated
module; here the same embedded cases go through the SQL engine, and a hypothesis property
compares the three engines on a policy with a total cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from yeji_policy import check, units
from yeji_policy.diagnostics import render

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = sorted((ROOT / "tests" / "cases" / "patterns").glob("*/*.policy"))


def checked(source: str, name: str = "t.policy"):
    policy, diagnostics = check.check_source(source, name)
    return policy, "".join(render(d, name, source) + "\n" for d in diagnostics)


# ---------------------------------------------------------------- compound input units
@pytest.mark.parametrize("written, dim, base", [
    ("元/平方米/月", (("area", -1), ("money", 1), ("month", -1)), "元/平方米/月"),
    ("元/人/天", (("day", -1), ("money", 1), ("person", -1)), "元/人/天"),
    ("万元/平方米/年", (("area", -1), ("money", 1), ("month", -1)), "元/平方米/个月"),
    ("平方米", (("area", 1),), "平方米"),
    ("年", (("month", 1),), "个月"),
])
def test_an_input_unit_has_its_dimension_and_base_form(written, dim, base):
    assert units.input_unit(written) == (dim, base)


def test_a_compound_input_is_a_rate_in_the_unit_checker():
    """元/平方米/月 × 平方米 × 个月 is 元; without the months it is 元/个月, and 最小 of it and an
    amount is refused (E0302 names both units)."""
    head = open(ROOT / "tests/cases/patterns/good/rent_lower_of_two.policy", encoding="utf-8").read()
    policy, diagnostics = checked(head)
    assert policy is not None and diagnostics == ""
    field = policy.programme("park_rent").field("guide_price")
    assert (field.unit, field.dim) == ("元/平方米/月", (("area", -1), ("money", 1), ("month", -1)))
    broken = head.replace("guide_price × leased_area × months", "guide_price × leased_area")
    policy, diagnostics = checked(broken)
    assert policy is None
    assert "t.policy:26:25: 错误 E0302: “最小”的参数类型或单位不一致：数值（元/个月） 与 数值（元）\n" in diagnostics


# ---------------------------------------------------------------- the patterns on DuckDB
@pytest.mark.parametrize("path", PATTERNS, ids=lambda p: p.stem)
def test_pattern_embedded_cases_are_decided_in_sql(path):
    pytest.importorskip("duckdb")
    from yeji_policy import batch, lower, sqlrun
    from yeji_policy.pipeline import engine as generated_engine
    from test_sql import assert_same_results, run_both

    policy, diagnostics = checked(path.read_text(encoding="utf-8"), path.name)
    assert policy is not None and diagnostics == "", diagnostics
    lines = [batch.exact_json({"programme": t.programme, "application": t.application}) for t in policy.tests]
    compiled = sqlrun.Compiled(policy, lower.lower(policy))
    counts, results, records = run_both(policy, generated_engine(policy), compiled,
                                        sqlrun.connect(memory_limit="256MB"), lines)
    assert counts["sql"] == len(lines)  # every case decided in SQL, none left to Python
    assert_same_results(compiled, results, records)
    by_line = {r["line"]: r for r in results}
    for number, case in enumerate(policy.tests, 1):
        assert by_line[number]["status"] == {"eligible": "eligible", "ineligible": "ineligible",
                                             "review": "review"}[case.expect.status]
        if case.expect.amount is not None:
            assert by_line[number]["amount"] == f"{case.expect.amount:.2f}"
