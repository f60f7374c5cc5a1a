"""The dates pass (#22, #16): dates in rules, per-year schedules and rule-level periods.

- A date literal `2025年1月1日` is a constant of type 日期 (E0351 for a month or day that does not
  exist, E0571 for a year outside 1 to 9999, the years every engine computes with);
  `2025-01-01` is arithmetic in the grammar (2025 − 1 − 1), so the checker names it (E0350).
- `申请日期` reads the application's `application_date`: a programme that uses it asks for it
  on its form (an input of type 日期 named application_date, added here) and every engine reads
  it as any date input.  `施行日期` is the policy's own date of effect, a constant taken from the
  document (E0550 where the document gives none).
- `天数(起, 止)` (days, both counted), `年份(日期)` and `满(起, 止, 2年)` (whether the period is
  complete on 止: 止 ≥ 起 + 2年, calendar months with the month's last day standing in for a day
  the month lacks — runtime.add_months) are built-in calls of the model and the IR.
- `逐年 自 起 至 日 解释 "…" { 第1年: … 其他: … }`: the year of 日 counted from 起 (第1年 = from 起 to
  the day before its first anniversary: runtime.year_index) is a named step 补助年度 (its own trace
  line, carrying the 解释 of that reading), and the rows become the model's 情形 on it, so that
  every engine, sheet, trace and coverage pass reads them as it reads 情形.  Rows ascend from
  第1年, each once (E0552), with no year left out (E0570: a missing year would fall silently to 其他).
- `期间 自 甲 至 乙 [按 日] { 要求 … 审核 … }` narrows each rule inside to the period: a 要求
  holds outside it, a 审核 is not raised outside it (E0551 for any other rule inside): the rule's
  condition becomes 若 within-start 则 (若 within-end 则 condition 否则 是/否) 否则 是/否.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from .. import ast as A
from .. import model as M
from .. import policy_dates
from ..diagnostics import Span
from .context import Context

APPLICATION_DATE = "application_date"
APPLICATION_FIELD = M.Field(APPLICATION_DATE, "申请日期", "date", help="提出申请的日期（YYYY-MM-DD）")
MONTHS = (("month", 1),)
DAYS = (("day", 1),)
NUMBER = M.Type("num", ())
DATE_NODES = (A.DateLit, A.AppDate, A.EffectiveDate)
_LITERAL = re.compile(r"([0-9]+)年([0-9]+)月([0-9]+)日")  # the grammar's DATE
FUNCS = ("days", "year", "full")


@dataclass(frozen=True)
class _YearIs:
    """A per-year schedule's row condition, already checked: the schedule's year is `year`."""

    index: M.Expr  # the schedule's year step
    year: int
    text: str
    span: Span


def date_text(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class DatesPass:
    def __init__(self, ctx: Context, module: A.Module):
        self.ctx = ctx
        self.effective = _effective(module)
        self.steps: list[M.Let] = []  # the year steps of 逐年, for the rules before the amount (take_steps)
        self.schedules = 0

    # ------------------------------------------------------------ expressions
    def expr(self, node, scope):
        if isinstance(node, _YearIs):
            year = M.Const(Decimal(node.year), NUMBER, node.text, node.span)
            return M.Compare("=", node.index, year, M.BOOL, node.span)
        if isinstance(node, A.DateLit):
            day = self.literal(node)
            return None if day is None else M.Const(day, M.DATE, node.text, node.span)
        if isinstance(node, A.AppDate):
            scope.fields.setdefault(APPLICATION_DATE, APPLICATION_FIELD)
            scope.used.add(APPLICATION_DATE)
            return M.InputRef(scope.fields[APPLICATION_DATE], scope.fields[APPLICATION_DATE].type, node.span)
        if self.effective is None:
            self.ctx.error("E0550", "规则引用了“施行日期”，但文件未写明施行日期", node.span,
                           "在“文件 { … }”中写明 施行日期 \"2025-01-01\"（原文未载明施行日期时，规则不能引用它）")
            return None
        day = self.effective
        return M.Const(day, M.DATE, f"施行日期（{date_text(day)}）", node.span)

    def literal(self, node: A.DateLit) -> datetime.date | None:
        """The day a date literal names: E0571 for a year no engine computes with (outside 1 to 9999),
        E0351 for a month or day the calendar lacks, each saying which (the grammar reads any digits)."""
        year, month, day = (int(part) for part in _LITERAL.fullmatch(node.text).groups())
        if not 1 <= year <= 9999:
            self.ctx.error("E0571", f"“{node.text}”超出可以计算的日期范围：年份须在1至9999之间", node.span,
                           "按原文改正年份")
            return None
        if not 1 <= month <= 12:
            self.ctx.error("E0351", f"“{node.text}”不是存在的日期：一年只有12个月，没有{month}月", node.span)
            return None
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            why = f"{year}年{month}月只有{last}天" if day else "没有0日，每月从1日起"
            self.ctx.error("E0351", f"“{node.text}”不是存在的日期：{why}", node.span)
            return None
        return datetime.date(year, month, day)

    def call(self, node: A.Call, func: str, args: list[M.Expr]):
        """天数, 年份 and 满: argument counts (E0402), dates (E0401), a written whole period (E0308)."""
        ctx = self.ctx
        name = node.func.value
        expected = {"days": 2, "year": 1, "full": 3}[func]
        if len(args) != expected:
            ctx.error("E0402", f"“{name}”需要{expected}个参数，此处为{len(args)}个", node.span)
            return None
        for arg, src in list(zip(args, node.args))[:2]:
            if arg.type.kind != "date":
                ctx.error("E0401", f"“{name}”的参数须是日期，此处为{arg.type}", src.span)
                return None
        if func == "days":
            return M.Call("days", tuple(args), M.Type("num", DAYS), node.span)
        if func == "year":
            return M.Call("year", tuple(args), NUMBER, node.span)
        length = args[2]
        if length.type.kind != "num" or length.type.dim not in (MONTHS, DAYS):
            ctx.error("E0302", f"“满”的第3个参数须是以年、月或天计的期限（如 2年、6个月、30天），此处为{length.type}",
                      node.args[2].span)
            return None
        if not (isinstance(length, M.Const) and length.value == length.value.to_integral_value() and length.value > 0):
            ctx.error("E0308", "“满”的期限须是写明的整月数或整天数（如 2年、6个月、30天），不能是小数或输入项",
                      node.args[2].span)
            return None
        return M.Call("full_months" if length.type.dim == MONTHS else "full_days", tuple(args), M.BOOL, node.span)

    def dash_date(self, node: A.BinOp) -> bool:
        """2025-01-01 written as a date: E0350 (the grammar reads it as 2025 − 1 − 1)."""
        left = node.left
        if not (node.op == "-" and isinstance(left, A.BinOp) and left.op == "-"
                and isinstance(left.left, A.Number) and isinstance(left.right, A.Number)
                and isinstance(node.right, A.Number)):
            return False
        parts = (left.left, left.right, node.right)
        if len(parts[0].text) != 4 or any(len(p.text) > 2 or "." in p.text for p in parts[1:]):
            return False
        y, m, d = (p.text for p in parts)
        self.ctx.error("E0350", f"“{y}-{m}-{d}”在规则中是减法（{y} − {m} − {d}），不是日期", node.span,
                       f"日期写作“{int(y)}年{int(m)}月{int(d)}日”")
        return True

    # ------------------------------------------------------------ 逐年
    def per_year(self, types, node: A.PerYear, scope):
        start = types.expr(node.start, scope)
        day = types.expr(node.day, scope)
        ok = True
        for expr, src, what in ((start, node.start, "起算日期"), (day, node.day, "所计的日期")):
            if expr is not None and expr.type.kind != "date":
                self.ctx.error("E0401", f"“逐年”的{what}须是日期，此处为{expr.type}", src.span)
                ok = False
        previous, ordered = 0, True
        for row in node.rows:
            if row.year <= previous or row.year == 0:
                self.ctx.error("E0552", f"“逐年”的年份从第1年起计，不能是“{row.text}”" if row.year == 0 else
                               f"“逐年”中“{row.text}”重复" if row.year == previous else
                               f"“逐年”的各行须从第1年起按年份递增，“{row.text}”不能排在第{previous}年之后", row.span)
                ok = ordered = False
            previous = max(previous, row.year)
        previous = 0
        for row in node.rows if ordered else ():  # rows in order (else E0552 says so first): none left out
            if row.year > previous + 1:  # a year left out would fall, unsaid, to 其他
                missing = (f"第{previous + 1}年" if row.year == previous + 2
                           else f"第{previous + 1}年至第{row.year - 1}年")
                self.ctx.error("E0570", f"“逐年”缺少{missing}：“{row.text}”之前须写明{missing}", row.span,
                               f"各年从第1年起逐年写明，不能跳过（跳过的年份会被悄悄归入“其他”）；"
                               f"原文这些年不补助的，写“第{previous + 1}年: 不符合 \"…\"”")
                ok = False
            previous = row.year
        if start is None or day is None or not ok:
            return None
        # The year is a named step (its own trace line, and where the reading of "year" is marked 解释).
        self.schedules += 1
        name = f"schedule_year_{self.schedules}"
        interp = self.ctx.interp(node.interp, "补助年度", scope.article, scope.programme, f"value.{name}")
        index = M.Call("year_index", (start, day), NUMBER, node.span)
        step = M.Let(name, "补助年度", index, interp, node.span)
        self.steps.append(step)
        year = M.LetRef(step, NUMBER, node.span)
        cases = tuple(A.Case(_YearIs(year, row.year, row.text, row.span), row.outcome, row.span)
                      for row in node.rows) + (node.otherwise,)
        return types.cases(A.Cases(cases, node.span), scope)

    def take_steps(self) -> list[M.Let]:
        """The year steps of the 逐年 just checked: they run right before the amount."""
        steps, self.steps = self.steps, []
        return steps

    # ------------------------------------------------------------ 期间
    def period(self, types, node: A.Period, scope) -> list[M.Rule]:
        """The rules inside, each narrowed to the period."""
        day_node = node.day if node.day is not None else A.AppDate(node.span)
        day = types.expr(day_node, scope)
        bounds = []
        written: list[M.Const] = []  # the ends written as dates: a start after the end leaves no day
        for op, part in ((">=", node.start), ("<=", node.end)):
            if part is None:
                continue
            limit = types.expr(part, scope)
            if limit is not None and limit.type.kind != "date":
                self.ctx.error("E0401", f"“期间”的起止须是日期，此处为{limit.type}", part.span)
                limit = None
            if isinstance(limit, M.Const):
                written.append(limit)
            bounds.append(None if limit is None or day is None else
                          M.Compare(op, day, limit, M.BOOL, node.span))
        if day is not None and day.type.kind != "date":
            self.ctx.error("E0401", f"“期间”所按的须是日期，此处为{day.type}", node.day.span)
            day = None
        if node.start is None and node.end is None:
            self.ctx.error("E0551", "“期间”须写明起点（自 …）或终点（至 …）", node.span)
        if len(written) == 2 and written[0].value > written[1].value:
            self.ctx.error("E0553", f"“期间”的起点 {written[0].text} 晚于终点 {written[1].text}：没有一天在期间内，块内规则永不适用",
                           node.end.span, "交换起止日期，或删去这段期间")
        rules: list[M.Rule] = []
        for rule in node.rules:
            if not isinstance(rule, (A.Require, A.Review)):
                self.ctx.error("E0551", "“期间”内只能写“要求”和“审核”", rule.span,
                               "期间内外计算不同的金额，请写成“情形 { 当 申请日期 ≥ … : … }”")
                continue
            require = isinstance(rule, A.Require)
            cond = types.expect_type(rule.cond, scope, "bool", "要求的条件" if require else "审核的条件")
            interp = self.ctx.interp(rule.interp, "条件" if require else "人工审核", scope.article, scope.programme,
                                     "condition" if require else "review")
            if cond is None or not bounds or day is None or None in bounds:
                continue
            # One 若 per bound, innermost the end: the result then names the bound that failed (a 且 of
            # both would read "… ≥ 起 且 … > 止" for a day after the period).
            outside = M.Const(require, M.BOOL, "不在期间内，不作此要求" if require else "不在期间内，不审核此项",
                              rule.span)
            narrowed = cond
            for bound in reversed(bounds):
                narrowed = M.Cond(bound, narrowed, outside, M.BOOL, rule.span)
            if require:
                rules.append(M.Require(narrowed, rule.reason.value, interp, rule.span))
                types.facts.append(narrowed)
            else:
                rules.append(M.Review(narrowed, rule.reason.value, interp, rule.span))
        return rules


def _effective(module: A.Module) -> datetime.date | None:
    """The policy's 施行日期 as policy_dates reads it (修订's date for a new version); None where none is
    given or the text is no date (policy_dates reports that)."""
    docs = [item for item in module.items if isinstance(item, A.Document)]
    entries = {e.kind: e for e in docs[0].entries} if docs else {}
    key, index = ("amends", 1) if "amends" in entries else ("date_effective", 0)
    if key not in entries:
        return None
    try:
        return policy_dates.parse(entries[key].values[index].value)
    except (policy_dates.DateError, IndexError, AttributeError):
        return None
