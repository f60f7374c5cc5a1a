"""Figure traceability: every figure of the original text is accounted for.

A figure of an article's text (80%, 80万元, 每月每平方米15元, 3个, 2017年, 3年,
全额, 半天 …) must be

- used by a rule: a constant of a programme that cites the article (a rate, a
  cap, a tier row, a value of a lookup, a figure in a condition), or
- a figure of one of the article's measures (目标, 任务, 指标 …), or
- declared not normative: `非规范数字 "words" 因 "reason"` after the text.

The preamble (引言) is traced too: its figures are the numbers of the documents
it cites, accounted for by the `依据` entries, or declared in the 文件 block.

The other way round, a constant of a rule that appears nowhere in its
article's text is the drafters' own figure: the rule, the formula or the cap
that holds it must be marked as an interpretation (解释).  Zero constants
(0元/人, 0个月) are structure, not figures.

Figures are matched by value and unit dimension: 3年 in the text is 36个月 in
a rule, 全额 is 100%, 半天 is 0.5天, 每月每平方米15元 is 15元/平方米/月, and a
calendar year (2017年) is the plain number 2017.

W0801  a figure of the text that nothing accounts for
W0802  a figure of a rule that is not in its article's text
W0803  a 非规范数字 declaration whose words are not in the text, or hold no figure
W0804  a figure of a programme's rules, taken from its article, that its 摘录 leaves out
       (an excerpt is what a reviewer compares the rules with: it must hold every figure)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from decimal import Decimal, Inexact, localcontext
from typing import Iterator

from . import ast as A
from . import policy_dates
from .diagnostics import Diagnostic, Span
from .headings import heading_length
from .units import UNITS, UnitError, parse_quantity

# What a figure means: ("num", value in base units, dimension) for figures the
# language can compute with; ("text", words) for the others (48号, a date).
Key = tuple

# Units a figure may be written with, longest first so that 万元 wins over 元.
# Those that units.py does not know (号, 次 …) still make a figure, matched by
# its words only.
_TEXT_ONLY_UNITS = ("亿元", "%", "％", "日", "号", "次", "倍", "家", "名", "户", "项", "岁")
_UNITS = tuple(sorted({*UNITS, *_TEXT_ONLY_UNITS}, key=lambda u: (-len(u), u)))
# "每月每平方米15元": a rate written with 每 before the number (any unit but money).
_PER_UNITS = tuple(sorted((u for u, (base, _) in UNITS.items() if base != "money"), key=lambda u: (-len(u), u)))
_NUMBER = re.compile(r"(?<![0-9A-Za-z.．])[0-9]+(?:\.[0-9]+)?(?![0-9A-Za-z])")
_DATE_REST = re.compile(r"[0-9]{1,2}月(?:[0-9]{1,2}日)?")
_SERIES = "、至到～~－-"
# A ratio, "按1:0.5给予配套": one figure, the second term per unit of the first (50%).
_RATIO = re.compile(r"(?<![0-9A-Za-z.．])([0-9]+(?:\.[0-9]+)?)[:：∶]([0-9]+(?:\.[0-9]+)?)(?![0-9A-Za-z])")
# Between two figures of an enumeration, "每人每月3000元、硕士2000元": 、 and a few words, no new 每.
_ENUMERATION_GAP = re.compile(r"、[\u4e00-\u9fff]{0,6}")

# Words the text uses for figures.
WORDS: dict[str, Key] = {
    "全额": ("num", Decimal(1), ()),
    "半天": ("num", *parse_quantity("0.5天")),
    "减半": ("num", Decimal("0.5"), ()),  # 第三年减半: a rate of 50% (#22)
}


@dataclass(frozen=True)
class Figure:
    text: str  # as it stands in the text: 80万元, 每月每平方米15元, 2017年, 全额
    start: int  # offsets in its line
    end: int
    key: Key
    unit: str = ""  # the unit it is counted in, as a literal writes it: 万元, 元/人, 元/月/平方米
    # Other meanings a rule may give it: a duration in years (3年) is also the count 3, since the
    # language has no year arithmetic and a rule counts years with a plain number (第几年 ≤ 3).
    aliases: tuple[Key, ...] = ()

    @property
    def keys(self) -> tuple[Key, ...]:
        return (self.key, *self.aliases)


def _key(number: str, unit: str, text: str) -> Key:
    if not unit:
        return ("num", Decimal(number), ())
    try:
        value, dim = parse_quantity(number + unit)
    except UnitError:
        return ("text", text)
    return ("num", value, dim)


def _unit_at(line: str, position: int) -> str:
    return next((u for u in _UNITS if line.startswith(u, position)), "")


def _per_prefix(line: str, start: int) -> tuple[int, tuple[str, ...]]:
    """The 每X每Y written just before a number: (where it starts, (X, Y))."""
    per: list[str] = []
    position = start
    while True:
        unit = next((u for u in _PER_UNITS if line[:position].endswith("每" + u)), None)
        if unit is None:
            return position, tuple(reversed(per))
        per.append(unit)
        position -= len(unit) + 1


def figures_in(line: str, skip: int = 0) -> list[Figure]:
    """Every figure of one line of text, from offset `skip` on."""
    found: list[Figure] = []
    ratios = [m for m in _RATIO.finditer(line) if m.start() >= skip]
    for match in ratios:
        found.append(Figure(match.group(), match.start(), match.end(), _ratio_key(match)))
    consumed = skip
    for match in _NUMBER.finditer(line):
        start, end = match.span()
        if start < consumed or any(r.start() <= start < r.end() for r in ratios):
            continue
        number = match.group()
        if line[end:end + 1] == "．" or (line[start - 1:start] == "（" and line[end:end + 1] == "）"):
            continue  # a list marker: 1． or （1）
        unit = _unit_at(line, end)
        end += len(unit)
        if unit == "年" and len(number) == 4 and "." not in number:
            rest = _DATE_REST.match(line, end)
            if rest:  # a date: 2018年5月20日 (a rule's date literal when it names a day)
                end = rest.end()
                found.append(Figure(line[start:end], start, end, _date_key(line[start:end])))
            else:  # a calendar year is a plain number
                found.append(Figure(line[start:end], start, end, ("num", Decimal(number), ())))
            consumed = end
            continue
        per: list[str] = []
        while line.startswith("/", end) and (denominator := _unit_at(line, end + 1)):
            per.append(denominator)
            end += 1 + len(denominator)
        begin, prefix = _per_prefix(line, start) if unit in ("元", "万元") and not per else (start, ())
        text = line[begin:end]
        unit = unit.replace("％", "%") + "".join("/" + p for p in prefix + tuple(per))
        aliases = (("num", Decimal(number), ()),) if unit == "年" else ()
        found.append(Figure(text, begin, end, _key(number, unit, text), unit, aliases))
        consumed = end
    found.sort(key=lambda f: f.start)
    # "每人每月3000元、2000元": a money figure of an enumeration is counted per what the one before it was.
    for index in range(1, len(found)):
        figure, before = found[index], found[index - 1]
        if (figure.unit in ("元", "万元") and "/" in before.unit and before.unit.split("/")[0] in ("元", "万元")
                and _ENUMERATION_GAP.fullmatch(line, before.end, figure.start) and "每" not in line[before.end:figure.start]):
            unit = figure.unit + before.unit[before.unit.index("/"):]
            found[index] = Figure(figure.text, figure.start, figure.end,
                                  _key(figure.text[: -len(figure.unit)], unit, figure.text), unit)
    # "3、5、10万元": a bare number in a series takes the unit of the next one.
    for index in range(len(found) - 2, -1, -1):
        figure, following = found[index], found[index + 1]
        bare = figure.key[0] == "num" and not figure.unit and figure.text.replace(".", "").isdigit()
        if bare and following.unit and following.start == figure.end + 1 and line[figure.end] in _SERIES:
            found[index] = Figure(figure.text, figure.start, figure.end,
                                  _key(figure.text, following.unit, figure.text + following.unit), following.unit)
        # "500万至2000万元" (#22 ratio: bands): the 万 of the first bound, its 元 left to the second.
        elif (bare and following.unit.startswith("万") and line[figure.end:figure.end + 1] == "万"
              and following.start == figure.end + 2 and line[figure.end + 1] in _SERIES):
            found[index] = Figure(figure.text + "万", figure.start, figure.end + 1,
                                  _key(figure.text, following.unit, figure.text + following.unit), following.unit)
    for word, key in WORDS.items():
        position = line.find(word, skip)
        while position >= 0:
            found.append(Figure(word, position, position + len(word), key))
            position = line.find(word, position + len(word))
    # A bare list marker such as "1、加强……" is not a figure.
    found = [f for f in found
             if not (f.text.isdigit() and line[f.end:f.end + 1] == "、" and not _NUMBER.match(line, f.end + 1))]
    return sorted(found, key=lambda f: f.start)


def _ratio_key(match: re.Match) -> Key:
    """a:b as the figure b/a (1:0.5 is 50%); a ratio whose quotient has no exact decimal is matched by its words."""
    first, second = Decimal(match.group(1)), Decimal(match.group(2))
    if first == 0:
        return ("text", match.group())
    with localcontext() as exact:
        exact.prec = 200
        exact.traps[Inexact] = True
        try:
            return ("num", (second / first).normalize(), ())
        except Inexact:
            return ("text", match.group())


def _date_key(text: str) -> Key:
    """A date of the text: ("date", day) when it names a real day, so that 2025年01月01日 in the text
    is 2025年1月1日 in a rule; else its words."""
    try:
        return ("date", policy_dates.parse(text))
    except policy_dates.DateError:
        return ("text", text)


def literal_key(node: A.Quantity | A.Number | A.Ratio | A.DateLit) -> Key:
    if isinstance(node, A.Ratio):  # 1:0.5, one figure, as the text's ratio (#22 ratio)
        first, second = node.text.split(":")
        return _ratio_key(_RATIO.fullmatch(f"{first}:{second}"))
    if isinstance(node, A.DateLit):
        return _date_key(node.text)
    if isinstance(node, A.Number):
        return ("num", Decimal(node.text), ())
    return ("num", *parse_quantity(node.text))


# ---------------------------------------------------------------- the rules' figures
def _literals(node: object) -> Iterator[A.Quantity | A.Number]:
    if isinstance(node, (A.Quantity, A.Number, A.Ratio, A.DateLit)):
        yield node
    elif isinstance(node, tuple):
        for item in node:
            yield from _literals(item)
    elif hasattr(node, "__dataclass_fields__") and not isinstance(node, (A.Name, A.Str, A.Interp)):
        for f in fields(node):
            yield from _literals(getattr(node, f.name))


def _amount_literals(amount: A.Amount, exempt: bool) -> Iterator[tuple[A.Quantity | A.Number, bool]]:
    if isinstance(amount, A.Formula):
        yield from ((lit, exempt or amount.interp is not None) for lit in _literals(amount.expr))
        if amount.cap is not None:
            yield from ((lit, exempt or amount.cap.interp is not None) for lit in _literals(amount.cap.limit))
    elif isinstance(amount, A.Cases):
        for case in amount.cases:
            if case.cond is not None:
                yield from ((lit, exempt) for lit in _literals(case.cond))
            if isinstance(case.outcome, A.Pay):
                yield from _amount_literals(case.outcome.amount, exempt)
    elif isinstance(amount, A.PerYear):
        # 逐年 { … 第3年: … } spans three years: the text's "连续3年" is its last row.
        yield from ((lit, exempt) for lit in _literals((amount.start, amount.day)))
        last = max(amount.rows, key=lambda row: row.year)
        yield A.Quantity(f"{last.year}年", last.span), exempt
        for row in (*amount.rows, amount.otherwise):
            if isinstance(row.outcome, A.Pay):
                yield from _amount_literals(row.outcome.amount, exempt)
    else:
        for rule in amount.rules:
            yield from _rule_literals(rule, exempt)
        if amount.cap is not None:  # 合计最高不超过
            yield from ((lit, exempt or amount.cap.interp is not None) for lit in _literals(amount.cap.limit))


def _rule_literals(rule: object, exempt: bool = False) -> Iterator[tuple[A.Quantity | A.Number, bool]]:
    """The figures of a rule, each with whether an interpretation covers it."""
    if isinstance(rule, A.AmountRule):
        yield from _amount_literals(rule.amount, exempt)
    elif isinstance(rule, A.Let) and isinstance(rule.expr, A.ItemSum):  # 令 x = 逐项 …: each inner rule's own 解释
        for inner in rule.expr.rules:
            yield from _rule_literals(inner, exempt or rule.interp is not None)
    elif isinstance(rule, A.Period):  # its dates, and the rules it narrows
        yield from ((lit, exempt) for lit in _literals((rule.start, rule.end, rule.day)))
        for inner in rule.rules:
            yield from _rule_literals(inner, exempt)
    elif isinstance(rule, (A.Require, A.Review, A.Let, A.Unique)):
        covered = exempt or rule.interp is not None
        yield from ((lit, covered) for lit in _literals(rule.key if isinstance(rule, A.Unique) else
                                                         rule.expr if isinstance(rule, A.Let) else rule.cond))


def programme_figures(programme: A.Programme) -> Iterator[tuple[A.Quantity | A.Number, bool]]:
    """The non-zero figures of a programme's rules (not its form checks or field options)."""
    for entry in programme.entries:
        for literal, covered in _rule_literals(entry):
            if literal_key(literal)[1] != 0:
                yield literal, covered


