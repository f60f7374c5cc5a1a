"""The evaluator: both engines, the explanations, invalid applications, the
policy calculator, the stand-alone generated module, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yeji_policy.batch import exact_json
from yeji_policy import check, interpreter, runtime, testing
from yeji_policy.backends import python as python_backend
from yeji_policy.cli import main

import strategies
from cli_process import SHIPPED, run_cli

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated" / "python" / "yeji_ecommerce.py"


def both(policy, module, pid, application):
    """The result of each engine, or its list of errors."""
    out = []
    for engine in (lambda: interpreter.evaluate(policy, pid, application), lambda: module.evaluate(pid, application)):
        try:
            out.append(("ok", engine()))
        except Exception as exc:  # each engine has its own InvalidApplication class
            assert type(exc).__name__ == "InvalidApplication", exc
            out.append(("invalid", exc.errors))
    return out




# ---------------------------------------------------------------- embedded cases
def test_embedded_cases_pass_on_both_engines(policy, generated_module):
    failures = []
    for case in policy.tests:
        for name, engine in (("interpreter", lambda pid, app: interpreter.evaluate(policy, pid, app)),
                             ("generated", generated_module.evaluate)):
            outcome = testing.run_case(case, name, engine)
            if not outcome.passed:
                failures.append((name, case.name, outcome.problems))
    assert failures == []
    assert len(policy.tests) >= 50


# Ties on an even and an odd digit: half-even would give 0.02, 0.04 … for the first column.
HALF_CENT_TIES = [("0.025", "0.03"), ("0.035", "0.04"), ("0.005", "0.01"), ("0.015", "0.02"), ("100.125", "100.13"),
                  ("98765.425", "98765.43"), ("0.0249999", "0.02"), ("0.02500001", "0.03"), ("7", "7.00")]


@pytest.mark.parametrize("value,rounded", HALF_CENT_TIES)
def test_round_cents_is_half_up_on_both_engines(generated_module, value, rounded):
    """The one rounding rule, 0.01 元 half up, in the runtime and in the generated module's own copy."""
    for round_cents in (runtime.round_cents, generated_module.round_cents):
        assert str(round_cents(Decimal(value))) == rounded


def test_a_wrong_expectation_fails(policy, generated_module):
    case = next(c for c in policy.tests if c.programme == "art09_equipment" and c.expect.status == "eligible")
    wrong = type(case)(case.name, case.programme, case.application,
                       type(case.expect)("eligible", Decimal("1.00"), None, (), ()), case.span)
    outcome = testing.run_case(wrong, "generated", generated_module.evaluate)
    assert not outcome.passed
    assert outcome.problems[0].startswith("金额：预期 1.00，实际 ")


# ---------------------------------------------------------------- differential
@pytest.mark.parametrize("pid", strategies.PROGRAMME_IDS)
def test_engines_agree(policy, generated_module, pid):
    programme = policy.programme(pid)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategies.for_programme(programme))
    def check(application):
        interpreted, generated = both(policy, generated_module, pid, application)
        assert interpreted == generated
        if interpreted[0] == "ok":
            result = interpreted[1]
            assert result["status"] in ("eligible", "ineligible", "review")
            amount = Decimal(result["amount"])
            assert amount == amount.quantize(Decimal("0.01"))
            if result["status"] == "eligible":
                assert amount > 0
            if result["status"] == "ineligible":
                assert result["amount"] == "0.00" and result["reasons"]
            if result["status"] == "review":
                assert result["reasons"]

    check()


