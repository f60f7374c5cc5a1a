"""The forms backend (issue 4): JSON Schema (2020-12) application forms.

The schemas must accept and reject exactly what the evaluator's own form
check (runtime.validate_object) accepts and rejects, for a consumer that
follows the README: JSON read exactly (numbers as Decimal), jsonschema's
Draft202012Validator with format checking, integral Decimals counted as
integers, and multipleOf computed in a Decimal context without exponent
limits.  That recipe is `load_json` / `FormValidator` / `form_errors` below,
the same code as in the README.

What JSON Schema cannot express, and the tests name explicitly:
- a programme's form checks (`校验`), such as a date range that ends before
  it starts: only the evaluator rejects those;
- money given as a decimal *string* ("12.50"): the Python API accepts it,
  the form (type number) does not;
- binary floats: the README loader never produces one; the Python API
  refuses them.
"""

from __future__ import annotations

import copy
import decimal
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker, validators

from yeji_policy import check, describe, runtime
from yeji_policy.backends import form_ui
from yeji_policy.backends import schema as backend
from cli_process import SHIPPED


# ---------------------------------------------------------------- the README recipe
def _no_constant(name):
    raise ValueError(f"JSON 中不允许 {name}")  # NaN, Infinity, -Infinity are not JSON


def load_json(text):
    """Read JSON exactly: every number with a fraction or exponent as a Decimal."""
    return json.loads(text, parse_float=decimal.Decimal, parse_constant=_no_constant)


def _integer(checker, value):
    """12.0 is the integer 12, also when it was read as a Decimal."""
    return Draft202012Validator.TYPE_CHECKER.is_type(value, "integer") or (
        isinstance(value, decimal.Decimal) and value.is_finite() and value == value.to_integral_value())


FormValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _integer),
)

# multipleOf on Decimals is exact here: no exponent limit (1e-2000000 is not a
# multiple of 0.01), and nothing raises (1e400 % 0.01 is NaN: not a multiple).
_EXACT = decimal.Context(prec=28, Emin=decimal.MIN_EMIN, Emax=decimal.MAX_EMAX, traps=[])


def form_errors(schema, application):
    with decimal.localcontext(_EXACT):
        return list(FormValidator(schema, format_checker=FormatChecker()).iter_errors(application))


# ---------------------------------------------------------------- fixtures
ROOT = Path(__file__).resolve().parents[2]
_POLICY, _, _ = check.load(ROOT / "policies" / "yeji_ecommerce.policy")
PROGRAMME_IDS = [p.id for p in _POLICY.programmes] if _POLICY is not None else []


@pytest.fixture(scope="session")
def artifacts(policy):
    return backend.generate(policy)


@pytest.fixture(scope="session")
def forms(artifacts):
    """path -> schema, read the way the README says."""
    return {path: load_json(data.decode("utf-8")) for path, data in artifacts.items()}


def form_of(forms, pid):
    return forms[f"forms/yeji_ecommerce/{pid}.schema.json"]


def evaluator_errors(module, pid, application):
    try:
        module.evaluate(pid, application)
    except module.InvalidApplication as exc:
        return exc.errors
    return []


def constraint_keys(programme):
    return {(c.path, c.message) for c in programme.constraints}


def assert_same_verdict(module, programme, form, application):
    """The schema rejects exactly when the evaluator finds a form error; the
    programme's 校验 (which JSON Schema cannot express) is set aside."""
    schema_errors = form_errors(form, application)
    errors = evaluator_errors(module, programme.id, application)
    field_errors = [e for e in errors if (e["path"], e["message"]) not in constraint_keys(programme)]
    assert bool(schema_errors) == bool(field_errors), (
        f"{programme.id}: schema {'rejects' if schema_errors else 'accepts'}, evaluator "
        f"{'rejects' if field_errors else 'accepts'} {application!r}\n"
        f"schema: {[e.message for e in schema_errors][:3]}\nevaluator: {field_errors[:3]}")
    return "valid" if not errors else "only a 校验 fails" if not field_errors else "invalid"


# ---------------------------------------------------------------- files and bytes
def test_one_form_per_programme_plus_profile_and_index(policy, artifacts):
    names = [p.id for p in policy.programmes] + ["profile"]
    expected = {f"forms/yeji_ecommerce/{n}.{kind}.json" for n in names for kind in ("schema", "uischema", "messages")}
    expected |= {f"forms/yeji_ecommerce/draft-07/{n}.schema.json" for n in names} | {"forms/yeji_ecommerce/index.json"}
    assert set(artifacts) == expected


def test_output_is_deterministic(two_builds, artifacts):
    """Same bytes from two processes with different hash seeds and working directories, and in this one."""
    first, second = ({path: data for path, data in tree.items() if path.startswith("forms/yeji_ecommerce/")} for tree in two_builds)
    assert first == second == artifacts


def _is_in_policy_order(path, key, value, parent_key):
    """The objects written in the policy's order: a schema's properties, a messages file."""
    return parent_key == "properties" or (path.endswith(".messages.json") and parent_key is None)


def test_json_text_is_two_space_utf8_with_trailing_newline_keys_sorted_but_fields_in_order(artifacts):
    """Re-dumping with the standard library gives the same bytes, numbers kept
    as the exact text they were written with; every object's keys are sorted
    except a schema's `properties` and a messages file, in the policy's order."""
    for path, data in artifacts.items():
        text = data.decode("utf-8")
        assert text.endswith("}\n") and not text.endswith("\n\n"), path
        assert "\\u" not in text.replace("\\\\u", ""), f"{path}: non-ASCII must be written as is"
        marked = json.loads(text, parse_float=lambda s: f"@@{s}@@", parse_int=lambda s: f"@@{s}@@")
        again = json.dumps(marked, ensure_ascii=False, indent=2) + "\n"
        assert re.sub(r'"@@([^@]*)@@"', r"\1", again) == text, path

        def walk(node, parent_key):
            if isinstance(node, dict):
                keys = list(node)
                if not _is_in_policy_order(path, None, node, parent_key):
                    assert keys == sorted(keys), (path, parent_key, keys)
                for key, child in node.items():
                    walk(child, key)
            elif isinstance(node, list):
                for child in node:
                    walk(child, None)
        walk(marked, None)


def test_numbers_are_written_exactly(forms, artifacts):
    text = artifacts["forms/yeji_ecommerce/art09_equipment.schema.json"].decode("utf-8")
    assert '"multipleOf": 0.01,' in text
    assert f'"maximum": {runtime.MAX_NUMBER:f},' in text
    raw: list[str] = []
    for data in artifacts.values():
        json.loads(data, parse_float=lambda t: raw.append(t) or Decimal(t))
    assert raw and not [t for t in raw if "e" in t.lower()], "no exponents"
    money = form_of(forms, "art09_equipment")["properties"]["equipment_investment"]
    assert money["multipleOf"] == Decimal("0.01") and isinstance(money["multipleOf"], Decimal)
    assert money["maximum"] == runtime.MAX_NUMBER == Decimal("9999999999.99")


