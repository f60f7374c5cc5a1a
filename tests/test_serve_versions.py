"""`serve` over several policies and versions (issue 16): the application's date on every form and API.

The app serves the three policies of tests/fixtures/versions/ with the shipped
one (a second county's policy; an amended Yeji version: art09_equipment 80% →
90% from 2027-01-01, art17_training ends 2027-06-30): the index lists every
policy, a programme is found by its id, each version has its sheet, and the
date an application carries (`application_date`, on the form, in the API body,
in the calculator) picks the version in force.  A date no version covers is an
invalid application: RFC 9457 problem details with the Chinese message, or the
form again with its error beside the date.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from starlette.testclient import TestClient

from yeji_policy.backends import schema as forms
from yeji_policy.web import app as web

from test_serve import _Page
from test_versions import FIXTURES, SHIPPED, registry  # noqa: F401  (the three policies, linked)

JSON = {"content-type": "application/json"}

EQUIPMENT = {"equipment_investment": Decimal("123456.78"), "equipment_audit_passed": True}
TRAINING = {"trainees": 60, "training_days": Decimal("0.5"), "meals_provided": True, "hands_on_computer": False,
            "lodging_provided": False}
ENDED = "项目“电商培训定额补助”已于 2027年6月30日 截止，申请日期 2027年7月1日 不能再申请"
TOO_EARLY = "申请日期 2026年2月28日 早于本政策（1.0版）的施行日期 2026年3月1日，本政策不适用"
NOT_A_DATE = "“申请日期”应为日期，格式为 YYYY-MM-DD（如 2027-01-01），此处为“2026-02-30”"


@pytest.fixture(scope="module")
def client(registry):
    return TestClient(web.create_app(registry))


def post_json(client, path, value):
    return client.post(path, content=forms.dumps(value), headers=JSON)


def post_form(client, pid, form):
    return client.post(f"/apply/{pid}", data=form, headers={"content-type": "application/x-www-form-urlencoded"})


def as_form(application):
    return {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in application.items()}


# ---------------------------------------------------------------- the index, programmes, sheets
def test_the_index_lists_every_policy_and_its_programmes(client, registry):
    home = _Page(client.get("/").text)
    assert home.scripts == 0 and home.inline == 0
    text = "".join(home.texts)
    for policy in registry.current():
        assert f"《{policy.document.title}》" in text
        for p in policy.programmes:
            assert f"/apply/{p.id}" in home.links and p.name in text
    assert "政策与补助项目" in text  # the masthead when several policies are served
    # the amended policy lists its versions, each with its sheet
    assert {"/sheet/yeji_ecommerce", "/sheet/yeji_ecommerce_2027", "/sheet/county_logistics"} <= set(home.links)
    assert "1.0.0版：原文未载明施行日期，至2026年12月31日" in text and "2.0.0版：2027年1月1日起" in text
    for link in set(home.links):
        assert client.get(link).status_code == 200, link


def test_programmes_are_those_of_the_newest_versions(client, registry):
    listed = client.get("/api/v1/programmes").json()
    assert [(m["policy"], m["id"]) for m in listed] == [
        (policy.id, p.id) for policy in registry.current() for p in policy.programmes]
    assert {m["policy"] for m in listed} == {"county_logistics", "yeji_ecommerce_2027"}


def test_each_version_has_its_sheet(client):
    listing = _Page(client.get("/sheet").text)
    assert {"/sheet/county_logistics", "/sheet/yeji_ecommerce", "/sheet/yeji_ecommerce_2027"} <= set(listing.links)
    old = client.get("/sheet/yeji_ecommerce")
    assert old.status_code == 200 and "script" not in old.headers["content-security-policy"]
    assert "yeji_ecommerce_2027（编码版本 2.0.0）取代" in old.text
    assert "本版本修订 yeji_ecommerce，自2027年1月1日起施行" in client.get("/sheet/yeji_ecommerce_2027").text
    missing = client.get("/sheet/no_such")
    assert missing.status_code == 404 and "没有这个政策：no_such" in missing.text


def test_an_unknown_programme_names_every_programme(client):
    r = post_json(client, "/api/v1/evaluate/no_such", {})
    assert r.status_code == 404
    assert r.json()["detail"].startswith("未知的项目“no_such”；可选的项目：county_delivery_points、art09_venue_fitout")


# ---------------------------------------------------------------- the API decides by the date
@pytest.mark.parametrize("day, amount", [("2026-12-31", "98765.42"), ("2027-01-01", "111111.10"), (None, "111111.10")])
def test_the_api_evaluates_by_the_version_in_force(client, day, amount):
    body = dict(EQUIPMENT, **({"application_date": day} if day else {}))
    r = post_json(client, "/api/v1/evaluate/art09_equipment", body)
    assert r.status_code == 200, r.text
    assert r.json()["amount"] == amount


@pytest.mark.parametrize("pid, body, message", [
    ("art17_training", dict(TRAINING, application_date="2027-07-01"), ENDED),
    ("county_delivery_points", {"points": 2, "application_date": "2026-02-28"}, TOO_EARLY),
    ("county_delivery_points", {"points": 2, "application_date": "2026-02-30"}, NOT_A_DATE),
])
def test_a_date_no_version_covers_is_a_problem_in_chinese(client, pid, body, message):
    r = post_json(client, f"/api/v1/evaluate/{pid}", body)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["title"] == "申请无效" and problem["detail"] == "共 1 处问题"
    assert problem["errors"] == [{"path": "application_date", "message": message}]


def test_the_last_day_of_a_programme_is_still_decided(client):
    r = post_json(client, "/api/v1/evaluate/art17_training", dict(TRAINING, application_date="2027-06-30"))
    assert r.status_code == 200 and r.json()["amount"] == "5400.00"


def test_the_form_the_api_gives_accepts_the_date_it_decides_by(client):
    """The schema of the API's form admits application_date (a post of it validates) and refuses a
    date that is none, with the form's own Chinese message for the keyword that failed."""
    form = json.loads(client.get("/api/v1/forms/art09_equipment").text, parse_float=Decimal)
    assert form["policy"] == "yeji_ecommerce_2027"
    validator = Draft202012Validator(form["schema"], format_checker=FormatChecker())
    assert list(validator.iter_errors(dict(EQUIPMENT, application_date="2026-12-31"))) == []
    assert form["uischema"]["application_date"] == {"ui:widget": "date"}
    assert form["uischema"]["ui:order"][-1] == "application_date"
    date = form["schema"]["properties"]["application_date"]
    assert date["title"] == "申请日期" and "application_date" not in form["schema"]["required"]
    assert "本版本（2.0.0版）适用于2027年1月1日起" in date["description"]
    [error] = validator.iter_errors(dict(EQUIPMENT, application_date="2026-02-30"))
    assert error.validator == "format"
    # the older version's form, asked for by date, says when it was replaced
    old = client.get("/api/v1/forms/art09_equipment", params={"application_date": "2026-06-01"}).json()
    assert old["policy"] == "yeji_ecommerce"
    assert "自2027年1月1日起适用修订后的版本（2.0.0版）" in old["schema"]["properties"]["application_date"]["description"]
    ended = client.get("/api/v1/forms/art17_training").json()["schema"]["properties"]["application_date"]
    assert "本项目受理期间：至2027年6月30日止" in ended["description"]


