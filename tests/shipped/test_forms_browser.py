"""The generated forms in a real renderer (issue 12): react-jsonschema-form 6
with @rjsf/validator-ajv8 (Ajv2020, the README's options), in the system's
headless Chromium, driven by tests/browser/run.mjs through playwright-core.

For every form: fields in the policy's order, nothing pre-selected, every
yes/no answerable 否; every valid embedded test application typed in through
the page and submitted, the submitted JSON sent to `yeji-policy evaluate
--json` giving the test's expected result; every invalid kind showing a
Chinese message that names the field; and (tests/browser/amounts.mjs) 10,000
random valid amounts over every magnitude passing ajv in node.

Needs node, `npm ci` in tests/browser (`.ci/run` does both) and /usr/bin/chromium;
skipped, saying which is missing, outside CI, and failing under CI=true.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from yeji_policy import layout, runtime, testing
from yeji_policy.backends import schema as backend
from cli_process import SHIPPED

ROOT = Path(__file__).resolve().parents[2]
BROWSER = ROOT / "tests" / "browser"
FORMS = ROOT / "generated" / layout.forms_dir("yeji_ecommerce")
OUT = BROWSER / "out"  # gitignored: results and screenshots of the last run
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CJK = re.compile(r"[\u4e00-\u9fff]")
TECHNICAL = re.compile(r"\\u|\[\^|integer|number|string|boolean|object|array|null|true|false|pattern|must|should",
                       re.IGNORECASE)


def _missing(browser: bool) -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (.ci/run installs Debian's nodejs and npm)"
    if not (BROWSER / "node_modules" / "@rjsf" / "core").is_dir():
        return "tests/browser/node_modules is missing (run `npm ci` in tests/browser, as .ci/run does)"
    if browser and not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (.ci/run installs Debian's chromium)"
    return None


def _require_tools(browser: bool = True):
    missing = _missing(browser)
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser test of the forms: {missing}")
    pytest.skip(missing)


def _exact(value):
    """A test application as the page's JSON: Decimals written exactly."""
    return json.loads(backend.dumps(value))


def _label_paths(fields, prefix=""):
    """path (as the evaluator writes it, list index 0) -> field, for every field and item field."""
    out = {}
    for f in fields:
        out[prefix + f.name] = f
        if f.kind == "list":
            out.update(_label_paths(f.item_fields, f"{prefix}{f.name}[0]."))
    return out


def _invalid_values(f) -> list:
    """Values of each kind a form must refuse for field f (money as a string included)."""
    if f.kind in ("money", "number"):
        return [-1, 100.123, 10000000000, "12.50"]
    if f.kind == "int":
        return [-1, 2.5, "12"]
    if f.kind == "bool":
        return ["是", 1]
    if f.kind == "date":
        return ["2018-02-30", "2018/05/20"]
    if f.kind == "text":
        return ["   ", "\u3000"]
    if f.kind == "enum":
        return [f.options[0][0].upper() + "X", f.options[0][1]]
    return [[]]


def invalid_kinds(policy) -> list[dict]:
    """One application per (field, invalid kind), each from a valid example."""
    cases = []
    for p in policy.programmes:
        base = _exact(next(t.application for t in policy.tests if t.programme == p.id and t.expect.status != "invalid"))
        for path, f in _label_paths(backend.form_fields(policy, p)).items():  # the application's date too
            keys = [int(k) if k.isdigit() else k for k in re.split(r"\.|\[|\]\.?", path) if k != ""]
            left_out = f.default is None and f.name != backend.APPLICATION_DATE  # the date is optional
            for value in _invalid_values(f) + ([None] if left_out else []):  # None: the field left out
                app = json.loads(json.dumps(base))
                target = app
                for key in keys[:-1]:
                    target = target[key]
                if value is None:
                    target.pop(keys[-1], None)
                else:
                    target[keys[-1]] = value
                # a required list left out: rjsf offers one empty item, and asks for its fields
                labels = [g.label for g in f.item_fields] if f.kind == "list" and value is None else [f.label]
                cases.append({"name": f"{p.id}:{path}={json.dumps(value, ensure_ascii=False)}", "programme": p.id,
                              "application": app, "labels": labels})
        cases.append({"name": f"{p.id}:unknown field", "programme": p.id, "application": dict(base, 附加=1),
                      "labels": []})
    return cases