def test_rent_window_boundaries(policy, generated_module):
    base = {"enterprise_kind": "ecommerce", "in_ecommerce_park": True, "leased_area_m2": 10,
            "move_in_date": "2018-05-31", "rent_paid": 100000}
    cases = {
        ("2018-05-01", "2018-05-01"): "150.00",  # first month of the window
        ("2018-04-01", "2018-05-31"): "150.00",  # the month before does not count
        ("2021-04-30", "2021-04-30"): "150.00",  # last (36th) month
        ("2018-05-01", "2021-04-30"): "5400.00",  # the whole window: 36 months
        ("2018-01-01", "2030-12-31"): "5400.00",
    }
    for (claim_from, claim_to), amount in cases.items():
        app = dict(base, claim_from=claim_from, claim_to=claim_to)
        interpreted, generated = both(policy, generated_module, "art10_park_rent", app)
        assert interpreted == generated
        assert interpreted[1]["amount"] == amount, (claim_from, claim_to)
    after = dict(base, claim_from="2021-05-01", claim_to="2021-05-31")
    assert interpreter.evaluate(policy, "art10_park_rent", after)["status"] == "ineligible"


# ---------------------------------------------------------------- explanations
def test_explanation_is_checkable_by_hand(policy):
    result = interpreter.evaluate(policy, "art09_equipment",
                                  {"equipment_investment": Decimal("123456.78"), "equipment_audit_passed": True})
    clause = {"excerpt": "对软硬件等设备设施购置新增投入部分，审计验收后给予80%补助，补助金额最高不超过80万元",
              "start": 218, "end": 262}
    assert policy.article(9).text[218:262] == clause["excerpt"]  # the offsets are into the verbatim text
    assert result == {
        "programme": "art09_equipment",
        "programme_name": "农村电商公共服务中心设备设施购置补助",
        "status": "eligible",
        "amount": "98765.42",
        "article": 9,
        "funding_source": "区财政",
        "payment_condition": "以奖代补；审计验收后",
        "steps": [
            "满足条件：审计验收合格（是）【第9条】",
            "新增软硬件设备设施购置投入 123,456.78 元 × 80% = 98,765.424 元，未超过上限 800,000.00 元，"
            "按分四舍五入，取 98,765.42 元【第9条】",
        ],
        "reasons": [],
        "interpretations": [{"id": "art09_equipment.applicant", "article": 9, "subject": "申请主体",
                             "note": "原文未写申请主体，按受补助的农村电子商务公共服务中心的建设者理解"},
                            {"id": "art09_equipment.condition", "article": 9, "subject": "条件",
                             "note": "原文为“审计验收后给予80%补助”，未写“合格”；按审计验收合格理解"}],
        "trace": [
            {"id": "art09_equipment.condition.1", "kind": "condition", "article": 9, "clause": clause,
             "inputs": {"equipment_audit_passed": True}, "value": True,
             "interpretations": ["art09_equipment.condition"], "explanation": {"text": "审计验收合格（是）"}},
            {"id": "art09_equipment.formula.1", "kind": "formula", "article": 9, "clause": clause,
             "inputs": {"equipment_investment": "123456.78"}, "value": "98765.42", "interpretations": [],
             "explanation": {"text": "新增软硬件设备设施购置投入 123,456.78 元 × 80%", "exact": "98765.424",
                             "cap": "800,000.00 元", "capped": False}},
        ],
    }


def test_reasons_name_the_failed_condition(policy):
    result = interpreter.evaluate(policy, "art14_sales_award",
                                  {"sales_channel": "B2B", "months_in_operation": 11, "annual_online_sales": 9000000})
    assert result["status"] == "ineligible"
    assert result["reasons"] == ["实际运行未满1年（不满足条件：实际运行月数 11 个月 < 1年（12 个月））【第14条】"]


def test_interpretations_applied_are_listed(policy):
    result = interpreter.evaluate(policy, "art14_sales_award", {
        "sales_channel": "C2C", "months_in_operation": 20, "annual_online_sales": 1200000,
        "sales_awards_received": 5000})
    assert result["amount"] == "5000.00"
    assert {"id": "art14_sales_award.formula", "article": 14, "subject": "金额计算",
            "note": "就高不重复，晋档补差：按已达到的最高档奖励，扣除此前已获本项奖励（不论此前按哪种电子商务形式获得）；"
                    "“首次突破”不核对以前年度的销售额，由审核人员按申报材料核对"} in result["interpretations"]
    assert all(step.endswith("【第14条】") for step in result["steps"])


