"""Dates in rules, per-year schedules and rule-level periods (#22, #16).

The calendar reading day by day (runtime.add_months, full_months, year_index); the three engines —
the reference interpreter, the generated module and DuckDB — on random applications around every
boundary of the corpus policies that use dates; range reasoning still sound on them; and what a
reviewer reads: fmt, the sheet and diff.
"""

from __future__ import annotations

import calendar
import datetime
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from yeji_policy import batch, check, diff, fmt, interpreter, lower, ranges, runtime as R
from yeji_policy.backends import form_ui, schema, sheets
from yeji_policy.pipeline import engine as generated_engine

import strategies

CASES = Path(__file__).resolve().parent / "cases"
POLICIES = {
    "consecutive_years": CASES / "patterns" / "good" / "consecutive_years.policy",
    "new_registration": CASES / "patterns" / "good" / "new_registration.policy",
    "periods": CASES / "dates" / "good" / "periods.policy",
}
DAY = datetime.timedelta(days=1)


@pytest.fixture(scope="module")
def loaded():
    out = {}
    for name, path in POLICIES.items():
        policy, diagnostics = check.check_source(path.read_text(encoding="utf-8"), path.name)
        assert policy is not None, diagnostics
        out[name] = (policy, generated_engine(policy))
    return out


def both(policy, module, pid, application):
    """The interpreter's and the generated module's result (or errors), which must be equal."""
    results = []
    for run in (lambda: interpreter.evaluate(policy, pid, application), lambda: module.evaluate(pid, application)):
        try:
            results.append(run())
        except Exception as exc:  # each engine has its own InvalidApplication
            if getattr(exc, "errors", None) is None:
                raise
            results.append({"status": "invalid", "errors": exc.errors})
    assert results[0] == results[1], application
    return results[0]


# ---------------------------------------------------------------- the calendar reading
SAFE_DATES = st.dates(datetime.date(1900, 1, 1), datetime.date(9000, 12, 31))


def test_a_month_without_the_day_ends_on_its_last_day():
    assert R.add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)
    assert R.add_months(datetime.date(2024, 2, 29), 48) == datetime.date(2028, 2, 29)
    assert R.add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert R.add_months(datetime.date(2023, 1, 31), 1) == datetime.date(2023, 2, 28)
    assert R.add_months(datetime.date(2024, 12, 15), 1) == datetime.date(2025, 1, 15)
    assert R.full_months(datetime.date(9999, 1, 1), datetime.date(9999, 12, 31), 24) is False
    # the end of the calendar (the properties below stay clear of it: their own arithmetic would overflow)
    assert R.add_months(datetime.date(9999, 11, 30), 1) == datetime.date(9999, 12, 30)
    assert R.add_months(datetime.date(9999, 1, 31), 11) == datetime.date(9999, 12, 31)
    assert R.add_months(datetime.date(1900, 1, 31), 1) == datetime.date(1900, 2, 28)
    assert R.add_months(datetime.date(2000, 1, 31), 1) == datetime.date(2000, 2, 29)


@given(start=SAFE_DATES, months=st.integers(1, 240))
def test_a_period_is_complete_on_its_anniversary_and_not_a_day_before(start, months):
    anniversary = R.add_months(start, months)
    assert R.month_index(anniversary) == R.month_index(start) + months
    assert anniversary.day == min(start.day, calendar.monthrange(anniversary.year, anniversary.month)[1])
    assert not R.full_months(start, anniversary - DAY, months)
    assert R.full_months(start, anniversary, months)


@given(start=SAFE_DATES, days=st.integers(1, 4000))
def test_full_days_and_days_between(start, days):
    assert not R.full_days(start, start + datetime.timedelta(days=days - 1), days)
    assert R.full_days(start, start + datetime.timedelta(days=days), days)
    assert R.days_between(start, start + datetime.timedelta(days=days)) == days + 1  # both days counted
    assert R.days_between(start + DAY, start) == 0


@given(start=SAFE_DATES, day=SAFE_DATES)
def test_the_year_of_a_day_counts_anniversaries(start, day):
    n = int(R.year_index(start, day))
    if day < start:
        assert n == 0
    else:
        assert R.add_months(start, 12 * (n - 1)) <= day < R.add_months(start, 12 * n)