def money_texts(count: int, seed: int) -> list[str]:
    """Two-decimal amounts, every number of digits up to the maximum equally often, as exact text."""
    rng = random.Random(seed)
    top = int(runtime.MAX_NUMBER * 100)
    digits = len(str(top))
    texts = []
    for i in range(count):
        d = 1 + i % digits
        cents = rng.randint(0 if d == 1 else 10 ** (d - 1), min(10 ** d - 1, top))
        texts.append(f"{Decimal(cents).scaleb(-2):f}")
    return texts + [f"{runtime.MAX_NUMBER:f}", "0.01", "0.07"]


class CliInvalid(Exception):
    def __init__(self, errors):
        self.errors = errors


def _cli_result(exit_code: int, stdout: str, stderr: str) -> dict:
    if exit_code == 2:  # an invalid application: with --json, its errors as JSON on stdout
        record = json.loads(stdout)
        assert record["status"] == "invalid", record
        raise CliInvalid(record["errors"])
    assert exit_code == 0, stderr
    return json.loads(stdout)


def evaluate_by_cli(programme: str, submitted: str) -> dict:
    """`yeji-policy evaluate PROGRAMME - --json` on the page's submitted JSON text
    (the command's own code, in this process: a cold start per application
    would make this test slow)."""
    from click.testing import CliRunner

    from yeji_policy.cli import main

    done = CliRunner().invoke(main, ["evaluate", programme, "-", "--json", *SHIPPED], input=submitted.encode("utf-8"))
    return _cli_result(done.exit_code, done.stdout, done.stderr)


