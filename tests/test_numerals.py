"""Chapter numerals: 一 … 九十九, 一百, 一百零一, 一百一十, 一千, 一万 … for any count.

The checker's numeral function is tested against a reader written here
independently (Chinese numeral -> int) and against the rules of the
written form: 十一 (not 一十一) but 一百一十 (not 一百十), one 零 per gap.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yeji_policy.check import _chinese_numeral

DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")}
SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
LARGE_UNIT = {"亿": 10 ** 8, "万": 10 ** 4}


def read(text: str) -> int:
    """The value of a Chinese numeral, reading its largest unit first."""
    for unit, size in LARGE_UNIT.items():
        if unit in text:
            high, _, low = text.rpartition(unit)
            return read(high) * size + (read(low) if low else 0)
    value, digit = 0, None
    for ch in text:
        if ch in SMALL_UNIT:
            value += (1 if digit is None else digit) * SMALL_UNIT[ch]
            digit = None
        else:
            digit = DIGIT[ch] or None  # 零 only marks a gap
    return value + (digit or 0)


KNOWN = {
    1: "一", 9: "九", 10: "十", 11: "十一", 19: "十九", 20: "二十", 21: "二十一", 99: "九十九", 100: "一百",
    101: "一百零一", 110: "一百一十", 111: "一百一十一", 120: "一百二十", 200: "二百", 999: "九百九十九",
    1000: "一千", 1001: "一千零一", 1010: "一千零一十", 1100: "一千一百", 10000: "一万", 10001: "一万零一",
    10010: "一万零一十", 10100: "一万零一百", 11000: "一万一千", 100000: "十万", 110000: "十一万",
    1000000: "一百万", 10 ** 8: "一亿", 100010000: "一亿零一万", 100000001: "一亿零一", 10 ** 12: "一万亿",
}


@pytest.mark.parametrize("number", sorted(KNOWN))
def test_known_numerals(number):
    assert _chinese_numeral(number) == KNOWN[number]


def check_form(number: int) -> None:
    text = _chinese_numeral(number)
    assert read(text) == number, text
    assert "零零" not in text and not text.startswith("零") and not text.endswith("零"), text
    assert not text.startswith("一十"), text
    # every 十, 百, 千 follows a digit, except a leading 十 (十一, 十万)
    for match in re.finditer("[十百千]", text):
        assert match.start() == 0 and match.group() == "十" or text[match.start() - 1] in "一二三四五六七八九", text


def test_every_chapter_number_up_to_ten_thousand():
    for number in range(1, 10001):
        check_form(number)


@given(st.integers(1, 10 ** 20))
def test_any_positive_integer(number):
    check_form(number)
