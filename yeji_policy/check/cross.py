"""The checker's pass over rules across programmes (不得重复享受, 合计上限; issue #22).

A declaration names programmes of the policy and cites its own article.  This
pass checks it (E0260–E0263, E0460, W0461, E0462, E0463, E0564) and builds the
model's `Exclusion` / `AggregateCap`.  An exclusion's question 其他同类政策 (did
the same project already have a similar subsidy elsewhere?) becomes, in each
programme it names, an input and a first 要求: the text forbids that payment
whatever else is claimed, so one programme evaluated alone refuses it too, in
every engine (interpreter, generated module, SQL) without new machinery.
"""

from __future__ import annotations

import dataclasses

from .. import ast as A
from .. import model as M
from ..units import MONEY, describe
from .context import Context, first_here, suggest
from .literals import literal

# What each kind of declaration may hold, and what it must.
ALLOWED = {
    "exclusion": {"article", "excerpt", "programmes", "elsewhere", "highest"},
    "aggregate_cap": {"article", "excerpt", "programmes", "period", "received", "limit", "in_order"},
}
REQUIRED = {
    "exclusion": ("article", "programmes"),
    "aggregate_cap": ("article", "programmes", "period", "received", "limit"),
}
KIND_LABELS = {"exclusion": "不得重复享受", "aggregate_cap": "合计上限"}
ENTRY_LABELS = {"article": "条款", "excerpt": "摘录", "programmes": "项目", "elsewhere": "其他同类政策",
                "highest": "重复时 就高", "period": "期间", "received": "已获补助", "limit": "最高不超过",
                "in_order": "超出时 按项目顺序"}


def declarations(module: A.Module) -> list[A.CrossRule]:
    """Every 不得重复享受 / 合计上限 of the file, in source order."""
    found = [i for i in module.items if isinstance(i, A.CrossRule)]
    for chapter in (i for i in module.items if isinstance(i, A.Chapter)):
        found += [i for i in chapter.items if isinstance(i, A.CrossRule)]
    return sorted(found, key=lambda d: (d.span.line, d.span.column))


def check(ctx: Context, module: A.Module, articles: dict[int, M.Article], programmes: list[M.Programme],
          declared: set[str]) -> tuple[list[M.Programme], tuple]:
    """(the programmes, each with the questions of the exclusions naming it; the declarations)."""
    found = declarations(module)
    if not found:
        return programmes, ()
    by_id = {p.id: p for p in programmes}
    inputs = {f.name: p.id for p in programmes for f in p.fields}
    seen: dict[str, A.CrossRule] = {}
    taken: dict[str, A.Name] = {}  # input names the declarations create
    result = []
    for decl in found:
        cid = decl.id.value
        if cid in seen or cid in declared:
            related = first_here(seen[cid].id.span) if cid in seen else ()
            ctx.error("E0263", f"跨项目规定的编号“{cid}”已被使用", decl.id.span, "编号须与其他规定和项目的编号都不同",
                      related=related)
            continue
        seen[cid] = decl
        built = _declaration(ctx, decl, articles, by_id, declared, inputs, taken)
        if built is not None:
            result.append(built)
    for decl in result:
        if isinstance(decl, M.Exclusion) and decl.elsewhere is not None:
            programmes = [_with_question(p, decl) if p.id in decl.programmes else p for p in programmes]
    return programmes, tuple(result)


def _entries(ctx: Context, decl: A.CrossRule) -> dict[str, A.Entry] | None:
    kind, cid = decl.kind, decl.id.value
    entries: dict[str, A.Entry] = {}
    ok = True
    for entry in decl.entries:
        if entry.kind not in ALLOWED[kind]:
            ctx.error("E0564", f"“{KIND_LABELS[kind]}”规定中不能写“{ENTRY_LABELS[entry.kind]}”", entry.span,
                      "可写：" + "、".join(ENTRY_LABELS[k] for k in sorted(ALLOWED[kind], key=list(ENTRY_LABELS).index)))
            ok = False
        elif entry.kind in entries:
            ctx.error("E0564", f"规定“{cid}”的“{ENTRY_LABELS[entry.kind]}”重复", entry.span,
                      related=first_here(entries[entry.kind].span, "首次出现于此"))
            ok = False
        else:
            entries[entry.kind] = entry
    for k in REQUIRED[kind]:
        if k not in entries:
            ctx.error("E0564", f"规定“{cid}”缺少“{ENTRY_LABELS[k]}”", decl.id.span)
            ok = False
    return entries if ok else None