# ---------------------------------------------------------------- the patterns, day by day
def test_within_two_years_of_registration_day_by_day(loaded):
    policy, module = loaded["new_registration"]
    registered = datetime.date(2028, 2, 29)
    last_day_within = datetime.date(2030, 2, 27)  # 满2年 on 2030-02-28: February has no 29th then
    day = registered
    while day <= datetime.date(2030, 3, 2):
        result = both(policy, module, "new_firm_rent", {"registered_on": registered.isoformat(), "leased_area": 100,
                                                         "months": 1, "application_date": day.isoformat()})
        assert result["status"] == ("eligible" if day <= last_day_within else "ineligible"), day
        day += DAY


def test_registered_before_the_policy_took_effect(loaded):
    policy, module = loaded["new_registration"]
    for registered, status in (("2024-12-31", "ineligible"), ("2025-01-01", "eligible")):
        result = both(policy, module, "new_firm_rent", {"registered_on": registered, "leased_area": 100, "months": 1,
                                                         "application_date": "2025-06-01"})
        assert result["status"] == status


def test_three_years_full_full_half_day_by_day(loaded):
    policy, module = loaded["consecutive_years"]
    started = datetime.date(2025, 3, 31)
    day = started - 2 * DAY
    while day <= datetime.date(2028, 4, 2):
        result = both(policy, module, "production", {"production_started": started.isoformat(),
                                                      "application_date": day.isoformat()})
        if day < started or day >= datetime.date(2028, 3, 31):
            assert result["status"] == "ineligible", day
        else:
            expected = "50000.00" if day >= datetime.date(2027, 3, 31) else "100000.00"
            assert (result["status"], result["amount"]) == ("eligible", expected), day
        day += DAY


def test_the_year_and_its_reading_are_in_the_result(loaded):
    policy, module = loaded["consecutive_years"]
    result = both(policy, module, "production", {"production_started": "2024-02-29", "application_date": "2026-02-28"})
    assert result["steps"] == [
        "补助年度：申请日期 2026-02-28 所在的年度（自投产日期 2024-02-29 起计） = 3【第1条】",
        "适用情形：补助年度 3 等于 第3年【第1条】",
        "10万元 × 50% = 50,000.00 元，取 50,000.00 元【第1条】",
    ]
    assert [i["id"] for i in result["interpretations"]] == ["production.value.schedule_year_1"]
    assert result["trace"][0]["kind"] == "value" and result["trace"][0]["value"] == "3"


def test_a_rule_period_applies_only_inside_it(loaded):
    policy, module = loaded["periods"]
    base = {"parcels_sent": 10, "in_statistics": False, "has_center": False, "center_built_on": "2020-01-01"}
    statuses = {day: both(policy, module, "parcels", {**base, "application_date": day})["status"]
                for day in ("2025-01-01", "2025-12-31", "2026-01-01")}
    assert statuses == {"2025-01-01": "ineligible", "2025-12-31": "ineligible", "2026-01-01": "eligible"}


def test_a_programme_that_reads_the_application_date_asks_for_it(loaded):
    policy, module = loaded["new_registration"]
    result = both(policy, module, "new_firm_rent", {"registered_on": "2025-03-01", "leased_area": 100, "months": 1})
    assert result == {"status": "invalid", "errors": [{"path": "application_date", "message": "缺少必填项“申请日期”"}]}
    # once, worded by the form's check, not also by the check of the version's period
    result = both(policy, module, "new_firm_rent", {"registered_on": "2025-03-01", "leased_area": 100, "months": 1,
                                                     "application_date": "2026-02-30"})
    assert result == {"status": "invalid", "errors": [
        {"path": "application_date", "message": "“申请日期”不是真实存在的日期：“2026-02-30”"}]}
    form = schema.programme_schema(policy, policy.programme("new_firm_rent"))
    assert "application_date" in form["required"]
    assert form["properties"]["application_date"]["title"] == "申请日期"


# ---------------------------------------------------------------- three engines
def _day_near(anchors):
    return st.one_of(
        st.dates(datetime.date(2024, 1, 1), datetime.date(2031, 12, 31)),
        st.tuples(st.sampled_from(anchors), st.integers(-3, 3)).map(lambda t: t[0] + datetime.timedelta(days=t[1])),
    )


