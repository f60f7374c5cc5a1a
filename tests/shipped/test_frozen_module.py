"""The generated module printed fast (#15: records as dict displays, steps worded beside
them, texts spliced at build time) answers every application exactly as the module
before that change: tests/fixtures/frozen/yeji_ecommerce_before_pyperf.py, a frozen copy
of generated/python/yeji_ecommerce.py from main 9d67d8f.

Same result dicts (key for key, in the same order, character for character, trace
included), same rejections with the same errors, same receipts, same calculator
answers.

The oracle does not depend on the shipped policy: the policy the frozen module was
printed from is frozen beside it (tests/fixtures/frozen/yeji_ecommerce.policy, the sha256
its docstring names; the file keeps its name, which is the policy id receipts show), and today's compiler prints its module from that copy.  Editing
policies/ leaves this comparison running (it used to skip itself, silently, as soon as
the shipped policy changed).  It fails, never skips: when today's checker rejects the
frozen copy, or the two modules answer differently on purpose (a change of the
language's meaning), refresh both files together from one commit of main:

    git show <commit>:policies/yeji_ecommerce.policy > tests/fixtures/frozen/yeji_ecommerce.policy
    git show <commit>:generated/python/yeji_ecommerce.py > tests/fixtures/frozen/yeji_ecommerce_before_pyperf.py
"""

from __future__ import annotations

import importlib.util
import json
import random
from decimal import Decimal
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies
from yeji_policy import check
from yeji_policy.pipeline import engine as generated_engine

ROOT = Path(__file__).resolve().parents[2]
FROZEN = ROOT / "tests" / "fixtures" / "frozen" / "yeji_ecommerce_before_pyperf.py"
FROZEN_POLICY = FROZEN.with_name("yeji_ecommerce.policy")  # its name is the policy id the receipts show
REFRESH = ("冻结副本须一同更新（refresh both frozen files from one commit of main）：\n"
           f"  git show <commit>:policies/yeji_ecommerce.policy > {FROZEN_POLICY.relative_to(ROOT)}\n"
           f"  git show <commit>:generated/python/yeji_ecommerce.py > {FROZEN.relative_to(ROOT)}")
sys.path.insert(0, str(ROOT / "tests" / "shipped"))

from test_benchmarks import MAKERS  # noqa: E402  (the hostile populations of the benchmark's identity test)


def load_frozen_module():
    spec = importlib.util.spec_from_file_location("yeji_frozen_before_pyperf", FROZEN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FROZEN_MODULE = load_frozen_module()
FROZEN_IDS = list(FROZEN_MODULE.PROGRAMMES)  # the programmes of the frozen policy, not of the shipped one


@pytest.fixture(scope="module")
def frozen():
    return FROZEN_MODULE


@pytest.fixture(scope="module")
def frozen_policy():
    """The policy the frozen module was printed from, checked by today's checker."""
    policy, diagnostics, _ = check.load(FROZEN_POLICY)
    if policy is None:
        pytest.fail(f"今天的检查器不再接受冻结的政策副本 {FROZEN_POLICY.relative_to(ROOT)}："
                    f"{[str(d) for d in diagnostics]}\n{REFRESH}", pytrace=False)
    if f"Source sha256 {policy.content_hash};" not in FROZEN_MODULE.__doc__:
        pytest.fail(f"冻结的政策副本与冻结的模块不是同一来源（sha256 {policy.content_hash}）。\n{REFRESH}",
                    pytrace=False)
    return policy


@pytest.fixture(scope="module")
def generated_module(frozen_policy):
    """Today's compiler's module, printed from the frozen policy: the shipped policy plays no part."""
    return generated_engine(frozen_policy)


def answer(call):
    """What a caller sees: the result as JSON text (key order included), or the rejection."""
    try:
        return ("result", json.dumps(call(), ensure_ascii=False, default=str))
    except Exception as exc:  # noqa: BLE001 — any difference, a crash included, must show
        return (type(exc).__name__, getattr(exc, "errors", None), str(exc))


def same(frozen, module, pid, app) -> None:
    assert answer(lambda: module.evaluate(pid, app)) == answer(lambda: frozen.evaluate(pid, app)), (
        f"{pid} {app!r}\n(a change of answers made on purpose?)\n{REFRESH}")


@pytest.mark.parametrize("pid", FROZEN_IDS)
def test_every_programme_answers_as_before(frozen_policy, frozen, generated_module, pid):
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategies.for_programme(frozen_policy.programme(pid)))
    def check_one(application):
        same(frozen, generated_module, pid, application)
        assert answer(lambda: generated_module.receipt(pid, application)) == answer(
            lambda: frozen.receipt(pid, application))

    check_one()


