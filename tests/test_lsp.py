"""The language server as an editor sees it: `yeji-policy lsp` in a subprocess, driven
over stdio by a JSON-RPC client (tests/lsp_client.py), answers checked word for word
and position for position.  Plus the VS Code grammar's own test (vscode-tmgrammar-test)."""

from __future__ import annotations

import json
import re

import os
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsp_client import ROOT, LspClient
from yeji_policy import lsp

POLICY = ROOT / "policies" / "yeji_ecommerce.policy"
ORIGINAL_TEXT = ROOT / "policies" / "source" / "yeji_ecommerce_opinions.txt"
VSCODE = ROOT / "editors" / "vscode"
AMOUNT_LINE = "    金额 = equipment_investment × 80% 最高不超过 80万元\n"  # art09_equipment's amount
FIELD_LINE = '      equipment_investment: 金额 "新增软硬件设备设施购置投入"'  # its declaration


def _row(line: str) -> int:
    """The 0-based line of the shipped policy that is exactly `line` (positions follow the policy as it is edited)."""
    rows = POLICY.read_text(encoding="utf-8").split("\n")
    assert rows.count(line.rstrip("\n")) == 1
    return rows.index(line.rstrip("\n"))


AMOUNT_ROW = _row(AMOUNT_LINE)
FIELD_ROW = _row(FIELD_LINE)
# every line naming the field: its declaration, the amount, the test cases' inputs
USE_ROWS = [i for i, line in enumerate(POLICY.read_text(encoding="utf-8").split("\n"))
            if re.search(r"(?<![\w.])equipment_investment(?=[\s:])", line)]


@pytest.fixture(scope="module")
def client():
    server = LspClient()
    server.initialize({"general": {"positionEncodings": ["utf-16"]}})
    yield server
    server.kill()


@pytest.fixture(scope="module")
def shipped(client) -> str:
    """The shipped policy, opened once; its URI."""
    uri = POLICY.as_uri()
    client.open(uri, POLICY.read_text(encoding="utf-8"))
    client.diagnostics(uri, 1)
    return uri


def _source() -> str:
    text = POLICY.read_text(encoding="utf-8")
    assert text.count(AMOUNT_LINE) == 1
    return text


def _at(uri: str, line: int, character: int) -> dict:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


def _range(line: int, start: int, end: int, end_line: int | None = None) -> dict:
    return {"start": {"line": line, "character": start},
            "end": {"line": line if end_line is None else end_line, "character": end}}


def test_initialize_announces_the_features_and_utf16():
    server = LspClient()
    try:
        capabilities = server.initialize()["capabilities"]
        assert capabilities["positionEncoding"] == "utf-16"
        for provider in ("hoverProvider", "definitionProvider", "referencesProvider", "documentSymbolProvider",
                         "documentFormattingProvider"):
            assert capabilities[provider], provider
        assert "{" in capabilities["completionProvider"]["triggerCharacters"]
        assert capabilities["textDocumentSync"]["change"] == 1  # full text on every change
        assert server.shutdown() == 0
    finally:
        server.kill()


