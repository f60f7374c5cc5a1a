"""The names pass: each programme's inputs declared, and every name resolved to its declaration.

An input (输入) is declared once per programme with a Chinese label; its
numeric options (最小, 步长, 默认) are in its own unit; an option list names
each option once.  A name in a rule is an input, a step (令) declared above
it, or an item field of the list that 逐项 walks; anything else is E0201
with the closest known name.  Inputs no rule reads are W0701.  Across the
policy, one input name means one input (E0213): the policy calculator merges
every programme's inputs by name.
"""

from __future__ import annotations

from decimal import Decimal

from .. import ast as A
from .. import keywords
from .. import model as M
from ..units import DIMENSIONLESS, MONEY, describe, input_unit
from .context import Context, first_here, suggest
from .literals import literal

NUM_KINDS = ("money", "number", "int")

_OPTION_LABELS = {kind: keywords.FIELD_OPTIONS[kind] for kind in ("min", "step", "default")}


class Scope:
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
        # Steps (令) whose expression had an error, already reported: a reference to one
        # is not reported again as undefined (no cascade of E0201 after one unit error).
        self.broken: set[str] = set()

    def for_item(self, var: str, list_field: M.Field) -> "Scope":
        inner = Scope(self.programme, self.article, self.fields)
        inner.lets = dict(self.lets)
        inner.broken = set(self.broken)
        inner.item_var = var
        inner.item_list = list_field.name
        inner.item_fields = {f.name: f for f in list_field.item_fields}
        inner.used = self.used
        return inner