@pytest.mark.parametrize("pid", sorted(MAKERS))
def test_hostile_applications_get_the_answers_of_before(frozen, generated_module, pid):
    rng = random.Random(f"frozen:{pid}")
    for _ in range(3000):
        same(frozen, generated_module, pid, MAKERS[pid](rng))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2 ** 32), pid=st.sampled_from(sorted(MAKERS)))
def test_any_seeded_hostile_application_answers_as_before(frozen, generated_module, seed, pid):
    rng = random.Random(seed)
    for _ in range(10):
        same(frozen, generated_module, pid, MAKERS[pid](rng))


def test_embedded_cases_and_the_calculator_answer_as_before(frozen_policy, frozen, generated_module):
    decided = 0
    for case in frozen_policy.tests:
        same(frozen, generated_module, case.programme, case.application)
        assert answer(lambda: generated_module.match(case.application)) == answer(
            lambda: frozen.match(case.application))
        decided += answer(lambda: generated_module.evaluate(case.programme, case.application))[0] == "result"
    assert decided >= 40  # the comparison above is of results, not only of rejections


# pyperf2: a number with a step and a positive minimum (培训天数, 0.5天 steps from 0.5天) is checked inline
# in the form check, the call kept for anything else: every shape of value answers as before.
@pytest.mark.parametrize("days", [
    Decimal("0.5"), Decimal("0.50"), Decimal("1"), Decimal("2.0"), Decimal("2.500"), Decimal("9999999999.5"),
    Decimal("10000000000.0"), Decimal("0"), Decimal("-0.5"), Decimal("-0"), Decimal("0.25"), Decimal("1.0000001"),
    Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("5E+2"), Decimal("5E-1"),
    1, 0, -1, 2, 0.5, True, "1", None, [1]])
def test_a_stepped_number_answers_as_before(frozen, generated_module, days):
    application = {"trainees": 12, "training_days": days, "meals_provided": True, "hands_on_computer": False,
                   "lodging_provided": True}
    same(frozen, generated_module, "art17_training", application)


# pyperf2: an amount paid right after the formula step that rounded it keeps that rounding (decide does
# not round again); the amount and its texts are those of before, to the 分, at every rounding.
@given(trainees=st.integers(1, 10 ** 9), halves=st.integers(1, 2 * 10 ** 4), zeros=st.integers(0, 3),
       meals=st.booleans(), computer=st.booleans(), lodging=st.booleans())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_rounded_amount_is_paid_as_before(frozen, generated_module, trainees, halves, zeros, meals, computer,
                                           lodging):
    # the days with 0 to 3 trailing zeros ("2", "2.0", "2.500"): the exponent shows in the trace's exact value
    days = (Decimal(halves) / 2).quantize(Decimal(1).scaleb(-max(zeros, halves % 2)))
    application = {"trainees": trainees, "training_days": days, "meals_provided": meals,
                   "hands_on_computer": computer, "lodging_provided": lodging}
    same(frozen, generated_module, "art17_training", application)



def test_the_shipped_module_pays_the_rounded_amount_it_has():
    # the Outcome of a rounded formula step's amount carries `taken`: decide's second rounding is skipped
    source = (ROOT / "generated" / "python" / "yeji_ecommerce.py").read_text(encoding="utf-8")
    assert source.count("ZERO, [], taken)") >= 3