def test_the_openapi_document_covers_every_policy(client, registry):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").json()
    validate(document)
    for policy in registry.current():
        for pid in policy.programme_ids:
            body = document["paths"][f"/api/v1/evaluate/{pid}"]["post"]["requestBody"]["content"]["application/json"]
            assert body["schema"] == {"$ref": f"#/components/schemas/{pid}"}
            assert "application_date" in document["components"]["schemas"][pid]["properties"]
    profile = document["components"]["schemas"]["Profile"]
    assert {"points", "trainees", "application_date"} <= set(profile["properties"]) and "required" not in profile


def test_match_takes_the_date(client):
    r = post_json(client, "/api/v1/match", {"points": 1, "trainees": 10, "application_date": "2027-07-01"})
    assert r.status_code == 200, r.text
    entries = {e["programme"]: e for e in r.json()["programmes"]}
    assert entries["county_delivery_points"]["status"] == "eligible"
    assert entries["county_delivery_points"]["amount"] == "3000.00"
    assert entries["art17_training"]["status"] == "invalid"
    assert entries["art17_training"]["errors"] == [{"path": "application_date", "message": (
        "项目“电商培训定额补助”已于 2027年6月30日 截止，申请日期 2027年7月1日 不能再申请")}]
    bad = post_json(client, "/api/v1/match", {"points": 1, "application_date": "2026-02-30"})
    assert bad.status_code == 422 and bad.json()["errors"] == [{"path": "application_date", "message": NOT_A_DATE}]


