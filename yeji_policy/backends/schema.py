"""Forms backend: the checked model -> JSON Schema (2020-12) application forms.

For a policy it writes, under generated/forms/<policy id>/ (layout.py):

- `<programme id>.schema.json`: the application form of one programme — every
  input with its Chinese title, description, type and bounds, the embedded
  valid test applications as `examples`;
- `profile.schema.json`: the input of the policy calculator (`match`): every
  input of every programme, all optional, with the same definitions;
- `<programme id>.uischema.json` and `<programme id>.messages.json`: for
  react-jsonschema-form, the field order and widgets, and a Chinese message
  for every constraint a validator can report (see form_ui.py);
- `index.json`: the forms with their Chinese names, articles and field order;
- `draft-07/<name>.schema.json`: the same forms in JSON Schema draft-07, for
  renderers that speak only draft-07 (the keywords used mean the same there).

`properties` are written in the order the policy declares the fields (also
inside a list's items); every other object with sorted keys.  The policy's
order is fixed, so the output stays deterministic.

The schemas accept and reject what `runtime.validate_object` accepts and
rejects, with the limits taken from runtime.py itself, except for what JSON
Schema cannot say: a programme's form checks (`校验`, such as a date range
in order) are named in the description and left to the evaluator.

Numbers are exact: model values are `Decimal` and are written by `dumps`, a
small JSON writer that never goes through a binary float (0.01 is written
0.01, 500000 as 500000).  Every number is at most runtime.MAX_NUMBER
(9,999,999,999.99): below 10^10 a browser's double still tells every amount of
two decimals apart (ajv with multipleOfPrecision 3 accepts them all; README).  Everything comes from the model; no programme or
field is named here.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import sys
from decimal import Decimal

from .. import describe, layout, runtime
from .. import model as M
from ..policy_dates import shown

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DRAFT_07 = "http://json-schema.org/draft-07/schema#"
PROFILE = "profile"

# A real date is checked by `format: date`; the pattern keeps the shape
# exactly as runtime's (ASCII digits only) and refuses year 0000, which
# RFC 3339 allows but Python's date (and so the evaluator) does not.
DATE_PATTERN = "^(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}$"


# ---------------------------------------------------------------- exact JSON
class InOrder(dict):
    """A JSON object written in insertion order (the policy's), not sorted."""

    __slots__ = ()


def _number_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    if value == value.to_integral_value():
        return str(int(value))  # 150000, never 1.5E+5; -0 is 0
    return format(value, "f")  # the exact decimal text: 0.01, 15000.50


def _write(value, level: int, out: list[str]) -> None:
    pad = "  " * (level + 1)
    if value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        out.append(_number_text(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        out.append("[\n")
        for index, item in enumerate(value):
            out.append(pad)
            _write(item, level + 1, out)
            out.append(",\n" if index < len(value) - 1 else "\n")
        out.append("  " * level + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        if not all(isinstance(k, str) for k in value):
            raise TypeError("JSON object keys must be strings")
        keys = list(value) if isinstance(value, InOrder) else sorted(value)
        out.append("{\n")
        for index, key in enumerate(keys):
            out.append(pad + json.dumps(key, ensure_ascii=False) + ": ")
            _write(value[key], level + 1, out)
            out.append(",\n" if index < len(keys) - 1 else "\n")
        out.append("  " * level + "}")
    else:  # a float above all: it would not be exact
        raise TypeError(f"cannot write {type(value).__name__} as exact JSON")


def dumps(value) -> bytes:
    """Deterministic, exact JSON: sorted keys (an InOrder object keeps its
    order), two-space indent, UTF-8 text (ensure_ascii=False), trailing
    newline; Decimals as their exact text."""
    out: list[str] = []
    _write(value, 0, out)
    out.append("\n")
    return "".join(out).encode("utf-8")


# ---------------------------------------------------------------- text fields
def _whitespace_class() -> str:
    """The characters runtime's `str.strip()` removes, as a regex class body
    that reads the same in Python `re` and ECMA-262 (`\\uXXXX` escapes)."""
    points = [c for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    ranges: list[list[int]] = []
    for c in points:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    parts = []
    for first, last in ranges:
        parts.append(f"\\u{first:04x}" if first == last else f"\\u{first:04x}-\\u{last:04x}")
    return "".join(parts)


# Non-blank, and no lone surrogate (runtime refuses those: no UTF-8 output can
# carry them).  ajv compiles patterns with the `u` flag, so in both Python and
# JavaScript a class ranges over code points and a surrogate pair is one.
_SURROGATES = "\\ud800-\\udfff"
NON_BLANK_PATTERN = (f"^[^{_SURROGATES}]*[^{_whitespace_class()}{_SURROGATES}][^{_SURROGATES}]*$")


# ---------------------------------------------------------------- descriptions
# Written for the person filling the form: what to enter, in which unit, and
# the readings of the text that affect it, each marked 【解释】.  No JSON
# vocabulary (true/false, codes, types): a renderer shows options by label.
INTERPRETATION = "【解释】"


def _show(value: Decimal, unit: str | None) -> str:
    """0.5天, 0元, 10,000元: the figure as a person writes it, with its unit."""
    return runtime.group(value) + (unit or "")


def what_to_enter(f: M.Field) -> str:
    """What a valid value is, as an instruction."""
    if f.kind in ("money", "number", "int"):
        lowest = f.minimum if f.minimum is not None else Decimal(0)
        what = {"money": "填写金额", "number": "填写数值", "int": "填写整数"}[f.kind]
        parts = [what, f"不小于{_show(lowest, f.unit) if lowest else 0}"]
        if f.step is not None:
            parts.append(f"按{_show(f.step, f.unit)}的整数倍填写")
        elif f.kind == "money":
            parts.append("最多两位小数（精确到分）")
        elif f.kind == "number":
            parts.append("最多两位小数")
        return "，".join(parts)
    if f.kind == "bool":
        return "请选择“是”或“否”"
    if f.kind == "date":
        return "填写日期，格式为 年-月-日（YYYY-MM-DD）"
    if f.kind == "text":
        return f"填写文字，不能为空，最多{runtime.MAX_TEXT}个字"
    if f.kind == "enum":
        return "从以下选项中选择一项：" + "、".join(label for _, label in f.options)
    if f.kind == "list":
        return f"逐项填写，至少1项、最多{runtime.group(Decimal(runtime.MAX_ITEMS))}项"
    raise ValueError(f"unknown field kind {f.kind!r}")


def _sentence(parts: list[str]) -> str:
    """Join parts into sentences, each ending in 。 (or the ！/？ it already ends with)."""
    out = []
    for part in parts:
        part = part.strip().rstrip("。；;，,")
        if part:
            out.append(part if part.endswith(("！", "？")) else part + "。")
    return "".join(out)


def unit_help(f: M.Field) -> str | None:
    """The unit, shown beside the input."""
    return f"单位：{f.unit}" if f.unit else None


def field_description(f: M.Field) -> str:
    """Help text (what counts), what to enter and its unit, default, interpretation."""
    parts: list[str] = []
    if f.help:
        parts.append(f.help)
    unit = unit_help(f)
    parts.append(what_to_enter(f) + (f"，{unit}" if unit and unit not in (f.help or "") else ""))
    if f.default is not None:
        parts.append(f"未填写时按{_show(f.default, f.unit)}计")
    if f.interpretation is not None:
        parts.append(f"{INTERPRETATION}{f.interpretation.note}")
    return _sentence(parts)


# ---------------------------------------------------------------- schemas
def field_schema(f: M.Field) -> dict:
    s: dict = {"title": f.label, "description": field_description(f)}
    if f.kind in ("money", "number", "int"):
        s["type"] = "integer" if f.kind == "int" else "number"
        s["minimum"] = f.minimum if f.minimum is not None else Decimal(0)
        s["maximum"] = runtime.MAX_NUMBER
        if f.step is not None:
            s["multipleOf"] = f.step
        elif f.kind != "int":
            s["multipleOf"] = runtime.CENT
    elif f.kind == "bool":
        s["type"] = "boolean"
    elif f.kind == "date":
        s.update(type="string", format="date", pattern=DATE_PATTERN)
    elif f.kind == "text":
        s.update(type="string", minLength=1, maxLength=runtime.MAX_TEXT, pattern=NON_BLANK_PATTERN)
    elif f.kind == "enum":
        s["type"] = "string"
        s["oneOf"] = [{"const": option, "title": label} for option, label in f.options]
    elif f.kind == "list":
        s.update(type="array", minItems=1, maxItems=runtime.MAX_ITEMS)
        s["items"] = object_schema(
            f.item_fields, f"{f.label}（每一项）",
            f"“{f.label}”中的一项，包括：" + "、".join(f"“{g.label}”" for g in f.item_fields) + "。")
    else:  # pragma: no cover - the checker admits no other kind
        raise ValueError(f"unknown field kind {f.kind!r}")
    if f.default is not None:
        s["default"] = f.default
    return s


def object_schema(fields, title: str, description: str, all_optional: bool = False,
                  optional: frozenset = frozenset({runtime.APPLICATION_DATE})) -> dict:
    s: dict = {
        "type": "object",
        "title": title,
        "description": description,
        "properties": InOrder((f.name, field_schema(f)) for f in fields),
        "additionalProperties": False,
    }
    required = [] if all_optional else [f.name for f in fields if f.default is None and f.name not in optional]
    if required:
        s["required"] = required
    return s


# ---------------------------------------------------------------- the application's date
# Every form carries the optional date that decides which version of the policy applies
# (versions.APPLICATION_DATE): not an input of any programme, so it is added here, after the
# programme's own fields, and never required (without it the newest version decides).
APPLICATION_DATE = runtime.APPLICATION_DATE
APPLICATION_DATE_LABEL = runtime.APPLICATION_DATE_LABEL


def _period_text(first: str | None, last: str | None) -> str | None:
    """"2027年1月1日至2027年6月30日" from ISO days, either side open (None)."""
    if first is None and last is None:
        return None

    def day(iso: str) -> str:
        return shown(datetime.date.fromisoformat(iso))
    if first is not None and last is not None:
        return f"{day(first)}至{day(last)}"
    return f"{day(first)}起" if first is not None else f"至{day(last)}止"


def date_help(policy: M.Policy, programme: M.Programme | None = None) -> str:
    """What the date is for, and the period of this version (and programme) it must fall in."""
    from .. import versions

    data = versions.period_data(policy)
    parts = ["按此日期确定适用哪一版本的政策，一般填写递交申请的日期；不填写时按最新版本办理，不检查适用期间"]
    period = _period_text(data["from"], data["until"])
    parts.append(f"本版本（{data['version']}版）适用于{period}" if period
                 else f"本版本（{data['version']}版）原文未载明适用期间")
    successor = data.get("superseded_by")
    if successor is not None:
        parts.append(f"自{_period_text(successor['from'], None)}适用修订后的版本（{successor['version']}版）")
    own = versions.programme_period(programme) if programme is not None else None
    if own:
        parts.append(f"本项目受理期间：{_period_text(*own)}")
    return "；".join(parts)


def date_field(policy: M.Policy, programme: M.Programme | None = None) -> M.Field:
    """The application's date as a form field (optional, a real date input)."""
    return M.Field(name=APPLICATION_DATE, label=APPLICATION_DATE_LABEL, kind="date",
                   help=date_help(policy, programme))


def _with_date(fields, date: M.Field) -> tuple[M.Field, ...]:
    # a programme whose rules read the date declares it as an input already: asked once
    return tuple(fields) + (() if any(f.name == APPLICATION_DATE for f in fields) else (date,))


def form_fields(policy: M.Policy, programme: M.Programme) -> tuple[M.Field, ...]:
    """What a programme's form asks: its inputs, then the application's date."""
    return _with_date(programme.fields, date_field(policy, programme))


def profile_form_fields(policy: M.Policy) -> tuple[M.Field, ...]:
    """What the calculator's form asks: every input once, then the application's date."""
    return _with_date(profile_fields(policy), date_field(policy))


def provenance(policy: M.Policy) -> str:
    return (f"由 yeji-policy 根据 {policy.source_file}（sha256 {policy.content_hash}）生成，请勿手工修改；"
            "读取 JSON 时请按十进制精确读取数字（见 README）。")


def schema_id(policy: M.Policy, name: str) -> str:
    return f"urn:yeji-policy:{policy.id}:forms:{name}"


def _examples(policy: M.Policy, programme: M.Programme) -> list:
    return [dict(t.application) for t in policy.tests
            if t.programme == programme.id and t.expect.status != "invalid"]


def _attribute(name: str, a: M.Attribute) -> str:
    text = f"{name}：{a.value}"
    if a.interpretation is not None:
        text += f"（{INTERPRETATION}{a.interpretation.note}）"
    return text


def programme_interpretations(policy: M.Policy, p: M.Programme) -> list[M.Interpretation]:
    """Every reading of the text that this programme applies, in source order."""
    return [i for i in policy.interpretations if i.programme == p.id]


FORM_DETAILS = ("兑现方式", "补助期限", "兑现前提", "受理部门")


def programme_description(policy: M.Policy, p: M.Programme) -> str:
    """The rule in words, the clause it comes from, and every interpretation
    the programme applies, marked 【解释】: those of the applicant, funding
    source and payment condition beside them, the others listed after."""
    article = policy.article(p.article)
    parts = [f"《{policy.document.title}》第{p.article}条（{article.title}）"]
    requirements = [describe.condition(r.cond) for r in p.rules if isinstance(r, M.Require)]
    if requirements:
        parts.append("申请条件：" + "；".join(requirements))
    parts.append(f"补助标准：{describe.amount(p.amount)}")
    # the same labels as the rule sheet: 兑现方式 / 补助期限 / 兑现前提 (and 受理部门) where the
    # policy declares them, else its one 兑现条件
    beside = [("申请主体", p.applicant), ("资金来源", p.funding_source)]
    details = [(label, a) for label, a in p.details if label in FORM_DETAILS and a is not None]
    beside += details or [("兑现条件", p.payment_condition)]
    parts.append("；".join(_attribute(label, a) for label, a in beside))
    if p.excerpt:
        parts.append(f"原文：“{p.excerpt}”")
    # one reading applied in two places (兑现前提 and its rule) is said once
    said = {a.interpretation.note for _, a in beside if a.interpretation is not None}
    others = []
    for i in programme_interpretations(policy, p):
        if i.note not in said:
            said.add(i.note)
            others.append(i)
    if others:
        parts.append("以下是对原文的解释（原文未写明或可有不同理解之处，按此执行）："
                     + "；".join(f"{INTERPRETATION}{i.subject}：{i.note.rstrip('。')}" for i in others))
    if p.constraints:
        checks = "；".join(describe.condition(c.cond) for c in p.constraints)
        parts.append(f"提交后另行检查：{checks}")
    return _sentence(parts)


def programme_schema(policy: M.Policy, p: M.Programme) -> dict:
    # the date is optional, unless the programme's rules read it (#22 dates: then it is one of its inputs)
    own_date = any(f.name == APPLICATION_DATE for f in p.fields)
    s = object_schema(form_fields(policy, p), p.name, programme_description(policy, p),
                      optional=frozenset() if own_date else frozenset({APPLICATION_DATE}))
    s["$schema"] = DIALECT
    s["$id"] = schema_id(policy, p.id)
    s["$comment"] = provenance(policy)
    examples = _examples(policy, p)
    if examples:
        s["examples"] = examples
    # The interpretations, machine-readable with their ids, are listed in the forms' index, not
    # here: an unknown keyword such as "x-interpretations" makes ajv (strict by default, as rjsf
    # and most form renderers run it) refuse to compile the schema at all.
    return s


def profile_fields(policy: M.Policy) -> list[M.Field]:
    """Every input of every programme once, the first definition of a name
    winning — as runtime.match_profile reads a profile."""
    seen: dict[str, M.Field] = {}
    for p in policy.programmes:
        for f in p.fields:
            seen.setdefault(f.name, f)
    for rule in policy.cross:  # an aggregate cap asks the amount already received (#22)
        if isinstance(rule, M.AggregateCap):
            seen.setdefault(rule.received.name, rule.received)
    return list(seen.values())


def profile_schema(policy: M.Policy) -> dict:
    description = (
        f"政策计算器（match）的输入：《{policy.document.title}》全部 {len(policy.programmes)} 个补助项目的申请信息，"
        "每一项都可不填；已填写的项须符合所在项目申请表的要求。"
        "计算器据已知情况给出每个项目的结果，或列出尚缺的输入项及最高可得金额。"
        "各项目适用的解释见该项目的申请表。")
    s = object_schema(profile_form_fields(policy), "政策计算器：申请人情况", description, all_optional=True)
    s["$schema"] = DIALECT
    s["$id"] = schema_id(policy, PROFILE)
    s["$comment"] = provenance(policy)
    return s


def calculator_schema(policies: list[M.Policy]) -> dict:
    """The calculator's input over one policy (its profile form) or several served together: every
    input of each once, the first definition winning, all optional, and the application's date."""
    if len(policies) == 1:
        return profile_schema(policies[0])
    fields: dict[str, M.Field] = {}
    for policy in policies:
        for f in profile_fields(policy):
            fields.setdefault(f.name, f)
    description = ("政策计算器（match）的输入：" + "、".join(f"《{p.document.title}》" for p in policies)
                   + "全部补助项目的申请信息，每一项都可不填；已填写的项须符合所在项目申请表的要求。")
    return object_schema(_with_date(fields.values(), calculator_date_field(policies)), "政策计算器：申请人情况",
                         description, all_optional=True)


def calculator_date_field(policies: list[M.Policy]) -> M.Field:
    """The calculator's date: that of the one policy, or one said of every policy served together."""
    if len(policies) == 1:
        return date_field(policies[0])
    return dataclasses.replace(date_field(policies[0]), help=(
        "按此日期确定各政策适用哪一版本，一般填写递交申请的日期；不填写时按各政策的最新版本计算"))


def draft_07(schema: dict) -> dict:
    """The same form in JSON Schema draft-07.  Every keyword the forms use
    (type, properties, required, additionalProperties, items as one schema,
    minimum, maximum, multipleOf, oneOf/const, format, pattern, min/maxLength,
    min/maxItems, default, examples, title, description, $comment) means the
    same in both drafts, so only the dialect and the id change."""
    copy = dict(schema)
    copy["$schema"] = DRAFT_07
    copy["$id"] = schema["$id"] + ":draft-07"
    return copy


def index(policy: M.Policy) -> dict:
    forms = []
    for p in policy.programmes:
        article = policy.article(p.article)
        forms.append({
            "programme": p.id,
            "name": p.name,
            "article": p.article,
            "citation": f"第{p.article}条",
            "article_title": article.title,
            "file": f"{p.id}.schema.json",
            "uischema": f"{p.id}.uischema.json",
            "messages": f"{p.id}.messages.json",
            "schema_id": schema_id(policy, p.id),
            "fields": [f.name for f in form_fields(policy, p)],
            # the readings this form's programme applies, with the stable ids traces and receipts cite
            "interpretations": [{"id": i.id, "subject": i.subject, "note": i.note}
                                for i in programme_interpretations(policy, p)],
        })
    return {
        "policy": {
            "id": policy.id,
            "issuer": policy.document.issuer,
            "title": policy.document.title,
            "version": policy.document.version,
            "source_file": policy.source_file,
            "source_sha256": policy.content_hash,
        },
        "forms": forms,
        "profile": {
            "name": "政策计算器",
            "file": f"{PROFILE}.schema.json",
            "uischema": f"{PROFILE}.uischema.json",
            "messages": f"{PROFILE}.messages.json",
            "schema_id": schema_id(policy, PROFILE),
            "fields": [f.name for f in profile_form_fields(policy)],
        },
    }


def generate(policy: M.Policy) -> dict[str, bytes]:
    from . import form_ui

    ids = [p.id for p in policy.programmes]
    if PROFILE in ids:
        raise ValueError(f"项目编号“{PROFILE}”与政策计算器的表单文件名冲突")
    if len(set(ids)) != len(ids):
        raise ValueError("项目编号重复")
    forms = [(p.id, programme_schema(policy, p), form_fields(policy, p)) for p in policy.programmes]
    forms.append((PROFILE, profile_schema(policy), profile_form_fields(policy)))
    out: dict[str, bytes] = {}
    comment = provenance(policy)
    for name, schema, fields in forms:
        out[layout.artifact(policy.id, "form", name)] = dumps(schema)
        out[layout.artifact(policy.id, "draft-07", name)] = dumps(draft_07(schema))
        out[layout.artifact(policy.id, "uischema", name)] = dumps(dict(form_ui.uischema(fields), **{"$comment": comment}))
        out[layout.artifact(policy.id, "messages", name)] = dumps(form_ui.messages(fields, comment))
    out[layout.artifact(policy.id, "forms-index")] = dumps(index(policy))
    return out