def test_review_without_amount_if_approved(policy, generated_module):
    app = {"trainees": 30, "training_days": 2, "meals_provided": True, "hands_on_computer": False,
           "lodging_provided": False}
    interpreted, generated = both(policy, generated_module, "art17_training", app)
    assert interpreted == generated
    result = interpreted[1]
    assert result["status"] == "review" and result["amount"] == "0.00"
    assert "amount_if_approved" not in result


# ---------------------------------------------------------------- invalid applications
VALID_RENT = {"enterprise_kind": "ecommerce", "in_ecommerce_park": True, "leased_area_m2": 80,
              "move_in_date": "2018-05-20", "claim_from": "2018-05-01", "claim_to": "2018-10-31",
              "rent_paid": 30000}
VALID_STATIONS = {"stations": [{"village": "平岗村", "built_year": 2017, "meets_standard": True,
                                "acceptance_passed": True, "investment": 15000}]}

INVALID = [
    ("missing field", "art10_park_rent", {k: v for k, v in VALID_RENT.items() if k != "rent_paid"}, ["rent_paid"]),
    ("null", "art10_park_rent", dict(VALID_RENT, rent_paid=None), ["rent_paid"]),
    ("unknown field", "art10_park_rent", dict(VALID_RENT, bonus=1), ["bonus"]),
    ("unknown nested field", "art13_rural_stations",
     {"stations": [dict(VALID_STATIONS["stations"][0], extra=True)]}, ["stations[0].extra"]),
    ("boolean for number", "art10_park_rent", dict(VALID_RENT, leased_area_m2=True), ["leased_area_m2"]),
    ("negative money", "art10_park_rent", dict(VALID_RENT, rent_paid=-1), ["rent_paid"]),
    ("three decimals", "art10_park_rent", dict(VALID_RENT, rent_paid=Decimal("100.123")), ["rent_paid"]),
    ("NaN", "art10_park_rent", dict(VALID_RENT, rent_paid=Decimal("NaN")), ["rent_paid"]),
    ("Infinity", "art10_park_rent", dict(VALID_RENT, rent_paid=Decimal("Infinity")), ["rent_paid"]),
    ("float", "art10_park_rent", dict(VALID_RENT, rent_paid=0.5), ["rent_paid"]),
    ("not a date", "art10_park_rent", dict(VALID_RENT, move_in_date="2018-02-30"), ["move_in_date"]),
    ("date format", "art10_park_rent", dict(VALID_RENT, move_in_date="2018/05/20"), ["move_in_date"]),
    ("enum case", "art10_park_rent", dict(VALID_RENT, enterprise_kind="Ecommerce"), ["enterprise_kind"]),
    ("enum label", "art10_park_rent", dict(VALID_RENT, enterprise_kind="电子商务企业"), ["enterprise_kind"]),
    ("range reversed", "art10_park_rent", dict(VALID_RENT, claim_from="2018-11-01"), ["claim_to"]),
    ("empty list", "art13_rural_stations", {"stations": []}, ["stations"]),
    ("empty village", "art13_rural_stations",
     {"stations": [dict(VALID_STATIONS["stations"][0], village="")]}, ["stations[0].village"]),
    ("fraction for int", "art17_training", {"trainees": Decimal("1.5"), "training_days": 1, "meals_provided": True,
                                            "hands_on_computer": True, "lodging_provided": True}, ["trainees"]),
    ("not a half day", "art17_training", {"trainees": 5, "training_days": Decimal("0.7"), "meals_provided": True,
                                          "hands_on_computer": True, "lodging_provided": True}, ["training_days"]),
    ("zero days", "art17_training", {"trainees": 5, "training_days": 0, "meals_provided": True,
                                     "hands_on_computer": True, "lodging_provided": True}, ["training_days"]),
    ("array instead of object", "art11_pavilion", [1, 2], [""]),
    ("several at once", "art10_park_rent", {"enterprise_kind": "x", "rent_paid": "abc", "zzz": 1},
     ["enterprise_kind", "in_ecommerce_park", "leased_area_m2", "move_in_date", "claim_from", "claim_to",
      "rent_paid", "zzz"]),
]


