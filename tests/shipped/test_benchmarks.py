"""The benchmark's hand-written baseline must do exactly what the generated module does:
the same result dicts, key for key and character for character, and the same rejections
with the same errors.  Otherwise the speed comparison in benchmarks/run.py compares
different work (and its own assertion stops the run).

The population is broad on purpose (FIELD-NOTES, "Python evaluator speed": a narrow one
missed thousands separators at ≥ 1,000 days, "-0.00 元", values near the top of the
range, crashes on "abc", NaN days or a list as a channel, and "1e3" or full-width digits
accepted): every magnitude up to 9,999,999,999.99, every threshold ± 0.01, -0.00, NaN,
huge numbers, strings, lists, missing and extra fields."""

from __future__ import annotations

import random
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import handwritten  # noqa: E402
import population  # noqa: E402

D = Decimal

# Values no plain path may take: each must get the generated module's own error.
ODD = [None, True, False, "abc", "", "12.50", "1e3", "１２", "12", [], [1], {}, {"a": 1}, 1.5, float("nan"),
       D("NaN"), D("-NaN"), D("sNaN"), D("NaN1"), D("Infinity"), D("-Infinity"), -1, D("-0.01"), 10 ** 700,
       D("1E+999999"), D("1E-999999"), D("1E-999999999"), D("1e10"), D("10000000000"), 10_000_000_000,
       D("9999999999.995"), D("0.5" + "0" * 60 + "1"), D("1" + "0" * 45), D("1." + "0" * 60)]


def money(rng: random.Random, thresholds: list[int]):
    """An amount: every magnitude, each threshold ± 0.01, odd forms of valid values, or an invalid value."""
    roll = rng.random()
    if roll < 0.30:
        return D(rng.randrange(0, 10 ** rng.randrange(1, 13))).scaleb(-2)
    if roll < 0.45:
        return D(rng.choice(thresholds)) + rng.choice([D("-0.01"), D(0), D("0.01"), D("-0.005"), D("0.005")])
    if roll < 0.55:
        return rng.randrange(0, 10 ** rng.randrange(1, 11))
    if roll < 0.70:
        return rng.choice([D("-0.00"), D("-0"), D("0.00"), 0, D("0.01"), D("0.001"), D("0.006"), D("0.005"),
                           D("0.0049"), D("1E+3"), D("1.000"), D("1.230"), D("9999999999.99"), 9_999_999_999,
                           D("9999999999.990"), D("0E+5"), D("0E-9"), D("5.0E+2"), D("999999999999.99"),
                           D("1." + "0" * 60), D("99999999.99"), D("1000000")])
    return rng.choice(ODD)


def whole(rng: random.Random, around: list[int]):
    roll = rng.random()
    if roll < 0.4:
        return rng.randrange(0, 10 ** rng.randrange(1, 11))
    if roll < 0.6:
        return rng.choice(around) + rng.choice([-1, 0, 1])
    if roll < 0.75:
        return rng.choice([D(12), D("12.0"), D("1E+1"), D("12.5"), D(0), D("-0"), 9_999_999_999, D("9999999999"),
                           1000, 1234567])
    return rng.choice(ODD)


def days(rng: random.Random):
    roll = rng.random()
    if roll < 0.35:
        return D(rng.randrange(1, 10 ** rng.randrange(1, 12))) / 2
    if roll < 0.55:
        return rng.choice([D("0.5"), D("0.50"), 1, D(1), D("1.0"), D("1.5"), 2, 999, 1000, D("1000.5"),
                           D("1234567.5"), D("9999999999.5"), 9_999_999_999, D("5E-1"), D("0.5000")])
    if roll < 0.75:
        return rng.choice([0, D(0), D("-0"), D("0.25"), D("0.75"), D("-0.5"), D("9999999999.99"),
                           D("10000000000"), D("1.01"), D("0.4999")])
    return rng.choice(ODD)


def boolean(rng: random.Random):
    return rng.random() < 0.5 if rng.random() < 0.9 else rng.choice([None, 1, 0, "true", D(1), []])


def shape(rng: random.Random, app: dict, optional: tuple = ()):
    """Now and then a field missing, an extra field, or no object at all."""
    roll = rng.random()
    if roll < 0.04:
        app.pop(rng.choice(sorted(app)))
    elif roll < 0.07:
        app[rng.choice(["extra", "amount", "", "trainees", "equipment_investment"]) + "_x"] = 1
    elif roll < 0.08:
        return rng.choice([None, [], "申请", 3, [app]])
    elif roll < 0.10:
        for name in optional:
            app.pop(name, None)
    return app


