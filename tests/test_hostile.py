"""Hostile inputs: policy text that tries to escape into generated code, and
applications that try to break the evaluator.  Every one gets a clear error
or inert, verbatim output — never a traceback, never a wrong amount."""

from __future__ import annotations

import decimal
import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_process import SHIPPED, run_cli
from yeji_policy import batch, check, cli, interpreter, runtime
from yeji_policy import build as build_mod
from yeji_policy.backends import python as python_backend
from yeji_policy.fmt import quote

ROOT = Path(__file__).resolve().parent.parent
BASE = (Path(__file__).parent / "fixtures" / "minimal.policy").read_text(encoding="utf-8")

# Each payload tries to end a Python string, docstring or comment, a template
# tag or an HTML element; fmt.quote writes it as a policy string literal.
PAYLOADS = [
    '"; import os; os.system("touch CANARY") #',
    "'''\n__import__('os').system('touch CANARY')\n'''",
    '"""\n__import__(\'os\').system(\'touch CANARY\')\n"""',
    "\\ back\\slash \\x00 \\n",
    "{{ 7*7 }} {% for x in y %}{% endfor %} {# c #}",
    "</script><script>alert(1)</script></table>",
    "| pipe | *star* _under_ `tick` [link](x) # hash <b>",
    "\u202e\u2066bidi\u2069\u202c",
    "nul\x00byte",
    "\n# newline comment\nx = 1",
]


def hostile_policy(payload: str, programme_id: str = "equipment", field: str = "investment") -> str:
    literal = quote(payload)  # the payload as a policy string literal, quotes included
    text = BASE.replace('"设备补助" {\n    条款', f"{literal} {{\n    条款")
    text = text.replace('"设备投入"', f"{literal} 说明 {literal}")
    text = text.replace('"未验收合格"', literal)
    text = text.replace('资金来源 "区财政"', f"资金来源 {literal} 解释 {literal}")
    text = text.replace("项目 equipment", f"项目 {programme_id}")
    text = text.replace("investment", field)
    return text


def _artifacts(text: str, allow_diagnostics: bool = False):
    """The checked policy and every artifact; or (None, diagnostics) when the checker refuses it."""
    policy, diagnostics = check.check_source(text, "policies/hostile.policy")
    if policy is None:
        assert allow_diagnostics, [d.message for d in diagnostics]
        assert diagnostics and all(d.code.startswith(("E", "W")) for d in diagnostics)
        return None, diagnostics
    return policy, build_mod.render([policy])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_policy_text_stays_inert(tmp_path, payload):
    policy, artifacts = _artifacts(hostile_policy(payload), allow_diagnostics=True)
    invisible = any(ord(ch) < 32 and ch not in "\n\t" or 0x202A <= ord(ch) <= 0x2069 for ch in payload)
    if invisible:
        # NUL and bidirectional controls are refused: they would hide or reorder text.
        assert policy is None and {d.code for d in artifacts} == {"E0105"}
        return
    assert policy is not None
    module_path = tmp_path / "hostile.py"
    module_path.write_bytes(artifacts["python/hostile.py"])
    label = policy.programmes[0].fields[0].label
    script = f"""
import decimal, importlib.util, json
spec = importlib.util.spec_from_file_location("hostile", {str(module_path)!r})
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
r = m.evaluate("equipment", {{"investment": decimal.Decimal("100"), "accepted": False}})
print(json.dumps([m.PROGRAMMES["equipment"]["inputs"][0]["label"], m.PROGRAMMES["equipment"]["funding_source"],
                  r["status"], r["reasons"]], ensure_ascii=False))
"""
    proc = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, cwd=tmp_path,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "CANARY").exists()
    label_out, funding, status, reasons = json.loads(proc.stdout)
    assert label_out == label and funding == policy.programmes[0].funding_source.value
    assert status == "ineligible" and reasons[0].startswith(policy.programmes[0].rules[0].reason)
    for path, data in artifacts.items():
        if path.endswith(".json"):
            json.loads(data)
        if path.endswith(".html"):
            assert b"<script>alert(1)" not in data


@pytest.mark.parametrize("name", ["class", "import", "sum", "evaluate", "match", "values", "known", "None", "D",
                                  "__init__", "self", "item", "steps"])
def test_identifiers_that_are_python_names(name):
    policy, artifacts = _artifacts(hostile_policy("标签", programme_id=name, field=name))
    namespace: dict = {}
    exec(compile(artifacts["python/hostile.py"], "hostile", "exec"), namespace)  # noqa: S102
    result = namespace["evaluate"](name, {name: Decimal("100"), "accepted": True})
    assert result["amount"] == "50.00"
    assert result == interpreter.evaluate(policy, name, {name: Decimal("100"), "accepted": True})


def test_extreme_numbers():
    text = BASE.replace("50万元\n", "100000000000000000000000000000元\n").replace("× 50%", "× 0.001%")
    policy, artifacts = _artifacts(text)
    namespace: dict = {}
    exec(compile(artifacts["python/hostile.py"], "hostile", "exec"), namespace)  # noqa: S102
    app = {"investment": Decimal("1234567890.12"), "accepted": True}  # inputs stay below 10^10
    result = namespace["evaluate"]("equipment", app)
    assert result == interpreter.evaluate(policy, "equipment", app)
    assert result["amount"] == "12345.68"  # 12,345.6789012 rounded half up
    assert "12,345.6789012 元" in result["steps"][-1]


