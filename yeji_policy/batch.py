"""Streaming over JSON Lines populations: one {"programme", "application"} per line.

Used by `evaluate --batch` (one result per line, in order) and by the drafting
tools (`simulate`, `diff --population`).  Lines are read one at a time, so
memory does not grow with the file; a bad line becomes an error record and
never stops the run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Callable, Iterator

MAX_LINE = 10 * 1024 * 1024  # bytes; a longer line is refused, not parsed


@dataclass(frozen=True)
class Line:
    number: int
    programme: str | None
    application: object
    error: str | None  # why the line could not be read; None when it could


JSON_MESSAGES = {
    "Expecting property name enclosed in double quotes": "此处应为带双引号的字段名",
    "Expecting value": "此处应为一个值",
    "Expecting ',' delimiter": "此处缺少逗号",
    "Expecting ':' delimiter": "此处缺少冒号",
    "Unterminated string starting at": "字符串没有结束",
    "Extra data": "JSON 之后有多余的内容",
    "Invalid control character at": "字符串中有控制字符",
    "Invalid \\escape": "无效的转义序列",
    "Invalid \\uXXXX escape": "无效的 \\u 转义序列",
}


class JSONValueError(ValueError):
    """Well-formed JSON that an application may not contain; the message is Chinese."""


def _reject_constant(name: str):
    raise JSONValueError(f"不接受 {name}（JSON 没有这样的数）")


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            shown = key.encode("utf-8", "backslashreplace").decode("utf-8")
            raise JSONValueError(f"字段“{shown}”出现了两次，无法确定取哪一个")
        result[key] = value
    return result


def loads_exact(text: str):
    """Parse a JSON document the way every yeji-policy input is read: numbers as exact
    Decimals, NaN and Infinity refused, a repeated key refused (not silently the last).

    Raises json.JSONDecodeError for malformed text, JSONValueError for the above,
    RecursionError for absurd nesting."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant,
                          object_pairs_hook=_no_duplicates)
    except ValueError as exc:
        if isinstance(exc, (json.JSONDecodeError, JSONValueError)):
            raise
        # int() refuses numbers longer than the interpreter's digit limit
        raise JSONValueError("数字的位数过多") from exc


def describe_json_error(exc: json.JSONDecodeError) -> str:
    return f"第{exc.lineno}行第{exc.colno}列：JSON 格式错误（{JSON_MESSAGES.get(exc.msg, exc.msg)}）"


def read_lines(stream: IO[bytes]) -> Iterator[Line]:
    """Yield each line of a JSONL byte stream as a Line, in order."""
    for number, raw in enumerate(stream, start=1):
        if len(raw) > MAX_LINE:
            yield Line(number, None, None, f"第{number}行超过 {MAX_LINE} 字节，未处理")
            continue
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Line(number, None, None, f"第{number}行不是 UTF-8 编码（第{exc.start + 1}个字节）")
            continue
        try:
            record = loads_exact(text)
        except json.JSONDecodeError as exc:
            yield Line(number, None, None, f"第{number}行第{exc.colno}列：JSON 格式错误"
                                           f"（{JSON_MESSAGES.get(exc.msg, exc.msg)}）")
            continue
        except JSONValueError as exc:
            yield Line(number, None, None, f"第{number}行：{exc}")
            continue
        except RecursionError:
            yield Line(number, None, None, f"第{number}行：JSON 嵌套层数过深")
            continue
        if not isinstance(record, dict) or set(record) != {"programme", "application"}:
            yield Line(number, None, None, f"第{number}行应为 {{\"programme\": …, \"application\": {{…}}}}")
            continue
        if not isinstance(record["programme"], str):
            yield Line(number, None, None, f"第{number}行的 programme 应为文字")
            continue
        yield Line(number, record["programme"], record["application"], None)


def exact_json(value) -> str:
    """Compact JSON text of value with every Decimal written as its exact number
    (json.dumps would need a float): how populations and applications are written."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {exact_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(exact_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def evaluate_line(line: Line, evaluate: Callable[[str, object], dict]) -> dict:
    """The output record of one line: the result, or the errors that make it invalid."""
    if line.error is not None:
        return {"line": line.number, "status": "invalid", "errors": [{"path": "", "message": line.error}]}
    try:
        result = evaluate(line.programme, line.application)
    except Exception as exc:  # an InvalidApplication of either engine
        errors = getattr(exc, "errors", None)
        if errors is None:
            raise
        return {"line": line.number, "programme": line.programme, "status": "invalid", "errors": errors}
    return dict({"line": line.number}, **result)