SALES_THRESHOLDS = [500_000, 1_000_000, 3_000_000, 5_000_000, 10_000_000, 50_000_000, 0, 5_000, 10_000, 100_000]


def equipment(rng):
    return shape(rng, {"equipment_investment": money(rng, [1_000_000, 0, 1]), "equipment_audit_passed": boolean(rng)})


def sales(rng):
    channel = rng.choice(["B2B", "B2C", "C2C"]) if rng.random() < 0.93 else rng.choice(ODD + ["b2b", "B2B "])
    app = {"sales_channel": channel, "months_in_operation": whole(rng, [12, 0]),
           "annual_online_sales": money(rng, SALES_THRESHOLDS),
           "sales_awards_received": money(rng, SALES_THRESHOLDS) if rng.random() < 0.5 else D(0)}
    return shape(rng, app, optional=("sales_awards_received",))


def training(rng):
    return shape(rng, {"trainees": whole(rng, [0, 1, 1000]), "training_days": days(rng),
                       "meals_provided": boolean(rng), "hands_on_computer": boolean(rng),
                       "lodging_provided": boolean(rng)})


MAKERS = {"art09_equipment": equipment, "art14_sales_award": sales, "art17_training": training}


def outcome(evaluate, app):
    """What a caller sees: the result, or the rejection (class name, errors, message), or a crash."""
    try:
        return ("result", evaluate(app))
    except Exception as exc:  # noqa: BLE001 — a crash must compare unequal to the generated module's answer
        return (type(exc).__name__, getattr(exc, "errors", None), str(exc))


def differences(module, pid, apps):
    """Where the baseline's answer differs from the generated module's: the whole result, trace
    records (#17) and interpretation ids included, and its keys in the same order (JSON output)."""
    hand = handwritten.PROGRAMMES[pid]
    generated = lambda a: module.evaluate(pid, a)  # noqa: E731
    return [(app, outcome(hand, app), outcome(generated, app)) for app in apps
            if _ordered(outcome(hand, app)) != _ordered(outcome(generated, app))]


def _ordered(answer):
    """A result with the order of every dict's keys made visible (== on dicts ignores it)."""
    def walk(value):
        if type(value) is dict:
            return [(k, walk(v)) for k, v in value.items()]
        if type(value) is list:
            return [walk(v) for v in value]
        return value
    return (answer[0], walk(answer[1])) + tuple(answer[2:])


@pytest.mark.parametrize("pid", sorted(handwritten.PROGRAMMES))
def test_the_hand_written_baseline_gives_the_generated_results(pid, generated_module):
    rng = random.Random(f"handwritten:{pid}")
    apps = [MAKERS[pid](rng) for _ in range(12_000)]
    apps += population.population(generated_module.PROGRAMMES, pid, 1000, seed=99)  # the benchmark's own
    assert differences(generated_module, pid, apps) == []
    # The population reaches every kind of answer, so the comparison above means something.
    kinds = Counter(o[1]["status"] if o[0] == "result" else o[0] for o in
                    (outcome(lambda a: generated_module.evaluate(pid, a), app) for app in apps))
    expected = {"eligible", "ineligible", "InvalidApplication"} | ({"review"} if pid == "art17_training" else set())
    assert set(kinds) == expected and min(kinds.values()) >= 100, kinds


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2 ** 32), pid=st.sampled_from(sorted(MAKERS)))
def test_any_seeded_application_gets_the_generated_answer(seed, pid, generated_module):
    rng = random.Random(seed)
    assert differences(generated_module, pid, [MAKERS[pid](rng) for _ in range(20)]) == []


@settings(max_examples=400, deadline=None)
@given(cents=st.integers(0, 999_999_999_999), audited=st.booleans(), as_int=st.booleans())
def test_every_amount_of_the_range_gets_the_generated_answer(cents, audited, as_int, generated_module):
    investment = cents // 100 if as_int else D(cents).scaleb(-2)
    app = {"equipment_investment": investment, "equipment_audit_passed": audited}
    assert differences(generated_module, "art09_equipment", [app]) == []


def test_the_amount_formatter_is_exact_at_every_width():
    assert [handwritten.yuan(c) for c in (0, 1, 99, 100, 123456, 100000000, 999_999_999_999, -5, -123456)] == [
        "0.00 元", "0.01 元", "0.99 元", "1.00 元", "1,234.56 元", "1,000,000.00 元", "9,999,999,999.99 元",
        "-0.05 元", "-1,234.56 元"]
    assert [handwritten.yuan_milli(m) for m in (0, 8, 80, 1_354_112_584, 1_000)] == [
        "0.00 元", "0.008 元", "0.08 元", "1,354,112.584 元", "1.00 元"]
