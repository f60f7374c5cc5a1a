"""Issue #22, sums: caps on a list's sum (逐项 … 合计最高不超过), a list's sum as a named step
(令 x = 逐项 …, usable in functions: 最小(x, 20万元)), inputs in compound units
(数值 元/平方米/月), and the pattern policies of tests/cases/patterns/ run on DuckDB too.

The corpus (tests/test_corpus.py) runs every pattern on the interpreter and the generated
module; here the same embedded cases go through the SQL engine, and a hypothesis property
compares the three engines on a policy with a total cap."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from yeji_policy import check, units
from yeji_policy.diagnostics import render

import strategies
from test_ranges import assert_sound, reasons_alike  # imported here: a @given module imported inside a @given test trips hypothesis's nested_given check

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = sorted((ROOT / "tests" / "cases" / "patterns").glob("*/*.policy")) + \
    sorted((ROOT / "tests" / "cases" / "sums").glob("good/*.policy"))


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
    assert "t.policy:28:25: 错误 E0302: “最小”的参数类型或单位不一致：数值（元/个月） 与 数值（元）\n" in diagnostics


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
    counts, results, records = run_both(policy, generated_engine(policy), compiled, _connection(), lines)
    # every case decided in SQL, none left to Python — but an invalid application, which Python words
    decided = [case for case in policy.tests if case.expect.status != "invalid"]
    assert counts["sql"] == len(decided)
    assert_same_results(compiled, results, records)
    by_line = {r["line"]: r for r in results}
    for number, case in enumerate(policy.tests, 1):
        if case.expect.status == "invalid":
            assert number not in by_line or by_line[number]["status"] == "invalid"
            continue
        assert by_line[number]["status"] == {"eligible": "eligible", "ineligible": "ineligible",
                                             "review": "review"}[case.expect.status]
        if case.expect.amount is not None:
            assert by_line[number]["amount"] == f"{case.expect.amount:.2f}"


# ---------------------------------------------------------------- caps on sums: three engines
TOTAL_CAPS = [ROOT / "tests/cases/patterns/good/store_caps_and_total.policy",
              ROOT / "tests/cases/sums/good/total_cap_with_review.policy",
              ROOT / "tests/cases/sums/good/let_sum_with_min.policy"]  # 令 x = 逐项 …, then 最小(x, 20万元)


@pytest.fixture(scope="module")
def total_cap_policies():
    from yeji_policy import lower, sqlrun
    from yeji_policy.pipeline import engine as generated_engine

    loaded = []
    for path in TOTAL_CAPS:
        policy, diagnostics = checked(path.read_text(encoding="utf-8"), path.name)
        assert policy is not None, diagnostics
        loaded.append((policy, generated_engine(policy), sqlrun.Compiled(policy, lower.lower(policy))))
    return loaded


def outcome(engine, pid, application):
    try:
        return engine(pid, application)
    except Exception as exc:  # each engine has its own InvalidApplication
        if getattr(exc, "errors", None) is None:
            raise
        return {"status": "invalid", "errors": list(exc.errors)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_the_interpreter_and_the_generated_module_agree_on_total_caps(total_cap_policies, data):
    """Whole results — status, amounts to the 分, steps, trace records, interpretations — are equal."""
    from yeji_policy import interpreter, runtime

    policy, programme, application, expected = _drawn(total_cap_policies, data)
    if "trace" in expected:
        assert expected["steps"] == [runtime.render_step(r) for r in expected["trace"]]
    assert outcome(lambda pid, app: interpreter.evaluate(policy, pid, app), programme.id, application) == expected
    if expected["status"] != "invalid":
        # the sum's cap holds: what is paid (and what may be paid once approved) is at most the limit
        limit = _limit(programme, application)
        assert Decimal(expected["amount"]) <= limit
        if expected.get("amount_if_approved") is not None:
            assert Decimal(expected["amount"]) <= Decimal(expected["amount_if_approved"]) <= limit


def _drawn(total_cap_policies, data):
    """(policy, programme, application, the generated module's result) for a drawn application."""
    policy, module, _ = data.draw(st.sampled_from(total_cap_policies))
    programme = policy.programmes[0]
    application = data.draw(strategies.for_programme(programme))
    return policy, programme, application, outcome(module.evaluate, programme.id, application)


def _limit(programme, application) -> Decimal:
    if programme.id == "store_fitout":
        return Decimal(200000)
    return max(Decimal(30000) - Decimal(str(application["received"])), Decimal(0))


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_duckdb_equals_the_generated_module_on_total_caps(total_cap_policies, data):
    """Differential: populations of applications around both caps, decided by DuckDB and by the module."""
    pytest.importorskip("duckdb")
    from yeji_policy import batch, sqlrun
    from test_sql import assert_same_results, run_both

    policy, module, compiled = data.draw(st.sampled_from(total_cap_policies))
    programme = policy.programmes[0]
    applications = data.draw(st.lists(strategies.for_programme(programme), min_size=1, max_size=30))
    lines = [batch.exact_json({"programme": programme.id, "application": a}) for a in applications]
    counts, results, records = run_both(policy, module, compiled, _connection(), lines, chunk=16)
    assert counts["lines"] == len(lines)
    assert_same_results(compiled, results, records)


_CONNECTION = []


def _connection():
    from yeji_policy import sqlrun

    if not _CONNECTION:
        _CONNECTION.append(sqlrun.connect(memory_limit="256MB"))
    return _CONNECTION[0]


def test_each_cap_has_its_own_step_interpretation_and_trace_record(total_cap_policies):
    """Two caps on one programme: the item's cap and the sum's, each cited by its own id, and the
    sum's step says which bound; the steps are the rendering of the records."""
    from yeji_policy import runtime

    policy, module, _ = total_cap_policies[0]
    stores = [{"opened": True, "fitout": 200000}] * 5
    result = module.evaluate("store_fitout", {"stores": stores})
    assert (result["status"], result["amount"]) == ("eligible", "200000.00")
    assert result["steps"] == [runtime.render_step(r) for r in result["trace"]]
    assert result["steps"][0] == "体验店第1项：满足条件：已开业（是）【第1条】"
    assert result["steps"][1] == "体验店第1项：装修投入 200,000.00 元 × 30% = 60,000.00 元，超过上限 50,000.00 元，按上限计，取 50,000.00 元【第1条】"
    assert result["steps"][-1] == "各项合计 250,000.00 元，超过合计上限 200,000.00 元，按合计上限计，取 200,000.00 元【第1条】"
    last = result["trace"][-1]
    assert (last["id"], last["kind"], last["value"], last["interpretations"]) == (
        "store_fitout.total_cap.1", "total_cap", "200000.00", ["store_fitout.total_cap"])
    assert result["trace"][1]["interpretations"] == ["store_fitout.cap"]
    assert [i["id"] for i in result["interpretations"]] == ["store_fitout.cap", "store_fitout.total_cap"]


def test_a_review_item_gets_only_what_is_left_of_the_sum_cap():
    from yeji_policy import runtime

    assert runtime.step_total_cap(Decimal(20000), "5,000.00 元", True, Decimal(0), Decimal(5000), 1) == \
        "各项合计 20,000.00 元，超过合计上限 5,000.00 元，按合计上限计，取 5,000.00 元【第1条】"
    assert runtime.step_total_cap(Decimal(12000), "15,000.00 元", False, Decimal(2000), Decimal(10000), 1) == \
        "各项合计 12,000.00 元，未超过合计上限 15,000.00 元，取 10,000.00 元；需人工审核的各项批准后至多再计 2,000.00 元【第1条】"


SUM_CAP = "} 合计最高不超过 20万元 解释 \"“企业合计最高20万元”是各门店补助之和的上限\""


@pytest.mark.parametrize("new, expected", [
    ("} 合计最高不超过 25万元 解释 \"“企业合计最高20万元”是各门店补助之和的上限\"", "第1条 体验店装修补助（store_fitout）：合计上限 20万元 → 25万元\n"),
    ("}", "第1条 体验店装修补助（store_fitout）：取消合计上限 20万元\n"),
    ("} 合计最高不超过 20万元",
     "第1条 体验店装修补助（store_fitout）：删除解释（合计上限）：““企业合计最高20万元”是各门店补助之和的上限”\n"),
])
def test_diff_says_what_changed_in_the_sum_cap(tmp_path, new, expected):
    from click.testing import CliRunner
    from yeji_policy.cli import main

    old_text = TOTAL_CAPS[0].read_text(encoding="utf-8")
    assert old_text.count(SUM_CAP) == 1
    old, changed = tmp_path / "old.policy", tmp_path / "new.policy"
    old.write_text(old_text, encoding="utf-8")
    changed.write_text(old_text.replace(SUM_CAP, new), encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(old), str(changed)])
    assert result.exit_code == 0, result.output
    assert expected in result.output, result.output


