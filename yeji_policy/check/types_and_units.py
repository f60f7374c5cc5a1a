"""The types and units pass: every rule and expression gets a type and a unit, or a diagnostic.

Conditions are 是/否 (E0401), both sides of + − and of a comparison have one
unit (E0302), an amount and its cap are in 元 (E0303), 若/按/情形 nest at
most MAX_NESTING deep (E0517), and no step of a programme needs more digits
than the engine carries (E0307).  Names are resolved by the names pass, tier
tables and 按 lookups by the tables pass; this pass builds the model's
rules and expressions from them.
"""

from __future__ import annotations

from decimal import Decimal

from .. import ast as A
from .. import keywords, precision
from .. import model as M
from ..diagnostics import Span
from ..units import MONEY, describe, multiply
from . import dates, ratio, sums, tables
from .bounds import lowest
from .context import Context, first_here, suggest
from .literals import literal
from .names import NamesPass, Scope, mark_used

FUNCTIONS = keywords.FUNCTIONS

# Deepest nesting of 若, 按 and 情形 inside one another.  The generated module
# opens one indented block per level, and Python allows 100; the rest of a
# programme's function needs fewer than ten.
MAX_NESTING = 50


class TypesPass:
    """E0201, E0204, E0208, E0302, E0303, E0307, E0308, E0401, E0402, E0406, E0409, E0504–E0506, E0512, E0514,
    E0517, E0518 and W0301; a name's E0201 and E0210 through the names pass."""

    def __init__(self, ctx: Context, names: NamesPass):
        self.ctx = ctx
        self.names = names
        self.nesting = 0  # 若, 按 and 情形 open around the expression being checked
        self.in_per_item = False
        self.facts: list[M.Expr] = []  # conditions that hold where the rule being checked stands (for W0410)
        self.ratio_allowed = False  # in an amount: a ratio may stand there (check/ratio.py)
        self.dates: dates.DatesPass | None = None  # set by check.run: dates in rules (#22, #16)

    def literal(self, node) -> tuple[Decimal, tuple] | None:
        return literal(self.ctx, node)

    # ------------------------------------------------------------ a programme's rules
    def constraints(self, nodes: list[A.Constraint], scope: Scope) -> list[M.Constraint]:
        """校验 lines: a 是/否 condition on a declared input."""
        constraints = []
        for c in nodes:
            cond = self.expect_type(c.cond, scope, "bool", "校验条件")
            if c.path.value not in scope.fields:
                self.ctx.error("E0201", f"未定义的输入项“{c.path.value}”{suggest(c.path.value, scope.fields)}", c.path.span)
            if cond is not None:
                constraints.append(M.Constraint(cond, c.path.value, c.message.value, c.span))
        return constraints

    def rules(self, rules_ast, scope: Scope, owner: Span, top_level: bool):
        ctx = self.ctx
        rules: list[M.Rule] = []
        amount = None
        amount_seen: A.AmountRule | None = None
        known = len(self.facts)  # the 要求 of an enclosing programme hold inside 逐项 too
        # a ratio may stand only in this block's amount; where the block ends (a 逐项's items) the enclosing
        # amount goes on, its 合计最高不超过 still an amount (check/ratio.py)
        enclosing, self.ratio_allowed = self.ratio_allowed, False
        for rule in rules_ast:
            if amount_seen:
                ctx.error("E0512", "“金额 = …”须是最后一条规则", rule.span)
            if isinstance(rule, A.AmountRule):
                if amount_seen:
                    ctx.error("E0505", "“金额 = …”重复", rule.span, related=first_here(amount_seen.span, "首次出现于此"))
                    continue
                amount_seen = rule
                outside, self.ratio_allowed = self.ratio_allowed, True
                amount = self.amount(rule.amount, scope)
                self.ratio_allowed = outside
                rules.extend(self.dates.take_steps())  # 逐年's year, a step before the amount
            elif isinstance(rule, A.Require):
                cond = self.expect_type(rule.cond, scope, "bool", "要求的条件")
                interp = ctx.interp(rule.interp, "条件", scope.article, scope.programme, "condition")
                if cond is not None:
                    rules.append(M.Require(cond, rule.reason.value, interp, rule.span))
                    self.facts.append(cond)
            elif isinstance(rule, A.Review):
                cond = self.expect_type(rule.cond, scope, "bool", "审核的条件")
                interp = ctx.interp(rule.interp, "人工审核", scope.article, scope.programme, "review")
                if cond is not None:
                    rules.append(M.Review(cond, rule.reason.value, interp, rule.span))
            elif isinstance(rule, A.Let):
                name = rule.name.value
                if name in scope.fields or name in scope.lets:
                    ctx.error("E0208", f"名称“{name}”已被使用", rule.name.span, related=self.declared(name, scope))
                    continue
                expr = self.expr(rule.expr, scope)
                interp = ctx.interp(rule.interp, rule.label.value, scope.article, scope.programme,
                                   f"value.{name}")
                if expr is not None:
                    let = M.Let(name, rule.label.value, expr, interp, rule.span)
                    scope.lets[name] = let
                    rules.append(let)
                else:
                    scope.broken.add(name)
            elif isinstance(rule, A.Period):
                rules.extend(self.dates.period(self, rule, scope))
            elif isinstance(rule, A.Unique):
                if top_level:
                    ctx.error("E0506", "“唯一”只能用在“逐项”块内", rule.span)
                    continue
                key = self.expr(rule.key, scope)
                interp = ctx.interp(rule.interp, "每项唯一", scope.article, scope.programme, "unique")
                if key is not None:
                    if key.type.kind not in ("text", "enum", "num", "date"):
                        ctx.error("E0401", f"“唯一”的依据须是文本、选项、数值或日期，此处为{key.type}", rule.key.span)
                    rules.append(M.Unique(key, rule.reason.value, interp, rule.span))
        del self.facts[known:]
        self.ratio_allowed = enclosing
        if not amount_seen:
            ctx.error("E0504", "缺少“金额 = …”规则", owner)
        return rules, amount

    def amount(self, node: A.Amount, scope: Scope):
        ctx = self.ctx
        if isinstance(node, A.Formula):
            expr = self.expr(node.expr, scope)
            if expr is not None and not self.is_money(expr):
                ctx.error("E0303", f"金额须以元计，此处为{expr.type}", node.expr.span)
            interp = ctx.interp(node.interp, "金额计算", scope.article, scope.programme, "formula")
            cap = None if node.cap is None else self.cap(node.cap, scope, "上限", "cap")
            if expr is None:
                return None
            return M.Formula(expr, interp, cap, node.span)
        if isinstance(node, A.Cases):
            return self.nested(node, scope, lambda: self.cases(node, scope))
        if isinstance(node, A.PerYear):
            return self.nested(node, scope, lambda: self.dates.per_year(self, node, scope))
        return self.per_item(node, scope)

    def cap(self, node: A.Cap, scope: Scope, subject: str, key: str) -> M.Cap | None:
        """最高不超过 / 合计最高不超过: an amount in 元 (E0303), a constant above 0 (E0406), an
        expression warned of when it can be negative (W0410); subject and key name its 解释."""
        ctx = self.ctx
        limit = self.expr(node.limit, scope)
        if limit is not None and not self.is_money(limit):
            ctx.error("E0303", f"{subject}须以元计，此处为{limit.type}", node.limit.span)
        if isinstance(limit, M.Const) and isinstance(limit.value, Decimal) and limit.value <= 0:
            ctx.error("E0406", f"{subject}须大于0，此处为“{limit.text}”", node.limit.span)
        elif limit is not None and self.is_money(limit):
            self.cap_bound(limit, node.limit.span)
        interp = ctx.interp(node.interp, subject, scope.article, scope.programme, key)
        return M.Cap(limit, interp) if limit is not None else None

    def per_item(self, node: A.PerItem, scope: Scope):
        """逐项 LIST 为 VAR { … }: the rules and amount of one item, in a scope of its own."""
        ctx = self.ctx
        found = self.item_scope(node, scope)
        if found is None:
            return None
        list_field, var, inner = found
        list_name = list_field.name
        self.in_per_item = True
        try:
            rules, amount = self.rules(node.rules, inner, node.span, top_level=False)
        finally:
            self.in_per_item = False
        # the sum's cap stands outside the items: it reads no item (the item's name is unknown there)
        cap = None
        if node.cap is not None and not sums.total_cap_reads_an_item(ctx, node):
            cap = self.cap(node.cap, scope, "合计上限", "total_cap")
        if amount is None:
            return None
        self.names.unused(list_field.item_fields, scope.used, prefix=f"{list_name}.")
        return M.PerItem(list_field, var, tuple(rules), amount, node.span, cap)

    def item_scope(self, node: A.PerItem | A.ItemSum, scope: Scope):
        """(list field, item variable, the item's scope) of 逐项 LIST 为 VAR; None after a diagnostic."""
        ctx = self.ctx
        if self.in_per_item:
            ctx.error("E0518", "“逐项”内不能再有“逐项”", node.span, "每一项的金额须直接算出；对另一个列表的计算请写成另一条规则或另一个项目")
            return None
        list_name = node.list_name.value
        list_field = scope.fields.get(list_name)
        if list_field is None or list_field.kind != "list":
            if list_field is None:
                ctx.error("E0201", f"未定义的输入项“{list_name}”{suggest(list_name, scope.fields)}", node.list_name.span)
            else:
                ctx.error("E0409", f"“逐项”须用于列表，“{list_name}”是{list_field.type}", node.list_name.span)
            return None
        scope.used.add(list_name)
        var = node.var.value
        if var in scope.fields or var in scope.lets:
            ctx.error("E0208", f"名称“{var}”已被使用", node.var.span, related=self.declared(var, scope))
            return None
        return list_field, var, scope.for_item(var, list_field)

    def cases(self, node: A.Cases, scope: Scope):
        cases = []
        failed = len(self.facts)  # a later case is tried only where the earlier ones failed (check/ratio.py)
        for index, case in enumerate(node.cases):
            cond = None
            if case.cond is None:
                if index != len(node.cases) - 1:
                    self.ctx.error("E0514", "“其他”须是最后一种情形", case.span)
            else:
                cond = self.expect_type(case.cond, scope, "bool", "情形的条件")
            outcome = case.outcome
            if isinstance(outcome, A.Pay):
                known = len(self.facts)
                self.facts += [cond] if cond is not None else []  # this case's amount is paid only where it holds
                result = self.amount(outcome.amount, scope)
                del self.facts[known:]
            elif isinstance(outcome, A.OutcomeReview):
                interp = self.ctx.interp(outcome.interp, "人工审核", scope.article, scope.programme, "review")
                result = M.ReviewOutcome(outcome.reason.value, interp, outcome.span)
            else:
                result = M.IneligibleOutcome(outcome.reason.value, outcome.span)
            if result is not None and (cond is not None or case.cond is None):
                cases.append(M.Case(cond, result, case.span))
            if cond is not None:
                self.facts.append(M.Not(cond, M.BOOL, case.span))
        del self.facts[failed:]
        if node.cases[-1].cond is not None:
            self.ctx.error("E0514", "“情形”须以“其他: …”结尾，说明其余情形如何处理", node.span,
                           "原文未作规定的情形写作：其他: 审核 \"原因\"")
        return M.Cases(tuple(cases), node.span)

    def cap_bound(self, limit: M.Expr, span: Span) -> None:
        """W0410 when a cap that is an expression can be negative for a valid application.  Zero is
        left alone: a cap of what was actually paid (最高不超过 rent_paid) is rightly 0 when nothing was."""
        low = lowest(limit, tuple(self.facts))
        if low is None or low >= 0:
            return
        least = "没有下限（可为任意负数）" if low.is_infinite() else f"为 {low:,.2f} 元"
        self.ctx.warning("W0410", f"上限可能为负数：按各输入项的取值范围，它的最小值{least}", span,
                         "上限为负数时，任何金额都超过上限；请检查公式（如用“最大(…, 0元)”），"
                         "或用“要求 … 否则 不符合”排除这样的申请")

    @staticmethod
    def declared(name: str, scope: Scope):
        """Where a name already in use was declared: the input, else the step (令)."""
        if name in scope.fields:
            return first_here(scope.fields[name].span, f"输入项“{name}”定义于此")
        return first_here(scope.lets[name].span, f"步骤“{name}”定义于此")

    @staticmethod
    def is_money(expr: M.Expr) -> bool:
        return expr.type.kind == "num" and expr.type.dim == MONEY

    def precision(self, programme: M.Programme) -> None:
        """E0307 for a step that could need more significant digits than the engine computes with."""
        for span, digits in precision.overflows(programme):
            self.ctx.error("E0307", f"这一步计算最多需要{digits}位有效数字，超过计算引擎的{precision.PRECISION}位精度",
                           span, f"每个输入项最大为 {precision.INPUT_LIMIT_TEXT}；请减少相乘的输入项，或减少数字、步长的小数位数")

    # ------------------------------------------------------------ expressions
    def nested(self, node, scope: Scope, check):
        """check() one level deeper in 若/按/情形.  Beyond MAX_NESTING levels: E0517,
        and what lies deeper is not checked (so that no depth can exhaust the
        stack), only its inputs count as used."""
        if self.nesting == MAX_NESTING:
            self.ctx.error("E0517", f"嵌套过深：“若”“按”“情形”最多相互嵌套{MAX_NESTING}层", node.span,
                           "请用“令”把内层的计算写成具名的步骤，或把条件并列写在同一个“情形”中")
            mark_used(node, scope)
            return None
        self.nesting += 1
        try:
            return check()
        finally:
            self.nesting -= 1

    def expect_type(self, node, scope: Scope, kind: str, what: str):
        expr = self.expr(node, scope)
        if expr is not None and expr.type.kind != kind:
            self.ctx.error("E0401", f"{what}须是{M.Type(kind)}，此处为{expr.type}", node.span)
            return None
        return expr

    def expr(self, node, scope: Scope):  # noqa: C901 - one branch per node kind
        if isinstance(node, (A.Number, A.Quantity)):
            lit = self.literal(node)
            if lit is None:
                return None
            value, dim = lit
            if isinstance(node, A.Quantity) and node.text.endswith("%") and value > 1:
                self.ctx.warning("W0301", f"比例“{node.text}”超过100%", node.span)
            return M.Const(value, M.Type("num", dim), node.text, node.span)
        if isinstance(node, A.Bool):
            return M.Const(node.value, M.BOOL, "是" if node.value else "否", node.span)
        if isinstance(node, A.Ref):
            return self.names.ref(node, scope)
        if isinstance(node, A.ItemRef):
            return self.names.item_ref(node, scope)
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
            return self.member(node, scope)
        if isinstance(node, A.Call):
            return self.call(node, scope)
        if isinstance(node, A.Tiers):
            return tables.tiers(self, node, scope)
        if isinstance(node, A.Lookup):
            return self.nested(node, scope, lambda: tables.lookup(self, node, scope))
        if isinstance(node, A.ItemSum):  # 令 x = 逐项 … (#22)
            return sums.item_sum(self, node, scope)
        if isinstance(node, A.Ratio):  # 除法、比例与累进 (#22 ratio)
            return ratio.ratio_literal(self, node)
        if isinstance(node, A.Bands):
            return ratio.bands(self, node, scope)
        if isinstance(node, dates.DATE_NODES + (dates._YearIs,)):
            return self.dates.expr(node, scope)
        raise TypeError(node)  # pragma: no cover - the grammar has no other node

    def conditional(self, node: A.If, scope: Scope):
        cond = self.expect_type(node.cond, scope, "bool", "“若”的条件")
        then = self.expr(node.then, scope)
        other = self.expr(node.otherwise, scope)
        if None in (cond, then, other):
            return None
        if then.type != other.type:
            self.ctx.error("E0302", f"“则”与“否则”两支的类型不一致：{then.type} 与 {other.type}", node.span)
            return None
        return M.Cond(cond, then, other, then.type, node.span)

    def binop(self, node: A.BinOp, scope: Scope):
        if node.op in ("且", "或"):
            left = self.expect_type(node.left, scope, "bool", f"“{node.op}”的左边")
            right = self.expect_type(node.right, scope, "bool", f"“{node.op}”的右边")
            if left is None or right is None:
                return None
            return M.Logic(node.op, left, right, M.BOOL, node.span)
        if self.dates.dash_date(node):
            return None
        left = self.expr(node.left, scope)
        right = self.expr(node.right, scope)
        if left is None or right is None:
            return None
        for side, expr in (("左边", left), ("右边", right)):
            if expr.type.kind != "num":
                self.ctx.error("E0401", f"“{node.op}”的{side}须是数值，此处为{expr.type}",
                               (node.left if side == "左边" else node.right).span)
                return None
        if node.op == "×":
            return M.Arith("×", left, right, M.Type("num", multiply(left.type.dim, right.type.dim)), node.span)
        if node.op == "÷":
            return ratio.divide(self, node, left, right)
        if left.type.dim != right.type.dim:
            self.ctx.error("E0302", f"单位不一致：{describe(left.type.dim)} {node.op} {describe(right.type.dim)}", node.span,
                           "只有相同单位的量才能相加减")
            return None
        return M.Arith(node.op, left, right, left.type, node.span)

    def compare(self, node: A.Compare, scope: Scope):
        left = self.expr(node.left, scope) if not self._is_bare_option(node.left, scope) else None
        right = self.expr(node.right, scope) if not self._is_bare_option(node.right, scope) else None
        # An enum compared with a bare option id: other = 其他选项
        if left is not None and left.type.kind == "enum" and self._is_bare_option(node.right, scope):
            right = self.option_const(node.right, left)
        elif right is not None and right.type.kind == "enum" and self._is_bare_option(node.left, scope):
            left = self.option_const(node.left, right)
        elif self._is_bare_option(node.left, scope) or self._is_bare_option(node.right, scope):
            bare = node.left if self._is_bare_option(node.left, scope) else node.right
            self.names.ref(bare, scope)
            return None
        if left is None or right is None:
            return None
        if left.type.kind != right.type.kind or (left.type.kind == "num" and left.type.dim != right.type.dim):
            self.ctx.error("E0302", f"比较的两边类型或单位不一致：{left.type} 与 {right.type}", node.span)
            return None
        if left.type.kind in ("bool", "text", "enum") and node.op not in ("=", "!="):
            self.ctx.error("E0401", f"{left.type}只能比较相等或不等", node.span)
            return None
        return M.Compare(node.op, left, right, M.BOOL, node.span)

    @staticmethod
    def _is_bare_option(node, scope: Scope) -> bool:
        return isinstance(node, A.Ref) and node.name.value not in scope.fields and node.name.value not in scope.lets

    def option_const(self, node: A.Ref, other: M.Expr):
        """An option id compared with an enum input; its text is the option's Chinese label."""
        enum_type = other.type
        name = node.name.value
        if name not in enum_type.options:
            self.ctx.error("E0204", f"未知的选项“{name}”{suggest(name, enum_type.options)}", node.span,
                           "可选：" + "、".join(enum_type.options))
            return None
        label = other.field.option_label(name) if isinstance(other, (M.InputRef, M.ItemRef)) else name
        return M.Const(name, enum_type, label, node.span)

    def member(self, node: A.Member, scope: Scope):
        """X 属于 {a, b}: X an option input, a and b among its options."""
        operand = self.expr(node.operand, scope)
        if operand is None:
            return None
        if operand.type.kind != "enum":
            self.ctx.error("E0401", f"“属于”须用于选项，此处为{operand.type}", node.operand.span)
            return None
        values = []
        for v in node.values:
            if v.value not in operand.type.options:
                self.ctx.error("E0204", f"未知的选项“{v.value}”{suggest(v.value, operand.type.options)}", v.span,
                               "可选：" + "、".join(operand.type.options))
            else:
                values.append(v.value)
        return M.Member(operand, tuple(values), M.BOOL, node.span)

    def call(self, node: A.Call, scope: Scope):
        ctx = self.ctx
        func = FUNCTIONS[node.func.value]
        args = [self.expr(a, scope) for a in node.args]
        if any(a is None for a in args):
            return None
        if func in ("min", "max"):
            if len(args) < 2:
                ctx.error("E0402", f"“{node.func.value}”至少需要2个参数，此处为{len(args)}个", node.span)
                return None
            first = args[0].type
            for arg, src in zip(args, node.args):
                if arg.type.kind != "num" or arg.type.dim != first.dim:
                    ctx.error("E0302", f"“{node.func.value}”的参数类型或单位不一致：{first} 与 {arg.type}", src.span)
                    return None
            return M.Call(func, tuple(args), first, node.span)
        if func in dates.FUNCS:
            return self.dates.call(node, func, args)
        expected = 2 if func == "months" else 4
        if len(args) != expected:
            ctx.error("E0402", f"“{node.func.value}”需要{expected}个参数，此处为{len(args)}个", node.span)
            return None
        for arg, src in list(zip(args, node.args))[:3 if func == "overlap_months" else 2]:
            if arg.type.kind != "date":
                ctx.error("E0401", f"“{node.func.value}”的参数须是日期，此处为{arg.type}", src.span)
                return None
        if func == "overlap_months":
            window = args[3]
            if window.type.kind != "num" or window.type.dim != (("month", 1),):
                ctx.error("E0302", f"“重叠月数”的第4个参数须以月计（如 3年、36个月），此处为{window.type}", node.args[3].span)
                return None
            # The window is a period the text fixes, counted in whole calendar months: a fraction
            # (2.5个月, 0.1年) has no meaning there, and an input could not be checked for it.
            if not (isinstance(window, M.Const) and window.value == window.value.to_integral_value()
                    and window.value > 0):
                ctx.error("E0308", "“重叠月数”的期限须是写明的整月数（如 3年、36个月），不能是小数或输入项",
                          node.args[3].span)
                return None
        return M.Call(func, tuple(args), M.Type("num", (("month", 1),)), node.span)