def test_generated_source_quotes_every_policy_string():
    policy, _ = _artifacts(hostile_policy(PAYLOADS[1]))
    (source,) = python_backend.generate(policy).values()
    text = source.decode("utf-8")
    # The payload's code line never appears at the start of a line of Python.
    assert "\n__import__('os')" not in text
    assert "touch CANARY" in text  # it is there, inside a string literal


# ---------------------------------------------------------------- hostile applications
HUGE_STATIONS = {"stations": [{"village": f"村{i}", "built_year": 2017, "meets_standard": True,
                               "acceptance_passed": True, "investment": 1} for i in range(200_000)]}


def deep(levels: int):
    value: object = 1
    for _ in range(levels):
        value = {"x": value}
    return value


HOSTILE_APPLICATIONS = [
    ("art09_equipment", {"equipment_investment": "十万", "equipment_audit_passed": True}),
    ("art09_equipment", {"equipment_investment": Decimal("1E+400"), "equipment_audit_passed": True}),
    ("art09_equipment", {"equipment_investment": 10 ** 5000, "equipment_audit_passed": True}),
    ("art09_equipment", {"equipment_investment": Decimal("-0.01"), "equipment_audit_passed": "true"}),
    ("art09_equipment", {"equipment_investment": "1e5", "equipment_audit_passed": 1}),
    ("art09_equipment", ["equipment_investment"]),
    ("art09_equipment", None),
    ("art09_equipment", deep(100_000)),
    ("art13_rural_stations", HUGE_STATIONS),
    ("art13_rural_stations", {"stations": "平岗村"}),
    ("art13_rural_stations", {"stations": [None, 1, "x", {}]}),
    ("art10_park_rent", {"enterprise_kind": ["ecommerce"], "in_ecommerce_park": True, "leased_area_m2": 1,
                         "move_in_date": "2018-13-01", "claim_from": "20180101", "claim_to": 20180101,
                         "rent_paid": 1}),
    (None, {}),
    (["art09_equipment"], {}),
]


@pytest.mark.parametrize("pid,application", HOSTILE_APPLICATIONS,
                         ids=[f"{i}" for i in range(len(HOSTILE_APPLICATIONS))])
def test_hostile_applications_are_refused(policy, generated_module, pid, application):
    for evaluate in (lambda: interpreter.evaluate(policy, pid, application),
                     lambda: generated_module.evaluate(pid, application)):
        with pytest.raises(Exception) as info:
            evaluate()
        assert type(info.value).__name__ == "InvalidApplication"
        assert info.value.errors and all(e["message"] for e in info.value.errors)


def test_a_large_valid_list_is_evaluated(policy, generated_module):
    stations = [{"village": f"村{i}", "built_year": 2017, "meets_standard": True, "acceptance_passed": True,
                 "investment": 1} for i in range(10_000)]
    result = generated_module.evaluate("art13_rural_stations", {"stations": stations})
    assert result["amount"] == "10000.00"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10)
    | st.decimals(allow_nan=True, allow_infinity=True, places=3),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pid=st.sampled_from(["art09_equipment", "art10_park_rent", "art13_rural_stations", "art17_training",
                            "art14_sales_award", "unknown"]),
       application=st.one_of(JSON, st.dictionaries(st.sampled_from(
           ["equipment_investment", "equipment_audit_passed", "stations", "trainees", "training_days",
            "claim_from", "claim_to", "sales_channel", "months_in_operation", "annual_online_sales"]), JSON)))
def test_random_json_never_crashes_either_engine(policy, generated_module, pid, application):
    outcomes = []
    for evaluate in (lambda: interpreter.evaluate(policy, pid, application),
                     lambda: generated_module.evaluate(pid, application)):
        try:
            outcomes.append(("ok", evaluate()))
        except Exception as exc:
            assert type(exc).__name__ == "InvalidApplication", repr(exc)
            outcomes.append(("invalid", exc.errors))
    assert outcomes[0] == outcomes[1]