def test_fmt_keeps_the_sum_cap_after_the_block_and_is_idempotent():
    from yeji_policy import fmt

    text = TOTAL_CAPS[1].read_text(encoding="utf-8")
    once = fmt.format_source(text)
    assert fmt.format_source(once) == once
    assert "    } 合计最高不超过 最大(3万元 - received, 0元) 解释 \"“累计补助”含本次申请之前已获得的网点补助\"\n" in once
    assert checked(once)[0] is not None


# ---------------------------------------------------------------- the calculator's ranges
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_completion_lies_inside_the_range_with_a_sum_cap(total_cap_policies, data):
    """tests/test_ranges.py's soundness property, on the policies with 合计最高不超过 (and a 令 list sum),
    and the generated module's ranges() the reference's (the sum cap's clamp in both engines)."""

    policy, programme, application, actual = _drawn(total_cap_policies, data)
    if actual["status"] == "invalid":
        return
    module = next(m for p, m, _ in total_cap_policies if p is policy)
    answered = data.draw(st.sets(st.sampled_from(sorted(application))))
    seen = reasons_alike(module, programme, {k: v for k, v in application.items() if k in answered})
    assert_sound(seen, actual, answered)


def test_the_sum_cap_bounds_the_calculator_before_the_list_is_known(total_cap_policies):
    from yeji_policy import ranges

    policy = total_cap_policies[0][0]
    assert ranges.outlook(policy.programmes[0], {}).high == Decimal(200000)
    policy = total_cap_policies[1][0]
    assert ranges.outlook(policy.programmes[0], {"received": Decimal(25000)}).high == Decimal(5000)