def test_exact_json_writer():
    data = {"b": Decimal("0.01"), "a": Decimal("1.5E+5"), "c": Decimal("15000.50"), "d": Decimal("-0"),
            "e": [Decimal("1E-7"), 3, True, None, "叶集"], "f": {}, "g": []}
    assert backend.dumps(data).decode() == (
        '{\n  "a": 150000,\n  "b": 0.01,\n  "c": 15000.50,\n  "d": 0,\n'
        '  "e": [\n    0.0000001,\n    3,\n    true,\n    null,\n    "叶集"\n  ],\n  "f": {},\n  "g": []\n}\n')
    with pytest.raises(TypeError):
        backend.dumps({"x": 0.01})  # a float would not be exact
    with pytest.raises(ValueError):
        backend.dumps({"x": Decimal("NaN")})


def test_build_writes_the_forms(policy, artifacts):
    from yeji_policy import build

    rendered = build.render([policy])
    for path, data in artifacts.items():
        assert rendered[path] == data


# ---------------------------------------------------------------- schema content
def test_every_schema_is_a_valid_2020_12_schema(policy, forms):
    schemas = [path for path in forms if path.endswith(".schema.json") and "/draft-07/" not in path]
    assert len(schemas) == len(policy.programmes) + 1  # every programme's form and the profile
    drafts = [path for path in forms if path.endswith(".schema.json") and "/draft-07/" in path]
    assert sorted(p.replace("/draft-07/", "/") for p in drafts) == sorted(schemas)  # and a draft-07 copy of each
    for path in drafts:
        Draft7Validator.check_schema(forms[path])
    for path in schemas:
        # check_schema raises SchemaError on an invalid schema; it also compiles every pattern (format "regex")
        Draft202012Validator.check_schema(forms[path])
        FormValidator.check_schema(forms[path])


