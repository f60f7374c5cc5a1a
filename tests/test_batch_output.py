"""`evaluate --batch` was made faster (one JSON decoder, one encoder, a record's text without
copying the result, output written in blocks); what it writes must not change by a byte.

The reference below is a frozen copy of the loop it replaced (session 2): json.loads per
line, a frozen dataclass per line, dict({"line": n}, **result), json.dumps per record, the
regular expression over every line.  It runs on a mixed file: valid applications of every
programme and, among them, every kind of bad line (malformed JSON, a byte order mark,
repeated keys, NaN, 1e400, bad UTF-8, nesting too deep, an overlong line, an unknown or
non-text programme, bidirectional controls in ids and text, money as a string)."""

from __future__ import annotations

import io
import json
import random
import re
import sys
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from yeji_policy import batch, cli, runtime
from yeji_policy.backends import form_ui

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import population  # noqa: E402

# ---------------------------------------------------------------- the loop replaced, frozen
_OLD_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _old_no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise batch.JSONValueError(f"字段“{runtime._short(key)}”出现了两次，无法确定取哪一个")
        result[key] = value
    return result


def _old_loads(text):
    return json.loads(text, parse_float=runtime.json_number, parse_int=runtime.json_int,
                      parse_constant=batch._reject_constant, object_pairs_hook=_old_no_duplicates)


def _old_read_lines(stream):
    for number, raw in enumerate(batch._raw_lines(stream), start=1):
        if raw is None:
            yield number, None, None, f"第{number}行超过 {batch.MAX_LINE} 字节，未处理"
            continue
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, None, None, f"第{number}行不是 UTF-8 编码（第{exc.start + 1}个字节）"
            continue
        try:
            record = _old_loads(text)
        except json.JSONDecodeError as exc:
            yield number, None, None, (f"第{number}行第{exc.colno}列：JSON 格式错误"
                                       f"（{batch.JSON_MESSAGES.get(exc.msg, exc.msg)}）")
            continue
        except batch.JSONValueError as exc:
            yield number, None, None, f"第{number}行：{exc}"
            continue
        except RecursionError:
            yield number, None, None, f"第{number}行：JSON 嵌套层数过深"
            continue
        if not isinstance(record, dict) or set(record) != {"programme", "application"}:
            yield number, None, None, f"第{number}行应为 {{\"programme\": …, \"application\": {{…}}}}"
            continue
        if not isinstance(record["programme"], str):
            yield number, None, None, f"第{number}行的 programme 应为文字"
            continue
        yield number, record["programme"], record["application"], None


def _old_decimal_text(o):
    if isinstance(o, Decimal):
        return format(o, "f")
    raise TypeError(type(o).__name__)


def old_batch_output(policy, generated, data: bytes) -> str:
    def engine(pid, application):
        return form_ui.json_as_form(form_ui.programme_fields(policy, pid), lambda d: generated(pid, d))(application)
    out = []
    for number, programme, application, error in _old_read_lines(io.BytesIO(data)):
        if error is not None:
            record = {"line": number, "status": "invalid", "errors": [{"path": "", "message": error}]}
        else:
            try:
                record = dict({"line": number}, **engine(programme, application))
            except Exception as exc:  # noqa: BLE001 — an InvalidApplication of the generated module
                record = {"line": number, "programme": programme, "status": "invalid", "errors": exc.errors}
        text = json.dumps(record, ensure_ascii=False, default=_old_decimal_text)
        out.append(_OLD_UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
    return "".join(out)


# ---------------------------------------------------------------- the mixed file
BAD_LINES = [
    b'{"programme": "art09_equipment", "application": {"equipment_investment": 1e400, "equipment_audit_passed": true}}',
    b'\xef\xbb\xbf{"programme": "art09_equipment", "application": {}}',
    b'{"programme": "art09_equipment", "application": {"equipment_investment": 1, "equipment_investment": 2}}',
    b'{"programme": "art09_equipment", "application": {"equipment_investment": NaN, "equipment_audit_passed": true}}',
    b'{"programme": "nope\\u202e", "application": {}}',
    '{"programme": "nope\u202eX\u0085\u3000", "application": {}}'.encode(),
    b'{"programme": 3, "application": {}}', b'[1, 2]', b'{"programme": "art09_equipment"}', b'not json',
    b'{"programme": "art09_equipment", "application": {"equipment_investment": "12.50", "equipment_audit_passed": true}}',
    '{"programme": "art13_rural_stations", "application": {"stations": [{"village": "\\u202e平岗村", "x": 1}]}}'.encode(),
    b'\xff\xfe not UTF-8', b'   ', b'{"programme": "art09_equipment", "application": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"programme": "art17_training", "application": {"trainees": 3, "training_days": 0.25, "meals_provided": 1}}',
    b'{"programme": "art14_sales_award", "application": {"sales_channel": ["B2B"], "months_in_operation": 12.0}}',
    b'{"programme": "art09_equipment", "application": {"equipment_investment": 123.456, "z\\u0085": 1}}',
    b'{"programme": "art09_equipment", "application": {"equipment_investment": -0.00, "equipment_audit_passed": true}}',
    b'{"programme": "art09_equipment", "application": {"equipment_investment": 0.00625, "equipment_audit_passed": true}}',
    b'{"programme": "art09_equipment", "application": {}, "line": 1}',
]


def mixed_file(programmes: dict, size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    lines = []
    for index, (pid, app) in enumerate(population.mixed(programmes, size, seed=seed)):
        lines.append(f'{{"programme":"{pid}","application":{batch.exact_json(app)}}}'.encode())
        if index % 7 == 0:
            lines.append(rng.choice(BAD_LINES))
    lines += BAD_LINES
    lines.append(b'{"programme": "art09_equipment", "application": {"x": "' + b"a" * 300 + b'"}}')  # overlong, below
    return b"\n".join(lines)  # the last line without a newline


def test_batch_output_is_byte_for_byte_what_it_was(policy, generated_module, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "MAX_LINE", 300)  # the line with a 300-character value is skipped as overlong
    monkeypatch.setattr(batch, "OUTPUT_LINES", 7)  # blocks end at odd places
    data = mixed_file(generated_module.PROGRAMMES, 2_000, seed=3)
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(data)
    expected = old_batch_output(policy, generated_module.evaluate, data)
    result = CliRunner().invoke(cli.main, ["evaluate", "--batch", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == expected
    statuses = {json.loads(line)["status"] for line in expected.splitlines()}
    assert statuses == {"eligible", "ineligible", "review", "invalid"}
    assert "\\u202e" in expected and "行超过 300 字节" in expected


def test_nesting_too_deep_and_long_lines_are_written_as_before(policy, generated_module, tmp_path):
    data = mixed_file(generated_module.PROGRAMMES, 200, seed=4)
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(data)
    expected = old_batch_output(policy, generated_module.evaluate, data)
    result = CliRunner().invoke(cli.main, ["evaluate", "--batch", str(path)])
    assert result.stdout == expected
    assert "JSON 嵌套层数过深" in expected and "出现了两次" in expected and "不接受 NaN" in expected


def test_terminal_json_escapes_exactly_what_it_did():
    # Every character the escape pattern finds is unprintable, so printable text may be returned as it is.
    pattern = [chr(c) for c in range(0x110000) if _OLD_UNSAFE_IN_JSON.match(chr(c))]
    assert pattern and not any(c.isprintable() for c in pattern)
    for text in ["平岗村（是）", "a\u202eb\u0085", "\u3000全角空格", "", "\u2029", "“引号”【第9条】"]:
        assert batch.terminal_json(text) == _OLD_UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
