"""The calculator's range reasoning in both engines (issue 13): yeji_policy/ranges.py over
the model, and the generated module's `ranges()`, printed from the IR.

Differential: for random applications and a random subset of their fields
answered, the generated module's ranges are the reference's, to the 分.
Soundness against the generated module's evaluate: the real result of a
complete application has a status the reasoning allows, and an amount (or
amount if approved) inside its range; a status called decided is the real
one.  Plus the issue's examples (each through both engines), and the ranking
of the next questions.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yeji_policy import runtime
from yeji_policy import ranges, visitor
from yeji_policy.interpreter import _meta

import strategies


def _values(programme, application: dict) -> dict:
    errors: list = []
    values = runtime.validate_object(_meta(programme)["inputs"], application, "", errors)
    assert not errors
    return values


def test_everything_answered_decides_every_embedded_case(policy, generated_module):
    # With every input known the reasoning is exact: one status, the amount to the 分.
    for case in policy.tests:
        if case.expect.status == "invalid":
            continue
        programme = policy.programme(case.programme)
        values = _values(programme, case.application)
        seen = ranges.outlook(programme, values)
        actual = generated_module.evaluate(case.programme, case.application)
        assert seen.decided == actual["status"], case.name
        # the same answers (an input left to its default is unanswered to the calculator) through both engines
        answered = ranges.outlook(programme, _known(programme, case.application))
        assert generated_module.ranges(case.programme, case.application) == _as_result(answered), case.name
        if actual["status"] != "ineligible":
            paid = Decimal(actual.get("amount_if_approved", actual["amount"]))
            assert seen.low == seen.high == paid, case.name


def _known(programme, partial: dict) -> dict:
    """The answers of a partial application, as the generated ranges() checks them (raises InvalidApplication)."""
    errors: list = []
    values = runtime.known_inputs(_meta(programme), partial, errors)
    if errors:
        raise runtime.InvalidApplication(errors)
    return values


def _as_result(seen: ranges.Outlook) -> dict:
    """The reference's outlook as the generated module's ranges() words it."""
    return {"programme": seen.programme, "statuses": sorted(seen.statuses), "decided": seen.decided,
            "least": runtime.cents_string(seen.low), "most": None if seen.high is None else runtime.cents_string(seen.high)}


def reasons_alike(module, programme, partial: dict) -> ranges.Outlook:
    """The reference's outlook for a partial application (valid), after checking that the generated
    module's ranges() says the same, to the 分 (the differential check other test files share)."""
    seen = ranges.outlook(programme, _known(programme, partial))
    assert module.ranges(programme.id, partial) == _as_result(seen), (programme.id, partial)
    return seen


def assert_sound(seen: ranges.Outlook, actual: dict, answered) -> None:
    """A complete application's real result lies inside what its partial one (answered) was reasoned to."""
    assert actual["status"] in seen.statuses, (answered, actual, seen)
    if seen.decided is not None:
        assert actual["status"] == seen.decided, (answered, actual, seen)
    if actual["status"] != "ineligible":
        paid = Decimal(actual.get("amount_if_approved") or actual["amount"])
        assert seen.low <= paid and (seen.high is None or paid <= seen.high), (answered, actual, seen)


_GENERATED = []


def _outlook(policy, pid, **answers):
    """The reference's outlook, after checking that the generated module's ranges() says the same."""
    programme = policy.programme(pid)
    seen = ranges.outlook(programme, answers)
    if not _GENERATED:
        from conftest import generated_engine

        _GENERATED.append(generated_engine(policy))
    assert _GENERATED[0].ranges(pid, answers) == _as_result(seen)
    return seen


def _invalid(exc: Exception) -> bool:
    return type(exc).__name__ == "InvalidApplication"


