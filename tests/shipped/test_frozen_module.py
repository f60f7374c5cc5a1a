"""The generated module printed fast (#15: records as dict displays, steps worded beside
them, texts spliced at build time) answers every application exactly as the module
before that change: tests/fixtures/frozen/yeji_ecommerce_before_pyperf.py, a frozen copy
of generated/python/yeji_ecommerce.py from main 9d67d8f.

Same result dicts (key for key, in the same order, character for character, trace
included), same rejections with the same errors, same receipts, same calculator
answers.  The frozen copy is of the shipped policy as it was: when the policy changes
(its sha256 is not the one in the copy's docstring) the comparison has nothing to
compare and says so."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies

ROOT = Path(__file__).resolve().parents[2]
FROZEN = ROOT / "tests" / "fixtures" / "frozen" / "yeji_ecommerce_before_pyperf.py"
sys.path.insert(0, str(ROOT / "tests" / "shipped"))

from test_benchmarks import MAKERS  # noqa: E402  (the hostile populations of the benchmark's identity test)


@pytest.fixture(scope="module")
def frozen(policy):
    spec = importlib.util.spec_from_file_location("yeji_frozen_before_pyperf", FROZEN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if f"Source sha256 {policy.content_hash};" not in module.__doc__:
        pytest.skip("the shipped policy changed since the frozen module was printed: nothing to compare")
    return module


def answer(call):
    """What a caller sees: the result as JSON text (key order included), or the rejection."""
    try:
        return ("result", json.dumps(call(), ensure_ascii=False, default=str))
    except Exception as exc:  # noqa: BLE001 — any difference, a crash included, must show
        return (type(exc).__name__, getattr(exc, "errors", None), str(exc))


def same(frozen, module, pid, app) -> None:
    assert answer(lambda: module.evaluate(pid, app)) == answer(lambda: frozen.evaluate(pid, app)), app


@pytest.mark.parametrize("pid", strategies.PROGRAMME_IDS)
def test_every_programme_answers_as_before(policy, frozen, generated_module, pid):
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategies.for_programme(policy.programme(pid)))
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


def test_embedded_cases_and_the_calculator_answer_as_before(policy, frozen, generated_module):
    decided = 0
    for case in policy.tests:
        same(frozen, generated_module, case.programme, case.application)
        assert answer(lambda: generated_module.match(case.application)) == answer(
            lambda: frozen.match(case.application))
        decided += answer(lambda: generated_module.evaluate(case.programme, case.application))[0] == "result"
    assert decided >= 40  # the comparison above is of results, not only of rejections