def test_cli_refuses_hostile_files(tmp_path):
    cases = {
        "huge-int.json": b'{"equipment_investment": ' + b"9" * 5000 + b', "equipment_audit_passed": true}',
        "big-exponent.json": b'{"equipment_investment": 1e400, "equipment_audit_passed": true}',
        "array.json": b"[1, 2]",
        "latin1.json": '{"equipment_investment": "é"}'.encode("latin-1"),
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        proc = run_cli("evaluate", "art09_equipment", str(path))
        assert proc.returncode == 2, (name, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr and "金额：" not in proc.stdout, name


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile=st.one_of(JSON, st.dictionaries(st.sampled_from(
    ["equipment_investment", "equipment_audit_passed", "stations", "trainees", "training_days", "claim_from",
     "claim_to", "sales_channel", "months_in_operation", "demonstration_level", "poor_employees"]), JSON)))
def test_random_profiles_never_crash_the_calculator(policy, generated_module, profile):
    outcomes = []
    for match in (lambda: interpreter.match(policy, profile), lambda: generated_module.match(profile)):
        try:
            outcomes.append(("ok", match()))
        except Exception as exc:
            assert type(exc).__name__ == "InvalidApplication", repr(exc)
            outcomes.append(("invalid", exc.errors))
    assert outcomes[0] == outcomes[1]
    if outcomes[0][0] == "ok":
        assert {e["status"] for e in outcomes[0][1]} <= {"eligible", "ineligible", "review", "incomplete", "invalid"}


def test_cli_match_refuses_a_bad_profile(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text('{"demonstration_level": "county", "zzz": 1}', encoding="utf-8")
    proc = run_cli("match", str(path))
    assert proc.returncode == 2
    assert "zzz" in proc.stderr and "demonstration_level" in proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------- issue 19: hostile application input
HUGE_EXPONENT = b'{"equipment_investment": 1e9999999999999999999, "equipment_audit_passed": true}'
OUT_OF_RANGE_MESSAGE = ("“新增软硬件设备设施购置投入”的数值超出可以处理的范围（指数过大或过小）；"
                        "须为不小于0、最多两位小数的金额（元）")
GOOD_LINE = b'{"programme": "art09_equipment", "application": {"equipment_investment": 100, ' \
            b'"equipment_audit_passed": true}}\n'


def _engines(policy, generated_module):
    return {"interpreter": lambda pid, app: interpreter.evaluate(policy, pid, app),
            "generated": generated_module.evaluate}


def _outcome(call):
    """("ok", result) or ("invalid", errors); any other exception fails the test."""
    try:
        return "ok", call()
    except Exception as exc:
        assert type(exc).__name__ == "InvalidApplication", repr(exc)
        assert exc.errors and all(_is_chinese(e["message"]) for e in exc.errors), exc.errors
        return "invalid", exc.errors


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("text,expected", [
    ("1e9999999999999999999", "NaN1"),
    ("-1e9999999999999999999", "NaN1"),
    ("1e-9999999999999999999", "NaN1"),
    ("12e999999999999999999", "NaN1"),
    ("0e9999999999999999999999", "0"),
    ("-0.0e-99999999999999999999", "0"),
    ("1E+400", "1E+400"),
    ("0e-999999999999", "0E-999999999999"),
    ("-0", "0"),
    ("9" * 5000, "9" * 5000),
])
def test_every_json_number_is_read_without_raising(text, expected):
    value = batch.loads_exact(text)
    assert str(value) == expected
    assert isinstance(value, (int, Decimal))


def test_a_huge_exponent_is_refused_by_its_field_on_both_engines(policy, generated_module):
    application = batch.loads_exact(HUGE_EXPONENT.decode())
    for name, evaluate in _engines(policy, generated_module).items():
        with pytest.raises(Exception) as info:
            evaluate("art09_equipment", application)
        assert info.value.errors == [{"path": "equipment_investment", "message": OUT_OF_RANGE_MESSAGE}], name
    for match in (lambda: interpreter.match(policy, application), lambda: generated_module.match(application)):
        assert _outcome(match) == ("invalid", [{"path": "equipment_investment", "message": OUT_OF_RANGE_MESSAGE}])


def test_a_huge_exponent_never_stops_a_run(tmp_path):
    app = tmp_path / "app.json"
    app.write_bytes(HUGE_EXPONENT)
    proc = run_cli("evaluate", "art09_equipment", str(app), *SHIPPED)
    assert proc.returncode == 2 and proc.stderr.splitlines() == [
        "申请无效，共 1 处问题：", f"  - equipment_investment：{OUT_OF_RANGE_MESSAGE}"]
    proc = run_cli("match", str(app), *SHIPPED)
    assert proc.returncode == 2 and proc.stderr.splitlines() == [
        "申请无效，共 1 处问题：", f"  - equipment_investment：{OUT_OF_RANGE_MESSAGE}"]
    population = tmp_path / "population.jsonl"
    population.write_bytes(b'{"programme": "art09_equipment", "application": ' + HUGE_EXPONENT + b"}\n" + GOOD_LINE)
    proc = run_cli("evaluate", "--batch", str(population), *SHIPPED)
    assert proc.returncode == 0, proc.stderr
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert first == {"line": 1, "programme": "art09_equipment", "status": "invalid",
                     "errors": [{"path": "equipment_investment", "message": OUT_OF_RANGE_MESSAGE}]}
    assert second["amount"] == "80.00"
    proc = run_cli("simulate", str(population), *SHIPPED)
    assert proc.returncode == 0, proc.stderr
    assert f"  第1行（art09_equipment）：equipment_investment：{OUT_OF_RANGE_MESSAGE}" in proc.stdout.splitlines()
    assert "结论：符合条件 1，不符合条件 0，需人工审核 0，无效申请 1" in proc.stdout.splitlines()
    old = ROOT / "policies" / "yeji_ecommerce.policy"
    new = tmp_path / "new.policy"  # art09_equipment at 70% instead of 80%
    new.write_text(old.read_text(encoding="utf-8").replace("equipment_investment × 80%", "equipment_investment × 70%"),
                   encoding="utf-8")
    proc = run_cli("diff", str(old), str(new), "--population", str(population))
    assert proc.returncode == 0, proc.stderr
    assert f"申请样本 {population}：共 2 行；结果变化 1 份" in proc.stdout.splitlines()
    assert "合计：金额 80.00 元 → 70.00 元（减少 10.00 元）" in proc.stdout.splitlines()


# -------- unbounded input
class _Stream(io.BytesIO):
    """A byte stream that remembers the largest single read: proof that reading is bounded."""

    largest = 0

    def readline(self, size=-1):
        line = super().readline(size)
        self.largest = max(self.largest, len(line))
        return line

    def read(self, size=-1):
        data = super().read(size)
        self.largest = max(self.largest, len(data))
        return data


def test_an_overlong_line_is_skipped_in_chunks(monkeypatch):
    monkeypatch.setattr(batch, "MAX_LINE", 200)
    monkeypatch.setattr(batch, "CHUNK", 16)
    good = GOOD_LINE.strip()
    stream = _Stream(good + b"\n" + b"[" * 5000 + b"\n" + good + b"\n" + b"7" * 3000)  # the last line has no newline
    lines = list(batch.read_lines(stream))
    assert [(line.number, line.error) for line in lines] == [
        (1, None), (2, "第2行超过 200 字节，未处理"), (3, None), (4, "第4行超过 200 字节，未处理")]
    assert stream.largest <= 201


def test_a_line_at_the_limit_is_read(monkeypatch):
    good = GOOD_LINE.strip()
    monkeypatch.setattr(batch, "MAX_LINE", len(good))
    assert [line.error for line in batch.read_lines(io.BytesIO(good + b"\n" + good))] == [None, None]


def test_errors_are_bounded_and_counted(policy, generated_module):
    application = {f"k{i}": 0 for i in range(5000)}
    application["equipment_audit_passed"] = "yes"
    outcomes = [_outcome(lambda e=e: e("art09_equipment", application))
                for e in _engines(policy, generated_module).values()]
    assert outcomes[0] == outcomes[1]
    errors = outcomes[0][1]
    assert len(errors) == runtime.MAX_ERRORS + 1
    assert errors[0]["path"] == "equipment_investment" and errors[1]["path"] == "equipment_audit_passed"
    assert [e["path"] for e in errors[2:4]] == ["k0", "k1"]  # unknown keys in order of their text
    assert errors[-1] == {"path": "", "message": "另有 4902 个问题未列出"}
    with pytest.raises(runtime.InvalidApplication) as info:
        interpreter.match(policy, application)
    assert len(info.value.errors) == runtime.MAX_ERRORS + 1 and info.value.count == 5001
    assert info.value.errors[-1] == {"path": "", "message": "另有 4901 个问题未列出"}


def test_cli_error_listing_is_bounded(tmp_path):
    app = tmp_path / "app.json"
    app.write_text(json.dumps({f"k{i}": i for i in range(3000)}), encoding="utf-8")
    proc = run_cli("evaluate", "art15_demonstration", str(app))
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2 and lines[0] == "申请无效，共 3001 处问题："
    assert len(lines) == 1 + runtime.MAX_ERRORS + 1 and lines[-1] == "  - （申请整体）：另有 2901 个问题未列出"


def test_single_documents_must_be_regular_files(tmp_path):
    proc = run_cli("evaluate", "art09_equipment", "/dev/zero")
    assert proc.returncode == 2
    assert proc.stderr == "错误：/dev/zero 不是普通文件（设备、管道或目录），无法作为申请读取；标准输入请用 -\n"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # nobody writes to it: reading must not wait
    proc = run_cli("match", str(fifo))
    assert proc.returncode == 2 and "不是普通文件" in proc.stderr


def test_single_documents_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "MAX_LINE", 64)
    app = tmp_path / "app.json"
    app.write_bytes(b'{"demonstration_level": "city"' + b" " * 64 + b"}")
    result = CliRunner().invoke(cli.main, ["evaluate", "art15_demonstration", str(app)])
    assert result.exit_code == 2 and result.output == f"错误：{app} 超过 64 字节，未处理\n"
    result = CliRunner().invoke(cli.main, ["evaluate", "art15_demonstration", "-"], input=app.read_bytes() * 1000)
    assert result.exit_code == 2 and result.output == "错误：- 超过 64 字节，未处理\n"
    result = CliRunner().invoke(cli.main, ["evaluate", "art15_demonstration", "-"], input=b'{"demonstration_level": "city"}')
    assert result.exit_code == 0 and "金额：20,000.00 元" in result.output


def test_batch_skips_an_overlong_line_and_goes_on(monkeypatch):
    monkeypatch.setattr(batch, "MAX_LINE", 200)
    data = GOOD_LINE + b'{"programme": "art09_equipment", "application": {"x": "' + b"a" * 10_000 + b'"}}\n' + GOOD_LINE
    result = CliRunner().invoke(cli.main, ["evaluate", "--batch", "-", *SHIPPED], input=data)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["status"] for r in records] == ["eligible", "invalid", "eligible"]
    assert records[1] == {"line": 2, "status": "invalid", "errors": [{"path": "", "message": "第2行超过 200 字节，未处理"}]}


