"""The language server (`yeji-policy lsp`): the drafter's tools inside an editor.

It speaks LSP over stdio (pygls) and is a view of the compiler's own pipeline,
with no parser of its own:

- diagnostics: `parser.parse` then `check.check_tree` — exactly what
  `yeji-policy check` reports (same codes, messages, spans; warnings
  included, figure traceability too);
- hover, go to definition, references, outline: the AST's spans (ast.py), with
  types and units from the checked model when the file has no errors;
- where a figure of a rule stands in its article: trace.figures_in;
- formatting: fmt.format_source, which refuses a file with errors and any
  layout that would change the policy's meaning;
- the checks across files (versions.check_across: a programme id defined in
  two policies, E0528; a 修订 link that is wrong, E0529): a document in a
  folder of the workspace is checked with the other `*.policy` files of its
  folder (their editor text where open, else the file on disk), read in name
  order as `yeji-policy check` reads policies/; a related place in another
  file is sent with that file's URI.

Positions: the pipeline counts lines and columns from 1 in code points; LSP
counts from 0 in the code units of the negotiated encoding (UTF-16 unless the
client offers another), so a CJK character is one unit and an emoji two.
Lines are split on "\\n" only, as the parser splits them; the editor's text is first
normalised as `check` reads a file (a leading BOM dropped, CRLF read as LF), and positions
are mapped back to the editor's text.

The analysis half (`Analysis`, `Index`, `complete`) is plain Python; pygls is
imported only by `serve()`, so that the rest of the command line starts fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import unquote as url_unquote
from urllib.parse import urlparse

from . import __version__
from . import ast as A
from . import check, parser, trace, versions
from . import keywords as keyword_table  # lsp.keywords() is the completion list
from . import model as M
from . import units as units_mod
from .diagnostics import Diagnostic, Span
from .headings import heading_length


# ---------------------------------------------------------------- positions
def units(text: str, encoding: str = "utf-16") -> int:
    """Length of `text` in the code units of an LSP position encoding."""
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def lsp_position(lines: list[str], line: int, column: int, encoding: str = "utf-16") -> tuple[int, int]:
    """A 1-based line/column in code points -> a 0-based LSP (line, character)."""
    if line < 1:
        return 0, 0
    if line > len(lines):
        return len(lines) - 1, units(lines[-1], encoding)
    text = lines[line - 1]
    return line - 1, units(text[: max(0, column - 1)], encoding)


def source_position(lines: list[str], line: int, character: int, encoding: str = "utf-16") -> tuple[int, int]:
    """A 0-based LSP (line, character) -> a 1-based line/column in code points."""
    if line >= len(lines):
        return len(lines), len(lines[-1]) + 1 if lines else 1
    count = 0
    for index, ch in enumerate(lines[line]):
        if count >= character:
            return line + 1, index + 1
        count += units(ch, encoding)
    return line + 1, len(lines[line]) + 1


def contains(span: Span, line: int, column: int) -> bool:
    """Whether the 1-based position lies in `span` (its end inclusive, so that the
    cursor just after a name still counts as on it)."""
    if (line, column) < (span.line, span.column):
        return False
    return (line, column) <= (span.end_line, span.end_column)


def path_of(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return url_unquote(parsed.path)
    return uri


# ---------------------------------------------------------------- the index

FUNCTIONS = tuple(check.FUNCTIONS)
# The units a literal may carry, then the compound rates the policy writes.
UNITS = ("%", *units_mod.UNITS, "元/人", "元/人/天", "元/平方米/月")


def keywords() -> list[str]:
    """The grammar's Chinese keywords, read from the parser's terminals (the grammar stays the one list)."""
    from lark.lexer import PatternStr

    return sorted({t.pattern.value for t in parser.policy_parser().terminals
                   if isinstance(t.pattern, PatternStr) and re.search(r"[\u4e00-\u9fff]", t.pattern.value)})


@dataclass(frozen=True)
class Occurrence:
    """A name in the source: what it refers to (`key`) and whether it declares it."""

    span: Span
    key: tuple
    is_def: bool


@dataclass(frozen=True)
class Figure:
    """A constant of a programme's rule, for hover: where it stands in the text."""

    literal: A.Quantity | A.Number
    programme: str
    article: int
    covered: bool  # an interpretation covers it


