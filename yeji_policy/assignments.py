"""The assignment file: who does each task of a policy, edited by the drafting office.

The policy encodes the law: a traced measure names its lead unit, supporting
units and deadline only where the text names them.  Everything else is the
领导小组办公室's to decide, and goes into `policies/<policy>.assignments`, so
that assigning work never touches the law's encoding:

    # 单位：分工文件中可以出现的全部单位
    单位 "区商务和粮食局" "区财政局" "区农委"
    任务 a02_service_center 牵头 "区商务和粮食局" 配合 "区财政局" 时限 "2019年12月底前"

The file is read with its own small Lark grammar and checked against the
checked policy; every mistake gets file:line:col, the line with a caret, a
Chinese message and a stable code:

E0105  an invisible (control, bidirectional, zero-width) character in a string, as in a policy
E1001  syntax: not an entry of the file
E1002  a task id that no traced measure of the policy has
E1003  a unit not declared with 单位
E1004  one task assigned twice
E1005  a lead unit or deadline that contradicts what the text itself says
W1006  traced measures left with no lead unit (neither the text nor the file names one)
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import ast as A
from . import model as M
from .diagnostics import Diagnostic, Span

SUFFIX = ".assignments"

GRAMMAR = r"""
start: entry*
?entry: units | assignment
units: "单位" STRING+
assignment: "任务" NAME detail+
detail: "牵头" STRING          -> lead
      | "配合" STRING+         -> support
      | "时限" STRING          -> deadline
NAME: /[A-Za-z_][A-Za-z0-9_]*/
STRING: /"(?:[^"\\\n]|\\.)*"/
COMMENT: /#[^\n]*/
%import common.WS
%ignore WS
%ignore COMMENT
"""

_WORDS = {"STRING": "带引号的文字", "NAME": "任务编号"}
_LABELS = {"lead": "牵头", "support": "配合", "deadline": "时限"}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


@dataclass(frozen=True)
class Assignment:
    task: str
    lead: str | None
    support: tuple[str, ...]
    deadline: str | None
    span: Span


@dataclass(frozen=True)
class Assignments:
    """A checked assignment file."""

    file: str  # its name, as the breakdown cites it
    content_hash: str  # sha256 of its text
    units: tuple[str, ...]  # declared, in order
    tasks: tuple[Assignment, ...]

    def of(self, task: str) -> Assignment | None:
        return next((a for a in self.tasks if a.task == task), None)


def path_for(policy_path: str | Path) -> Path:
    """policies/x.policy -> policies/x.assignments."""
    return Path(policy_path).with_suffix(SUFFIX)


def _span(token: Token) -> Span:
    return A.span_of(token)


def _expected(names) -> str:
    """The terminals Lark expected, as a drafter reads them: keywords as written, others described."""
    words = set()
    for name in names:
        if name in _WORDS:
            words.add(_WORDS[name])
            continue
        try:
            pattern = _parser().get_terminal(name).pattern
        except KeyError:
            continue
        if pattern.type == "str":
            words.add(pattern.value)
    return "、".join(f"“{w}”" for w in sorted(words))


def _syntax(error: UnexpectedInput, source: str) -> Diagnostic:
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        lines = source.rstrip("\n").split("\n")
        span = Span.point(len(lines), len(lines[-1]) + 1)
        return Diagnostic("E1001", "分工文件意外结束：最后一项没有写完", span, "error",
                          ("“任务 编号”之后须至少写一项 牵头、配合 或 时限；“单位”之后须写单位名称",))
    if isinstance(error, UnexpectedCharacters):
        ch = source[error.pos_in_stream] if error.pos_in_stream < len(source) else ""
        return Diagnostic("E1001", f"分工文件中此处有无法识别的字符“{ch}”", Span.point(error.line, error.column),
                          "error", ("文字须写在半角双引号中；任务编号只能由英文字母、数字和下划线组成",))
    assert isinstance(error, UnexpectedToken)
    token = error.token
    return Diagnostic("E1001", f"分工文件中此处不应出现“{token}”，应为{_expected(error.expected)}", _span(token))


def _string(token: Token) -> A.Str:
    return A._string(token)


def parse(source: str) -> tuple[list, list[Diagnostic]]:
    """Source -> (entries, diagnostics): ("units", [Str…]) and ("task", Name, {kind: [Str…]}, Span)."""
    try:
        tree = _parser().parse(source)
    except UnexpectedInput as error:
        return [], [_syntax(error, source)]
    entries: list = []
    for entry in tree.children:
        if entry.data == "units":
            entries.append(("units", [_string(t) for t in entry.children]))
            continue
        name, *details = entry.children
        values: dict[str, list[tuple[A.Str, Span]]] = {}
        for d in details:
            meta = d.meta
            values.setdefault(d.data, []).append(([_string(t) for t in d.children],
                                                  Span(meta.line, meta.column, meta.end_line, meta.end_column)))
        meta = entry.meta
        entries.append(("task", A.Name(str(name), _span(name)), values,
                        Span(meta.line, meta.column, meta.end_line, meta.end_column)))
    return entries, []


def _did_you_mean(word: str, choices) -> tuple[str, ...]:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return (f"是否指“{close[0]}”？",) if close else ()


def _invisible_characters(entries) -> list[Diagnostic]:
    """E0105 for each string holding a character the policy's strings may not hold either."""
    from .check.source import _invisible

    strings = [s for kind, *rest in entries for s in (rest[0] if kind == "units" else
               [s for found in rest[1].values() for strings, _ in found for s in strings])]
    found = []
    for string in strings:
        for ch in string.value:
            kind = _invisible(ch) or ("代理码位" if 0xD800 <= ord(ch) <= 0xDFFF else None)
            if kind:
                found.append(Diagnostic("E0105", f"文字中含有不可见的{kind} U+{ord(ch):04X}", string.span, "error",
                                        ("这类字符会改变文字的显示或在生成的表单、说明中造成错误，请删除",)))
                break
    return found


