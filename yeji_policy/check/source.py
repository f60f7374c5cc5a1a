"""The source pass: what is wrong with the text itself, before its meaning.

Invisible characters in strings and original text (E0105), escapes that name
no character (E0108), and a file name that cannot name the generated module
(W0003, with `policy_id`, the name used instead).
"""

from __future__ import annotations

import hashlib
import keyword
import re
from pathlib import Path

from lark import Token

from .. import ast as A
from .. import parser
from ..diagnostics import Span
from .context import Context

# An escape in a string literal: \uXXXX (group 2: the hex digits) or a backslash and one character.
_ESCAPE = re.compile(r"\\(u([0-9A-Fa-f]{4})|.)")

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


class SourcePass:
    """E0105, E0108 and W0003: the characters of the parse tree's strings and original text, and the file's name."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def run(self, tree) -> None:
        """The parse tree's characters (the file's name is checked once the AST is built: `file_name`)."""
        self.invisible_characters(tree)

    def invisible_characters(self, tree) -> None:
        """E0105 for every string or original-text line holding an invisible control, bidirectional or zero-width character."""
        for token in parser.tokens_of(tree, ("STRING", "TEXT_LINE")):
            if token.type == "STRING" and not self.scalar_escapes(token):
                continue
            value = A.unquote(token) if token.type == "STRING" else str(token)
            for ch in value:
                kind = _invisible(ch)
                if kind:
                    self.ctx.error("E0105", f"文字中含有不可见的{kind} U+{ord(ch):04X}", A.span_of(token),
                                   "这类字符会改变文字的显示或在生成的表单、说明中造成错误，请删除")
                    break

    def scalar_escapes(self, token: Token) -> bool:
        """E0108 for a \\uXXXX escape naming a surrogate (U+D800–U+DFFF): half of a
        UTF-16 pair is no character, and no UTF-8 file or JSON form can hold it."""
        for match in _ESCAPE.finditer(str(token)):
            if match.group(2) and 0xD800 <= int(match.group(2), 16) <= 0xDFFF:
                column = token.column + match.start()
                self.ctx.error("E0108", f"转义“{match.group(0)}”不是有效的字符：U+{match.group(2).upper()} 是代理码位",
                               Span(token.line, column, token.line, column + len(match.group(0))),
                               "代理码位（U+D800–U+DFFF）只能成对出现在 UTF-16 中，不能单独表示字符；请直接写出该字符")
                return False
        return True

    def file_name(self) -> None:
        """W0003 when the file's name cannot name the generated module, saying the name used instead."""
        stem, pid = Path(self.ctx.filename).stem, policy_id(self.ctx.filename)
        if stem != pid:
            shown = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in stem)
            self.ctx.warning("W0003", f"文件名“{shown}”不能用作模块名，生成的计算模块、表单和规则说明改以“{pid}”命名",
                             Span.point(1, 1), "模块名只能由英文字母、数字和下划线组成，且不以数字开头；"
                             "如需别的名称，请按此给文件改名")


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