class Index:
    """Every name, article, figure and interpretation of a parsed policy, by position."""

    def __init__(self, module: A.Module):
        self.occurrences: list[Occurrence] = []
        self.figures: list[Figure] = []
        self.interps: list[A.Interp] = []
        self.chapters = [i for i in module.items if isinstance(i, A.Chapter)]
        self.articles: dict[int, A.Article] = {}
        self.programmes: dict[str, A.Programme] = {}
        self.tests: list[A.TestCase] = []
        self.fields: dict[str, dict[str, A.Field]] = {}  # programme -> field name -> field
        self.lets: dict[str, dict[str, A.Let]] = {}
        items = list(module.items) + [i for c in self.chapters for i in c.items]
        for item in items:
            if isinstance(item, A.Article):
                self.articles.setdefault(int(item.number), item)
                number = item.number
                self.add(Span(item.span.line, item.span.column, number.end_line or number.line,
                              number.end_column or number.column + len(number)), ("article", int(number)), True)
            elif isinstance(item, A.Programme):
                self.programmes.setdefault(item.id.value, item)
            elif isinstance(item, A.TestCase):
                self.tests.append(item)
            elif isinstance(item, A.CrossRule):  # rules across programmes (#22): the programmes they name
                for entry in item.entries:
                    if entry.kind == "programmes":
                        for name in (v for v in entry.values if isinstance(v, A.Name)):
                            self.add(name.span, ("programme", name.value))
        for programme in self.programmes.values():
            self._programme(programme)
        for test in self.tests:
            self._test(test)
        self._collect_interps(module)

    def add(self, span: Span, key: tuple, is_def: bool = False) -> None:
        self.occurrences.append(Occurrence(span, key, is_def))

    # -------------------------------------------------------- programmes
    def article_of(self, programme: A.Programme) -> int | None:
        for entry in programme.entries:
            if isinstance(entry, A.Entry) and entry.kind == "article" and entry.values:
                try:
                    return int(entry.values[0])
                except (TypeError, ValueError):
                    return None
        return None

    def _programme(self, programme: A.Programme) -> None:
        pid = programme.id.value
        self.add(programme.id.span, ("programme", pid), True)
        declared = self.fields.setdefault(pid, {})
        lets = self.lets.setdefault(pid, {})
        for entry in programme.entries:
            if isinstance(entry, A.Entry) and entry.kind == "inputs":
                for f in entry.values:
                    self._declare(pid, f, ("field", pid), declared)
            elif isinstance(entry, A.Entry) and entry.kind == "article":
                self.add(entry.span, ("article", int(entry.values[0])))
        for entry in programme.entries:
            if isinstance(entry, A.Let):
                lets.setdefault(entry.name.value, entry)
        article = self.article_of(programme)
        for entry in programme.entries:
            if isinstance(entry, A.Constraint):
                self._expr(entry.cond, pid, {})
                if entry.path.value in declared:
                    self.add(entry.path.span, ("field", pid, entry.path.value))
            elif isinstance(entry, (A.Require, A.Review, A.Let, A.Unique, A.AmountRule)):
                self._rule(entry, pid, {})
        if article is not None:
            try:
                self.figures += [Figure(lit, pid, article, covered)
                                 for lit, covered in trace.programme_figures(programme)]
            except (units_mod.UnitError, ArithmeticError):
                pass  # a literal with an unknown unit (E0301): no figure hovers in this programme until it is fixed

    def _declare(self, pid: str, f: A.Field, prefix: tuple, declared: dict) -> None:
        key = prefix + (f.name.value,)
        declared.setdefault(f.name.value, f)
        self.add(f.name.span, key, True)
        owner = ".".join(key[2:])
        for option in f.type.options:
            self.add(option.name.span, ("option", pid, owner, option.name.value), True)
        for sub in f.type.fields:
            self._declare(pid, sub, ("item", pid, f.name.value), {})

    def _rule(self, rule: object, pid: str, items: dict[str, str]) -> None:
        if isinstance(rule, A.Let):
            self.add(rule.name.span, ("let", pid, rule.name.value), True)
            self._expr(rule.expr, pid, items)
        elif isinstance(rule, (A.Require, A.Review)):
            self._expr(rule.cond, pid, items)
        elif isinstance(rule, A.Unique):
            self._expr(rule.key, pid, items)
        elif isinstance(rule, A.AmountRule):
            self._amount(rule.amount, pid, items)

    def _amount(self, amount: object, pid: str, items: dict[str, str]) -> None:
        if isinstance(amount, A.Formula):
            self._expr(amount.expr, pid, items)
            if amount.cap is not None:
                self._expr(amount.cap.limit, pid, items)
        elif isinstance(amount, A.Cases):
            for case in amount.cases:
                if case.cond is not None:
                    self._expr(case.cond, pid, items)
                if isinstance(case.outcome, A.Pay):
                    self._amount(case.outcome.amount, pid, items)
        elif isinstance(amount, (A.PerItem, A.ItemSum)):  # ItemSum: 令 x = 逐项 … (#22)
            name = amount.list_name.value
            self.add(amount.list_name.span, ("field", pid, name))
            inner = dict(items)
            inner[amount.var.value] = name
            for rule in amount.rules:
                self._rule(rule, pid, inner)
            if getattr(amount, "cap", None) is not None:  # 合计最高不超过: outside the items
                self._expr(amount.cap.limit, pid, items)

    def _enum_owner(self, node: object, pid: str, items: dict[str, str]) -> str | None:
        """The field whose options `node` takes: "kind" or "list.kind" for an item's field."""
        if isinstance(node, A.Ref) and node.name.value in self.fields.get(pid, {}):
            return node.name.value
        if isinstance(node, A.ItemRef) and node.var.value in items:
            return f"{items[node.var.value]}.{node.name.value}"
        return None

    def options_of(self, pid: str, owner: str) -> dict[str, str]:
        f = self.field_node(pid, owner)
        return {o.name.value: o.label.value for o in f.type.options} if f is not None else {}

    def field_node(self, pid: str, owner: str) -> A.Field | None:
        head, _, rest = owner.partition(".")
        f = self.fields.get(pid, {}).get(head)
        if f is not None and rest:
            f = next((s for s in f.type.fields if s.name.value == rest), None)
        return f

    def _expr(self, node: object, pid: str, items: dict[str, str]) -> None:
        if isinstance(node, A.ItemSum):
            self._amount(node, pid, items)
        elif isinstance(node, A.Ref):
            name = node.name.value
            if name in self.lets.get(pid, {}):
                self.add(node.name.span, ("let", pid, name))
            elif name in self.fields.get(pid, {}):
                self.add(node.name.span, ("field", pid, name))
        elif isinstance(node, A.ItemRef):
            if node.var.value in items:
                self.add(node.name.span, ("item", pid, items[node.var.value], node.name.value))
        elif isinstance(node, A.Member):
            self._expr(node.operand, pid, items)
            owner = self._enum_owner(node.operand, pid, items)
            for value in node.values:
                if owner is not None:
                    self.add(value.span, ("option", pid, owner, value.value))
        elif isinstance(node, A.Compare) and node.op in ("=", "!="):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                owner = self._enum_owner(other, pid, items)
                if (owner is not None and isinstance(side, A.Ref) and side.name.value not in self.fields.get(pid, {})
                        and side.name.value in self.options_of(pid, owner)):
                    self.add(side.name.span, ("option", pid, owner, side.name.value))
                else:
                    self._expr(side, pid, items)
        elif isinstance(node, A.Lookup):
            self._expr(node.subject, pid, items)
            owner = self._enum_owner(node.subject, pid, items)
            for choice in node.choices:
                for value in choice.values:
                    if owner is not None:
                        self.add(value.span, ("option", pid, owner, value.value))
                self._expr(choice.expr, pid, items)
        elif hasattr(node, "__dataclass_fields__"):
            for f in fields(node):
                value = getattr(node, f.name)
                for child in value if isinstance(value, tuple) else (value,):
                    if hasattr(child, "__dataclass_fields__") and not isinstance(child, (A.Name, A.Str, A.Interp)):
                        self._expr(child, pid, items)

    # -------------------------------------------------------- test cases and interpretations
    def _test(self, test: A.TestCase) -> None:
        pid = test.programme.value
        if pid not in self.programmes:
            return
        self.add(test.programme.span, ("programme", pid))
        self._values(test.inputs, pid, ("field", pid), "")

    def _values(self, value: A.Value, pid: str, prefix: tuple, owner: str) -> None:
        if value.kind == "object":
            for name, item in value.value:
                key = prefix + (name.value,)
                if self.field_node(pid, ".".join(key[2:])) is None:
                    continue
                self.add(name.span, key)
                self._values(item, pid, key, ".".join(key[2:]))
        elif value.kind == "list":
            for item in value.value:
                self._values(item, pid, ("item", pid, owner), owner)
        elif value.kind == "string" and owner and value.value in self.options_of(pid, owner):
            self.add(value.span, ("option", pid, owner, value.value))

    def _collect_interps(self, node: object) -> None:
        if isinstance(node, A.Interp):
            self.interps.append(node)
        elif isinstance(node, tuple):
            for item in node:
                self._collect_interps(item)
        elif hasattr(node, "__dataclass_fields__") and not isinstance(node, (A.Name, A.Str, A.Text)):
            for f in fields(node):
                if f.name != "span":
                    self._collect_interps(getattr(node, f.name))

    # -------------------------------------------------------- queries
    def at(self, line: int, column: int) -> Occurrence | None:
        """The innermost occurrence at a 1-based position."""
        hits = [o for o in self.occurrences if contains(o.span, line, column)]
        if not hits:
            return None
        return min(hits, key=lambda o: (o.span.end_line - o.span.line, o.span.end_column - o.span.column))

    def definitions(self, key: tuple) -> list[Occurrence]:
        return [o for o in self.occurrences if o.key == key and o.is_def]

    def def_span(self, key: tuple) -> Span | None:
        found = self.definitions(key)
        return found[0].span if found else None

    def references(self, key: tuple, include_declaration: bool = True) -> list[Occurrence]:
        return [o for o in self.occurrences if o.key == key and (include_declaration or not o.is_def)]

    def programme_at(self, line: int) -> str | None:
        for pid, programme in self.programmes.items():
            if programme.span.line <= line <= programme.span.end_line:
                return pid
        return None


