"""The embedded tests pass: each 测试 block becomes an application and its expected result.

A test names a programme that exists (E0601); its expected amounts are
exact to the 分 and only tests expecting 无效 list paths (E0602); and unless
it expects 无效, its inputs match the programme's form: no unknown input
(E0603), none missing (E0604), each of the right kind (E0605).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from .. import ast as A
from .. import model as M
from ..diagnostics import Span
from .context import Context, first_here, suggest

STATUS_IDS = {"符合": "eligible", "不符合": "ineligible", "需审核": "review", "无效": "invalid"}

_KIND_LABELS = {"money": "金额（数字）", "number": "数值", "int": "整数", "bool": "是或否", "date": "日期（\"YYYY-MM-DD\"）",
                "text": "文字", "enum": "选项", "list": "列表"}


class EmbeddedTestsPass:
    """E0601–E0605."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def run(self, tests: list[A.TestCase], programmes: dict[str, M.Programme], declared: set[str]) -> list[M.TestCase]:
        """The checked test cases of the programmes that checked cleanly (`declared`: every programme id)."""
        return [t for t in (self.test_case(t, programmes, declared) for t in tests) if t is not None]

    def test_case(self, node: A.TestCase, programmes: dict[str, M.Programme], declared: set[str]):
        pid = node.programme.value
        status = STATUS_IDS[node.expect.status.value]
        if pid not in programmes:
            if pid not in declared:
                self.ctx.error("E0601", f"测试“{node.name.value}”引用了不存在的项目“{pid}”{suggest(pid, declared)}",
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
                    self.ctx.error("E0602", f"预期金额“{value}”须精确到分（最多两位小数）", A.span_of(value))
                if detail.kind == "amount":
                    amount = number
                else:
                    if_approved = number
            elif detail.kind == "reason":
                reasons.append(value.value)
            else:
                paths.append(value.value)
        if paths and status != "invalid":
            self.ctx.error("E0602", "只有预期“无效”的测试才能写“路径”", node.expect.span)
        if status == "invalid" and (amount is not None or if_approved is not None):
            self.ctx.error("E0602", "预期“无效”的测试不能写金额", node.expect.span)
        return M.TestCase(node.name.value, pid,
                          application if application is not None else {},
                          M.Expectation(status, amount, if_approved, tuple(reasons), tuple(paths)), node.span)

    def test_value(self, value: A.Value, fields, path: str, strict: bool):
        """The JSON value of a test input; in strict mode, also its type against the form."""
        if value.kind != "object":
            return plain_value(value)
        result = {}
        first: dict[str, Span] = {}
        by_name = {f.name: f for f in fields}
        for name, item in value.value:
            key = name.value
            if key in result:
                self.ctx.error("E0602", f"测试输入中“{path}{key}”重复", name.span,
                               related=first_here(first[key], "首次出现于此"))
            else:
                first[key] = name.span
            f = by_name.get(key)
            if f is None:
                if strict:
                    self.ctx.error("E0603", f"测试输入中有未知的输入项“{path}{key}”{suggest(key, by_name)}", name.span)
                result[key] = plain_value(item)
                continue
            result[key] = self.field_value(f, item, f"{path}{key}", strict)
        if strict:
            missing = [f.name for f in fields if f.name not in result and f.default is None]
            if missing:
                self.ctx.error("E0604", f"测试输入缺少输入项：{'、'.join(path + m for m in missing)}", value.span)
        return result

    def field_value(self, f: M.Field, item: A.Value, path: str, strict: bool):
        plain = plain_value(item)
        if not strict:
            if f.kind == "list" and item.kind == "list":
                return [self.test_value(v, f.item_fields, f"{path}[{i}].", False) for i, v in enumerate(item.value)]
            return plain
        expected = {"money": "number", "number": "number", "int": "number", "bool": "bool", "date": "string",
                    "text": "string", "enum": "string", "list": "list"}[f.kind]
        if item.kind != expected:
            self.ctx.error("E0605", f"测试输入“{path}”的类型不符：“{f.label}”应为{_KIND_LABELS[f.kind]}", item.span)
            return plain
        if f.kind == "enum" and plain not in dict(f.options):
            self.ctx.error("E0605", f"测试输入“{path}”的选项“{plain}”不存在{suggest(plain, dict(f.options))}", item.span,
                           "可选：" + "、".join(o for o, _ in f.options))
        if f.kind == "int" and plain != plain.to_integral_value():
            self.ctx.error("E0605", f"测试输入“{path}”应为整数", item.span)
        if f.kind == "list":
            return [self.test_value(v, f.item_fields, f"{path}[{i}].", True) for i, v in enumerate(item.value)]
        return plain


def plain_value(value: A.Value):
    """A test input as plain JSON data, numbers as exact Decimals."""
    if value.kind == "number":
        return Decimal(value.value)
    if value.kind == "list":
        return [plain_value(v) for v in value.value]
    if value.kind == "object":
        return {name.value: plain_value(v) for name, v in value.value}
    return value.value
