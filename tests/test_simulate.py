"""`yeji-policy simulate`: totals over a population, checked against direct sums of interpreter results."""

from __future__ import annotations

import datetime
import json
import random
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

import strategies
from yeji_policy.batch import exact_json
from yeji_policy import catalogue, interpreter, runtime
from yeji_policy.cli import main
from cli_process import SHIPPED

FIXTURE = Path(__file__).parent / "fixtures" / "minimal.policy"




# ---------------------------------------------------------------- a generated population
def _value(rng: random.Random, spec: dict, boundaries: list[Decimal], original):
    kind = spec["kind"]
    if kind == "money":
        return rng.choice([rng.choice(boundaries), Decimal(rng.randint(0, 10**9)) / 100, original])
    if kind == "number":
        step = Decimal(spec.get("step") or "0.01")
        low = Decimal(spec.get("minimum") or "0")
        return low + step * rng.randint(0, 40)
    if kind == "int":
        return Decimal(rng.choice([0, 1, 3, 11, 12, 24, 2016, 2017, rng.randint(0, 60)]))
    if kind == "bool":
        return rng.random() < 0.8
    if kind == "date":
        return (datetime.date(2017, 1, 1) + datetime.timedelta(days=rng.randint(0, 2000))).isoformat()
    if kind == "text":
        return rng.choice(["平岗村", "三元村", "孙岗村"])
    if kind == "enum":
        return rng.choice(spec["options"])[0]
    items = original if isinstance(original, list) and original else [{}]
    return [{s["name"]: _value(rng, s, boundaries, item.get(s["name"])) for s in spec["items"]}
            for item in rng.choices(items, k=rng.randint(1, 4))]


def population(policy, size: int, seed: int) -> list[str]:
    """JSONL lines: the embedded test applications, varied field by field; a few lines are broken on purpose."""
    rng = random.Random(seed)
    cases = [c for c in policy.tests if c.expect.status != "invalid"]
    lines = []
    for number in range(size):
        if number % 97 == 13:
            lines.append(rng.choice(["不是 JSON", "[]", '{"programme": 1, "application": {}}',
                                     '{"programme": "art99", "application": {}}']))
            continue
        case = rng.choice(cases)
        programme = policy.programme(case.programme)
        boundaries = strategies.boundary_values(programme)
        application = dict(case.application)
        for spec in (catalogue.field_spec(f) for f in programme.fields):
            if rng.random() < 0.6:
                application[spec["name"]] = _value(rng, spec, boundaries, application.get(spec["name"]))
        if rng.random() < 0.03:
            application["unexpected"] = 1  # an invalid application
        lines.append(exact_json({"programme": case.programme, "application": application}))
    return lines


def direct_totals(policy, lines: list[str]) -> dict:
    """What simulate must find, summed straight from interpreter.evaluate."""
    totals = {"statuses": {}, "amount": Decimal(0), "amount_if_approved": Decimal(0), "programmes": {}, "sources": {}}
    for line in lines:
        try:
            record = json.loads(line, parse_float=Decimal)
            assert isinstance(record, dict) and isinstance(record.get("programme"), str)
            result = interpreter.evaluate(policy, record["programme"], record["application"])
        except (ValueError, AssertionError, runtime.InvalidApplication):
            totals["statuses"]["invalid"] = totals["statuses"].get("invalid", 0) + 1
            continue
        status, amount = result["status"], Decimal(result["amount"])
        approved = Decimal(result.get("amount_if_approved", "0")) if status == "review" else Decimal(0)
        totals["statuses"][status] = totals["statuses"].get(status, 0) + 1
        totals["amount"] += amount
        totals["amount_if_approved"] += approved
        for key, name in (("programmes", result["programme"]), ("sources", result["funding_source"])):
            entry = totals[key].setdefault(name, [0, Decimal(0), Decimal(0)])
            entry[0] += 1
            entry[1] += amount
            entry[2] += approved
    return totals


