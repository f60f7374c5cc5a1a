"""Clause traceability: every directive of the original text is encoded.

A traced measure (`任务 id "…" { 条文 "…" 牵头 "…" 配合 "…" 时限 "…" }`, and the same
for 目标, 指标, 资金承诺, 组织) quotes the clauses of its article it encodes, verbatim;
the checker finds each one in the article's text and keeps its character
offsets, as the figure tracer (trace.py) does for figures.

Once a policy traces clauses at all (one traced measure or one
`非规范条文 "…" 因 "…"`), every phrase of every article must be covered by

- a clause of a traced measure of the article,
- the 摘录 of a programme that cites the article, or
- an explicit `非规范条文` (a heading, a guiding idea, a statement of purpose),

the article's own number and title excepted.  A phrase is a run of text
between the punctuation that ends a sentence (。；！？) or a clause (，：),
outside brackets and quotation marks; a sentence with an uncovered phrase is
quoted in one warning (W0901) at its place in the text.  A policy written
before clauses were traced (no traced measure) is not asked for coverage.

E0214  two traced measures with one id
E0520  a 条文 or 非规范条文 that is not part of its article's text
E0521  a traced measure that quotes no clause
W0901  a sentence of an article that no measure, programme or 非规范条文 covers
W0902  a 任务, 目标 or 指标 without id and clause in a policy that traces clauses (no row of the breakdown)
"""

from __future__ import annotations

import bisect
import itertools

from . import ast as A
from . import keywords
from . import model as M
from .diagnostics import Diagnostic, Diagnostics, Span

# The measure kinds that are rows of the task breakdown (responsible units and target groups are
# attributes of the article, not tasks).
ROWS = ("task", "goal", "indicator", "funding", "organisation")
SENTENCE_ENDS = "。；！？"
PHRASE_ENDS = SENTENCE_ENDS + "，：\n"
_OPEN = "（“《「(‘"
_CLOSE = "）”》」)’"


def _find(text: str, words: str) -> int:
    return text.find(words) if words else -1


def measures(art: A.Article, diags: Diagnostics) -> tuple[M.Measure, ...]:
    """The model measures of one article; clause offsets found in its text (E0520, E0521, E0505)."""
    text = art.text.value
    out = []
    for m in art.measures:
        values = tuple(v.value for v in m.values)
        if m.id is None:
            out.append(M.Measure(m.kind, values))
            continue
        clauses: list[M.Clause] = []
        single: dict[str, A.Entry] = {}
        for entry in m.entries:
            if entry.kind == "clause":
                words = entry.values[0]
                start = _find(text, words.value)
                if start < 0:
                    diags.error("E0520", f"措施“{m.id.value}”的条文不是第{int(art.number)}条原文的一部分",
                                words.span, "条文须与原文逐字一致，包括标点")
                else:
                    clauses.append(M.Clause(words.value, start, start + len(words.value)))
                continue
            if entry.kind in single:
                diags.error("E0505", f"措施“{m.id.value}”的“{_LABELS[entry.kind]}”重复", entry.span,
                            f"首次出现于第{single[entry.kind].span.line}行")
            single[entry.kind] = entry
        if not any(e.kind == "clause" for e in m.entries):
            diags.error("E0521", f"措施“{m.id.value}”没有引用原文条文", m.id.span,
                        "请在措施的块中写：条文 \"……\"（原文中本措施所依据的文字，逐字照录）")

        def one(kind: str) -> str | None:
            return single[kind].values[0].value if kind in single else None

        support = tuple(v.value for v in single["support"].values) if "support" in single else ()
        out.append(M.Measure(m.kind, values, m.id.value, tuple(sorted(clauses, key=lambda c: c.start)),
                             one("lead"), support, one("deadline"), one("funding_source")))
    for note in art.clause_notes:
        if not note.reason.value.strip():
            diags.error("E0513", "非规范条文须说明理由", note.reason.span)
        if _find(text, note.words.value) < 0:
            diags.error("E0520", f"非规范条文不是第{int(art.number)}条原文的一部分", note.words.span,
                        "须与原文逐字一致，包括标点")
    return tuple(out)


_LABELS = {"lead": "牵头", "support": "配合", "deadline": "时限", "funding_source": "资金来源"}


def check_ids(articles: list[A.Article], diags: Diagnostics) -> None:
    """E0214: one id, one measure, across the policy (the assignment file names measures by id)."""
    seen: dict[str, A.Name] = {}
    for article in articles:
        for m in article.measures:
            if m.id is None:
                continue
            if m.id.value in seen:
                first = seen[m.id.value].span
                diags.error("E0214", f"措施编号“{m.id.value}”重复", m.id.span,
                            f"首次定义于第{first.line}行第{first.column}列")
            else:
                seen[m.id.value] = m.id


# ---------------------------------------------------------------- coverage
def _spans(text: str, ends: str) -> list[tuple[int, int]]:
    """(start, end) of each run of `text` ended by one of `ends` outside brackets; the end mark included."""
    out: list[tuple[int, int]] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in ends and (depth == 0 or ch == "\n"):
            out.append((start, i + 1))
            start = i + 1
    if start < len(text):
        out.append((start, len(text)))
    return out


