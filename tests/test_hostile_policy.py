"""Hostile policies: shapes the checker used to accept and the engines could not run.

Each builder edits tests/fixtures/minimal.policy into one class of hostile
policy — many cases, deep nesting of 若/按/情形, huge and long literals,
rates with no finite value in base units, dimensionless inputs multiplied
past the engines' precision, many chapters, long article numbers, surrogate
escapes, one field name with two types.  Every one must hold the invariant:

    `check` refuses it with diagnostics (stable codes, Chinese messages, no
    traceback), or it builds, its generated module compiles and imports, and
    for valid applications — the extreme ones included (every input at its
    largest, with every decimal its form allows) — the module and the
    interpreter give the same result, without raising.
"""

from __future__ import annotations

import datetime
import re
from decimal import Context, Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_process import run_cli
from yeji_policy import build as build_mod
from yeji_policy import check, interpreter
from yeji_policy import model as M
from yeji_policy import runtime as R
from yeji_policy.diagnostics import render

BASE = (Path(__file__).parent / "fixtures" / "minimal.policy").read_text(encoding="utf-8")
AMOUNT = "金额 = investment × 50% 最高不超过 50万元"
FIELDS = 'accepted: 是否 "验收合格"'
TEST_INPUT = "输入 { investment: 100000 accepted: 是 }"
FILENAME = "policies/hostile.policy"
CODE = re.compile(r"^[EW][0-9]{4}$")
CJK = re.compile(r"[\u4e00-\u9fff]")


def edit(amount: str = AMOUNT, fields: tuple[tuple[str, str], ...] = (), rules: str = "",
         after: str = "", base: str = BASE) -> str:
    """The base policy with another amount, extra inputs (declaration, test value),
    extra rules before the amount, and text after the last chapter."""
    text = base.replace(AMOUNT, rules + amount)
    text = text.replace(FIELDS, FIELDS + "".join("\n      " + decl for decl, _ in fields))
    text = text.replace(TEST_INPUT, TEST_INPUT[:-1] + "".join(f"{name.split(':')[0]}: {value} "
                                                              for name, value in fields) + "}")
    return text + after


# ---------------------------------------------------------------- builders
def many_cases(count: int) -> str:
    """One 情形 of `count` cases (99+ used to give IndentationError)."""
    cases = "".join(f"      当 investment ≥ {count - i}元: investment × {i % 100 + 1}%\n" for i in range(count))
    return edit("金额 = 情形 {\n" + cases + "      其他: 0元\n    }")


def many_tiers(count: int) -> str:
    """分档 of `count` rows (an elif ladder of a few thousand exhausts CPython's compiler)."""
    rows = "".join(f"      达到 {i}元 → {i // 2}元\n" for i in range(1, count + 1))
    return edit("金额 = 分档 investment {\n" + rows + "    }")


def many_options(count: int) -> str:
    """按 over an option input of `count` options."""
    options = " ".join(f'o{i} "选项{i}"' for i in range(count))
    choices = "\n".join(f"      o{i}: investment × {i % 100}%" for i in range(count))
    kind = (f'kind: 选项 {{ {options} }} "类型"', '"o0"')
    return edit(f"金额 = 按 kind {{\n{choices}\n    }}", fields=(kind,))


def deep_if(depth: int) -> str:
    """若 nested `depth` levels; a large investment takes every then-branch."""
    expr = "investment × 50%"
    for level in range(depth, 0, -1):
        expr = f"(若 investment ≥ {level}元 则 {expr} 否则 {level}元)"
    return edit(f"金额 = {expr}")


def deep_mixed(depth: int) -> str:
    """若, 按 and 情形 nested `depth` levels in all, inside 逐项 and in a top-level
    令 and 审核 too (the calculator's variant guards those): the deepest code
    the emitter writes."""
    kind = ('kind: 选项 { a "甲" b "乙" } "类型"', '"a"')
    items = ('items: 列表 { cost: 金额 "费用" } "明细"', '[{ cost: 10 }, { cost: 20 }]')
    cases_levels = depth // 2
    expr = "s.cost × 50%"
    for level in range(depth - cases_levels):
        expr = f"(若 accepted 则 {expr} 否则 0元)" if level % 2 else f"按 kind {{ a: {expr}\n b: 1元 }}"
    amount = expr
    for level in range(cases_levels):
        amount = f"情形 {{\n 当 accepted: {amount}\n 其他: 0元\n }}"
    condition = "accepted"
    for _ in range(depth - 1):
        condition = f"(若 accepted 则 {condition} 否则 accepted)"
    rules = f'令 flag "标记" = {condition}\n    审核 若 非 flag 因 "未验收"\n    '
    return edit(f"金额 = 逐项 items 为 s {{\n 审核 若 非 {condition} 因 \"未验收\"\n 金额 = {amount}\n }}",
                fields=(kind, items), rules=rules)