def test_simulate_totals_match_the_interpreter(tmp_path, policy):
    lines = population(policy, 500, seed=20180601)
    path = tmp_path / "population.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(path), "--json", *SHIPPED])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    expected = direct_totals(policy, lines)

    assert summary["lines"] == 500
    assert {s: n for s, n in summary["total"]["statuses"].items() if n} == expected["statuses"]
    assert sum(expected["statuses"].values()) == 500
    assert len(expected["statuses"]) == 4  # the population reaches every status
    # several payers: no total of their money, each source's money on its own
    assert (summary["total"]["amount"], summary["total"]["amount_if_approved"]) == (None, None)
    assert len(summary["funding_sources"]) == len(expected["sources"]) > 1
    for entry in summary["funding_sources"]:
        count, amount, approved = expected["sources"][entry["funding_source"]]
        assert (Decimal(entry["amount"]), Decimal(entry["amount_if_approved"])) == (amount, approved)
    assert sum(Decimal(e["amount"]) for e in summary["funding_sources"]) == expected["amount"]
    for entry in summary["programmes"]:
        count, amount, approved = expected["programmes"].get(entry["id"], [0, Decimal(0), Decimal(0)])
        assert entry["count"] - entry["statuses"]["invalid"] == count, entry["id"]
        assert (Decimal(entry["amount"]), Decimal(entry["amount_if_approved"])) == (amount, approved), entry["id"]
    assert {e["funding_source"]: [e["count"] - e["statuses"]["invalid"], Decimal(e["amount"]),
                                  Decimal(e["amount_if_approved"])] for e in summary["funding_sources"]} \
        == expected["sources"]
    assert summary["problem_count"] == expected["statuses"]["invalid"]
    assert len(summary["problems"]) == 10
    assert "已处理" not in result.output  # no progress unless stderr is a terminal


# ---------------------------------------------------------------- the report, word for word
def test_simulate_report_word_for_word(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join([
        '{"programme": "equipment", "application": {"investment": 100000, "accepted": true}}',
        '{"programme": "equipment", "application": {"investment": 2000000.01, "accepted": true}}',
        "",
        '{"programme": "equipment", "application": {"investment": 5, "accepted": false}}',
        '{"programme": "equipment", "application": {"investment": 0.001, "accepted": true}}',
        '{"programme": "equipment"',
        '{"programme": "nope", "application": {}}',
    ]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", "--policy", str(FIXTURE), str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.split("\n") == [
        f"{path}：共 6 行，其中 1 行无法读取",
        "结论：符合条件 2，不符合条件 1，需人工审核 0，无效申请 3",
        "按项目：",
        "  第2条 设备补助（equipment）：4 份（符合 2，不符合 1，无效 1）；金额 550,000.00 元",
        "按资金来源：",
        "  区财政：4 份；金额 550,000.00 元",
        "合计：金额 550,000.00 元",
        "无法读取或无效的行（共 3 行）：",
        "  第5行（equipment）：investment：“设备投入”最多两位小数，此处为 0.001；须为不小于0、最多两位小数的金额（元）",
        "  第6行第1列：JSON 格式错误（此处缺少逗号）",
        "  第7行（nope）：programme：未知的项目“nope”；可选的项目：equipment",
        "",
    ]


def test_simulate_an_empty_population_and_errors(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n\n")
    result = CliRunner().invoke(main, ["simulate", "--policy", str(FIXTURE), str(empty)])
    assert (result.exit_code, result.output) == (0, f"{empty}：共 0 行\n")
    missing = tmp_path / "missing.jsonl"
    result = CliRunner().invoke(main, ["simulate", "--policy", str(FIXTURE), str(missing)])
    assert result.exit_code == 2
    assert result.output.startswith(f"错误：无法读取文件 {missing}：")
    assert "Traceback" not in result.output


def test_simulate_reads_stdin():
    line = '{"programme": "equipment", "application": {"investment": 100000, "accepted": true}}\n'
    result = CliRunner().invoke(main, ["simulate", "--policy", str(FIXTURE), "--json", "-"], input=line * 3)
    assert result.exit_code == 0
    assert json.loads(result.output)["total"]["amount"] == "150000.00"