def evaluate_by_cli_process(programme: str, submitted: str) -> dict:
    """The same, as a fresh `yeji-policy` process with the application in a file."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False) as handle:
        handle.write(submitted)
    try:
        done = subprocess.run([sys.executable, "-m", "yeji_policy.cli", "evaluate", programme, handle.name, "--json", *SHIPPED],
                              capture_output=True, text=True, timeout=120, cwd=ROOT)
    finally:
        os.unlink(handle.name)
    return _cli_result(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def browser_run(policy):
    _require_tools()
    OUT.mkdir(exist_ok=True)
    valid = [t for t in policy.tests if t.expect.status != "invalid"]
    embedded_invalid = [t for t in policy.tests if t.expect.status == "invalid"]
    first = {}
    for t in valid:
        first.setdefault(t.programme, t)
    cases = {
        "forms_dir": str(FORMS),
        "valid": [{"name": t.name, "programme": t.programme, "application": _exact(t.application)} for t in valid],
        "typed_invalid": [{"name": t.name, "programme": t.programme, "application": _exact(t.application)}
                          for t in embedded_invalid if t.application.get("stations") != []]
                         + [{"name": "typed: a blank village", "programme": "art13_rural_stations",
                             "application": dict(_exact(first["art13_rural_stations"].application),
                                                 stations=[dict(_exact(first["art13_rural_stations"].application)
                                                                ["stations"][0], village="   ")])}],
        "invalid": [{"name": t.name, "programme": t.programme, "application": _exact(t.application)}
                    for t in embedded_invalid] + invalid_kinds(policy),
        "amounts": {"programme": "art09_equipment", "field": "equipment_investment", "texts": money_texts(2000, 12)},
        "screenshots": [{"programme": pid, "application": _exact(first[pid].application)}
                        for pid in ("art10_park_rent", "art13_rural_stations")],
    }
    (OUT / "cases.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(["node", "run.mjs", str(OUT / "cases.json"), str(OUT)], cwd=BROWSER,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return cases, json.loads((OUT / "results.json").read_text(encoding="utf-8"))


def _fields(policy, pid):
    return backend.profile_form_fields(policy) if pid == "profile" else backend.form_fields(policy, policy.programme(pid))


def _assert_for_people(message: str):
    assert CJK.search(message) and not TECHNICAL.search(message), message


def test_page_runs_without_errors(browser_run):
    _, results = browser_run
    assert results["console_errors"] == []


def test_fields_appear_in_policy_order(policy, browser_run):
    _, results = browser_run
    assert set(results["order"]) == {p.id for p in policy.programmes} | {"profile"}
    for pid, order in results["order"].items():
        fields = _fields(policy, pid)
        assert order["fields"] == [f.name for f in fields], pid
        for f in fields:
            if f.kind == "list":
                assert order[f.name] == [g.name for g in f.item_fields], (pid, f.name)


def test_nothing_is_preselected_and_every_yes_no_can_be_answered_no(policy, browser_run):
    _, results = browser_run
    for pid, seen in results["preselected"].items():
        fields = _fields(policy, pid)
        assert seen["checked"] == [] and seen["selected"] == [], (pid, seen)
        assert seen["selects"] == sum(f.kind == "enum" for f in fields), pid
        booleans = [f for f in fields if f.kind == "bool"]
        booleans += [g for f in fields if f.kind == "list" and pid != "profile" for g in f.item_fields
                     if g.kind == "bool"]  # a required list starts with one item
        assert seen["radios"] == 2 * len(booleans), pid
        answered = results["answer_no"][pid]
        assert len(answered) == len(booleans) and all(a["checked"] and a["label"] == "否" for a in answered), answered


def test_an_empty_form_asks_for_every_required_field_in_chinese(policy, browser_run):
    _, results = browser_run
    for p in policy.programmes:
        outcome = results["empty_submit"][p.id]
        assert outcome["submitted"] is None, p.id
        for message in outcome["shown"]:
            _assert_for_people(message)
        for f in p.fields:
            if f.default is None and f.kind != "list":
                assert f"缺少必填项“{f.label}”" in outcome["shown"], (p.id, f.name, outcome["shown"])
    profile = results["empty_submit"]["profile"]  # the calculator: every field optional
    assert profile["errors"] == [] and json.loads(profile["submitted"]) == {"sales_awards_received": 0}


def test_typed_valid_applications_give_the_expected_results(policy, browser_run):
    """Each valid embedded test, typed in through the page: client validation
    passes, and the submitted JSON gives the test's result on the command line."""
    _, results = browser_run
    by_name = {(t.programme, t.name): t for t in policy.tests}
    assert len(results["valid"]) == sum(t.expect.status != "invalid" for t in policy.tests)

    def judge(outcome, evaluate):
        case = by_name[(outcome["programme"], outcome["name"])]
        assert outcome["errors"] == [], (case.name, outcome["errors"])
        submitted = json.loads(outcome["submitted"], parse_float=Decimal)
        defaults = {f.name: f.default for f in policy.programme(case.programme).fields if f.default is not None}
        assert submitted == {**defaults, **case.application}, case.name  # what was typed, nothing more
        return testing.run_case(case, "rjsf → yeji-policy evaluate --json",
                                lambda pid, _: evaluate(pid, outcome["submitted"]))

    outcomes = [judge(outcome, evaluate_by_cli) for outcome in results["valid"]]
    first = {}
    for outcome in results["valid"]:
        first.setdefault(outcome["programme"], outcome)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:  # one per programme as a real process
        outcomes += list(pool.map(lambda o: judge(o, evaluate_by_cli_process), first.values()))
    assert len(outcomes) == len(results["valid"]) + len(policy.programmes)
    assert [(o.case.name, o.problems) for o in outcomes if not o.passed] == []


def test_invalid_embedded_tests_are_refused_by_the_page_or_by_the_evaluator(policy, browser_run):
    """An embedded invalid application: the page names each field the test
    expects; what JSON Schema cannot check (校验) goes through and the command
    line refuses it."""
    _, results = browser_run
    tried = results["invalid"][:sum(t.expect.status == "invalid" for t in policy.tests)] + results["typed_invalid"]
    by_name = {(t.programme, t.name): t for t in policy.tests}
    checked = 0
    for outcome in tried:
        case = by_name.get((outcome["programme"], outcome["name"]))
        if case is None:  # the typed blank village
            assert outcome["shown"] and all("“所在行政村”不能为空" in m for m in outcome["shown"]), outcome
            continue
        labels = _label_paths(policy.programme(case.programme).fields)
        if outcome["submitted"] is None:
            for path in case.expect.paths:
                assert any(f"“{labels[path].label}”" in m for m in outcome["shown"]), (case.name, outcome["shown"])
        else:
            assert testing.run_case(case, "rjsf → cli", lambda pid, _: evaluate_by_cli(pid, outcome["submitted"])).passed
        checked += 1
    assert checked == 2 * sum(t.expect.status == "invalid" for t in policy.tests) - 1  # [] cannot be typed