# ---------------------------------------------------------------- one analysis of one text
def normalise(source: str) -> tuple[str, bool]:
    """The editor's text as `yeji-policy check` reads the same file (check.decode): a byte
    order mark at the start dropped, CRLF line ends read as LF.  Returns (text, had a BOM)."""
    return check.normalise_text(source), source.startswith("\ufeff")


class Analysis:
    """One version of a document, run through the pipeline once.

    `source` is the text the editor holds; `text` and `lines` are what the pipeline reads
    (normalise).  Positions map between the two with `to_lsp` / `from_lsp`: a dropped "\r"
    stood at the end of its line, so it moves nothing, and a dropped BOM shifts line 0 only."""

    def __init__(self, source: str, filename: str):
        self.source = source
        self.filename = filename
        self.text, self.bom = normalise(source)
        self.lines = self.text.split("\n")
        self.tree, self.diagnostics = parser.parse(self.text)
        self.policy: M.Policy | None = None
        if self.tree is not None:
            self.policy, self.diagnostics = check.check_tree(self.tree, self.text, filename)
        self._index: Index | None = None
        self._module: A.Module | None = None

    def to_lsp(self, line: int, column: int, encoding: str = "utf-16") -> tuple[int, int]:
        """A 1-based line/column of the pipeline's text -> an LSP position in the editor's text."""
        row, character = lsp_position(self.lines, line, column, encoding)
        return row, character + (units("\ufeff", encoding) if self.bom and row == 0 else 0)

    def from_lsp(self, row: int, character: int, encoding: str = "utf-16") -> tuple[int, int]:
        """An LSP position in the editor's text -> a 1-based line/column of the pipeline's text."""
        if self.bom and row == 0:
            character = max(0, character - units("\ufeff", encoding))
        return source_position(self.lines, row, character, encoding)

    @property
    def module(self) -> A.Module | None:
        if self._module is None and self.tree is not None:
            try:
                self._module = A.build(self.tree)
            except Exception:  # noqa: BLE001 - a tree the checker already refused (E0002); no index then
                self._module = None
        return self._module

    @property
    def index(self) -> Index | None:
        """Built on first use, not on every keystroke: diagnostics do not need it."""
        if self._index is None and self.module is not None:
            self._index = Index(self.module)
        return self._index