@st.composite
def dated_line(draw):
    """One JSONL line for a corpus policy using dates: dates near every boundary the rules name."""
    name = draw(st.sampled_from(sorted(POLICIES)))
    first = draw(st.dates(datetime.date(2024, 1, 1), datetime.date(2028, 12, 31)))
    anchors = [first, R.add_months(first, 12), R.add_months(first, 24), R.add_months(first, 36),
               datetime.date(2025, 1, 1), datetime.date(2025, 7, 1), datetime.date(2025, 12, 31),
               datetime.date(2017, 12, 31), first + datetime.timedelta(days=30)]
    day = draw(_day_near(anchors)).isoformat()
    if name == "consecutive_years":
        pid, app = "production", {"production_started": first.isoformat(), "application_date": day}
    elif name == "new_registration":
        pid, app = "new_firm_rent", {"registered_on": first.isoformat(), "application_date": day,
                                     "leased_area": draw(st.integers(0, 30000).map(lambda n: Decimal(n).scaleb(-2))),
                                     "months": draw(st.integers(0, 36))}
    elif draw(st.booleans()):
        pid, app = "parcels", {"parcels_sent": draw(st.integers(0, 10**6)), "in_statistics": draw(st.booleans()),
                               "has_center": draw(st.booleans()),
                               "center_built_on": draw(_day_near([datetime.date(2017, 1, 1),
                                                                  datetime.date(2017, 12, 31)])).isoformat(),
                               "application_date": day}
    else:
        pid, app = "park_days", {"moved_in": first.isoformat(), "left_on": day}
    return name, pid, app


@pytest.fixture(scope="module")
def duckdb_con():
    pytest.importorskip("duckdb")
    from yeji_policy import sqlrun

    return sqlrun.connect()


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(drawn=st.lists(dated_line(), min_size=1, max_size=30))
def test_interpreter_module_and_duckdb_agree_to_the_fen(loaded, duckdb_con, drawn):
    for name in POLICIES:
        lines = [(pid, app) for n, pid, app in drawn if n == name]
        if not lines:
            continue
        policy, module = loaded[name]
        expected = [both(policy, module, pid, app) for pid, app in lines]
        counts, results = _duckdb_results(policy, module, duckdb_con, lines)
        assert len(results) == len(lines)
        assert counts["sql"] == sum(e["status"] != "invalid" for e in expected)  # DuckDB decided every valid row
        for got, want in zip(results, expected):
            assert (got["status"], got.get("amount"), got.get("amount_if_approved")) == \
                (want["status"], want.get("amount"), want.get("amount_if_approved")), (got, want)


def _duckdb_results(policy, module, con, lines):
    from yeji_policy import sqlrun

    def engine(pid, application):
        return form_ui.json_as_form(form_ui.programme_fields(policy, pid),
                                    lambda d: module.evaluate(pid, d))(application)

    text = "".join(batch.exact_json({"programme": pid, "application": app}) + "\n" for pid, app in lines)
    out = io.StringIO()
    counts = sqlrun.run(sqlrun.Compiled(policy, lower.lower(policy)),
                        sqlrun.lines_from_jsonl(io.BytesIO(text.encode("utf-8")), 16), out, "jsonl", engine, con)
    return counts, [json.loads(row) for row in out.getvalue().splitlines()]


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_embedded_cases_are_decided_in_duckdb(loaded, duckdb_con, name):
    policy, module = loaded[name]
    lines = [(t.programme, t.application) for t in policy.tests]
    counts, results = _duckdb_results(policy, module, duckdb_con, lines)
    invalid = sum(t.expect.status == "invalid" for t in policy.tests)
    assert counts == {"lines": len(lines), "sql": len(lines) - invalid, "python": invalid}
    for case, got in zip(policy.tests, results):
        want = both(policy, module, case.programme, case.application)
        assert (got["status"], got.get("amount"), got.get("amount_if_approved")) == \
            (want["status"], want.get("amount"), want.get("amount_if_approved")), case.name


def test_the_sql_of_dates_is_exact(loaded):
    """Dates stay DATE, counts DECIMAL or integers: every cast of the compiled query is to an exact
    type (as tests/test_sql.py holds the shipped policy's query to), and no number is divided."""
    import sqlglot
    from sqlglot import exp

    from yeji_policy import sqlrun

    for policy, _ in loaded.values():
        tree = sqlglot.parse_one(sqlrun.Compiled(policy, lower.lower(policy)).query, read="duckdb")
        casts = [c.to.sql("duckdb") for c in tree.find_all(exp.Cast)]
        assert any(c == "DATE" for c in casts)
        assert not [c for c in casts if any(word in c for word in ("DOUBLE", "FLOAT", "REAL"))]
        assert list(tree.find_all(exp.Div)) == []