def long_literal(digits: int) -> str:
    """A cap of `digits` digits (a million-digit literal crashed check with decimal.Overflow)."""
    return edit(f"金额 = investment × 50% 最高不超过 {'9' * digits}元")


def long_rate(digits: int) -> str:
    """A % literal with `digits` digits (beyond 28 they were silently rounded)."""
    number = "3" if digits == 1 else "0." + "3" * (digits - 1)
    return edit(f"金额 = investment × {number}% 最高不超过 50万元")


def per_year_rate(rate: str) -> str:
    """A rate per year times months: exact only when the rate per month is a finite decimal."""
    months = ('months: 整数 个月 "月数"', "6")
    return edit(f"金额 = {rate} × months + investment × 50% 最高不超过 50万元", fields=(months,))


def precision(factors: int, step_decimals: int) -> str:
    """investment × rate^factors with a step of `step_decimals` decimals: the
    worst case needs about 18 + factors × (16 + step_decimals) digits."""
    step = "1" if step_decimals == 0 else "0." + "0" * (step_decimals - 1) + "1"
    rate = (f'rate: 数值 "系数" 步长 {step}', "1")
    return edit("金额 = investment" + " × rate" * factors + " 最高不超过 50万元", fields=(rate,))


def chapters(count: int) -> str:
    return BASE + "".join(f'章 {check._chinese_numeral(n)} "第{n}章" {{\n}}\n' for n in range(2, count + 1))


def article_number(digits: int) -> str:
    return BASE.replace("条款 2", "条款 2" + "0" * (digits - 1))


def escape(sequence: str) -> str:
    """An escape sequence in a policy string (a label, a reason and the applicant)."""
    return BASE.replace('申请主体 "企业"', f'申请主体 "企业{sequence}"').replace('"未验收合格"', f'"未{sequence}验收"')


SECOND = '''  项目 other "其他补助" {{
    条款 2
    申请主体 "企业"
    资金来源 "区财政"
    兑现条件 "验收后"
    输入 {{
      {field}
    }}
    要求 {use} 否则 不符合 "不符合"
    金额 = 1元
  }}
'''
KINDS = {
    "是否": ('accepted: 是否 "验收合格"', "accepted"),
    "是否（另一个中文名）": ('accepted: 是否 "已验收"', "accepted"),
    "日期": ('accepted: 日期 "验收日期"', "accepted ≥ accepted"),
    "文本": ('accepted: 文本 "验收意见"', 'accepted = accepted'),
    "金额": ('accepted: 金额 "验收金额"', "accepted ≥ 0元"),
    "数值": ('accepted: 数值 平方米 "面积"', "accepted ≥ 0平方米"),
    "选项": ('accepted: 选项 { yes "是" no "否" } "验收结论"', "accepted = yes"),
}


def same_name(kind: str) -> str:
    """A second programme reusing the name "accepted" (match crashed on a date read as money)."""
    field, use = KINDS[kind]
    return BASE.replace('  测试 "设备', SECOND.format(field=field, use=use) + '  测试 "设备')