# ---------------------------------------------------------------- the text's figures
@dataclass(frozen=True)
class _Source:
    """A traced text: an article's or the preamble's."""

    where: str  # 第9条, 引言
    text: A.Text
    skip: int  # the article number at the start of its first line
    notes: tuple[A.FigureNote, ...]
    accounted: frozenset  # keys of the figures the rules and measures use
    advice: str  # where a 非规范数字 declaration goes


def _excerpt(line: str, figure: Figure) -> str:
    start = max(0, figure.start - 12)
    end = min(len(line), figure.end + 8)
    return ("…" if start > 0 else "") + line[start:end] + ("…" if end < len(line) else "")


def _trace_source(source: _Source, diagnostics: list[Diagnostic]) -> None:
    covered: list[tuple[int, int, int]] = []  # (line index, start, end) declared not normative
    for note in source.notes:
        words = note.words.value
        if not note.reason.value.strip():
            diagnostics.append(Diagnostic("E0513", "非规范数字须说明理由", note.reason.span))
        hits = [(index, match.start()) for index, line in enumerate(source.text.lines)
                for match in re.finditer(re.escape(words), line)] if words else []
        if not hits:
            diagnostics.append(Diagnostic("W0803", f"非规范数字“{words}”不是{source.where}原文的一部分",
                                          note.words.span, "warning", ("须与原文逐字一致，包括标点",)))
            continue
        if not figures_in(words):
            diagnostics.append(Diagnostic("W0803", f"非规范数字“{words}”中没有数字", note.words.span, "warning"))
            continue
        covered.extend((index, start, start + len(words)) for index, start in hits)
    for index, (line, span) in enumerate(zip(source.text.lines, source.text.line_spans)):
        for figure in figures_in(line, source.skip if index == 0 else 0):
            if any(key in source.accounted for key in figure.keys):
                continue
            if any(i == index and s <= figure.start and figure.end <= e for i, s, e in covered):
                continue
            where = Span(span.line, span.column + figure.start, span.line, span.column + figure.end)
            diagnostics.append(Diagnostic(
                "W0801",
                f"{source.where}原文中的数字“{figure.text}”没有被任何规则或措施采用，也没有声明为非规范数字："
                f"“{_excerpt(line, figure)}”",
                where, "warning",
                (f"若它不是规范性内容，请在{source.advice}写：非规范数字 \"{figure.text}\" 因 \"……\"",),
            ))


