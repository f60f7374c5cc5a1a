"""What a renderer needs beside a form's JSON Schema: the uiSchema and the messages.

- `uischema(fields)`: a react-jsonschema-form (rjsf) uiSchema — the fields in
  the policy's order (`ui:order`, also inside a list's items), yes/no as
  是/否 radio buttons with nothing chosen, options as a drop-down whose empty
  first entry says 请选择, the unit as help text beside a number, lists that
  can be added to and removed from but not reordered, and a 提交 button.
- `messages(fields)`: a Chinese message for every constraint a validator can
  report, keyed by the JSON pointer of the field's subschema and the keyword
  that failed ("#/properties/stations/items/properties/village" → "pattern").
  A renderer maps each validator error through it (README: transformErrors),
  so a person never sees a regular expression or a type name.

Why a message map rather than the stock ajv-i18n Chinese: those messages
name the schema, not the field ('应当匹配模式 "[^\\u0009-…]"', '应当是 integer
类型'); a map keeps the schemas standard (no ajv-errors `errorMessage`
keyword, which strict validators and draft-07 renderers would refuse), works
with any validator that reports the keyword and schema path, and uses the
evaluator's own wording where the two say the same thing (缺少必填项“…”,
“…”不能为空, “…”最多两位小数 …).

`json_money_strings` holds the one thing the command line's JSON input must
refuse that the Python API accepts: money given as a JSON string.
"""

from __future__ import annotations

from decimal import Decimal

from .. import model as M
from .. import runtime

SUBMIT = "提交"
YES_NO = ["是", "否"]
CHOOSE = "请选择"


# ---------------------------------------------------------------- uiSchema
def _field_ui(f: M.Field) -> dict:
    from .schema import unit_help

    if f.kind == "bool":
        return {"ui:widget": "radio", "ui:enumNames": YES_NO, "ui:options": {"inline": True}}
    if f.kind == "enum":
        return {"ui:widget": "select", "ui:placeholder": CHOOSE}
    if f.kind == "date":
        return {"ui:widget": "date"}
    if f.kind in ("money", "number", "int"):
        ui: dict = {"ui:widget": "updown"}  # <input type="number"> with min, max and step from the schema
        if unit_help(f):
            ui["ui:help"] = unit_help(f)
        return ui
    if f.kind == "list":
        items = _object_ui(f.item_fields)
        return {"ui:options": {"addable": True, "removable": True, "orderable": False, "copyable": False},
                "items": items}
    return {}


def _object_ui(fields) -> dict:
    ui: dict = {"ui:order": [f.name for f in fields]}
    for f in fields:
        field_ui = _field_ui(f)
        if field_ui:
            ui[f.name] = field_ui
    return ui


def uischema(fields) -> dict:
    ui = _object_ui(fields)
    ui["ui:submitButtonOptions"] = {"submitText": SUBMIT}
    return ui


# ---------------------------------------------------------------- messages
def type_message(f: M.Field) -> str:
    """What is wrong when the value is not of the field's JSON type at all."""
    label = f.label
    if f.kind == "money":
        return f"“{label}”应为数字金额（单位：元），不能是文字"
    if f.kind == "number":
        return f"“{label}”应为数字" + (f"（单位：{f.unit}）" if f.unit else "")
    if f.kind == "int":
        return f"“{label}”应为整数" + (f"（单位：{f.unit}）" if f.unit else "")
    if f.kind == "bool":
        return f"“{label}”请选择“是”或“否”"
    if f.kind == "date":
        return _date_message(f)
    if f.kind == "text":
        return f"“{label}”应为文字"
    if f.kind == "enum":
        return _option_message(f)
    return f"“{label}”应为列表"


def _date_message(f: M.Field) -> str:
    return f"“{f.label}”应为真实存在的日期，格式为 YYYY-MM-DD"


def _option_message(f: M.Field) -> str:
    return f"“{f.label}”请从以下选项中选择一项：" + "、".join(label for _, label in f.options)