# -------- terminal escapes
ESCAPES = "\u001b]0;PWNED\u0007\u001b[31m\u202e\u0085\u007f"
ESCAPES_SHOWN = "\\x1b]0;PWNED\\x07\\x1b[31m\\u202e\\x85\\x7f"
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _station_application(village):
    """Two stations in one village: the second one's step quotes the village."""
    return {"stations": [{"village": village, "built_year": 2017, "meets_standard": True, "acceptance_passed": True,
                          "investment": 1}] * 2}


def test_application_text_never_reaches_the_terminal_raw(tmp_path):
    app = tmp_path / "app.json"
    app.write_text(json.dumps(_station_application("平岗村" + ESCAPES)), encoding="utf-8")
    proc = run_cli("evaluate", "art13_rural_stations", str(app))
    assert proc.returncode == 0, proc.stderr
    assert not UNSAFE.search(proc.stdout) and f"平岗村{ESCAPES_SHOWN}" in proc.stdout
    proc = run_cli("evaluate", "art13_rural_stations", str(app), "--json")
    assert not UNSAFE.search(proc.stdout)
    assert ("平岗村" + ESCAPES) in json.loads(proc.stdout)["reasons"][0]  # still the same data
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({ESCAPES: 1, "demonstration_level": "city"}), encoding="utf-8")
    for args in (("match", str(profile)), ("evaluate", "art15_demonstration", str(profile))):
        proc = run_cli(*args)
        assert proc.returncode == 2 and not UNSAFE.search(proc.stderr) and ESCAPES_SHOWN in proc.stderr, args
    population = tmp_path / "population.jsonl"
    population.write_text(json.dumps({"programme": "art13" + ESCAPES, "application": {ESCAPES: 1}}) + "\n"
                          + json.dumps({"programme": "art13_rural_stations",
                                        "application": _station_application(ESCAPES)}) + "\n", encoding="utf-8")
    proc = run_cli("evaluate", "--batch", str(population))
    assert proc.returncode == 0 and not UNSAFE.search(proc.stdout)
    assert [json.loads(line)["status"] for line in proc.stdout.splitlines()] == ["invalid", "review"]
    proc = run_cli("simulate", str(population))
    assert proc.returncode == 0 and not UNSAFE.search(proc.stdout) and f"art13{ESCAPES_SHOWN}" in proc.stdout


