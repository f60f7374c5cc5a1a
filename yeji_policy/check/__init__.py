"""The checker: AST -> checked model, collecting every diagnostic in one run.

It never stops at the first problem: a drafter sees all of them at once.
`check_tree` runs the passes in this order, each a module of this package:

    source           the text: invisible characters, bad escapes, the file's name
    structure        the document block, chapters, articles, each programme's entries
    names            each programme's inputs declared; every name resolved (with the next pass)
    types_and_units  rules and expressions typed, units checked, nesting and precision bounded
    tables           tier tables and 按 lookups (called by types_and_units where they occur)
    sums             the sum's own cap, 合计最高不超过 (called by types_and_units, #22)
    names            across programmes: one input name, one input (E0213)
    embedded_tests   test cases converted into applications and checked against the forms
    traceability     every figure traced to the original text (only when all else is right)

`context` holds what they share (the diagnostics, the interpretations, the
suggestions for misspelt names), `literals` reads numbers with units.  The
entry points others import (`load`, `decode`, `normalise_text`,
`check_source`, `check_tree`, `policy_id`) are here.
"""

from __future__ import annotations

import hashlib
from decimal import InvalidOperation
from pathlib import Path

from .. import ast as A
from .. import model as M
from .. import clauses, parser, policy_dates
from ..diagnostics import Diagnostic, Span
from . import cross
from .context import SUGGEST_POOL, Context, closest
from .embedded_tests import STATUS_IDS, EmbeddedTestsPass
from .names import NamesPass, Scope
from .source import SourcePass, policy_id
from ..headings import chinese_numeral
from .structure import MAX_ARTICLE, StructurePass
from .traceability import traceability
from .dates import APPLICATION_DATE, DatesPass
from .types_and_units import FUNCTIONS, MAX_NESTING, TypesPass

# Kept under their former names for the tests and tools that use them.
_closest = closest
_chinese_numeral = chinese_numeral

__all__ = ["FUNCTIONS", "MAX_ARTICLE", "MAX_NESTING", "STATUS_IDS", "SUGGEST_POOL", "check_source", "check_tree",
           "decode", "load", "normalise_text", "policy_id"]


def _excerpt_at(excerpt: str | None, text: str) -> tuple[int, int] | None:
    """Where a programme's 摘录 stands in its article's verbatim text (character offsets, end exclusive)."""
    start = text.find(excerpt) if excerpt else -1
    return None if start < 0 else (start, start + len(excerpt))


def run(ctx: Context, tree) -> M.Policy | None:
    """Every pass in order over one parse tree; the policy, or None when any pass found an error."""
    source = SourcePass(ctx)
    source.run(tree)
    module = A.build(tree)
    source.file_name()
    structure = StructurePass(ctx)
    outline = structure.run(module)
    clauses.check_ids([i for c in module.items if isinstance(c, A.Chapter) for i in c.items if isinstance(i, A.Article)],
                      ctx.diags)
    names = NamesPass(ctx)
    types = TypesPass(ctx, names)
    types.dates = DatesPass(ctx, module)

    programmes: list[M.Programme] = []
    for p in outline.programmes:
        fields = names.fields(p.entries["inputs"].values, p.article, p.id) if "inputs" in p.entries else []
        scope = Scope(p.id, p.article, {f.name: f for f in fields})
        constraints = types.constraints(p.constraints, scope)
        rules, amount = types.rules(p.rules, scope, p.node.id.span, top_level=True)
        names.unused(fields, scope.used)
        fields += [scope.fields[APPLICATION_DATE]] if APPLICATION_DATE in scope.fields and not any(
            f.name == APPLICATION_DATE for f in fields) else []  # 申请日期 used in a rule: the form asks for it
        if p.missing or amount is None or p.article not in outline.articles:
            continue
        details, materials, wording = structure.details(p)
        programme = M.Programme(p.id, p.node.name.value, p.article, p.excerpt, p.applicant, p.funding, p.payment,
                                tuple(fields), tuple(constraints), tuple(rules), amount, p.node.span,
                                details, materials, wording, _excerpt_at(p.excerpt, outline.articles[p.article].text))
        types.precision(programme)
        programmes.append(programme)

    programmes, cross_rules = cross.check(ctx, module, outline.articles, programmes, outline.declared)  # #22
    names.same_fields(programmes)
    tests = EmbeddedTestsPass(ctx).run(outline.tests, {p.id: p for p in programmes}, outline.declared)

    articles = [
        M.Article(a.number, a.title, a.text, a.chapter, a.measures,
                  tuple(p.id for p in programmes if p.article == a.number))
        for a in sorted(outline.articles.values(), key=lambda a: a.number)
    ]
    document = policy_dates.apply(module, outline.document, programmes, ctx.error)  # dates of effect
    if ctx.diags.has_errors or document is None:
        return None
    traceability(ctx, module)
    if ctx.diags.has_errors:
        return None
    ctx.interpretations.sort(key=lambda i: (i.span.line, i.span.column))
    return M.Policy(
        id=policy_id(ctx.filename),
        source_file=Path(ctx.filename).name,
        content_hash=hashlib.sha256(ctx.source.encode("utf-8")).hexdigest(),
        document=document,
        chapters=tuple(outline.chapters),
        articles=tuple(articles),
        programmes=tuple(programmes),
        tests=tuple(tests),
        interpretations=tuple(ctx.interpretations),
        cross=cross_rules,
    )


# ---------------------------------------------------------------- entry points
def check_source(source: str, filename: str) -> tuple[M.Policy | None, list[Diagnostic]]:
    """Parse and check one policy; the policy is None when there is any error."""
    tree, diagnostics = parser.parse(source)
    if tree is None:
        return None, diagnostics
    return check_tree(tree, source, filename)


def check_tree(tree, source: str, filename: str) -> tuple[M.Policy | None, list[Diagnostic]]:
    """Check a parse tree of `source` (for callers that parsed it themselves, such as fmt)."""
    return parser.deep_call(_check_tree, tree, source, filename)


def _check_tree(tree, source: str, filename: str) -> tuple[M.Policy | None, list[Diagnostic]]:
    ctx = Context(filename, source)
    try:
        policy = run(ctx, tree)
    except (InvalidOperation, RecursionError) as exc:  # pathological literals or nesting
        ctx.error("E0002", f"无法处理此文件：{type(exc).__name__}", Span.point(1, 1))
        policy = None
    return policy, ctx.diags.sorted()


def decode(data: bytes) -> tuple[str | None, list[Diagnostic]]:
    """Source bytes -> text; a file that is not UTF-8 gets a diagnostic at the bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        return None, [Diagnostic("E0001", f"文件不是 UTF-8 编码：第{exc.start + 1}个字节 0x{data[exc.start]:02X} 无法解码",
                                 Span.point(line, column))]
    return normalise_text(text), []


def normalise_text(text: str) -> str:
    """Policy text as every stage reads it: a byte order mark at the start dropped, and one kind
    of line break, so that a file saved with CRLF reads as the same policy (fmt writes it back
    with LF).  The editor reads its buffers through this too (lsp.normalise)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n")


def load(path: str | Path) -> tuple[M.Policy | None, list[Diagnostic], str]:
    """Read, parse and check a policy file.  Returns (policy, diagnostics, source text)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic("E0002", f"无法读取文件：{exc.strerror or exc}", Span.point(1, 1))], ""
    text, diagnostics = decode(data)
    if text is None:
        return None, diagnostics, data.decode("utf-8", errors="replace")
    policy, diagnostics = check_source(text, str(path))
    return policy, diagnostics, text