# ---------------------------------------------------------------- range reasoning stays sound
@pytest.mark.parametrize("name", sorted(POLICIES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_ranges_are_sound_on_date_rules(loaded, name, data):
    policy, module = loaded[name]
    programme = data.draw(st.sampled_from(policy.programmes))
    application = data.draw(strategies.for_programme(programme))
    try:
        actual = module.evaluate(programme.id, application)
    except Exception as exc:
        if type(exc).__name__ != "InvalidApplication":
            raise
        return
    errors: list = []
    values = R.validate_object(interpreter._meta(programme)["inputs"], application, "", errors)
    answered = data.draw(st.sets(st.sampled_from(sorted(application))))
    seen = ranges.outlook(programme, {k: v for k, v in values.items() if k in answered})
    assert actual["status"] in seen.statuses, (answered, actual, seen)
    if seen.decided is not None:
        assert actual["status"] == seen.decided
    paid = Decimal(actual.get("amount_if_approved", actual["amount"]))
    if actual["status"] != "ineligible":
        assert seen.low <= paid and (seen.high is None or paid <= seen.high), (answered, actual, seen)


# ---------------------------------------------------------------- what a drafter and a reviewer read
@pytest.mark.parametrize("name", sorted(POLICIES))
def test_fmt_keeps_the_date_constructs_and_is_idempotent(name):
    source = POLICIES[name].read_text(encoding="utf-8")
    once = fmt.format_source(source)
    assert once == source  # the corpus files are kept in the canonical layout
    assert fmt.format_source(once) == once


def test_fmt_writes_a_period_and_a_schedule_canonically():
    canonical = POLICIES["periods"].read_text(encoding="utf-8")
    source = canonical.replace(
        "    期间 自 2025年1月1日 至 2025年12月31日 {\n      要求 in_statistics 否则 不符合 \"企业未纳入规模以上统计\"\n",
        "    期间   自 2025年1月1日   至 2025年12月31日 { 要求 in_statistics 否则 不符合 \"企业未纳入规模以上统计\"\n")
    assert source != canonical
    assert fmt.format_source(source) == canonical
    canonical = POLICIES["consecutive_years"].read_text(encoding="utf-8")
    source = canonical.replace("      第1年: 10万元 × 100%\n      第2年", "      第1年:10万元×100%    第2年")
    assert source != canonical
    assert fmt.format_source(source) == canonical


def test_the_sheet_shows_the_schedule_rows_and_the_period(loaded):
    text = sheets.render_markdown(sheets.build_sheet(loaded["consecutive_years"][0]))
    assert "- 计算：补助年度 = 申请日期所在的年度（自投产日期起按周年计，第1年至满1年的前一日）" in text
    for row in ("- 补助年度为第1年：补助金额 = 10万元 × 100%", "- 补助年度为第3年：补助金额 = 10万元 × 50%"):
        assert row in text
    assert "“每年”按投产之日起的周年计" in text
    text = sheets.render_markdown(sheets.build_sheet(loaded["periods"][0]))
    assert ("1. （申请日期不早于2025年1月1日，且申请日期不晚于2025年12月31日的，已纳入规模以上统计；其余不作此要求）"
            "（不满足时不符合条件：企业未纳入规模以上统计）") in text


def test_diff_names_a_changed_date_and_a_changed_year_row():
    old = POLICIES["periods"].read_text(encoding="utf-8")
    new = old.replace("当 申请日期 ≥ 2025年7月1日", "当 申请日期 ≥ 2025年8月1日")
    a, _ = check.check_source(old, "old.policy")
    b, _ = check.check_source(new.replace("自2025年7月1日起", "自2025年8月1日起"), "new.policy")
    assert diff.changes(a, b)[-1].endswith("；情形1的条件 申请日期 ≥ 2025年7月1日 → 申请日期 ≥ 2025年8月1日")
    old = POLICIES["consecutive_years"].read_text(encoding="utf-8")
    a, _ = check.check_source(old, "old.policy")
    b, _ = check.check_source(old.replace("第3年: 10万元 × 50%", "第3年: 10万元 × 100%"), "new.policy")
    assert any("50% → 100%" in line for line in diff.changes(a, b))


def test_the_editor_offers_the_date_functions_and_words_in_an_expression():
    from yeji_policy import lsp

    source = POLICIES["new_registration"].read_text(encoding="utf-8")
    lines = source.split("\n")
    row = next(n for n, text in enumerate(lines, 1) if text.strip().startswith("金额 = "))
    typing = "    令 t \"t\" = "
    edited = "\n".join(lines[: row - 1] + [typing] + lines[row - 1:])
    analysis = lsp.Analysis(edited, "tests/x.policy")
    good = lsp.Analysis(source, "tests/x.policy")
    found = {(c.label, c.kind) for c in lsp.complete(analysis, good, row, len(typing) + 1)}
    assert {("天数", "function"), ("年份", "function"), ("满", "function"), ("申请日期", "keyword"),
            ("施行日期", "keyword"), ("registered_on", "field")} <= found


def test_the_calculator_uses_the_application_date_a_rule_reads(loaded):
    policy, _ = loaded["new_registration"]
    found = interpreter.match(policy, {"registered_on": "2025-03-31", "application_date": "2027-03-31"})
    assert [(e["programme"], e["status"]) for e in found] == [("new_firm_rent", "ineligible")]
    assert found[0]["reasons"] == ["申请日期已超过注册之日起2年（不满足条件：并非“自注册日期 2025-03-31 至 申请日期 "
                                   "2027-03-31 满 2年（24 个月）”）【第1条】"]
    found = interpreter.match(policy, {"registered_on": "2025-03-31", "application_date": "2027-03-30"})
    assert [(e["programme"], e["status"]) for e in found] == [("new_firm_rent", "incomplete")]


def test_spark_sql_of_dates_uses_sparks_own_date_functions(loaded):
    """Spark has no to_months/to_days: date + months is add_months (the same month-end reading),
    date + days date_add, DuckDB's datediff('day', a, b) Spark's datediff(b, a)."""
    from yeji_policy import sparkrun

    texts = []
    for policy, _ in loaded.values():
        texts += [sparkrun.to_spark(q) for q in sparkrun.rules_queries(policy, lower.lower(policy)).values()]
    text = "\n".join(texts).upper()
    assert "TO_MONTHS" not in text and "TO_DAYS" not in text and "DATEDIFF(DAY" not in text
    assert "ADD_MONTHS(" in text and "DATE_ADD(" in text and "DATEDIFF(" in text


PERIOD_BY_A_DATE = '''文件 {
  发文机关 "示例区人民政府"
  标题 "网点建设"
  版本 "0.1"
}

章 一 "补助" {
  条 1 "网点补助" {
    > 1．网点补助。对2017年1月1日至2017年12月31日新建的网点，须经验收合格；每个网点补助2万元。
  }

  项目 stations "网点补助" {
    条款 1
    摘录 "对2017年1月1日至2017年12月31日新建的网点，须经验收合格；每个网点补助2万元"
    申请主体 "网点建设主体"
    资金来源 "区财政"
    兑现条件 "原文未规定"
    输入 {
      built_on: 日期 "建成日期"
      accepted: 是否 "验收合格"
    }
    期间 自 2017年1月1日 至 2017年12月31日 按 built_on {
      要求 accepted 否则 不符合 "2017年新建的网点未验收合格"
    }
    金额 = 2万元
  }
}
'''


def test_a_period_judged_by_a_date_the_rule_names():
    """期间 … 按 建成日期: the rule applies by the date it names, not the application date (which the
    programme then does not ask for)."""
    policy, diagnostics = check.check_source(PERIOD_BY_A_DATE, "stations.policy")
    assert policy is not None and diagnostics == [], diagnostics
    assert [f.name for f in policy.programme("stations").fields] == ["built_on", "accepted"]
    module = generated_engine(policy)
    for built, accepted, status in (("2016-12-31", False, "eligible"), ("2017-01-01", False, "ineligible"),
                                    ("2017-12-31", True, "eligible"), ("2017-12-31", False, "ineligible"),
                                    ("2018-01-01", False, "eligible")):
        result = both(policy, module, "stations", {"built_on": built, "accepted": accepted})
        assert result["status"] == status, built
    assert fmt.format_source(PERIOD_BY_A_DATE) == PERIOD_BY_A_DATE


@pytest.mark.parametrize("literal, day", [("1年1月1日", datetime.date(1, 1, 1)), ("999年12月31日", datetime.date(999, 12, 31)),
                                          ("9999年12月31日", datetime.date(9999, 12, 31)),
                                          ("2024年2月29日", datetime.date(2024, 2, 29))])
def test_a_date_literal_anywhere_in_years_1_to_9999_is_that_day(literal, day):
    # the grammar reads any number of digits; the checker takes every real day of years 1 to 9999
    # (999年12月31日 was "不是存在的日期"), and both engines compare with it to the day
    path = CASES / "dates" / "bad" / "no_such_month.policy"
    source = path.read_text(encoding="utf-8").replace("2025年13月1日", literal)
    policy, diagnostics = check.check_source(source, "literal.policy")
    assert policy is not None and [d for d in diagnostics if d.is_error] == [], diagnostics
    module = generated_engine(policy)
    assert both(policy, module, "grant", {"registered_on": day.isoformat()})["status"] == "eligible"
    if day > datetime.date.min:
        assert both(policy, module, "grant", {"registered_on": (day - DAY).isoformat()})["status"] == "ineligible"