# ---------------------------------------------------------------- the pages decide by the date
@pytest.mark.parametrize("day, amount", [("2026-12-31", "98,765.42"), ("2027-01-01", "111,111.10")])
def test_the_application_form_decides_by_the_date_typed(client, day, amount):
    page = _Page(client.get("/apply/art09_equipment").text)
    assert list(page.inputs)[-1] == "application_date"
    r = post_form(client, "art09_equipment", as_form(dict(EQUIPMENT, application_date=day)))
    assert r.status_code == 200 and 'id="amount"' in r.text
    assert f"{amount} 元" in r.text


def test_the_application_form_refuses_a_date_after_the_end_with_its_message(client):
    r = post_form(client, "art17_training", as_form(dict(TRAINING, application_date="2027-07-01")))
    assert r.status_code == 200 and "<title>错误：" in r.text
    assert f'<a href="#f-application_date">{ENDED}</a>' in r.text
    page = _Page(r.text)
    assert page.inputs["application_date"] == "2027-07-01" and page.inputs["trainees"] == "60"  # nothing lost


def test_the_calculator_takes_the_date(client):
    first = _Page(client.get("/calculator").text)
    assert "application_date" in first.inputs
    r = client.get("/calculator", params={"points": "1", "trainees": "10", "application_date": "2027-07-01"})
    assert r.status_code == 200
    assert 'id="decided-county_delivery_points"' in r.text
    assert ENDED in r.text  # under 回答有矛盾的项目
    assert _Page(r.text).inputs["application_date"] == "2027-07-01"
    bad = client.get("/calculator", params={"application_date": "2026-02-30"})
    assert "<title>错误：" in bad.text and 'href="#f-application_date"' in bad.text


def test_serve_runs_every_policy_of_the_project(tmp_path, monkeypatch):
    """`serve` without --policy in a project with several policies: no refusal (it used to exit)."""
    (tmp_path / "policies").mkdir()
    for path in (SHIPPED, *FIXTURES.glob("*.policy")):
        shutil.copy(path, tmp_path / "policies")
    monkeypatch.chdir(tmp_path)
    client = TestClient(web.load_app())
    home = client.get("/")
    assert home.status_code == 200
    assert "《关于支持农村快递物流发展的通知》" in home.text
    r = post_json(client, "/api/v1/evaluate/county_delivery_points", {"points": 12})
    assert r.status_code == 200 and r.json()["amount"] == "30000.00"


def test_a_programme_that_reads_the_date_as_an_input_asks_it_once(registry):
    """Rules may read the date (an input named application_date): the form does not add a second one."""
    import dataclasses

    from yeji_policy import model as M

    policy = registry.by_id["yeji_ecommerce"]
    p = policy.programme("art09_equipment")
    reads = dataclasses.replace(p, fields=(*p.fields, M.Field("application_date", "申请日期", "date")))
    assert [f.name for f in forms.form_fields(policy, reads)] == [f.name for f in reads.fields]
    assert [f.name for f in forms.form_fields(policy, p)] == [f.name for f in p.fields] + ["application_date"]


def test_the_form_of_the_version_in_force_on_a_date_given_in_the_address(client):
    old = client.get("/apply/art09_equipment", params={"application_date": "2026-06-01"})
    assert _Page(old.text).inputs["application_date"] == "2026-06-01"
    assert "版本 1.0.0。" in old.text and "本版本（1.0.0版）" in old.text
    assert "版本 2.0.0。" in client.get("/apply/art09_equipment").text