# ---------------------------------------------------------------- hover
def hover(analysis: Analysis, line: int, column: int) -> tuple[str, Span] | None:
    """Markdown for the thing at a 1-based position, and the span it covers."""
    index = analysis.index
    if index is None:
        return None
    occurrence = index.at(line, column)
    if occurrence is not None:
        text = _describe(analysis, index, occurrence.key)
        if text:
            return text, occurrence.span
    for figure in index.figures:
        if contains(figure.literal.span, line, column):
            return _figure_hover(index, figure), figure.literal.span
    for interp in index.interps:
        if contains(interp.span, line, column):
            return _interp_hover(analysis, interp), interp.span
    return None


def _model_field(policy: M.Policy | None, pid: str, owner: str) -> M.Field | None:
    if policy is None:
        return None
    programme = next((p for p in policy.programmes if p.id == pid), None)
    if programme is None:
        return None
    head, _, rest = owner.partition(".")
    f = next((f for f in programme.fields if f.name == head), None)
    if f is not None and rest:
        f = next((s for s in f.item_fields if s.name == rest), None)
    return f


def _programme_line(index: Index, pid: str) -> str:
    programme = index.programmes[pid]
    article = index.article_of(programme)
    where = f"第{article}条，" if article is not None else ""
    return f"`{pid}`（{where}{programme.name.value}）"


def _describe(analysis: Analysis, index: Index, key: tuple) -> str | None:
    kind = key[0]
    if kind == "article":
        article = index.articles.get(key[1])
        if article is None:
            return None
        quoted = "\n".join(f"> {line}" for line in article.text.lines)
        return f"**第{key[1]}条 {article.title.value}**\n\n{quoted}"
    if kind == "programme":
        return f"**项目** {_programme_line(index, key[1])}"
    if kind in ("field", "item"):
        pid = key[1]
        owner = ".".join(key[2:])
        node = index.field_node(pid, owner)
        if node is None:
            return None
        model = _model_field(analysis.policy, pid, owner)
        kind_label = keyword_table.TYPES.get(node.type.kind, node.type.kind)
        unit = model.unit if model is not None else (str(node.type.unit) if node.type.unit else
                                                    "元" if node.type.kind == "money" else None)
        lines = [f"**{node.name.value}**：{node.label.value}", "",
                 f"类型：{kind_label}" + (f"，单位：{unit}" if unit else "")]
        helps = [o.value.value for o in node.options if o.kind == "help" and isinstance(o.value, A.Str)]
        if helps:
            lines += ["", f"说明：{helps[0]}"]
        if node.type.options:
            lines += ["", "选项：" + "；".join(f"`{o.name.value}` {o.label.value}" for o in node.type.options)]
        if model is not None and model.interpretation is not None:
            lines += ["", f"解释：{model.interpretation.note}"]
        if kind == "item":
            lines += ["", f"列表 `{key[2]}` 中每一项的字段"]
        users = [p for p, declared in index.fields.items() if key[2] in declared]
        if kind == "field" and users:
            lines += ["", "使用此输入项的项目：" + "；".join(_programme_line(index, p) for p in users)]
        return "\n".join(lines)
    if kind == "let":
        let = index.lets.get(key[1], {}).get(key[2])
        if let is None:
            return None
        text = f"**{let.name.value}**：{let.label.value}\n\n项目 {_programme_line(index, key[1])} 中的计算步骤（令）"
        if let.interp is not None:
            text += f"\n\n解释：{let.interp.note}"
        return text
    if kind == "option":
        options = index.options_of(key[1], key[2])
        if key[3] not in options:
            return None
        node = index.field_node(key[1], key[2])
        return f"**{key[3]}**：{options[key[3]]}\n\n输入项 `{key[2]}`（{node.label.value}）的选项"
    return None


def _figure_hover(index: Index, figure: Figure) -> str:
    article = index.articles.get(figure.article)
    key = trace.literal_key(figure.literal)
    places: list[str] = []
    if article is not None:
        for number, line in enumerate(article.text.lines):
            skip = heading_length(line) if number == 0 else 0
            for found in trace.figures_in(line, skip):
                if key in found.keys:
                    start, end = max(0, found.start - 20), min(len(line), found.end + 12)
                    places.append(("…" if start else "") + line[start:found.start] + f"**{found.text}**"
                                  + line[found.end:end] + ("…" if end < len(line) else ""))
    head = f"数字 `{figure.literal.text}`"
    if places:
        return f"{head}：第{figure.article}条原文中的\n\n" + "\n\n".join(f"> {p}" for p in places)
    note = "，由解释说明" if figure.covered else ""
    return f"{head}：不见于第{figure.article}条原文（起草人的理解{note}）"


def _interp_hover(analysis: Analysis, interp: A.Interp) -> str:
    model = None
    if analysis.policy is not None:
        model = next((i for i in analysis.policy.interpretations if i.span == interp.span), None)
    if model is None:
        return f"**解释**\n\n{interp.note}"
    where = f"第{model.article}条" + (f"，项目 `{model.programme}`" if model.programme else "")
    return f"**解释**：{model.subject}（{where}）\n\n{model.note}"


# ---------------------------------------------------------------- outline
@dataclass
class Symbol:
    name: str
    detail: str
    kind: str  # namespace, module, class, field, variable, event
    span: Span
    selection: Span
    children: list["Symbol"]


