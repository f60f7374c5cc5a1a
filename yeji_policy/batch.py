"""Streaming over JSON Lines populations: one {"programme", "application"} per line.

Used by `evaluate --batch` (one result per line, in order) and by the drafting
tools (`simulate`, `diff --population`).  Lines are read one at a time, each
at most MAX_LINE bytes (the rest of a longer line is skipped, never held), so
memory does not grow with the file; a bad line becomes an error record and
never stops the run.  Also here: the exact JSON reader every input goes
through, and `terminal_text`, which makes application text safe to print.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import IO, Callable, Iterator, NamedTuple

from . import runtime

MAX_LINE = 10 * 1024 * 1024  # bytes; a longer line (or single document) is refused, not parsed
CHUNK = 1024 * 1024  # bytes read at a time while skipping the rest of an overlong line


class Line(NamedTuple):  # a tuple: made once per line, and cheaper to make than a frozen dataclass
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
    result = dict(pairs)  # in C; only an object with a repeated key is walked again
    if len(result) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise JSONValueError(f"字段“{runtime._short(key)}”出现了两次，无法确定取哪一个")
            seen.add(key)
    return result


# One decoder for every document (json.loads with these arguments builds a new one per call).
_DECODER = json.JSONDecoder(parse_float=runtime.json_number, parse_int=runtime.json_int,
                            parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)


# Nesting beyond this is refused whatever the caller's stack depth: Python's JSON decoder
# recurses, so without a fixed bound the same line would parse or not depending on how deep
# the caller is (the command line and a test of it disagreed on a line 990 levels deep).
# No application nests more than a few levels.
MAX_JSON_DEPTH = 256
_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
_NESTING_BYTES = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def _too_deep(text) -> bool:
    """Whether the JSON text opens more than MAX_JSON_DEPTH arrays or objects at once (brackets
    inside strings do not count).  Counting first keeps ordinary lines at C speed."""
    opening = ("[", "{") if type(text) is str else (b"[", b"{")
    if text.count(opening[0]) + text.count(opening[1]) <= MAX_JSON_DEPTH:
        return False
    depth = 0
    for match in (_NESTING if type(text) is str else _NESTING_BYTES).finditer(text):
        token = match.group()
        if token in opening:
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif len(token) == 1:
            depth -= 1
    return False


def loads_exact(text: str):
    """Parse a JSON document the way every yeji-policy input is read: numbers as exact
    Decimals (or ints), NaN and Infinity refused, a repeated key refused (not silently
    the last).  Any number text is read without raising: one too large for Decimal
    becomes runtime.NUMBER_OUT_OF_RANGE, which the form check refuses by field.

    Raises json.JSONDecodeError for malformed text, JSONValueError for the above,
    RecursionError for nesting deeper than MAX_JSON_DEPTH, at any stack depth."""
    if _too_deep(text):
        raise RecursionError(f"JSON nesting deeper than {MAX_JSON_DEPTH}")
    if type(text) is not str:  # bytes: json.loads finds the encoding
        return json.loads(text, parse_float=runtime.json_number, parse_int=runtime.json_int,
                          parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
    if text.startswith("\ufeff"):  # what json.loads says before it decodes
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODER.decode(text)


def describe_json_error(exc: json.JSONDecodeError) -> str:
    return f"第{exc.lineno}行第{exc.colno}列：JSON 格式错误（{JSON_MESSAGES.get(exc.msg, exc.msg)}）"


def _raw_lines(stream: IO[bytes]) -> Iterator[bytes | None]:
    """Each line of stream, newline included; None for a line longer than MAX_LINE
    bytes, whose rest is read in chunks and dropped."""
    while True:
        raw = stream.readline(MAX_LINE + 1)
        if not raw:
            return
        if len(raw) <= MAX_LINE or raw.endswith(b"\n"):
            yield raw
            continue
        while raw and not raw.endswith(b"\n"):
            raw = stream.readline(CHUNK)
        yield None


def read_lines(stream: IO[bytes]) -> Iterator[Line]:
    """Yield each line of a JSONL byte stream as a Line, in order."""
    for number, raw in enumerate(_raw_lines(stream), start=1):
        if raw is None:
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
        if isinstance(record, dict) and "applicant" in record:  # #22: no grouping by applicant here
            yield Line(number, None, None, f"第{number}行有 applicant：批量计算逐行计算一个项目的申请，不按申请人合计；"
                                           "跨项目规定（不得重复享受、合计上限）在整体申请（evaluate_all）中适用")
            continue
        if not isinstance(record, dict) or len(record) != 2 or "programme" not in record \
                or "application" not in record:
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


def _decimal_text(value) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(type(value).__name__)


# One encoder for every record: json.dumps with any argument builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_decimal_text)


def _c_encoder():
    """The C encoder JSONEncoder.encode builds on every call, built once — where this Python
    has it with the arguments of 3.11 and later and it writes what _ENCODER writes; else None."""
    try:
        from json.encoder import c_make_encoder, encode_basestring

        made = c_make_encoder(None, _decimal_text, encode_basestring, None, ": ", ", ", False, False, True)
        probe = {"a": ["b\u202e", 1, True, None, {"c": Decimal("-0.10")}], "d": "“引号”\n"}
        return made if "".join(made(probe, 0)) == _ENCODER.encode(probe) else None
    except Exception:  # noqa: BLE001 — another Python: the public encoder is used
        return None


_C_ENCODER = _c_encoder()


def _json(value) -> str:
    """json.dumps(value, ensure_ascii=False, default=_decimal_text), without its per-call set-up
    (and without its check for circular references: a record is a tree)."""
    if _C_ENCODER is None:
        return _ENCODER.encode(value)
    return "".join(_C_ENCODER(value, 0))


def record_json(record: dict) -> str:
    """One output line of --batch (without its newline): compact JSON as json.dumps(record,
    ensure_ascii=False) writes it, Decimals as exact numbers, terminal controls escaped."""
    return terminal_json(_json(record))


OUTPUT_LINES = 512  # result lines written at a time: fewer writes, memory still bounded


def evaluate_stream(stream: IO[bytes], evaluate: Callable[[str, object], dict], write: Callable[[str], object],
                    progress: Callable[[int], object] = lambda count: None, every: int = 100_000) -> tuple[int, int]:
    """`evaluate --batch`: each line of stream decided in order, its record_json(evaluate_line(…))
    given to write, a few hundred lines a call; progress(count) every `every` lines.
    Returns (lines, invalid lines)."""
    count = invalid = 0
    pending: list[str] = []
    for line in read_lines(stream):
        count += 1
        text, status = _record_text(line, evaluate)
        pending.append(text)
        invalid += status == "invalid"
        if len(pending) == OUTPUT_LINES or count % every == 0:
            write("\n".join(pending) + "\n")
            pending.clear()
            if count % every == 0:
                progress(count)
    if pending:
        write("\n".join(pending) + "\n")
    return count, invalid


def _record_text(line: Line, evaluate: Callable[[str, object], dict]) -> tuple[str, str]:
    """record_json(evaluate_line(line, evaluate)) and the record's status."""
    if line.error is not None:
        record = evaluate_line(line, evaluate)
    else:
        try:
            result = evaluate(line.programme, line.application)
        except Exception as exc:  # an InvalidApplication of either engine
            record = _invalid_record(line, exc)
        else:
            if type(result) is dict and result and "line" not in result:
                # {"line": n} then the result's members: the result's own text after the line number,
                # without copying the result into a new dict.
                return terminal_json(f'{{"line": {line.number}, {_json(result)[1:]}'), result["status"]
            record = dict({"line": line.number}, **result)
    return record_json(record), record["status"]