def _declaration(ctx, decl, articles, by_id, declared, inputs, taken):
    entries = _entries(ctx, decl)
    if entries is None:
        return None
    cid, kind = decl.id.value, decl.kind
    token = entries["article"].values[0]
    article = int(str(token))
    if article not in articles:
        known = "、".join(str(n) for n in sorted(articles)) or "无"
        ctx.error("E0211", f"规定“{cid}”引用的第{article}条不存在", A.span_of(token), f"已有条款：{known}")
        return None
    excerpt = None
    if "excerpt" in entries:
        node = entries["excerpt"].values[0]
        excerpt = node.value
        if excerpt not in articles[article].text:
            ctx.error("E0507", f"摘录不是第{article}条原文的一部分", node.span, "摘录须与原文逐字一致，包括标点")
            return None
    names = _programmes(ctx, decl, entries["programmes"], by_id, declared)
    if names is None:
        return None
    if kind == "exclusion" and len(names) < 2 and "elsewhere" not in entries:
        ctx.error("E0261", f"规定“{cid}”只有一个项目，不能与自己互斥", entries["programmes"].span,
                  "写出互相排斥的两个以上项目，或写“其他同类政策 名称 \"问题\"”询问是否已享受别处的同类政策")
        return None
    listed = entries["programmes"].values
    interp = ctx.interp(listed[-1] if isinstance(listed[-1], A.Interp) else None, KIND_LABELS[kind], article, None, cid)
    if kind == "exclusion":
        elsewhere = None
        if "elsewhere" in entries:
            name, label = entries["elsewhere"].values
            if not _free(ctx, name, inputs, taken):
                return None
            elsewhere = M.Field(name.value, label.value, "bool", span=name.span)
        choice = _choice(ctx, entries.get("highest"), "重复时 就高", article, f"{cid}.choice")
        if choice is False:
            return None
        return M.Exclusion(cid, decl.title.value, article, excerpt, names, elsewhere, "highest" in entries, interp,
                           choice or None, decl.span)
    period_node = entries["period"].values[0]
    if period_node.value not in M.CROSS_PERIODS:
        ctx.error("E0462", f"期间“{period_node.value}”无法识别", period_node.span,
                  "可写：" + "、".join(f"“{p}”" for p in M.CROSS_PERIODS) + "（“年度”指申请所在的自然年度）")
        return None
    name, label = entries["received"].values
    if not _free(ctx, name, inputs, taken):
        return None
    limit = _limit(ctx, entries["limit"].values[0])
    if limit is None:
        return None
    if interp is None:  # a 解释 on the programmes says why these count together
        _funding(ctx, decl, names, by_id)
    choice = _choice(ctx, entries.get("in_order"), "超出时 按项目顺序", article, f"{cid}.share")
    if choice is False:
        return None
    received = M.Field(name.value, label.value, "money", unit="元", dim=MONEY, span=name.span)
    return M.AggregateCap(cid, decl.title.value, article, excerpt, names, period_node.value, received, limit[0],
                          limit[1], "in_order" in entries, interp, choice or None, decl.span)


def _programmes(ctx, decl, entry, by_id, declared) -> tuple[str, ...] | None:
    names: list[str] = []
    first: dict[str, A.Name] = {}
    ok = True
    for name in (v for v in entry.values if isinstance(v, A.Name)):
        if name.value in first:
            ctx.error("E0261", f"项目“{name.value}”在规定“{decl.id.value}”中重复", name.span, "一个项目不能与自己互斥或重复计入",
                      related=first_here(first[name.value].span, "首次出现于此"))
            ok = False
            continue
        first[name.value] = name
        if name.value not in by_id:
            if name.value not in declared:  # a programme with errors of its own was reported there
                ctx.error("E0260", f"未定义的项目“{name.value}”{suggest(name.value, by_id)}", name.span)
            ok = False
            continue
        names.append(name.value)
    return tuple(names) if ok else None


def _free(ctx, name: A.Name, inputs: dict[str, str], taken: dict[str, A.Name]) -> bool:
    """The input a declaration creates must be a name of its own."""
    if name.value in inputs:
        ctx.error("E0262", f"输入项名称“{name.value}”已是项目“{inputs[name.value]}”的输入项", name.span,
                  "跨项目规定所问的输入项须另起名称")
        return False
    if name.value in taken:
        ctx.error("E0262", f"输入项名称“{name.value}”已被另一规定使用", name.span,
                  related=first_here(taken[name.value].span))
        return False
    taken[name.value] = name
    return True


def _limit(ctx, node) -> tuple | None:
    read = literal(ctx, node)
    if read is None:
        return None
    value, dim = read
    if dim != MONEY:
        ctx.error("E0460", f"合计上限须是金额（元），“{node.text}”的单位是{describe(dim)}", node.span)
        return None
    if value <= 0 or value != value.quantize(M.Decimal("0.01")):
        ctx.error("E0460", f"合计上限“{node.text}”须大于0且精确到分", node.span)
        return None
    return value, node.text


def _choice(ctx, entry: A.Entry | None, words: str, article: int, key: str):
    """A reading the text does not force (就高, 按项目顺序) stands only with its reason."""
    if entry is None:
        return None
    node = entry.values[0] if entry.values else None
    if node is None:
        ctx.error("E0463", f"“{words}”是原文没有规定的读法，须写“解释”说明依据", entry.span,
                  "原文未规定时删去它：各项目转人工审核")
        return False
    return ctx.interp(node, words, article, None, key)


def _funding(ctx, decl, names, by_id) -> None:
    sources = {by_id[n].funding_source.value for n in names}
    if len(sources) > 1:
        listed = "；".join(f"{n}：{by_id[n].funding_source.value}" for n in names)
        ctx.warning("W0461", f"合计上限“{decl.id.value}”所列项目的资金来源不同：{listed}", decl.id.span,
                    "合计上限通常针对同一资金来源；若原文确指这些项目合计，在“项目”所列编号之后写 解释 \"……\" 说明")


def _with_question(p: M.Programme, decl: M.Exclusion) -> M.Programme:
    """The programme with the exclusion's question as an input and its answer as the first 要求."""
    field = decl.elsewhere
    ref = M.InputRef(field, M.BOOL, decl.span)
    require = M.Require(M.Not(ref, M.BOOL, decl.span),
                        f"同一项目已享受其他同类政策，依第{decl.article}条不得重复享受", decl.interpretation, decl.span)
    return dataclasses.replace(p, fields=p.fields + (field,), rules=(require,) + p.rules)