def test_each_invalid_kind_shows_a_chinese_message_naming_the_field(browser_run):
    cases, results = browser_run
    kinds = {c["name"]: c for c in cases["invalid"]}
    seen = 0
    for outcome in results["invalid"]:
        case = kinds[outcome["name"]]
        if "labels" not in case:
            continue  # an embedded test, judged above
        seen += 1
        assert outcome["submitted"] is None and outcome["shown"], case["name"]
        for message in outcome["shown"]:
            _assert_for_people(message)
        if not case["labels"]:
            assert set(outcome["shown"]) == {"申请中有未知的输入项"}, outcome["shown"]  # in the list and at the form
        for label in case["labels"]:
            assert any(f"“{label}”" in m for m in outcome["shown"]), (case["name"], outcome["shown"])
    assert seen > 150


def test_the_browsers_number_input_holds_every_amount(browser_run):
    _, results = browser_run
    number = results["number_input"]
    assert (number["type"], number["step"], number["min"], number["max"]) == (
        "number", "0.01", "0", f"{runtime.MAX_NUMBER:f}")
    assert number["tried"] == 2003 and number["refused"] == []


def test_screenshots_of_two_forms(browser_run):
    for name in ("form-1-art10_park_rent.png", "form-2-art13_rural_stations.png"):
        assert (OUT / name).stat().st_size > 10_000


def test_ten_thousand_random_amounts_pass_ajv_in_node():
    """ajv with the README's options, and rjsf's validator as the recipe builds
    it: every two-decimal amount of every magnitude up to the maximum passes
    every money field of every form; three-decimal amounts and amounts over the
    maximum are refused."""
    _require_tools(browser=False)
    done = subprocess.run(["node", "amounts.mjs", str(FORMS), "10000", "20261130"], cwd=BROWSER,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["maximum"] == float(runtime.MAX_NUMBER) and report["magnitudes"] == 12
    assert report["tried"] == 10000 and report["fields"] > 10
    assert report["refused"] == [] and report["rjsf_refused"] == []
    assert report["controls"] == 1000 and report["controls_accepted"] == []
    assert report["over_maximum_accepted"] == []


def test_the_readme_recipe_is_the_tested_page():
    """The settings that make the forms work in rjsf are the same in the
    README's recipe and in the page this test renders."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    recipe = (BROWSER / "recipe.mjs").read_text(encoding="utf-8") + (BROWSER / "recipe.jsx").read_text(encoding="utf-8")
    block = readme.split("### Rendering a form with react-jsonschema-form 6", 1)[1].split("```jsx", 1)[1].split("```")[0]
    squash = lambda text: re.sub(r"\s+", " ", text)  # noqa: E731
    for setting in ['{ AjvClass: Ajv2020, ajvOptionsOverrides: { multipleOfPrecision: 3 } }, localizeZh',
                    'constAsDefaults: "never"', 'requiredBooleanDefault: "skip"',
                    'arrayMinItems: { populate: "requiredOnly" }', "noHtml5Validate",
                    'const option = path.match(/^(.*)\\/oneOf\\/\\d+\\/const$/);',
                    'let pointer = path.slice(0, path.lastIndexOf("/"));',
                    'if (keyword === "required") pointer += `/properties/${error.params.missingProperty}`;',
                    'const message = (messages[pointer] || {})[keyword] || "此项填写有误，请检查";',
                    "experimental_defaultFormStateBehavior={defaultFormStateBehavior}",
                    "transformErrors={transformErrorsWith(messages)}", "translateString={translateString}"]:
        assert squash(setting) in squash(block), setting
        assert squash(setting) in squash(recipe), setting
    for line in re.findall(r"\[TranslatableString\.\w+\]: \"[^\"]*\"", recipe):
        assert line in block, line


def test_draft_07_copies_give_ajv_the_same_verdicts(browser_run):
    """ajv's draft-07 class (rjsf's default validator) on the draft-07 copies
    and Ajv2020 on the forms agree on every application the browser test tries
    and on every example (also as a calculator profile)."""
    done = subprocess.run(["node", "drafts.mjs", str(OUT / "cases.json")], cwd=BROWSER,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["tried"] > 300 and report["accepted"] > 100
    assert report["different"] == []