class NamesPass:
    """E0201, E0202, E0209, E0210, E0213, E0301, E0302, E0408, E0409, E0505 (an input's option twice), E0515 and W0701."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    # ------------------------------------------------------------ declarations
    def fields(self, nodes, article: int, pid: str, prefix: str = "") -> list[M.Field]:
        """The inputs of one 输入 block (or of one list's items), each name once."""
        result: list[M.Field] = []
        seen: dict[str, A.Field] = {}
        for node in nodes:
            name = node.name.value
            if name in seen:
                self.ctx.error("E0202", f"输入项“{prefix}{name}”重复定义", node.name.span,
                               related=first_here(seen[name].name.span))
                continue
            seen[name] = node
            checked = self.field(node, article, pid, prefix)
            if checked is not None:
                result.append(checked)
        return result

    def field(self, node: A.Field, article: int, pid: str, prefix: str) -> M.Field | None:
        ctx = self.ctx
        t = node.type
        kind = t.kind
        unit = None
        dim = DIMENSIONLESS
        if kind == "money":
            unit, dim = "元", MONEY
        elif kind in ("number", "int") and t.unit is not None:
            unit = str(t.unit)
            dim, base = input_unit(unit)
            if base != unit:
                ctx.error("E0301", f"输入项的单位须是基本单位，“{unit}”请改为“{base}”并换算", A.span_of(t.unit))
        opts: dict[str, A.FieldOption] = {}
        for opt in node.options:
            if opt.kind in opts:
                ctx.error("E0505", f"输入项“{node.name.value}”的选项重复", opt.span,
                          related=first_here(opts[opt.kind].span, "首次出现于此"))
            opts[opt.kind] = opt

        kind_ok = kind in NUM_KINDS

        def numeric_option(kind: str) -> Decimal | None:
            """The value of 最小/步长/默认, in the field's own unit; only for numeric fields."""
            if not kind_ok or kind not in opts:
                return None
            const = literal(ctx, opts[kind].value)
            if const is None:
                return None
            value, literal_dim = const
            if literal_dim != dim:
                ctx.error("E0302", f"单位不一致：输入项“{node.name.value}”以{describe(dim)}计，此处为{describe(literal_dim)}",
                          opts[kind].span)
            if value < 0:
                ctx.error("E0408", "最小值、步长和默认值不能为负数", opts[kind].span)
            return value

        for key in ("min", "step", "default"):
            if key in opts and not kind_ok:
                ctx.error("E0408", f"“{_OPTION_LABELS[key]}”只能用于金额、数值或整数输入项", opts[key].span)
        minimum = numeric_option("min")
        step = numeric_option("step")
        default = numeric_option("default")
        if step is not None and step <= 0:
            ctx.error("E0408", "步长须大于0", opts["step"].span)
        options: list[tuple[str, str]] = []
        if kind == "enum":
            seen_options: dict[str, A.Option] = {}
            for option in t.options:
                if option.name.value in seen_options:
                    ctx.error("E0209", f"选项“{option.name.value}”重复", option.name.span,
                              related=first_here(seen_options[option.name.value].name.span))
                    continue
                seen_options[option.name.value] = option
                if not option.label.value.strip():
                    ctx.error("E0515", f"选项“{option.name.value}”缺少中文名称", option.label.span)
                options.append((option.name.value, option.label.value))
        item_fields: tuple[M.Field, ...] = ()
        if kind == "list":
            item_fields = tuple(self.fields(t.fields, article, pid, prefix=f"{prefix}{node.name.value}."))
            for f in item_fields:
                if f.kind == "list":
                    ctx.error("E0409", "列表的项不能再是列表", f.span)
        if not node.label.value.strip():
            ctx.error("E0515", f"输入项“{node.name.value}”缺少中文名称", node.label.span)
        help_text = opts["help"].value.value if "help" in opts else None
        interp = None
        if "interp" in opts:
            interp = ctx.interp(opts["interp"].value, f"输入项“{node.label.value}”", article, pid,
                               f"input.{prefix}{node.name.value}")
        return M.Field(
            name=node.name.value, label=node.label.value, kind=kind, help=help_text, unit=unit, dim=dim,
            default=default, minimum=minimum, step=step, options=tuple(options), item_fields=item_fields,
            interpretation=interp, span=node.name.span,
        )

    # ------------------------------------------------------------ references
    def ref(self, node: A.Ref, scope: Scope):
        """A bare name: a step (令), else an input; a list cannot be computed with directly."""
        name = node.name.value
        if name in scope.lets:
            let = scope.lets[name]
            return M.LetRef(let, let.expr.type, node.span)
        if name in scope.fields:
            f = scope.fields[name]
            if f.kind == "list":
                self.ctx.error("E0409", f"列表“{name}”不能直接参与计算，请用“逐项 {name} 为 变量 {{ … }}”", node.span)
                return None
            scope.used.add(name)
            return M.InputRef(f, f.type, node.span)
        if name in scope.broken:
            return None  # its own error is reported where it is defined
        if scope.item_var is not None and name in scope.item_fields:
            self.ctx.error("E0201", f"未定义的输入项“{name}”，是否指“{scope.item_var}.{name}”？", node.name.span)
            return None
        candidates = list(scope.fields) + list(scope.lets)
        self.ctx.error("E0201", f"未定义的输入项“{name}”{suggest(name, candidates)}", node.name.span)
        return None

    def item_ref(self, node: A.ItemRef, scope: Scope):
        """`变量.名称` inside 逐项: a field of the list's items."""
        var = node.var.value
        if scope.item_var is None or var != scope.item_var:
            where = f"，当前逐项变量为“{scope.item_var}”" if scope.item_var else "：只能在“逐项 … 为 变量 { … }”内使用"
            self.ctx.error("E0210", f"未定义的逐项变量“{var}”{where}", node.var.span)
            return None
        f = scope.item_fields.get(node.name.value)
        if f is None:
            self.ctx.error("E0201", f"列表项没有输入项“{node.name.value}”{suggest(node.name.value, scope.item_fields)}",
                           node.name.span)
            return None
        scope.used.add(f"{scope.item_list}.{f.name}")
        return M.ItemRef(var, f, f.type, node.span)

    # ------------------------------------------------------------ unused inputs
    def unused(self, fields, used: set[str], prefix: str = "") -> None:
        """W0701 for each input (or list item field, under `prefix`) that no rule reads."""
        for f in fields:
            if f"{prefix}{f.name}" not in used:
                self.ctx.warning("W0701", f"输入项“{prefix}{f.name}”（{f.label}）没有被任何规则使用", f.span)

    # ------------------------------------------------------------ across programmes
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
                difference = field_difference(other, f)
                if difference:
                    self.ctx.error("E0213", f"输入项“{f.name}”在项目“{programme.id}”中的定义与项目“{other_pid}”不同：{difference}",
                                   f.span,
                                   "政策计算器按名称合并各项目的输入项：同一名称须表示同一输入（类型、单位、选项、最小值、步长、默认值都相同）；"
                                   "不同的输入请另起名称",
                                   related=first_here(other.span, f"首次定义于项目“{other_pid}”"))


def mark_used(node, scope: Scope) -> None:
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


def field_difference(a: M.Field, b: M.Field) -> str:
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
        difference = field_difference(item, b_items[name])
        if difference:
            return f"列表项“{name}”的{difference}"
    return ""


def _shown(value: Decimal | None) -> str:
    return "无" if value is None else format(value, "f")
