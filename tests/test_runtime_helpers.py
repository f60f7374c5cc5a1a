"""The runtime's hot helpers were made faster without changing a byte of what they return.

Each helper below is compared, on any value hypothesis can make (every magnitude and
exponent, -0, NaN, infinities, ints, odd places), with a frozen copy of the version it
replaced: same text, same value, or the same exception.  The copies live here, not in
the package, so that the package keeps one version."""

from __future__ import annotations

import decimal
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from yeji_policy import runtime

D = Decimal
CENT = D("0.01")
ZERO = D(0)
MAX_NUMBER = D("9999999999.99")
_ROUNDING = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_UP)
_STRICT = decimal.Context(prec=200, traps=[decimal.Inexact])
_PLACES = {0: D(1), 2: CENT}


# ---------------------------------------------------------------- the versions replaced (session 2), frozen
def old_cents_string(value):
    rounded = value.quantize(CENT, context=_ROUNDING)
    if rounded == 0:
        rounded = rounded.copy_abs()
    return f"{rounded:f}"


def old_has_at_most(value, places):
    try:
        value.quantize(_PLACES[places], context=_STRICT)
    except decimal.Inexact:
        return False
    return True


def old_group(value, places=0):
    whole, _, frac = format(value, ",f").partition(".")
    if len(frac) > places:
        frac = frac.rstrip("0")
    if len(frac) < places:
        frac += "0" * (places - len(frac))
    return f"{whole}.{frac}" if frac else whole


def old_show_yuan(value):
    return old_group(value, 2) + " 元"


def old_plain_money(value):
    if type(value) is D:
        if value.is_finite() and ZERO <= value <= MAX_NUMBER and old_has_at_most(value, 2):
            return value if value else ZERO
    elif type(value) is int and 0 <= value <= MAX_NUMBER:
        return D(value)
    raise runtime.NotPlain


# ---------------------------------------------------------------- values
def _decimal(coefficient: int, exponent: int, negative: bool) -> Decimal:
    return D((int(negative), tuple(int(c) for c in str(coefficient)), exponent))


DECIMALS = st.one_of(
    st.builds(_decimal, st.integers(0, 10 ** 14), st.integers(-6, 3), st.booleans()),  # amounts of every size
    st.builds(_decimal, st.integers(0, 10 ** 60), st.integers(-80, 40), st.booleans()),  # long and odd
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([D("-0"), D("-0.00"), D("0E+3"), D("0E-9"), D("NaN"), D("-NaN"), D("NaN1"), D("Infinity"),
                     D("-Infinity"), D("9999999999.99"), D("9999999999.995"), D("0.005"), D("-0.005"), D("1E+3"),
                     D("1." + "0" * 60), D("123456.7890")]),
)
VALUES = st.one_of(DECIMALS, st.integers(-10 ** 20, 10 ** 20), st.sampled_from([True, False, None, "1", 1.5]))


def same(old, new, *args):
    """old(*args) and new(*args) return equal values of the same type, or raise the same exception."""
    try:
        expected = ("value", old(*args))
    except Exception as exc:  # noqa: BLE001 — the same failure is part of the contract
        expected = ("raises", type(exc))
    try:
        got = ("value", new(*args))
    except Exception as exc:  # noqa: BLE001
        got = ("raises", type(exc))
    assert got == expected and type(got[1]) is type(expected[1]), (args, expected, got)
    if expected[0] == "value" and isinstance(expected[1], D):  # Decimal equality ignores exponent and sign of 0
        assert str(got[1]) == str(expected[1]), (args, expected, got)


@settings(max_examples=1500, deadline=None)
@given(DECIMALS)
def test_cents_string_is_unchanged(value):
    same(old_cents_string, runtime.cents_string, value)


@settings(max_examples=1500, deadline=None)
@given(VALUES, st.sampled_from([0, 2]))
def test_group_is_unchanged(value, places):
    same(old_group, runtime.group, value, places)


@settings(max_examples=1500, deadline=None)
@given(VALUES)
def test_show_yuan_is_unchanged(value):
    same(old_show_yuan, runtime.show_yuan, value)


@settings(max_examples=1500, deadline=None)
@given(VALUES, st.sampled_from(["元", "个月", "人", None]))
def test_show_number_is_unchanged(value, unit):
    def old(v, u):
        if u == "元":
            return old_group(v, 2) + " 元"
        if u:
            return old_group(v) + " " + u
        return runtime.show_number(v, u)  # this branch was not changed
    same(old, runtime.show_number, value, unit)


@settings(max_examples=1500, deadline=None)
@given(VALUES)
def test_plain_money_is_unchanged(value):
    same(old_plain_money, runtime.plain_money, value)


def test_the_shapes_the_fast_paths_take_read_as_before():
    # Each fast path returns its formatted text only when the full path would return that very text.
    assert runtime.show_yuan(D("1354112.584")) == "1,354,112.584 元"
    assert runtime.show_yuan(D("1354112.5840")) == "1,354,112.584 元"
    assert runtime.show_yuan(D("-1234.50")) == "-1,234.50 元"
    assert runtime.show_yuan(D("12")) == "12.00 元"
    assert runtime.show_yuan(D("0.0")) == "0.00 元"
    assert runtime.group(D("1000.50"), 0) == "1,000.5"
    assert runtime.group(D("1E+3")) == "1,000"
    assert runtime.group(D("1234.0")) == "1,234" and runtime.group(D("-0.0")) == "-0"  # one decimal, a 0
    assert runtime.group(D("1234.0"), 2) == "1,234.00"
    assert runtime.cents_string(D("-0.004")) == "0.00"
    assert runtime.cents_string(D("1E+3")) == "1000.00"


# decide takes a pay Outcome's amount as its formula step rounded it (Outcome.rounded, pyperf2) when
# given: the same result, key for key, as rounding it there, for every amount, with or without
# reviews, excluded items' reasons or worded steps.
@settings(max_examples=1500, deadline=None)
@given(DECIMALS, st.booleans(), st.booleans(), st.booleans())
def test_decide_with_the_rounded_amount_decides_as_without(amount, under_review, excluded, worded):
    if not amount.is_finite():
        return
    meta = {"id": "p", "name": "某补助", "article": 3, "funding_source": "区财政", "payment_condition": "验收后"}

    def decided(rounded):
        outcome = runtime.Outcome("pay", amount, runtime.ZERO, ["某项不计"] if excluded else [], rounded)
        return runtime.decide(meta, [], [], ["需审核【第3条】"] if under_review else [], outcome, [],
                              ["步骤"] if worded else None)

    expected = decided(None)
    assert decided(runtime.round_cents(amount)) == expected
    assert expected["status"] == ("ineligible" if runtime.round_cents(amount) <= 0 else
                                  "review" if under_review else "eligible")
