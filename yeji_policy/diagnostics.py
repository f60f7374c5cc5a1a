"""Diagnostics for drafters: a stable code, a Chinese message, a position, a caret.

Every stage reports problems as `Diagnostic` values instead of raising; the
CLI prints them in the form

    policies/x.policy:12:5: 错误 E0201: 未定义的输入项 "investmnt"，是否指 "investment"？
       12 |     金额 = 50% × investmnt
          |                  ^^^^^^^^^

A diagnostic may point to other places as well (`Related`: the first
definition of something defined twice), each shown under the main one with
its own `file:line:col`, line and mark, as rustc shows secondary labels.  A
related place may lie in another file (a programme id defined in two policy
files): it carries that file, and the renderer is given that file's text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """A region of a source file; lines and columns count from 1."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int) -> "Span":
        return cls(line, column, line, column + 1)


NO_SPAN = Span(1, 1, 1, 2)


@dataclass(frozen=True)
class Related:
    """Another place that a diagnostic concerns, and what it is (首次定义于此): in the same file,
    or in `file` (a policy's source_file, as versions.check_across names it)."""

    span: Span
    message: str
    file: str | None = None


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span
    severity: str = "error"  # "error" or "warning"
    notes: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


SEVERITY_LABEL = {"error": "错误", "warning": "警告"}


def display_width(text: str) -> int:
    """Terminal columns taken by `text`: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# Bounds on what one run prints, whatever the source: a policy with thousands
# of mistakes, or one line of a megabyte, still gives a readable report.
MAX_SHOWN = 100  # diagnostics printed per file; then one line counts the rest
MAX_SOURCE_WIDTH = 120  # terminal columns of a quoted source line
MAX_MESSAGE = 1000  # characters of one message (names come from the source)
ELLIPSIS = "…"


def render(diagnostic: Diagnostic, filename: str, source: str, others=None) -> str:
    """Format a diagnostic with its source line and a caret under the spot; each related place
    under it with its own position, line and a "-" mark; then the notes.  others: for a related
    place in another file, that file -> (its name as shown, its text); a file not given is shown
    by its own name, without its line."""
    span = diagnostic.span
    label = SEVERITY_LABEL[diagnostic.severity]
    message = diagnostic.message
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + ELLIPSIS
    head = f"{filename}:{span.line}:{span.column}: {label} {diagnostic.code}: {message}"
    # One gutter width for every quoted line, so that the bars line up.
    width = max(len(str(s.line)) for s in (span, *(r.span for r in diagnostic.related)))
    out = [head, *_quote(source, span, width, "^")]
    for related in diagnostic.related:
        shown, text = (filename, source) if related.file is None else (others or {}).get(related.file, (related.file, ""))
        out.append(f"{shown}:{related.span.line}:{related.span.column}: 相关位置：{related.message}")
        out.extend(_quote(text, related.span, width, "-"))
    for note in diagnostic.notes:
        out.append(f"  = 提示：{note}")
    return "\n".join(out)


def _quote(source: str, span: Span, width: int, mark: str) -> list[str]:
    """The span's line with `mark` under the spot (nothing past the end of the source)."""
    line = source_line(source, span.line)
    if line is None:
        return []
    start = min(max(span.column - 1, 0), len(line))
    if span.end_line == span.line and span.end_column > span.column:
        end = min(span.end_column - 1, len(line))
    else:
        end = min(start + 1, len(line))
    shown, pad, marked = _window(line, start, end)
    return [f" {str(span.line).rjust(width)} | {shown}", f" {' ' * width} | {' ' * pad}{mark * max(1, marked)}"]


def render_all(diagnostics: list[Diagnostic], filename: str, source: str, limit: int = MAX_SHOWN,
               others=None) -> list[str]:
    """Every diagnostic rendered, in order, up to `limit` of them; then one line
    counting the rest.  Errors are kept before warnings, so that a flood of
    warnings never hides an error."""
    errors = [d for d in diagnostics if d.is_error]
    warnings = [d for d in diagnostics if not d.is_error]
    kept = {id(d) for d in errors[:limit]} | {id(d) for d in warnings[: max(0, limit - len(errors))]}
    out = [render(d, filename, source, others) for d in diagnostics if id(d) in kept]
    hidden_errors = max(0, len(errors) - limit)
    hidden_warnings = len(warnings) - max(0, min(len(warnings), limit - len(errors)))
    if hidden_errors or hidden_warnings:
        parts = [f"{n} 个{what}" for n, what in ((hidden_errors, "错误"), (hidden_warnings, "警告")) if n]
        out.append(f"{filename}：另有 {'、'.join(parts)}未显示（每个文件最多显示 {limit} 条）")
    return out