def _union(spans: list[Span]) -> Span:
    first = min(spans, key=lambda s: (s.line, s.column))
    last = max(spans, key=lambda s: (s.end_line, s.end_column))
    return Span(first.line, first.column, last.end_line, last.end_column)


def outline(index: Index) -> list[Symbol]:
    """Chapters -> articles -> the programmes citing them (with their inputs and steps, and test cases)."""
    def programme_symbol(pid: str) -> Symbol:
        p = index.programmes[pid]
        children = [Symbol(name, f.label.value, "field", f.span, f.name.span, [])
                    for name, f in index.fields.get(pid, {}).items()]
        children += [Symbol(name, let.label.value, "variable", let.span, let.name.span, [])
                     for name, let in index.lets.get(pid, {}).items()]
        children += [Symbol(t.name.value, "测试", "event", t.span, t.name.span, [])
                     for t in index.tests if t.programme.value == pid]
        span = _union([p.span] + [c.span for c in children])
        return Symbol(pid, p.name.value, "class", span, p.id.span, children)

    by_article: dict[int, list[str]] = {}
    loose: list[str] = []
    for pid, p in index.programmes.items():
        number = index.article_of(p)
        (by_article.setdefault(number, []) if number in index.articles else loose).append(pid)
    placed: set[int] = set()
    result: list[Symbol] = []
    for chapter in index.chapters:
        articles = []
        for item in chapter.items:
            if isinstance(item, A.Article) and int(item.number) not in placed:
                number = int(item.number)
                placed.add(number)
                children = [programme_symbol(pid) for pid in by_article.get(number, [])]
                span = _union([item.span] + [c.span for c in children])
                articles.append(Symbol(f"第{number}条", item.title.value, "module", span,
                                       index.def_span(("article", number)) or item.span, children))
        span = _union([chapter.span] + [a.span for a in articles])
        title_span = Span(chapter.span.line, chapter.span.column, chapter.title.span.end_line,
                          chapter.title.span.end_column)
        result.append(Symbol(f"第{chapter.numeral}章", chapter.title.value, "namespace", span, title_span, articles))
    result += [programme_symbol(pid) for pid in loose]
    return result


# ---------------------------------------------------------------- completion
@dataclass(frozen=True)
class Completion:
    label: str
    kind: str  # field, variable, option, keyword, unit, function, programme, article
    detail: str = ""


_NAME_TAIL = r"[A-Za-z_][A-Za-z0-9_]*"
_MEMBER = re.compile(rf"({_NAME_TAIL}(?:\.{_NAME_TAIL})?)\s*属于\s*\{{[^}}]*$")
_ITEM = re.compile(rf"({_NAME_TAIL})\.[A-Za-z0-9_]*$")
_TEST_PROGRAMME = re.compile(r"^\s*项目\s+([A-Za-z0-9_]+\s*,\s*)*[A-Za-z0-9_]*$")  # also a rule's list (#22)
_ARTICLE = re.compile(r"条款\s+[0-9]*$")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?[\u4e00-\u9fff%/]*$")
_EXPRESSION = re.compile(
    r"(=|×|\*|\+|-|\(|,|若|则|否则|要求|审核|校验|最高不超过|且|或|非|分档|按|≥|≤|>|<|≠|:)\s*[A-Za-z0-9_]*$")
_HEADER = re.compile(rf"^\s*项目\s+({_NAME_TAIL})\s+\"")


def complete(current: Analysis, good: Analysis | None, line: int, column: int,
             triggered: bool = False) -> list[Completion]:
    """Completions at a 1-based position of `current`; `good` is the latest version that parsed,
    whose names are offered while the text being typed does not parse."""
    lines = current.lines
    prefix = lines[line - 1][: column - 1] if 1 <= line <= len(lines) else ""
    index = current.index or _index_without_line(lines, line) or (good.index if good is not None else None)
    pid = _enclosing_programme(lines, line)
    if index is None:
        return [] if triggered else _keywords()
    if (match := _MEMBER.search(prefix)) is not None:
        owner = match.group(1)
        owner = _item_owner(lines, line, owner) if "." in owner else owner
        if pid is None or owner is None:
            return []
        return [Completion(o, "option", label) for o, label in index.options_of(pid, owner).items()]
    if (match := _ITEM.search(prefix)) is not None and pid is not None:
        owner = _item_owner(lines, line, match.group(1) + ".x")
        node = index.field_node(pid, owner.split(".")[0]) if owner else None
        return [Completion(f.name.value, "field", f.label.value) for f in node.type.fields] if node else []
    if _TEST_PROGRAMME.search(prefix):
        return [Completion(p, "programme", node.name.value) for p, node in index.programmes.items()]
    if _ARTICLE.search(prefix):
        return [Completion(str(n), "article", a.title.value) for n, a in index.articles.items()]
    if _NUMBER.search(prefix):
        return [Completion(u, "unit") for u in UNITS]
    names = _names(index, pid)
    if _EXPRESSION.search(prefix):
        return names + [Completion(f, "function") for f in FUNCTIONS] + [  # the dates a rule may name (#22)
            Completion(keyword_table.DATES[d], "keyword") for d in ("application_date", "effective_date")]
    if triggered:
        return []
    return names + _keywords()


def _index_without_line(lines: list[str], line: int) -> Index | None:
    """The index of the text less the line being typed, which is what usually keeps it from parsing."""
    tree, _ = parser.parse("\n".join(lines[: line - 1] + [""] + lines[line:]))
    try:
        return Index(A.build(tree)) if tree is not None else None
    except Exception:  # noqa: BLE001 - a tree the checker would refuse; the last good version serves then
        return None


