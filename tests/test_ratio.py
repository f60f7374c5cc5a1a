"""Division, ratios and progressive bands (#22 ratio): the three engines against each other and
against an independent exact oracle, on random applications.

The policies are the corpus's pattern policies (tests/cases/patterns/good), so what is tested here
is what a drafter writes.  The reference interpreter and the generated module must give the same
result, steps and trace; DuckDB the same status and amounts; and all of them the amount an
oracle computes here from the clause itself with integer 分 and `fractions.Fraction`.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from yeji_policy import check, fmt, interpreter, pipeline, visitor
from test_ranges import assert_sound, reasons_alike  # imported here: a @given module imported inside a @given test trips hypothesis's nested_given check

PATTERNS = Path(__file__).resolve().parent / "cases" / "patterns" / "good"
RATIO = Path(__file__).resolve().parent / "cases" / "ratio" / "good"


def load(path: Path):
    policy, diagnostics = check.check_source(path.read_text(encoding="utf-8"), path.name)
    assert policy is not None and diagnostics == [], diagnostics
    return policy


@pytest.fixture(scope="module")
def bands():
    policy = load(PATTERNS / "equipment_bands_progressive.policy")
    return policy, pipeline.engine(policy)


@pytest.fixture(scope="module")
def growth():
    policy = load(PATTERNS / "revenue_growth_tiers.policy")
    return policy, pipeline.engine(policy)


@pytest.fixture(scope="module")
def matching():
    policy = load(PATTERNS / "matching_ratio_capped_by_level.policy")
    return policy, pipeline.engine(policy)


# ---------------------------------------------------------------- oracles (from the clauses, not the compiler)
def cents_half_up(value: Fraction) -> Decimal:
    cents = value * 100
    return Decimal(int((cents * 2 + 1) // 2)).scaleb(-2)


def bands_oracle(investment: Fraction) -> Decimal:
    """500万元以内5%，500万至2000万元3%，2000万元以上1%: each rate on the part inside its band."""
    wan = 10000
    first = min(investment, 500 * wan)
    second = max(Fraction(0), min(investment, 2000 * wan) - 500 * wan)
    third = max(Fraction(0), investment - 2000 * wan)
    return cents_half_up(first * Fraction(5, 100) + second * Fraction(3, 100) + third * Fraction(1, 100))


def growth_oracle(this_year: Fraction, last_year: Fraction) -> tuple[str, Decimal | None]:
    """增长20%以上5万元，30%以上10万元; 上年为零: review (the policy's case)."""
    if last_year == 0:
        return "review", None
    rate = (this_year - last_year) / last_year
    if rate >= Fraction(3, 10):
        return "eligible", Decimal("100000.00")
    if rate >= Fraction(2, 10):
        return "eligible", Decimal("50000.00")
    return "ineligible", None


TOP = Decimal("9999999999.99")  # the largest amount a form accepts
money = st.one_of(
    st.integers(0, 999_999_999_999).map(lambda c: Decimal(c).scaleb(-2)),
    st.sampled_from([Decimal(x) for x in ("0", "0.01", "3", "4999999.99", "5000000", "5000000.01", "20000000",
                                          "20000000.01", "9999999999.99")]),
)


def both(policy, module, pid: str, app: dict) -> dict:
    """The interpreter's and the generated module's result, which must be identical."""
    mine = interpreter.evaluate(policy, pid, app)
    theirs = module.evaluate(pid, app)
    assert mine == theirs
    return mine


@settings(max_examples=300, deadline=None)
@given(investment=money)
def test_bands_pay_each_rate_on_the_part_inside_its_band(bands, investment):
    policy, module = bands
    result = both(policy, module, "equipment_bands", {"new_equipment_investment": investment})
    expected = bands_oracle(Fraction(investment))
    if expected == 0:
        assert result["status"] == "ineligible"
    else:
        assert (result["status"], Decimal(result["amount"])) == ("eligible", expected)


@settings(max_examples=300, deadline=None)
@given(last=money, growth_cents=st.integers(-10**6, 10**6), exact=st.booleans(), other=money)
def test_growth_tiers_compare_the_exact_ratio(growth, last, growth_cents, exact, other):
    """Around the thresholds (20%, 30% of last year, ± 0.01 元) and anywhere: no rounding of the
    ratio ever moves an application across a threshold; 上年为零 is review."""
    policy, module = growth
    if exact:  # this year = last year × (1 + 20% or 30%) ± a few 分
        base = last * Decimal(growth_cents % 2 and "1.3" or "1.2")
        this = min(TOP, max(Decimal(0), (base + Decimal(growth_cents % 7 - 3).scaleb(-2)).quantize(Decimal("0.01"))))
    else:
        this = other
    result = both(policy, module, "growth_award", {"revenue_this_year": this, "revenue_last_year": last})
    status, amount = growth_oracle(Fraction(this), Fraction(last))
    assert result["status"] == status
    if amount is not None:
        assert Decimal(result["amount"]) == amount


def test_the_growth_step_shows_the_ratio_and_the_tier_reached(growth):
    policy, module = growth
    result = both(policy, module, "growth_award", {"revenue_this_year": Decimal(4), "revenue_last_year": Decimal(3)})
    assert result["steps"][-1] == (
        "（(本年度营业收入 4.00 元 扣除 上年度营业收入 3.00 元) ÷ 上年度营业收入 3.00 元（= 约 33.33%） 达到 30% 档，"
        "奖励 10万元） = 100,000.00 元，取 100,000.00 元【第1条】")
    zero = both(policy, module, "growth_award", {"revenue_this_year": Decimal(4), "revenue_last_year": Decimal(0)})
    assert zero["status"] == "review" and zero["reasons"] == ["上年度营业收入为零，增长率无从计算，原文未作规定【第1条】"]


def test_the_bands_step_names_each_part_and_rate(bands):
    policy, module = bands
    result = both(policy, module, "equipment_bands", {"new_equipment_investment": Decimal("30000000")})
    assert result["steps"] == [
        "（新增设备投资 30,000,000.00 元 累进计算：500万元以内部分 5,000,000.00 元 × 5%；500万元至2000万元部分 "
        "15,000,000.00 元 × 3%；超过2000万元部分 10,000,000.00 元 × 1%） = 800,000.00 元，取 800,000.00 元【第1条】"]


@settings(max_examples=200, deadline=None)
@given(funding=money, level=st.sampled_from(["national", "provincial", "city"]))
def test_a_ratio_literal_is_its_quotient(matching, funding, level):
    policy, module = matching
    result = both(policy, module, "matching_funds", {"superior_funding": funding, "level": level})
    cap = {"national": 1000000, "provincial": 500000, "city": 200000}[level]
    expected = cents_half_up(min(Fraction(funding) / 2, Fraction(cap)))
    if expected == 0:
        assert result["status"] == "ineligible"
    else:
        assert Decimal(result["amount"]) == expected


# ---------------------------------------------------------------- DuckDB
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


def duckdb_results(policy, module, applications: list[tuple[str, dict]]) -> list[dict]:
    pytest.importorskip("duckdb")
    from yeji_policy import batch, lower, sqlrun
    from yeji_policy.backends import form_ui

    compiled = sqlrun.Compiled(policy, lower.lower(policy))
    lines = [batch.exact_json({"programme": pid, "application": app}) for pid, app in applications]

    def engine(pid, application):
        return form_ui.json_as_form(form_ui.programme_fields(policy, pid), lambda d: module.evaluate(pid, d))(application)

    out = io.StringIO()
    counts = sqlrun.run(compiled, sqlrun.lines_from_jsonl(io.BytesIO("".join(x + "\n" for x in lines).encode()), 64),
                        out, "jsonl", engine, sqlrun.connect(memory_limit="256MB"))
    assert counts["sql"] == len(lines)  # decided in SQL, none left to Python
    return [json.loads(text) for text in out.getvalue().splitlines()]


def _same_in_sql(policy, module, applications):
    for (pid, app), row in zip(applications, duckdb_results(policy, module, applications)):
        python = module.evaluate(pid, app)
        assert (row["status"], row.get("amount_if_approved")) == (python["status"], python.get("amount_if_approved"))
        if python["status"] == "eligible":
            assert row["amount"] == python["amount"], (app, row, python)


@settings(max_examples=15, deadline=None, phases=NO_SHRINK, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_duckdb_decides_ratios_and_bands_as_the_module_does(growth, bands, data):
    pairs = data.draw(st.lists(st.tuples(money, money, st.integers(-5, 5)), min_size=1, max_size=30))
    growth_apps = []
    for last, other, nudge in pairs:
        this = min(TOP, max(Decimal(0), last * Decimal("1.2") + Decimal(nudge).scaleb(-2)).quantize(Decimal("0.01")))
        growth_apps += [("growth_award", {"revenue_this_year": this, "revenue_last_year": last}),
                        ("growth_award", {"revenue_this_year": other, "revenue_last_year": last})]
    _same_in_sql(*growth, growth_apps)
    _same_in_sql(*bands, [("equipment_bands", {"new_equipment_investment": x}) for x, _, _ in pairs])


def test_no_division_and_no_float_in_the_sql_of_a_ratio():
    pytest.importorskip("duckdb")
    import sqlglot
    from sqlglot import exp

    from yeji_policy import lower, sqlrun

    for name in ("revenue_growth_tiers", "matching_ratio_capped_by_level", "equipment_bands_progressive"):
        policy = load(PATTERNS / f"{name}.policy")
        tree = sqlglot.parse_one(sqlrun.Compiled(policy, lower.lower(policy)).query, read="duckdb")
        assert list(tree.find_all(exp.Div)) == []
        assert all("DOUBLE" not in c.to.sql("duckdb") and "FLOAT" not in c.to.sql("duckdb")
                   for c in tree.find_all(exp.Cast))
    halved = load(RATIO / "halved_and_guarded_ratio.policy")
    tree = sqlglot.parse_one(sqlrun.Compiled(halved, lower.lower(halved)).query, read="duckdb")
    assert list(tree.find_all(exp.Div)) == []  # ÷ 2 is × 0.5


# ---------------------------------------------------------------- the language around it
@pytest.mark.parametrize("path", sorted(PATTERNS.glob("*.policy")) + sorted(RATIO.glob("*.policy")), ids=lambda p: p.stem)
def test_fmt_is_idempotent_and_keeps_the_meaning(path):
    source = path.read_text(encoding="utf-8")
    once = fmt.format_source(source, path.name)
    assert once == source  # the corpus is laid out canonically
    assert fmt.format_source(once, path.name) == once


def test_a_changed_band_rate_is_said_in_words(tmp_path):
    from click.testing import CliRunner

    from yeji_policy.cli import main

    source = (PATTERNS / "equipment_bands_progressive.policy").read_text(encoding="utf-8")
    old, new = tmp_path / "old.policy", tmp_path / "new.policy"
    old.write_text(source, encoding="utf-8")
    new.write_text(source.replace("不超过 2000万元 → 3%", "不超过 2000万元 → 2%"), encoding="utf-8")
    out = CliRunner().invoke(main, ["diff", str(old), str(new)]).output
    assert "第1条 新增设备投资分段累进补助（equipment_bands）：累进分段“500万元至2000万元”的比例 3% → 2%" in out
    assert "equipment_bands“3000万元”：符合条件 800,000.00 元 → 符合条件 650,000.00 元" in out


def test_a_changed_ratio_literal_is_said_as_a_ratio(tmp_path):
    from click.testing import CliRunner

    from yeji_policy.cli import main

    source = (PATTERNS / "matching_ratio_capped_by_level.policy").read_text(encoding="utf-8")
    old, new = tmp_path / "old.policy", tmp_path / "new.policy"
    old.write_text(source, encoding="utf-8")
    new.write_text(source.replace("× 1:0.5", "× 1:0.6"), encoding="utf-8")
    out = CliRunner().invoke(main, ["diff", str(old), str(new)]).output
    assert "第1条 上级项目资金配套（matching_funds）：配套比例 1:0.5 → 1:0.6" in out
    assert "matching_funds“省级项目未达上限”：符合条件 300,000.01 元 → 符合条件 360,000.01 元" in out


def test_the_sheet_shows_the_band_table(tmp_path):
    from click.testing import CliRunner

    from yeji_policy.cli import main

    policy = tmp_path / "bands.policy"
    policy.write_text((PATTERNS / "equipment_bands_progressive.policy").read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "out"), str(policy)])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "sheets" / "bands.md").read_text(encoding="utf-8")
    assert "*累进表：按新增设备投资分段累进*" in text
    assert "| 第2段 | 500万元至2000万元 | 500万元（5,000,000.00 元） | 2000万元（20,000,000.00 元） | 3% |  |" in text
    assert "| 第3段 | 超过2000万元 | 2000万元（20,000,000.00 元） | 不设上限 | 1% |  |" in text
    assert "边界值归入哪一段不影响累进的金额" in text