def field_messages(f: M.Field) -> dict:
    """keyword -> message, for every keyword of the field's subschema that can fail."""
    label = f.label
    out = {"required": f"缺少必填项“{label}”", "type": type_message(f)}
    if f.kind in ("money", "number", "int"):
        lowest = f.minimum if f.minimum is not None else Decimal(0)
        out["minimum"] = (f"“{label}”不能为负数" if lowest == 0
                          else f"“{label}”不能小于 {runtime.group(lowest)}{f.unit or ''}")
        out["maximum"] = f"“{label}”超过允许的最大值 {runtime.group(runtime.MAX_NUMBER)}"
        if f.step is not None:
            out["multipleOf"] = f"“{label}”须为 {runtime.group(f.step)} 的整数倍"
        elif f.kind != "int":
            out["multipleOf"] = f"“{label}”最多两位小数"
    elif f.kind == "date":
        out["format"] = out["pattern"] = _date_message(f)
    elif f.kind == "text":
        out["minLength"] = f"“{label}”不能为空"
        out["pattern"] = f"“{label}”不能为空，也不能含无效的字符"
        out["maxLength"] = f"“{label}”过长：最多 {runtime.MAX_TEXT} 个字符"
    elif f.kind == "enum":
        out["oneOf"] = out["const"] = _option_message(f)
    elif f.kind == "list":
        out["minItems"] = f"“{label}”至少需要 1 项"
        out["maxItems"] = f"“{label}”最多 {runtime.MAX_ITEMS} 项"
    return out


def _object_messages(fields, pointer: str, what: str, out: dict) -> None:
    out[pointer] = {"type": f"{what}应为对象", "additionalProperties": f"{what}中有未知的输入项"}
    for f in fields:
        here = f"{pointer}/properties/{f.name}"
        out[here] = field_messages(f)
        if f.kind == "list":
            _object_messages(f.item_fields, f"{here}/items", f"“{f.label}”的每一项", out)


def messages(fields, comment: str) -> dict:
    """JSON pointer of a (sub)schema -> {keyword: message}, in the policy's
    order, after a `$comment` (which is no pointer)."""
    from .schema import InOrder

    out: dict = InOrder({"$comment": comment})
    _object_messages(fields, "#", "申请", out)
    return out


# ---------------------------------------------------------------- JSON input
def json_money_strings(fields, application, path: str = "") -> tuple[list[dict], object]:
    """Money given as a JSON string, which a form refuses and the Python API
    accepts: the errors (path and the form's own message), and the
    application with each such value replaced by a valid amount so that the
    evaluator can report every other problem.  The input is not changed."""
    errors: list[dict] = []
    if not isinstance(application, dict):
        return errors, application
    patched = dict(application)
    for f in fields:
        value = application.get(f.name)
        here = f"{path}.{f.name}" if path else f.name
        if f.kind == "money" and isinstance(value, str):
            errors.append({"path": here, "message": type_message(f)})
            patched[f.name] = f.minimum if f.minimum is not None else Decimal(0)
        elif f.kind == "list" and isinstance(value, list):
            items = []
            for index, item in enumerate(value):
                item_errors, item = json_money_strings(f.item_fields, item, f"{here}[{index}]")
                errors += item_errors
                items.append(item)
            patched[f.name] = items
    return errors, (patched if errors else application)


def json_as_form(fields, run):
    """JSON input follows the form: money sent as a JSON string is refused with
    the form's own message (the Python API still takes "12.50"), together with
    every other problem the engine `run` finds.  Every command that reads JSON
    applications (evaluate, --batch, match, simulate, diff --population) goes
    through this, so that one file gets one verdict whichever command reads it."""

    def checked(data):
        errors, data = json_money_strings(fields, data)
        try:
            result = run(data)
        except Exception as exc:  # an InvalidApplication of either engine
            if not errors or getattr(exc, "errors", None) is None:
                raise
            raise runtime.InvalidApplication(errors + exc.errors) from None
        if errors:
            raise runtime.InvalidApplication(errors)
        return result

    return checked


def programme_fields(policy: M.Policy, pid) -> tuple:
    """The form fields of a programme id; none for an unknown id (the engine words that error)."""
    return next((p.fields for p in policy.programmes if type(pid) is str and p.id == pid), ())
