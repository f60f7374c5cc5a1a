"""Hostile inputs: policy text that tries to escape into generated code, and
applications that try to break the evaluator.  Every one gets a clear error
or inert, verbatim output — never a traceback, never a wrong amount."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_process import run_cli
from yeji_policy import build as build_mod
from yeji_policy import check, interpreter
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
    app = {"investment": Decimal("123456789012.34"), "accepted": True}
    result = namespace["evaluate"]("equipment", app)
    assert result == interpreter.evaluate(policy, "equipment", app)
    assert result["amount"] == "1234567.89"  # 1,234,567.8901234 rounded half up
    assert "1,234,567.8901234 元" in result["steps"][-1]


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