@pytest.mark.parametrize("source, expected", [
    ("1:0.5", Decimal("0.5")), ("2:1", Decimal("0.5")), ("1:2", Decimal(2)), ("4:1", Decimal("0.25")),
])
def test_ratio_literals_are_one_exact_figure(source, expected):
    from yeji_policy import ast as A
    from yeji_policy.check import ratio

    class Ctx:
        def error(self, *args, **kwargs):
            raise AssertionError(args)

    class Checker:
        ctx = Ctx()

    const = ratio.ratio_literal(Checker(), A.Ratio(source, None))
    assert const.value == expected and const.text == source


def test_the_editor_offers_the_band_words_and_hovers_a_ratio_as_one_figure():
    from yeji_policy import lsp

    source = (PATTERNS / "matching_ratio_capped_by_level.policy").read_text(encoding="utf-8")
    lines = source.split("\n")
    row = next(i for i, line in enumerate(lines) if "× 1:0.5" in line) + 1
    text, span = lsp.hover(lsp.Analysis(source, "m.policy"), row, lines[row - 1].index("1:0.5") + 2)
    assert text.startswith("数字 `1:0.5`：第1条原文中的") and "按**1:0.5**给予配套" in text
    assert (span.column, span.end_column) == (lines[row - 1].index("1:0.5") + 1, lines[row - 1].index("1:0.5") + 6)
    bands = (PATTERNS / "equipment_bands_progressive.policy").read_text(encoding="utf-8")
    offered = {c.label for c in lsp.complete(lsp.Analysis(bands, "b.policy"), None, 23, 3)}
    assert {"累进", "不超过", "超过"} <= offered