# -------- the caller's decimal context, odd ids and keys
HOSTILE_CONTEXTS = [
    decimal.Context(prec=3),
    decimal.Context(prec=6, rounding=decimal.ROUND_CEILING, traps=list(decimal.Context().flags)),
    decimal.Context(prec=1, Emax=3, Emin=-3, rounding=decimal.ROUND_DOWN),
]


@pytest.mark.parametrize("context", HOSTILE_CONTEXTS, ids=["prec3", "prec6-all-traps", "prec1-emax3"])
@pytest.mark.parametrize("pid,application", [
    ("art17_training", {"trainees": Decimal("123456.0"), "training_days": Decimal("1234567.0"), "meals_provided": True,
                        "hands_on_computer": True, "lodging_provided": True}),
    ("art14_sales_award", {"sales_channel": "B2C", "months_in_operation": Decimal("1234567.0"),
                           "annual_online_sales": Decimal("98765432.10"), "sales_awards_received": 12345}),
    ("art10_park_rent", {"enterprise_kind": "ecommerce", "in_ecommerce_park": True, "leased_area_m2": Decimal("80.55"),
                         "move_in_date": "2018-05-20", "claim_from": "2018-05-01", "claim_to": "2018-10-31",
                         "rent_paid": "30000.01"}),
])
def test_the_callers_decimal_context_changes_nothing(policy, generated_module, context, pid, application):
    expected = {name: _outcome(lambda e=e: e(pid, application))
                for name, e in _engines(policy, generated_module).items()}
    assert expected["interpreter"][0] == "ok"
    with decimal.localcontext(context):
        for name, evaluate in _engines(policy, generated_module).items():
            assert _outcome(lambda: evaluate(pid, application)) == expected[name], name
        assert _outcome(lambda: generated_module.match(application)) == _outcome(lambda: interpreter.match(policy, application))


class RaisingStr(str):
    """A str whose own comparisons, hash-based lookups and conversions raise."""

    def __eq__(self, other):
        raise RuntimeError("__eq__")

    __hash__ = str.__hash__

    def __str__(self):
        raise RuntimeError("__str__")

    def strip(self, *args):
        raise RuntimeError("strip")


class PlainStr(str):
    pass


class LyingStr(str):
    """A str equal to nothing, not even to the text it holds."""

    def __eq__(self, other):
        return False

    __hash__ = str.__hash__


def test_odd_programme_ids_are_unknown_on_both_engines(policy, generated_module):
    for pid in (RaisingStr("art09_equipment"), PlainStr("art09_equipment"), 10 ** 5000, None, ["art09_equipment"]):
        outcomes = [_outcome(lambda e=e: e(pid, {})) for e in _engines(policy, generated_module).values()]
        assert outcomes[0] == outcomes[1] and outcomes[0][0] == "invalid"
        assert outcomes[0][1][0]["path"] == "programme"


