"""Several policies side by side, and versions over time (issue 16).

The fixtures in tests/fixtures/versions/ are copied with the shipped policy into
a scratch project's policies/: a second county's small policy and an amended
Yeji version (art09_equipment 80% -> 90% from 2027-01-01; art17_training ends
2027-06-30).  Every command runs there without --policy.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from yeji_policy import build as build_mod
from yeji_policy import check, interpreter, layout, pipeline, policy_dates, versions
from yeji_policy.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "versions"
SHIPPED = ROOT / "policies" / "yeji_ecommerce.policy"
NAMES = ("county_logistics", "yeji_ecommerce", "yeji_ecommerce_2027")

EQUIPMENT = {"equipment_investment": 123456.78, "equipment_audit_passed": True}
TRAINING = {"trainees": 60, "training_days": 0.5, "meals_provided": True, "hands_on_computer": False,
            "lodging_provided": False}


def tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch project: the shipped policy and both fixtures in policies/, as the working directory."""
    (tmp_path / "policies").mkdir()
    shutil.copy(SHIPPED, tmp_path / "policies")
    for fixture in FIXTURES.glob("*.policy"):
        shutil.copy(fixture, tmp_path / "policies")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def registry():
    policies = []
    for path in (SHIPPED, *sorted(FIXTURES.glob("*.policy"))):
        policy, diagnostics, _ = check.load(path)
        assert policy is not None, diagnostics
        policies.append(policy)
    return versions.Registry(policies)


def exact(application: dict) -> dict:
    """An application as the command line reads it: numbers exact (Decimal), never binary floats."""
    return json.loads(json.dumps(application), parse_float=Decimal)


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def write(path: Path, data) -> str:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- build
def test_build_of_three_policies_is_byte_identical_twice_and_namespaced(project):
    first = run("build")
    assert first.exit_code == 0, first.output
    one = tree(project / "generated")
    assert run("build").exit_code == 0
    assert tree(project / "generated") == one
    index = json.loads(one["index.json"])
    assert sorted(index["policies"]) == list(NAMES)
    for name in NAMES:
        entry = index["policies"][name]
        assert entry["module"] == f"python/{name}.py" and entry["module"] in one
        assert entry["forms"] == f"forms/{name}" and f"forms/{name}/profile.schema.json" in one
        assert set(entry["sheets"].values()) <= set(one)
        assert set(entry["files"]) == {path for path in one if layout.owned_by(name, path)}
    assert index["programmes"]["art09_equipment"] == ["yeji_ecommerce", "yeji_ecommerce_2027"]
    assert index["programmes"]["county_delivery_points"] == ["county_logistics"]
    assert index["policies"]["yeji_ecommerce"]["in_force"] == {
        "from": None, "until": "2026-12-31", "version": "1.0.0",
        "superseded_by": {"policy": "yeji_ecommerce_2027", "version": "2.0.0", "from": "2027-01-01"}}
    assert run("build", "--check").exit_code == 0


def test_build_of_one_file_leaves_the_other_policies_byte_identical(project):
    assert run("build").exit_code == 0
    before = tree(project / "generated")
    county = project / "policies" / "county_logistics.policy"
    county.write_text(county.read_text(encoding="utf-8").replace('版本 "1.0"', '版本 "1.1"'), encoding="utf-8")
    result = run("build", str(county))
    assert result.exit_code == 0, result.output
    after = tree(project / "generated")
    assert set(after) == set(before)
    changed = {path for path in after if after[path] != before[path]}
    assert changed and all(layout.owned_by("county_logistics", p) or p in ("index.json", build_mod.MARKER)
                           for p in changed), changed
    assert json.loads(after["index.json"])["policies"]["county_logistics"]["version"] == "1.1"
    assert run("build", "--check").exit_code == 0  # the same tree a whole build makes


def test_build_of_one_file_into_an_empty_directory_writes_only_that_policy(project):
    result = run("build", "--out", "one", "policies/county_logistics.policy")
    assert result.exit_code == 0, result.output
    files = set(tree(project / "one"))
    assert files == {p for p in files if layout.owned_by("county_logistics", p)} | {"index.json", build_mod.MARKER}


# ---------------------------------------------------------------- the checker across files
def _line_of(path, start: str) -> int:
    return next(i for i, text in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if text.strip().startswith(start))