def _keywords() -> list[Completion]:
    return [Completion(k, "keyword") for k in keywords()]


def _names(index: Index, pid: str | None) -> list[Completion]:
    if pid is None:
        return []
    return ([Completion(name, "field", f.label.value) for name, f in index.fields.get(pid, {}).items()]
            + [Completion(name, "variable", let.label.value) for name, let in index.lets.get(pid, {}).items()])


def _enclosing_programme(lines: list[str], line: int) -> str | None:
    """The programme whose header is the nearest above the line (read from the current text,
    which may not parse while it is being typed)."""
    for number in range(min(line, len(lines)) - 1, -1, -1):
        text = lines[number]
        if (match := _HEADER.match(text)) is not None:
            return match.group(1)
        if re.match(r"^\s*(测试|章|条)\s", text):
            return None
    return None


def _item_owner(lines: list[str], line: int, ref: str) -> str | None:
    """`s.kind` -> "stations.kind": the list that the nearest `逐项 stations 为 s` above walks."""
    var, _, name = ref.partition(".")
    pattern = re.compile(rf"逐项\s+({_NAME_TAIL})\s+为\s+{re.escape(var)}\b")
    for number in range(min(line, len(lines)) - 1, -1, -1):
        if (match := pattern.search(lines[number])) is not None:
            return f"{match.group(1)}.{name}"
    return None


# ---------------------------------------------------------------- formatting
def format_edit(source: str, filename: str) -> tuple[str | None, str | None]:
    """(the formatted text, None), (None, None) when already formatted, or (None, why it was refused).

    The text is what `yeji-policy fmt` writes for the same file: LF line ends and no BOM, so
    a CRLF or BOM document is not yet formatted."""
    from . import fmt

    try:
        formatted = fmt.format_source(normalise(source)[0], filename)
    except fmt.FormatError as exc:
        return None, str(exc)
    return (None, None) if formatted == source else (formatted, None)


# ---------------------------------------------------------------- checks across files
def across_files(analysis: Analysis, siblings: dict[str, Analysis]) -> list[Diagnostic]:
    """The diagnostics of the checks across files for this document, with the other policies of
    its folder (siblings: file name -> analysis); a file that does not check takes no part, as
    `check` stops at it first.  Files are read in name order, as `yeji-policy check` reads them."""
    if analysis.policy is None:
        return []
    everyone = dict(siblings)
    everyone[analysis.policy.source_file] = analysis
    policies = [everyone[name].policy for name in sorted(everyone) if everyone[name].policy is not None]
    return versions.check_across(policies).get(analysis.policy.source_file, [])


def within(folder: str, roots: list[str]) -> bool:
    """Whether a folder is one of the workspace's roots or lies inside one."""
    here = Path(folder)
    return any(here == Path(root) or Path(root) in here.parents for root in roots)


# ---------------------------------------------------------------- the server
BURST = 0.05  # seconds: changes closer than this are one burst, checked once it ends


def serve() -> None:  # pragma: no cover - run as a subprocess by tests/test_lsp.py
    """Run the language server on stdin/stdout until the client says exit."""
    build_server().start_io()


# What a client is told when a message cannot be served: Chinese, and no Python inside.
PARSE_ERROR = "收到的消息不是合法的 JSON，已忽略"
INVALID_PARAMS = "请求的参数不符合 LSP 规范，已忽略"
INTERNAL_ERROR = "yeji-policy 语言服务器处理此请求时出错（详情见服务器日志）"
NOTIFICATION_ERROR = "yeji-policy 语言服务器处理一条通知时出错（详情见服务器日志）"