@pytest.mark.parametrize("name,pid,application,paths", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_applications(policy, generated_module, name, pid, application, paths):
    interpreted, generated = both(policy, generated_module, pid, application)
    assert interpreted == generated
    kind, errors = interpreted
    assert kind == "invalid"
    assert [e["path"] for e in errors] == paths
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["message"]) for e in errors)


def test_whole_numbers_and_minus_zero_are_valid(policy):
    app = dict(VALID_RENT, leased_area_m2=Decimal("80.0"), rent_paid=Decimal("-0"))
    assert interpreter.evaluate(policy, "art10_park_rent", app)["status"] == "ineligible"  # rent paid 0 caps at 0
    app = dict(VALID_RENT, rent_paid=Decimal("30000.000"))
    assert interpreter.evaluate(policy, "art10_park_rent", app)["amount"] == "7200.00"
    training = {"trainees": Decimal("12.0"), "training_days": Decimal("0.50"), "meals_provided": False,
                "hands_on_computer": False, "lodging_provided": False}
    assert interpreter.evaluate(policy, "art17_training", training)["amount"] == "720.00"


def test_money_as_decimal_string(policy, generated_module):
    app = {"equipment_investment": "123456.78", "equipment_audit_passed": True}
    interpreted, generated = both(policy, generated_module, "art09_equipment", app)
    assert interpreted == generated and interpreted[1]["amount"] == "98765.42"


def test_unknown_programme_lists_valid_ids(policy, generated_module):
    interpreted, generated = both(policy, generated_module, "art99", {})
    assert interpreted == generated
    assert interpreted[1][0]["path"] == "programme"
    assert "art09_equipment" in interpreted[1][0]["message"]


# ---------------------------------------------------------------- the policy calculator
def test_match_decides_what_it_can(policy, generated_module):
    profile = {"sales_channel": "C2C", "months_in_operation": 6}
    entries = interpreter.match(policy, profile)
    assert entries == generated_module.match(profile)
    by_id = {e["programme"]: e for e in entries}
    award = by_id.pop("art14_sales_award")
    assert award["status"] == "ineligible"
    assert award["reasons"] == ["实际运行未满1年（不满足条件：实际运行月数 6 个月 < 1年（12 个月））【第14条】"]
    assert all(e["status"] == "incomplete" and e["missing"] for e in by_id.values())
    assert by_id["art09_equipment"]["max_amount_text"] == "最高 80万元"
    assert by_id["art15_demonstration"]["missing"] == [{"field": "demonstration_level", "label": "示范企业级别"}]
    assert "max_amount" not in by_id["art13_rural_stations"]


def test_match_complete_programmes_and_bad_profiles(policy, generated_module):
    profile = {"demonstration_level": "province", "poor_employees": 2, "claim_from": "2019-01-01"}
    entries = interpreter.match(policy, profile)
    assert entries == generated_module.match(profile)
    by_id = {e["programme"]: e for e in entries}
    assert by_id["art15_demonstration"]["status"] == "eligible" and by_id["art15_demonstration"]["amount"] == "100000.00"
    assert by_id["art14_poverty_employment"]["amount"] == "2000.00"
    with pytest.raises(runtime.InvalidApplication) as info:
        interpreter.match(policy, {"demonstration_level": "county", "nonsense": 1})
    assert [e["path"] for e in info.value.errors] == ["nonsense", "demonstration_level"]


# ---------------------------------------------------------------- the generated module
def test_generated_file_is_fresh(policy):
    (text,) = python_backend.generate(policy).values()
    assert GENERATED.read_bytes() == text