def test_the_shipped_policy_has_no_error_and_the_same_warnings_as_check(client, shipped):
    uri = POLICY.as_uri()
    client.change(uri, _source(), 2)
    published = client.diagnostics(uri, 2)
    assert [d for d in published if d["severity"] == 1] == []
    result = subprocess.run([sys.executable, "-m", "yeji_policy.cli", "check", str(POLICY)], capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0
    assert len(published) == result.stderr.count(": 警告 W")


def test_a_misspelt_field_is_E0201_at_its_exact_range(client):
    uri = "file:///tmp/misspelt.policy"
    client.open(uri, _source().replace(AMOUNT_LINE, AMOUNT_LINE.replace("equipment_investment", "equipment_investmnt")))
    errors = [d for d in client.diagnostics(uri, 1) if d["severity"] == 1]
    assert errors == [{
        "range": _range(AMOUNT_ROW, 9, 28),
        "message": "未定义的输入项“equipment_investmnt”，是否指“equipment_investment”？",
        "severity": 1, "code": "E0201", "source": "yeji-policy",
    }]


def test_a_duplicate_points_to_the_first_definition_as_related_information(client):
    uri = "file:///tmp/duplicate.policy"
    client.open(uri, _source().replace(FIELD_LINE, FIELD_LINE + "\n" + FIELD_LINE))
    errors = [d for d in client.diagnostics(uri, 1) if d["severity"] == 1]
    assert errors == [{
        "range": _range(FIELD_ROW + 1, 6, 26),
        "message": "输入项“equipment_investment”重复定义",
        "severity": 1, "code": "E0202", "source": "yeji-policy",
        "relatedInformation": [{"location": {"uri": uri, "range": _range(FIELD_ROW, 6, 26)}, "message": "首次定义于此"}],
    }]


def test_columns_are_utf16_code_units_after_an_astral_character(client):
    # "😀" is one code point (check's column 15) but two UTF-16 units (LSP character 15, 0-based).
    uri = "file:///tmp/astral.policy"
    step = '    令 s "😀" = equipment_investmnt\n'
    client.open(uri, _source().replace(AMOUNT_LINE, step + AMOUNT_LINE))
    errors = [d for d in client.diagnostics(uri, 1) if d["code"] == "E0201"]
    assert [e["range"] for e in errors] == [_range(AMOUNT_ROW, 15, 34)]
    # and back: hovering the step's name after the emoji-free prefix, and the field after the emoji
    client.change(uri, _source().replace(AMOUNT_LINE, step.replace("investmnt", "investment") + AMOUNT_LINE), 2)
    assert [d for d in client.diagnostics(uri, 2) if d["severity"] == 1] == []
    found = client.result("textDocument/definition", _at(uri, AMOUNT_ROW, 16))
    assert found == [{"uri": uri, "range": _range(FIELD_ROW, 6, 26)}]
    assert client.result("textDocument/definition", _at(uri, AMOUNT_ROW, 14)) is None  # on the string, not the name


def test_a_client_that_counts_code_points_gets_code_points():
    # Eglot offers utf-32 first: the server then counts code points, the emoji as one.
    server = LspClient()
    try:
        capabilities = server.initialize({"general": {"positionEncodings": ["utf-32", "utf-16"]}})["capabilities"]
        assert capabilities["positionEncoding"] == "utf-32"
        uri = "file:///tmp/astral32.policy"
        server.open(uri, _source().replace(AMOUNT_LINE, '    令 s "😀" = equipment_investmnt\n' + AMOUNT_LINE))
        errors = [d for d in server.diagnostics(uri, 1) if d["code"] == "E0201"]
        assert [e["range"] for e in errors] == [_range(AMOUNT_ROW, 14, 33)]
        assert server.shutdown() == 0
    finally:
        server.kill()


def test_diagnostics_follow_every_change(client):
    uri = "file:///tmp/changes.policy"
    client.open(uri, _source())
    assert [d for d in client.diagnostics(uri, 1) if d["severity"] == 1] == []
    client.change(uri, _source().replace("章 一", "章 一 {"), 2)
    assert [d["code"] for d in client.diagnostics(uri, 2)] == ["E0101"]
    client.change(uri, _source(), 3)
    assert [d for d in client.diagnostics(uri, 3) if d["severity"] == 1] == []


def test_a_burst_of_changes_ends_with_the_diagnostics_of_the_last_one(client):
    uri = "file:///tmp/burst.policy"
    broken = _source().replace(AMOUNT_LINE, AMOUNT_LINE.replace("equipment_investment", "equipment_investmnt"))
    client.open(uri, _source())
    client.diagnostics(uri, 1)
    for version in range(2, 8):
        client.change(uri, broken if version % 2 else _source(), version)
    # version 7 is the misspelt text; whatever versions were checked on the way, each
    # published set belongs to its version, and the last one is published.
    while True:
        params = client.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)
        codes = [d["code"] for d in params["diagnostics"] if d["severity"] == 1]
        assert codes == (["E0201"] if params["version"] % 2 else [])
        if params["version"] == 7:
            break


