"""`yeji-policy serve` (issue 13): the HTTP API and the pages, through Starlette's TestClient.

Every endpoint; every invalid kind of the catalogue answered as RFC 9457
problem details listing each field path with its Chinese message; agreement
with `yeji-policy evaluate --json` on every embedded test case; the OpenAPI
document valid against the OpenAPI 3.1 schema and reusing the form schemas;
the pages' forms without JavaScript (list items added and removed by submit
buttons, every typed value kept, an error summary linking to each field).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from yeji_policy import cli
from yeji_policy.backends import schema as forms
from yeji_policy.web import app as web
from yeji_policy.web import forms as html_forms

import strategies

JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
EQUIPMENT = {"equipment_investment": Decimal("123456.78"), "equipment_audit_passed": True}


@pytest.fixture(scope="module")
def client(policy):
    return TestClient(web.create_app(policy))


def post_json(client, path, value=None, body=None):
    return client.post(path, content=forms.dumps(value) if body is None else body, headers=JSON)


def exact(response):
    return json.loads(response.text, parse_float=Decimal)


# ---------------------------------------------------------------- API
def test_programmes_are_the_catalogue_the_cli_lists(client, policy):
    r = client.get("/api/v1/programmes")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    listed = CliRunner().invoke(cli.main, ["programmes", "--json"])
    assert r.json() == json.loads(listed.output)
    assert [p["id"] for p in r.json()] == list(policy.programme_ids)


@pytest.mark.parametrize("pid", ["art09_equipment", "art13_rural_stations", "art10_park_rent"])
def test_a_form_is_the_generated_schema_and_uischema(client, pid):
    r = client.get(f"/api/v1/forms/{pid}")
    assert r.status_code == 200
    body = exact(r)
    assert body["schema"] == json.loads((forms_dir() / f"{pid}.schema.json").read_text(), parse_float=Decimal)
    ui = json.loads((forms_dir() / f"{pid}.uischema.json").read_text())
    ui.pop("$comment")
    assert body["uischema"] == ui


def forms_dir():
    from pathlib import Path

    from yeji_policy import layout

    return Path(__file__).resolve().parent.parent / "generated" / layout.forms_dir("yeji_ecommerce")


def test_evaluate_gives_the_catalogue_result_with_exact_amounts(client):
    r = post_json(client, "/api/v1/evaluate/art09_equipment", EQUIPMENT)
    assert r.status_code == 200
    assert r.json()["status"] == "eligible" and r.json()["amount"] == "98765.42"
    # a number read exactly: a binary float would make 0.29 × 100 … not 分-exact
    r = post_json(client, "/api/v1/evaluate/art09_equipment", body=b'{"equipment_investment": 1000000000.01,'
                                                                      b' "equipment_audit_passed": true}')
    assert r.json()["amount"] == "800000.00"
    r = post_json(client, "/api/v1/evaluate/art09_equipment", body=b'{"equipment_investment": 0.29,'
                                                                      b' "equipment_audit_passed": true}')
    assert r.json()["amount"] == "0.23"


def _cli_evaluate(tmp_path, pid, application) -> tuple[int, dict]:
    path = tmp_path / "app.json"
    path.write_bytes(forms.dumps(application))
    result = CliRunner().invoke(cli.main, ["evaluate", pid, str(path), "--json"])
    return result.exit_code, json.loads(result.output)


def test_the_api_agrees_with_the_cli_on_every_embedded_case(client, policy, tmp_path):
    seen = set()
    for case in policy.tests:
        code, expected = _cli_evaluate(tmp_path, case.programme, case.application)
        r = post_json(client, f"/api/v1/evaluate/{case.programme}", case.application)
        if code == 2:
            assert r.status_code == 422, case.name
            assert r.json()["errors"] == expected["errors"] and r.json()["error_count"] == expected["error_count"]
        else:
            assert r.status_code == 200 and r.json() == expected, case.name
        seen.add(expected["status"])
    assert seen == {"eligible", "ineligible", "review", "invalid"}


PARK = {"enterprise_kind": "ecommerce", "in_ecommerce_park": True, "leased_area_m2": Decimal("100"),
        "move_in_date": "2018-01-01", "claim_from": "2018-01-01", "claim_to": "2018-06-30",
        "rent_paid": Decimal("20000")}
STATIONS = {"stations": [{"village": "平岗村", "built_year": 2017, "meets_standard": True, "acceptance_passed": True,
                          "investment": Decimal("15000")}]}
TRAINING = {"trainees": 10, "training_days": Decimal("1"), "meals_provided": True, "hands_on_computer": True,
            "lodging_provided": True}

# Every invalid kind of the catalogue: (programme, application, path, message) — the message word for word.
INVALID = {
    "missing field": ("art09_equipment", {"equipment_audit_passed": True},
                      "equipment_investment", "缺少必填项“新增软硬件设备设施购置投入”"),
    "unknown field": ("art09_equipment", dict(EQUIPMENT, investment=1), "investment", None),
    "unknown field in an item": ("art13_rural_stations",
                                 {"stations": [dict(STATIONS["stations"][0], extra=1)]}, "stations[0].extra", None),
    "wrong type (a boolean is no number)": ("art09_equipment", dict(EQUIPMENT, equipment_investment=True),
                                            "equipment_investment", None),
    "money as a string": ("art09_equipment", dict(EQUIPMENT, equipment_investment="12.50"), "equipment_investment",
                          "“新增软硬件设备设施购置投入”应为数字金额（单位：元），不能是文字"),
    "money below 0": ("art09_equipment", dict(EQUIPMENT, equipment_investment=Decimal(-1)),
                      "equipment_investment", None),
    "money with three decimals": ("art09_equipment", dict(EQUIPMENT, equipment_investment=Decimal("1.005")),
                                  "equipment_investment", None),
    "null": ("art09_equipment", dict(EQUIPMENT, equipment_audit_passed=None), "equipment_audit_passed", None),
    "not a real date": ("art10_park_rent", dict(PARK, move_in_date="2018-02-30"), "move_in_date", None),
    "option not listed": ("art10_park_rent", dict(PARK, enterprise_kind="Ecommerce"), "enterprise_kind", None),
    "a period that ends before it starts": ("art10_park_rent", dict(PARK, claim_to="2017-12-31"), "claim_to",
                                            "本次申请补助期间的结束日期早于开始日期"),
    "empty list": ("art13_rural_stations", {"stations": []}, "stations", "“服务网点”至少需要 1 项"),
    "empty village": ("art13_rural_stations", {"stations": [dict(STATIONS["stations"][0], village="")]},
                      "stations[0].village", None),
    "days not a multiple of 0.5": ("art17_training", dict(TRAINING, training_days=Decimal("1.2")),
                                   "training_days", None),
}


@pytest.mark.parametrize("kind", INVALID)
def test_every_invalid_kind_is_a_problem_listing_its_path_and_chinese_message(client, kind, tmp_path):
    pid, application, path, message = INVALID[kind]
    r = post_json(client, f"/api/v1/evaluate/{pid}", application)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["title"] == "申请无效" and body["status"] == 422
    assert body["instance"] == f"/api/v1/evaluate/{pid}"
    assert body["error_count"] == len(body["errors"]) and body["detail"] == f"共 {len(body['errors'])} 处问题"
    paths = {e["path"]: e["message"] for e in body["errors"]}
    assert path in paths, body
    assert re.search(r"[\u4e00-\u9fff]", paths[path])
    if message is not None:
        assert paths[path] == message
    # the CLI says the same
    code, expected = _cli_evaluate(tmp_path, pid, application)
    assert code == 2 and expected["errors"] == body["errors"]


def test_every_problem_is_listed_at_once(client):
    r = post_json(client, "/api/v1/evaluate/art10_park_rent",
                  dict(PARK, leased_area_m2=Decimal("-1"), move_in_date="x", rent_paid="5", claim_to="2017-01-01"))
    assert [e["path"] for e in r.json()["errors"]] == ["rent_paid", "leased_area_m2", "move_in_date", "claim_to"]


BODY_PROBLEMS = {
    "NaN": (b'{"equipment_investment": NaN, "equipment_audit_passed": true}', JSON, 400,
            "JSON 中有不接受的内容", "不接受 NaN（JSON 没有这样的数）"),
    "Infinity": (b'{"equipment_investment": Infinity, "equipment_audit_passed": true}', JSON, 400,
                 "JSON 中有不接受的内容", "不接受 Infinity（JSON 没有这样的数）"),
    "duplicate key": (b'{"equipment_investment": 1, "equipment_investment": 2}', JSON, 400,
                      "JSON 中有不接受的内容", "字段“equipment_investment”出现了两次，无法确定取哪一个"),
    "malformed": (b'{"equipment_investment": 1,}', JSON, 400, "JSON 格式错误",
                  "第1行第28列：JSON 格式错误（此处应为带双引号的字段名）"),
    "not UTF-8": (b'{"a": "\xff"}', JSON, 400, "请求体不是 UTF-8 编码", "第8个字节无法按 UTF-8 读取"),
    "deep nesting": (b"[" * 100000 + b"]" * 100000, JSON, 400, "JSON 嵌套层数过深", None),
    "not JSON": (b"equipment_investment=1", FORM, 415, "请求体应为 JSON", "请以 Content-Type: application/json 发送"),
}


@pytest.mark.parametrize("kind", BODY_PROBLEMS)
def test_a_body_that_is_no_exact_json_is_a_problem(client, kind):
    body, headers, status, title, detail = BODY_PROBLEMS[kind]
    r = client.post("/api/v1/evaluate/art09_equipment", content=body, headers=headers)
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == title
    if detail is not None:
        assert r.json()["detail"] == detail


def test_a_body_over_the_limit_is_refused_without_reading_it_all(client, monkeypatch):
    monkeypatch.setattr(web, "MAX_BODY", 1000)
    r = client.post("/api/v1/evaluate/art09_equipment", content=b" " * 1001, headers=JSON)
    assert r.status_code == 413 and r.json()["detail"] == "请求体最多 1,000 字节"

    def chunks():  # no Content-Length: counted while read
        for _ in range(5):
            yield b" " * 400

    r = client.post("/api/v1/evaluate/art09_equipment", content=chunks(), headers=JSON)
    assert r.status_code == 413


def test_an_unknown_programme_or_address_is_a_404_problem(client, policy):
    r = post_json(client, "/api/v1/evaluate/art99", EQUIPMENT)
    assert r.status_code == 404 and r.json()["title"] == "没有这个项目"
    assert r.json()["detail"] == "未知的项目“art99”；可选的项目：" + "、".join(policy.programme_ids)
    assert client.get("/api/v1/forms/art99").status_code == 404
    r = client.get("/api/v1/nothing")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = client.get("/api/v1/evaluate/art09_equipment")
    assert r.status_code == 405 and r.json()["title"] == "不支持这个请求方法"


def test_match_decides_from_known_amounts_and_asks_the_next_questions(client):
    r = post_json(client, "/api/v1/match", {"rent_paid": Decimal(0), "sales_channel": "B2B",
                                            "annual_online_sales": Decimal(0), "training_days": Decimal(1),
                                            "lodging_provided": False, "trainees": 5})
    assert r.status_code == 200
    by_id = {e["programme"]: e for e in r.json()["programmes"]}
    assert by_id["art10_park_rent"]["status"] == "ineligible" and by_id["art10_park_rent"]["decided_by_range"]
    assert by_id["art10_park_rent"]["reasons"] == ["按已回答的情况，无论其余各项如何填写，本项目都不符合条件"]
    assert by_id["art14_sales_award"]["status"] == "ineligible"
    assert by_id["art17_training"]["status"] == "review"
    assert by_id["art09_equipment"]["status"] == "incomplete"
    assert by_id["art09_equipment"]["possible"] == ["eligible", "ineligible"]
    assert by_id["art09_equipment"]["most"] == "800000.00"
    questions = r.json()["next_questions"]
    assert len(questions) == 3 and all(q["decides"] >= 1 for q in questions)
    lowered = post_json(client, "/api/v1/match", {"sales_awards_received": Decimal(10000)}).json()
    most = {e["programme"]: e["most"] for e in lowered["programmes"]}
    before = {e["programme"]: e["most"] for e in post_json(client, "/api/v1/match", {}).json()["programmes"]}
    assert Decimal(before["art14_sales_award"]) - Decimal(most["art14_sales_award"]) == 10000


def test_match_refuses_a_bad_profile_with_every_path(client):
    r = post_json(client, "/api/v1/match", {"rent_paid": "0", "nonsense": 1, "trainees": Decimal("1.5")})
    assert r.status_code == 422
    assert {e["path"] for e in r.json()["errors"]} == {"rent_paid", "nonsense", "trainees"}


def test_the_openapi_document_is_valid_openapi_3_1_and_reuses_the_form_schemas(client, policy):
    from openapi_spec_validator import validate

    r = client.get("/api/v1/openapi.json")
    document = json.loads(r.text)
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["openapi"] == "3.1.0"
    for p in policy.programmes:
        assert exact(r)["components"]["schemas"][p.id] == json.loads(
            (forms_dir() / f"{p.id}.schema.json").read_text(), parse_float=Decimal)
        assert f"/api/v1/evaluate/{p.id}" in document["paths"]
    # each documented route answers
    for path, ops in document["paths"].items():
        for method in ops:
            url = path.replace("{programme}", policy.programme_ids[0])
            if method == "get":
                assert client.get(url).status_code == 200, url
            else:
                assert client.post(url, content=b"{}", headers=JSON).status_code in (200, 422), url


def test_security_headers_on_every_response(client):
    for url in ["/", "/calculator", "/apply/art09_equipment", "/api/v1/programmes", "/nothing"]:
        r = client.get(url)
        csp = r.headers["content-security-policy"]
        assert "script-src" not in csp and "default-src 'none'" in csp  # no script at all
        assert r.headers["x-content-type-options"] == "nosniff"
    assert "'unsafe-inline'" not in client.get("/").headers["content-security-policy"]
    assert "script" not in client.get("/sheet").headers["content-security-policy"]


# ---------------------------------------------------------------- pages
class _Page(HTMLParser):
    """Inputs, links, ids and scripts of a page."""

    def __init__(self, text):
        super().__init__()
        self.inputs, self.ids, self.links, self.scripts, self.inline = {}, set(), [], 0, 0
        self.texts = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "script":
            self.scripts += 1
        if any(k.startswith("on") for k in a) or "style" in a:
            self.inline += 1
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "input" and a.get("name"):
            if a.get("type") == "radio":
                if "checked" in a:
                    self.inputs[a["name"]] = a["value"]
                else:
                    self.inputs.setdefault(a["name"], None)
            else:
                self.inputs[a["name"]] = a.get("value")

    def handle_data(self, data):
        self.texts.append(data)

    @property
    def text(self):
        return "".join(self.texts)


def test_the_pages_have_no_script_and_link_where_they_say(client, policy):
    home = _Page(client.get("/").text)
    assert home.scripts == 0 and home.inline == 0
    assert policy.document.title in home.text and policy.document.issuer in home.text
    for p in policy.programmes:
        assert f"/apply/{p.id}" in home.links and p.name in home.text
    for link in home.links:
        assert client.get(link).status_code == 200, link
    for p in policy.programmes:
        page = _Page(client.get(f"/apply/{p.id}").text)
        assert page.scripts == 0 and page.inline == 0
        assert [n for n in page.inputs if "." not in n and "[" not in n] == [
            f.name for f in p.fields if f.kind in ("money", "number", "int", "bool", "text", "date")]


def _park_form(**changes):
    form = {k: (("true" if v else "false") if isinstance(v, bool) else str(v)) for k, v in PARK.items()}
    form.update(changes)
    return form


def test_an_invalid_form_keeps_every_value_and_links_each_error_to_its_field(client):
    typed = _park_form(claim_to="2017-12-31", leased_area_m2="一百", rent_paid="")
    r = client.post("/apply/art10_park_rent", data=typed)
    assert r.status_code == 200 and "<title>错误：" in r.text  # a page, not an API: no console error
    page = _Page(r.text)
    for name, value in typed.items():
        if name != "enterprise_kind":
            assert page.inputs[name] == value, name
    assert 'selected>电子商务企业' in r.text.replace('value="ecommerce" ', "")
    summary = re.search(r'<div class="error-summary".*?</div>', r.text, re.S).group(0)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert [target for target, _ in links] == ["f-leased_area_m2", "f-rent_paid", "f-claim_to"]
    assert all(target in page.ids for target, _ in links)
    assert ("f-claim_to", "本次申请补助期间的结束日期早于开始日期") in links
    assert "缺少必填项“申请期间实际支付租金”" in dict(links).values()
    # beside the field too
    assert 'id="f-claim_to-error"><span class="visually-hidden">错误：</span>本次申请补助期间的结束日期早于开始日期' in r.text


def test_a_corrected_form_gives_the_amount_the_cli_gives(client, tmp_path):
    r = client.post("/apply/art10_park_rent", data=_park_form())
    assert r.status_code == 200
    _, expected = _cli_evaluate(tmp_path, "art10_park_rent", PARK)
    shown = re.search(r'<strong id="amount">([^<]+)</strong>', r.text).group(1)
    assert expected["amount"] == "9000.00" and shown == "9,000.00 元"
    for step in expected["steps"]:
        assert step.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;") in r.text


def test_list_items_are_added_and_removed_by_submit_buttons_keeping_what_was_typed(client):
    typed = {"stations.count": "2", "stations[0].village": "平岗村", "stations[0].built_year": "2017",
             "stations[1].village": "三元村", "stations[1].investment": "9000"}
    added = _Page(client.post("/apply/art13_rural_stations", data=dict(typed, _action="add:stations")).text)
    assert added.inputs["stations.count"] == "3"
    assert added.inputs["stations[1].village"] == "三元村" and added.inputs["stations[2].village"] == ""
    removed = _Page(client.post("/apply/art13_rural_stations", data=dict(typed, _action="remove:stations:0")).text)
    assert removed.inputs["stations.count"] == "1"
    assert removed.inputs["stations[0].village"] == "三元村" and removed.inputs["stations[0].investment"] == "9000"
    assert "stations[1].village" not in removed.inputs


def test_text_typed_into_a_page_is_escaped(client):
    r = client.post("/apply/art13_rural_stations", data={"stations.count": "1",
                                                        "stations[0].village": '"><script>alert(1)</script>'})
    assert "<script>" not in r.text and "&lt;script&gt;" in r.text


def test_the_calculator_asks_the_deciding_questions_and_decides_step_by_step(client):
    first = client.get("/calculator")
    assert first.status_code == 200
    asked = [n for n in _Page(first.text).inputs]
    assert len(asked) == 3
    r = client.get("/calculator", params={"rent_paid": "0"})
    assert 'id="decided-art10_park_rent"' in r.text
    r = client.get("/calculator", params={"rent_paid": "abc"})
    assert r.status_code == 200 and "<title>错误：" in r.text and 'href="#f-rent_paid"' in r.text
    assert _Page(r.text).inputs["rent_paid"] == "abc"


def test_form_paths_and_anchors():
    assert html_forms.anchor("stations[0].village") == "f-stations-0-village"
    state = html_forms.state((), {})
    assert html_forms.application((), state) == {}


def test_serve_on_a_port_in_use_says_so_in_one_chinese_line():
    import socket

    from cli_process import run_cli

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        done = run_cli("serve", "--port", str(port))
    finally:
        taken.close()
    assert done.returncode == 1
    assert done.stderr.startswith(f"无法在 127.0.0.1:{port} 上监听：") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_form_post_with_too_many_fields_is_refused_plainly(client, monkeypatch):
    monkeypatch.setattr(html_forms, "MAX_FIELDS", 10)
    r = client.post("/apply/art09_equipment", content="&".join(f"a{i}=1" for i in range(20)), headers=FORM)
    assert r.status_code == 413 and "提交的项目过多（最多 10 项）" in r.text


# ---------------------------------------------------------------- the calculator's decided claims vs the engine
def test_an_unanswered_input_with_a_default_leaves_the_programme_open(client, policy, generated_module):
    # Answered: channel, months and sales; not answered: the awards already received (默认 0元).
    # A completion that received 5,000 元 is ineligible, so 符合条件 is not decided yet.
    known = {"sales_channel": "C2C", "months_in_operation": 12, "annual_online_sales": Decimal("500000.00")}
    completed = generated_module.evaluate("art14_sales_award", dict(known, sales_awards_received=Decimal(5000)))
    assert completed["status"] == "ineligible"
    entry = {e["programme"]: e for e in post_json(client, "/api/v1/match", known).json()["programmes"]}
    assert entry["art14_sales_award"]["status"] == "incomplete"
    assert entry["art14_sales_award"]["possible"] == ["eligible", "ineligible"]
    assert entry["art14_sales_award"]["missing"] == [{"field": "sales_awards_received", "label": "此前已获本项奖励金额"}]
    page = client.get("/calculator", params={k: str(v) for k, v in known.items()})
    assert 'id="decided-art14_sales_award"' not in page.text and 'id="open-art14_sales_award"' in page.text
    answered = dict(known, sales_awards_received=Decimal(0))
    entry = {e["programme"]: e for e in post_json(client, "/api/v1/match", answered).json()["programmes"]}
    assert entry["art14_sales_award"]["status"] == "eligible" and entry["art14_sales_award"]["amount"] == "5000.00"


@pytest.mark.parametrize("pid", strategies.PROGRAMME_IDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_what_the_calculator_calls_decided_is_what_every_completion_gets(pid, data, client, policy, generated_module):
    application = data.draw(strategies.for_programme(policy.programme(pid)))
    try:
        actual = generated_module.evaluate(pid, application)
    except Exception as exc:  # an invalid application completes nothing
        if type(exc).__name__ != "InvalidApplication":
            raise
        return
    scalars = sorted(k for k, v in application.items() if not isinstance(v, list))
    known = {k: application[k] for k in data.draw(st.sets(st.sampled_from(scalars)))} if scalars else {}
    r = post_json(client, "/api/v1/match", known)
    assert r.status_code == 200, r.text
    entry = next(e for e in exact(r)["programmes"] if e["programme"] == pid)
    assert actual["status"] in entry["possible"], (known, entry, actual)
    if entry["status"] != "incomplete":
        assert entry["status"] == actual["status"], (known, entry, actual)


def test_a_body_with_a_utf8_bom_is_read_as_the_cli_reads_a_file(client, tmp_path):
    # RFC 8259 §8.1 lets a reader ignore the BOM; `evaluate --json` does, and the API agreed with it
    # on everything else but answered this one in English ("Unexpected UTF-8 BOM (decode using utf-8-sig)").
    body = b'\xef\xbb\xbf{"equipment_investment": 100, "equipment_audit_passed": true}'
    (tmp_path / "bom.json").write_bytes(body)
    cli_result = CliRunner().invoke(cli.main, ["evaluate", "art09_equipment", str(tmp_path / "bom.json"), "--json"])
    r = post_json(client, "/api/v1/evaluate/art09_equipment", body=body)
    assert r.status_code == 200 and r.json() == json.loads(cli_result.output)
    r = post_json(client, "/api/v1/match", body=b'\xef\xbb\xbf{"rent_paid": 0}')
    assert r.status_code == 200


def test_a_negative_number_typed_in_a_form_is_called_negative_not_text(client):
    # "-5" was passed to the engine as text: "应为数字，此处为文字“-5”" — wrong about what was typed.
    r = client.post("/apply/art09_equipment", content="equipment_investment=-5&equipment_audit_passed=true",
                    headers=FORM)
    assert "“新增软硬件设备设施购置投入”不能为负数，此处为 -5；须为不小于0、最多两位小数的金额（元）" in r.text
    assert _Page(r.text).inputs["equipment_investment"] == "-5"
    r = client.get("/calculator", params={"rent_paid": "-0.5"})
    assert "“申请期间实际支付租金”不能为负数，此处为 -0.5；须为不小于0、最多两位小数的金额（元）" in r.text


def test_the_rule_sheet_allows_its_own_style_element_by_hash_not_every_inline_style(client):
    # /sheet was served with style-src 'unsafe-inline': any style an injection could add would apply.
    import base64
    import hashlib

    r = client.get("/sheet")
    css = re.search(r"<style>(.*?)</style>", r.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    assert r.headers["content-security-policy"] == web.CSP.replace("style-src 'self'", f"style-src 'sha256-{digest}'")
    assert r.text.count("<style") == 1 and "style=" not in r.text


# ---------------------------------------------------------------- the fast path of POST evaluate
def _answer(response) -> tuple:
    headers = sorted((k, v) for k, v in response.headers.items() if k != "content-length")
    return response.status_code, headers, response.content


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_fast_path_answers_byte_for_byte_as_the_route(data, policy):
    # The app answers POST evaluate/{programme} in plain ASGI (web._fast_evaluate); the Starlette route
    # behind it must give the same status, headers and body for anything sent.
    app = _FAST_APPS.setdefault("app", web.create_app(policy))
    pid = data.draw(st.sampled_from(strategies.PROGRAMME_IDS + ["art99"]))
    programme = policy.programme(pid) if pid != "art99" else policy.programme("art09_equipment")
    body = data.draw(st.one_of(
        st.builds(forms.dumps, strategies.for_programme(programme)),
        st.sampled_from([b'{"equipment_investment": 1,}', b'{"a": "\xff"}', b"[" * 300 + b"]" * 300, b"",
                         b'\xef\xbb\xbf{"equipment_investment": 10, "equipment_audit_passed": true}', b"NaN"])))
    headers = data.draw(st.sampled_from([JSON, FORM, {"content-type": "Application/JSON; charset=utf-8"}, {}]))
    fast, routed = TestClient(app), TestClient(app.starlette)
    path = f"/api/v1/evaluate/{pid}"
    assert _answer(fast.post(path, content=body, headers=headers)) == _answer(
        routed.post(path, content=body, headers=headers))


_FAST_APPS: dict = {}


def test_the_fast_path_is_taken_and_refuses_a_large_body_unread(policy, monkeypatch):
    app = web.create_app(policy)
    calls = []
    behind = app.starlette

    async def spy(scope, receive, send):
        calls.append(scope["path"])
        await behind(scope, receive, send)

    fast = web._fast_evaluate(spy, *app.evaluate_args)
    client = TestClient(fast)
    r = post_json(client, "/api/v1/evaluate/art09_equipment", EQUIPMENT)
    assert r.status_code == 200 and r.json()["amount"] == "98765.42" and calls == []
    assert r.headers["content-security-policy"] == web.CSP and r.headers["content-length"] == str(len(r.content))
    monkeypatch.setattr(web, "MAX_BODY", 1000)

    def chunks():  # no Content-Length: counted while read
        for _ in range(5):
            yield b" " * 400

    r = client.post("/api/v1/evaluate/art09_equipment", content=chunks(), headers=JSON)
    assert r.status_code == 413 and r.json()["detail"] == "请求体最多 1,000 字节" and calls == []
    client.get("/api/v1/evaluate/art09_equipment")  # another method: the routes answer (405)
    client.post("/api/v1/evaluate/art99", content=b"{}", headers=JSON)  # an unknown programme: the routes' 404
    assert calls == ["/api/v1/evaluate/art09_equipment", "/api/v1/evaluate/art99"]


# ---------------------------------------------------------------- the access log
def test_the_access_log_line_is_uvicorns_word_for_word(policy):
    # serve writes its own access line (web/server.access_logged, cheaper per request than uvicorn's
    # logger); it must read exactly as uvicorn's AccessFormatter, with its own configuration, words it.
    import logging

    from uvicorn.config import LOGGING_CONFIG
    from uvicorn.logging import AccessFormatter
    from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

    from yeji_policy.web import server

    lines, scopes = [], []
    app = web.create_app(policy)

    async def spy(scope, receive, send):
        scopes.append(scope)
        await app(scope, receive, send)

    client = TestClient(server.access_logged(spy, lines.append))
    statuses = [post_json(client, "/api/v1/evaluate/art09_equipment", EQUIPMENT).status_code,
                client.post("/api/v1/evaluate/art09_equipment", content=b"{", headers=JSON).status_code,
                client.get("/calculator?equipment_audit_passed=false&x=%E5%B9%B3").status_code,
                client.get("/没有这页 x").status_code,
                client.delete("/api/v1/programmes").status_code]
    assert statuses == [200, 400, 200, 404, 405]
    formatter = AccessFormatter(LOGGING_CONFIG["formatters"]["access"]["fmt"], use_colors=False)
    expected = []
    for scope, status in zip(scopes, statuses):
        record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 0, '%s - "%s %s HTTP/%s" %d',
                                   (get_client_addr(scope), scope["method"], get_path_with_query_string(scope),
                                    scope["http_version"], status), None)
        expected.append(formatter.format(record) + "\n")
    assert lines == expected
    assert lines[0] == 'INFO:     testclient:50000 - "POST /api/v1/evaluate/art09_equipment HTTP/1.1" 200 OK\n'


def test_serve_logs_one_line_per_request_and_none_without_its_access_log():
    import subprocess
    import sys
    import urllib.request

    for options, logged in (([], True), (["--no-access-log"], False)):
        proc = subprocess.Popen([sys.executable, "-m", "yeji_policy.cli", "serve", "--port", "0", *options],
                                stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        try:
            url = re.search(r"http://127\.0\.0\.1:\d+/", proc.stderr.readline()).group(0)
            request = urllib.request.Request(url + "api/v1/evaluate/art09_equipment", method="POST",
                                             data=forms.dumps(EQUIPMENT), headers=JSON)
            with urllib.request.urlopen(request, timeout=30) as response:
                assert json.loads(response.read())["amount"] == "98765.42"
            urllib.request.urlopen(url + "favicon.ico", timeout=30).read()
        finally:
            proc.terminate()
            rest = proc.communicate(timeout=30)[1]
        access = [line for line in rest.splitlines() if ' - "' in line]
        if logged:
            assert [re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line) for line in access] == [
                'INFO:     127.0.0.1:PORT - "POST /api/v1/evaluate/art09_equipment HTTP/1.1" 200 OK',
                'INFO:     127.0.0.1:PORT - "GET /favicon.ico HTTP/1.1" 204 No Content']
        else:
            assert access == []


def test_a_client_gone_before_its_body_arrives_gets_no_answer(policy):
    import asyncio

    app = web.create_app(policy)
    sent = []

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/evaluate/art09_equipment", "headers": [
        (b"content-type", b"application/json")], "query_string": b"", "root_path": "", "http_version": "1.1"}
    asyncio.run(app(scope, receive, send))
    assert sent == []


def test_the_http_benchmark_runs_and_checks_every_response():
    # benchmarks/serve_http.py, tiny: a broken client or server start would otherwise show only in a manual run.
    # It asserts nothing about speed (the README records that), only that each response was the expected one.
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import serve_http

    for request in (serve_http.EVALUATE, serve_http.FLOOR):
        r = serve_http.run(64, 4, False, request)
        assert r["n"] == 64 and r["rps"] > 0 and r["p50"] <= r["p99"] <= r["max"] and r["cpu_us"] >= 0