def test_a_duplicate_programme_id_across_two_files_names_both_places(project):
    county = project / "policies" / "county_logistics.policy"
    county.write_text(county.read_text(encoding="utf-8").replace("county_delivery_points", "art09_equipment"),
                      encoding="utf-8")
    result = run("check")
    assert result.exit_code == 1
    # at each later definition (files are read in name order): both Yeji versions redefine the county's id
    reported = [line.split(": 错误")[0] for line in result.output.splitlines() if "E0528" in line]
    shipped, amended = (_line_of(project / "policies" / name, "项目 art09_equipment")
                        for name in ("yeji_ecommerce.policy", "yeji_ecommerce_2027.policy"))
    assert reported == [f"policies/yeji_ecommerce.policy:{shipped}:3", f"policies/yeji_ecommerce_2027.policy:{amended}:3"]
    line = _line_of(county, "项目 art09_equipment")
    # the first definition, in the other file, is a related place with its own file:line:col and line
    # (rustc-style), no longer prose in a note
    expected = (f"policies/yeji_ecommerce.policy:{shipped}:3: 错误 E0528: 项目“art09_equipment”已在 county_logistics.policy 中定义\n"
                f" {shipped} |   项目 art09_equipment \"农村电商公共服务中心设备设施购置补助\" {{\n"
                f" {' ' * len(str(shipped))} |   ^^\n"
                f"policies/county_logistics.policy:{line}:3: 相关位置：首次定义于此\n"
                f" {str(line).rjust(len(str(shipped)))} |   项目 art09_equipment \"村级快递服务点建设补助\" {{\n"
                f" {' ' * len(str(shipped))} |   --\n"
                "  = 提示：同一政策的新版本须在“文件”块中写“修订 \"旧版本文件名\" 自 \"日期\"”\n")
    assert expected in result.output, result.output
    assert "首次定义于 county_logistics.policy" not in result.output
    assert run("build").exit_code == 1


def test_a_version_amended_twice_points_at_the_first_amendment_in_its_file(project):
    second = project / "policies" / "yeji_ecommerce_2028.policy"
    second.write_text((project / "policies" / "yeji_ecommerce_2027.policy").read_text(encoding="utf-8")
                      .replace("art", "a2_").replace('施行日期 "2027-01-01"', '施行日期 "2028-01-01"')
                      .replace('自 "2027-01-01"', '自 "2028-01-01"'), encoding="utf-8")
    result = run("check")
    assert result.exit_code == 1
    first = _line_of(project / "policies" / "yeji_ecommerce_2027.policy", "修订")
    here = _line_of(second, "修订")
    assert (f"policies/yeji_ecommerce_2028.policy:{here}:3: 错误 E0529: 政策“yeji_ecommerce”已被 "
            "yeji_ecommerce_2027.policy 修订，一个版本只能被一个新版本修订\n") in result.output, result.output
    assert (f"policies/yeji_ecommerce_2027.policy:{first}:3: 相关位置：已在此修订\n"
            f" {first} |   修订 \"yeji_ecommerce\" 自 \"2027-01-01\"\n") in result.output, result.output


def test_amending_an_unknown_policy_is_an_error(project):
    (project / "policies" / "yeji_ecommerce.policy").unlink()
    result = run("check")
    assert result.exit_code == 1
    assert "错误 E0529: 修订的政策“yeji_ecommerce”不在一同检查的政策文件中；现有：county_logistics\n" in result.output


def test_dates_are_checked_in_one_file():
    source = SHIPPED.read_text(encoding="utf-8").replace('有效期至 "原文未载明"', '有效期至 "2026-13-01"')
    _, diagnostics = check.check_source(source, "yeji_ecommerce.policy")
    assert [(d.code, d.message) for d in diagnostics] == [
        ("E0525", "“2026-13-01”不是存在的日期")]


@pytest.mark.parametrize("text, day", [("2027-01-01", datetime.date(2027, 1, 1)),
                                       ("2027年1月31日", datetime.date(2027, 1, 31)),
                                       ("原文未载明", None)])
def test_a_date_is_written_two_ways_or_said_to_be_absent(text, day):
    assert policy_dates.parse(text) == day


@pytest.mark.parametrize("text", ["2027/01/01", "2027-1-1", "明年", "2027年2月29日", ""])
def test_anything_else_is_no_date(text):
    with pytest.raises(policy_dates.DateError):
        policy_dates.parse(text)