def test_hover_on_a_field_use(client, shipped):
    hover = client.result("textDocument/hover", _at(shipped, AMOUNT_ROW, 12))
    assert hover == {"contents": {"kind": "markdown", "value": (
        "**equipment_investment**：新增软硬件设备设施购置投入\n\n"
        "类型：金额，单位：元\n\n"
        "说明：电脑、打（复）印机、扫描设备、音像设备、网络接入设备、相关软件、办公桌椅等设备设施的新增购置投入，单位：元\n\n"
        "使用此输入项的项目：`art09_equipment`（第9条，农村电商公共服务中心设备设施购置补助）")},
        "range": _range(AMOUNT_ROW, 9, 29)}


def test_hover_on_an_article_reference_shows_its_verbatim_text(client, shipped):
    text_line = next(line for line in ORIGINAL_TEXT.read_text(encoding="utf-8").splitlines()
                     if line.startswith("9．鼓励支持电子商务产业园建设"))
    expected = f"**第9条 鼓励支持电子商务产业园建设**\n\n> {text_line}"
    lines = _source().split("\n")
    reference = lines.index("    条款 9")  # the first programme of article 9
    on_reference = client.result("textDocument/hover", _at(shipped, reference, 7))
    assert on_reference["contents"]["value"] == expected
    article = next(i for i, line in enumerate(lines) if line.startswith("  条 9 "))
    on_article = client.result("textDocument/hover", _at(shipped, article, 4))
    assert on_article["contents"]["value"] == expected
    assert on_article["range"] == _range(article, 2, 5)


def test_hover_on_a_figure_and_an_interpretation(client, shipped):
    lines = _source().split("\n")
    figure = client.result("textDocument/hover", _at(shipped, AMOUNT_ROW, lines[AMOUNT_ROW].index("80%") + 1))
    assert figure["contents"]["value"] == (
        "数字 `80%`：第9条原文中的\n\n> …设备设施购置新增投入部分，审计验收后给予**80%**补助，补助金额最高不超过…")
    line = next(n for n, text in enumerate(lines) if "申请主体" in text and "解释" in text)
    interp = client.result("textDocument/hover", _at(shipped, line, lines[line].index("解释") + 1))
    assert interp["contents"]["value"] == (
        "**解释**：申请主体（第9条，项目 `art09_venue_fitout`）\n\n"
        "原文未写申请主体，按受补助的农村电子商务公共服务中心的建设者理解")


def test_definition_and_references_of_a_field(client, shipped):
    assert client.result("textDocument/definition", _at(shipped, AMOUNT_ROW, 20)) == [
        {"uri": shipped, "range": _range(FIELD_ROW, 6, 26)}]
    references = client.result("textDocument/references",
                               {**_at(shipped, FIELD_ROW, 8), "context": {"includeDeclaration": True}})
    # the declaration, the amount, and the inputs of the four test cases of art09_equipment
    assert [r["range"]["start"]["line"] for r in references] == USE_ROWS


def test_definition_of_a_programme_an_option_and_a_step(client, shipped):
    lines = _source().split("\n")
    test_line = next(n for n, text in enumerate(lines) if text.strip() == "项目 art09_equipment")
    declared = next(n for n, text in enumerate(lines) if text.startswith("  项目 art09_equipment "))
    assert client.result("textDocument/definition", _at(shipped, test_line, 8)) == [
        {"uri": shipped, "range": _range(declared, 5, 20)}]
    member = next(n for n, text in enumerate(lines) if "enterprise_kind 属于 {" in text)
    use = lines[member].index("support_service") + 2
    option = next(n for n, text in enumerate(lines) if text.strip().startswith("support_service \""))
    column = lines[option].index("support_service")
    assert client.result("textDocument/definition", _at(shipped, member, use)) == [
        {"uri": shipped, "range": _range(option, column, column + len("support_service"))}]
    let = next(n for n, text in enumerate(lines) if "令 subsidy_months" in text)
    use_line = next(n for n in range(let + 1, len(lines)) if "subsidy_months" in lines[n])
    column = lines[use_line].index("subsidy_months")
    assert client.result("textDocument/definition", _at(shipped, use_line, column)) == [
        {"uri": shipped, "range": _range(let, 6, 20)}]