def test_the_editor_offers_the_new_keyword():
    from yeji_policy import lsp

    assert "合计最高不超过" in lsp.keywords()


def test_the_sheet_shows_both_caps_in_words(total_cap_policies):
    from yeji_policy.backends import sheets

    text = sheets.render_markdown(sheets.build_sheet(total_cap_policies[0][0]))
    assert "| 每项体验店：5万元（50,000.00 元）【解释】；各项体验店合计：20万元（200,000.00 元）【解释】 |" in text
    assert "- 每项体验店的补助金额 = 装修投入 × 30%，最高不超过5万元（50,000.00 元）\n" in text
    assert ("- 补助金额 = 计入的各项体验店金额合计（需人工审核的各项，经批准后计入），"
            "各项合计最高不超过20万元（200,000.00 元）\n") in text
    assert "〔编号：store\\_fitout.total\\_cap〕（事项：合计上限；" in text
    assert "| 第1条 | 体验店装修补助（store\\_fitout） | 县财政 | 补助金额 | 200,000.00 元 |" in text


# ---------------------------------------------------------------- a list's sum as a named step
def test_a_list_sum_is_a_named_step_that_functions_use(total_cap_policies):
    from yeji_policy import runtime

    module = total_cap_policies[2][1]
    result = module.evaluate("store_fitout", {"stores": [{"opened": True, "fitout": 200000}] * 4
                                              + [{"opened": False, "fitout": 900000}]})
    assert (result["status"], result["amount"]) == ("eligible", "200000.00")
    assert result["steps"][-3:] == [
        "计入补助的各项合计 200,000.00 元，取 200,000.00 元【第1条】",
        "各门店补助合计：体验店各项金额合计 = 200,000.00 元【第1条】",
        "最小（各门店补助合计 200,000.00 元，20万元） = 200,000.00 元，取 200,000.00 元【第1条】"]
    assert result["steps"][8] == "体验店第5项：不满足条件：已开业（否）【第1条】"
    assert result["steps"] == [runtime.render_step(r) for r in result["trace"]]
    assert [r["id"] for r in result["trace"]][-3:] == [
        "store_fitout.sum.1", "store_fitout.value.1", "store_fitout.formula.2"]


