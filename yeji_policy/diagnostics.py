"""Diagnostics for drafters: a stable code, a Chinese message, a position, a caret.

Every stage reports problems as `Diagnostic` values instead of raising; the
CLI prints them in the form

    policies/x.policy:12:5: 错误 E0201: 未定义的输入项 "investmnt"，是否指 "investment"？
       12 |     金额 = 50% × investmnt
          |                  ^^^^^^^^^
"""

from __future__ import annotations

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
class Diagnostic:
    code: str
    message: str
    span: Span
    severity: str = "error"  # "error" or "warning"
    notes: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


SEVERITY_LABEL = {"error": "错误", "warning": "警告"}


def display_width(text: str) -> int:
    """Terminal columns taken by `text`: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render(diagnostic: Diagnostic, filename: str, source: str) -> str:
    """Format a diagnostic with its source line and a caret under the spot."""
    span = diagnostic.span
    label = SEVERITY_LABEL[diagnostic.severity]
    head = f"{filename}:{span.line}:{span.column}: {label} {diagnostic.code}: {diagnostic.message}"
    lines = source.splitlines()
    out = [head]
    if 1 <= span.line <= len(lines):
        text = _printable(lines[span.line - 1])
        gutter = str(span.line)
        pad = " " * len(gutter)
        before = text[: span.column - 1]
        if span.end_line == span.line and span.end_column > span.column:
            marked = text[span.column - 1 : span.end_column - 1]
        else:
            marked = text[span.column - 1 : span.column]
        carets = "^" * max(1, display_width(marked))
        out.append(f" {gutter} | {text}")
        out.append(f" {pad} | {' ' * display_width(before)}{carets}")
    for note in diagnostic.notes:
        out.append(f"  = 提示：{note}")
    return "\n".join(out)


def _printable(line: str) -> str:
    # Control characters would corrupt the terminal; show them as U+FFFD.
    return "".join("\ufffd" if unicodedata.category(ch) == "Cc" and ch != "\t" else ch for ch in line).replace("\t", " ")


@dataclass
class Diagnostics:
    """An ordered collection that every stage appends to."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, span: Span, *notes: str) -> None:
        self.items.append(Diagnostic(code, message, span, "error", tuple(notes)))

    def warning(self, code: str, message: str, span: Span, *notes: str) -> None:
        self.items.append(Diagnostic(code, message, span, "warning", tuple(notes)))

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
        return "\n".join(render(d, self.filename, self.source) for d in self.diagnostics)