def evaluate_line(line: Line, evaluate: Callable[[str, object], dict]) -> dict:
    """The output record of one line: the result, or the errors that make it invalid."""
    if line.error is not None:
        return {"line": line.number, "status": "invalid", "errors": [{"path": "", "message": line.error}]}
    try:
        result = evaluate(line.programme, line.application)
    except Exception as exc:  # an InvalidApplication of either engine
        return _invalid_record(line, exc)
    return dict({"line": line.number}, **result)


def _invalid_record(line: Line, exc: Exception) -> dict:
    errors = getattr(exc, "errors", None)
    if errors is None:
        raise exc
    return {"line": line.number, "programme": line.programme, "status": "invalid", "errors": errors}


# Characters that a terminal acts on or that reorder what is shown: C0 and C1
# controls, DEL, bidirectional controls and the line and paragraph separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def terminal_text(text: str) -> str:
    """Text derived from an application, safe to print for a person: every control
    character written as an escape (ESC as \\x1b, RLO as \\u202e), so a village
    name can neither drive the terminal nor forge a line of output."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# json.dumps escapes C0 controls itself; the rest can only occur inside strings.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def terminal_json(text: str) -> str:
    """Text of json.dumps with the controls it leaves raw (DEL, C1, bidirectional) as
    \\uXXXX escapes: still valid JSON, and the same data."""
    if text.isprintable():  # every character the pattern finds is unprintable; this test costs less
        return text
    return _UNSAFE_IN_JSON.sub(_json_escape, text)


def _json_escape(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"
