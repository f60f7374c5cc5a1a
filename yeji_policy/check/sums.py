"""Caps on sums (#22): the checks that belong to `逐项 … 合计最高不超过 X` alone.

The sum's cap is computed once, after every item: it cannot read the item being summed.
Left to the name pass, `合计最高不超过 s.cost` would be "未定义的逐项变量" (E0210), which
reads as if the drafter had forgotten the `逐项` they just wrote; E0440 says what is wrong.
"""

from __future__ import annotations

from dataclasses import fields

from .. import ast as A
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