def sentences(text: str) -> list[tuple[int, int]]:
    return [s for s in _spans(text, SENTENCE_ENDS + "\n") if text[s[0]:s[1]].strip()]


def phrases(text: str) -> list[tuple[int, int]]:
    """The phrases of text, without their end marks."""
    out = []
    for start, end in _spans(text, PHRASE_ENDS):
        if end > start and text[end - 1] in PHRASE_ENDS:
            end -= 1
        if text[start:end].strip():
            out.append((start, end))
    return out


def _occurrences(text: str, words: str) -> list[tuple[int, int]]:
    out, at = [], _find(text, words)
    while at >= 0:
        out.append((at, at + len(words)))
        at = text.find(words, at + 1)
    return out


def covered_spans(article: A.Article, excerpts: list[str]) -> list[tuple[int, int]]:
    """Where the article's text is accounted for: its heading, clauses, 非规范条文 and programmes' 摘录."""
    text = article.text.value
    spans: list[tuple[int, int]] = []
    heading = f"{int(article.number)}．{article.title.value}"
    if text.startswith(heading):
        spans.append((0, len(heading)))
    for m in article.measures:
        for entry in m.entries:
            if entry.kind == "clause":
                spans += _occurrences(text, entry.values[0].value)
    for note in article.clause_notes:
        spans += _occurrences(text, note.words.value)
    for excerpt in excerpts:
        spans += _occurrences(text, excerpt)
    return spans


def uncovered(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The phrases of text with a character (other than white space) outside every span."""
    mask = [False] * len(text)
    for start, end in spans:
        for i in range(start, end):
            mask[i] = True
    return [(s, e) for s, e in phrases(text) if any(not mask[i] and not text[i].isspace() for i in range(s, e))]


def _span(text: A.Text, start: int, end: int) -> Span:
    """Where text.value[start:end] stands in the source (both ends on their own `>` lines)."""
    if not text.line_spans:
        return text.span
    starts = list(itertools.accumulate((len(line) + 1 for line in text.lines[:-1]), initial=0))
    li, ri = bisect.bisect_right(starts, start) - 1, bisect.bisect_right(starts, max(start, end - 1)) - 1
    first, last = text.line_spans[li], text.line_spans[ri]
    return Span(first.line, first.column + start - starts[li], last.line, last.column + end - starts[ri])


def traces_clauses(module: A.Module) -> bool:
    """Whether the policy traces clauses at all (then every article must be covered)."""
    return any(a.clause_notes or any(m.id is not None for m in a.measures) for a in _articles(module))


def _articles(module: A.Module) -> list[A.Article]:
    chapters = [i for i in module.items if isinstance(i, A.Chapter)]
    return [i for c in chapters for i in c.items if isinstance(i, A.Article)]


def _excerpts(module: A.Module) -> dict[int, list[str]]:
    programmes = [i for i in module.items if isinstance(i, A.Programme)]
    programmes += [i for c in module.items if isinstance(c, A.Chapter) for i in c.items if isinstance(i, A.Programme)]
    out: dict[int, list[str]] = {}
    for p in programmes:
        entries = [e for e in p.entries if isinstance(e, A.Entry)]
        number = next((int(e.values[0]) for e in entries if e.kind == "article"), None)
        out.setdefault(number, []).extend(e.values[0].value for e in entries if e.kind == "excerpt")
    return out


def coverage(module: A.Module) -> list[Diagnostic]:
    """W0901 for each sentence of an article with a phrase nothing covers (only once a policy traces clauses)."""
    if not traces_clauses(module):
        return []
    articles = _articles(module)
    excerpts = _excerpts(module)
    out: list[Diagnostic] = []
    for article in articles:
        number = int(article.number)
        for m in article.measures:
            if m.id is None and m.kind in ROWS:
                out.append(Diagnostic(
                    "W0902", f"第{number}条的{keywords.MEASURES[m.kind]}没有编号和条文，不会列入任务分工表",
                    m.span, "warning",
                    (f"请写成：{keywords.MEASURES[m.kind]} 编号 \"……\" {{ 条文 \"……\" }}（条文逐字引用原文）",)))
        text = article.text.value
        missing = uncovered(text, covered_spans(article, excerpts.get(number, [])))
        at = 0  # phrases and sentences are both in the order of the text: one pass over each
        for start, end in sentences(text):
            while at < len(missing) and missing[at][0] < start:
                at += 1
            inside = []
            while at < len(missing) and missing[at][1] <= end:
                inside.append(missing[at])
                at += 1
            if not inside:
                continue
            sentence = text[start:end].strip()
            parts = "、".join(f"“{text[s:e]}”" for s, e in inside)
            out.append(Diagnostic(
                "W0901", f"第{number}条原文中这一句有未被措施、项目或非规范条文覆盖的内容：“{sentence}”",
                _span(article.text, inside[0][0], inside[-1][1]), "warning",
                (f"未覆盖：{parts}",
                 f"请在第{number}条中写一项措施（任务/目标/指标/资金承诺/组织 编号 \"……\" {{ 条文 \"……\" }}），"
                 f"或声明：非规范条文 \"……\" 因 \"……\""),
            ))
    return out
