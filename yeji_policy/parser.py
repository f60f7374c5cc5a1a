"""Parsing: source text -> Lark parse tree, with syntax errors as Chinese diagnostics."""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import os
import re
import sys
import threading
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Tree
from lark import lexer as lark_lexer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .diagnostics import Diagnostic, Span
from .units import INPUT_BASE_UNITS, INPUT_UNITS, UNITS

# Nesting: the parser itself is iterative, but the passes after it (the AST
# builder, checker, formatter, differ and backends) recurse once per level of
# an expression.  They run in a thread with room for MAX_NESTING levels
# (`deep_call`); a source nested deeper is refused by `parse` with E0106
# before any of them runs.  A 1,000-term sum `a + a + …` nests 1,000 deep.
MAX_NESTING = 5_000
_STACK_BYTES = 512 * 1024 * 1024  # address space only: pages are used as the recursion reaches them
_RECURSION_LIMIT = 20 * MAX_NESTING  # frames: a few per level in each pass, with room to spare

# Named terminals as a drafter would call them.
TERMINAL_NAMES = {
    "NAME": "标识符（英文字母、数字、下划线）",
    "INT": "整数",
    "NUMBER": "数字",
    "QUANTITY": "带单位的数字（如 50万元、80%、15元/平方米/月）",
    "CN_NUMERAL": "中文章序号（如 一、二）",
    "STRING": "带半角双引号的文字",
    "TEXT_LINE": "以 > 开头的原文行",
    "FUNC": "函数名（最小、最大、月数、重叠月数）",
    # only the units the checker accepts on an input (年 parses, and is refused: E0301)
    "UNIT": f"单位（{'、'.join(INPUT_BASE_UNITS)}）",
    "RATE_UNIT": "复合单位（如 元/平方米/月）",
    "$END": "文件结束",
}

# Characters a drafter typing Chinese often enters by mistake.
FULL_WIDTH_HINTS = {
    "（": "请使用半角括号 ( )",
    "）": "请使用半角括号 ( )",
    "：": "请使用半角冒号 :",
    "，": "请使用半角逗号 ,",
    "“": "文字请用半角双引号 \"…\" 括起",
    "”": "文字请用半角双引号 \"…\" 括起",
    "｛": "请使用半角花括号 { }",
    "｝": "请使用半角花括号 { }",
    "＝": "请使用半角等号 =",
}


def grammar_text() -> str:
    """The grammar (the copy packaged with the wheel, else the repository's), with
    its UNIT terminal filled from units.UNIT_TABLE: the units live in one table."""
    packaged = resources.files("yeji_policy").joinpath("grammar/policy.lark")
    if packaged.is_file():
        text = packaged.read_text(encoding="utf-8")
    else:
        text = (Path(__file__).resolve().parent.parent / "grammar" / "policy.lark").read_text(encoding="utf-8")
    text = _UNIT_LINE.sub(lambda _: "UNIT: " + " | ".join(json.dumps(u, ensure_ascii=False) for u in INPUT_UNITS),
                          text, count=1)
    return _RATE_UNIT_LINE.sub(lambda _: f"RATE_UNIT.2: /{_rate_unit_pattern()}/", text, count=1)


_UNIT_LINE = re.compile(r"^UNIT: .*$", re.M)
_RATE_UNIT_LINE = re.compile(r"^RATE_UNIT\.2: .*$", re.M)


def _rate_unit_pattern() -> str:
    """A compound input unit (元/平方米/月): any unit of the table, then one or more "/unit"."""
    every = "|".join(re.escape(u) for u in sorted(UNITS, key=lambda w: (-len(w), w)))
    return f"(?:{every})(?:\\/(?:{every}))+"


# Comments are ignored by the grammar; the formatter still needs them.  Lark
# calls a lexer callback for ignored tokens too: while parse_with_comments
# runs, the callback collects them (per thread).  One parser serves both uses,
# because building it is slow.
_comments = threading.local()


def _on_comment(token: Token) -> Token:
    sink = getattr(_comments, "sink", None)
    if sink is not None:
        sink.append(token)
    return token


