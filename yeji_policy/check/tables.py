"""The tables pass: tier tables (分档) and option lookups (按).

A tier table's subject is a number; its thresholds are in the subject's
unit and strictly increase (E0404), its awards share one unit and never
fall (E0405).  A lookup's subject is an option input; every option is
covered (E0403) once (E0407), and every choice has the same type.  Both are
expressions, so the types and units pass calls these where they occur,
passing itself for the sub-expressions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import ast as A
from .. import model as M
from ..units import describe
from .context import first_here, suggest
from .names import Scope

if TYPE_CHECKING:
    from .types_and_units import TypesPass


def _subject(checker: "TypesPass", node, scope: Scope, kind: str, requirement: str):
    """A table's subject, checked; E0401 (`requirement`, then what it is) when it is not of `kind`."""
    subject = checker.expr(node, scope)
    if subject is not None and subject.type.kind != kind:
        checker.ctx.error("E0401", f"{requirement}，此处为{subject.type}", node.span)
        return None
    return subject


def tiers(checker: "TypesPass", node: A.Tiers, scope: Scope):
    """分档 SUBJECT { 门槛: 奖励 … }: E0401, E0302, E0404, E0405."""
    error = checker.ctx.error
    subject = _subject(checker, node.subject, scope, "num", "分档的依据须是数值")
    if subject is None:
        return None
    rows: list[M.TierRow] = []
    award_dim = None
    ok = True
    for row in node.rows:
        threshold = checker.literal(row.threshold)
        award = checker.literal(row.award)
        if threshold is None or award is None:
            ok = False
            continue
        if threshold[1] != subject.type.dim:
            error("E0302", f"档位门槛的单位须与{describe(subject.type.dim)}一致，此处为{describe(threshold[1])}",
                  row.threshold.span)
            ok = False
            continue
        if award_dim is None:
            award_dim = award[1]
        elif award[1] != award_dim:
            error("E0302", f"各档奖励的单位须一致：{describe(award_dim)} 与 {describe(award[1])}", row.award.span)
            ok = False
            continue
        if rows and threshold[0] <= rows[-1].threshold:
            error("E0404", f"档位门槛须严格递增：“{row.threshold.text}”不大于上一档“{rows[-1].threshold_text}”",
                  row.threshold.span)
            ok = False
        if rows and award[0] < rows[-1].award:
            error("E0405", f"高档的奖励不能低于低档：“{row.award.text}”低于上一档“{rows[-1].award_text}”",
                  row.award.span)
            ok = False
        rows.append(M.TierRow(threshold[0], award[0], row.threshold.text, row.award.text))
    if not ok or award_dim is None:
        return None
    return M.Tiers(subject, tuple(rows), M.Type("num", award_dim), node.span)


def lookup(checker: "TypesPass", node: A.Lookup, scope: Scope):
    """按 SUBJECT { 选项: 结果 … }: E0401, E0302, E0204, E0407, E0403."""
    error = checker.ctx.error
    subject = _subject(checker, node.subject, scope, "enum", "“按”的依据须是选项")
    if subject is None:
        return None
    field = subject.field if isinstance(subject, (M.InputRef, M.ItemRef)) else None
    if field is None:
        error("E0401", "“按”的依据须是一个选项输入项", node.subject.span)
        return None
    chosen: dict[str, M.Expr] = {}
    first: dict[str, A.Name] = {}  # where each chosen option was written
    result_type = None
    ok = True
    for choice in node.choices:
        expr = checker.expr(choice.expr, scope)
        if expr is None:
            ok = False
        elif result_type is None:
            result_type = expr.type
        elif expr.type != result_type:
            error("E0302", f"各选项的结果类型须一致：{result_type} 与 {expr.type}", choice.expr.span)
            ok = False
        for v in choice.values:
            if v.value not in subject.type.options:
                error("E0204", f"未知的选项“{v.value}”{suggest(v.value, subject.type.options)}", v.span,
                      "可选：" + "、".join(subject.type.options))
                ok = False
            elif v.value in chosen:
                error("E0407", f"选项“{v.value}”重复出现", v.span, related=first_here(first[v.value].span, "首次出现于此"))
                ok = False
            elif expr is not None:
                chosen[v.value] = expr
                first[v.value] = v
    missing = [o for o in subject.type.options if o not in chosen]
    if ok and missing:
        error("E0403", "“按”未覆盖选项：" + "、".join(f"{o}（{field.option_label(o)}）" for o in missing), node.span)
        ok = False
    if not ok:
        return None
    choices = tuple((o, chosen[o]) for o in subject.type.options)
    return M.Lookup(subject, field, choices, result_type, node.span)
