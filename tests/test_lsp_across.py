"""The language server runs the checks across files (issue 16): E0528 and E0529 for an open
document, against the other policies of its workspace folder, with the related place in the
other file sent as relatedInformation with that file's URI.

A scratch workspace holds the shipped policy and the two fixtures of tests/fixtures/versions/
in policies/; the server is driven over stdio as an editor drives it (tests/lsp_client.py).
"""

from __future__ import annotations

import shutil

import pytest

from lsp_client import LspClient
from test_versions import FIXTURES, SHIPPED

from yeji_policy import lsp

COUNTY_ID = "county_delivery_points"
HINT = "提示：同一政策的新版本须在“文件”块中写“修订 \"旧版本文件名\" 自 \"日期\"”"


@pytest.fixture
def workspace(tmp_path):
    policies = tmp_path / "policies"
    policies.mkdir()
    for path in (SHIPPED, *FIXTURES.glob("*.policy")):
        shutil.copy(path, policies)
    return tmp_path


@pytest.fixture
def server(workspace):
    client = LspClient(cwd=workspace)
    client.result("initialize", {"processId": None, "rootUri": workspace.as_uri(),
                                 "capabilities": {"general": {"positionEncodings": ["utf-16"]}}})
    client.notify("initialized", {})
    yield client
    client.kill()


def _row(text: str, start: str) -> int:
    """0-based line of the first line that starts (after indentation) with `start`."""
    return next(i for i, line in enumerate(text.split("\n")) if line.strip().startswith(start))


def _errors(diagnostics):
    return [d for d in diagnostics if d["severity"] == 1]


def test_a_programme_id_of_a_file_on_disk_is_E0528_with_the_first_definition_in_that_file(server, workspace):
    """The county's file (not open) defines art09_equipment; the open Yeji policy, read after it
    in name order, gets E0528 at its own definition, related to the county's with that file's URI."""
    county = workspace / "policies" / "county_logistics.policy"
    county.write_text(county.read_text(encoding="utf-8").replace(COUNTY_ID, "art09_equipment"), encoding="utf-8")
    yeji = workspace / "policies" / "yeji_ecommerce.policy"
    text = yeji.read_text(encoding="utf-8")
    server.open(yeji.as_uri(), text)
    errors = _errors(server.diagnostics(yeji.as_uri(), 1))
    here, there = _row(text, "项目 art09_equipment"), _row(county.read_text(encoding="utf-8"), "项目 art09_equipment")
    assert len(errors) == 1
    [error] = errors
    assert (error["code"], error["message"]) == ("E0528", "项目“art09_equipment”已在 county_logistics.policy 中定义")
    assert error["range"]["start"] == {"line": here, "character": 2}
    first, hint = error["relatedInformation"]
    assert first["message"] == "首次定义于此" and first["location"]["uri"] == county.as_uri()
    assert first["location"]["range"]["start"] == {"line": there, "character": 2}
    assert hint["message"] == HINT and hint["location"]["uri"] == yeji.as_uri()


def test_the_editors_unsaved_text_of_another_open_policy_counts(server, workspace):
    """Both open: the county's unsaved edit makes the Yeji policy's id a duplicate; undoing the edit
    clears it again, without the Yeji document being touched."""
    county, yeji = (workspace / "policies" / f"{name}.policy" for name in ("county_logistics", "yeji_ecommerce"))
    server.open(yeji.as_uri(), yeji.read_text(encoding="utf-8"))
    assert _errors(server.diagnostics(yeji.as_uri(), 1)) == []
    original = county.read_text(encoding="utf-8")
    server.open(county.as_uri(), original)
    server.diagnostics(county.as_uri(), 1)
    server.change(county.as_uri(), original.replace(COUNTY_ID, "art10_park_rent"), 2)
    errors = _errors(server.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == yeji.as_uri()
                                     and _errors(p["diagnostics"]))["diagnostics"])
    assert [(e["code"], e["message"]) for e in errors] == [
        ("E0528", "项目“art10_park_rent”已在 county_logistics.policy 中定义")]
    assert errors[0]["relatedInformation"][0]["location"]["uri"] == county.as_uri()
    assert county.read_text(encoding="utf-8") == original  # the file on disk was never the source
    server.change(county.as_uri(), original, 3)
    server.wait_for("textDocument/publishDiagnostics",
                    lambda p: p["uri"] == yeji.as_uri() and not _errors(p["diagnostics"]))


def test_a_link_to_a_version_the_folder_does_not_hold_is_E0529(server, workspace):
    amended = workspace / "policies" / "yeji_ecommerce_2027.policy"
    text = amended.read_text(encoding="utf-8").replace('修订 "yeji_ecommerce"', '修订 "yeji_ecommerce_old"')
    server.open(amended.as_uri(), text)
    errors = _errors(server.diagnostics(amended.as_uri(), 1))
    assert (errors[0]["code"], errors[0]["message"]) == (
        "E0529", "修订的政策“yeji_ecommerce_old”不在一同检查的政策文件中；现有：county_logistics、yeji_ecommerce")
    assert errors[0]["range"]["start"]["line"] == _row(text, "修订")
    # no longer a version of the Yeji policy: each of its 13 programme ids is the older file's (as `check` says)
    assert [e["code"] for e in errors[1:]] == ["E0528"] * 13


def test_the_versions_as_shipped_have_no_error_across_files(server, workspace):
    for name in ("yeji_ecommerce_2027", "county_logistics"):
        uri = (workspace / "policies" / f"{name}.policy").as_uri()
        server.open(uri, (workspace / "policies" / f"{name}.policy").read_text(encoding="utf-8"))
        assert _errors(server.diagnostics(uri, 1)) == []


def test_a_document_outside_the_workspace_is_checked_alone(server, workspace, tmp_path_factory):
    """Outside every workspace folder (a scratch file in /tmp, say) the folder's other files are
    not read: they could be anything."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    for path in (SHIPPED, FIXTURES / "county_logistics.policy"):
        shutil.copy(path, elsewhere)
    county = elsewhere / "county_logistics.policy"
    county.write_text(county.read_text(encoding="utf-8").replace(COUNTY_ID, "art09_equipment"), encoding="utf-8")
    uri = (elsewhere / "yeji_ecommerce.policy").as_uri()
    server.open(uri, SHIPPED.read_text(encoding="utf-8"))
    assert _errors(server.diagnostics(uri, 1)) == []


def test_within_the_workspace():
    assert lsp.within("/w/policies", ["/w"]) and lsp.within("/w", ["/w"])
    assert not lsp.within("/tmp", ["/w"]) and not lsp.within("/wx/policies", ["/w"])