def build_parser(strict: bool) -> Lark:
    """A new parser for the grammar.

    strict=True also proves the grammar sound: LALR conflicts and terminal
    collisions become errors.  That proof is slow (interegular compares every
    terminal over the CJK ranges: seconds), so the test suite builds the strict
    parser once (tests/test_language.py) and the tools build the same grammar
    without the proof, in a fraction of a second.
    """
    options = dict(parser="lalr", propagate_positions=True, maybe_placeholders=False,
                   lexer_callbacks={"COMMENT": _on_comment})
    if strict:
        return Lark(grammar_text(), strict=True, **options)
    with _without_collision_check():
        return Lark(grammar_text(), strict=False, cache=_cache_file(), **options)


def _cache_file() -> str | bool:
    """Where Lark keeps the analysed grammar between runs (it checks the grammar's
    hash before using it): the user's cache directory, or no cache if unwritable."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "yeji-policy"
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return False
    if not os.access(base, os.W_OK):
        return False
    return str(base / "policy-grammar.lark-cache")


@contextlib.contextmanager
def _without_collision_check():
    # Lark runs interegular's collision check whenever interegular is installed,
    # strict or not; the switch is this module attribute.
    saved = lark_lexer.has_interegular
    lark_lexer.has_interegular = False
    try:
        yield
    finally:
        lark_lexer.has_interegular = saved


@functools.lru_cache(maxsize=1)
def policy_parser() -> Lark:
    return build_parser(strict=False)


def parse_with_comments(text: str) -> tuple[Tree | None, list[Token], list[Diagnostic]]:
    """Like `parse`, and also return every `#` comment token, in source order."""
    _comments.sink = []
    try:
        tree, diagnostics = parse(text)
        return tree, (_comments.sink if tree is not None else []), diagnostics
    finally:
        _comments.sink = None


@functools.lru_cache(maxsize=1)
def _terminal_patterns() -> dict[str, str]:
    return {t.name: t.pattern.value for t in policy_parser().terminals}


def describe_terminal(name: str) -> str:
    if name in TERMINAL_NAMES:
        return TERMINAL_NAMES[name]
    pattern = _terminal_patterns().get(name)
    if pattern is None:
        return name
    return f"“{pattern}”"


def describe_token(token: Token) -> str:
    if token.type == "$END":
        return "文件结束"
    text = str(token)
    if len(text) > 20:
        text = text[:20] + "…"
    return f"“{text}”"


def _expected(expected: set[str] | frozenset[str]) -> str:
    # In full: a list cut short hides the one word the drafter was looking for.
    return "、".join(sorted({describe_terminal(name) for name in expected}))


# ---------------------------------------------------------------- what may stand where the parse stopped
# Entries the checker refuses a second time in one block (E0505), by the alias of their
# grammar rule; and the rules after which no rule may follow (金额 = … is the last, E0512).
_REPEATED_ENTRIES_ALLOWED = {"doc_basis", "doc_figure_note", "prog_constraint"}
_RULES = ("require", "review", "let", "unique", "amount_rule", "period_block")


@functools.lru_cache(maxsize=1)
def _leading_keywords() -> dict[str, str]:
    """Each aliased grammar rule that starts with a keyword -> that keyword (prog_article -> 条款)."""
    lark = policy_parser()
    words = {t.name: t.pattern.value for t in lark.terminals if t.pattern.type == "str"}
    leading: dict[str, str] = {}
    for rule in lark.rules:
        first = rule.expansion[0] if rule.expansion else None
        name = str(rule.alias or rule.origin.name)
        if first is not None and first.is_term and first.name in words:
            leading.setdefault(name, words[first.name])
    return leading


@functools.lru_cache(maxsize=1)
def _keyword_terminals() -> dict[str, str]:
    """keyword -> the name of its terminal (条款 -> 条款, { -> LBRACE)."""
    return {t.pattern.value: t.name for t in policy_parser().terminals if t.pattern.type == "str"}


def acceptable(exc: UnexpectedInput, text: str) -> set[str] | None:
    """The terminals that may stand where `exc` stopped the parse, or None when unknown.

    Lark's `expected` is the LALR state's lookahead set, which holds words that a
    later reduction then refuses (it mixes the words of enclosing blocks in); its
    `accepts()` feeds each candidate to a copy of the parser, but only for terminal
    names in upper case, which no Chinese keyword is.  So each candidate is fed
    here, and the keywords the checker would refuse at this point are left out.
    """
    cursor = getattr(exc, "interactive_parser", None)
    if cursor is None:
        return None
    if isinstance(exc, UnexpectedToken):
        cursor = _before(exc.token, cursor, text)
    terminals = {t.name for t in policy_parser().terminals} | {"$END"}
    conf = copy.copy(cursor.parser_state.parse_conf)
    conf.callbacks = {}  # the trial feeds build no trees
    accepted: set[str] = set()
    for name in cursor.choices():
        if name not in terminals:
            continue
        trial = cursor.copy(deepcopy_values=False)
        trial.parser_state.parse_conf = conf
        try:
            trial.feed_token(Token(name, ""))
        except UnexpectedInput:
            continue
        accepted.add(name)
    return accepted - _refused_here(cursor.parser_state.value_stack)


def _before(bad: Token, failed, text: str):
    """The parser just before it was fed `bad`.

    By then it has already made the reductions that `bad` called for (LALR reduces
    on a lookahead that only a later state refuses: after `最高不超过 5万元`, a name
    might begin the next choice of a 按 table): the words that could have continued
    the expression are gone.  So the text is parsed again up to `bad`, once, on the
    error path only.
    """
    if bad.type == "$END" or bad.start_pos is None:
        limit = None
    else:
        limit = bad.start_pos
    cursor = policy_parser().parse_interactive(text)
    try:
        for token in cursor.lexer_thread.lex(cursor.parser_state):
            if limit is not None and token.start_pos >= limit:
                break
            cursor.feed_token(token)
    except UnexpectedInput:
        return failed
    return cursor


def _refused_here(stack: list) -> set[str]:
    """Terminals of the keywords the checker refuses in the innermost open block of the
    parse stack: an entry given once already (E0505), any rule after 金额 = … (E0505, E0512)."""
    depth = 0
    for index in range(len(stack) - 1, -1, -1):
        item = stack[index]
        if isinstance(item, Token) and item.type == "RBRACE":
            depth += 1
        elif isinstance(item, Token) and item.type == "LBRACE":
            if depth == 0:
                break
            depth -= 1
    else:
        return set()
    opener = [str(t) for t in stack[max(0, index - 4):index]]
    if opener[-1:] == ["文件"]:
        prefix = "doc_"
    elif opener[-3:-2] == ["项目"] and len(opener) >= 3 and stack[index - 1].type == "STRING":
        prefix = "prog_"
    elif opener[-4:-3] == ["逐项"]:
        prefix = None  # rules only
    else:
        return set()
    leading = _leading_keywords()
    present: set[str] = set()  # the aliases of the entries and rules given so far
    keywords_given: set[str] = set()
    for item in stack[index + 1:]:
        if isinstance(item, Tree):
            for node in ([item] if not str(item.data).startswith("_") else item.children):
                if isinstance(node, Tree):
                    present.add(str(node.data))
        elif isinstance(item, Token):
            keywords_given.add(str(item))
    present |= {alias for alias, word in leading.items() if word in keywords_given and (
        (prefix and alias.startswith(prefix)) or alias == "amount_rule")}
    refused = {leading[alias] for alias in present
               if prefix and alias.startswith(prefix) and alias not in _REPEATED_ENTRIES_ALLOWED and alias in leading}
    if "amount_rule" in present:
        refused |= {leading[rule] for rule in _RULES}
    names = _keyword_terminals()
    return {names[word] for word in refused if word in names}


def parse(text: str) -> tuple[Tree | None, list[Diagnostic]]:
    """Parse `text`; return the tree, or None and one syntax diagnostic."""
    try:
        tree = policy_parser().parse(text)
    except UnexpectedInput as exc:
        return None, [syntax_diagnostic(exc, text)]
    too_deep = _first_too_deep(tree)
    if too_deep is not None:
        return None, [too_deep]
    return tree, []


def _first_too_deep(tree: Tree) -> Diagnostic | None:
    """E0106 at the first node (in source order) nested deeper than MAX_NESTING."""
    stack: list[tuple[Tree | Token, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            meta = node if isinstance(node, Token) else node.meta
            span = Span.point(getattr(meta, "line", 1), getattr(meta, "column", 1))
            return Diagnostic("E0106", f"嵌套层数超过{MAX_NESTING}层，无法处理", span, "error",
                              ("请把表达式拆成几个用“令”定义的中间量",))
        if isinstance(node, Tree):
            stack.extend((child, depth + 1) for child in reversed(node.children))
    return None


def tokens_of(tree: Tree, types: tuple[str, ...]) -> list[Token]:
    """The tokens of the given types, in source order, without recursion (any depth)."""
    found: list[Token] = []
    stack: list[Tree | Token] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Tree):
            stack.extend(reversed(node.children))
        elif isinstance(node, Token) and node.type in types:
            found.append(node)
    return found


_deep = threading.local()


def deep_call(function, *args):
    """`function(*args)`, run where recursion has room for MAX_NESTING levels.

    A thread with a large stack and, while it runs, a higher recursion limit;
    the caller waits for it, so this is a plain call with more room.  Its
    result or exception passes back to the caller.  Calls made inside it run
    directly.
    """
    if getattr(_deep, "inside", False):
        return function(*args)
    outcome: dict[str, object] = {}

    def run() -> None:
        _deep.inside = True
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller as is
            outcome["error"] = exc

    try:
        previous_size = threading.stack_size(_STACK_BYTES)
    except (ValueError, RuntimeError):  # stacks of this size are not allowed here
        return function(*args)
    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, _RECURSION_LIMIT))
    try:
        worker = threading.Thread(target=run, name="yeji-policy-deep", daemon=True)
        try:
            worker.start()
        except RuntimeError:  # no memory for such a thread: run here, as deep as the stack allows
            sys.setrecursionlimit(previous_limit)
            return function(*args)
        finally:
            threading.stack_size(previous_size)
        worker.join()
    finally:
        sys.setrecursionlimit(previous_limit)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]


def syntax_diagnostic(exc: UnexpectedInput, text: str) -> Diagnostic:
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        notes = (FULL_WIDTH_HINTS[char],) if char in FULL_WIDTH_HINTS else ()
        if char == '"':
            return Diagnostic("E0104", "字符串没有结束：缺少右侧的半角双引号", Span.point(exc.line, exc.column), "error",
                              ("字符串不能跨行；换行请写 \\n",))
        shown = char if char.isprintable() else f"U+{ord(char):04X}"
        return Diagnostic(
            "E0102",
            f"无法识别的字符“{shown}”，此处期望：{_expected(_or(acceptable(exc, text), exc.allowed))}",
            Span.point(exc.line, exc.column),
            "error",
            notes,
        )
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        token = exc.token
        span = Span(token.line, token.column, token.end_line or token.line,
                    token.end_column or token.column + len(str(token)))
        return Diagnostic(
            "E0101",
            f"此处不应出现{describe_token(token)}，期望：{_expected(_or(acceptable(exc, text), exc.expected))}",
            span,
        )
    # End of input inside a block.
    expected = _or(acceptable(exc, text), exc.expected) if isinstance(exc, (UnexpectedToken, UnexpectedEOF)) else set()
    opened = unclosed_brace(text)
    if opened is not None:
        line, column = opened
        return Diagnostic(
            "E0103",
            f"文件意外结束：第{line}行第{column}列的“{{”没有对应的“}}”",
            Span.point(line, column),
            "error",
            (f"此处期望：{_expected(expected)}",) if expected else (),
        )
    lines = text.split("\n")
    line = len(lines)
    return Diagnostic("E0103", f"文件意外结束，期望：{_expected(expected)}",
                      Span.point(line, len(lines[-1]) + 1))


def _or(exact: set[str] | None, fallback) -> set[str]:
    return exact if exact is not None else set(fallback or ())


def unclosed_brace(text: str) -> tuple[int, int] | None:
    """Position of the innermost `{` never closed, skipping strings, text lines and comments."""
    stack: list[tuple[int, int]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith(">"):
            continue
        in_string = False
        escaped = False
        for column, ch in enumerate(line, start=1):
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch == "#":
                break
            elif ch == "{":
                stack.append((number, column))
            elif ch == "}" and stack:
                stack.pop()
    return stack[-1] if stack else None
