"""How an article's original text opens: its number, in one of the forms Chinese policies use.

The first line of an article's text (`> …`) starts with the article's number and
its title, as the document prints them.  Accepted, for 条 3 "设备补助":

    3．设备补助    3.设备补助    3、设备补助
    第三条 设备补助    第3条 设备补助
    三、设备补助
    （三）设备补助    (三)设备补助

Spaces (half- or full-width) may stand between the number and the title.  The
number must be the article's own number; the bracketed form （三） may instead
count the articles of its chapter, as documents that restart （一） in every
part do.  The figure tracer skips the heading: its number is not a figure.
Chapter numerals (一, 十一, 一百零一 …) are written here too.
"""

from __future__ import annotations

import re

DIGITS = "零一二三四五六七八九"

# Any heading the forms below may take, with the spaces after it: what the tracer skips.
_HEADING = re.compile(r"(?:[0-9]+[．.、](?![0-9])|第[0-9]+条|第[零一二三四五六七八九十百千万]+条|[零一二三四五六七八九十百千万]+、"
                      r"|[（(][零一二三四五六七八九十百千万]+[）)])[ \u3000]*")


def heading_forms(number: int, position: int | None = None) -> tuple[str, ...]:
    """Every way the heading of article `number` may be written (the first is the usual one);
    `position` is its place among its chapter's articles, which （一） may count instead."""
    numeral = chinese_numeral(number)
    forms = [f"{number}．", f"{number}.", f"{number}、", f"第{numeral}条", f"第{number}条", f"{numeral}、",
             f"（{numeral}）", f"({numeral})"]
    if position is not None and position != number:
        local = chinese_numeral(position)
        forms += [f"（{local}）", f"({local})"]
    return tuple(forms)


def heading_length(line: str) -> int:
    """How many characters at the start of `line` are a heading number and the spaces after it."""
    match = _HEADING.match(line)
    return match.end() if match else 0


def chinese_numeral(n: int) -> str:
    """The Chinese numeral of a positive integer, as chapters are numbered:
    一, 十, 十一, 二十, 一百, 一百零一, 一百一十, 一千零一十, 一万, 十万, 一亿零一万."""
    if n <= 0:
        raise ValueError(n)
    text = _in_groups(n)
    return text[1:] if text.startswith("一十") else text  # 十一, not 一十一; but 一百一十


def _in_groups(n: int) -> str:
    """n ≥ 1 written in groups of four digits (万, 亿, 万亿, 亿亿 …), with 零 for every gap."""
    if n < 10000:
        return _group(n)
    for base, unit in ((10 ** 8, "亿"), (10 ** 4, "万")):
        if n >= base:
            high, low = divmod(n, base)
            text = _in_groups(high) + unit
            if low:
                text += ("零" if low < base // 10 else "") + _in_groups(low)
            return text
    raise AssertionError(n)  # pragma: no cover


def _group(n: int) -> str:
    """1 ≤ n ≤ 9999: 一千零一, 一百一十, 二十, 七."""
    text = ""
    zero = False
    for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // place % 10
        if digit:
            text += ("零" if zero else "") + DIGITS[digit] + unit
            zero = False
        elif text:
            zero = True
    return text