def test_outline_is_chapters_articles_programmes(client, shipped):
    symbols = client.result("textDocument/documentSymbol", {"textDocument": {"uri": shipped}})
    assert [s["name"] for s in symbols] == ["第一章", "第二章", "第三章", "第四章", "第五章", "第六章"]
    fifth = symbols[4]
    assert fifth["detail"] == "健全激励机制，提高发展水平"
    assert [a["name"] for a in fifth["children"]][:2] == ["第9条", "第10条"]
    programmes = fifth["children"][0]["children"]
    assert [p["name"] for p in programmes] == ["art09_venue_fitout", "art09_equipment"]
    assert [c["name"] for c in programmes[1]["children"]][:2] == ["equipment_investment", "equipment_audit_passed"]


def test_completion_after_amount_equals_offers_the_programmes_fields(client):
    uri = "file:///tmp/completion.policy"
    typing = "    金额 = \n"
    client.open(uri, _source().replace(AMOUNT_LINE, typing))  # does not parse while being typed
    assert client.diagnostics(uri, 1)[0]["code"].startswith("E01")
    items = client.result("textDocument/completion", _at(uri, AMOUNT_ROW, len(typing) - 1))["items"]
    labels = [i["label"] for i in items]
    assert {"equipment_investment", "equipment_audit_passed"} <= set(labels)
    assert "venue_fitout_investment" not in labels  # another programme's field
    assert next(i for i in items if i["label"] == "equipment_investment")["detail"] == "新增软硬件设备设施购置投入"


def test_completion_after_member_brace_offers_the_options(client, shipped):
    lines = _source().split("\n")
    member = next(n for n, text in enumerate(lines) if "enterprise_kind 属于 {" in text)
    column = lines[member].index("{") + 2
    items = client.result("textDocument/completion", _at(shipped, member, column))["items"]
    assert [(i["label"], i["detail"]) for i in items] == [
        ("ecommerce", "电子商务企业"), ("support_service", "配套服务企业"), ("other", "其他")]


def _misformatted() -> str:
    text = _source()
    text = text.replace("    金额 = equipment_investment × 80% 最高不超过 80万元",
                        "金额   =   equipment_investment*80%   最高不超过 80万元")
    text = text.replace("\n\n章 二", "\n\n\n\n章 二").replace("  条 9 ", "\t条 9 ")
    return text.replace(" ≥ ", " >= ")


def test_formatting_gives_one_edit_equal_to_fmt(client):
    uri = "file:///tmp/misformatted.policy"
    text = _misformatted()
    assert text != _source()
    client.open(uri, text)
    edits = client.result("textDocument/formatting",
                          {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}})
    expected = subprocess.run([sys.executable, "-m", "yeji_policy.cli", "fmt", "-"], input=text, capture_output=True,
                              text=True, cwd=ROOT, timeout=60)
    assert expected.returncode == 0, expected.stderr
    lines = text.split("\n")
    assert edits == [{"range": _range(0, 0, len(lines[-1]), len(lines) - 1), "newText": expected.stdout}]


def test_formatting_refuses_a_file_with_errors(client):
    uri = "file:///tmp/unformattable.policy"
    client.open(uri, _source().replace(AMOUNT_LINE, AMOUNT_LINE.replace("equipment_investment", "equipment_investmnt")))
    edits = client.result("textDocument/formatting",
                          {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}})
    assert edits == []
    message = client.wait_for("window/showMessage")
    assert message == {"type": 2, "message": "未格式化：/tmp/unformattable.policy 有 1 个错误，未格式化"}


