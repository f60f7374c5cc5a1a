"""Test coverage: which branches of a policy its embedded tests exercise.

A *coverable item* is one outcome of one decision the rules can take:

- 要求 / 审核 rules and 若 conditions: true and false;
- 唯一: an item whose key repeats an earlier one (sent to review), and one whose key does not;
- 情形 cases: each 当 taken and evaluated but not taken; 其他 taken;
- 分档: each row reached, and "below the lowest row";
- 按 lookups: each branch (options sharing one branch are one item);
- 最高不超过: cap reached and not reached.

The items come from the model (`items`, over `visitor.walk`); the outcomes
come from the reference interpreter, run with an observing subclass of its
evaluation (`Recorder.make_run`).  The observer only records what the
interpreter computed — the value each expression node last produced — and
never changes a result; the interpreter itself runs unobserved unless asked.
The generated module is not instrumented: both engines pass the same tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Hashable

from . import describe, interpreter, visitor
from . import model as M
from . import runtime as R


@dataclass(frozen=True)
class Item:
    key: tuple[int, Hashable]  # (id of the deciding node, outcome) as the observer records it
    kind: str  # 要求, 审核, 唯一, 情形, 若, 分档, 按, 上限
    text: str  # the rule in describe's words
    outcome: str  # which outcome, in Chinese
    line: int
    column: int


def _two(node, kind: str, text: str, span, yes: str, no: str) -> list[Item]:
    return [Item((id(node), True), kind, text, yes, span.line, span.column),
            Item((id(node), False), kind, text, no, span.line, span.column)]


def items(programme: M.Programme) -> list[Item]:
    """Every coverable outcome of a programme's rules and amount, in source order."""
    found: list[Item] = []
    seen: set[int] = set()
    for root in (*programme.rules, programme.amount):
        for node in visitor.walk(root):
            if id(node) in seen:  # a lookup's shared branch is walked once per option
                continue
            seen.add(id(node))
            found.extend(_items_of(node))
    return found


def _items_of(node) -> list[Item]:
    if isinstance(node, M.Require):
        return _two(node, "要求", describe.condition(node.cond), node.span, "满足", "不满足")
    if isinstance(node, M.Review):
        return _two(node, "审核", describe.condition(node.cond), node.span, "转人工审核", "无需审核")
    if isinstance(node, M.Unique):
        return _two(node, "唯一", describe.expr(node.key), node.span, "与前项重复（转人工审核）", "不重复")
    if isinstance(node, M.Case):
        if node.cond is None:
            return [Item((id(node), True), "情形", describe.other_case(), "采用", node.span.line, node.span.column)]
        return _two(node, "情形", describe.condition(node.cond), node.span, "采用", "不采用")
    if isinstance(node, M.Cond):
        return _two(node, "若", describe.condition(node.cond), node.span, "成立", "不成立")
    if isinstance(node, M.Tiers):
        name, span = describe.tiers_name(node), node.span
        below = Item((id(node), -1), "分档", name, f"低于最低档（{node.rows[0].threshold_text}）", span.line, span.column)
        return [below] + [Item((id(node), index), "分档", name, f"达到{row.threshold_text}（{row.award_text}）",
                               span.line, span.column) for index, row in enumerate(node.rows)]
    if isinstance(node, M.Bands):  # 累进 (#22 ratio): each band some case reaches into
        name, span = describe.bands_name(node), node.span
        return [Item((id(node), index), "累进", name, f"有部分落入{row.label}（{row.rate_text}）", span.line, span.column)
                for index, row in enumerate(node.rows)]
    if isinstance(node, M.Lookup):
        name, span = describe.lookup_name(node), node.span
        return [Item((id(node), id(branch)), "按", name, describe.option_labels(node, options), span.line, span.column)
                for options, branch in describe.lookup_groups(node)]
    if isinstance(node, M.Formula) and node.cap is not None:
        return _two(node, "上限", describe.cap(node.cap), node.span, "达到上限", "未达到上限")
    if isinstance(node, M.PerItem) and node.cap is not None:  # 合计最高不超过
        return _two(node, "合计上限", "合计" + describe.cap(node.cap), node.span, "达到合计上限", "未达到合计上限")
    return []


