"""The checker: AST -> checked model, collecting every diagnostic in one run.

It resolves names, gives every expression a type and a unit, checks tables and
the article structure, and converts test cases into applications.  It never
stops at the first problem: a drafter sees all of them at once.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import hashlib
import keyword
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from . import ast as A
from . import model as M
from . import keywords, parser, policy_dates, precision, trace
from .diagnostics import Diagnostic, Diagnostics, Span
from .units import (DIMENSIONLESS, MAX_LITERAL_DIGITS, MONEY, UNITS, LiteralTooLong, NotExactDecimal, UnitError,
                    describe, dim_of, multiply, parse_number, parse_quantity)

DIGITS = "零一二三四五六七八九"

# Deepest nesting of 若, 按 and 情形 inside one another.  The generated module
# opens one indented block per level, and Python allows 100; the rest of a
# programme's function needs fewer than ten.
MAX_NESTING = 50

# Articles are numbered 1, 2, … consecutively: no real policy comes near this.
MAX_ARTICLE = 9999

# An escape in a string literal: \uXXXX (group 2: the hex digits) or a backslash and one character.
_ESCAPE = re.compile(r"\\(u([0-9A-Fa-f]{4})|.)")

FUNCTIONS = keywords.FUNCTIONS

STATUS_IDS = {"符合": "eligible", "不符合": "ineligible", "需审核": "review", "无效": "invalid"}

NUM_KINDS = ("money", "number", "int")


def _suggest(name: str, candidates) -> str:
    close = _closest(name, candidates)
    return f"，是否指“{close}”？" if close else ""


SUGGEST_POOL = 64  # known names compared in full with an unknown one
SUGGEST_NEIGHBOURS = 8  # from a larger set: this many either side, by spelling and by ending
SUGGEST_MAX_LENGTH = 64  # a longer unknown name is no typo of a known one


def _closest(name: str, candidates) -> str | None:
    """The known name most like `name` (difflib's ratio at least 0.6), by a bounded search.

    Up to SUGGEST_POOL known names are all compared.  From a larger set, only
    the names next to `name` in alphabetical order and in the order of their
    reversed spellings: a typo leaves either the beginning or the end of a
    name as it was.  A thousand unknown names among a thousand known ones
    then cost a few comparisons each, not a thousand.
    """
    if not 0 < len(name) <= SUGGEST_MAX_LENGTH:
        return None
    pool = list(candidates)
    if len(pool) > SUGGEST_POOL:
        forward, backward = _spelling_index(tuple(pool))
        i = bisect.bisect_left(forward, name)
        j = bisect.bisect_left(backward, name[::-1])
        k = SUGGEST_NEIGHBOURS
        pool = forward[max(0, i - k) : i + k] + [c[::-1] for c in backward[max(0, j - k) : j + k]]
    close = difflib.get_close_matches(name, sorted(set(pool)), n=1, cutoff=0.6)
    return close[0] if close else None


@functools.lru_cache(maxsize=8)
def _spelling_index(names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    # Built once per set of known names (the fields of a programme, say), not per unknown name.
    unique = set(names)
    return sorted(unique), sorted(c[::-1] for c in unique)


class _Scope:
    """Names visible inside a programme (or inside one item of 逐项)."""

    def __init__(self, programme: str, article: int, fields: dict[str, M.Field]):
        self.programme = programme
        self.article = article
        self.fields = fields
        self.lets: dict[str, M.Let] = {}
        self.item_var: str | None = None
        self.item_list: str | None = None  # the list that 逐项 walks
        self.item_fields: dict[str, M.Field] = {}
        self.used: set[str] = set()

    def for_item(self, var: str, list_field: M.Field) -> "_Scope":
        inner = _Scope(self.programme, self.article, self.fields)
        inner.lets = dict(self.lets)
        inner.item_var = var
        inner.item_list = list_field.name
        inner.item_fields = {f.name: f for f in list_field.item_fields}
        inner.used = self.used
        return inner


# Characters that change how text displays without showing themselves ("Trojan
# source"): control characters other than newline and tab, and the bidirectional
# formatting controls.
BIDI_CONTROLS = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


# Characters that take no room: a name or figure with one inside looks right
# and compares wrong.  U+FEFF is accepted only as the byte order mark that
# begins a file (`decode` removes it).
ZERO_WIDTH = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}


def _invisible(ch: str) -> str | None:
    code = ord(ch)
    if code in BIDI_CONTROLS:
        return "双向文本控制符"
    if code in ZERO_WIDTH:
        return "零宽字符"
    if (code < 0x20 and ch not in "\n\t") or 0x7F <= code < 0xA0:
        return "控制字符"
    if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:  # Unicode noncharacters: no XML (the Word copy) may hold them
        return "非字符"
    return None


class Checker:
    def __init__(self, filename: str, source: str):
        self.filename = filename
        self.source = source
        self.diags = Diagnostics()
        self.interpretations: list[M.Interpretation] = []
        self.nesting = 0  # 若, 按 and 情形 open around the expression being checked
        self.in_per_item = False

    # ------------------------------------------------------------ helpers
    def error(self, code: str, message: str, span: Span, *notes: str) -> None:
        self.diags.error(code, message, span, *notes)

    def warning(self, code: str, message: str, span: Span, *notes: str) -> None:
        self.diags.warning(code, message, span, *notes)

    def interp(self, node: A.Interp | None, subject: str, article: int, programme: str | None):
        if node is None:
            return None
        result = M.Interpretation(node.note, subject, article, programme, node.span)
        if not node.note.strip():
            self.error("E0513", "解释说明不能为空", node.span)
        self.interpretations.append(result)
        return result

    def invisible_characters(self, tree) -> None:
        """E0105 for every string or original-text line holding an invisible control, bidirectional or zero-width character."""
        for token in parser.tokens_of(tree, ("STRING", "TEXT_LINE")):
            if token.type == "STRING" and not self.scalar_escapes(token):
                continue
            value = A.unquote(token) if token.type == "STRING" else str(token)
            for ch in value:
                kind = _invisible(ch)
                if kind:
                    self.error("E0105", f"文字中含有不可见的{kind} U+{ord(ch):04X}", A.span_of(token),
                               "这类字符会改变文字的显示或在生成的表单、说明中造成错误，请删除")
                    break

    def file_name(self) -> None:
        """W0003 when the file's name cannot name the generated module, saying the name used instead."""
        stem, pid = Path(self.filename).stem, policy_id(self.filename)
        if stem != pid:
            shown = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in stem)
            self.warning("W0003", f"文件名“{shown}”不能用作模块名，生成的计算模块、表单和规则说明改以“{pid}”命名",
                         Span.point(1, 1), "模块名只能由英文字母、数字和下划线组成，且不以数字开头；"
                         "如需别的名称，请按此给文件改名")

    def scalar_escapes(self, token: Token) -> bool:
        """E0108 for a \\uXXXX escape naming a surrogate (U+D800–U+DFFF): half of a
        UTF-16 pair is no character, and no UTF-8 file or JSON form can hold it."""
        for match in _ESCAPE.finditer(str(token)):
            if match.group(2) and 0xD800 <= int(match.group(2), 16) <= 0xDFFF:
                column = token.column + match.start()
                self.error("E0108", f"转义“{match.group(0)}”不是有效的字符：U+{match.group(2).upper()} 是代理码位",
                           Span(token.line, column, token.line, column + len(match.group(0))),
                           "代理码位（U+D800–U+DFFF）只能成对出现在 UTF-16 中，不能单独表示字符；请直接写出该字符")
                return False
        return True

    # ------------------------------------------------------------ document
    def run(self, module: A.Module) -> M.Policy | None:
        documents = [i for i in module.items if isinstance(i, A.Document)]
        chapters = [i for i in module.items if isinstance(i, A.Chapter)]
        programmes: list[A.Programme] = [i for i in module.items if isinstance(i, A.Programme)]
        tests: list[A.TestCase] = [i for i in module.items if isinstance(i, A.TestCase)]
        for chapter in chapters:
            programmes += [i for i in chapter.items if isinstance(i, A.Programme)]
            tests += [i for i in chapter.items if isinstance(i, A.TestCase)]
        programmes.sort(key=lambda p: (p.span.line, p.span.column))
        tests.sort(key=lambda t: (t.span.line, t.span.column))

        self.file_name()
        document = self.document(documents, module)
        m_chapters, articles = self.chapters(chapters, module)
        article_map = {a.number: a for a in articles}

        m_programmes: list[M.Programme] = []
        seen: dict[str, A.Programme] = {}
        for prog in programmes:
            if prog.id.value in seen:
                first = seen[prog.id.value].id.span
                self.error("E0203", f"项目“{prog.id.value}”重复定义", prog.id.span, f"首次定义于第{first.line}行第{first.column}列")
                continue
            seen[prog.id.value] = prog
            checked = self.programme(prog, article_map)
            if checked is not None:
                m_programmes.append(checked)

        self.same_fields(m_programmes)
        by_id = {p.id: p for p in m_programmes}
        m_tests = [t for t in (self.test_case(t, by_id, set(seen)) for t in tests) if t is not None]

        articles = [
            M.Article(a.number, a.title, a.text, a.chapter, a.measures,
                      tuple(p.id for p in m_programmes if p.article == a.number))
            for a in articles
        ]
        document = policy_dates.apply(module, document, m_programmes, self.error)  # dates of effect
        if self.diags.has_errors or document is None:
            return None
        # Figures are traced once everything else is right: with a programme
        # missing, every figure it uses would look untraced.
        self.diags.items.extend(trace.trace_figures(module))
        if self.diags.has_errors:
            return None
        self.interpretations.sort(key=lambda i: (i.span.line, i.span.column))
        return M.Policy(
            id=policy_id(self.filename),
            source_file=Path(self.filename).name,
            content_hash=hashlib.sha256(self.source.encode("utf-8")).hexdigest(),
            document=document,
            chapters=tuple(m_chapters),
            articles=tuple(articles),
            programmes=tuple(m_programmes),
            tests=tuple(m_tests),
            interpretations=tuple(self.interpretations),
        )

    def document(self, documents: list[A.Document], module: A.Module) -> M.Document | None:
        if not documents:
            self.error("E0509", "缺少“文件 { … }”块：须写明发文机关、标题和版本", Span.point(1, 1))
            return None
        for extra in documents[1:]:
            self.error("E0505", "“文件”块重复", extra.span, f"首次出现于第{documents[0].span.line}行")
        doc = documents[0]
        single: dict[str, A.Entry] = {}
        basis: list[tuple[str, str]] = []
        for entry in doc.entries:
            if entry.kind == "basis":
                basis.append((entry.values[0].value, entry.values[1].value))
                continue
            if entry.kind == "figure_note":
                continue  # checked by trace.py with the article notes
            if entry.kind in single:
                self.error("E0505", f"“{_ENTRY_LABELS[entry.kind]}”重复", entry.span,
                           f"首次出现于第{single[entry.kind].span.line}行")
            single[entry.kind] = entry
        for kind in ("issuer", "title", "version"):
            if kind not in single:
                self.error("E0509", f"“文件”块缺少“{_ENTRY_LABELS[kind]}”", doc.span)
        if any(k not in single for k in ("issuer", "title", "version")):
            return None

        def value(kind: str) -> str | None:
            if kind not in single:
                return None
            v = single[kind].values[0]
            return v.value if isinstance(v, (A.Str, A.Text)) else str(v)

        details = tuple((label, value(kind)) for kind, label in A.DOC_DETAILS.items())
        return M.Document(value("issuer"), value("title"), value("version"), tuple(basis),
                          value("addressees"), value("preamble"), details)

    def chapters(self, chapters: list[A.Chapter], module: A.Module):
        m_chapters: list[M.Chapter] = []
        articles: list[M.Article] = []
        expected_article = 1
        seen_articles: dict[int, A.Article] = {}
        for index, chapter in enumerate(chapters):
            numeral = str(chapter.numeral)
            expected = _chinese_numeral(index + 1)
            if numeral != expected:
                self.error("E0510", f"章序号应为“{expected}”，此处为“{numeral}”", A.span_of(chapter.numeral))
            numbers = []
            for item in chapter.items:
                if not isinstance(item, A.Article):
                    continue
                number = self.article_number(item.number)
                if number is None:
                    continue
                span = A.span_of(item.number)
                if number in seen_articles:
                    first = seen_articles[number].span
                    self.error("E0502", f"第{number}条重复", span, f"首次定义于第{first.line}行")
                    continue
                if number < expected_article:
                    self.error("E0503", f"第{number}条顺序错误：应排在第{expected_article - 1}条之前", span)
                elif number > expected_article:
                    missing = ("、".join(f"第{n}条" for n in range(expected_article, number))
                               if number - expected_article <= 3 else f"第{expected_article}条至第{number - 1}条")
                    self.error("E0501", f"缺少{missing}：条款应从第1条起连续编号", span)
                seen_articles[number] = item
                expected_article = max(expected_article, number + 1)
                numbers.append(number)
                articles.append(self.article(item, numeral))
            m_chapters.append(M.Chapter(numeral, chapter.title.value, tuple(numbers)))
        if not seen_articles:
            self.error("E0501", "政策中没有任何条款：至少须有第1条", module.span)
        articles.sort(key=lambda a: a.number)
        return m_chapters, articles

    def article_number(self, token: Token) -> int | None:
        """The number of 条 N or 条款 N; E0519 beyond MAX_ARTICLE."""
        text = str(token).lstrip("0") or "0"
        if len(text) > len(str(MAX_ARTICLE)) or int(text) > MAX_ARTICLE:
            self.error("E0519", f"条款编号“{_short(str(token))}”过大：最大为第{MAX_ARTICLE}条", A.span_of(token))
            return None
        return int(text)

    def article(self, art: A.Article, chapter: str) -> M.Article:
        number = int(art.number)
        text = art.text.value
        prefix = f"{number}．{art.title.value}"
        if not text.startswith(prefix):
            self.warning("W0508", f"第{number}条的标题与原文开头不一致：原文应以“{prefix}”开头", art.title.span)
        measures = tuple(M.Measure(m.kind, tuple(v.value for v in m.values)) for m in art.measures)
        return M.Article(number, art.title.value, text, chapter, measures, ())

    # ------------------------------------------------------------ programmes
    def programme(self, prog: A.Programme, articles: dict[int, M.Article]) -> M.Programme | None:
        pid = prog.id.value
        entries: dict[str, A.Entry] = {}
        fields: list[M.Field] = []
        constraints_ast: list[A.Constraint] = []
        rules_ast: list[object] = []
        for entry in prog.entries:
            if isinstance(entry, A.Entry):
                if entry.kind in entries:
                    self.error("E0505", f"项目“{pid}”的“{_ENTRY_LABELS[entry.kind]}”重复", entry.span,
                               f"首次出现于第{entries[entry.kind].span.line}行")
                    continue
                entries[entry.kind] = entry
            elif isinstance(entry, A.Constraint):
                constraints_ast.append(entry)
            else:
                rules_ast.append(entry)
        missing = [k for k in ("article", "applicant", "funding_source", "payment_condition") if k not in entries]
        for kind in missing:
            self.error("E0504", f"项目“{pid}”缺少“{_ENTRY_LABELS[kind]}”", prog.id.span)
        article = 0
        if "article" in entries:
            token = entries["article"].values[0]
            number = self.article_number(token)
            article = number or 0
            if number is not None and article not in articles:
                known = "、".join(str(n) for n in sorted(articles)) or "无"
                self.error("E0211", f"项目“{pid}”引用的第{article}条不存在", A.span_of(token), f"已有条款：{known}")
        excerpt = None
        if "excerpt" in entries:
            excerpt_str = entries["excerpt"].values[0]
            excerpt = excerpt_str.value
            if article in articles and excerpt not in articles[article].text:
                self.error("E0507", f"摘录不是第{article}条原文的一部分", excerpt_str.span,
                           "摘录须与原文逐字一致，包括标点")

        def attribute(kind: str, subject: str) -> M.Attribute:
            if kind not in entries:
                return M.Attribute("", None)
            values = entries[kind].values
            note = values[1] if len(values) > 1 else None
            return M.Attribute(values[0].value, self.interp(note, subject, article, pid))

        applicant = attribute("applicant", "申请主体")
        funding = attribute("funding_source", "资金来源")
        payment = attribute("payment_condition", "兑现条件")

        if "inputs" in entries:
            fields = self.fields(entries["inputs"].values, article, pid)
        scope = _Scope(pid, article, {f.name: f for f in fields})

        constraints = []
        for c in constraints_ast:
            cond = self.expect_type(c.cond, scope, "bool", "校验条件")
            if c.path.value not in scope.fields:
                self.error("E0201", f"未定义的输入项“{c.path.value}”{_suggest(c.path.value, scope.fields)}", c.path.span)
            if cond is not None:
                constraints.append(M.Constraint(cond, c.path.value, c.message.value, c.span))

        rules, amount = self.rules(rules_ast, scope, prog.id.span, top_level=True)
        for f in fields:
            if f.name not in scope.used:
                self.warning("W0701", f"输入项“{f.name}”（{f.label}）没有被任何规则使用", f.span)
        if missing or amount is None or article not in articles:
            return None
        details = tuple((label, attribute(kind, label) if kind in entries else None)
                        for kind, label in A.PROGRAMME_DETAILS.items() if kind not in ("materials", "money_wording"))
        materials = tuple(v.value for v in entries["materials"].values) if "materials" in entries else ()
        wording = entries["money_wording"].values[0].value if "money_wording" in entries else None
        result = M.Programme(pid, prog.name.value, article, excerpt, applicant, funding, payment,
                             tuple(fields), tuple(constraints), tuple(rules), amount, prog.span,
                             details, materials, wording)
        for span, digits in precision.overflows(result):
            self.error("E0307", f"这一步计算最多需要{digits}位有效数字，超过计算引擎的{precision.PRECISION}位精度",
                       span, f"每个输入项最大为 {precision.INPUT_LIMIT_TEXT}；请减少相乘的输入项，或减少数字、步长的小数位数")
        return result

    def same_fields(self, programmes: list[M.Programme]) -> None:
        """E0213: an input name means one input across the policy.  The policy
        calculator reads one profile in which every programme's inputs are
        merged by name, so two programmes must agree on what a name holds."""
        first: dict[str, tuple[M.Field, str]] = {}
        for programme in programmes:
            for f in programme.fields:
                if f.name not in first:
                    first[f.name] = (f, programme.id)
                    continue
                other, other_pid = first[f.name]
                difference = _field_difference(other, f)
                if difference:
                    where = f"{self.filename}:{other.span.line}:{other.span.column}"
                    self.error("E0213", f"输入项“{f.name}”在项目“{programme.id}”中的定义与项目“{other_pid}”不同：{difference}",
                               f.span, f"首次定义于 {where}",
                               "政策计算器按名称合并各项目的输入项：同一名称须表示同一输入（类型、单位、选项、最小值、步长、默认值都相同）；"
                               "不同的输入请另起名称")

    def rules(self, rules_ast, scope: _Scope, owner: Span, top_level: bool):
        rules: list[M.Rule] = []
        amount = None
        amount_seen = False
        for rule in rules_ast:
            if amount_seen:
                self.error("E0512", "“金额 = …”须是最后一条规则", rule.span)
            if isinstance(rule, A.AmountRule):
                if amount_seen:
                    self.error("E0505", "“金额 = …”重复", rule.span)
                    continue
                amount_seen = True
                amount = self.amount(rule.amount, scope)
            elif isinstance(rule, A.Require):
                cond = self.expect_type(rule.cond, scope, "bool", "要求的条件")
                interp = self.interp(rule.interp, "条件", scope.article, scope.programme)
                if cond is not None:
                    rules.append(M.Require(cond, rule.reason.value, interp, rule.span))
            elif isinstance(rule, A.Review):
                cond = self.expect_type(rule.cond, scope, "bool", "审核的条件")
                interp = self.interp(rule.interp, "人工审核", scope.article, scope.programme)
                if cond is not None:
                    rules.append(M.Review(cond, rule.reason.value, interp, rule.span))
            elif isinstance(rule, A.Let):
                name = rule.name.value
                if name in scope.fields or name in scope.lets:
                    self.error("E0208", f"名称“{name}”已被使用", rule.name.span)
                    continue
                expr = self.expr(rule.expr, scope)
                interp = self.interp(rule.interp, rule.label.value, scope.article, scope.programme)
                if expr is not None:
                    let = M.Let(name, rule.label.value, expr, interp, rule.span)
                    scope.lets[name] = let
                    rules.append(let)
            elif isinstance(rule, A.Unique):
                if top_level:
                    self.error("E0506", "“唯一”只能用在“逐项”块内", rule.span)
                    continue
                key = self.expr(rule.key, scope)
                interp = self.interp(rule.interp, "每项唯一", scope.article, scope.programme)
                if key is not None:
                    if key.type.kind not in ("text", "enum", "num", "date"):
                        self.error("E0401", f"“唯一”的依据须是文本、选项、数值或日期，此处为{key.type}", rule.key.span)
                    rules.append(M.Unique(key, rule.reason.value, interp, rule.span))
        if not amount_seen:
            self.error("E0504", "缺少“金额 = …”规则", owner)
        return rules, amount

    def amount(self, node: A.Amount, scope: _Scope):
        if isinstance(node, A.Formula):
            expr = self.expr(node.expr, scope)
            if expr is not None and not self.is_money(expr):
                self.error("E0303", f"金额须以元计，此处为{expr.type}", node.expr.span)
            interp = self.interp(node.interp, "金额计算", scope.article, scope.programme)
            cap = None
            if node.cap is not None:
                limit = self.expr(node.cap.limit, scope)
                if limit is not None and not self.is_money(limit):
                    self.error("E0303", f"上限须以元计，此处为{limit.type}", node.cap.limit.span)
                if isinstance(limit, M.Const) and isinstance(limit.value, Decimal) and limit.value <= 0:
                    self.error("E0406", f"上限须大于0，此处为“{limit.text}”", node.cap.limit.span)
                cap_interp = self.interp(node.cap.interp, "上限", scope.article, scope.programme)
                cap = M.Cap(limit, cap_interp) if limit is not None else None
            if expr is None:
                return None
            return M.Formula(expr, interp, cap, node.span)
        if isinstance(node, A.Cases):
            return self.nested(node, scope, lambda: self.cases(node, scope))
        # PerItem
        if self.in_per_item:
            self.error("E0518", "“逐项”内不能再有“逐项”", node.span, "每一项的金额须直接算出；对另一个列表的计算请写成另一条规则或另一个项目")
            return None
        list_name = node.list_name.value
        list_field = scope.fields.get(list_name)
        if list_field is None or list_field.kind != "list":
            if list_field is None:
                self.error("E0201", f"未定义的输入项“{list_name}”{_suggest(list_name, scope.fields)}", node.list_name.span)
            else:
                self.error("E0409", f"“逐项”须用于列表，“{list_name}”是{list_field.type}", node.list_name.span)
            return None
        scope.used.add(list_name)
        var = node.var.value
        if var in scope.fields or var in scope.lets:
            self.error("E0208", f"名称“{var}”已被使用", node.var.span)
            return None
        inner = scope.for_item(var, list_field)
        self.in_per_item = True
        try:
            rules, amount = self.rules(node.rules, inner, node.span, top_level=False)
        finally:
            self.in_per_item = False
        if amount is None:
            return None
        for f in list_field.item_fields:
            if f"{list_name}.{f.name}" not in scope.used:
                self.warning("W0701", f"输入项“{list_name}.{f.name}”（{f.label}）没有被任何规则使用", f.span)
        return M.PerItem(list_field, var, tuple(rules), amount, node.span)

    def cases(self, node: A.Cases, scope: _Scope):
        cases = []
        for index, case in enumerate(node.cases):
            cond = None
            if case.cond is None:
                if index != len(node.cases) - 1:
                    self.error("E0514", "“其他”须是最后一种情形", case.span)
            else:
                cond = self.expect_type(case.cond, scope, "bool", "情形的条件")
            outcome = case.outcome
            if isinstance(outcome, A.Pay):
                result = self.amount(outcome.amount, scope)
            elif isinstance(outcome, A.OutcomeReview):
                interp = self.interp(outcome.interp, "人工审核", scope.article, scope.programme)
                result = M.ReviewOutcome(outcome.reason.value, interp, outcome.span)
            else:
                result = M.IneligibleOutcome(outcome.reason.value, outcome.span)
            if result is not None and (cond is not None or case.cond is None):
                cases.append(M.Case(cond, result, case.span))
        if node.cases[-1].cond is not None:
            self.error("E0514", "“情形”须以“其他: …”结尾，说明其余情形如何处理", node.span,
                       "原文未作规定的情形写作：其他: 审核 \"原因\"")
        return M.Cases(tuple(cases), node.span)

    @staticmethod
    def is_money(expr: M.Expr) -> bool:
        return expr.type.kind == "num" and expr.type.dim == MONEY

    # ------------------------------------------------------------ inputs
    def fields(self, nodes, article: int, pid: str, prefix: str = "") -> list[M.Field]:
        result: list[M.Field] = []
        seen: dict[str, A.Field] = {}
        for node in nodes:
            name = node.name.value
            if name in seen:
                self.error("E0202", f"输入项“{prefix}{name}”重复定义", node.name.span,
                           f"首次定义于第{seen[name].span.line}行")
                continue
            seen[name] = node
            checked = self.field(node, article, pid, prefix)
            if checked is not None:
                result.append(checked)
        return result

    def field(self, node: A.Field, article: int, pid: str, prefix: str) -> M.Field | None:
        t = node.type
        kind = t.kind
        unit = None
        dim = DIMENSIONLESS
        if kind == "money":
            unit, dim = "元", MONEY
        elif kind in ("number", "int") and t.unit is not None:
            unit = str(t.unit)
            dim = dim_of(unit)
            if UNITS[unit][1] != 1:
                self.error("E0301", f"输入项的单位须是基本单位，“{unit}”请改为“个月”并换算", A.span_of(t.unit))
        opts: dict[str, A.FieldOption] = {}
        for opt in node.options:
            if opt.kind in opts:
                self.error("E0505", f"输入项“{node.name.value}”的选项重复", opt.span)
            opts[opt.kind] = opt

        kind_ok = kind in NUM_KINDS

        def numeric_option(kind: str) -> Decimal | None:
            """The value of 最小/步长/默认, in the field's own unit; only for numeric fields."""
            if not kind_ok or kind not in opts:
                return None
            const = self.literal(opts[kind].value)
            if const is None:
                return None
            value, literal_dim = const
            if literal_dim != dim:
                self.error("E0302", f"单位不一致：输入项“{node.name.value}”以{describe(dim)}计，此处为{describe(literal_dim)}",
                           opts[kind].span)
            if value < 0:
                self.error("E0408", "最小值、步长和默认值不能为负数", opts[kind].span)
            return value

        for key in ("min", "step", "default"):
            if key in opts and not kind_ok:
                self.error("E0408", f"“{_OPTION_LABELS[key]}”只能用于金额、数值或整数输入项", opts[key].span)
        minimum = numeric_option("min")
        step = numeric_option("step")
        default = numeric_option("default")
        if step is not None and step <= 0:
            self.error("E0408", "步长须大于0", opts["step"].span)
        options: list[tuple[str, str]] = []
        if kind == "enum":
            seen_options: set[str] = set()
            for option in t.options:
                if option.name.value in seen_options:
                    self.error("E0209", f"选项“{option.name.value}”重复", option.name.span)
                    continue
                seen_options.add(option.name.value)
                if not option.label.value.strip():
                    self.error("E0515", f"选项“{option.name.value}”缺少中文名称", option.label.span)
                options.append((option.name.value, option.label.value))
        item_fields: tuple[M.Field, ...] = ()
        if kind == "list":
            item_fields = tuple(self.fields(t.fields, article, pid, prefix=f"{prefix}{node.name.value}."))
            for f in item_fields:
                if f.kind == "list":
                    self.error("E0409", "列表的项不能再是列表", f.span)
        if not node.label.value.strip():
            self.error("E0515", f"输入项“{node.name.value}”缺少中文名称", node.label.span)
        help_text = opts["help"].value.value if "help" in opts else None
        interp = None
        if "interp" in opts:
            interp = self.interp(opts["interp"].value, f"输入项“{node.label.value}”", article, pid)
        return M.Field(
            name=node.name.value, label=node.label.value, kind=kind, help=help_text, unit=unit, dim=dim,
            default=default, minimum=minimum, step=step, options=tuple(options), item_fields=item_fields,
            interpretation=interp, span=node.name.span,
        )

    # ------------------------------------------------------------ expressions
    def literal(self, node) -> tuple[Decimal, tuple] | None:
        try:
            if isinstance(node, A.Number):
                return parse_number(node.text), DIMENSIONLESS
            return parse_quantity(node.text)
        except LiteralTooLong as exc:
            self.error("E0305", f"数字“{_short(node.text)}”过长：有{exc.digits}位数字，最多{MAX_LITERAL_DIGITS}位", node.span,
                       "政策中的数字（含小数位）不超过30位；金额、比例和步长都用不到更多")
            return None
        except NotExactDecimal as exc:
            base = describe(exc.dim)
            self.error("E0306", f"“{_short(node.text)}”换算为基本单位后不是有限小数：等于 {exc.value} {base}", node.span,
                       f"计算以基本单位（{base}）精确进行，无法表示无限小数；请直接以基本单位书写，"
                       "或选用换算后能除尽的数值（如 12元/年 = 1元/个月）")
            return None
        except UnitError as exc:
            known = "、".join(["%"] + list(UNITS))
            self.error("E0301", f"未知单位“{exc.unit}”", node.span, f"可用的单位：{known}；复合单位如 15元/平方米/月")
            return None

    def nested(self, node, scope: _Scope, check):
        """check() one level deeper in 若/按/情形.  Beyond MAX_NESTING levels: E0517,
        and what lies deeper is not checked (so that no depth can exhaust the
        stack), only its inputs count as used."""
        if self.nesting == MAX_NESTING:
            self.error("E0517", f"嵌套过深：“若”“按”“情形”最多相互嵌套{MAX_NESTING}层", node.span,
                       "请用“令”把内层的计算写成具名的步骤，或把条件并列写在同一个“情形”中")
            _mark_used(node, scope)
            return None
        self.nesting += 1
        try:
            return check()
        finally:
            self.nesting -= 1

    def expect_type(self, node, scope: _Scope, kind: str, what: str):
        expr = self.expr(node, scope)
        if expr is not None and expr.type.kind != kind:
            self.error("E0401", f"{what}须是{M.Type(kind)}，此处为{expr.type}", node.span)
            return None
        return expr

    def expr(self, node, scope: _Scope):  # noqa: C901 - one branch per node kind
        if isinstance(node, (A.Number, A.Quantity)):
            lit = self.literal(node)
            if lit is None:
                return None
            value, dim = lit
            if isinstance(node, A.Quantity) and node.text.endswith("%") and value > 1:
                self.warning("W0301", f"比例“{node.text}”超过100%", node.span)
            return M.Const(value, M.Type("num", dim), node.text, node.span)
        if isinstance(node, A.Bool):
            return M.Const(node.value, M.BOOL, "是" if node.value else "否", node.span)
        if isinstance(node, A.Ref):
            return self.ref(node, scope)
        if isinstance(node, A.ItemRef):
            var = node.var.value
            if scope.item_var is None or var != scope.item_var:
                where = f"，当前逐项变量为“{scope.item_var}”" if scope.item_var else "：只能在“逐项 … 为 变量 { … }”内使用"
                self.error("E0210", f"未定义的逐项变量“{var}”{where}", node.var.span)
                return None
            f = scope.item_fields.get(node.name.value)
            if f is None:
                self.error("E0201", f"列表项没有输入项“{node.name.value}”{_suggest(node.name.value, scope.item_fields)}",
                           node.name.span)
                return None
            scope.used.add(f"{scope.item_list}.{f.name}")
            return M.ItemRef(var, f, f.type, node.span)
        if isinstance(node, A.If):
            return self.nested(node, scope, lambda: self.conditional(node, scope))
        if isinstance(node, A.BinOp):
            return self.binop(node, scope)
        if isinstance(node, A.Not):
            operand = self.expect_type(node.operand, scope, "bool", "“非”的对象")
            return None if operand is None else M.Not(operand, M.BOOL, node.span)
        if isinstance(node, A.Compare):
            return self.compare(node, scope)
        if isinstance(node, A.Member):
            operand = self.expr(node.operand, scope)
            if operand is None:
                return None
            if operand.type.kind != "enum":
                self.error("E0401", f"“属于”须用于选项，此处为{operand.type}", node.operand.span)
                return None
            values = []
            for v in node.values:
                if v.value not in operand.type.options:
                    self.error("E0204", f"未知的选项“{v.value}”{_suggest(v.value, operand.type.options)}", v.span,
                               "可选：" + "、".join(operand.type.options))
                else:
                    values.append(v.value)
            return M.Member(operand, tuple(values), M.BOOL, node.span)
        if isinstance(node, A.Call):
            return self.call(node, scope)
        if isinstance(node, A.Tiers):
            return self.tiers(node, scope)
        if isinstance(node, A.Lookup):
            return self.nested(node, scope, lambda: self.lookup(node, scope))
        raise TypeError(node)  # pragma: no cover - the grammar has no other node

    def conditional(self, node: A.If, scope: _Scope):
        cond = self.expect_type(node.cond, scope, "bool", "“若”的条件")
        then = self.expr(node.then, scope)
        other = self.expr(node.otherwise, scope)
        if None in (cond, then, other):
            return None
        if then.type != other.type:
            self.error("E0302", f"“则”与“否则”两支的类型不一致：{then.type} 与 {other.type}", node.span)
            return None
        return M.Cond(cond, then, other, then.type, node.span)

    def ref(self, node: A.Ref, scope: _Scope):
        name = node.name.value
        if name in scope.lets:
            let = scope.lets[name]
            return M.LetRef(let, let.expr.type, node.span)
        if name in scope.fields:
            f = scope.fields[name]
            if f.kind == "list":
                self.error("E0409", f"列表“{name}”不能直接参与计算，请用“逐项 {name} 为 变量 {{ … }}”", node.span)
                return None
            scope.used.add(name)
            return M.InputRef(f, f.type, node.span)
        if scope.item_var is not None and name in scope.item_fields:
            self.error("E0201", f"未定义的输入项“{name}”，是否指“{scope.item_var}.{name}”？", node.name.span)
            return None
        candidates = list(scope.fields) + list(scope.lets)
        self.error("E0201", f"未定义的输入项“{name}”{_suggest(name, candidates)}", node.name.span)
        return None

    def binop(self, node: A.BinOp, scope: _Scope):
        if node.op in ("且", "或"):
            left = self.expect_type(node.left, scope, "bool", f"“{node.op}”的左边")
            right = self.expect_type(node.right, scope, "bool", f"“{node.op}”的右边")
            if left is None or right is None:
                return None
            return M.Logic(node.op, left, right, M.BOOL, node.span)
        left = self.expr(node.left, scope)
        right = self.expr(node.right, scope)
        if left is None or right is None:
            return None
        for side, expr in (("左边", left), ("右边", right)):
            if expr.type.kind != "num":
                self.error("E0401", f"“{node.op}”的{side}须是数值，此处为{expr.type}", (node.left if side == "左边" else node.right).span)
                return None
        if node.op == "×":
            return M.Arith("×", left, right, M.Type("num", multiply(left.type.dim, right.type.dim)), node.span)
        if left.type.dim != right.type.dim:
            self.error("E0302", f"单位不一致：{describe(left.type.dim)} {node.op} {describe(right.type.dim)}", node.span,
                       "只有相同单位的量才能相加减")
            return None
        return M.Arith(node.op, left, right, left.type, node.span)

    def compare(self, node: A.Compare, scope: _Scope):
        left = self.expr(node.left, scope) if not self._is_bare_option(node.left, scope) else None
        right = self.expr(node.right, scope) if not self._is_bare_option(node.right, scope) else None
        # An enum compared with a bare option id: other = 其他选项
        if left is not None and left.type.kind == "enum" and self._is_bare_option(node.right, scope):
            right = self.option_const(node.right, left)
        elif right is not None and right.type.kind == "enum" and self._is_bare_option(node.left, scope):
            left = self.option_const(node.left, right)
        elif self._is_bare_option(node.left, scope) or self._is_bare_option(node.right, scope):
            bare = node.left if self._is_bare_option(node.left, scope) else node.right
            self.ref(bare, scope)
            return None
        if left is None or right is None:
            return None
        if left.type.kind != right.type.kind or (left.type.kind == "num" and left.type.dim != right.type.dim):
            self.error("E0302", f"比较的两边类型或单位不一致：{left.type} 与 {right.type}", node.span)
            return None
        if left.type.kind in ("bool", "text", "enum") and node.op not in ("=", "!="):
            self.error("E0401", f"{left.type}只能比较相等或不等", node.span)
            return None
        return M.Compare(node.op, left, right, M.BOOL, node.span)

    @staticmethod
    def _is_bare_option(node, scope: _Scope) -> bool:
        return isinstance(node, A.Ref) and node.name.value not in scope.fields and node.name.value not in scope.lets

    def option_const(self, node: A.Ref, other: M.Expr):
        """An option id compared with an enum input; its text is the option's Chinese label."""
        enum_type = other.type
        name = node.name.value
        if name not in enum_type.options:
            self.error("E0204", f"未知的选项“{name}”{_suggest(name, enum_type.options)}", node.span,
                       "可选：" + "、".join(enum_type.options))
            return None
        label = other.field.option_label(name) if isinstance(other, (M.InputRef, M.ItemRef)) else name
        return M.Const(name, enum_type, label, node.span)

    def call(self, node: A.Call, scope: _Scope):
        func = FUNCTIONS[node.func.value]
        args = [self.expr(a, scope) for a in node.args]
        if any(a is None for a in args):
            return None
        if func in ("min", "max"):
            if len(args) < 2:
                self.error("E0402", f"“{node.func.value}”至少需要2个参数，此处为{len(args)}个", node.span)
                return None
            first = args[0].type
            for arg, src in zip(args, node.args):
                if arg.type.kind != "num" or arg.type.dim != first.dim:
                    self.error("E0302", f"“{node.func.value}”的参数类型或单位不一致：{first} 与 {arg.type}", src.span)
                    return None
            return M.Call(func, tuple(args), first, node.span)
        expected = 2 if func == "months" else 4
        if len(args) != expected:
            self.error("E0402", f"“{node.func.value}”需要{expected}个参数，此处为{len(args)}个", node.span)
            return None
        for arg, src in list(zip(args, node.args))[:3 if func == "overlap_months" else 2]:
            if arg.type.kind != "date":
                self.error("E0401", f"“{node.func.value}”的参数须是日期，此处为{arg.type}", src.span)
                return None
        if func == "overlap_months":
            window = args[3]
            if window.type.kind != "num" or window.type.dim != (("month", 1),):
                self.error("E0302", f"“重叠月数”的第4个参数须以月计（如 3年、36个月），此处为{window.type}", node.args[3].span)
                return None
            # The window is a period the text fixes, counted in whole calendar months: a fraction
            # (2.5个月, 0.1年) has no meaning there, and an input could not be checked for it.
            if not (isinstance(window, M.Const) and window.value == window.value.to_integral_value()
                    and window.value > 0):
                self.error("E0308", "“重叠月数”的期限须是写明的整月数（如 3年、36个月），不能是小数或输入项",
                           node.args[3].span)
                return None
        return M.Call(func, tuple(args), M.Type("num", (("month", 1),)), node.span)

    def tiers(self, node: A.Tiers, scope: _Scope):
        subject = self.expr(node.subject, scope)
        if subject is None:
            return None
        if subject.type.kind != "num":
            self.error("E0401", f"分档的依据须是数值，此处为{subject.type}", node.subject.span)
            return None
        rows: list[M.TierRow] = []
        award_dim = None
        ok = True
        for row in node.rows:
            threshold = self.literal(row.threshold)
            award = self.literal(row.award)
            if threshold is None or award is None:
                ok = False
                continue
            if threshold[1] != subject.type.dim:
                self.error("E0302", f"档位门槛的单位须与{describe(subject.type.dim)}一致，此处为{describe(threshold[1])}",
                           row.threshold.span)
                ok = False
                continue
            if award_dim is None:
                award_dim = award[1]
            elif award[1] != award_dim:
                self.error("E0302", f"各档奖励的单位须一致：{describe(award_dim)} 与 {describe(award[1])}", row.award.span)
                ok = False
                continue
            if rows and threshold[0] <= rows[-1].threshold:
                self.error("E0404", f"档位门槛须严格递增：“{row.threshold.text}”不大于上一档“{rows[-1].threshold_text}”",
                           row.threshold.span)
                ok = False
            if rows and award[0] < rows[-1].award:
                self.error("E0405", f"高档的奖励不能低于低档：“{row.award.text}”低于上一档“{rows[-1].award_text}”",
                           row.award.span)
                ok = False
            rows.append(M.TierRow(threshold[0], award[0], row.threshold.text, row.award.text))
        if not ok or award_dim is None:
            return None
        return M.Tiers(subject, tuple(rows), M.Type("num", award_dim), node.span)

    def lookup(self, node: A.Lookup, scope: _Scope):
        subject = self.expr(node.subject, scope)
        if subject is None:
            return None
        if subject.type.kind != "enum":
            self.error("E0401", f"“按”的依据须是选项，此处为{subject.type}", node.subject.span)
            return None
        field = subject.field if isinstance(subject, (M.InputRef, M.ItemRef)) else None
        if field is None:
            self.error("E0401", "“按”的依据须是一个选项输入项", node.subject.span)
            return None
        chosen: dict[str, M.Expr] = {}
        result_type = None
        ok = True
        for choice in node.choices:
            expr = self.expr(choice.expr, scope)
            if expr is None:
                ok = False
            elif result_type is None:
                result_type = expr.type
            elif expr.type != result_type:
                self.error("E0302", f"各选项的结果类型须一致：{result_type} 与 {expr.type}", choice.expr.span)
                ok = False
            for v in choice.values:
                if v.value not in subject.type.options:
                    self.error("E0204", f"未知的选项“{v.value}”{_suggest(v.value, subject.type.options)}", v.span,
                               "可选：" + "、".join(subject.type.options))
                    ok = False
                elif v.value in chosen:
                    self.error("E0407", f"选项“{v.value}”重复出现", v.span)
                    ok = False
                elif expr is not None:
                    chosen[v.value] = expr
        missing = [o for o in subject.type.options if o not in chosen]
        if ok and missing:
            self.error("E0403", "“按”未覆盖选项：" + "、".join(f"{o}（{field.option_label(o)}）" for o in missing), node.span)
            ok = False
        if not ok:
            return None
        choices = tuple((o, chosen[o]) for o in subject.type.options)
        return M.Lookup(subject, field, choices, result_type, node.span)

    # ------------------------------------------------------------ tests
    def test_case(self, node: A.TestCase, programmes: dict[str, M.Programme], declared: set[str]):
        pid = node.programme.value
        status = STATUS_IDS[node.expect.status.value]
        if pid not in programmes:
            if pid not in declared:
                self.error("E0601", f"测试“{node.name.value}”引用了不存在的项目“{pid}”{_suggest(pid, declared)}",
                           node.programme.span)
            return None
        programme = programmes[pid]
        application = self.test_value(node.inputs, programme.fields, "", strict=status != "invalid")
        amount = if_approved = None
        reasons: list[str] = []
        paths: list[str] = []
        for detail in node.expect.details:
            value = detail.values[0]
            if detail.kind in ("amount", "amount_if_approved"):
                number = Decimal(str(value))
                if (Fraction(number) * 100).denominator != 1:
                    self.error("E0602", f"预期金额“{value}”须精确到分（最多两位小数）", A.span_of(value))
                if detail.kind == "amount":
                    amount = number
                else:
                    if_approved = number
            elif detail.kind == "reason":
                reasons.append(value.value)
            else:
                paths.append(value.value)
        if paths and status != "invalid":
            self.error("E0602", "只有预期“无效”的测试才能写“路径”", node.expect.span)
        if status == "invalid" and (amount is not None or if_approved is not None):
            self.error("E0602", "预期“无效”的测试不能写金额", node.expect.span)
        return M.TestCase(node.name.value, pid,
                          application if application is not None else {},
                          M.Expectation(status, amount, if_approved, tuple(reasons), tuple(paths)), node.span)

    def test_value(self, value: A.Value, fields, path: str, strict: bool):
        """The JSON value of a test input; in strict mode, also its type against the form."""
        if value.kind != "object":
            return self.plain_value(value)
        result = {}
        by_name = {f.name: f for f in fields}
        for name, item in value.value:
            key = name.value
            if key in result:
                self.error("E0602", f"测试输入中“{path}{key}”重复", name.span)
            f = by_name.get(key)
            if f is None:
                if strict:
                    self.error("E0603", f"测试输入中有未知的输入项“{path}{key}”{_suggest(key, by_name)}", name.span)
                result[key] = self.plain_value(item)
                continue
            result[key] = self.field_value(f, item, f"{path}{key}", strict)
        if strict:
            missing = [f.name for f in fields if f.name not in result and f.default is None]
            if missing:
                self.error("E0604", f"测试输入缺少输入项：{'、'.join(path + m for m in missing)}", value.span)
        return result

    def field_value(self, f: M.Field, item: A.Value, path: str, strict: bool):
        plain = self.plain_value(item)
        if not strict:
            if f.kind == "list" and item.kind == "list":
                return [self.test_value(v, f.item_fields, f"{path}[{i}].", False) for i, v in enumerate(item.value)]
            return plain
        expected = {"money": "number", "number": "number", "int": "number", "bool": "bool", "date": "string",
                    "text": "string", "enum": "string", "list": "list"}[f.kind]
        if item.kind != expected:
            self.error("E0605", f"测试输入“{path}”的类型不符：“{f.label}”应为{_KIND_LABELS[f.kind]}", item.span)
            return plain
        if f.kind == "enum" and plain not in dict(f.options):
            self.error("E0605", f"测试输入“{path}”的选项“{plain}”不存在{_suggest(plain, dict(f.options))}", item.span,
                       "可选：" + "、".join(o for o, _ in f.options))
        if f.kind == "int" and plain != plain.to_integral_value():
            self.error("E0605", f"测试输入“{path}”应为整数", item.span)
        if f.kind == "list":
            return [self.test_value(v, f.item_fields, f"{path}[{i}].", True) for i, v in enumerate(item.value)]
        return plain

    def plain_value(self, value: A.Value):
        if value.kind == "number":
            return Decimal(value.value)
        if value.kind == "list":
            return [self.plain_value(v) for v in value.value]
        if value.kind == "object":
            return {name.value: self.plain_value(v) for name, v in value.value}
        return value.value