def test_shutdown_and_exit_end_the_server():
    server = LspClient()
    try:
        server.initialize()
        assert server.shutdown() == 0
    finally:
        server.kill()


CODECS = {"utf-8": ("utf-8", 1), "utf-16": ("utf-16-le", 2), "utf-32": ("utf-32-le", 4)}


@given(st.lists(st.text(alphabet=st.sampled_from("a中😀\t𝄞é"), max_size=12), min_size=1, max_size=4))
def test_position_conversion_round_trips(lines):
    for number, line in enumerate(lines, start=1):
        for column in range(1, len(line) + 2):
            for encoding in ("utf-16", "utf-8", "utf-32"):
                position = lsp.lsp_position(lines, number, column, encoding)
                codec, width = CODECS[encoding]
                assert position == (number - 1, len(line[: column - 1].encode(codec)) // width)
                assert lsp.source_position(lines, *position, encoding) == (number, column)


def test_vscode_extension_starts_the_server():
    """editors/vscode/tests/extension.test.js: activation with VS Code stood in for (node's own test runner)."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is missing: .ci/run installs it for editors/vscode")
        pytest.skip("node is not installed")
    result = subprocess.run([node, "--test", "tests/"], capture_output=True, text=True, cwd=VSCODE, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 3" in result.stdout


def test_textmate_grammar():
    """editors/vscode/tests/*.test.policy through vscode-tmgrammar-test (npm ci in editors/vscode first)."""
    runner = VSCODE / "node_modules" / ".bin" / "vscode-tmgrammar-test"
    if not runner.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("editors/vscode/node_modules is missing: .ci/run must run `npm ci` in editors/vscode")
        pytest.skip("editors/vscode/node_modules is missing: run `npm ci` in editors/vscode")
    result = subprocess.run([str(runner), "--grammar", "syntaxes/yeji-policy.tmLanguage.json", "tests/*.test.policy"],
                            capture_output=True, text=True, cwd=VSCODE, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _completions(text: str, line: int, column: int, triggered: bool = False) -> list[tuple[str, str]]:
    """Completions in `text`, the shipped policy being the last version that parsed (as in an editor)."""
    analysis = lsp.Analysis(text, "policies/x.policy")
    good = lsp.Analysis(_source(), "policies/x.policy")
    return [(c.label, c.kind) for c in lsp.complete(analysis, good, line, column, triggered)]


def test_completion_of_keywords_units_programmes_and_item_fields():
    source = _source()
    lines = source.split("\n")
    # at the start of a statement: the grammar's keywords and the programme's fields
    blank = source.replace(AMOUNT_LINE, "    \n" + AMOUNT_LINE)
    found = _completions(blank, AMOUNT_ROW + 1, 5)
    assert ("要求", "keyword") in found and ("最高不超过", "keyword") in found and ("令", "keyword") in found
    assert ("equipment_investment", "field") in found
    assert _completions(blank, AMOUNT_ROW + 1, 5, triggered=True) == []  # a typed space alone offers nothing there
    # after a number: units
    typed = source.replace(AMOUNT_LINE, AMOUNT_LINE.replace("80万元", "80万"))
    assert ("万元", "unit") in _completions(typed, AMOUNT_ROW + 1, len(AMOUNT_LINE.replace("80万元", "80万")))
    # in a test case after 项目: the programme ids
    test_line = next(n for n, text in enumerate(lines, 1) if text.strip() == "项目 art09_equipment")
    ids = _completions(source.replace("    项目 art09_equipment\n", "    项目 \n", 1), test_line, 8)
    assert ("art09_equipment", "programme") in ids and ("art17_training", "programme") in ids
    # inside 逐项 … 为 s: after "s." the list item's fields
    per_item = next(n for n, text in enumerate(lines, 1) if "= 逐项 " in text)
    var = lines[per_item - 1].split(" 为 ")[1].split()[0]
    inner = lines[per_item]
    typed = source.replace(inner + "\n", inner + "\n" + f"      令 t \"t\" = {var}.\n", 1)
    items = _completions(typed, per_item + 1, len(f"      令 t \"t\" = {var}.") + 1)
    assert items and all(kind == "field" for _, kind in items)
    assert "village" in [label for label, _ in items]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_every_request_survives_any_edit(data):
    """Whatever is typed — a slice deleted, a fragment inserted — hover, outline and completion
    answer without raising, and the diagnostics are check's."""
    source = _source()
    start = data.draw(st.integers(0, len(source)))
    end = data.draw(st.integers(start, min(len(source), start + 400)))
    fragment = data.draw(st.sampled_from(["", "{", "}", "\"", "80万", "条款 99", "属于 {", "s.", "😀", "解释 \"\""]))
    text = source[:start] + fragment + source[end:]
    analysis = lsp.Analysis(text, "policies/x.policy")
    from yeji_policy import check

    assert analysis.diagnostics == check.check_source(text, "policies/x.policy")[1]
    lines = text.split("\n")
    for _ in range(5):
        line = data.draw(st.integers(1, len(lines)))
        column = data.draw(st.integers(1, len(lines[line - 1]) + 1))
        lsp.hover(analysis, line, column)
        lsp.complete(analysis, None, line, column)
    if analysis.index is not None:
        lsp.outline(analysis.index)


# ---------------------------------------------------------------- CRLF and BOM: the editor's text, check's reading
def _editor(text: str, bom: bool = True, crlf: bool = True) -> str:
    """`text` as an editor on Windows may hold it: a byte order mark first, CRLF line ends."""
    return ("\ufeff" if bom else "") + (text.replace("\n", "\r\n") if crlf else text)


def _slice(source: str, where: dict) -> str:
    """The text of an editor's document in an LSP range (UTF-16), lines split as LSP splits them."""
    lines = re.split(r"\r\n|\r|\n", source)

    def offset(position: dict) -> int:
        before = "".join(line + "\n" for line in lines[: position["line"]])
        line = lines[position["line"]].encode("utf-16-le")[: 2 * position["character"]].decode("utf-16-le")
        return len(before) + len(line)

    joined = "\n".join(lines)
    return joined[offset(where["start"]): offset(where["end"])]


@pytest.mark.parametrize("bom,crlf", [(False, True), (True, False), (True, True)], ids=["crlf", "bom", "crlf+bom"])
def test_a_crlf_or_bom_document_gets_exactly_checks_diagnostics(client, tmp_path, bom, crlf):
    text = _editor(_source(), bom, crlf)
    path = tmp_path / "saved.policy"
    path.write_bytes(text.encode("utf-8"))
    uri = path.as_uri()
    client.open(uri, text)
    published = client.diagnostics(uri, 1)
    result = subprocess.run([sys.executable, "-m", "yeji_policy.cli", "check", str(path)], capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "0 个警告" in result.stdout + result.stderr and published == []


def test_a_misspelt_field_in_a_crlf_bom_document_is_E0201_at_its_exact_range(client):
    uri = "file:///tmp/misspelt_crlf_bom.policy"
    text = _editor(_source().replace(AMOUNT_LINE, AMOUNT_LINE.replace("equipment_investment", "equipment_investmnt")))
    client.open(uri, text)
    errors = [d for d in client.diagnostics(uri, 1) if d["severity"] == 1]
    assert errors == [{
        "range": _range(AMOUNT_ROW, 9, 28),
        "message": "未定义的输入项“equipment_investmnt”，是否指“equipment_investment”？",
        "severity": 1, "code": "E0201", "source": "yeji-policy",
    }]
    assert _slice(text, errors[0]["range"]) == "equipment_investmnt"


def test_line_0_of_a_bom_document_counts_the_bom_and_a_line_end_error_stops_before_cr(client):
    uri = "file:///tmp/line0_bom.policy"
    # check: "x" at 1:1 of the text without its BOM; in the editor the BOM is character 0
    text = _editor("x" + _source())
    client.open(uri, text)
    found = client.diagnostics(uri, 1)
    assert [(d["code"], d["range"]) for d in found] == [("E0101", _range(0, 1, 2))]
    assert _slice(text, found[0]["range"]) == "x"
    # a stray "@" ending a line: its range ends at the end of the line, before the "\r"
    lines = _source().split("\n")
    row = next(n for n, line in enumerate(lines) if line.startswith("章 一 "))
    text = _editor("\n".join(lines[:row] + [lines[row] + " @"] + lines[row + 1:]))
    client.change(uri, text, 2)
    found = client.diagnostics(uri, 2)
    end = len(lines[row]) + 2
    assert [(d["code"], d["range"]) for d in found] == [("E0102", _range(row, end - 1, end))]
    assert _slice(text, found[0]["range"]) == "@"


def test_hover_and_definition_in_a_crlf_bom_document(client, shipped):
    uri = "file:///tmp/hover_crlf_bom.policy"
    client.open(uri, _editor(_source()))
    assert client.diagnostics(uri, 1) == []
    expected = client.result("textDocument/hover", _at(shipped, AMOUNT_ROW, 12))
    assert client.result("textDocument/hover", _at(uri, AMOUNT_ROW, 12)) == expected
    assert client.result("textDocument/definition", _at(uri, AMOUNT_ROW, 20)) == [
        {"uri": uri, "range": _range(FIELD_ROW, 6, 26)}]
    symbols = client.result("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    assert symbols == client.result("textDocument/documentSymbol", {"textDocument": {"uri": shipped}})


@pytest.mark.parametrize("text", [_editor(_misformatted()), _editor(_source(), bom=False), _editor(_source(), crlf=False)],
                         ids=["misformatted-crlf+bom", "crlf", "bom"])
def test_formatting_a_crlf_or_bom_document_gives_what_fmt_writes(client, tmp_path, text):
    """fmt writes LF and no BOM: the edit replaces the whole document with exactly that."""
    uri = f"file:///tmp/fmt_{len(text)}.policy"
    client.open(uri, text)
    edits = client.result("textDocument/formatting",
                          {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}})
    path = tmp_path / "saved.policy"
    path.write_bytes(text.encode("utf-8"))
    result = subprocess.run([sys.executable, "-m", "yeji_policy.cli", "fmt", str(path)], capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = re.split(r"\r\n|\r|\n", text)
    assert edits == [{"range": _range(0, 0, len(lines[-1]), len(lines) - 1),
                      "newText": path.read_bytes().decode("utf-8")}]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_crlf_and_bom_change_no_diagnostic_and_no_position(data):
    """Any edit of the policy, as LF and as CRLF+BOM: the same diagnostics, each range covering the
    same text of the editor's document; a position maps to the same place in both."""
    source = _source()
    start = data.draw(st.integers(0, len(source)))
    end = data.draw(st.integers(start, min(len(source), start + 400)))
    fragment = data.draw(st.sampled_from(["", "{", "\n", "😀", "条款 99", "x"]))
    text = source[:start] + fragment + source[end:]
    plain, windows = lsp.Analysis(text, "x.policy"), lsp.Analysis(_editor(text), "x.policy")
    assert windows.diagnostics == plain.diagnostics
    for d in plain.diagnostics:
        for analysis, editor in ((plain, text), (windows, _editor(text))):
            start_, end_ = analysis.to_lsp(d.span.line, d.span.column), analysis.to_lsp(d.span.end_line, d.span.end_column)
            where = {"start": {"line": start_[0], "character": start_[1]}, "end": {"line": end_[0], "character": end_[1]}}
            if analysis is plain:
                expected = _slice(editor, where)
            else:
                assert _slice(editor, where) == expected
    lines = text.split("\n")
    row = data.draw(st.integers(0, len(lines) - 1))
    character = data.draw(st.integers(0, lsp.units(lines[row]) + 1))
    assert windows.from_lsp(row, character + (1 if row == 0 else 0)) == plain.from_lsp(row, character)


# ---------------------------------------------------------------- what a client sees when a request cannot be served
def test_requests_about_a_document_never_opened_answer_null():
    server = LspClient()
    try:
        server.initialize()
        uri = "file:///nonexistent/never_opened.policy"
        for method, expected in (("textDocument/hover", None), ("textDocument/definition", None),
                                 ("textDocument/references", None), ("textDocument/completion", None),
                                 ("textDocument/documentSymbol", []), ("textDocument/formatting", [])):
            params = {**_at(uri, 0, 0), "context": {"includeDeclaration": True},
                      "options": {"tabSize": 2, "insertSpaces": True}}
            if method == "textDocument/completion":
                params["context"] = {"triggerKind": 1}
            assert server.request(method, params) == {"jsonrpc": "2.0", "id": server.next_id, "result": expected}
        assert server.shutdown() == 0
        assert "Traceback" not in server.stderr_text()
    finally:
        server.kill()


def test_malformed_input_is_answered_per_json_rpc_in_chinese():
    server = LspClient()
    try:
        server.initialize()
        uri = "file:///tmp/after_malformed.policy"
        server.open(uri, _source())
        server.diagnostics(uri, 1)
        server.send_raw(b'{"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", oops}')
        assert server.response(None) == {"jsonrpc": "2.0", "id": None,
                                         "error": {"code": -32700, "message": "收到的消息不是合法的 JSON，已忽略"}}
        server.send_raw(b"\xff\xfe not even UTF-8")
        assert server.response(None)["error"]["code"] == -32700
        # a request whose params are not LSP's: its own id, -32602 (before, no answer ever came)
        server.send_raw(json.dumps({"jsonrpc": "2.0", "id": 77, "method": "textDocument/hover",
                                    "params": {"textDocument": {"uri": uri}}}).encode())
        assert server.response(77) == {"jsonrpc": "2.0", "id": 77,
                                       "error": {"code": -32602, "message": "请求的参数不符合 LSP 规范，已忽略"}}
        # the server still serves, told nothing in English
        assert server.result("textDocument/hover", _at(uri, AMOUNT_ROW, 12))["range"] == _range(AMOUNT_ROW, 9, 29)
        assert server.shutdown() == 0
        shown = []
        while not server.notifications.empty():
            shown.append(server.notifications.get())
        assert [m for m in shown if m.get("method") == "window/showMessage"] == []
        assert "Traceback" not in server.stderr_text()
    finally:
        server.kill()


def test_a_handler_that_fails_answers_in_chinese_without_a_traceback():
    """A defect in a feature handler: the client gets -32603 and a Chinese message, not the
    Python exception's text and traceback (pygls' default); the traceback stays in the log."""
    from concurrent.futures import Future

    server = lsp.build_server()
    sent: list[bytes] = []
    server.protocol.set_writer(type("Writer", (), {"write": lambda self, data: sent.append(data),
                                                   "close": lambda self: None})())
    failed: Future = Future()
    failed.set_exception(FileNotFoundError(2, "No such file or directory"))
    server.protocol._send_handler_result(failed, msg_id=5)
    body = json.loads(sent[0].split(b"\r\n\r\n", 1)[1])
    assert body == {"jsonrpc": "2.0", "id": 5, "error": {"code": -32603, "message": lsp.INTERNAL_ERROR}}
    assert lsp.INTERNAL_ERROR == "yeji-policy 语言服务器处理此请求时出错（详情见服务器日志）"


@given(st.text(alphabet=st.sampled_from("a中\r\n\ufeff😀")))
def test_the_editors_text_is_read_as_check_reads_the_file(text):
    from yeji_policy import check

    assert lsp.normalise(text) == (check.decode(text.encode("utf-8"))[0], text.startswith("\ufeff"))
