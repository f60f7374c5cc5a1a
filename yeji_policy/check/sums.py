"""Caps on sums (#22): the checks that belong to `逐项 … 合计最高不超过 X` and to a list's sum
as a named step (`令 x "…" = 逐项 … { … }`) alone.

The sum's cap is computed once, after every item: it cannot read the item being summed.
Left to the name pass, `合计最高不超过 s.cost` would be "未定义的逐项变量" (E0210), which
reads as if the drafter had forgotten the `逐项` they just wrote; E0440 says what is wrong.
"""

from __future__ import annotations

from dataclasses import fields

from .. import ast as A
from .. import model as M
from ..units import MONEY
from .context import Context


def _item_refs(node: object, var: str):
    if isinstance(node, A.ItemRef):
        if node.var.value == var:
            yield node
    elif isinstance(node, tuple):
        for child in node:
            yield from _item_refs(child, var)
    elif hasattr(node, "__dataclass_fields__") and not isinstance(node, (A.Name, A.Str, A.Interp)):
        for f in fields(node):
            yield from _item_refs(getattr(node, f.name), var)


def total_cap_reads_an_item(ctx: Context, node: A.PerItem) -> bool:
    """E0440 for each item field the sum's cap reads; whether there was one (the cap is then not checked further)."""
    found = False
    for ref in _item_refs(node.cap.limit, node.var.value):
        found = True
        ctx.error("E0440", f"合计上限在各项合计之后计算，不能引用单项的“{ref.var.value}.{ref.name.value}”", ref.span,
                  "每项的上限写在“逐项”块内的“金额 = … 最高不超过 …”；合计上限只能用项目的输入项、命名步骤和数字")
    return found


def item_sum(types, node: A.ItemSum, scope) -> M.ItemSum | None:
    """令 x "…" = 逐项 LIST 为 VAR { … }: a certain amount in 元 — each item's 要求 decide whether
    it counts, its 金额 is a formula (with its own cap); no 审核 or 唯一 (E0441: an item under
    review has no certain amount, which a named step needs), no 情形 (E0442)."""
    ctx = types.ctx
    undecided = [r for r in node.rules if isinstance(r, (A.Review, A.Unique))]
    for rule in undecided:
        ctx.error("E0441", "命名步骤中的逐项合计须是确定的数额，不能有“审核”或“唯一”", rule.span,
                  "需人工审核的项请写在“金额 = 逐项 … { … }”中（可用“合计最高不超过”给合计设上限）")
    found = types.item_scope(node, scope)
    if found is None or undecided:
        return None
    list_field, var, inner = found
    types.in_per_item = True
    try:
        rules, amount = types.rules(node.rules, inner, node.span, top_level=False)
    finally:
        types.in_per_item = False
    if amount is not None and not isinstance(amount, M.Formula):
        ctx.error("E0442", "命名步骤中的逐项合计，每项的金额须是一个算式（可带“最高不超过”）", amount.span,
                  "分情形的计算请写在“金额 = 逐项 … { … }”中")
        return None
    if amount is None:
        return None
    types.names.unused(list_field.item_fields, scope.used, prefix=f"{list_field.name}.")
    return M.ItemSum(list_field, var, tuple(rules), amount, M.Type("num", MONEY), node.span)