def test_odd_keys_are_reported_on_both_engines(policy, generated_module):
    huge = 10 ** 4300
    application = {"equipment_investment": 1, "equipment_audit_passed": True, huge: 1, None: 2, (1, 2): 3}
    outcomes = [_outcome(lambda e=e: e("art09_equipment", application)) for e in _engines(policy, generated_module).values()]
    assert outcomes[0] == outcomes[1]
    assert [e["path"] for e in outcomes[0][1]] == ["None", "列表", "约 4301 位的整数"]
    # A str subclass is read as the text it holds, whatever its own methods do.
    for key in (RaisingStr("equipment_investment"), PlainStr("equipment_investment")):
        application = {key: 100, "equipment_audit_passed": True}
        outcomes = [_outcome(lambda e=e: e("art09_equipment", application))
                    for e in _engines(policy, generated_module).values()]
        assert outcomes[0] == outcomes[1] and outcomes[0][1]["amount"] == "80.00"
        outcomes = [_outcome(lambda m=m: m(application))
                    for m in (lambda p: interpreter.match(policy, p), generated_module.match)]
        assert outcomes[0] == outcomes[1]
    application = {LyingStr("equipment_investment"): 100, "equipment_investment": 1, "equipment_audit_passed": True}
    assert len(application) == 3
    outcome = _outcome(lambda: interpreter.evaluate(policy, "art09_equipment", application))
    assert outcome == _outcome(lambda: generated_module.evaluate("art09_equipment", application))
    assert outcome[1] == [{"path": "equipment_investment",
                           "message": "字段“equipment_investment”出现了两次，无法确定取哪一个"}]


def test_odd_values_are_read_as_what_they_hold(policy, generated_module):
    class Village(str):
        def strip(self, *args):
            raise RuntimeError("strip")

    class Money(Decimal):
        def is_finite(self):
            raise RuntimeError("is_finite")

    application = {"stations": (({"village": Village("平岗村"), "built_year": True, "meets_standard": True,
                                   "acceptance_passed": True, "investment": Money("-1")}),)}
    outcomes = [_outcome(lambda e=e: e("art13_rural_stations", application))
                for e in _engines(policy, generated_module).values()]
    assert outcomes[0] == outcomes[1]
    assert [e["path"] for e in outcomes[0][1]] == ["stations[0].built_year", "stations[0].investment"]


# -------- full matches
@pytest.mark.parametrize("text,valid", [("100", True), ("100.5", True), ("100\n", False), (" 100", False),
                                        ("100\n\n", False), ("1e3", False), ("１００", False)])
def test_money_strings_are_matched_in_full(policy, generated_module, text, valid):
    application = {"equipment_investment": text, "equipment_audit_passed": True}
    outcomes = [_outcome(lambda e=e: e("art09_equipment", application))
                for e in _engines(policy, generated_module).values()]
    assert outcomes[0] == outcomes[1] and (outcomes[0][0] == "ok") == valid


def test_programme_ids_are_matched_in_full():
    with pytest.raises(ValueError):
        python_backend._ident("equipment\n")


# ---------------------------------------------------------------- a generator of hostile applications
# Each class of input that once broke an engine, drawn at random: JSON texts for
# the reader and the batch path, Python objects for the API, and the caller's
# decimal context.  The invariant everywhere: a result or an InvalidApplication
# with Chinese messages — never another exception — and both engines agree.
FIELD_NAMES = sorted({spec["name"] for pid in ("art09_equipment", "art10_park_rent", "art13_rural_stations",
                                                  "art14_sales_award", "art17_training", "art15_demonstration")
                      for spec in interpreter._meta(check.load(ROOT / "policies" / "yeji_ecommerce.policy")[0]
                                                    .programme(pid))["inputs"]} | {"village", "built_year"})
PIDS = st.sampled_from(["art09_equipment", "art10_park_rent", "art13_rural_stations", "art14_sales_award",
                        "art17_training", "art15_demonstration", "art09_equipment\n", "\u202eart09", ""])
NUMBER_TEXT = st.one_of(
    st.sampled_from(["1e9999999999999999999", "-1e9999999999999999999", "1e-9999999999999999999", "-0", "-0.0",
                     "1E+400", "0e-999999999999", "0e9999999999999999999", "12e999999999999999999",
                     "1e999999999999999999", "-1e-999999999999999999", "9" * 5000, "-" + "9" * 4301,
                     "0." + "0" * 3000 + "1", "1" + "0" * 4400, "100.000000000000000000000000001", "2017.0",
                     "0.5", "999999999999999.99", "1000000000000000.01"]),
    st.from_regex(r"-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,40})?([eE][-+]?[0-9]{1,25})?", fullmatch=True),
)
ODD_TEXT = st.text(st.sampled_from(list("a平0-.\x00\x1b\x07\x7f\x85\u061c\u202e\u2066\u2028\ufeff\ud800\udfff\n ")),
                   max_size=8)