def test_generated_module_runs_on_the_standard_library_alone(policy, tmp_path):
    cases = {}
    for case in policy.tests:
        if case.expect.status != "invalid":
            cases.setdefault(case.programme, case)
    payload = [{"pid": c.programme, "app": c.application, "amount": f"{c.expect.amount:.2f}"
                if c.expect.amount is not None else None, "status": c.expect.status} for c in cases.values()]
    (tmp_path / "cases.json").write_text(exact_json(payload), encoding="utf-8")
    script = f"""
import decimal, importlib.util, json, sys
for name in ("yeji_policy", "lark", "jinja2", "jsonschema", "click"):
    try:
        __import__(name)
    except ImportError:
        pass
    else:
        raise SystemExit("third-party package importable: " + name)
spec = importlib.util.spec_from_file_location("yeji_ecommerce", {str(GENERATED)!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
third = sorted(m for m in sys.modules if m.split(".")[0] in ("yeji_policy", "lark", "jinja2", "jsonschema", "click"))
assert not third, third
cases = json.loads(open({str(tmp_path / "cases.json")!r}, encoding="utf-8").read(), parse_float=decimal.Decimal)
for case in cases:
    result = module.evaluate(case["pid"], case["app"])
    assert result["status"] == case["status"], (case, result)
    if case["amount"] is not None:
        assert result["amount"] == case["amount"], (case, result)
print(len(cases), "programmes")
"""
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == f"{len(policy.programmes)} programmes"


# ---------------------------------------------------------------- the command line
WORKED_EXAMPLES = [
    ("art09_venue_fitout", {"venue_fitout_investment": 300000, "venue_acceptance_passed": True}, "eligible",
     "150000.00"),
    ("art10_park_rent", VALID_RENT, "eligible", "7200.00"),
    ("art14_sales_award", {"sales_channel": "C2C", "months_in_operation": 20, "annual_online_sales": 1200000,
                           "sales_awards_received": 5000}, "eligible", "5000.00"),
    ("art17_training", {"trainees": 60, "training_days": 0.5, "meals_provided": True, "hands_on_computer": False,
                        "lodging_provided": False}, "eligible", "5400.00"),
]