def traced(policy: M.Policy) -> dict[str, tuple[M.Article, M.Measure]]:
    """Every traced measure of the policy by id, with its article."""
    return {m.id: (a, m) for a in policy.articles for m in a.measures if m.id is not None}


def check(source: str, filename: str, policy: M.Policy) -> tuple[Assignments | None, list[Diagnostic]]:
    """Parse and check an assignment file against a checked policy; None when there is any error."""
    entries, diagnostics = parse(source)
    if diagnostics:
        return None, diagnostics
    diagnostics = _invisible_characters(entries)
    if diagnostics:  # they would reach the table unseen, or break the Word copy (no XML holds NUL)
        return None, diagnostics
    measures = traced(policy)
    units: list[str] = [s.value for kind, *rest in entries if kind == "units" for s in rest[0]]
    declared = set(units)
    tasks: list[Assignment] = []
    seen: dict[str, Span] = {}
    for kind, *rest in entries:
        if kind != "task":
            continue
        name, values, span = rest
        for field_name in ("lead", "support"):
            for strings, _ in values.get(field_name, ()):
                for unit in strings:
                    if unit.value not in declared:
                        diagnostics.append(Diagnostic(
                            "E1003", f"单位“{unit.value}”没有在分工文件中声明", unit.span, "error",
                            _did_you_mean(unit.value, declared) + (f"若确是此单位，请在文件开头写：单位 \"{unit.value}\"",)))
        for field_name, field_values in values.items():
            if len(field_values) > 1:
                diagnostics.append(Diagnostic("E1004", f"任务“{name.value}”的“{_LABELS[field_name]}”重复",
                                              field_values[1][1], "error",
                                              (f"首次出现于第{field_values[0][1].line}行",)))
        if name.value not in measures:
            diagnostics.append(Diagnostic("E1002", f"任务编号“{name.value}”不是政策中的措施", name.span, "error",
                                          _did_you_mean(name.value, measures) +
                                          ("任务编号须是政策中带编号的措施（任务、目标、指标、资金承诺、组织）之一",)))
            continue
        if name.value in seen:
            diagnostics.append(Diagnostic("E1004", f"任务“{name.value}”重复分工", name.span, "error",
                                          (f"首次分工于第{seen[name.value].line}行",)))
            continue
        seen[name.value] = name.span
        article, measure = measures[name.value]

        def first(field_name: str) -> tuple[A.Str, ...]:
            return tuple(values[field_name][0][0]) if field_name in values else ()

        lead, support, deadline = first("lead"), first("support"), first("deadline")
        for given, stated, label in ((lead, measure.lead, "牵头单位"), (support, measure.support and "、".join(measure.support), "配合单位"),
                                     (deadline, measure.deadline, "完成时限")):
            if given and stated and "、".join(s.value for s in given) != stated:
                diagnostics.append(Diagnostic(
                    "E1005", f"第{article.number}条原文已明确任务“{name.value}”的{label}为“{stated}”，分工文件不能另行指定",
                    given[0].span, "error", ("原文明确的内容以原文为准：请删去这一项",)))
        tasks.append(Assignment(name.value, lead[0].value if lead else None, tuple(s.value for s in support),
                                deadline[0].value if deadline else None, span))
    if any(d.is_error for d in diagnostics):
        return None, diagnostics
    assigned = {t.task: t for t in tasks}
    missing = [i for i, (_, m) in measures.items() if m.lead is None and (i not in assigned or assigned[i].lead is None)]
    if missing:
        lines = source.rstrip("\n").split("\n")
        at = Span.point(len(lines), len(lines[-1]) + 1)
        shown = "、".join(missing[:20]) + (f" 等{len(missing)}项" if len(missing) > 20 else "")
        diagnostics.append(Diagnostic("W1006", f"{len(missing)}项措施原文未明确牵头单位，分工文件也没有指定：{shown}",
                                      at, "warning", ("未指定的措施列在任务分工表的说明中，由领导小组办公室确定后补入本文件",)))
    result = Assignments(Path(filename).name, hashlib.sha256(source.encode("utf-8")).hexdigest(), tuple(units),
                         tuple(tasks))
    return result, diagnostics


def load(path: str | Path, policy: M.Policy) -> tuple[Assignments | None, list[Diagnostic], str]:
    """Read and check an assignment file.  Returns (assignments, diagnostics, source text)."""
    from . import check as check_mod

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic("E0002", f"无法读取文件：{exc.strerror or exc}", Span.point(1, 1))], ""
    text, diagnostics = check_mod.decode(data)
    if text is None:
        return None, diagnostics, ""
    text = check_mod.normalise_text(text)
    result, diagnostics = check(text, str(path), policy)
    return result, diagnostics, text
