"""What changed between two versions of a policy (`yeji-policy diff`), and what it does.

`changes(old, new)` compares the checked models, article by article and
programme by programme, and says in Chinese what changed: the document's
header, an article's title, text (a character diff, numbers kept whole) and
measures; a programme added or removed, its attributes, inputs, conditions,
amount (补助比例 80% → 70%，上限 80万元 → 100万元, a tier added or removed),
and every interpretation; the test cases added or removed.

`test_effects` then runs the test applications of both versions through both
models and lists the results that change; `population_effects` does the same
for a JSONL population and totals the money before and after, by programme
and by funding source.

Layout, comments and spellings are not changes: the models are compared, not
the text.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal
from typing import IO

from . import batch, catalogue, describe, interpreter, keywords, runtime, visitor
from . import model as M
from .simulate import PROGRESS_EVERY, SEPARATE_SOURCES, Tally, Totals, evaluate_record
from .units import MONEY



# ---------------------------------------------------------------- helpers
def same(a: object, b: object) -> bool:
    """Equal, positions aside."""
    return _plain(a) == _plain(b)


def _plain(x: object) -> object:
    if isinstance(x, M.Let):  # a Let compares by identity in the model
        return ("Let", x.name, x.label, _plain(x.expr), _plain(x.interpretation))
    if is_dataclass(x) and not isinstance(x, type):
        return (type(x).__name__,) + tuple(_plain_part(f.name, getattr(x, f.name)) for f in fields(x) if f.name != "span")
    if isinstance(x, (tuple, list)):
        return tuple(_plain(i) for i in x)
    return x


def _plain_part(name: str, value: object) -> object:
    # An expression or a list amount refers to an input by its name: a change to the
    # input itself (label, default, minimum, step…) is the input's change, reported
    # once by field_changes, not a change of every formula that reads it.
    if name in ("field", "list_field") and isinstance(value, M.Field):
        return ("Field", value.name)
    return _plain(value)


def q(text: str | None) -> str:
    return "（无）" if text is None else f"“{text}”"


def _note(i: M.Interpretation | None) -> str | None:
    return None if i is None else i.note


def interp_changes(subject: str, old: M.Interpretation | None, new: M.Interpretation | None) -> list[str]:
    a, b = _note(old), _note(new)
    if a == b:
        return []
    if a is None:
        return [f"新增解释（{subject}）：“{b}”"]
    if b is None:
        return [f"删除解释（{subject}）：“{a}”"]
    return [f"{subject}的解释 “{a}” → “{b}”"]


def _tokens(text: str) -> list[str]:
    """Characters, but a number is one token, so 80 → 100 reads as one change."""
    return re.findall(r"[0-9]+(?:\.[0-9]+)?|.", text, flags=re.S)


# A character diff compares every token of one text with every token of the
# other, in the worst case: past this many pairs a long article is compared in
# parts (its unchanged beginning and end set aside, then sentence by
# sentence), and a change too large even for that is reported by its size.
DIFF_CELLS = 4_000_000
SENTENCE_END = frozenset("。；！？\n")


def text_changes(old: str, new: str, context: int = 10) -> list[str]:
    """The changed places of a text, each with some context: …给予[-80%-]{+70%+}补助…"""
    a, b = _tokens(old), _tokens(new)
    codes = _opcodes(a, b)
    if codes is None:
        return [f"全文已修改：原文 {len(old):,} 字 → {len(new):,} 字（改动范围太大，不逐字列出）"]
    hunks = []
    for group in _Opcodes(codes).get_grouped_opcodes(context):
        parts = []
        for tag, i1, i2, j1, j2 in group:
            removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
            if tag == "equal":
                parts.append(removed)
            if tag in ("delete", "replace"):
                parts.append(f"[-{removed}-]")
            if tag in ("insert", "replace"):
                parts.append(f"{{+{added}+}}")
        start, end = group[0][1] > 0, group[-1][2] < len(a)
        hunks.append(("…" if start else "") + "".join(parts).replace("\n", "↵") + ("…" if end else ""))
    return hunks


Opcode = tuple[str, int, int, int, int]


class _Opcodes(difflib.SequenceMatcher):
    """difflib's grouping of opcodes into hunks, over opcodes computed here."""

    def __init__(self, codes: list[Opcode]):  # noqa: D107 - nothing to match: the opcodes are given
        self._codes = codes

    def get_opcodes(self) -> list[Opcode]:
        return self._codes