# ---------------------------------------------------------------- evaluation as of a date
@pytest.mark.parametrize("day, amount", [("2026-12-31", "98765.42"), ("2027-01-01", "111111.10")])
def test_the_same_application_before_and_after_the_amendment(project, day, amount):
    app = write(project / "app.json", {**EQUIPMENT, "application_date": day})
    result = run("evaluate", "art09_equipment", app, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["amount"] == amount


def test_without_a_date_the_newest_version_decides(project):
    app = write(project / "app.json", EQUIPMENT)
    assert json.loads(run("evaluate", "art09_equipment", app, "--json").stdout)["amount"] == "111111.10"


def test_after_its_end_date_the_ended_programme_is_refused_with_its_message(project):
    last = run("evaluate", "art17_training", write(project / "a.json", {**TRAINING, "application_date": "2027-06-30"}))
    assert last.exit_code == 0 and "金额：5,400.00 元" in last.output
    after = run("evaluate", "art17_training", write(project / "b.json", {**TRAINING, "application_date": "2027-07-01"}))
    assert after.exit_code == 2
    assert after.stderr == ("申请无效，共 1 处问题：\n"
                            "  - application_date：项目“电商培训定额补助”已于 2027年6月30日 截止，申请日期 2027年7月1日 不能再申请\n")


def test_a_date_outside_every_version_is_an_invalid_application(project):
    for day, message in (
            ("2029-01-01", "申请日期 2029年1月1日 已过本政策（1.0版）的有效期（至 2028年12月31日）"),
            ("2026-02-28", "申请日期 2026年2月28日 早于本政策（1.0版）的施行日期 2026年3月1日，本政策不适用"),
            ("2026-02-30", "“申请日期”应为日期，格式为 YYYY-MM-DD（如 2027-01-01），此处为“2026-02-30”")):
        result = run("evaluate", "county_delivery_points", write(project / "c.json", {"points": 2, "application_date": day}),
                     "--json")
        assert result.exit_code == 2
        assert json.loads(result.stdout)["errors"] == [{"path": "application_date", "message": message}]


def test_the_old_version_refuses_a_date_after_it_was_replaced(registry):
    old = registry.by_id["yeji_ecommerce"]
    for engine in (pipeline.engine(old).evaluate, lambda pid, app: interpreter.evaluate(old, pid, app)):
        with pytest.raises(Exception) as caught:
            engine("art09_equipment", exact({**EQUIPMENT, "application_date": "2027-01-01"}))
        assert caught.value.errors == [{"path": "application_date", "message":
                                        "申请日期 2027年1月1日 不适用本政策的1.0.0版：自 2027年1月1日 起适用修订后的"
                                        "“yeji_ecommerce_2027”（2.0.0版）"}]


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=datetime.date(2025, 1, 1), max_value=datetime.date(2030, 12, 31)),
       pid=st.sampled_from(["art09_equipment", "art17_training", "county_delivery_points"]))
def test_the_version_chosen_decides_the_date_and_both_engines_agree(registry, day, pid):
    app = {"art09_equipment": {**EQUIPMENT, "equipment_investment": 1000},
           "art17_training": TRAINING, "county_delivery_points": {"points": 2}}[pid]
    app = exact({**app, "application_date": day.isoformat()})
    policy = registry.policy_for(pid, day)
    outcomes = []
    for engine in (pipeline.engine(policy).evaluate, lambda p, a: interpreter.evaluate(policy, p, a)):
        try:
            outcomes.append(engine(pid, app))
        except Exception as exc:  # noqa: BLE001 - an InvalidApplication of either engine
            outcomes.append(exc.errors)
    assert outcomes[0] == outcomes[1]
    refused = isinstance(outcomes[0], list)
    ended = pid == "art17_training" and day > datetime.date(2027, 6, 30)
    county_out = pid == "county_delivery_points" and not datetime.date(2026, 3, 1) <= day <= datetime.date(2028, 12, 31)
    assert refused == (ended or county_out)
    if pid == "art09_equipment":
        assert outcomes[0]["amount"] == ("900.00" if day >= datetime.date(2027, 1, 1) else "800.00")


