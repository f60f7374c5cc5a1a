"""Rules across programmes (不得重复享受, 合计上限; issue #22): the whole-applicant evaluation on
both engines, the question an exclusion adds to each programme in DuckDB too, the sheet, diff and fmt.

The corpus (tests/cases/cross, tests/cases/patterns) holds the word-for-word results and diagnostics;
here: properties on random applications, amounts to the 分.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yeji_policy import check, describe, diff, fmt, interpreter, runtime
from yeji_policy.backends import sheets
from yeji_policy.pipeline import engine

ROOT = Path(__file__).resolve().parent.parent
CAP = ROOT / "tests/cases/patterns/good/annual_total_cap.policy"
EXCLUSION = ROOT / "tests/cases/patterns/good/no_double_benefit.policy"
CHOICES = ROOT / "tests/cases/cross/good/highest_and_in_order.policy"


def load(path: Path):
    policy, diagnostics = check.check_source(path.read_text(encoding="utf-8"), str(path))
    assert policy is not None and diagnostics == [], diagnostics
    return policy, engine(policy)


@pytest.fixture(scope="module")
def policies():
    return {path.stem: load(path) for path in (CAP, EXCLUSION, CHOICES)}


def money(high: int, *marks):
    """Any amount up to `high` 元, and the amounts at which a rule turns (hypothesis favours small draws)."""
    return st.one_of(st.integers(0, high * 100).map(lambda cents: Decimal(cents).scaleb(-2)),
                     st.sampled_from([Decimal(m) for m in marks] or [Decimal(0)]))


def whole(engine_name, policy, module, application, programmes=None):
    try:
        if engine_name == "interpreter":
            return interpreter.evaluate_all(policy, application, programmes)
        return module.evaluate_all(application, programmes)
    except Exception as exc:  # each engine has its own InvalidApplication class
        if getattr(exc, "errors", None) is None:
            raise
        return {"status": "invalid", "errors": exc.errors}


def both(policy, module, application, programmes=None) -> dict:
    a = whole("interpreter", policy, module, application, programmes)
    b = whole("generated", policy, module, application, programmes)
    assert a == b, application
    return a


def subsets(ids):
    return st.one_of(st.none(), st.lists(st.sampled_from(ids), unique=True, min_size=1))


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# ---------------------------------------------------------------- 合计上限
@SETTINGS
@given(retail=money(40_000_000, "20000000", "19999999.99"), warehouse=money(3_000_000, "500000", "2000000"),
       talents=st.integers(0, 80), received=money(1_500_000, "0", "100000", "500000", "739999.99", "940000", "1000000"), claimed=subsets(["retail_award", "warehouse", "talent"]))
def test_aggregate_cap_both_engines_and_never_pays_beyond_the_room(policies, retail, warehouse, talents, received,
                                                                   claimed):
    policy, module = policies["annual_total_cap"]
    app = {"online_retail": retail, "warehouse_investment": warehouse, "new_talents": talents,
           "received_this_year": received}
    if claimed is not None:
        app = {k: v for k, v in app.items() if k == "received_this_year" or any(
            k in {f["name"] for f in module.PROGRAMMES[p]["inputs"]} for p in claimed)}
    out = both(policy, module, app, claimed)
    results = out["results"]
    alone = {pid: interpreter.evaluate(policy, pid, {k: v for k, v in app.items() if k != "received_this_year"
                                                    and k in {f["name"] for f in module.PROGRAMMES[pid]["inputs"]}})
             for pid in results}
    payable = sum((Decimal(r["amount"]) for r in alone.values() if r["status"] == "eligible"), Decimal(0))
    room = max(Decimal(1_000_000) - received, Decimal(0))
    paid = sum((Decimal(r["amount"]) for r in results.values() if r["status"] == "eligible"), Decimal(0))
    assert out["total"] == runtime.cents_string(paid)
    assert paid <= room
    (record,) = out["trace"]
    assert record["applied"] == (payable > room)
    if payable <= room:  # within the cap nothing changes
        assert results == alone
    elif room == 0:  # the text forces it: nothing more can be paid
        assert all(r["status"] == "ineligible" for r in results.values())
    elif sum(r["status"] in ("eligible", "review") for r in alone.values()) == 1:  # nothing to share: the room
        (pid,) = [p for p, r in alone.items() if r["status"] in ("eligible", "review")]
        assert (results[pid]["status"], results[pid]["amount"]) == (alone[pid]["status"], runtime.cents_string(room))
    else:  # the text is silent on sharing: every payable programme to review, its own amount if approved
        for pid, r in results.items():
            if alone[pid]["status"] == "eligible":
                assert (r["status"], r["amount"], r["amount_if_approved"]) == ("review", "0.00", alone[pid]["amount"])
                assert "原文未规定如何分摊，需人工审核" in r["reasons"][-1]


@SETTINGS
@given(opened=st.booleans(), fitting=money(600_000, "100000", "100000.02", "300000"),
       sales=money(80_000_000, "50000000", "49999999.99"),
       received=money(300_000, "0", "100000", "120000", "150000", "249999.99", "250000"),
       claimed=subsets(["opening", "fitting", "scale"]))
def test_highest_and_in_order_both_engines(policies, opened, fitting, sales, received, claimed):
    policy, module = policies["highest_and_in_order"]
    app = {"newly_opened": opened, "fitting_cost": fitting, "annual_sales": sales, "received_total": received}
    if claimed is not None:
        app = {k: v for k, v in app.items() if k == "received_total" or any(
            k in {f["name"] for f in module.PROGRAMMES[p]["inputs"]} for p in claimed)}
    out = both(policy, module, app, claimed)
    results = out["results"]
    group = [results[p] for p in ("opening", "fitting") if p in results]
    assert sum(r["status"] == "eligible" for r in group) <= 1  # 就高: one of the two at most
    room = max(Decimal(250_000) - received, Decimal(0))
    paid = sum((Decimal(r["amount"]) for r in results.values() if r["status"] == "eligible"), Decimal(0))
    assert paid <= room
    assert out["total"] == runtime.cents_string(paid)
    # 按项目顺序: the room is used up before a later programme loses anything
    alone = {pid: interpreter.evaluate(policy, pid, {k: v for k, v in app.items()
                                                    if k in {f["name"] for f in module.PROGRAMMES[pid]["inputs"]}})
             for pid in results}
    capped = [pid for pid, r in results.items() if r["status"] != alone[pid]["status"] or
              r["amount"] != alone[pid]["amount"]]
    if capped and out["trace"][-1]["applied"]:
        assert paid == room


# ---------------------------------------------------------------- 不得重复享受
@SETTINGS
@given(equipment=money(3_000_000, "100000", "1666666.67"), upgrade=money(8_000_000, "150000", "5000000"),
       elsewhere=st.booleans(),
       claimed=subsets(["equipment", "upgrade"]))
def test_exclusion_both_engines(policies, equipment, upgrade, elsewhere, claimed):
    policy, module = policies["no_double_benefit"]
    app = {"similar_elsewhere": elsewhere}
    if claimed is None or "equipment" in claimed:
        app["equipment_investment"] = equipment
    if claimed is None or "upgrade" in claimed:
        app["upgrade_investment"] = upgrade
    out = both(policy, module, app, claimed)
    results = out["results"]
    if elsewhere:  # the question the declaration adds: every programme named refuses it
        assert all(r["status"] == "ineligible" for r in results.values())
        assert all("不得重复享受" in r["reasons"][0] for r in results.values())
    payable = [r for r in results.values() if r["status"] in ("eligible", "review")]
    if len(payable) >= 2:  # the text does not say which one: review, each with its own amount
        assert all(r["status"] == "review" and r["amount"] == "0.00" for r in payable)
        assert out["total"] == "0.00"


def test_the_question_is_asked_by_every_engine_alone(policies):
    """One programme evaluated alone (the single evaluate, both engines, DuckDB) refuses a project
    that already had a similar subsidy elsewhere: the declaration's question is one of its inputs."""
    pytest.importorskip("duckdb")
    from yeji_policy import sqlrun

    policy, module = policies["no_double_benefit"]
    lines = [f'{{"programme": "{pid}", "application": {{"{field}": {amount}, "similar_elsewhere": {"true" if e else "false"}}}}}'
             for pid, field in (("equipment", "equipment_investment"), ("upgrade", "upgrade_investment"))
             for e in (True, False) for amount in ("0", "1", "123456.78", "6000000", "9999999999.99")]
    con = sqlrun.connect(memory_limit="256MB")
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    compiled = sqlrun.compile_policy(policy)
    rows = list(sqlrun.records(compiled, sqlrun.lines_from_jsonl(io.BytesIO(data)), sqlrun.python_engine(policy), con))
    assert len(rows) == len(lines)
    for row, line in zip(rows, lines):
        item = json.loads(line, parse_float=Decimal)
        mine = module.evaluate(item["programme"], item["application"])
        assert (row["status"], row["amount"]) == (mine["status"], mine["amount"]), line
        assert mine == interpreter.evaluate(policy, item["programme"], item["application"])
        if item["application"]["similar_elsewhere"]:
            assert row["status"] == "ineligible"