# ---------------------------------------------------------------- the invariant
def _largest(f: M.Field) -> Decimal:
    """The largest value the form admits, with every decimal it allows."""
    if f.kind == "money":
        return R.MAX_NUMBER - Decimal("0.01")
    if f.kind == "int":
        return int(R.MAX_NUMBER) - 1  # the largest whole number below the limit, less one
    step = f.step if f.step is not None else Decimal("0.01")
    with localcontext(Context(prec=1000)):  # exact: the test's own arithmetic must not round
        return (R.MAX_NUMBER // step - 1) * step


def _values(f: M.Field) -> list:
    """Valid values of one input: small ones and the extreme one."""
    if f.kind in ("money", "number", "int"):
        step = f.step or (Decimal(1) if f.kind == "int" else Decimal("0.01"))
        return [Decimal(0), step, Decimal(7) * step, _largest(f)]
    if f.kind == "bool":
        return [True, False]
    if f.kind == "date":
        return [datetime.date(2018, 1, 31).isoformat(), datetime.date(2019, 12, 1).isoformat()]
    if f.kind == "text":
        return ["文字"]
    if f.kind == "enum":
        return [f.options[0][0], f.options[-1][0]]
    # a list: items of every value in turn
    return [[{g.name: _values(g)[i % len(_values(g))] for g in f.item_fields} for i in range(4)]]


def applications(p: M.Programme) -> list[dict]:
    """A few valid applications: the i-th value of every input, for each i."""
    table = {f.name: _values(f) for f in p.fields}
    width = max(len(v) for v in table.values())
    return [{name: values[i % len(values)] for name, values in table.items()} for i in range(width)]


def holds(text: str) -> tuple[str, set[str]]:
    """Assert the invariant for one policy; ("refused", codes) or ("built", set())."""
    policy, diagnostics = check.check_source(text, FILENAME)
    if policy is None:
        errors = [d for d in diagnostics if d.is_error]
        assert errors, "refused without an error"
        for d in diagnostics:
            assert CODE.match(d.code), d.code
            assert CJK.search(d.message), d.message
            assert "Traceback" not in d.message
            shown = render(d, FILENAME, text)
            assert shown.startswith(f"{FILENAME}:{d.span.line}:{d.span.column}: ")
        return "refused", {d.code for d in errors}
    artifacts = build_mod.render([policy])
    namespace: dict = {}
    exec(compile(artifacts["python/hostile.py"], "hostile", "exec"), namespace)  # noqa: S102
    profiles: list[dict] = [{}]
    for p in policy.programmes:
        for index, application in enumerate(applications(p)):
            generated = namespace["evaluate"](p.id, application)
            assert generated == interpreter.evaluate(policy, p.id, application), (p.id, application)
            if index == len(profiles) - 1:
                profiles.append({})
            profiles[index].update(application)  # one name is one input: profiles merge by name
    # the policy calculator, with everything known and with one input missing
    for profile in profiles + [dict(list(profiles[0].items())[1:])]:
        assert namespace["match"](profile) == interpreter.match(policy, profile)
    return "built", set()


# ---------------------------------------------------------------- the classes
@pytest.mark.parametrize("count", [1, 98, 99, 150, 400])
def test_many_cases_build_and_run(count):
    assert holds(many_cases(count)) == ("built", set())


@pytest.mark.parametrize("count", [1, 1000, 6000])
def test_many_tiers_and_options_build_and_run(count):
    assert holds(many_tiers(count)) == ("built", set())
    assert holds(many_options(count)) == ("built", set())


@pytest.mark.parametrize("depth", [1, 49, 50])
def test_nested_conditionals_up_to_the_limit_build_and_run(depth):
    assert holds(deep_if(depth)) == ("built", set())


@pytest.mark.parametrize("depth", [51, 100, 300])
def test_nesting_beyond_the_limit_is_refused(depth):
    assert holds(deep_if(depth)) == ("refused", {"E0517"})


def test_deepest_mixed_nesting_builds_and_runs():
    # 若, 按 and 情形 fifty deep inside 逐项, and in the calculator's guarded rules.
    assert holds(deep_mixed(check.MAX_NESTING)) == ("built", set())
    assert holds(deep_mixed(check.MAX_NESTING + 1)) == ("refused", {"E0517"})


@pytest.mark.parametrize("digits", [1, 29, 30])
def test_literals_up_to_thirty_digits_build_and_run(digits):
    assert holds(long_literal(digits)) == ("built", set())
    assert holds(long_rate(digits)) == ("built", set())


@pytest.mark.parametrize("digits", [31, 100, 1_000_000])
def test_longer_literals_are_refused(digits):
    assert holds(long_literal(digits)) == ("refused", {"E0305"})
    if digits < 1000:
        assert holds(long_rate(digits)) == ("refused", {"E0305"})


@pytest.mark.parametrize("rate,exact", [("12元/年", True), ("6元/年", True), ("1.2元/年", True), ("0.06元/年", True),
                                        ("0.01元/年", False), ("1元/年", False), ("100元/年", False)])
def test_rates_per_year(rate, exact):
    # 0.01元/年 × 6个月 used to compute 0.0049999…8 and pay 0.00 instead of 0.01.
    assert holds(per_year_rate(rate)) == (("built", set()) if exact else ("refused", {"E0306"}))


@pytest.mark.parametrize("factors,step_decimals,expected", [
    (1, 2, "built"), (4, 2, "built"), (8, 2, "E0307"), (10, 0, "E0307"), (4, 4, "built"), (1, 28, "built"),
    (2, 20, "built"), (2, 28, "built"), (3, 28, "E0307"), (3, 20, "E0307"), (1, 251, "E0305"),
])
def test_precision_is_bounded(factors, step_decimals, expected):
    # seven dimensionless inputs multiplied, or a 步长 with 250 zeros after the point,
    # raised decimal.Inexact on valid applications
    assert holds(precision(factors, step_decimals)) == (("built", set()) if expected == "built"
                                                        else ("refused", {expected}))


def test_precision_counts_a_default():
    # a left-out input takes its default, which may have more decimals than the form admits
    small = ('rate: 数值 "系数" 默认 0.25', "1")
    fine = ('rate: 数值 "系数" 默认 0.0000000000000000000000000001', "1")
    assert holds(edit("金额 = investment × rate × rate × rate", fields=(small,))) == ("built", set())
    assert holds(edit("金额 = investment × rate × rate × rate", fields=(fine,))) == ("refused", {"E0307"})


@pytest.mark.parametrize("count", [10, 99, 100, 101, 110, 111, 200])
def test_many_chapters(count):
    assert holds(chapters(count)) == ("built", set())


@pytest.mark.parametrize("digits", [5, 100, 4301, 10_000])
def test_long_article_numbers_are_refused(digits):
    assert holds(article_number(digits)) == ("refused", {"E0519"})


@pytest.mark.parametrize("sequence,code", [("\\ud800", "E0108"), ("\\udfff", "E0108"), ("\\ud83d\\ude00", "E0108"),
                                           ("\\u0000", "E0105"), ("\\u4e2d", None), ("\\uffff", "E0105"),
                                           ("\\ufdd0", "E0105"), ("\\ufdcf", None), ("\\ufdf0", None),
                                           ("\\u007e", None), ("\\u007f", "E0105")])
def test_escapes(sequence, code):
    assert holds(escape(sequence)) == (("built", set()) if code is None else ("refused", {code}))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_one_name_one_input(kind):
    same = kind.startswith("是否")  # the same input, whatever its Chinese name
    assert holds(same_name(kind)) == (("built", set()) if same else ("refused", {"E0213"}))


def test_surrogate_escape_through_the_command_line(tmp_path):
    # fmt --check crashed with UnicodeEncodeError, build failed in the forms backend.
    path = tmp_path / "hostile.policy"
    path.write_text(escape("\\ud800"), encoding="utf-8")
    for command in (("check", str(path)), ("fmt", "--check", str(path))):
        proc = run_cli(*command)
        assert proc.returncode == 1, (command, proc.stderr)
        assert "E0108" in proc.stdout + proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------- any mixture
HOSTILE = st.one_of(
    st.integers(1, 300).map(many_cases),
    st.integers(1, 120).map(deep_if),
    st.integers(1, 3000).map(many_tiers),
    st.integers(1, 3000).map(many_options),
    st.integers(1, 60).map(deep_mixed),
    st.integers(1, 80).map(long_literal),
    st.integers(1, 80).map(long_rate),
    st.sampled_from(["1", "2", "3", "6", "12", "0.5", "0.01", "7.2", "100", "1.25"]).map(lambda n: per_year_rate(n + "元/年")),
    st.tuples(st.integers(0, 9), st.integers(0, 40)).map(lambda t: precision(*t)),
    st.integers(1, 250).map(chapters),
    st.integers(1, 6000).map(article_number),
    st.integers(0, 0xFFFF).map(lambda c: escape(f"\\u{c:04x}")),
    st.sampled_from(sorted(KINDS)).map(same_name),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(HOSTILE)
def test_every_hostile_policy_is_refused_or_runs(text):
    holds(text)


# ---------------------------------------------------------------- arithmetic of any shape
def arithmetic(expr: str, step: str) -> str:
    """investment × a dimensionless expression over an input `rate` with the given step."""
    rate = (f'rate: 数值 "系数" 步长 {step}', "1")
    return edit(f"金额 = investment × {expr}", fields=(rate,))


DIMENSIONLESS = st.recursive(
    st.sampled_from(["rate", "1", "0.5", "99999999999999.99", "0.000001", "3%", "0.0000000001%",
                     "(rate × rate × rate)", "(99999999999999.99 × rate × rate)"]),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "×"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"最大({t[0]}, {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"(若 accepted 则 {t[0]} 否则 {t[1]})"),
    ),
    max_leaves=14,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DIMENSIONLESS, st.sampled_from(["1", "0.01", "0.5", "0.0001", "0.00000001"]))
def test_precision_bound_is_sound(expr, step):
    """Whatever the checker accepts computes without decimal.Inexact, inputs at their largest included."""
    outcome, codes = holds(arithmetic(expr, step))
    assert outcome == "built" or codes == {"E0307"}, codes