@pytest.mark.parametrize("pid,application,status,amount", WORKED_EXAMPLES, ids=[w[0] for w in WORKED_EXAMPLES])
def test_catalogue_worked_examples_through_the_cli(tmp_path, pid, application, status, amount):
    path = tmp_path / "app.json"
    path.write_text(json.dumps(application), encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", pid, str(path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["status"], out["amount"]) == (status, amount)


def test_cli_human_explanation(tmp_path):
    path = tmp_path / "app.json"
    path.write_text('{"equipment_investment": 123456.78, "equipment_audit_passed": true}', encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", "art09_equipment", str(path), *SHIPPED])
    assert result.exit_code == 0
    assert result.output.splitlines()[:4] == [
        "项目：农村电商公共服务中心设备设施购置补助（art09_equipment，第9条）",
        "结论：符合条件",
        "金额：98,765.42 元",
        "资金来源：区财政",
    ]


@pytest.mark.parametrize("content,message", [
    (b'{"equipment_investment": 1,', "第1行第28列：JSON 格式错误（此处应为带双引号的字段名）"),
    (b"", "是空文件"),
    (b"\xff\xfe{}", "不是 UTF-8 编码：第1个字节无法解码"),
    (b'{"equipment_investment": NaN, "equipment_audit_passed": true}', "JSON 中有无法处理的值"),
    (b"[" * 100000 + b"]" * 100000, "嵌套层数过深"),
], ids=["malformed", "empty", "not-utf8", "nan", "deep-nesting"])
def test_cli_unreadable_input(tmp_path, content, message):
    path = tmp_path / "app.json"
    path.write_bytes(content)
    proc = run_cli("evaluate", "art09_equipment", str(path))
    assert proc.returncode == 2
    assert message in proc.stderr and str(path) in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_invalid_application_lists_every_error(tmp_path):
    path = tmp_path / "app.json"
    path.write_text('{"equipment_investment": 100.123, "extra": 1}', encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", "art09_equipment", str(path)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "申请无效，共 3 处问题：",
        "  - equipment_investment：“新增软硬件设备设施购置投入”最多两位小数，此处为 100.123；须为不小于0、最多两位小数的金额（元）",
        "  - equipment_audit_passed：缺少必填项“审计验收合格”",
        "  - extra：未知的输入项“extra”；允许的输入项：equipment_audit_passed、equipment_investment",
    ]


def test_cli_test_and_programmes():
    runner = CliRunner()
    result = runner.invoke(main, ["test"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].endswith(" passed, 0 failed")
    listing = runner.invoke(main, ["programmes", "--json", *SHIPPED])
    assert listing.exit_code == 0
    assert [p["id"] for p in json.loads(listing.output)][:2] == ["art09_venue_fitout", "art09_equipment"]
    profile = runner.invoke(main, ["match", "--json", "-", *SHIPPED], input='{"sales_channel": "C2C", "months_in_operation": 6}')
    assert profile.exit_code == 0, profile.output
    assert json.loads(profile.output)[8]["status"] == "ineligible"


# ---------------------------------------------------------------- the generated module's straight path
EDGE_VALUES = [Decimal("-0"), Decimal("0.0"), Decimal("12.0"), Decimal("1.230"), Decimal("0.5"), Decimal("1E+1"),
               Decimal("0.001"), 0, 12, -1, True, "12.5", "2018-02-29", "2020-02-29", " ", "平岗村", "city",
               Decimal("NaN"), 10 ** 15, 10 ** 15 + 1]


@pytest.mark.parametrize("pid", strategies.PROGRAMME_IDS)
def test_straight_path_validation_matches_the_full_check(policy, generated_module, pid):
    """The generated module's plain_* path accepts exactly what validate_object accepts, with the same values."""
    programme = policy.programme(pid)
    specs = generated_module.PROGRAMMES[pid]["inputs"]
    validate = getattr(generated_module, f"_validate_{pid}")

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategies.for_programme(programme), st.data())
    def check(application, data):
        if data.draw(st.booleans()):
            name = data.draw(st.sampled_from([s["name"] for s in specs]))
            application = dict(application, **{name: data.draw(st.sampled_from(EDGE_VALUES))})
        full_errors, fast_errors = [], []
        assert validate(application, fast_errors) == generated_module.validate_object(specs, application, "",
                                                                                      full_errors)
        assert fast_errors == full_errors

    check()


# ---------------------------------------------------------------- found in review
STATION = {"village": "A", "built_year": 2017, "meets_standard": True, "acceptance_passed": True, "investment": 10000}


@pytest.mark.parametrize("investments,amount,if_approved", [((10000, 0), "10000.00", "10000.00"),
                                                           ((0, 0), "0.00", "0.00")])
def test_a_station_under_review_makes_a_review_even_when_worth_nothing(policy, generated_module, investments,
                                                                         amount, if_approved):
    app = {"stations": [dict(STATION, investment=i) for i in investments]}
    interpreted, generated = both(policy, generated_module, "art13_rural_stations", app)
    assert interpreted == generated
    result = interpreted[1]
    assert (result["status"], result["amount"], result["amount_if_approved"]) == ("review", amount, if_approved)
    assert len(result["reasons"]) == 1 and "同一行政村" in result["reasons"][0]


def test_an_amount_that_rounds_to_nothing_says_so(policy):
    result = interpreter.evaluate(policy, "art14_cross_border",
                                  {"builds_cross_border_platform": True, "cross_border_investment": Decimal("0.03")})
    assert result["status"] == "ineligible"
    assert result["reasons"] == ["按规则计算的补贴金额为 0.0045 元，四舍五入到分为 0.00 元【第14条】"]  # the programme's word: 补贴


def test_match_reports_a_reversed_date_range_as_invalid(policy, generated_module):
    profile = {"move_in_date": "2018-05-20", "claim_from": "2018-10-31", "claim_to": "2018-05-01"}
    entries = interpreter.match(policy, profile)
    assert entries == generated_module.match(profile)
    rent = next(e for e in entries if e["programme"] == "art10_park_rent")
    assert rent["status"] == "invalid"
    assert rent["errors"] == [{"path": "claim_to", "message": "本次申请补助期间的结束日期早于开始日期"}]
    path_text = CliRunner().invoke(main, ["match", "-"], input=json.dumps(profile)).output
    assert "    claim_to：本次申请补助期间的结束日期早于开始日期" in path_text.splitlines()


def test_lone_surrogates_never_crash_the_cli(tmp_path):
    app = tmp_path / "app.json"
    app.write_text('{"stations": [{"village": "A\\ud800", "built_year": 2017, "meets_standard": true, '
                   '"acceptance_passed": true, "investment": 1}]}', encoding="utf-8")
    proc = run_cli("evaluate", "art13_rural_stations", str(app))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "stations[0].village" in proc.stderr and "\\ud800" in proc.stderr
    lines = tmp_path / "batch.jsonl"
    lines.write_text('{"programme": "x\\udc00", "application": {}}\n'
                     '{"programme": "art15_demonstration", "application": {"demonstration_level": "city"}}\n',
                     encoding="utf-8")
    proc = run_cli("evaluate", "--batch", str(lines))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert first["status"] == "invalid" and second["amount"] == "20000.00"


def test_cli_refuses_ambiguous_json(tmp_path):
    path = tmp_path / "app.json"
    path.write_bytes(b'{"demonstration_level": "city", "demonstration_level": "national"}')
    proc = run_cli("evaluate", "art15_demonstration", str(path))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"错误：{path}：JSON 中有无法处理的值：字段“demonstration_level”出现了两次，"
                                   "无法确定取哪一个")


def test_cli_refuses_a_number_of_too_many_digits_by_field(tmp_path):
    # int() cannot read 5001 digits; the number is read exactly all the same, and refused by its field.
    path = tmp_path / "app.json"
    path.write_bytes(b'{"poor_employees": ' + b"9" * 5001 + b"}")
    proc = run_cli("evaluate", "art14_poverty_employment", str(path))
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "申请无效，共 1 处问题：",
        "  - poor_employees：“稳定就业的贫困人口人数（此前未获本项补助）”超过允许的最大值 9,999,999,999.99",
    ]