@pytest.mark.parametrize("name", ["annual_total_cap", "no_double_benefit", "highest_and_in_order"])
def test_the_embedded_cases_pass_in_duckdb(policies, name):
    """Each programme of the policies with rules across programmes, its embedded cases decided in SQL:
    the expected status and amount, as the generated module gives them."""
    pytest.importorskip("duckdb")
    from yeji_policy import sqlrun

    policy, module = policies[name]

    def text(value):  # exact JSON: a Decimal as its digits, never through a float
        return format(value, "f") if isinstance(value, Decimal) else json.dumps(value, ensure_ascii=False)

    lines = ["{" + f'"programme": "{case.programme}", "application": {{'
             + ", ".join(f'"{k}": {text(v)}' for k, v in case.application.items()) + "}}"
             for case in policy.tests]
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    rows = list(sqlrun.records(sqlrun.compile_policy(policy), sqlrun.lines_from_jsonl(io.BytesIO(data)),
                               sqlrun.python_engine(policy), sqlrun.connect(memory_limit="256MB")))
    assert [r["programme"] for r in rows] == [case.programme for case in policy.tests]
    for row, case in zip(rows, policy.tests):
        mine = module.evaluate(case.programme, case.application)
        assert (row["status"], row["amount"]) == (mine["status"], mine["amount"]), case.name
        assert row["status"] == case.expect.status, case.name
        if case.expect.amount is not None:
            assert Decimal(row["amount"]) == case.expect.amount, case.name


