"""Structured trace (issue #17): both engines give identical trace records, the
Chinese steps are their rendering, and ids (of steps and interpretations) are stable."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from yeji_policy import catalogue, check, interpreter, layout, runtime

import strategies
from conftest import POLICY_FILE

KINDS = {"condition", "review", "value", "formula", "case", "unique", "sum"}


def _plain(value) -> bool:
    """True when value is JSON made of dicts, lists, str, int, bool and None only (no float, no Decimal)."""
    if type(value) is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if type(value) is list:
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, int, bool)


def _check_records(policy, result) -> None:
    trace = result["trace"]
    assert result["steps"] == [runtime.render_step(r) for r in trace]
    ids = [r["id"] for r in trace]
    assert len(ids) == len(set(ids)), ids
    known_interps = {i.id for i in policy.interpretations}
    for record in trace:
        assert _plain(record), record
        assert record["kind"] in KINDS
        assert record["id"].startswith(f"{result['programme']}.{record['kind']}.")
        assert record["article"] == result["article"]
        clause = record["clause"]
        assert policy.article(record["article"]).text[clause["start"]:clause["end"]] == clause["excerpt"]
        assert set(record["interpretations"]) <= known_interps
    if trace and result["status"] == "eligible" and trace[-1]["kind"] in ("formula", "sum"):
        # The last amount step takes the programme's amount, rounded once: a two-place string.
        assert trace[-1]["value"] == result["amount"]


@pytest.mark.parametrize("pid", strategies.PROGRAMME_IDS)
def test_engines_give_identical_traces_and_steps_render_them(policy, generated_module, pid):
    programme = policy.programme(pid)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategies.for_programme(programme))
    def check_one(application):
        try:
            interpreted = interpreter.evaluate(policy, pid, application)
        except runtime.InvalidApplication:
            return
        generated = generated_module.evaluate(pid, application)
        assert interpreted["trace"] == generated["trace"]
        assert generated["steps"] == [generated_module.render_step(r) for r in generated["trace"]]
        _check_records(policy, interpreted)

    check_one()


def test_embedded_cases_traces_agree_and_render(policy, generated_module):
    checked = 0
    for case in policy.tests:
        if case.expect.status == "invalid":
            continue
        interpreted = interpreter.evaluate(policy, case.programme, case.application)
        assert interpreted["trace"] == generated_module.evaluate(case.programme, case.application)["trace"]
        _check_records(policy, interpreted)
        checked += 1
    assert checked >= 40


def test_item_records_carry_their_position_and_inputs(policy):
    application = {"stations": [
        {"built_year": 2017, "meets_standard": True, "acceptance_passed": True, "village": "平岗村",
         "investment": Decimal("15000.50")},
        {"built_year": 2017, "meets_standard": True, "acceptance_passed": True, "village": "平岗村",
         "investment": Decimal("30000")}]}
    result = interpreter.evaluate(policy, "art13_rural_stations", application)
    by_id = {r["id"]: r for r in result["trace"]}
    first = by_id["art13_rural_stations.condition.1#1"]
    assert first["item"] == 1 and first["explanation"]["prefix"] == "服务网点第1项："
    assert by_id["art13_rural_stations.condition.1#2"]["item"] == 2
    assert first["inputs"] == {"built_year": "2017"}  # every number of a trace is an exact decimal string
    unique = by_id["art13_rural_stations.unique.1#2"]  # the second station in the same village: reviewed
    assert unique["value"] == 1 and unique["inputs"] == {"village": "平岗村"}
    total = result["trace"][-1]
    assert total["id"] == "art13_rural_stations.sum.1" and "item" not in total
    assert total["value"] == "15000.50" and total["explanation"] == {"counted": "15000.50", "pending": "20000"}


def test_interpretation_ids_are_unique_readable_and_stable(policy):
    again, _, _ = check.load(POLICY_FILE)
    ids = [i.id for i in policy.interpretations]
    assert ids == [i.id for i in again.interpretations]
    assert len(ids) == len(set(ids))
    assert {"art10_park_rent.cap", "art09_equipment.condition", "art10_park_rent.value.subsidy_months",
            "art14_sales_award.input.annual_online_sales", "art13_rural_stations.payment_condition"} <= set(ids)
    for interp in policy.interpretations:
        assert catalogue.interpretation_entry(interp)["id"] == interp.id


def test_a_second_interpretation_of_the_same_kind_gets_a_numbered_id(tmp_path):
    source = POLICY_FILE.read_text(encoding="utf-8")
    changed = source.replace(
        '    要求 equipment_audit_passed 否则 不符合 "设备设施购置未通过审计验收"\n',
        '    要求 equipment_audit_passed 否则 不符合 "设备设施购置未通过审计验收"\n'
        '      解释 "第二条同类解释"\n'
        '    要求 equipment_investment >= 0元 否则 不符合 "投入不能为负"\n', 1)
    assert changed != source
    path = tmp_path / "yeji_ecommerce.policy"
    path.write_text(changed, encoding="utf-8")
    policy, diagnostics, _ = check.load(path)
    assert policy is not None, [d.message for d in diagnostics if d.is_error]
    ids = [i.id for i in policy.interpretations if i.programme == "art09_equipment"]
    assert "art09_equipment.condition" in ids and "art09_equipment.condition.2" in ids


def test_sheets_and_forms_name_interpretations_by_their_ids(policy):
    import json

    from conftest import ROOT

    sheet = (ROOT / "generated" / "sheets" / "yeji_ecommerce.md").read_text(encoding="utf-8")
    index = sheet[sheet.rindex("| 序号 |"):]  # the sign-off index, the sheet's last table
    for interp in policy.interpretations:
        assert interp.id.replace("_", "\\_") in index, interp.id
    forms = json.loads((ROOT / "generated" / layout.artifact("yeji_ecommerce", "forms-index")).read_text(encoding="utf-8"))
    entry = next(f for f in forms["forms"] if f["programme"] == "art10_park_rent")
    assert [i["id"] for i in entry["interpretations"]] == [
        i.id for i in policy.interpretations if i.programme == "art10_park_rent"]
    # in the index, not the schema: ajv (strict by default) refuses a schema with an unknown keyword
    schema = json.loads((ROOT / "generated" / layout.artifact("yeji_ecommerce", "form", "art10_park_rent")).read_text(encoding="utf-8"))
    assert not [key for key in schema if key.startswith("x-")]