# ---------------------------------------------------------------- every command without --policy
def test_every_command_works_without_policy(project):
    assert run("check").exit_code == 0
    tested = run("test")
    assert tested.exit_code == 0 and tested.output.splitlines()[-1] == "246 passed, 0 failed"
    listed = run("programmes", "--json")
    assert listed.exit_code == 0
    metas = json.loads(listed.stdout)
    assert [(m["policy"], m["id"]) for m in metas][:2] == [("county_logistics", "county_delivery_points"),
                                                            ("yeji_ecommerce_2027", "art09_venue_fitout")]
    training = next(m for m in metas if m["id"] == "art17_training")
    assert training["period"] == [None, "2027-06-30"]
    county = run("evaluate", "county_delivery_points", write(project / "c.json", {"points": 12}))
    assert county.exit_code == 0 and "金额：30,000.00 元" in county.output
    profile = write(project / "p.json", {"points": 1, "trainees": 10, "application_date": "2027-07-01"})
    matched = run("match", profile, "--json")
    assert matched.exit_code == 0, matched.output
    entries = {e["programme"]: e for e in json.loads(matched.stdout)}
    assert entries["county_delivery_points"]["amount"] == "3000.00"
    assert entries["art17_training"]["status"] == "invalid"
    lines = [{"programme": "art09_equipment", "application": {**EQUIPMENT, "application_date": "2026-06-01"}},
             {"programme": "art09_equipment", "application": {**EQUIPMENT, "application_date": "2027-06-01"}},
             {"programme": "county_delivery_points", "application": {"points": 3}}]
    population = project / "population.jsonl"
    population.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    batch = run("evaluate", "--batch", str(population))
    assert batch.exit_code == 0
    assert [json.loads(line)["amount"] for line in batch.stdout.splitlines()] == ["98765.42", "111111.10", "9000.00"]
    simulated = run("simulate", str(population), "--json")
    assert simulated.exit_code == 0
    sources = {s["funding_source"]: s["amount"] for s in json.loads(simulated.stdout)["funding_sources"]}
    assert sources == {"区财政": "209876.52", "县财政": "9000.00"}
    unknown = run("evaluate", "no_such", write(project / "u.json", {}))
    assert unknown.exit_code == 2 and "未知的项目“no_such”；可选的项目：county_delivery_points、art09_venue_fitout" in unknown.stderr


def test_help_names_no_district():
    for command in ("evaluate", "match", "programmes", "simulate", "build", "check"):
        text = run(command, "--help").output
        assert "叶集" not in text and "yeji_ecommerce" not in text, command


def test_the_sheets_say_which_version_they_show_and_which_replaced_it(project):
    assert run("build").exit_code == 0
    old = (project / "generated" / layout.sheet("yeji_ecommerce", "md")).read_text(encoding="utf-8")
    new = (project / "generated" / layout.sheet("yeji_ecommerce_2027", "md")).read_text(encoding="utf-8")
    assert "| 本说明所示版本 | yeji\\_ecommerce（编码版本 1.0.0） |" in old
    assert "| 被修订 | 自2027年1月1日起由 yeji\\_ecommerce\\_2027（编码版本 2.0.0）取代，此后的申请适用新版本 |" in old
    assert "| 适用期间 | 起始不限，至2026年12月31日止〔解释：施行日期原文未载明，按不限处理——任何申请日期都适用本版本〕 |" in old
    assert "| 修订 | 本版本修订 yeji\\_ecommerce，自2027年1月1日起施行 |" in new
    assert "| 截止日期 | 2027-06-30 |" in new


def test_diff_works_across_versions(project):
    result = run("diff", "policies/yeji_ecommerce.policy", "policies/yeji_ecommerce_2027.policy")
    assert result.exit_code == 0
    assert "80%" in result.output and "90%" in result.output


# ---------------------------------------------------------------- the suite's own view of a scratch project
def test_a_scratch_project_with_the_fixtures_builds_checks_tests_and_evaluates(tmp_path):
    """The shipped tool, run as a user would in a fresh process, on all three policies."""
    (tmp_path / "policies").mkdir()
    for path in (SHIPPED, *FIXTURES.glob("*.policy")):
        shutil.copy(path, tmp_path / "policies")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "yeji_policy.cli", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)
    for args in (["check"], ["build"], ["build", "--check"], ["test"]):
        done = cli(*args)
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    write(tmp_path / "app.json", {**EQUIPMENT, "application_date": "2026-12-31"})
    done = cli("evaluate", "art09_equipment", "app.json", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["amount"] == "98765.42"