def test_whole_application_refuses_what_no_rule_asks(policies):
    policy, module = policies["annual_total_cap"]
    out = both(policy, module, {"new_talents": 1, "received_this_year": 0, "bonus": 1}, ["talent"])
    assert out == {"status": "invalid", "errors": [
        {"path": "bonus", "message": "未知的输入项“bonus”：所申请的项目和跨项目规定都不使用它"}]}
    out = both(policy, module, {"new_talents": 1, "received_this_year": 0.5}, ["talent"])
    assert out["status"] == "invalid" and out["errors"][0]["path"] == "received_this_year"
    out = both(policy, module, {"new_talents": 1}, ["talent", "talent"])
    assert out == {"status": "invalid", "errors": [{"path": "programmes", "message": "申请的项目须是不重复的已有项目编号"}]}


# ---------------------------------------------------------------- sheet, diff, fmt
def test_the_sheet_states_each_rule_in_words(policies):
    policy, _ = policies["annual_total_cap"]
    md = next(v for k, v in sheets.generate(policy).items() if k.endswith(".md")).decode("utf-8")
    assert ("- 合计上限：单个企业年度各项补助合计：“网络零售奖励”（retail\\_award）、“仓储建设补助”（warehouse）、"
            "“人才引进补助”（talent）的补助本年度合计不超过 100万元（1,000,000.00 元）；申请表询问“本年度已获得本政策各项补助合计”，"
            "剩余额度为上限减去已获补助（不低于0）；剩余额度为0时以上项目不予补助；超过剩余额度时，原文未规定如何分摊，"
            "以上项目均转人工审核。") in md
    assert "| 跨项目规定 | 见第4条“单个企业年度各项补助合计” |" in md  # in each programme's table
    # what the text leaves to a reviewer, in the sign-off index
    assert ("| 1 | 第4条 | — | 需人工审核 | “网络零售奖励”、“仓储建设补助”、“人才引进补助”合计超过剩余额度 | "
            "单个企业年度各项补助合计：原文未规定如何分摊，均转人工审核（只有一项时按剩余额度计） |") in md
    chosen, _ = policies["highest_and_in_order"]
    index = next(v for k, v in sheets.generate(chosen).items() if k.endswith(".md")).decode("utf-8").split("审核事项索引")[1]
    assert "需人工审核" not in index  # 就高 and 按项目顺序 are the drafters' readings: boxed as 解释, not reviews