@pytest.mark.parametrize("pid", strategies.PROGRAMME_IDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_generated_module_reasons_as_the_reference_and_both_are_sound(pid, data, policy, generated_module):
    programme = policy.programme(pid)
    application = data.draw(strategies.for_programme(programme))
    answered = data.draw(st.sets(st.sampled_from(sorted(application)))) if application else set()
    partial = {k: v for k, v in application.items() if k in answered}
    try:
        got = generated_module.ranges(pid, partial)
    except Exception as exc:
        if not _invalid(exc):
            raise
        # the same answers are refused by the form check both engines share, word for word
        with pytest.raises(runtime.InvalidApplication) as refused:
            _known(programme, partial)
        assert refused.value.errors == exc.errors
        return
    seen = ranges.outlook(programme, _known(programme, partial))
    assert got == _as_result(seen), (partial, got, seen)
    try:
        actual = generated_module.evaluate(pid, application)
    except Exception as exc:
        if not _invalid(exc):
            raise
        return  # not a completion
    assert actual["status"] in got["statuses"], (partial, actual, got)
    if got["decided"] is not None:
        assert actual["status"] == got["decided"]
    if actual["status"] != "ineligible":
        paid = Decimal(actual.get("amount_if_approved", actual["amount"]))
        assert Decimal(got["least"]) <= paid, (partial, actual, got)
        assert got["most"] is None or paid <= Decimal(got["most"]), (partial, actual, got)


def test_the_generated_ranges_refuse_what_the_form_refuses(generated_module):
    with pytest.raises(Exception) as refused:
        generated_module.ranges("art10_park_rent", {"rent_paid": "-1", "rent_payed": 1})
    assert _invalid(refused.value)
    assert [e["path"] for e in refused.value.errors] == ["rent_paid", "rent_payed"]
    assert refused.value.errors[1]["message"].startswith("未知的输入项“rent_payed”；允许的输入项：")
    with pytest.raises(Exception) as refused:
        generated_module.ranges("art99", {})
    assert "art99" in str(refused.value)
    # an application date, as evaluate takes it (the shipped policy's period is open: only a non-date is refused)
    assert generated_module.ranges("art10_park_rent", {"application_date": "2018-06-01", "rent_paid": 0})["decided"] \
        == "ineligible"
    with pytest.raises(Exception) as refused:
        generated_module.ranges("art10_park_rent", {"application_date": "2018-02-30", "rent_paid": -1})
    assert [e["path"] for e in refused.value.errors] == ["application_date", "rent_paid"]
    with pytest.raises(Exception) as refused:
        generated_module.ranges("art10_park_rent", [])
    with pytest.raises(Exception) as as_evaluate_says:
        generated_module.evaluate("art10_park_rent", [])
    assert refused.value.errors == as_evaluate_says.value.errors == [
        {"path": "", "message": "应为对象（JSON object），此处为列表"}]


def test_a_rent_of_zero_already_rules_the_park_rent_out(policy):
    assert _outlook(policy, "art10_park_rent").decided is None
    assert _outlook(policy, "art10_park_rent", rent_paid=Decimal(0)).decided == "ineligible"
    assert _outlook(policy, "art10_park_rent", rent_paid=Decimal("0.01")).decided is None


def test_b2b_sales_of_zero_rule_the_sales_award_out(policy):
    assert _outlook(policy, "art14_sales_award", sales_channel="B2B").decided is None
    assert _outlook(policy, "art14_sales_award", sales_channel="B2B",
                    annual_online_sales=Decimal(0)).decided == "ineligible"


def test_awards_already_received_lower_the_most_the_sales_award_can_pay(policy):
    before = _outlook(policy, "art14_sales_award")
    after = _outlook(policy, "art14_sales_award", sales_awards_received=Decimal(10000))
    assert before.high is not None and after.high == before.high - 10000


def test_a_day_of_training_without_lodging_is_already_review(policy):
    seen = _outlook(policy, "art17_training", trainees=Decimal(10), training_days=Decimal(1), lodging_provided=False)
    assert seen.decided == "review"
    assert _outlook(policy, "art17_training", trainees=Decimal(10), training_days=Decimal(1)).decided is None
    # unanswered, the number of trainees could still be 0: ineligible
    assert _outlook(policy, "art17_training", training_days=Decimal(1), lodging_provided=False).statuses == {"review", "ineligible"}


def test_a_failed_requirement_decides_ineligible_and_a_cap_bounds_the_amount(policy):
    assert _outlook(policy, "art09_equipment", equipment_audit_passed=False).decided == "ineligible"
    seen = _outlook(policy, "art09_equipment", equipment_audit_passed=True)
    assert seen.statuses == {"eligible", "ineligible"} and seen.high == Decimal("800000.00")
    assert _outlook(policy, "art11_pavilion").high == Decimal("500000.00")


def test_the_next_questions_are_those_that_decide_the_most_programmes(policy):
    asked = ranges.next_questions(policy, {}, limit=50)
    counts = [count for _, count in asked]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    # Each count is what it says: the programmes some answer to that field alone decides.
    for field, count in asked:
        users = [p for p in policy.programmes if any(f.name == field.name for f in p.fields)]
        decides = [p for p in users
                   if any(ranges.outlook(p, {field.name: v}).decided for v in ranges._trial_values(field))]
        assert len(decides) == count, field.name
    # Answered fields are not asked again, and the ranking moves on.
    first = asked[0][0]
    value = ranges._trial_values(first)[0]
    again = ranges.next_questions(policy, {first.name: value}, limit=50)
    assert first.name not in {f.name for f, _ in again}


def test_a_question_that_decides_nothing_comes_after_one_that_does(policy):
    asked = ranges.next_questions(policy, {}, limit=100)
    names = [f.name for f, _ in asked]
    # a yes/no requirement decides its programme (否 → ineligible); a date alone decides nothing
    assert names.index("equipment_audit_passed") < names.index("move_in_date")
    assert dict((f.name, c) for f, c in asked)["move_in_date"] == 0


def test_an_unanswered_deduction_can_still_take_the_whole_award(policy):
    # awards already received may exceed the tier's award: ineligible stays possible
    seen = _outlook(policy, "art14_sales_award", sales_channel="B2B", annual_online_sales=Decimal(3000000),
                    months_in_operation=Decimal(12))
    assert "ineligible" in seen.statuses and seen.low == 0


def test_a_list_is_never_asked_by_the_calculator(policy):
    asked = ranges.next_questions(policy, {}, limit=1000)
    assert asked and all(f.kind != "list" for f, _ in asked)
    assert "stations" in {f.name for p in policy.programmes for f in p.fields}


def _corpus_policies():
    """Every good policy of the corpus (tests/cases/*/good: lookups, conditions, tiers, min/max, months,
    lists, 令, caps on sums, 令 list sums, ratios, 累进, rules across programmes, the patterns…)."""
    from pathlib import Path

    return sorted((Path(__file__).resolve().parent / "cases").glob("*/good/*.policy"))


def test_the_corpus_sweep_reaches_every_construct():
    # a narrowed glob would quietly drop the newest constructs from the differential test below
    reached = {p.parent.parent.name for p in _corpus_policies()}
    assert {"patterns", "ratio", "sums", "cross", "lists", "caps", "minmax", "months"} <= reached
    from yeji_policy import pipeline

    nodes = [n for path in _corpus_policies() for p in pipeline.load(path).policy.programmes for n in visitor.walk(p)]
    assert {"ItemSum", "Bands", "PerItem", "Tiers", "Lookup", "Call"} <= {type(n).__name__ for n in nodes}
    assert any(type(n).__name__ == "PerItem" and n.cap is not None for n in nodes)  # 合计最高不超过
    assert any(type(n).__name__ == "Arith" and n.op == "÷" for n in nodes)


def _partials(application: dict) -> list[dict]:
    """Partial applications of a complete one: nothing, every other answer (both halves), each answer
    left out in turn, and all of it."""
    keys = list(application)
    subsets = [set(), set(keys[1::2]), set(keys[::2]), set(keys)] + [set(keys) - {k} for k in keys]
    out: list[dict] = []
    for subset in subsets:
        partial = {k: v for k, v in application.items() if k in subset}
        if partial not in out:
            out.append(partial)
    return out


@pytest.mark.parametrize("path", _corpus_policies(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_good_corpus_policy_reasons_alike_in_both_engines(path):
    # Every construct the corpus exercises: nothing answered, and for every embedded case (a complete
    # application) its partial applications; the two engines say the same, and the case's real result
    # (the generated module's evaluate) lies inside what each partial application was reasoned to.
    from yeji_policy import pipeline

    policy = pipeline.load(path).policy
    module = pipeline.engine(policy)
    compared = sound = 0
    for programme in policy.programmes:
        reasons_alike(module, programme, {})
        compared += 1
        for case in (t for t in policy.tests if t.programme == programme.id and type(t.application) is dict):
            try:
                actual = module.evaluate(programme.id, case.application)
            except Exception as exc:
                if not _invalid(exc):
                    raise
                actual = None  # not a completion: its parts are still compared where the form takes them
            for partial in _partials(case.application):
                try:
                    seen = reasons_alike(module, programme, partial)
                except runtime.InvalidApplication:
                    continue
                compared += 1
                if actual is not None:
                    assert_sound(seen, actual, sorted(partial))
                    sound += 1
    assert compared >= len(policy.programmes)