def test_a_list_sum_step_reads_in_the_sheet_and_in_diff(tmp_path, total_cap_policies):
    from click.testing import CliRunner
    from yeji_policy.backends import sheets
    from yeji_policy.cli import main

    text = sheets.render_markdown(sheets.build_sheet(total_cap_policies[2][0]))
    assert ("- 计算：各门店补助合计 = 体验店满足条件（已开业）的各项按 装修投入 × 30%，最高不超过5万元 "
            "计算的金额之和\n- 补助金额 = 各门店补助合计、20万元中的较小者\n") in text
    old_text = TOTAL_CAPS[2].read_text(encoding="utf-8")
    old, changed = tmp_path / "old.policy", tmp_path / "new.policy"
    old.write_text(old_text, encoding="utf-8")
    changed.write_text(old_text.replace("最高不超过 5万元", "最高不超过 6万元"), encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(old), str(changed)])
    assert ("第1条 体验店装修补助（store_fitout）：中间量“各门店补助合计” 体验店满足条件（已开业）的各项按 装修投入 × 30%，"
            "最高不超过5万元 计算的金额之和 → 体验店满足条件（已开业）的各项按 装修投入 × 30%，最高不超过6万元 计算的金额之和\n"
            ) in result.output, result.output


def test_the_editor_hovers_inside_a_list_sum_step():
    """The item's fields and the step's name are known inside 令 x = 逐项 … (lsp.Index walks it)."""
    from yeji_policy import lsp

    source = TOTAL_CAPS[2].read_text(encoding="utf-8")
    analysis = lsp.Analysis(source, "let.policy")
    lines = source.splitlines()
    item = next(n for n, line in enumerate(lines, 1) if "s.fitout × 30%" in line)
    text, _ = lsp.hover(analysis, item, lines[item - 1].index("fitout") + 1)
    assert text == "**fitout**：装修投入\n\n类型：金额，单位：元\n\n列表 `stores` 中每一项的字段"
    use = next(n for n, line in enumerate(lines, 1) if "最小(stores_total" in line)
    text, _ = lsp.hover(analysis, use, lines[use - 1].index("stores_total") + 1)
    assert text.startswith("**stores_total**：各门店补助合计\n\n")


def test_a_sum_bounded_by_min_shows_its_bound_in_the_sheet_and_the_calculator(total_cap_policies):
    """金额 = 最小(x, 20万元) pays at most 20万元, as 合计最高不超过 20万元 does (catalogue.amount_bound)."""
    from yeji_policy import catalogue, interpreter
    from yeji_policy.backends import sheets

    policy = total_cap_policies[2][0]
    assert catalogue.amount_bound(policy.programmes[0].amount) == (Decimal(200000), "20万元")
    text = sheets.render_markdown(sheets.build_sheet(policy))
    assert "| 未单列上限；按标准最多20万元（200,000.00 元） |" in text
    assert interpreter.match(policy, {})[0]["max_amount"] == "200000.00"
    rent = checked((ROOT / "tests/cases/patterns/good/rent_lower_of_two.policy").read_text(encoding="utf-8"))[0]
    assert catalogue.amount_bound(rent.programmes[0].amount) is None  # 最小 of two unbounded amounts


def test_the_calculator_reasons_over_an_items_named_step_before_the_list_is_known():
    """A 令 inside 逐项 (used by the item's amount) once raised KeyError in ranges.outlook for an unanswered
    list, and in the generated module's lowering (the item's 令 was not lowered for ranges())."""
    from yeji_policy import pipeline

    source = TOTAL_CAPS[0].read_text(encoding="utf-8").replace(
        "      金额 = s.fitout × 30% 最高不超过", "      令 part \"补助部分\" = s.fitout × 30%\n      金额 = part 最高不超过")
    policy, diagnostics = checked(source)
    assert policy is not None, diagnostics
    module = pipeline.engine(policy)
    seen = reasons_alike(module, policy.programmes[0], {})
    assert (seen.low, seen.high) == (Decimal(0), Decimal(200000))
    assert module.ranges("store_fitout", {})["most"] == "200000.00"