def test_diff_shows_a_changed_rule_in_words(policies):
    policy, _ = policies["highest_and_in_order"]
    source = CHOICES.read_text(encoding="utf-8")
    changed = source.replace('    重复时 就高 解释 "原文未规定享受哪一项，按对企业有利的原则取金额较高的一项"\n', "")
    assert changed != source
    new, _ = check.check_source(changed, "new.policy")
    (line,) = [line for line in diff.changes(policy, new) if "opening_or_fitting" in line]
    assert line == ("第4条 opening_or_fitting：" + describe.cross_rule(policy, policy.cross[0]).rstrip("。") + " → "
                    + describe.cross_rule(new, new.cross[0]).rstrip("。")
                    + "；删除解释（分配方式）：“原文未规定享受哪一项，按对企业有利的原则取金额较高的一项”")
    assert "原文未规定享受哪一项，均转人工审核" in line


@pytest.mark.parametrize("path", [CAP, EXCLUSION, CHOICES], ids=lambda p: p.stem)
def test_fmt_keeps_the_rules_and_is_idempotent(path):
    source = path.read_text(encoding="utf-8")
    once = fmt.format_source(source, path.name)
    assert once == source  # the corpus is written in the canonical layout
    shuffled = source.replace("\n  ", "\n      ").replace(" {\n", "   {\n")
    assert fmt.format_source(shuffled, path.name) == source


# ---------------------------------------------------------------- the calculator (match)
@SETTINGS
@given(data=st.data())
def test_the_calculator_notes_and_bounds_by_the_rules_on_both_engines(policies, data):
    """A partial profile: both engines give the same findings; each programme a rule names that may
    still pay carries the rule's note; an undecided programme under a cap never shows more than the
    cap's room; once every programme of the cap is decided, the cap is applied as in evaluate_all."""
    policy, module = policies["annual_total_cap"]
    full = {"online_retail": data.draw(money(40_000_000, "20000000")),
            "warehouse_investment": data.draw(money(3_000_000, "2000000")),
            "new_talents": data.draw(st.integers(0, 80)),
            "received_this_year": data.draw(money(1_500_000, "0", "900000", "1000000"))}
    profile = {k: v for k, v in full.items() if data.draw(st.booleans(), label=k)}
    entries = interpreter.match(policy, profile)
    assert entries == module.match(profile)
    room = max(Decimal(1_000_000) - profile.get("received_this_year", Decimal(0)), Decimal(0)) \
        if "received_this_year" in profile else Decimal(1_000_000)
    for e in entries:
        if e["status"] in ("eligible", "review", "incomplete"):
            assert [c["id"] for c in e["cross"]] == ["annual_total"]
        if e["status"] == "incomplete":
            assert Decimal(e["max_amount"]) <= room
    applied = all(e["status"] != "incomplete" for e in entries) and "received_this_year" in profile
    for e in entries:  # until the cap is applied, a decided amount shows what the cap leaves it
        if e["status"] in ("eligible", "review") and not applied:
            own = Decimal(e.get("amount_if_approved", e["amount"]))
            assert Decimal(e.get("max_amount", own)) == min(own, room)
    if all(e["status"] != "incomplete" for e in entries) and "received_this_year" in profile:
        whole = interpreter.evaluate_all(policy, profile)
        assert [(e["status"], e["amount"]) for e in entries] == \
            [(r["status"], r["amount"]) for r in whole["results"].values()]


def test_the_calculator_notes_an_exclusion(policies):
    policy, module = policies["no_double_benefit"]
    entries = module.match({"equipment_investment": 100000, "similar_elsewhere": False})
    assert entries == interpreter.match(policy, {"equipment_investment": 100000, "similar_elsewhere": False})
    assert [(e["status"], e["cross"]) for e in entries] == [
        ("eligible", [{"id": "no_double", "text": "同一项目不得重复享受：“设备购置补助”、“技术改造补助”同一项目只能享受其一"
                                                  "（原文未规定享受哪一项，同时申请时需人工审核）【第3条】"}]),
        ("incomplete", [{"id": "no_double", "text": "同一项目不得重复享受：“设备购置补助”、“技术改造补助”同一项目只能享受其一"
                                                    "（原文未规定享受哪一项，同时申请时需人工审核）【第3条】"}])]
    assert all("cross" not in e for e in module.match({"similar_elsewhere": True}))