def build_server():
    import asyncio
    import json
    import logging

    from lsprotocol import types as T
    from pygls.exceptions import (FeatureNotificationError, FeatureRequestError, JsonRpcException,
                                  JsonRpcInternalError, JsonRpcInvalidParams)
    from pygls.lsp.server import LanguageServer
    from pygls.protocol import LanguageServerProtocol

    class Protocol(LanguageServerProtocol):
        """pygls' protocol, with the errors a client sees made plain (JSON-RPC codes, Chinese text)."""

        def structure_message(self, data):
            try:
                return super().structure_message(data)
            except JsonRpcException as exc:
                # remember which request could not be read, so that it can still be answered
                if isinstance(data, dict) and "method" in data and "id" in data:
                    exc.request_id = data["id"]
                raise

        def _send_response(self, msg_id, result=None, error=None):
            if error is not None and error.code == JsonRpcInternalError.CODE:
                # pygls puts the exception's English text and its traceback here; the log keeps them
                error = T.ResponseError(code=error.code, message=INTERNAL_ERROR)
            super()._send_response(msg_id, result, error)

    class Server(LanguageServer):
        def report_server_error(self, error, source):
            """Out-of-band errors: a message that could not be read is answered per JSON-RPC
            (pygls' default shows "Error in server: …" in English and stops its thread pool)."""
            if source is FeatureRequestError:
                return  # already answered by the request's own error response
            if isinstance(error, (json.JSONDecodeError, UnicodeDecodeError)):
                self.protocol._send_data({"jsonrpc": "2.0", "id": None,
                                          "error": {"code": -32700, "message": PARSE_ERROR}})
            elif isinstance(error, JsonRpcException) and hasattr(error, "request_id"):
                code = JsonRpcInvalidParams.CODE if isinstance(error, JsonRpcInvalidParams) else error.code
                self.protocol._send_data({"jsonrpc": "2.0", "id": error.request_id, "error": {
                    "code": code, "message": INVALID_PARAMS if code == JsonRpcInvalidParams.CODE else INTERNAL_ERROR}})
            elif source is FeatureNotificationError:
                self.window_show_message(T.ShowMessageParams(T.MessageType.Error, NOTIFICATION_ERROR))
            # else: a notification that could not be read; JSON-RPC answers no notification

    # pygls logs every unreadable message with its traceback, which the answer above makes noise;
    # a handler's own failure keeps its traceback in the log (INTERNAL_ERROR points there).
    for name, unreadable in (("pygls.server", "Unable to handle message"),
                             ("pygls.protocol.json_rpc", "Unable to deserialize message")):
        logging.getLogger(name).addFilter(lambda record, text=unreadable: not str(record.msg).startswith(text))
    server = Server("yeji-policy", __version__, text_document_sync_kind=T.TextDocumentSyncKind.Full,
                    protocol_cls=Protocol)
    current: dict[str, Analysis] = {}
    good: dict[str, Analysis] = {}
    on_disk: dict[str, tuple[tuple[int, int], Analysis]] = {}  # path -> (mtime, size), its analysis
    pending: dict[str, asyncio.Task] = {}
    last_change: dict[str, float] = {}

    def encoding() -> str:
        negotiated = server.workspace.position_encoding or "utf-16"
        return str(getattr(negotiated, "value", negotiated))

    def lsp_range(analysis: Analysis, span: Span):
        enc = encoding()
        start = analysis.to_lsp(span.line, span.column, enc)
        end = analysis.to_lsp(span.end_line, span.end_column, enc)
        return T.Range(T.Position(*start), T.Position(*end))

    def opened(uri: str):
        """The client's open document; None for one it has not opened (pygls's get_text_document
        would read it from disk, or fail with a traceback when there is no such file)."""
        return server.workspace.text_documents.get(url_unquote(uri))

    def text_of(uri: str) -> str | None:
        document = opened(uri)
        return document.source if document is not None else None

    def analysis_of(uri: str) -> Analysis | None:
        """The analysis of the document's current text (analysed now if a check is still pending)."""
        text = text_of(uri)
        if text is None:
            return None
        found = current.get(uri)
        if found is None or found.source != text:
            found = analyse(uri, text)
        return found

    def analyse(uri: str, text: str) -> Analysis:
        analysis = Analysis(text, path_of(uri))
        current[uri] = analysis
        if analysis.tree is not None:
            good[uri] = analysis
        return analysis

    def roots() -> list[str]:
        found = [server.workspace.root_path] if server.workspace.root_path else []
        return found + [path_of(folder.uri) for folder in server.workspace.folders.values()]

    def open_in(folder: Path) -> dict[str, str]:
        """file name -> URI of every open policy document in this folder."""
        found = {}
        for uri in list(server.workspace.text_documents):
            path = Path(path_of(uri))
            if path.parent == folder and path.suffix == ".policy":
                found[path.name] = uri
        return found

    def from_disk(path: Path) -> Analysis | None:
        """A policy file that is not open, as `check` reads it (checked again only when it changed)."""
        try:
            stat = path.stat()
            key = (stat.st_mtime_ns, stat.st_size)
            cached = on_disk.get(str(path))
            if cached is None or cached[0] != key:
                text = check.decode(path.read_bytes())[0]
                if text is None:
                    return None
                on_disk[str(path)] = cached = (key, Analysis(text, str(path)))
        except OSError:
            return None
        return cached[1]

    def siblings(uri: str) -> dict[str, tuple[str, Analysis]]:
        """The other policies of the document's folder (a workspace folder or inside one): file name ->
        (URI, analysis), the editor's text where open; none outside the workspace."""
        path = Path(path_of(uri))
        if not path.is_absolute() or not within(str(path.parent), roots()):
            return {}
        opened_here = open_in(path.parent)
        found = {}
        for other in sorted(path.parent.glob("*.policy")) + [path.parent / n for n in sorted(opened_here)]:
            if other.name == path.name or other.name in found:
                continue
            other_uri = opened_here.get(other.name)
            analysis = analysis_of(other_uri) if other_uri is not None else from_disk(other)
            if analysis is not None:
                found[other.name] = (other_uri or other.as_uri(), analysis)
        return found

    def to_lsp(analysis: Analysis, uri: str, d: Diagnostic, others: dict | None = None):
        where = lsp_range(analysis, d.span)

        def location(r):
            if r.file is not None and r.file in (others or {}):
                other_uri, other = others[r.file]
                return T.Location(other_uri, lsp_range(other, r.span))
            return T.Location(uri, lsp_range(analysis, r.span))
        return T.Diagnostic(
            range=where, message=d.message, code=d.code, source="yeji-policy",
            severity=T.DiagnosticSeverity.Error if d.is_error else T.DiagnosticSeverity.Warning,
            related_information=[T.DiagnosticRelatedInformation(location(r), r.message) for r in d.related]
            + [T.DiagnosticRelatedInformation(T.Location(uri, where), f"提示：{n}") for n in d.notes] or None)

    def publish(uri: str, version: int | None) -> None:
        analysis = analysis_of(uri)
        if analysis is None:
            return  # closed meanwhile
        others = siblings(uri) if analysis.policy is not None else {}
        found = across_files(analysis, {name: a for name, (_, a) in others.items()})
        server.text_document_publish_diagnostics(T.PublishDiagnosticsParams(
            uri=uri, version=version,
            diagnostics=[to_lsp(analysis, uri, d, others) for d in analysis.diagnostics + found]))

    async def check_soon(uri: str, delay: float) -> None:
        await asyncio.sleep(delay)
        pending.pop(uri, None)
        document = opened(uri)
        if document is not None:
            publish(uri, document.version)
            # the other open policies of its folder are checked against this text too
            path = Path(path_of(uri))
            if path.is_absolute() and within(str(path.parent), roots()):
                for other_uri in open_in(path.parent).values():
                    other = opened(other_uri)
                    if other_uri != uri and other is not None and other_uri not in pending:
                        publish(other_uri, other.version)

    def schedule(uri: str) -> None:
        """Check the document on the loop's next turn; during a burst of changes, once they stop.

        Changes that come while a check runs wait in the pipe and are then read back to back:
        less than BURST apart.  Those are debounced, so that only the latest text is checked;
        a change typed after a pause is checked at once, with no delay added."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        burst = now - last_change.get(uri, float("-inf")) < BURST
        last_change[uri] = now
        task = pending.get(uri)
        if task is not None:
            if not burst:
                return
            task.cancel()
        pending[uri] = loop.create_task(check_soon(uri, BURST if burst else 0))

    @server.feature(T.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls, params: T.DidOpenTextDocumentParams) -> None:
        schedule(params.text_document.uri)

    @server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls, params: T.DidChangeTextDocumentParams) -> None:
        schedule(params.text_document.uri)

    @server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls, params: T.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        current.pop(uri, None)
        good.pop(uri, None)
        last_change.pop(uri, None)
        if uri in pending:
            pending.pop(uri).cancel()
        server.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def position(analysis: Analysis, pos) -> tuple[int, int]:
        return analysis.from_lsp(pos.line, pos.character, encoding())

    @server.feature(T.TEXT_DOCUMENT_HOVER)
    def on_hover(ls, params: T.HoverParams):
        analysis = analysis_of(params.text_document.uri)
        if analysis is None:
            return None
        found = hover(analysis, *position(analysis, params.position))
        if found is None:
            return None
        text, span = found
        return T.Hover(T.MarkupContent(T.MarkupKind.Markdown, text), lsp_range(analysis, span))

    def locations(params, occurrences):
        """The locations of `occurrences(index, key)` for the name at the request's position."""
        analysis = analysis_of(params.text_document.uri)
        if analysis is None or analysis.index is None:
            return None
        occurrence = analysis.index.at(*position(analysis, params.position))
        if occurrence is None:
            return None
        return [T.Location(params.text_document.uri, lsp_range(analysis, o.span))
                for o in occurrences(analysis.index, occurrence.key)]

    @server.feature(T.TEXT_DOCUMENT_DEFINITION)
    def on_definition(ls, params: T.DefinitionParams):
        return locations(params, Index.definitions) or None

    @server.feature(T.TEXT_DOCUMENT_REFERENCES)
    def on_references(ls, params: T.ReferenceParams):
        return locations(params, lambda index, key: index.references(key, params.context.include_declaration))

    symbol_kinds = {"namespace": T.SymbolKind.Namespace, "module": T.SymbolKind.Module, "class": T.SymbolKind.Class,
                    "field": T.SymbolKind.Field, "variable": T.SymbolKind.Variable, "event": T.SymbolKind.Event}

    @server.feature(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def on_symbols(ls, params: T.DocumentSymbolParams):
        analysis = analysis_of(params.text_document.uri)
        if analysis is None or analysis.index is None:
            return []

        def convert(symbol: Symbol):
            return T.DocumentSymbol(
                name=symbol.name, detail=symbol.detail, kind=symbol_kinds[symbol.kind],
                range=lsp_range(analysis, symbol.span), selection_range=lsp_range(analysis, symbol.selection),
                children=[convert(c) for c in symbol.children])

        return [convert(s) for s in outline(analysis.index)]

    completion_kinds = {"field": T.CompletionItemKind.Field, "variable": T.CompletionItemKind.Variable,
                        "option": T.CompletionItemKind.EnumMember, "keyword": T.CompletionItemKind.Keyword,
                        "unit": T.CompletionItemKind.Unit, "function": T.CompletionItemKind.Function,
                        "programme": T.CompletionItemKind.Module, "article": T.CompletionItemKind.Reference}

    @server.feature(T.TEXT_DOCUMENT_COMPLETION,
                    T.CompletionOptions(trigger_characters=[".", "{", ",", " ", "="]))
    def on_completion(ls, params: T.CompletionParams):
        uri = params.text_document.uri
        analysis = analysis_of(uri)
        if analysis is None:
            return None
        triggered = params.context is not None and params.context.trigger_kind == T.CompletionTriggerKind.TriggerCharacter
        items = complete(analysis, good.get(uri), *position(analysis, params.position), triggered=triggered)
        return T.CompletionList(is_incomplete=False, items=[
            T.CompletionItem(label=c.label, kind=completion_kinds[c.kind], detail=c.detail or None,
                             sort_text=f"{'0' if c.kind in ('field', 'variable', 'option') else '1'}{n:04d}")
            for n, c in enumerate(items)])

    @server.feature(T.TEXT_DOCUMENT_FORMATTING)
    def on_formatting(ls, params: T.DocumentFormattingParams):
        uri = params.text_document.uri
        text = text_of(uri)
        if text is None:
            return []
        formatted, refused = format_edit(text, path_of(uri))
        if refused is not None:
            server.window_show_message(T.ShowMessageParams(T.MessageType.Warning, f"未格式化：{refused}"))
            return []
        if formatted is None:
            return []
        lines = text.split("\n")
        end = T.Position(len(lines) - 1, units(lines[-1], encoding()))
        return [T.TextEdit(T.Range(T.Position(0, 0), end), formatted)]

    return server