def _opcodes(a: list[str], b: list[str]) -> list[Opcode] | None:
    """How b differs from a, as difflib opcodes; None when too large to say within DIFF_CELLS."""
    if len(a) * len(b) <= DIFF_CELLS:
        return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    middle = _middle(a[head : len(a) - tail], b[head : len(b) - tail])
    if middle is None:
        return None
    codes = [("equal", 0, head, 0, head)]
    codes += [(tag, i1 + head, i2 + head, j1 + head, j2 + head) for tag, i1, i2, j1, j2 in middle]
    codes.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return _tidy(codes)


def _middle(a: list[str], b: list[str]) -> list[Opcode] | None:
    """Opcodes of the changed middle: a character diff if small enough, else sentence by sentence."""
    if len(a) * len(b) <= DIFF_CELLS:
        return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    sa, sb = _sentences(a), _sentences(b)
    if len(sa) * len(sb) > DIFF_CELLS:
        return None
    # Offsets of each sentence's first token.
    oa = [0, *itertools.accumulate(len(x) for x in sa)]
    ob = [0, *itertools.accumulate(len(x) for x in sb)]
    codes: list[Opcode] = []
    matcher = difflib.SequenceMatcher(None, ["".join(x) for x in sa], ["".join(x) for x in sb], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        x1, x2, y1, y2 = oa[i1], oa[i2], ob[j1], ob[j2]
        if tag == "equal":
            codes.append((tag, x1, x2, y1, y2))
            continue
        if (x2 - x1) * (y2 - y1) > DIFF_CELLS:
            return None
        inner = difflib.SequenceMatcher(None, a[x1:x2], b[y1:y2], autojunk=False).get_opcodes()
        codes += [(t, i + x1, j + x1, k + y1, m + y1) for t, i, j, k, m in inner]
    return codes


def _sentences(tokens: list[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for token in tokens:
        out[-1].append(token)
        if token in SENTENCE_END:
            out.append([])
    return [x for x in out if x]


def _tidy(codes: list[Opcode]) -> list[Opcode]:
    """Empty opcodes dropped; neighbours of one kind (equal, or changed) merged into one."""
    out: list[Opcode] = []
    for code in codes:
        tag, i1, i2, j1, j2 = code
        if i1 == i2 and j1 == j2:
            continue
        if out and (out[-1][0] == "equal") == (tag == "equal"):
            _, p1, _, q1, _ = out.pop()
            i1, j1 = p1, q1
            if tag != "equal":
                tag = "replace" if i2 > i1 and j2 > j1 else ("delete" if i2 > i1 else "insert")
        out.append((tag, i1, i2, j1, j2))
    return out


# ---------------------------------------------------------------- expressions and amounts
def _role(const: M.Const) -> str:
    if const.type.kind == "date":  # a date in a rule (#22)
        return "日期"
    if const.text.startswith("第") and const.text.endswith("年"):  # a row of 逐年
        return "年度"
    dim = const.type.dim
    if not dim:
        if ":" in const.text:  # a ratio literal, 1:0.5 (#22 ratio)
            return "配套比例"
        return "补助比例" if const.text.endswith("%") else "数值"
    if dim == MONEY:
        return "金额"
    if ("money", 1) in dim:
        return "补助标准"
    return "数值"


def _tier_changes(old: M.Tiers, new: M.Tiers) -> list[str]:
    before = {row.threshold: row for row in old.rows}
    after = {row.threshold: row for row in new.rows}
    changes = []
    for row in old.rows:
        if row.threshold not in after:
            changes.append(f"删除档位“达到 {row.threshold_text} → {row.award_text}”")
        elif after[row.threshold].award != row.award:
            changes.append(f"档位“达到 {row.threshold_text}”的奖励 {row.award_text} → {after[row.threshold].award_text}")
    for row in new.rows:
        if row.threshold not in before:
            changes.append(f"新增档位“达到 {row.threshold_text} → {row.award_text}”")
    return changes


def expr_changes(old: M.Expr, new: M.Expr) -> list[str] | None:
    """What changed inside an expression of the same shape; None when the shape itself changed."""
    if same(old, new):
        return []
    if type(old) is not type(new):
        return None
    return _EXPR_CHANGES.visit(old, new)


class _ExprChanges(visitor.Visitor):
    """visit(old, new) for two expressions of one class that differ: what changed, or None (another shape)."""

    def visit_Const(self, old: M.Const, new: M.Const) -> list[str] | None:
        if old.type != new.type:
            return None
        return [f"{_role(old)} {old.text} → {new.text}"]

    def visit_Tiers(self, old: M.Tiers, new: M.Tiers) -> list[str] | None:
        return _tier_changes(old, new) if same(old.subject, new.subject) else None

    # --- 累进 (#22 ratio): bands added, removed, or their rate or reading changed
    def visit_Bands(self, old: M.Bands, new: M.Bands) -> list[str] | None:
        if not same(old.subject, new.subject):
            return None
        before = {row.label: row for row in old.rows}
        after = {row.label: row for row in new.rows}
        changes = [f"删除累进分段“{row.label} → {row.rate_text}”" for row in old.rows if row.label not in after]
        for row in new.rows:
            was = before.get(row.label)
            if was is None:
                changes.append(f"新增累进分段“{row.label} → {row.rate_text}”")
            elif was.rate != row.rate:
                changes.append(f"累进分段“{row.label}”的比例 {was.rate_text} → {row.rate_text}")
            elif not same(was.interpretation, row.interpretation):
                changes.append(f"累进分段“{row.label}”的解释 {q(was.interpretation and was.interpretation.note)}"
                               f" → {q(row.interpretation and row.interpretation.note)}")
        return changes

    def visit_Lookup(self, old: M.Lookup, new: M.Lookup) -> list[str] | None:
        if old.field.name != new.field.name or [o for o, _ in old.choices] != [o for o, _ in new.choices]:
            return None
        changes: list[str] = []
        for options, branch in describe.lookup_groups(new):
            old_branch = dict(old.choices)[options[0]]
            if any(not same(dict(old.choices)[o], old_branch) for o in options):
                return None  # the options were grouped differently
            inner = expr_changes(old_branch, branch)
            if inner is None:
                inner = [f"{describe.expr(old_branch)} → {describe.expr(branch)}"]
            changes += [f"{describe.option_labels(new, options)}：{c}" for c in inner]
        return changes

    def visit_InputRef(self, old: M.InputRef, new: M.InputRef) -> None:
        return None  # a different input

    visit_ItemRef = visit_InputRef

    def visit_LetRef(self, old: M.LetRef, new: M.LetRef) -> list[str] | None:
        return None if old.let.name != new.let.name else []

    def visit_Arith(self, old, new) -> list[str] | None:
        return self._operands(old, new) if old.op == new.op else None

    visit_Logic = visit_Compare = visit_Arith

    def visit_Call(self, old: M.Call, new: M.Call) -> list[str] | None:
        return self._operands(old, new) if old.func == new.func else None

    def visit_Member(self, old: M.Member, new: M.Member) -> list[str] | None:
        return self._operands(old, new) if old.values == new.values else None

    def _operands(self, old, new) -> list[str] | None:
        """The changes of the operands, pair by pair (None if one of them changed shape)."""
        children = visitor.children(old), visitor.children(new)
        if len(children[0]) != len(children[1]):
            return None
        changes = []
        for a, b in zip(*children):
            inner = expr_changes(a, b)
            if inner is None:
                return None
            changes += inner
        return changes

    visit_Not = visit_Cond = _operands

    def visit_ItemSum(self, old: M.ItemSum, new: M.ItemSum) -> None:
        return None  # a list's sum (令 x = 逐项 …) changed: said whole, in words (rule_changes)


_EXPR_CHANGES = _ExprChanges()
_AMOUNTS = (M.Formula, M.Cases, M.PerItem)


def amount_changes(old, new, prefix: str = "") -> list[str]:
    if same(old, new):
        return []
    whole = [f"{prefix}金额计算 {describe.amount(old)} → {describe.amount(new)}"]
    if type(old) is not type(new):
        return whole
    return _AMOUNT_CHANGES.visit(old, new, prefix, whole)


class _AmountChanges(visitor.Visitor):
    """visit(old, new, prefix, whole) for two amounts of one class that differ; `whole` is the line for a
    change too large to say part by part."""

    def visit_Formula(self, old: M.Formula, new: M.Formula, prefix: str, whole: list[str]) -> list[str]:
        inner = expr_changes(old.expr, new.expr)
        changes = [prefix + c for c in inner] if inner is not None else \
            [f"{prefix}金额计算 {describe.expr(old.expr)} → {describe.expr(new.expr)}"]
        changes += [prefix + c for c in interp_changes("金额计算", old.interpretation, new.interpretation)]
        return changes + cap_changes(old.cap, new.cap, prefix, "上限")

    def visit_Cases(self, old: M.Cases, new: M.Cases, prefix: str, whole: list[str]) -> list[str]:
        if len(old.cases) != len(new.cases):
            return whole
        changes = []
        for index, (a, b) in enumerate(zip(old.cases, new.cases), start=1):
            where = describe.other_case() if b.cond is None else f"情形{index}（{describe.condition(b.cond)}）"
            if (a.cond is None) != (b.cond is None):
                return whole
            if a.cond is not None and not same(a.cond, b.cond):
                changes.append(f"{prefix}情形{index}的条件 {describe.condition(a.cond)} → {describe.condition(b.cond)}")
            changes += outcome_changes(a.outcome, b.outcome, f"{prefix}{where}：")
        return changes

    def visit_PerItem(self, old: M.PerItem, new: M.PerItem, prefix: str, whole: list[str]) -> list[str]:
        if old.list_field.name != new.list_field.name:
            return whole
        each = f"{prefix}{new.list_field.label}每项："
        return [each + c for c in rule_changes(old.rules, new.rules)] + amount_changes(old.amount, new.amount, each) \
            + cap_changes(old.cap, new.cap, prefix, "合计上限")


def cap_changes(old: M.Cap | None, new: M.Cap | None, prefix: str, name: str) -> list[str]:
    """A cap added, removed or changed (limit, interpretation); name: 上限, or 合计上限 for a 逐项's sum."""
    if old is None and new is not None:
        return [f"{prefix}新增{name} {describe.expr(new.limit)}"]
    if old is not None and new is None:
        return [f"{prefix}取消{name} {describe.expr(old.limit)}"]
    if old is None:
        return []
    changes = []
    if not same(old.limit, new.limit):
        changes.append(f"{prefix}{name} {describe.expr(old.limit)} → {describe.expr(new.limit)}")
    return changes + [prefix + c for c in interp_changes(name, old.interpretation, new.interpretation)]


_AMOUNT_CHANGES = _AmountChanges()


def outcome_changes(old, new, prefix: str) -> list[str]:
    """What changed in what a case leads to: an amount, review or ineligibility."""
    if same(old, new):
        return []
    return _OUTCOME_CHANGES.visit(old, new, prefix)


class _OutcomeChanges(visitor.Visitor):
    """visit(old, new, prefix): old's class decides; new may be of another kind."""

    def visit_Formula(self, old, new, prefix: str) -> list[str]:
        if isinstance(new, _AMOUNTS):
            return amount_changes(old, new, prefix)
        return self._replaced(old, new, prefix)

    visit_Cases = visit_PerItem = visit_Formula

    def visit_ReviewOutcome(self, old: M.ReviewOutcome, new, prefix: str) -> list[str]:
        if isinstance(new, M.ReviewOutcome):
            changes = [f"{prefix}需人工审核的原因 “{old.reason}” → “{new.reason}”"] if old.reason != new.reason else []
            return changes + [prefix + c for c in interp_changes("人工审核", old.interpretation, new.interpretation)]
        return self._replaced(old, new, prefix)

    def _replaced(self, old, new, prefix: str) -> list[str]:
        """One kind of outcome replaced by another (or an ineligibility's reason changed), said in full."""
        return [f"{prefix}{describe.amount(old)} → {describe.amount(new)}"]

    visit_IneligibleOutcome = _replaced


_OUTCOME_CHANGES = _OutcomeChanges()


# ---------------------------------------------------------------- rules
def _rule_words(rule) -> tuple[str, str]:
    """(what kind of rule, the rule in words)."""
    return _RULE_WORDS.visit(rule)


class _RuleWords(visitor.Visitor[tuple]):
    def visit_Require(self, rule: M.Require) -> tuple[str, str]:
        return "条件", f"{describe.condition(rule.cond)}（不满足时：{rule.reason}）"

    def visit_Review(self, rule: M.Review) -> tuple[str, str]:
        return "人工审核", f"{describe.condition(rule.cond)}时（{rule.reason}）"

    def visit_Let(self, rule: M.Let) -> tuple[str, str]:
        return "中间量", f"{rule.label} = {describe.expr(rule.expr)}"

    def visit_Unique(self, rule: M.Unique) -> tuple[str, str]:
        return "唯一性要求", f"{describe.expr(rule.key)}（{rule.reason}）"


_RULE_WORDS = _RuleWords()


def _rule_key(rule) -> tuple:
    return (type(rule).__name__, rule.name if isinstance(rule, M.Let) else rule.reason)


_rule_body = catalogue.rule_expr


def rule_changes(old_rules, new_rules) -> list[str]:
    """Rules are paired by their reason (a Let by its name), else by their condition."""
    old_left = list(old_rules)
    pairs = []
    added = []
    for rule in new_rules:
        match = next((r for r in old_left if same(r, rule)), None) \
            or next((r for r in old_left if _rule_key(r) == _rule_key(rule)), None) \
            or next((r for r in old_left if type(r) is type(rule) and same(_rule_body(r), _rule_body(rule))), None)
        if match is None:
            added.append(rule)
        else:
            old_left.remove(match)
            pairs.append((match, rule))
    changes = [f"删除{_rule_words(r)[0]}：{_rule_words(r)[1]}" for r in old_left]
    changes += [f"新增{_rule_words(r)[0]}：{_rule_words(r)[1]}" for r in added]
    for old, new in pairs:
        kind, _ = _rule_words(new)
        if not same(_rule_body(old), _rule_body(new)):
            before = describe.expr(old.expr) if isinstance(old, M.Let) else describe.condition(_rule_body(old))
            after = describe.expr(new.expr) if isinstance(new, M.Let) else describe.condition(_rule_body(new))
            name = f"“{new.label}”" if isinstance(new, M.Let) else ""
            changes.append(f"{kind}{name} {before} → {after}")
        if not isinstance(new, M.Let) and old.reason != new.reason:
            changes.append(f"{kind}的原因 “{old.reason}” → “{new.reason}”")
        if isinstance(new, M.Let) and old.label != new.label:
            changes.append(f"中间量的名称 “{old.label}” → “{new.label}”")
        subject = new.label if isinstance(new, M.Let) else kind
        changes += interp_changes(subject, old.interpretation, new.interpretation)
    return changes


# ---------------------------------------------------------------- inputs
def _type_text(f: M.Field) -> str:
    return keywords.TYPES[f.kind] + (f"（{f.unit}）" if f.unit and f.kind != "money" else "")


def _show(value: Decimal | None) -> str:
    return "（无）" if value is None else format(value.normalize(), "f")


def field_changes(old_fields, new_fields, prefix: str = "") -> list[str]:
    before = {f.name: f for f in old_fields}
    after = {f.name: f for f in new_fields}
    changes = [f"删除输入项 {prefix}{f.name}（{f.label}）" for f in old_fields if f.name not in after]
    changes += [f"新增输入项 {prefix}{f.name}（{f.label}）" for f in new_fields if f.name not in before]
    for new in new_fields:
        old = before.get(new.name)
        if old is None or same(old, new):
            continue
        name = f"输入项 {prefix}{new.name}"
        if old.label != new.label:
            changes.append(f"{name} 的名称 “{old.label}” → “{new.label}”")
        if _type_text(old) != _type_text(new):
            changes.append(f"{name} 的类型 {_type_text(old)} → {_type_text(new)}")
        for label, a, b in (("默认值", old.default, new.default), ("最小值", old.minimum, new.minimum),
                            ("步长", old.step, new.step)):
            if a != b:
                changes.append(f"{name} 的{label} {_show(a)} → {_show(b)}")
        if old.help != new.help:
            changes.append(f"{name} 的说明 {q(old.help)} → {q(new.help)}")
        old_options, new_options = dict(old.options), dict(new.options)
        changes += [f"{name} 删除选项 {o}（{label}）" for o, label in old.options if o not in new_options]
        changes += [f"{name} 新增选项 {o}（{label}）" for o, label in new.options if o not in old_options]
        changes += [f"{name} 的选项 {o} 的名称 “{old_options[o]}” → “{label}”"
                    for o, label in new.options if o in old_options and old_options[o] != label]
        changes += interp_changes(f"输入项 {prefix}{new.name}", old.interpretation, new.interpretation)
        if old.kind == new.kind == "list":
            changes += field_changes(old.item_fields, new.item_fields, f"{prefix}{new.name}.")
    return changes


# ---------------------------------------------------------------- programmes and articles
def programme_changes(old: M.Programme, new: M.Programme) -> list[str]:
    changes = []
    if old.name != new.name:
        changes.append(f"名称 “{old.name}” → “{new.name}”")
    if old.article != new.article:
        changes.append(f"所属条款 第{old.article}条 → 第{new.article}条")
    if old.excerpt != new.excerpt:
        if old.excerpt is None or new.excerpt is None:
            changes.append(f"摘录 {q(old.excerpt)} → {q(new.excerpt)}")
        else:
            changes.append("摘录有改动：" + " ".join(text_changes(old.excerpt, new.excerpt, context=6)))
    for label, a, b in (("申请主体", old.applicant, new.applicant), ("资金来源", old.funding_source, new.funding_source),
                        ("兑现条件", old.payment_condition, new.payment_condition),
                        *((label, old.detail(label), new.detail(label)) for label, _ in new.details)):
        if a is None or b is None:  # an optional detail declared or removed
            if (a is None) != (b is None):
                changes.append(f"{label} {q(a and a.value)} → {q(b and b.value)}")
            continue
        if a.value != b.value:
            changes.append(f"{label} “{a.value}” → “{b.value}”")
        changes += interp_changes(label, a.interpretation, b.interpretation)
    if old.materials != new.materials:
        changes.append(f"申报材料 {q('；'.join(old.materials) or None)} → {q('；'.join(new.materials) or None)}")
    if old.money_wording != new.money_wording:
        changes.append(f"资金表述 {q(old.money_wording)} → {q(new.money_wording)}")
    changes += field_changes(old.fields, new.fields)
    before = list(old.constraints)
    for c in new.constraints:
        match = next((o for o in before if same(o, c)), None)
        if match is not None:
            before.remove(match)
        else:
            changes.append(f"新增校验：{describe.condition(c.cond)}（否则：{c.message}）")
    changes += [f"删除校验：{describe.condition(c.cond)}（否则：{c.message}）" for c in before]
    changes += rule_changes(old.rules, new.rules)
    changes += amount_changes(old.amount, new.amount)
    return changes


def _document_changes(old: M.Document, new: M.Document) -> list[str]:
    lines = []
    parts = [f"{label} {q(a)} → {q(b)}" for label, a, b in (
        ("发文机关", old.issuer, new.issuer), ("标题", old.title, new.title), ("版本", old.version, new.version),
        ("主送", old.addressees, new.addressees),
        *((label, old.detail(label), new.detail(label)) for label, _ in new.details)) if a != b]
    parts += [f"删除依据 “{number}”" for number, _ in old.basis if number not in dict(new.basis)]
    parts += [f"新增依据 “{number}”" for number, _ in new.basis if number not in dict(old.basis)]
    parts += [f"依据 “{number}” 的标题 “{dict(old.basis)[number]}” → “{title}”"
              for number, title in new.basis if number in dict(old.basis) and dict(old.basis)[number] != title]
    if parts:
        lines.append("文件：" + "；".join(parts))
    if old.preamble != new.preamble:
        lines.append("引言有改动：")
        lines += ["  " + h for h in text_changes(old.preamble or "", new.preamble or "")]
    return lines


def _measure_text(m: M.Measure) -> str:
    text = m.label + (f" {m.id}" if m.id else "") + " " + " ".join(f"“{v}”" for v in m.values)
    details = [f"条文“{c.text}”" for c in m.clauses] + [
        f"{label}“{value}”" for label, value in (("牵头", m.lead), ("配合", "、".join(m.support)),
                                                  ("时限", m.deadline), ("资金来源", m.funding_source)) if value]
    return text + (f"（{'，'.join(details)}）" if details else "")


def _article_changes(old: M.Article | None, new: M.Article | None) -> list[str]:
    if old is None:
        return [f"第{new.number}条 新增：“{new.title}”"]
    if new is None:
        return [f"第{old.number}条 删除：“{old.title}”"]
    parts = []
    if old.title != new.title:
        parts.append(f"标题 “{old.title}” → “{new.title}”")
    if old.chapter != new.chapter:
        parts.append(f"所属章 第{old.chapter}章 → 第{new.chapter}章")
    parts += [f"删除{_measure_text(m)}" for m in old.measures if m not in new.measures]
    parts += [f"新增{_measure_text(m)}" for m in new.measures if m not in old.measures]
    lines = [f"第{new.number}条：" + "；".join(parts)] if parts else []
    if old.text != new.text:
        lines.append(f"第{new.number}条 原文有改动：")
        lines += ["  " + h for h in text_changes(old.text, new.text)]
    return lines


def _chapter_changes(old: M.Policy, new: M.Policy) -> list[str]:
    before = {c.numeral: c for c in old.chapters}
    after = {c.numeral: c for c in new.chapters}
    lines = [f"第{c.numeral}章 删除：“{c.title}”" for c in old.chapters if c.numeral not in after]
    for c in new.chapters:
        if c.numeral not in before:
            lines.append(f"第{c.numeral}章 新增：“{c.title}”")
        elif before[c.numeral].title != c.title:
            lines.append(f"第{c.numeral}章：标题 “{before[c.numeral].title}” → “{c.title}”")
    return lines


def _cross_changes(old: M.Policy, new: M.Policy, number: int) -> list[str]:
    """Rules across programmes (#22) of one article, added, removed or changed, in the sheet's words."""
    before = {r.id: r for r in old.cross if r.article == number}
    after = {r.id: r for r in new.cross if r.article == number}
    lines = [f"第{number}条 删除{describe.cross_rule(old, r)}" for rid, r in before.items() if rid not in after]
    for rid, r in after.items():
        if rid not in before:
            lines.append(f"第{number}条 新增{describe.cross_rule(new, r)}")
        else:
            was, now = describe.cross_rule(old, before[rid]), describe.cross_rule(new, r)
            found = [f"{was.rstrip('。')} → {now.rstrip('。')}"] if was != now else []
            found += interp_changes(r.title, before[rid].interpretation, r.interpretation)
            found += interp_changes("分配方式", _choice(before[rid]), _choice(r))
            if found:
                lines.append(f"第{number}条 {rid}：" + "；".join(found))
    return lines


def _choice(rule) -> M.Interpretation | None:
    return rule.choice_interpretation if isinstance(rule, M.Exclusion) else rule.share_interpretation


def _test_key(case: M.TestCase) -> tuple:
    return case.programme, case.name


def changes(old: M.Policy, new: M.Policy) -> list[str]:
    """Every change, in Chinese, article by article; empty when the policies mean the same."""
    lines = _document_changes(old.document, new.document) + _chapter_changes(old, new)
    old_articles = {a.number: a for a in old.articles}
    new_articles = {a.number: a for a in new.articles}
    old_programmes = {p.id: p for p in old.programmes}
    new_programmes = {p.id: p for p in new.programmes}
    for number in sorted(set(old_articles) | set(new_articles)):
        old_article, new_article = old_articles.get(number), new_articles.get(number)
        if old_article is None or new_article is None or not same(old_article, new_article):
            lines += _article_changes(old_article, new_article)
        for p in new.programmes:
            if p.article != number:
                continue
            head = f"第{number}条 {p.name}（{p.id}）"
            if p.id not in old_programmes:
                lines.append(f"第{number}条 新增项目 {p.name}（{p.id}）：{describe.amount(p.amount)}")
            elif not same(old_programmes[p.id], p):
                found = programme_changes(old_programmes[p.id], p)
                if found:
                    lines.append(f"{head}：" + "；".join(found))
        lines += [f"第{number}条 删除项目 {p.name}（{p.id}）" for p in old.programmes
                  if p.article == number and p.id not in new_programmes]
        lines += _cross_changes(old, new, number)
    old_tests = {_test_key(t): t for t in old.tests}
    new_tests = {_test_key(t): t for t in new.tests}
    tests = [f"删除 {t.programme}“{t.name}”" for t in old.tests if _test_key(t) not in new_tests]
    tests += [f"新增 {t.programme}“{t.name}”" for t in new.tests if _test_key(t) not in old_tests]
    tests += [f"{t.programme}“{t.name}”的输入或预期有改动" for t in new.tests
              if _test_key(t) in old_tests and not same(old_tests[_test_key(t)], t)]
    if tests:
        lines.append("测试用例：" + "；".join(tests))
    return lines


# ---------------------------------------------------------------- effects
def _outcome(policy: M.Policy, pid: str, application) -> dict:
    """A result, or {"status": "invalid"}, or {"status": "missing"} for a programme the policy lacks."""
    if pid not in policy.programme_ids:
        return {"status": "missing"}
    try:
        return interpreter.evaluate(policy, pid, application)
    except runtime.InvalidApplication:
        return {"status": "invalid"}


def _signature(result: dict) -> tuple:
    return result["status"], result.get("amount"), result.get("amount_if_approved")


def show_result(result: dict) -> str:
    status = result["status"]
    if status == "missing":
        return "（无此项目）"
    if status in ("invalid", "ineligible"):
        return M.STATUS_LABELS[status]
    text = f"{M.STATUS_LABELS[status]} {runtime.show_yuan(Decimal(result['amount']))}"
    if "amount_if_approved" in result:
        text += f"（批准后 {runtime.show_yuan(Decimal(result['amount_if_approved']))}）"
    return text


def test_effects(old: M.Policy, new: M.Policy) -> tuple[int, list[str]]:
    """(how many test applications, the lines of those whose result changes)."""
    seen: set[tuple] = set()
    cases = []
    for case in list(new.tests) + list(old.tests):
        key = (case.programme, json.dumps(case.application, sort_keys=True, default=str, ensure_ascii=False))
        if key not in seen:
            seen.add(key)
            cases.append(case)
    lines = []
    for case in cases:
        before = _outcome(old, case.programme, case.application)
        after = _outcome(new, case.programme, case.application)
        if _signature(before) != _signature(after):
            lines.append(f"  {case.programme}“{case.name}”：{show_result(before)} → {show_result(after)}")
    return len(cases), lines


def _signature_of_record(record: dict) -> tuple:
    return record["status"], record.get("amount"), record.get("amount_if_approved")


@dataclass
class PopulationEffects:
    before: Tally  # the old policy's totals
    after: Tally  # the new policy's
    changed: dict  # programme id -> how many of its applications change result


def compare_population(old: M.Policy, new: M.Policy, stream: IO[bytes], progress=None, pairs=None) -> PopulationEffects:
    """Both policies on every line of a JSONL population, read once.  pairs: the two records
    of each line from another engine (sqlrun.population_pairs); by default the interpreter's."""
    effects = PopulationEffects(Tally(old), Tally(new), {})
    if pairs is None:
        pairs = ((evaluate_record(old, line), evaluate_record(new, line)) for line in batch.read_lines(stream))
    for a, b in pairs:
        effects.before.add(a)
        effects.after.add(b)
        if _signature_of_record(a) != _signature_of_record(b):
            pid = a.get("programme")  # None for a line that could not be read
            effects.changed[pid] = effects.changed.get(pid, 0) + 1
        if progress is not None and effects.before.lines % PROGRESS_EVERY == 0:
            progress(effects.before.lines)
    return effects


def population_effects(old: M.Policy, new: M.Policy, stream: IO[bytes], name: str, progress=None,
                       pairs=None) -> list[str]:
    """What changes on a population, and the money before and after, by programme and by funding source."""
    effects = compare_population(old, new, stream, progress, pairs)
    before, after, changed = effects.before, effects.after, effects.changed
    lines = [f"申请样本 {name}：共 {before.lines} 行" + (f"，其中 {before.unreadable} 行无法读取" if before.unreadable else "")
             + f"；结果变化 {sum(changed.values())} 份"]
    if not before.lines:
        return lines

    def compare(a: Totals, b: Totals) -> str:
        def one(x: Decimal, y: Decimal) -> str:
            if x == y:
                return f"{runtime.show_yuan(x)}（无变化）"
            difference = runtime.sub(y, x)
            change = "增加" if difference > 0 else "减少"  # an ASCII "-100.00 元" reads as code, not as a sum
            return f"{runtime.show_yuan(x)} → {runtime.show_yuan(y)}（{change} {runtime.show_yuan(abs(difference))}）"

        text = "金额 " + one(a.amount, b.amount)
        if a.statuses["review"] or b.statuses["review"]:
            text += "；需审核的若全部批准 " + one(a.amount_if_approved, b.amount_if_approved)
        return text

    lines.append("按项目（旧 → 新）：")
    ids = list(new.programme_ids) + [pid for pid in old.programme_ids if pid not in new.programme_ids]
    for pid in ids:
        a = before.programmes.get(pid, Totals())
        b = after.programmes.get(pid, Totals())
        if not a.count and not b.count:
            continue
        label = new.programme(pid).name if pid in new.programme_ids else old.programme(pid).name
        lines.append(f"  {label}（{pid}）：结果变化 {changed.get(pid, 0)} 份；{compare(a, b)}")
    lines.append("按资金来源（旧 → 新）：")
    for source in sorted(set(before.sources) | set(after.sources)):
        lines.append(f"  {source}：{compare(before.sources.get(source, Totals()), after.sources.get(source, Totals()))}")
    sources = set(before.sources) | set(after.sources)
    lines.append(f"合计：{compare(before.total, after.total)}" if len(sources) <= 1 else SEPARATE_SOURCES)
    return lines