def test_header_names_policy_programme_and_article(policy, forms):
    for p in policy.programmes:
        form = form_of(forms, p.id)
        assert form["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert form["$id"] == f"urn:yeji-policy:{policy.id}:forms:{p.id}"
        assert policy.content_hash in form["$comment"]
        assert form["title"] == p.name
        assert f"第{p.article}条" in form["description"]
        assert describe.amount(p.amount) in form["description"]
        assert form["type"] == "object" and form["additionalProperties"] is False
        assert form["required"] == [f.name for f in p.fields if f.default is None]
        # the policy's order, then the optional date that picks the version (never required)
        assert list(form["properties"]) == [f.name for f in p.fields] + ["application_date"]
        assert form["properties"]["application_date"]["title"] == "申请日期"
        for f in p.fields:
            if f.kind == "list":
                assert list(form["properties"][f.name]["items"]["properties"]) == [g.name for g in f.item_fields]
    ids = [form["$id"] for form in forms.values() if "$id" in form]
    assert len(ids) == len(set(ids))


def test_fields_follow_the_model(policy, forms):
    def check_field(f, s):
        assert s["title"] == f.label
        assert f.help is None or f.help.rstrip("。") in s["description"]
        if f.unit:
            assert f"单位：{f.unit}" in s["description"]
        if f.kind in ("money", "number"):
            assert s["type"] == "number"
            assert s["multipleOf"] == (f.step if f.step is not None else Decimal("0.01"))
            assert s["minimum"] == (f.minimum if f.minimum is not None else 0)
            assert s["maximum"] == runtime.MAX_NUMBER
        elif f.kind == "int":
            assert s["type"] == "integer" and s["minimum"] == 0 and s["maximum"] == runtime.MAX_NUMBER
        elif f.kind == "bool":
            assert s["type"] == "boolean"
        elif f.kind == "date":
            assert s["type"] == "string" and s["format"] == "date"
            assert re.fullmatch(s["pattern"], "2018-05-20") and not re.search(s["pattern"], "2018-5-20")
        elif f.kind == "text":
            assert s["type"] == "string" and s["minLength"] == 1 and s["maxLength"] == runtime.MAX_TEXT
            assert not re.search(s["pattern"], " \t\u3000") and re.search(s["pattern"], " 村 ")
        elif f.kind == "enum":
            assert s["oneOf"] == [{"const": o, "title": t} for o, t in f.options]
        elif f.kind == "list":
            assert s["type"] == "array" and s["minItems"] == 1 and s["maxItems"] == runtime.MAX_ITEMS
            items = s["items"]
            assert items["type"] == "object" and items["additionalProperties"] is False
            assert items["required"] == [g.name for g in f.item_fields if g.default is None]
            for g in f.item_fields:
                check_field(g, items["properties"][g.name])
        if f.default is not None:
            assert s["default"] == f.default
        else:
            assert "default" not in s

    for p in policy.programmes:
        for f in p.fields:
            check_field(f, form_of(forms, p.id)["properties"][f.name])


def test_the_fields_the_issue_names(forms):
    fitout = form_of(forms, "art09_venue_fitout")["properties"]["venue_fitout_investment"]
    assert "不含土建" in fitout["description"] and "单位：元" in fitout["description"]
    days = form_of(forms, "art17_training")["properties"]["training_days"]
    assert (days["type"], days["multipleOf"], days["minimum"]) == ("number", Decimal("0.5"), Decimal("0.5"))
    award = form_of(forms, "art14_sales_award")
    assert award["properties"]["sales_awards_received"]["default"] == 0
    assert "sales_awards_received" not in award["required"]
    station = form_of(forms, "art13_rural_stations")["properties"]["stations"]["items"]
    assert station["properties"]["built_year"]["type"] == "integer"


def test_everything_has_a_chinese_title(forms):
    """No schema, field or enum option without a title in Chinese; every field
    also has a Chinese description."""
    cjk = re.compile(r"[\u4e00-\u9fff]")

    def walk(node, where):
        if isinstance(node, dict):
            if "type" in node or "const" in node:
                assert cjk.search(node.get("title", "")), f"{where}: no Chinese title"
            for key, child in node.items():
                if key == "properties":
                    for name, field in child.items():
                        assert cjk.search(field.get("description", "")), f"{where}.{name}: no Chinese description"
                        walk(field, f"{where}.{name}")
                elif key in ("examples", "default", "const"):
                    continue
                else:
                    walk(child, f"{where}/{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, f"{where}[{index}]")

    for path, form in forms.items():
        if path.endswith(".schema.json"):
            assert cjk.search(form["description"]), path
            walk(form, path)


def test_examples_are_the_valid_embedded_tests_in_source_order(policy, forms, generated_module):
    for p in policy.programmes:
        expected = [t.application for t in policy.tests if t.programme == p.id and t.expect.status != "invalid"]
        form = form_of(forms, p.id)
        assert form.get("examples", []) == expected
        for example in form.get("examples", []):
            assert form_errors(form, example) == []
            assert evaluator_errors(generated_module, p.id, example) == []


def test_invalid_embedded_tests(policy, forms, generated_module):
    """Every embedded test expecting an invalid application is rejected by the
    schema — unless all its problems are 校验 checks, which only the evaluator
    makes (and which the form's description names)."""
    for t in policy.tests:
        if t.expect.status != "invalid":
            continue
        p = policy.programme(t.programme)
        form = form_of(forms, p.id)
        assert evaluator_errors(generated_module, p.id, t.application)
        constraint_paths = {c.path for c in p.constraints}
        if set(t.expect.paths) <= constraint_paths and t.expect.paths:
            assert form_errors(form, t.application) == []
            assert "提交后另行检查" in form["description"]
        else:
            assert form_errors(form, t.application)


def test_index_lists_every_form(policy, artifacts, forms):
    index = forms["forms/yeji_ecommerce/index.json"]
    assert index["policy"] == {"id": policy.id, "issuer": policy.document.issuer,
                               "title": policy.document.title, "version": policy.document.version,
                               "source_file": policy.source_file, "source_sha256": policy.content_hash}
    assert [entry["programme"] for entry in index["forms"]] == [p.id for p in policy.programmes]
    for entry, p in zip(index["forms"], policy.programmes):
        assert entry["name"] == p.name and entry["article"] == p.article
        assert entry["citation"] == f"第{p.article}条"
        assert entry["article_title"] == policy.article(p.article).title
        assert f"forms/yeji_ecommerce/{entry['file']}" in artifacts
        assert entry["schema_id"] == forms[f"forms/yeji_ecommerce/{entry['file']}"]["$id"]
        assert entry["fields"] == [f.name for f in p.fields] + ["application_date"]
        assert {f"forms/yeji_ecommerce/{entry['uischema']}", f"forms/yeji_ecommerce/{entry['messages']}"} <= set(artifacts)
    for key in ("file", "uischema", "messages"):
        assert f"forms/yeji_ecommerce/{index['profile'][key]}" in artifacts


def test_profile_has_every_field_optional_with_the_same_definitions(policy, forms):
    profile = forms["forms/yeji_ecommerce/profile.schema.json"]
    assert profile["$id"] == f"urn:yeji-policy:{policy.id}:forms:profile"
    assert "required" not in profile and profile["additionalProperties"] is False
    names = {f.name for p in policy.programmes for f in p.fields} | {"application_date"}
    assert set(profile["properties"]) == names
    for p in policy.programmes:
        for f in p.fields:
            assert profile["properties"][f.name] == form_of(forms, p.id)["properties"][f.name]
    assert form_errors(profile, {}) == []


# ---------------------------------------------------------------- the catalogue's invalid kinds
def _base(policy, pid):
    return copy.deepcopy(next(t.application for t in policy.tests
                              if t.programme == pid and t.expect.status != "invalid"))


def _set(application, path, value):
    target = application
    for key in path[:-1]:
        target = target[key]
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return application


_DROP = object()

# (programme, path, JSON text of the new value or _DROP, accepted?)
CASES = [
    ("art09_equipment", ("equipment_audit_passed",), _DROP, False),  # missing field
    ("art13_rural_stations", ("stations", 0, "village"), _DROP, False),  # missing inside a list item
    ("art14_sales_award", ("sales_awards_received",), _DROP, True),  # has a default
    ("art09_equipment", ("equipment_investmnt",), "1", False),  # unknown field
    ("art13_rural_stations", ("stations", 0, "villages"), '"平岗村"', False),  # unknown field, depth 2
    ("art09_equipment", ("equipment_investment",), '"一百元"', False),  # wrong type
    ("art09_equipment", ("equipment_audit_passed",), '"true"', False),
    ("art09_equipment", ("equipment_audit_passed",), "1", False),
    ("art09_equipment", ("equipment_investment",), "true", False),  # a boolean is never a number
    ("art14_poverty_employment", ("poor_employees",), "false", False),
    ("art09_equipment", ("equipment_investment",), "null", False),  # null is never a value
    ("art13_rural_stations", ("stations",), "{}", False),
    ("art09_equipment", ("equipment_investment",), "-0.01", False),  # money < 0
    ("art09_equipment", ("equipment_investment",), "100.123", False),  # three decimals
    ("art09_equipment", ("equipment_investment",), "0.001", False),
    ("art09_equipment", ("equipment_investment",), "1e-2000000", False),
    ("art09_equipment", ("equipment_investment",), "1.230", True),  # judged by value
    ("art09_equipment", ("equipment_investment",), "-0", True),  # -0 is 0
    ("art09_equipment", ("equipment_investment",), "-0.00", True),
    ("art09_equipment", ("equipment_investment",), "0.07", True),  # not a multiple of 0.01 as a float
    ("art09_equipment", ("equipment_investment",), "0.29", True),
    ("art09_equipment", ("equipment_investment",), "123456.78", True),
    ("art09_equipment", ("equipment_investment",), "1.2345678E+5", True),
    ("art09_equipment", ("equipment_investment",), "9999999999.99", True),  # the limit
    ("art09_equipment", ("equipment_investment",), "10000000000", False),
    ("art09_equipment", ("equipment_investment",), "1000000000000000", False),  # the limit until issue 12
    ("art11_service_center_operation", ("online_pavilions",), "9999999999", True),
    ("art11_service_center_operation", ("online_pavilions",), "10000000000", False),
    ("art13_rural_stations", ("stations", 0, "village"), '"\\ud800"', False),  # a lone surrogate
    ("art13_rural_stations", ("stations", 0, "village"), '"村\\ud83d\\ude00"', True),  # a pair is one character
    ("art09_equipment", ("equipment_investment",), "1e400", False),
    ("art10_park_rent", ("leased_area_m2",), "80.25", True),
    ("art10_park_rent", ("leased_area_m2",), "80.255", False),
    ("art10_park_rent", ("move_in_date",), '"2018-02-30"', False),  # not a real date
    ("art10_park_rent", ("move_in_date",), '"2017-02-29"', False),
    ("art10_park_rent", ("move_in_date",), '"2016-02-29"', True),
    ("art10_park_rent", ("move_in_date",), '"2018-13-01"', False),
    ("art10_park_rent", ("move_in_date",), '"0000-01-01"', False),
    ("art10_park_rent", ("move_in_date",), '"2018-5-20"', False),
    ("art10_park_rent", ("move_in_date",), '"20180520"', False),
    ("art10_park_rent", ("move_in_date",), '"2018-05-20T00:00:00"', False),
    ("art10_park_rent", ("move_in_date",), '"2018-05-20\\n"', False),
    ("art10_park_rent", ("move_in_date",), '"２０１８-05-20"', False),  # full-width digits
    ("art10_park_rent", ("move_in_date",), "20180520", False),
    ("art10_park_rent", ("enterprise_kind",), '"ECOMMERCE"', False),  # ids only, case-sensitive
    ("art10_park_rent", ("enterprise_kind",), '"电子商务企业"', False),
    ("art10_park_rent", ("enterprise_kind",), '"ecommerce "', False),
    ("art10_park_rent", ("enterprise_kind",), "1", False),
    ("art14_sales_award", ("sales_channel",), '"c2c"', False),
    ("art13_rural_stations", ("stations",), "[]", False),  # an empty list
    ("art13_rural_stations", ("stations", 0), '"平岗村"', False),
    ("art13_rural_stations", ("stations", 0, "village"), '""', False),  # an empty village name
    ("art13_rural_stations", ("stations", 0, "village"), '"   "', False),
    ("art13_rural_stations", ("stations", 0, "village"), '"\\u3000\\t"', False),
    ("art13_rural_stations", ("stations", 0, "village"), '"\\u001c"', False),  # Python counts it as space
    ("art13_rural_stations", ("stations", 0, "village"), '"\\ufeff"', True),  # Python does not
    ("art13_rural_stations", ("stations", 0, "village"), '" 平岗村 "', True),
    ("art13_rural_stations", ("stations", 0, "village"), json.dumps("村" * runtime.MAX_TEXT), True),
    ("art13_rural_stations", ("stations", 0, "village"), json.dumps("村" * (runtime.MAX_TEXT + 1)), False),
    ("art13_rural_stations", ("stations", 0, "built_year"), "2017.0", True),  # 12.0 is the integer 12
    ("art13_rural_stations", ("stations", 0, "built_year"), "2.017E+3", True),
    ("art13_rural_stations", ("stations", 0, "built_year"), "2017.5", False),
    ("art13_rural_stations", ("stations", 0, "built_year"), '"2017"', False),
    ("art11_service_center_operation", ("online_pavilions",), "12.0", True),
    ("art11_service_center_operation", ("online_pavilions",), "-1", False),
    ("art11_service_center_operation", ("online_pavilions",), "-0.0", True),
    ("art17_training", ("training_days",), "1.5", True),
    ("art17_training", ("training_days",), "1.50", True),
    ("art17_training", ("training_days",), "0.7", False),  # not a multiple of 0.5
    ("art17_training", ("training_days",), "0", False),  # below the minimum 0.5
    ("art17_training", ("training_days",), "0.25", False),
]


@pytest.mark.parametrize("pid, path, value, accepted", CASES,
                         ids=[f"{c[0]}:{'.'.join(map(str, c[1]))}={'∅' if c[2] is _DROP else c[2][:24]}"
                              for c in CASES])
def test_each_invalid_kind(policy, forms, generated_module, pid, path, value, accepted):
    application = _set(_base(policy, pid), path, _DROP if value is _DROP else load_json(value))
    schema_errors = form_errors(form_of(forms, pid), application)
    errors = evaluator_errors(generated_module, pid, application)
    assert (not schema_errors) == accepted, [e.message for e in schema_errors]
    assert (not errors) == accepted, errors


def test_a_whole_application_that_is_not_an_object(policy, forms, generated_module):
    for value in ([], "申请", 1, None):
        assert form_errors(form_of(forms, "art09_equipment"), value)
        assert evaluator_errors(generated_module, "art09_equipment", value)


def test_too_many_list_items(policy, forms, generated_module):
    application = _base(policy, "art13_rural_stations")
    item = application["stations"][0]
    for count, accepted in ((runtime.MAX_ITEMS, True), (runtime.MAX_ITEMS + 1, False)):
        application["stations"] = [dict(item, village=f"村{i}") for i in range(count)]
        schema_errors = form_errors(form_of(forms, "art13_rural_stations"), application)
        assert (not schema_errors) == accepted
        assert (not evaluator_errors(generated_module, "art13_rural_stations", application)) == accepted


def test_nan_and_infinity(policy, forms, generated_module):
    """Not JSON: the README loader refuses them.  Should one arrive as a Decimal
    anyway, both the schema and the evaluator reject it."""
    for text in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(ValueError):
            load_json('{"equipment_investment": %s, "equipment_audit_passed": true}' % text)
    for pid, name in (("art09_equipment", "equipment_investment"), ("art17_training", "training_days"),
                      ("art14_poverty_employment", "poor_employees")):
        for value in (Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")):
            application = _set(_base(policy, pid), (name,), value)
            assert form_errors(form_of(forms, pid), application), (name, value)
            assert evaluator_errors(generated_module, pid, application), (name, value)


def test_date_range_order_is_left_to_the_evaluator(policy, forms, generated_module):
    """claim_to before claim_from: JSON Schema cannot compare two fields."""
    application = _set(_base(policy, "art10_park_rent"), ("claim_to",), "2018-04-30")
    assert form_errors(form_of(forms, "art10_park_rent"), application) == []
    errors = evaluator_errors(generated_module, "art10_park_rent", application)
    assert [e["path"] for e in errors] == ["claim_to"]
    assert "开始日期" in errors[0]["message"]
    assert "本次申请补助期间（止） ≥ 本次申请补助期间（起）" in form_of(forms, "art10_park_rent")["description"]


def test_money_as_a_decimal_string_is_for_the_python_api_only(policy, forms, generated_module):
    application = _set(_base(policy, "art09_equipment"), ("equipment_investment",), "123456.78")
    assert form_errors(form_of(forms, "art09_equipment"), application)
    assert evaluator_errors(generated_module, "art09_equipment", application) == []


def test_step_check_is_exact_even_for_very_long_numbers(policy, forms, generated_module):
    value = load_json("0.5" + "0" * 1_100_000 + "1")  # not a multiple of 0.5
    application = _set(_base(policy, "art17_training"), ("training_days",), value)
    assert form_errors(form_of(forms, "art17_training"), application)
    assert evaluator_errors(generated_module, "art17_training", application)


# ---------------------------------------------------------------- why the recipe is what it is
def test_why_numbers_must_be_read_as_decimal(forms):
    money = {"type": "number", "multipleOf": 0.01}  # schema read with plain json.loads: floats
    assert list(Draft202012Validator(money).iter_errors(0.07)), "0.07 / 0.01 = 7.000000000000001"
    with pytest.raises(TypeError):  # a Decimal schema and a float instance do not mix
        list(FormValidator(form_of(forms, "art09_equipment")).iter_errors(
            {"equipment_investment": 0.07, "equipment_audit_passed": True}))


def test_why_integers_need_the_type_checker(forms):
    station = form_of(forms, "art13_rural_stations")["properties"]["stations"]["items"]["properties"]
    assert list(Draft202012Validator(station["built_year"]).iter_errors(Decimal("2017.0")))
    assert not list(FormValidator(station["built_year"]).iter_errors(Decimal("2017.0")))


def test_why_the_decimal_context(forms):
    money = form_of(forms, "art09_equipment")["properties"]["equipment_investment"]
    tiny = load_json("1e-2000000")
    assert not list(FormValidator(money).iter_errors(tiny)), "default context: the remainder underflows to 0"
    with pytest.raises(decimal.InvalidOperation):
        list(FormValidator(money).iter_errors(load_json("1e400")))
    assert form_errors(money, tiny) and form_errors(money, load_json("1e400"))


def test_date_format_needs_only_the_format_checker(forms):
    """jsonschema checks `format: date` with the standard library alone
    (datetime.date.fromisoformat), once a FormatChecker is passed; without
    one, format is only an annotation."""
    assert "date" in FormatChecker().checkers
    date = form_of(forms, "art10_park_rent")["properties"]["move_in_date"]
    assert not list(Draft202012Validator(date).iter_errors("2018-02-30"))
    assert list(Draft202012Validator(date, format_checker=FormatChecker()).iter_errors("2018-02-30"))


# ---------------------------------------------------------------- property: schema ≡ evaluator
MAX = runtime.MAX_NUMBER
WHITESPACE = [chr(c) for c in range(0x3001) if chr(c).isspace()] + ["\ufeff", "\u200b", "\u180e"]


def _representations(value: Decimal) -> list:
    """Ways the README loader can hand over one exact value."""
    reps = [value, value.normalize(), Decimal(f"{value:E}")]
    if value == value.to_integral_value():
        reps.append(int(value))
    for places in (1, 3, 6):
        if value == value.quantize(Decimal(1).scaleb(-places)):
            reps.append(value.quantize(Decimal(1).scaleb(-places)))
    if value == 0:
        reps += [Decimal("-0"), Decimal("-0.00"), Decimal("0E+5")]
    return reps


def _number(steps: st.SearchStrategy, step: Decimal) -> st.SearchStrategy:
    return steps.map(lambda k: Decimal(k) * step).flatmap(lambda v: st.sampled_from(_representations(v)))


def valid_value(f) -> st.SearchStrategy:
    if f.kind in ("money", "number"):
        step = f.step if f.step is not None else Decimal("0.01")
        lowest = int(-(-(f.minimum or 0) // step))  # the least multiple of step ≥ minimum
        top = int(MAX / step)
        return _number(st.one_of(st.integers(lowest, top), st.integers(lowest, lowest + 10**6)), step)
    if f.kind == "int":
        return _number(st.one_of(st.integers(0, int(MAX)), st.integers(0, 3000)), Decimal(1))
    if f.kind == "bool":
        return st.booleans()
    if f.kind == "date":
        return st.dates().map(lambda d: d.isoformat())
    if f.kind == "text":
        return st.text(st.one_of(st.characters(), st.sampled_from(WHITESPACE)), min_size=1,
                       max_size=runtime.MAX_TEXT).filter(lambda s: s.strip())
    if f.kind == "enum":
        return st.sampled_from([o for o, _ in f.options])
    if f.kind == "list":
        return st.lists(valid_object(f.item_fields), min_size=1, max_size=4)
    raise AssertionError(f.kind)


def valid_object(fields) -> st.SearchStrategy:
    optional_names = {f.name for f in fields if f.default is not None or f.name == backend.APPLICATION_DATE}
    required = {f.name: valid_value(f) for f in fields if f.name not in optional_names}
    optional = {f.name: valid_value(f) for f in fields if f.name in optional_names}
    return st.fixed_dictionaries(required, optional=optional)


WILD = [
    None, True, False, 0, 1, -1, 12, 10**15, 10**15 + 1, 10**30, -(10**15),
    Decimal("0.07"), Decimal("-0.01"), Decimal("0.001"), Decimal("100.123"), Decimal("1.230"), Decimal("-0"),
    Decimal("12.0"), Decimal("12.5"), Decimal("0.5"), Decimal("0.7"), Decimal("1E+2"), Decimal("1E+400"),
    Decimal("1E-2000000"), Decimal("1000000000000000.01"), Decimal("NaN"), Decimal("Infinity"),
    Decimal("9999999999.99"), Decimal("10000000000.00"), 10**10, 9999999999,
    Decimal("-Infinity"),
    "", " ", "\u3000", "\x1c", "\ufeff", "a", "村" * (runtime.MAX_TEXT + 1), "2018-02-30", "2017-02-29",
    "2016-02-29", "0000-01-01", "0001-01-01", "2018-1-1", "2018-01-01\n", "２０１８-01-01", "2018-01-01T00:00",
    "ecommerce", "ECOMMERCE", "B2B", "b2b", "其他", [], {}, [1], [{}], {"a": 1},
]
NON_STRINGS = [w for w in WILD if not isinstance(w, str)]
WILD_NAMES = ["foo", "Stations", "village", "equipment_investment", "", "名称", "claim_to"]


def near_miss(f) -> st.SearchStrategy:
    """Values just inside or just outside what field f admits."""
    if f.kind in ("money", "number", "int"):
        step = f.step if f.step is not None else Decimal(1) if f.kind == "int" else Decimal("0.01")
        lowest = f.minimum if f.minimum is not None else Decimal(0)
        edges = [lowest, lowest - step, MAX, MAX + step, MAX - step, Decimal(0), -step]
        if f.kind == "int":
            edges.append(MAX + 1)
        off = st.integers(1, 12).map(lambda n: Decimal(1).scaleb(-n))  # 0.1 … 1e-12
        return st.one_of(
            st.sampled_from(edges).flatmap(lambda v: st.sampled_from(_representations(v))),
            st.tuples(valid_value(f), off, st.booleans()).map(
                lambda t: (t[0] + t[1]) if t[2] else (Decimal(t[0]) - t[1])),
            valid_value(f).map(lambda v: -v))
    if f.kind == "date":
        return st.one_of(
            st.tuples(st.integers(0, 9999), st.sampled_from([0, 1, 2, 4, 6, 9, 11, 12, 13]),
                      st.sampled_from([0, 1, 28, 29, 30, 31, 32])).map(
                lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"),
            st.tuples(st.sampled_from([1900, 2000, 2016, 2017, 2100]), st.just(2), st.sampled_from([28, 29, 30])).map(
                lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"),
            valid_value(f).map(lambda d: d + "T00:00:00"),
            valid_value(f).map(lambda d: d.replace("-", "")))
    if f.kind == "text":
        return st.one_of(
            st.text(st.sampled_from(WHITESPACE), min_size=1, max_size=4),
            st.tuples(st.integers(runtime.MAX_TEXT - 1, runtime.MAX_TEXT + 1), st.sampled_from(WHITESPACE)).map(
                lambda t: t[1] + "村" * (t[0] - 1)))
    if f.kind == "enum":
        return st.sampled_from([v for o, t in f.options for v in (o.upper(), o.lower(), o.capitalize(),
                                                                   o + " ", t)])
    if f.kind == "bool":
        return st.sampled_from([0, 1, "true", "是", None, Decimal("1.0")])
    if f.kind == "list":
        return st.one_of(st.just([]), st.lists(st.sampled_from(WILD), min_size=1, max_size=2))
    raise AssertionError(f.kind)


def boundary_values(f) -> list:
    """A fixed list of values at the edges of what field f admits."""
    if f.kind in ("money", "number", "int"):
        step = f.step if f.step is not None else Decimal(1) if f.kind == "int" else Decimal("0.01")
        lowest = f.minimum if f.minimum is not None else Decimal(0)
        values = [lowest, lowest - step, lowest + step, lowest + step / 10, MAX, MAX - step, MAX + step,
                  step / 10, -step, Decimal("12"), Decimal("12") + step / 2]
        return [r for v in values for r in _representations(v)] + [
            Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("1E+400"), Decimal("1E-2000000"),
            True, False, None, [], {}] + ([] if f.kind == "money" else ["12"])  # named exclusion
    if f.kind == "date":
        return ["2018-02-28", "2018-02-29", "2016-02-29", "1900-02-29", "2000-02-29", "2018-02-30", "2018-04-31",
                "2018-00-10", "2018-13-10", "2018-01-00", "2018-01-32", "0000-01-01", "0001-01-01", "9999-12-31",
                "2018-01-01\n", "\n2018-01-01", " 2018-01-01", "20180101", "2018-W01-1", "2018-1-1",
                "２０１８-01-01", "2018-01-01T00:00:00", "", 20180101, None, True]
    if f.kind == "text":
        return ["", " ", "\u3000", "\x1c", "\x85", "\ufeff", "\u200b", "\u180e", "a", " 村 ", "村" * runtime.MAX_TEXT,
                " " * runtime.MAX_TEXT + "村", "村" * (runtime.MAX_TEXT + 1), 1, None, True, ["村"]]
    if f.kind == "enum":
        return [v for o, t in f.options for v in (o, o.upper(), o.lower(), o + " ", " " + o, t)] + [
            "", 1, None, True, [f.options[0][0]]]
    if f.kind == "bool":
        return [True, False, 0, 1, Decimal("1.0"), "true", "是", None, [True]]
    if f.kind == "list":
        return [[], [{}], ["x"], [None], {}, "x", None]
    raise AssertionError(f.kind)


def _slots(application, fields):
    """(object, field) for every field of the application and of its list items."""
    slots = [(application, f) for f in fields]
    for f in fields:
        items = application.get(f.name) if f.kind == "list" else None
        if isinstance(items, list):
            slots += [(item, g) for item in items if isinstance(item, dict) for g in f.item_fields]
    return slots


def _change(draw, target, f, fields, near: bool) -> None:
    op = draw(st.sampled_from(["set", "set", "set", "drop", "add"]))
    if op == "drop":
        target.pop(f.name, None)
    elif op == "add":
        name = draw(st.one_of(st.sampled_from(WILD_NAMES), st.text(max_size=5)))
        target[name] = draw(st.sampled_from(WILD))
    else:
        if near:
            value = draw(near_miss(f))
        else:
            other = draw(st.sampled_from(fields))
            value = draw(st.one_of(
                st.sampled_from(WILD), valid_value(other) if other.kind != "list" else st.just([]),
                st.text(max_size=3), st.integers(-10**16, 10**16),
                st.decimals(allow_nan=False, allow_infinity=False)))
        if isinstance(value, str) and f.kind == "money":
            value = draw(st.sampled_from(NON_STRINGS))  # named exclusion: money as a decimal string
        target[f.name] = value


@st.composite
def mutated(draw, fields):
    """A valid application, unchanged, or with one near miss (most often), or
    with several changes of any kind; money never becomes a string."""
    application = draw(valid_object(fields))
    shape = draw(st.sampled_from(["one", "one", "one", "one", "valid", "several", "whole"]))
    if shape == "whole":
        return draw(st.sampled_from([None, [], "申请", 1, [application]]))
    if shape == "valid" or not fields:
        return application
    for _ in range(1 if shape == "one" else draw(st.integers(2, 4))):
        if not isinstance(application, dict):
            break
        slots = _slots(application, fields)
        target, f = draw(st.sampled_from(slots))
        _change(draw, target, f, fields, near=shape == "one" or draw(st.booleans()))
    return application


_FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.data_too_large])


def test_boundaries_agree(policy, forms, generated_module):
    """Every field of every form, set to each value at the edges of what it
    admits, one at a time: the schema and the evaluator agree."""
    checked = 0
    for p in policy.programmes:
        for example in copy.deepcopy(form_of(forms, p.id).get("examples", [])[:2]):
            for target, f in _slots(example, p.fields):
                for value in boundary_values(f):
                    saved = target.get(f.name, _DROP)
                    target[f.name] = value
                    assert_same_verdict(generated_module, p, form_of(forms, p.id), copy.deepcopy(example))
                    if saved is _DROP:
                        del target[f.name]
                    else:
                        target[f.name] = saved
                    checked += 1
    assert checked > 1000


class Env:
    """The policy, its forms and its generated module, with a short repr for
    hypothesis' reports."""

    def __init__(self, policy, forms, module):
        self.policy, self.forms, self.module = policy, forms, module

    def __repr__(self):
        return "<env>"


@pytest.fixture(scope="session")
def env(policy, forms, generated_module):
    return Env(policy, forms, generated_module)


@pytest.mark.parametrize("pid", PROGRAMME_IDS)
@_FAST
@given(data=st.data())
def test_schema_and_evaluator_agree(env, pid, data):
    programme = env.policy.programme(pid)
    application = data.draw(mutated(backend.form_fields(env.policy, programme)), label="application")
    event(assert_same_verdict(env.module, programme, form_of(env.forms, pid), application))


@_FAST
@given(data=st.data())
def test_profile_schema_and_match_agree(env, data):
    """The policy calculator: any subset of the fields, each checked like its form."""
    fields = backend.profile_form_fields(env.policy)
    chosen = data.draw(st.lists(st.sampled_from(fields), unique_by=lambda f: f.name, max_size=8), label="fields")
    profile = data.draw(mutated(tuple(chosen)), label="profile")
    schema_errors = form_errors(env.forms["forms/yeji_ecommerce/profile.schema.json"], profile)
    try:
        env.module.match(profile)
        errors = []
    except env.module.InvalidApplication as exc:
        errors = exc.errors
    assert bool(schema_errors) == bool(errors), (profile, [e.message for e in schema_errors][:3], errors[:3])



# ---------------------------------------------------------------- draft-07 copies (issue 12)
def _with_integers(validator_class):
    return validators.extend(validator_class, type_checker=validator_class.TYPE_CHECKER.redefine("integer", _integer))


Draft7FormValidator = _with_integers(Draft7Validator)


def draft_07_errors(schema, application):
    with decimal.localcontext(_EXACT):
        return list(Draft7FormValidator(schema, format_checker=FormatChecker()).iter_errors(application))


def test_draft_07_copies_differ_only_in_dialect_and_id(forms):
    names = [path for path in forms if path.startswith("forms/yeji_ecommerce/draft-07/")]
    assert len(names) == len([p for p in forms if p.endswith(".schema.json")]) // 2
    for path in names:
        copy07, original = forms[path], forms[path.replace("draft-07/", "")]
        Draft7Validator.check_schema(copy07)
        assert copy07["$schema"] == "http://json-schema.org/draft-07/schema#"
        assert copy07["$id"] == original["$id"] + ":draft-07"
        assert {k: v for k, v in copy07.items() if k not in ("$schema", "$id")} == \
            {k: v for k, v in original.items() if k not in ("$schema", "$id")}


@pytest.mark.parametrize("pid", PROGRAMME_IDS + ["profile"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_draft_07_and_2020_12_accept_and_reject_the_same(env, pid, data):
    if pid == "profile":
        fields = tuple(data.draw(st.lists(st.sampled_from(backend.profile_form_fields(env.policy)),
                                          unique_by=lambda f: f.name, max_size=6), label="fields"))
    else:
        fields = backend.form_fields(env.policy, env.policy.programme(pid))
    application = data.draw(mutated(fields), label="application")
    new = env.forms[f"forms/yeji_ecommerce/{pid}.schema.json"]
    old = env.forms[f"forms/yeji_ecommerce/draft-07/{pid}.schema.json"]
    assert sorted(e.message for e in form_errors(new, application)) == \
        sorted(e.message for e in draft_07_errors(old, application))


# ---------------------------------------------------------------- uiSchema (issue 12)
def _forms_with_fields(policy):
    return [(p.id, backend.form_fields(policy, p)) for p in policy.programmes] + [
        ("profile", backend.profile_form_fields(policy))]


def test_uischema_orders_fields_and_chooses_widgets(policy, forms):
    def check_object(ui, fields, where):
        assert ui["ui:order"] == [f.name for f in fields], where  # every field, the policy's order
        for f in fields:
            field_ui = ui.get(f.name, {})
            if f.kind == "bool":  # 是/否 radio buttons, neither chosen (no default in the schema)
                assert field_ui == {"ui:widget": "radio", "ui:enumNames": ["是", "否"], "ui:options": {"inline": True}}
            elif f.kind == "enum":  # a drop-down whose empty first entry says 请选择
                assert field_ui == {"ui:widget": "select", "ui:placeholder": "请选择"}
            elif f.kind in ("money", "number", "int"):
                assert field_ui.get("ui:help") == (f"单位：{f.unit}" if f.unit else None), (where, f.name)
                assert field_ui["ui:widget"] == "updown"
            elif f.kind == "list":
                assert field_ui["ui:options"] == {"addable": True, "removable": True, "orderable": False,
                                                  "copyable": False}
                check_object(field_ui["items"], f.item_fields, f"{where}.{f.name}")
        assert set(ui) - {"ui:order", "ui:submitButtonOptions", "$comment"} <= {f.name for f in fields}

    for name, fields in _forms_with_fields(policy):
        ui = forms[f"forms/yeji_ecommerce/{name}.uischema.json"]
        assert ui["ui:submitButtonOptions"] == {"submitText": "提交"}
        assert policy.content_hash in ui["$comment"]
        check_object(ui, fields, name)
        for f in fields:
            assert "default" not in forms[f"forms/yeji_ecommerce/{name}.schema.json"]["properties"][f.name] or f.kind == "money"


# ---------------------------------------------------------------- messages (issue 12)
_CONSTRAINTS = {"type", "minimum", "maximum", "multipleOf", "format", "pattern", "minLength", "maxLength", "oneOf",
                "minItems", "maxItems", "additionalProperties"}
_TECHNICAL = re.compile(r"\\u|\[\^|integer|number|string|boolean|object|array|null|true|false|pattern|JSON",
                        re.IGNORECASE)
CJK = re.compile(r"[\u4e00-\u9fff]")


def message_for(messages, error) -> str | None:
    """The Chinese message of one jsonschema error — the lookup the README's
    transformErrors makes with ajv's schemaPath and keyword."""
    path = [str(p) for p in error.absolute_schema_path]
    keyword = path.pop()
    pointer = "#" + "".join(f"/{p}" for p in path)
    if keyword == "required":
        missing = re.match(r"'(.*)' is a required property", error.message).group(1)
        pointer += f"/properties/{missing}"
    return messages.get(pointer, {}).get(keyword)


def test_messages_cover_every_constraint_in_chinese_naming_the_field(policy, forms):
    for name, fields in _forms_with_fields(policy):
        messages, schema = forms[f"forms/yeji_ecommerce/{name}.messages.json"], forms[f"forms/yeji_ecommerce/{name}.schema.json"]
        assert policy.content_hash in messages["$comment"]

        def walk(node, pointer):
            is_field = pointer != "#" and not pointer.endswith("/items")
            keywords = (set(node) & _CONSTRAINTS) | ({"required"} if is_field else set())
            assert keywords <= set(messages[pointer]), (name, pointer, keywords - set(messages[pointer]))
            for keyword, message in messages[pointer].items():
                assert CJK.search(message) and not _TECHNICAL.search(message), (pointer, keyword, message)
                if is_field:
                    assert f"“{node['title']}”" in message, (pointer, keyword, message)
            for key, child in node.get("properties", {}).items():
                walk(child, f"{pointer}/properties/{key}")
            if "items" in node:
                walk(node["items"], f"{pointer}/items")

        walk(schema, "#")
        assert list(messages)[1:] == [k for k in messages if k.startswith("#")]  # every pointer is in the schema


@pytest.mark.parametrize("pid", PROGRAMME_IDS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_every_error_a_validator_reports_has_its_message(env, pid, data):
    application = data.draw(mutated(backend.form_fields(env.policy, env.policy.programme(pid))), label="application")
    messages = env.forms[f"forms/yeji_ecommerce/{pid}.messages.json"]
    for error in form_errors(env.forms[f"forms/yeji_ecommerce/{pid}.schema.json"], application):
        assert message_for(messages, error), (error.message, list(error.absolute_schema_path))


def test_the_messages_say_what_the_evaluator_says(policy, forms, generated_module):
    """Where the form and the evaluator judge the same thing, the words match."""
    app = _base(policy, "art13_rural_stations")
    app["stations"][0]["village"] = " "
    del app["stations"][0]["investment"]
    messages = forms["forms/yeji_ecommerce/art13_rural_stations.messages.json"]
    station = "#/properties/stations/items/properties"
    assert [e["message"] for e in evaluator_errors(generated_module, "art13_rural_stations", app)] == [
        messages[f"{station}/village"]["minLength"], messages[f"{station}/investment"]["required"]]
    assert messages[f"{station}/village"]["minLength"] == "“所在行政村”不能为空"
    app = _set(_base(policy, "art09_equipment"), ("equipment_investment",), Decimal("100.123"))
    (error,) = evaluator_errors(generated_module, "art09_equipment", app)
    money = forms["forms/yeji_ecommerce/art09_equipment.messages.json"]["#/properties/equipment_investment"]
    assert error["message"].startswith(money["multipleOf"] + "，")


# ---------------------------------------------------------------- descriptions for people (issue 11, finding 10)
def test_descriptions_are_for_people_not_json_editors(forms):
    for path, form in forms.items():
        if not path.endswith(".schema.json"):
            continue
        texts = [form["description"]] + [f["description"] for f in form["properties"].values()]
        for f in form["properties"].values():
            if "items" in f:
                texts += [g["description"] for g in f["items"]["properties"].values()]
        for text in texts:
            for word in ("true", "false", "英文代码", "JSON", "须为以下可选项", "至少含1项"):
                assert word not in text, (path, word, text)


def test_every_interpretation_is_in_its_form_marked(policy, forms):
    for p in policy.programmes:
        description = form_of(forms, p.id)["description"]
        interpretations = backend.programme_interpretations(policy, p)
        assert interpretations == [i for i in policy.interpretations if i.programme == p.id]
        for i in interpretations:
            assert f"【解释】{i.note.rstrip('。')}" in description or \
                f"【解释】{i.subject}：{i.note.rstrip('。')}" in description, (p.id, i.note)
        # one reading applied in two places (兑现前提 and its rule) is said once
        assert description.count("【解释】") == len({i.note for i in interpretations}), p.id
        # an attribute that is a reading says so where it is stated
        details = [(label, a) for label, a in p.details if label in backend.FORM_DETAILS and a is not None]
        assert [label for label, _ in details] == ["兑现方式", "补助期限", "兑现前提", "受理部门"]  # as the sheet labels them
        for label, attribute in (("资金来源", p.funding_source), ("申请主体", p.applicant), *details):
            stated = f"{label}：{attribute.value}"
            assert stated in description
            assert description.split(stated, 1)[1].startswith("（【解释】") == (attribute.interpretation is not None)
        for f in p.fields:
            if f.interpretation is not None:
                assert f"【解释】{f.interpretation.note}" in form_of(forms, p.id)["properties"][f.name]["description"]


def test_the_readings_the_review_named_are_marked(forms):
    """Finding 10: '× 100%', '最高不超过2万元' and '区财政' were stated as rules."""
    stations = form_of(forms, "art13_rural_stations")["description"]
    assert "× 100%" in stations and "【解释】金额计算：原文未写补助比例，按投入全额补助理解" in stations
    assert "最高不超过2万元" in stations and "【解释】上限：原文为“原则上每个站点不超过2万元”" in stations
    assert "资金来源：区财政（【解释】原文本句未写明出资方；本意见由区人民政府印发，是区级政策，按区财政出资理解）" in stations
    venue = form_of(forms, "art09_venue_fitout")["properties"]["venue_fitout_investment"]["description"]
    assert venue == ("办公、培训、产品展示、数据采集统计等场所建设装修的新增投入，单位：元；不含土建。"
                     "填写金额，不小于0，最多两位小数（精确到分）。")
    days = form_of(forms, "art17_training")["properties"]["training_days"]["description"]
    assert "不小于0.5天，按0.5天的整数倍填写" in days


# ---------------------------------------------------------------- JSON input follows the form (issue 12)
def test_the_command_line_refuses_money_as_a_json_string_with_the_forms_message(policy, forms, generated_module):
    from click.testing import CliRunner

    from yeji_policy.cli import main

    runner = CliRunner()
    message = forms["forms/yeji_ecommerce/art09_equipment.messages.json"]["#/properties/equipment_investment"]["type"]
    assert message == "“新增软硬件设备设施购置投入”应为数字金额（单位：元），不能是文字"
    app = '{"equipment_investment": "123456.78", "equipment_audit_passed": 1}'
    out = runner.invoke(main, ["evaluate", "art09_equipment", "-", *SHIPPED], input=app)
    assert out.exit_code == 2
    assert f"equipment_investment：{message}" in out.output
    assert "equipment_audit_passed：“审计验收合格”应为 true 或 false" in out.output  # every problem, not the first
    # the Python API keeps taking a decimal string
    assert generated_module.evaluate("art09_equipment", {"equipment_investment": "123456.78",
                                                         "equipment_audit_passed": True})["amount"] == "98765.42"
    station = json.dumps({"stations": [{"village": "平岗村", "built_year": 2017, "meets_standard": True,
                                        "acceptance_passed": True, "investment": "5000"}]})
    out = runner.invoke(main, ["evaluate", "art13_rural_stations", "-", "--json", *SHIPPED], input=station)
    item = forms["forms/yeji_ecommerce/art13_rural_stations.messages.json"]["#/properties/stations/items/properties/investment"]
    assert out.exit_code == 2  # with --json, the errors as JSON (the record --batch writes)
    assert json.loads(out.stdout)["errors"] == [{"path": "stations[0].investment", "message": item["type"]}]
    line = json.dumps({"programme": "art09_equipment", "application": json.loads(app)}, ensure_ascii=False)
    out = runner.invoke(main, ["evaluate", "--batch", "-", *SHIPPED], input=line + "\n")
    record = json.loads(out.stdout.splitlines()[0])
    assert record["status"] == "invalid" and record["errors"][0] == {"path": "equipment_investment",
                                                                     "message": message}
    out = runner.invoke(main, ["match", "-", *SHIPPED], input='{"rent_paid": "5"}')
    assert out.exit_code == 2 and "rent_paid：“申请期间实际支付租金”应为数字金额（单位：元），不能是文字" in out.output
    out = runner.invoke(main, ["evaluate", "art09_equipment", "-", "--json", *SHIPPED],
                        input='{"equipment_investment": 123456.78, "equipment_audit_passed": true}')
    assert out.exit_code == 0 and json.loads(out.output)["amount"] == "98765.42"


def test_json_money_strings_leaves_its_input_alone():
    fields = _POLICY.programme("art13_rural_stations").fields
    app = {"stations": [{"investment": "5"}, "x", {"investment": 5}]}
    errors, patched = form_ui.json_money_strings(fields, app)
    assert [e["path"] for e in errors] == ["stations[0].investment"]
    assert app == {"stations": [{"investment": "5"}, "x", {"investment": 5}]}
    assert patched["stations"][0]["investment"] == 0 and patched["stations"][1:] == ["x", {"investment": 5}]