JSON_KEY = st.one_of(st.sampled_from(FIELD_NAMES), ODD_TEXT)
STRING_TEXT = st.one_of(ODD_TEXT, st.sampled_from(["100\n", " 100", "100", "2018-01-01", "2018-01-01\n", "city",
                                                   "平岗村", "B2C"])).map(json.dumps)
SCALAR_TEXT = st.one_of(NUMBER_TEXT, STRING_TEXT, st.sampled_from(["true", "false", "null"]))


def _object_text(pairs) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in pairs) + "}"


JSON_TEXT = st.recursive(
    SCALAR_TEXT,
    lambda children: st.one_of(st.lists(children, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
                               st.lists(st.tuples(JSON_KEY, children), max_size=4).map(_object_text)),
    max_leaves=8,
)
DEEP_TEXT = st.integers(1, 3000).map(lambda n: "[" * n + "]" * n)
STATION_TEXT = st.lists(st.tuples(st.sampled_from(["village", "built_year", "meets_standard", "acceptance_passed",
                                                   "investment"]), SCALAR_TEXT), max_size=6).map(_object_text)
MANY_TEXT = st.tuples(st.sampled_from([0, 1, 3, 10_001]), STATION_TEXT).map(
    lambda t: "[" + ", ".join([t[1]] * t[0]) + "]")
VALUE_TEXT = st.one_of(JSON_TEXT, DEEP_TEXT, MANY_TEXT, st.lists(STATION_TEXT, min_size=1, max_size=3).map(
    lambda xs: "[" + ", ".join(xs) + "]"))
APPLICATION_TEXT = st.one_of(st.lists(st.tuples(JSON_KEY, VALUE_TEXT), max_size=8).map(_object_text), VALUE_TEXT)


def _records(line: bytes, engines) -> list[dict]:
    """The output record of one JSONL line on each engine, as `evaluate --batch` writes it."""
    (read,) = batch.read_lines(io.BytesIO(line))
    records = []
    for evaluate in engines:
        record = batch.evaluate_line(read, evaluate)
        text = batch.terminal_json(json.dumps(record, ensure_ascii=False, default=cli._decimal_text))
        assert json.loads(text) == json.loads(json.dumps(record, default=cli._decimal_text))
        assert record["status"] != "invalid" or all(_is_chinese(e["message"]) for e in record["errors"])
        records.append(record)
    return records


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pid=PIDS, text=APPLICATION_TEXT)
def test_hostile_json_on_both_engines_and_the_batch_path(policy, generated_module, pid, text):
    line = _object_text([("programme", json.dumps(pid)), ("application", text)]).encode("utf-8", "surrogatepass")
    first, second = _records(line, _engines(policy, generated_module).values())
    assert first == second
    try:
        application = batch.loads_exact(text)
    except (json.JSONDecodeError, batch.JSONValueError, RecursionError):
        assert first["status"] == "invalid" and first["errors"][0]["path"] == ""  # a line error
        return
    profiles = [_outcome(lambda: interpreter.match(policy, application)), _outcome(lambda: generated_module.match(application))]
    assert profiles[0] == profiles[1]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lines=st.lists(st.tuples(PIDS, APPLICATION_TEXT), min_size=1, max_size=25))
def test_hostile_json_through_the_cli_batch(policy, generated_module, lines):
    data = b"".join(_object_text([("programme", json.dumps(pid)), ("application", text)]).encode("utf-8", "surrogatepass")
                    + b"\n" for pid, text in lines)
    result = CliRunner().invoke(cli.main, ["evaluate", "--batch", "-", *SHIPPED], input=data)
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    assert not any(UNSAFE.search(line) for line in out)
    from yeji_policy.backends import form_ui

    def as_the_cli_reads_json(pid, application):  # money as a JSON string is refused there, as the form does
        return form_ui.json_as_form(form_ui.programme_fields(policy, pid),
                                    lambda data: generated_module.evaluate(pid, data))(application)

    expected = [batch.evaluate_line(line, as_the_cli_reads_json) for line in batch.read_lines(io.BytesIO(data))]
    assert [json.loads(line) for line in out] == [json.loads(json.dumps(r, default=cli._decimal_text)) for r in expected]


class OddInt(int):
    def __eq__(self, other):
        raise RuntimeError("__eq__")

    __hash__ = int.__hash__

    def __abs__(self):
        raise RuntimeError("__abs__")


class OddDecimal(Decimal):
    def __lt__(self, other):
        raise RuntimeError("__lt__")


class OddList(list):
    def __iter__(self):
        raise RuntimeError("__iter__")


class OddDict(dict):
    def get(self, *args):
        raise RuntimeError("get")

    def __iter__(self):
        raise RuntimeError("__iter__")


def _nest(depth: int):
    value: object = []
    for _ in range(depth):
        value = [value]
    return value


PY_KEY = st.one_of(st.sampled_from(FIELD_NAMES), st.sampled_from(FIELD_NAMES).map(PlainStr),
                   st.sampled_from(FIELD_NAMES).map(LyingStr), st.sampled_from(FIELD_NAMES).map(RaisingStr),
                   st.just(10 ** 4300), st.integers(), st.none(), st.tuples(st.integers()), ODD_TEXT)