_ENTRY_LABELS = {
    "issuer": "发文机关", "title": "标题", "version": "版本", "addressees": "主送", "preamble": "引言",
    "article": "条款", "excerpt": "摘录", "applicant": "申请主体", "funding_source": "资金来源",
    "payment_condition": "兑现条件", "inputs": "输入", "basis": "依据", "figure_note": "非规范数字", "amends": "修订",
    **A.DOC_DETAILS, **A.PROGRAMME_DETAILS,
}
_OPTION_LABELS = {kind: keywords.FIELD_OPTIONS[kind] for kind in ("min", "step", "default")}
_KIND_LABELS = {"money": "金额（数字）", "number": "数值", "int": "整数", "bool": "是或否", "date": "日期（\"YYYY-MM-DD\"）",
                "text": "文字", "enum": "选项", "list": "列表"}


def _mark_used(node, scope: _Scope) -> None:
    """Count every input named inside an AST node as used, without checking it
    (iteratively: the node may be nested deeper than the stack allows)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, A.Ref) and item.name.value in scope.fields:
            scope.used.add(item.name.value)
        elif isinstance(item, A.ItemRef) and item.var.value == scope.item_var:
            scope.used.add(f"{scope.item_list}.{item.name.value}")
        elif isinstance(item, (tuple, list)):
            stack.extend(item)
        elif hasattr(item, "__dataclass_fields__"):
            stack.extend(getattr(item, name) for name in item.__dataclass_fields__)




def _field_difference(a: M.Field, b: M.Field) -> str:
    """What makes two definitions of one input name different, in Chinese; "" when they agree.
    Labels, help and interpretations are wording and may differ."""
    if a.kind != b.kind:
        return f"类型为“{keywords.TYPES[a.kind]}”与“{keywords.TYPES[b.kind]}”"
    if a.dim != b.dim:
        return f"单位为“{describe(a.dim)}”与“{describe(b.dim)}”"
    if tuple(o for o, _ in a.options) != tuple(o for o, _ in b.options):
        return f"选项为 {'、'.join(o for o, _ in a.options)} 与 {'、'.join(o for o, _ in b.options)}"
    for attribute, label in (("minimum", "最小值"), ("step", "步长"), ("default", "默认值")):
        x, y = getattr(a, attribute), getattr(b, attribute)
        if x != y:
            return f"{label}为“{_shown(x)}”与“{_shown(y)}”"
    a_items, b_items = {f.name: f for f in a.item_fields}, {f.name: f for f in b.item_fields}
    if a_items.keys() != b_items.keys():
        return f"列表项为 {'、'.join(a_items)} 与 {'、'.join(b_items)}"
    for name, item in a_items.items():
        difference = _field_difference(item, b_items[name])
        if difference:
            return f"列表项“{name}”的{difference}"
    return ""


def _shown(value: Decimal | None) -> str:
    return "无" if value is None else format(value, "f")


def _short(text: str, limit: int = 20) -> str:
    """A literal as a message shows it: a long one cut, with an ellipsis."""
    return text if len(text) <= limit else text[:limit] + "…"


def _chinese_numeral(n: int) -> str:
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


# ---------------------------------------------------------------- the policy's id
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def policy_id(filename: str) -> str:
    """The policy's id, which names its generated module, forms and sheets.

    The file's stem when that is a Python module name (yeji_ecommerce), as
    the public contract has it.  Otherwise a module name made from it, so
    that any file a drafter saves can be checked, tested, compared and built:
    its ASCII letters, digits and "_" (other runs become "_"), "policy" in
    front when that would not begin with a letter, and 8 hex digits of the
    stem's SHA-256, so that two file names never give one id:
    my-policy → my_policy_<hex>, 叶集 → policy_<hex>, 2024 → policy_2024_<hex>.
    """
    stem = Path(filename).stem
    if _MODULE_NAME.fullmatch(stem) and not keyword.iskeyword(stem):
        return stem
    readable = re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_")[:40].rstrip("_")
    digest = hashlib.sha256(stem.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    parts = ([] if readable[:1].isalpha() else ["policy"]) + ([readable] if readable else []) + [digest]
    return "_".join(parts)


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
    checker = Checker(filename, source)
    try:
        checker.invisible_characters(tree)
        policy = checker.run(A.build(tree))
    except (InvalidOperation, RecursionError) as exc:  # pathological literals or nesting
        checker.error("E0002", f"无法处理此文件：{type(exc).__name__}", Span.point(1, 1))
        policy = None
    return policy, checker.diags.sorted()


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
