"""Hostile policies for the drafting tools, generated at any size.

Each generator edits tests/fixtures/minimal.policy (a clean policy) into one
class of input a drafter's tools must survive: deep nesting, many articles,
very long lines, thousands of diagnostics, many unknown names, a very long
article, line breaks other than "\\n", invisible characters.  The tests run
them at small sizes (tests/test_hostile_drafting.py); benchmarks/drafting.py
runs them at two large sizes and compares the times.
"""

from __future__ import annotations

import random
from pathlib import Path

BASE = (Path(__file__).parent / "fixtures" / "minimal.policy").read_text(encoding="utf-8")

RULE = "要求 accepted 否则"
FORMULA = "金额 = investment × 50%"
ARTICLE_2 = "  条 2 \"设备补助\" {\n    > 2．设备补助。对设备投入给予50%补助，最高不超过50万元。\n  }\n"


def _replace(old: str, new: str, text: str = BASE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# ---------------------------------------------------------------- nesting
def deep_not(levels: int) -> str:
    """`要求 非 非 … accepted`: a condition nested `levels` deep."""
    return _replace(RULE, "要求 " + "非 " * levels + "accepted 否则")


def long_sum(terms: int) -> str:
    """`金额 = investment + investment + …`: a left-nested sum of `terms` terms."""
    return _replace(FORMULA, "金额 = " + " + ".join(["investment"] * terms) + " × 50%")


# ---------------------------------------------------------------- size
def many_articles(count: int) -> str:
    """`count` more articles, each quoting a figure no rule uses: one warning (W0801) each."""
    articles = "".join(f"  条 {n} \"条{n}\" {{\n    > {n}．条{n}。给予{n}元奖励。\n  }}\n"
                       for n in range(3, count + 3))
    return _replace(ARTICLE_2, ARTICLE_2 + articles)


def uncovered_sentences(count: int) -> str:
    """Clause tracing on (article 1's goal traced) and article 2's one line with `count` more sentences,
    none covered: a very long line, a clause-coverage warning (W0901) per sentence."""
    traced = _replace('    目标 "推动发展"\n', '    目标 g1 "推动发展" { 条文 "推动发展" }\n')
    return _replace("最高不超过50万元。\n", "最高不超过50万元。" + "推进此项工作，完成建设；" * count + "\n", traced)


def figures_on_one_line(count: int) -> str:
    """Article 2's one line of text with `count` more figures: a very long line, a warning per figure."""
    figures = "".join(f"另给予{n}元。" for n in range(1, count + 1))
    return _replace("最高不超过50万元。\n", "最高不超过50万元。" + figures + "\n")


def unknown_names(count: int) -> str:
    """`count` inputs and `count` rules each naming a misspelt one: an error with a suggestion
    (E0201) and an unused input (W0701) each."""
    fields = "".join(f"      field_{n:05d}: 金额 \"投入{n}\"\n" for n in range(count))
    rules = "".join(f"    要求 feild_{n:05d} > 0 否则 不符合 \"无投入{n}\"\n" for n in range(count))
    text = _replace("      accepted: 是否 \"验收合格\"\n", "      accepted: 是否 \"验收合格\"\n" + fields)
    return _replace(RULE, rules.lstrip() + "    " + RULE, text)


def long_article(length: int, edit_every: int = 0, seed: int = 0) -> str:
    """Article 2 with about `length` more characters of text, in sentences; with
    `edit_every`, every so many characters changed (the other version for a diff)."""
    rng = random.Random(seed)
    words = "电子商务企业园区补助给予奖励设备投入验收合格区财政农村服务站点物流配送培训"
    chars = []
    for n in range(length):
        chars.append(rng.choice(words))
        if n % 40 == 39:
            chars.append("。")
    if edit_every:
        chars = ["改" if n % edit_every == edit_every - 1 and ch != "。" else ch for n, ch in enumerate(chars)]
    return _replace("最高不超过50万元。\n", "最高不超过50万元。" + "".join(chars) + "\n")


# ---------------------------------------------------------------- characters
def crlf(text: str = BASE) -> bytes:
    """The policy saved with Windows line ends."""
    return text.replace("\n", "\r\n").encode("utf-8")


def line_separator_in_comment(text: str = BASE) -> str:
    """A U+2028 inside the first comment: a line break for str.splitlines, not for the parser."""
    return _replace("# A small policy", "# A small\u2028policy", text)


ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


def zero_width_in_title(ch: str, text: str = BASE) -> str:
    """An invisible character inside the document's title."""
    return _replace('标题 "示例政策"', f'标题 "示例{ch}政策"', text)


# ---------------------------------------------------------------- file names
ODD_FILE_NAMES = ["my-policy.policy", "叶集.policy", "2024.policy", "class.policy", "政策 v2 (草案).policy",
                  "a.b.policy", "_" + "x" * 100 + ".policy"]