def test_the_web_calculator_shows_the_rules_applied(policies):
    """POST /api/v1/match asks the amount already received (the profile form has it) and shows each
    rule on the programmes it names; the calculator page says the same in words."""
    from starlette.testclient import TestClient

    from yeji_policy.web import app as web

    policy, _ = policies["annual_total_cap"]
    client = TestClient(web.create_app(policy))
    answer = client.post("/api/v1/match", content=json.dumps(
        {"online_retail": 25000000, "warehouse_investment": 2000000, "received_this_year": 900000}),
        headers={"content-type": "application/json"})
    assert answer.status_code == 200, answer.text
    entries = {e["programme"]: e for e in answer.json()["programmes"]}
    assert entries["talent"]["status"] == "incomplete"
    assert entries["talent"]["most"] == "100000.00"  # the room, not the programme's own unbounded amount
    assert entries["retail_award"]["cross"] == [{"id": "annual_total", "text": (
        "单个企业年度各项补助合计：“网络零售奖励”、“仓储建设补助”、“人才引进补助”合计不超过 1,000,000.00 元"
        "（本年度已获得本政策各项补助合计 900,000.00 元，剩余额度 100,000.00 元）【第4条】")}]
    bad = client.post("/api/v1/match", content=json.dumps({"received_this_year": "many"}),
                      headers={"content-type": "application/json"})
    assert bad.status_code == 422 and "received_this_year" in bad.text
    page = client.get("/calculator", params={"online_retail": "25000000", "received_this_year": "900000"})
    assert page.status_code == 200
    assert "剩余额度 100,000.00 元" in page.text


def test_the_calculator_shows_what_a_cap_leaves_a_decided_programme(policies):
    """Two programmes decided (200,000 and 800,000 元) and one not, 900,000 of 1,000,000 元 received:
    the cap is applied only once all three are decided, and until then each decided amount stands
    with what the cap leaves it — the 100,000 元 room, not its full amount — in both engines, the
    command line, the API's `most` and the calculator page."""
    from click.testing import CliRunner
    from starlette.testclient import TestClient

    from yeji_policy.cli import main
    from yeji_policy.web import app as web

    policy, module = policies["annual_total_cap"]
    profile = {"online_retail": 25000000, "warehouse_investment": 2000000, "received_this_year": 900000}
    entries = interpreter.match(policy, profile)
    assert entries == module.match(profile)
    assert [(e["status"], e.get("amount"), e.get("max_amount"), e.get("max_amount_text")) for e in entries] == [
        ("eligible", "200000.00", "100000.00", "按合计上限最多可得 100,000.00 元（单个企业年度各项补助合计）"),
        ("eligible", "800000.00", "100000.00", "按合计上限最多可得 100,000.00 元（单个企业年度各项补助合计）"),
        ("incomplete", None, "100000.00", "最高 100,000.00 元（单个企业年度各项补助合计）")]
    # a decided amount within the room shows no bound
    small = interpreter.match(policy, dict(profile, received_this_year=0))
    assert [e.get("max_amount") for e in small] == [None, None, "1000000.00"]

    shown = CliRunner().invoke(main, ["match", "-", "--policy", str(CAP)], input=json.dumps(profile))
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines()[0] == ("第1条 网络零售奖励（retail_award）：符合条件，200,000.00 元，"
                                            "按合计上限最多可得 100,000.00 元（单个企业年度各项补助合计）")
    client = TestClient(web.create_app(policy))
    answer = client.post("/api/v1/match", content=json.dumps(profile), headers={"content-type": "application/json"})
    most = {e["programme"]: e["most"] for e in answer.json()["programmes"]}
    assert most == {"retail_award": "100000.00", "warehouse": "100000.00", "talent": "100000.00"}
    page = client.get("/calculator", params={k: str(v) for k, v in profile.items()})
    assert "网络零售奖励：<strong>符合条件</strong>\n，200,000.00 元，按合计上限最多可得 100,000.00 元（单个企业年度各项补助合计）" \
        in page.text


# ---------------------------------------------------------------- the editor
def test_the_editor_knows_the_programmes_a_rule_names():
    """Completion after 项目 and after a comma of the list offers the programme ids; hovering an id in
    the list describes the programme; references of a programme include the rule's list."""
    from yeji_policy import lsp

    source = CAP.read_text(encoding="utf-8")
    lines = source.split("\n")
    row = next(n for n, text in enumerate(lines, 1) if text.strip().startswith("项目 retail_award, warehouse"))
    typed = source.replace(lines[row - 1], "    项目 retail_award, ", 1)
    analysis, good = lsp.Analysis(typed, "x.policy"), lsp.Analysis(source, "x.policy")
    offered = [(c.label, c.kind) for c in lsp.complete(analysis, good, row, len("    项目 retail_award, ") + 1)]
    assert ("warehouse", "programme") in offered and ("talent", "programme") in offered
    column = lines[row - 1].index("warehouse") + 2
    text, span = lsp.hover(good, row, column)
    assert "仓储建设补助" in text and (span.line, span.column) == (row, column - 1)
    uses = good.index.references(("programme", "warehouse"))
    assert (row, column - 1) in [(o.span.line, o.span.column) for o in uses]