def source_line(source: str, number: int) -> str | None:
    """Line `number` (from 1) of `source`, or None past its end.

    Only "\\n" ends a line, as for the parser's positions (a U+2028 or a lone
    "\\r" is a character of its line).  The line index is computed once per
    source, so a thousand diagnostics cost one pass over the text.
    """
    starts = _line_starts(source)
    if not 1 <= number < len(starts):
        return None
    return source[starts[number - 1] : starts[number] - 1]


@functools.lru_cache(maxsize=4)
def _line_starts(source: str) -> tuple[int, ...]:
    """Where each line begins, then one past the end of the last line."""
    ends = [m.start() for m in re.finditer("\n", source)]
    if source and not source.endswith("\n"):
        ends.append(len(source))
    return (0, *(end + 1 for end in ends))


def _window(line: str, start: int, end: int) -> tuple[str, int, int]:
    """The part of `line` to show around characters [start, end): the text,
    the columns before the mark and the columns of the mark.  A line wider
    than MAX_SOURCE_WIDTH is cut around the mark, the cuts shown as "…"."""
    if len(line) <= MAX_SOURCE_WIDTH and display_width(line) <= MAX_SOURCE_WIDTH:
        text = _printable(line)
        return text, display_width(text[:start]), display_width(text[start:end])
    budget = MAX_SOURCE_WIDTH - 2 * display_width(ELLIPSIS)
    # The mark itself takes at most two thirds of the room.
    used = 0
    stop = start
    while stop < end and (stop == start or used + _width(line[stop]) <= budget * 2 // 3):
        used += _width(line[stop])
        stop += 1
    first = start
    while first > 0 and start - first < budget and used + _width(line[first - 1]) <= budget // 3:
        first -= 1
        used += _width(line[first])
    last = stop
    while last < len(line) and used + _width(line[last]) <= budget:
        used += _width(line[last])
        last += 1
    while first > 0 and used + _width(line[first - 1]) <= budget:
        first -= 1
        used += _width(line[first])
    before = ELLIPSIS if first > 0 else ""
    after = ELLIPSIS if last < len(line) else ""
    text = _printable(line[first:last])
    pad = display_width(before) + display_width(text[: start - first])
    return before + text + after, pad, display_width(text[start - first : stop - first])


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _printable(line: str) -> str:
    # Control and format characters (bidirectional controls, zero-width
    # spaces, line separators) would corrupt the terminal or reorder the line:
    # show them as U+FFFD.  A tab is one space, so that the caret lines up.
    return "".join("\ufffd" if unicodedata.category(ch) in _HIDDEN and ch != "\t" else ch for ch in line).replace("\t", " ")


_HIDDEN = {"Cc", "Cf", "Zl", "Zp"}


@dataclass
class Diagnostics:
    """An ordered collection that every stage appends to."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, span: Span, *notes: str, related: tuple[Related, ...] = ()) -> None:
        self.items.append(Diagnostic(code, message, span, "error", tuple(notes), tuple(related)))

    def warning(self, code: str, message: str, span: Span, *notes: str, related: tuple[Related, ...] = ()) -> None:
        self.items.append(Diagnostic(code, message, span, "warning", tuple(notes), tuple(related)))

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.span.line, d.span.column, d.code))


class PolicyError(Exception):
    """Raised when a policy cannot be compiled; carries every diagnostic."""

    def __init__(self, filename: str, source: str, diagnostics: list[Diagnostic]):
        self.filename = filename
        self.source = source
        self.diagnostics = diagnostics
        super().__init__(self.report())

    def report(self) -> str:
        return "\n".join(render_all(self.diagnostics, self.filename, self.source))