# ---------------------------------------------------------------- observing the interpreter
class _Observed(interpreter._Run):
    """The interpreter's evaluation, recording the outcome of each decision it takes.

    Every method calls the interpreter's own and then reads what it computed
    from `last` (the value each expression node produced most recently), so
    nothing is evaluated twice and no result changes.
    """

    def __init__(self, programme, values, known, hits: set):
        super().__init__(programme, values, known)
        self.hits = hits
        self.last: dict[int, object] = {}
        self.keys: dict[int, list] = {}  # 唯一 key node -> its value for each qualifying item

    def visit(self, node, *args):
        result = super().visit(node, *args)
        if not args:  # an expression: (value, text)
            self.last[id(node)] = result[0]
            keys = self.keys.get(id(node))
            if keys is not None:
                keys.append(result[0])
        return result

    def visit_Require(self, rule, prefix, failed, reviews):
        before = len(failed)
        super().visit_Require(rule, prefix, failed, reviews)
        self.hits.add((id(rule), len(failed) == before))

    def visit_Review(self, rule, prefix, failed, reviews):
        before = len(reviews)
        super().visit_Review(rule, prefix, failed, reviews)
        self.hits.add((id(rule), len(reviews) > before))

    def visit_Cond(self, e):
        result = super().visit_Cond(e)
        self.hits.add((id(e), bool(self.last[id(e.cond)])))
        return result

    def visit_Tiers(self, e):
        result = super().visit_Tiers(e)
        subject = self.last[id(e.subject)]
        reached = [index for index, row in enumerate(e.rows) if subject >= row.threshold]
        self.hits.add((id(e), reached[-1] if reached else -1))
        return result

    def visit_Bands(self, e):
        result = super().visit_Bands(e)
        subject = self.last[id(e.subject)]
        for index, row in enumerate(e.rows):
            if subject > row.lower:
                self.hits.add((id(e), index))
        return result

    def visit_Lookup(self, e):
        result = super().visit_Lookup(e)
        self.hits.add((id(e), id(dict(e.choices)[self.last[id(e.subject)]])))
        return result

    def visit_Formula(self, amount, final, prefix):
        result = super().visit_Formula(amount, final, prefix)
        if amount.cap is not None:
            self.hits.add((id(amount), self.last[id(amount.expr)] > self.last[id(amount.cap.limit)]))
        return result

    def visit_Cases(self, amount, final, prefix):
        result = super().visit_Cases(amount, final, prefix)
        # The interpreter tried the cases in order up to the one it took: each
        # tried condition's value is from this evaluation.
        for case in amount.cases:
            taken = case.cond is None or bool(self.last[id(case.cond)])
            self.hits.add((id(case), taken))
            if taken:
                break
        return result

    def total_cap(self, cap, counted, pending, final):
        whole = R.add(counted, pending)
        result = super().total_cap(cap, counted, pending, final)
        self.hits.add((id(self.per_item), whole > self.last[id(cap.limit)]))
        return result

    def visit_PerItem(self, amount, final, prefix):
        self.per_item = amount  # the 逐项 whose 合计最高不超过 total_cap observes
        uniques = [rule for rule in amount.rules if isinstance(rule, M.Unique)]
        for rule in uniques:
            self.keys[id(rule.key)] = []
        try:
            return super().visit_PerItem(amount, final, prefix)
        finally:
            for rule in uniques:
                # Only items that met their rules have their key computed, in list order.
                seen: set = set()
                for key in self.keys.pop(id(rule.key)):
                    self.hits.add((id(rule), key in seen))
                    seen.add(key)


class Recorder:
    """Collects outcomes over any number of evaluations: pass `make_run` to interpreter.evaluate."""

    def __init__(self) -> None:
        self.hits: set[tuple[int, Hashable]] = set()

    def make_run(self, programme, values, known):
        return _Observed(programme, values, known, self.hits)

    def report(self, policy: M.Policy, source: str) -> dict:
        """Per programme: covered and total outcomes, the percentage, and every uncovered item."""
        programmes = []
        for p in policy.programmes:
            found = items(p)
            missing = [i for i in found if i.key not in self.hits]
            covered = len(found) - len(missing)
            programmes.append({
                "programme": p.id, "name": p.name, "article": p.article,
                "covered": covered, "total": len(found), "percent": percent(covered, len(found)),
                "uncovered": [{"line": i.line, "column": i.column, "kind": i.kind, "text": i.text,
                               "outcome": i.outcome} for i in missing],
            })
        covered = sum(p["covered"] for p in programmes)
        total = sum(p["total"] for p in programmes)
        return {"file": source, "covered": covered, "total": total, "percent": percent(covered, total),
                "programmes": programmes}


def percent(covered: int, total: int) -> str:
    """The percentage to one decimal, rounded down (99.96% is not shown as 100.0%); nothing to cover is 100%."""
    if total == 0:
        return "100.0"
    return str((Decimal(covered * 100) / total).quantize(Decimal("0.1"), rounding=ROUND_FLOOR))


def meets(covered: int, total: int, threshold: Decimal) -> bool:
    """Whether covered/total reaches threshold percent, exactly."""
    return total == 0 or covered * 100 >= threshold * total


def render(report: dict) -> list[str]:
    """The text report, in Chinese: a line per programme, a line per uncovered outcome."""
    lines = [f"覆盖率：{report['file']}（内嵌测试用例在解释器上走过的分支）"]
    for p in report["programmes"]:
        head = f"  第{p['article']}条 {p['name']}（{p['programme']}）："
        lines.append(head + (f"{p['percent']}%（{p['covered']}/{p['total']}）" if p["total"] else "没有需要覆盖的分支"))
        for u in p["uncovered"]:
            lines.append(f"    {report['file']}:{u['line']}:{u['column']}  {u['kind']}“{u['text']}”：未覆盖“{u['outcome']}”")
    lines.append(f"  合计：{report['percent']}%（{report['covered']}/{report['total']}）")
    return lines