def test_simulate_says_a_cap_per_applicant_is_not_in_its_line_totals(policies):
    from yeji_policy import simulate

    policy, _ = policies["annual_total_cap"]
    tally = simulate.simulate(policy, io.BytesIO(b'{"programme": "talent", "application": {"new_talents": 3}}\n'))
    assert simulate.report(tally, "p.jsonl")[-1] == \
        "注：第4条“单个企业年度各项补助合计”按申请人合计，逐行模拟未计入（整体申请用 evaluate_all）"
    shipped, _ = check.load(ROOT / "policies" / "yeji_ecommerce.policy")[:2]
    assert not any(line.startswith("注：") for line in simulate.report(
        simulate.simulate(shipped, io.BytesIO(b'{"programme": "art09_equipment", "application": {}}\n')), "p.jsonl"))


def test_a_cap_across_funding_sources_is_warned_of_unless_its_reading_is_given():
    from yeji_policy import codes

    source = codes.example_source(codes.REGISTRY["W0461"])
    _, diagnostics = check.check_source(source, "x.policy")
    assert "W0461" in [d.code for d in diagnostics]
    read = source.replace("项目 equipment, other\n", '项目 equipment, other 解释 "原文“各项补助”含市财政出资的项目"\n')
    assert read != source
    policy, diagnostics = check.check_source(read, "x.policy")
    assert "W0461" not in [d.code for d in diagnostics] and policy is not None
    assert [i.id for i in policy.interpretations if i.programme is None] == ["art01.total"]


# ---------------------------------------------------------------- hostile whole applications
HOSTILE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10)
    | st.decimals(allow_nan=True, allow_infinity=True, places=3) | st.floats(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
CAP_KEYS = ["online_retail", "warehouse_investment", "new_talents", "received_this_year", "application_date"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(application=st.one_of(HOSTILE, st.dictionaries(st.sampled_from(CAP_KEYS), HOSTILE)),
       claimed=st.one_of(st.none(), HOSTILE, st.lists(st.sampled_from(["retail_award", "warehouse", "talent", "x"]))))
def test_hostile_whole_applications_and_profiles_never_crash_either_engine(policies, application, claimed):
    """Anything at all: the same result or the same Chinese errors from both engines, never a crash
    (a binary float included: refused by its field, never computed on)."""
    policy, module = policies["annual_total_cap"]
    out = both(policy, module, application, claimed)
    if out.get("status") == "invalid":
        assert out["errors"] and all(e["message"] for e in out["errors"])
    calculators = []
    for match in (lambda: interpreter.match(policy, application), lambda: module.match(application)):
        try:
            calculators.append(("ok", match()))
        except Exception as exc:
            assert type(exc).__name__ == "InvalidApplication", repr(exc)
            calculators.append(("invalid", exc.errors))
    assert calculators[0] == calculators[1]


def test_a_batch_line_with_an_applicant_is_refused_by_both_batch_engines(policies):
    """The SQL engine (and the Python batch) decide one programme per line: a population grouped by
    applicant is refused by its line, saying where the rules across programmes apply."""
    pytest.importorskip("duckdb")
    from yeji_policy import batch, sqlrun

    policy, _ = policies["annual_total_cap"]
    data = (b'{"programme": "talent", "application": {"new_talents": 3}, "applicant": "A1"}\n'
            b'{"programme": "talent", "application": {"new_talents": 3}}\n')
    message = ("第1行有 applicant：批量计算逐行计算一个项目的申请，不按申请人合计；"
               "跨项目规定（不得重复享受、合计上限）在整体申请（evaluate_all）中适用")
    (first, second) = list(batch.read_lines(io.BytesIO(data)))
    assert (first.error, second.error) == (message, None)
    rows = list(sqlrun.records(sqlrun.compile_policy(policy), sqlrun.lines_from_jsonl(io.BytesIO(data)),
                               sqlrun.python_engine(policy), sqlrun.connect(memory_limit="256MB")))
    assert [r["status"] for r in rows] == ["invalid", "eligible"]
    assert rows[0]["errors"] == [{"path": "", "message": message}]