@pytest.mark.parametrize("pid", strategies.PROGRAMME_IDS)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_match_on_a_partial_application_agrees_between_the_engines(pid, data, policy, generated_module):
    # The partial path (rules guarded on known inputs, constraints, per-item lists) was compared
    # between the engines on fixed profiles only.
    application = data.draw(strategies.for_programme(policy.programme(pid)))
    known = {k: application[k] for k in data.draw(st.sets(st.sampled_from(sorted(application))))} if application else {}

    def outcome(match):
        try:
            return match(known)
        except Exception as exc:  # each engine's own InvalidApplication
            assert type(exc).__name__ == "InvalidApplication", exc
            return exc.errors

    assert outcome(lambda p: interpreter.match(policy, p)) == outcome(generated_module.match)


def test_a_money_string_of_at_most_40_characters_is_read_and_a_longer_one_is_text(policy, generated_module):
    """Money may arrive as a decimal string; its length is bounded (40 characters) before it is read,
    in both engines, and the bound is exact: leading zeros make a 40- and a 41-character 1.00."""
    at_bound, over = "0" * 36 + "1.00", "0" * 37 + "1.00"
    assert (len(at_bound), len(over)) == (40, 41)
    for evaluate in (generated_module.evaluate, lambda pid, app: interpreter.evaluate(policy, pid, app)):
        result = evaluate("art09_equipment", {"equipment_investment": at_bound, "equipment_audit_passed": True})
        assert result["amount"] == "0.80"
        with pytest.raises((runtime.InvalidApplication, generated_module.InvalidApplication)) as caught:
            evaluate("art09_equipment", {"equipment_investment": over, "equipment_audit_passed": True})
        assert caught.value.errors == [{
            "path": "equipment_investment",
            "message": "“新增软硬件设备设施购置投入”应为数字，此处为文字“00000000000000000000000000000000000001.0…”；"
                       "须为不小于0、最多两位小数的金额（元）"}]