PY_SCALAR = st.one_of(
    NUMBER_TEXT.map(batch.loads_exact), st.integers(-10 ** 20, 10 ** 20), st.integers(0, 10 ** 6).map(OddInt),
    st.decimals(allow_nan=True, places=3).map(OddDecimal), st.floats(), ODD_TEXT, ODD_TEXT.map(PlainStr),
    st.sampled_from(["平岗村", "2018-01-01", "city", "B2C"]).map(RaisingStr), st.booleans(), st.none(),
    st.integers(1, 5000).map(_nest), st.builds(object),
)
PY_STATION = st.lists(st.tuples(st.sampled_from(["village", "built_year", "meets_standard", "acceptance_passed",
                                                 "investment"]), PY_SCALAR), max_size=6)


def _dict(pairs, kind=dict):
    """A dict of pairs, or None when the keys themselves refuse to be put in one (a raising __eq__)."""
    try:
        return kind(pairs)
    except RuntimeError:
        return None


PY_VALUE = st.one_of(PY_SCALAR, PY_STATION.map(_dict), PY_STATION.map(lambda p: _dict(p, OddDict)),
                     st.lists(PY_STATION.map(_dict), max_size=3), st.lists(PY_STATION.map(_dict), max_size=3).map(tuple),
                     st.lists(PY_STATION.map(_dict), max_size=3).map(OddList))
ROUNDINGS = [decimal.ROUND_CEILING, decimal.ROUND_DOWN, decimal.ROUND_FLOOR, decimal.ROUND_HALF_DOWN,
             decimal.ROUND_HALF_EVEN, decimal.ROUND_HALF_UP, decimal.ROUND_UP, decimal.ROUND_05UP]
SIGNALS = [decimal.Clamped, decimal.DivisionByZero, decimal.Inexact, decimal.Overflow, decimal.Rounded,
           decimal.Underflow, decimal.InvalidOperation, decimal.Subnormal, decimal.FloatOperation]
CONTEXTS = st.builds(decimal.Context, prec=st.integers(1, 30), rounding=st.sampled_from(ROUNDINGS),
                     Emax=st.integers(0, 40), Emin=st.integers(-40, 0), traps=st.lists(st.sampled_from(SIGNALS)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pid=st.one_of(PIDS, PIDS.map(RaisingStr), PIDS.map(PlainStr), st.just(10 ** 4300), st.none()),
       pairs=st.lists(st.tuples(PY_KEY, PY_VALUE), max_size=8), kind=st.sampled_from([dict, OddDict]),
       context=CONTEXTS)
def test_hostile_python_objects_on_both_engines(policy, generated_module, pid, pairs, kind, context):
    application = _dict(pairs, kind)
    if application is None:
        return
    engines = list(_engines(policy, generated_module).values())
    reference = _outcome(lambda: engines[0](pid, application))
    with decimal.localcontext(context):
        outcomes = [_outcome(lambda e=e: e(pid, application)) for e in engines]
        profiles = [_outcome(lambda: interpreter.match(policy, application)),
                    _outcome(lambda: generated_module.match(application))]
    assert outcomes == [reference, reference]
    assert profiles[0] == profiles[1]


@settings(max_examples=100, deadline=None)
@given(pid=st.sampled_from(["art09_equipment", "art10_park_rent", "art14_sales_award", "art17_training",
                            "art13_rural_stations"]), data=st.data(), context=CONTEXTS)
def test_valid_applications_in_any_decimal_context(policy, generated_module, pid, data, context):
    from strategies import for_programme

    application = data.draw(for_programme(policy.programme(pid)))
    reference = _outcome(lambda: interpreter.evaluate(policy, pid, application))
    with decimal.localcontext(context):
        for evaluate in _engines(policy, generated_module).values():
            assert _outcome(lambda: evaluate(pid, application)) == reference


def test_json_nesting_is_bounded_whatever_the_stack_depth():
    """A line parses or is refused for its own nesting, not for how deep the caller's stack is:
    the command line and an in-process reader once disagreed on a line 990 levels deep."""
    limit = batch.MAX_JSON_DEPTH
    at_limit = "[" * limit + "]" * limit
    over = "[" * (limit + 1) + "]" * (limit + 1)
    with pytest.raises(RecursionError):
        batch.loads_exact(over)  # refused even with the whole stack free
    with pytest.raises(RecursionError):
        batch.loads_exact(over.encode("utf-8"))
    assert batch.loads_exact('["' + "[" * (2 * limit) + '"]') == ["[" * (2 * limit)]  # brackets in a string

    def deep(n):
        return batch.loads_exact(at_limit) if n == 0 else deep(n - 1)

    assert deep(500) is not None  # accepted from deep inside a caller
    line = b'{"programme": "art09_equipment", "application": ' + over.encode() + b"}\n"
    result = CliRunner().invoke(cli.main, ["evaluate", "--batch", "-", *SHIPPED], input=line)
    assert json.loads(result.stdout) == {"line": 1, "status": "invalid",
                                         "errors": [{"path": "", "message": "第1行：JSON 嵌套层数过深"}]}