def _measure_keys(strings) -> set[Key]:
    return {key for s in strings for figure in figures_in(s) for key in figure.keys}


def trace_figures(module: A.Module) -> list[Diagnostic]:
    """Every W0801–W0803 of a policy that has no errors."""
    chapters = [i for i in module.items if isinstance(i, A.Chapter)]
    articles = [i for c in chapters for i in c.items if isinstance(i, A.Article)]
    programmes = [i for i in module.items if isinstance(i, A.Programme)]
    programmes += [i for c in chapters for i in c.items if isinstance(i, A.Programme)]
    diagnostics: list[Diagnostic] = []

    texts: dict[int, list[str]] = {}
    for article in articles:
        texts[int(article.number)] = list(article.text.lines)
    used: dict[int, set[Key]] = {}
    for programme in programmes:
        number = next(int(e.values[0]) for e in programme.entries if isinstance(e, A.Entry) and e.kind == "article")
        text_keys = {key for line in texts.get(number, []) for f in figures_in(line) for key in f.keys}
        excerpt = next((e.values[0] for e in programme.entries if isinstance(e, A.Entry) and e.kind == "excerpt"), None)
        excerpt_keys = {key for f in figures_in(excerpt.value) for key in f.keys} if excerpt is not None else set()
        for literal, covered in programme_figures(programme):
            key = literal_key(literal)
            used.setdefault(number, set()).add(key)
            if excerpt is not None and key in text_keys and key not in excerpt_keys:
                diagnostics.append(Diagnostic(
                    "W0804", f"项目“{programme.id.value}”的摘录没有包含它使用的数字“{literal.text}”",
                    excerpt.span, "warning",
                    (f"摘录须包含项目用到的每个数字：请把第{number}条原文中含“{literal.text}”的部分一并摘录",),
                ))
                excerpt_keys.add(key)  # one diagnostic per figure
            if key not in text_keys and not covered:
                diagnostics.append(Diagnostic(
                    "W0802", f"项目“{programme.id.value}”中的数字“{literal.text}”不见于第{number}条原文",
                    literal.span, "warning",
                    ("原文没有的数字是起草人的理解：请在这条规则、公式或上限之后写 解释 \"……\"",),
                ))

    # Rules across programmes (#22): a 合计上限's figure is used by its own article.
    for decl in [i for i in module.items if isinstance(i, A.CrossRule)] + [
            i for c in chapters for i in c.items if isinstance(i, A.CrossRule)]:
        entries = {e.kind: e for e in decl.entries}
        if "article" in entries and "limit" in entries:
            used.setdefault(int(entries["article"].values[0]), set()).add(literal_key(entries["limit"].values[0]))

    for article in articles:
        number = int(article.number)
        skip = heading_length(article.text.lines[0]) if article.text.lines else 0
        measures = _measure_keys(v.value for m in article.measures for v in m.values)
        _trace_source(_Source(f"第{number}条", article.text, skip, article.figure_notes,
                              frozenset(used.get(number, set()) | measures), f"第{number}条原文之后"), diagnostics)

    for document in (i for i in module.items if isinstance(i, A.Document)):
        entries = [e for e in document.entries if e.kind == "preamble"]
        preamble = entries[0].values[0] if entries else A.Text((), document.span, ())
        basis = _measure_keys(v.value for e in document.entries if e.kind == "basis" for v in e.values)
        notes = tuple(A.FigureNote(e.values[0], e.values[1], e.span) for e in document.entries
                      if e.kind == "figure_note")
        _trace_source(_Source("引言", preamble, 0, notes, frozenset(basis), "“文件”块中"), diagnostics)
    return diagnostics