# ---------------------------------------------------------------- the calculator's range reasoning stays sound
@pytest.mark.parametrize("name", ["revenue_growth_tiers", "equipment_bands_progressive",
                                  "matching_ratio_capped_by_level"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_completion_lies_inside_the_computed_range(name, data):
    """tests/test_ranges.py's soundness property, on the policies that divide and band, and the
    generated module's ranges() the reference's (÷ and 累进 printed from the IR)."""
    import strategies

    from yeji_policy import runtime
    from yeji_policy.interpreter import _meta

    policy, module = _pattern_engine(name)
    (programme,) = policy.programmes
    application = data.draw(strategies.for_programme(programme))
    errors: list = []
    runtime.validate_object(_meta(programme)["inputs"], application, "", errors)
    if errors:
        return  # not a completion: only valid applications complete a partial one
    actual = interpreter.evaluate(policy, programme.id, application)
    answered = data.draw(st.sets(st.sampled_from(sorted(application)))) if application else set()
    seen = reasons_alike(module, programme, {k: v for k, v in application.items() if k in answered})
    assert_sound(seen, actual, answered)


_ENGINES: dict = {}


def _pattern_engine(name: str):
    """(a pattern policy, its generated module), built once per name."""
    if name not in _ENGINES:
        policy = load(PATTERNS / f"{name}.policy")
        _ENGINES[name] = policy, pipeline.engine(policy)
    return _ENGINES[name]


@settings(max_examples=200, deadline=None)
@given(lo=st.decimals(-10**7, 10**7, places=2), width=st.decimals(0, 10**7, places=2), upper=st.booleans())
def test_bands_over_an_interval_are_the_table_at_its_ends(lo, width, upper):
    """累进 is lowered to min/max/−/×/+ per band; over an interval of its subject, the generated module's
    range of it is exactly [table at lo, table at hi] (M.Bands.at, monotone), unbounded above included."""
    from yeji_policy import runtime

    policy, module = _pattern_engine("equipment_bands_progressive")
    (programme,) = policy.programmes
    bands = next(n for n in visitor.walk(programme) if type(n).__name__ == "Bands")
    hi = runtime.INF if upper else lo + width
    real = module.range_value  # the printed range statements read the subject through it: give them the interval
    module.range_value = lambda values, name, unknown: module.Interval(lo, hi)
    try:
        (kind, got), = getattr(module, f"_ranges_{programme.id}")({})[2]
    finally:
        module.range_value = real
    assert kind == "pay"
    assert (got.lo, got.hi) == (bands.at(lo), bands.at(hi))  # ranges.py's visit_Bands, over the same interval


# ---------------------------------------------------------------- an amount computed from a ratio: exact to the one rounding
@pytest.fixture(scope="module")
def share():
    policy = load(RATIO / "share_of_a_fund.policy")
    return policy, pipeline.engine(policy)


@settings(max_examples=300, deadline=None)
@given(total=money.filter(lambda x: x > 0), part=st.integers(0, 10**6))
def test_a_share_is_carried_exactly_and_rounded_once(share, total, part):
    """300万元 × tax ÷ total: the fraction is rounded once, half up, to the 分 — never the ratio first."""
    policy, module = share
    tax = min(total, Decimal(part).scaleb(-2))
    result = both(policy, module, "contribution", {"tax_contribution": tax, "total_contribution": total})
    expected = cents_half_up(3000000 * Fraction(tax) / Fraction(total))
    if expected == 0:
        assert result["status"] == "ineligible"
    else:
        assert (result["status"], Decimal(result["amount"])) == ("eligible", expected)
        exact = result["trace"][-1]["explanation"]["exact"]  # the value before the rounding, exactly
        assert Fraction(exact) == 3000000 * Fraction(tax) / Fraction(total)


def test_a_seventh_is_shown_about_and_rounded_once(share):
    policy, module = share
    result = both(policy, module, "contribution", {"tax_contribution": Decimal(1), "total_contribution": Decimal(7)})
    assert result["steps"][-1] == (
        "300万元 × 本企业地方税收贡献 1.00 元 ÷ 全部申报企业地方税收贡献合计 7.00 元（= 约 428,571.4286 元） = "
        "约 428,571.4286 元，按分四舍五入，取 428,571.43 元【第1条】")
    assert result["trace"][-1]["explanation"]["exact"] == "3000000/7"
    assert result["amount"] == "428571.43"


def test_the_sql_engine_refuses_an_amount_from_a_ratio_in_words(tmp_path, monkeypatch):
    pytest.importorskip("duckdb")
    from click.testing import CliRunner

    from yeji_policy.cli import main

    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "share.policy").write_text((RATIO / "share_of_a_fund.policy").read_text(encoding="utf-8"),
                                                        encoding="utf-8")
    (tmp_path / "pop.jsonl").write_text('{"programme": "contribution", "application": '
                                        '{"tax_contribution": 1, "total_contribution": 7}}\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    refused = CliRunner().invoke(main, ["evaluate", "--batch", "pop.jsonl", "--engine", "duckdb"])
    assert refused.exit_code == 1
    assert refused.output == ("错误：SQL 引擎不能计算以比例（除以申请人填报的数值，÷）算出的金额：它可能是无限小数，"
                              "SQL 中无法精确计算；请用 Python 引擎（--engine python）\n")
    simulated = CliRunner().invoke(main, ["simulate", "pop.jsonl"])
    assert simulated.exit_code == 0
    assert "第1条 贡献奖励（contribution）：1 份（符合 1）；金额 428,571.43 元" in simulated.output


# ---------------------------------------------------------------- E0332: a divisor that cannot be zero
YEAR_POLICY = RATIO / "divided_by_a_year.policy"


def e0332(amount: str, fields: str = "") -> list[str]:
    """The E0332 messages of divided_by_a_year.policy with its amount (and inputs) replaced."""
    source = YEAR_POLICY.read_text(encoding="utf-8")
    source = source.replace("金额 = investment ÷ 年份(started) 最高不超过 5万元", f"金额 = {amount} 最高不超过 5万元")
    source = source.replace('    started: 日期 "投产日期"\n', f'    started: 日期 "投产日期"\n{fields}')
    source = source[:source.index("测试")]
    _, diagnostics = check.check_source(source, "year.policy")
    assert {d.code for d in diagnostics if d.is_error} <= {"E0332"}, diagnostics  # nothing else wrong with it
    return [d.message for d in diagnostics if d.code == "E0332"]


@pytest.mark.parametrize("amount, fields, expected", [
    # a year is 1 to 9999: never zero, nothing to say
    ("investment ÷ 年份(started)", "", []),
    ("investment ÷ (年份(started) × 2)", "", []),
    # an input whose 最小 is above 0 (the forms refuse less) is never zero either
    ("investment ÷ units", '    units: 整数 "台数" 最小 1\n', []),
    # true positives stay: a difference of years, a plain input, an input whose 最小 is 0
    ("investment ÷ (年份(started) - 2024)", "", ["除数“投产日期所在的年份 - 2024”可能为零，须写明为零时的结果"]),
    ("investment ÷ units", '    units: 整数 "台数"\n', ["除数“台数”可能为零，须写明为零时的结果"]),
    ("investment ÷ units", '    units: 整数 "台数" 最小 0\n', ["除数“台数”可能为零，须写明为零时的结果"]),
])
def test_a_divisor_that_cannot_be_zero_needs_no_guard(amount, fields, expected):
    assert e0332(amount, fields) == expected
