"""The SQL backend on DuckDB: the typed applications table judged from raw text, against
the Python engine's verdict on the same lines (backends/sql.py, sqlrun.py)."""

from __future__ import annotations

import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

from yeji_policy import batch, catalogue, sqlrun  # noqa: E402
from yeji_policy.backends import form_ui, sql  # noqa: E402

import strategies  # noqa: E402


# Each example runs DuckDB once (about a second): shrinking would take minutes; a failure prints its lines.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


@pytest.fixture(scope="module")
def con():
    return sqlrun.connect(memory_limit="256MB")


def python_verdicts(policy, generated_module, lines: list[str]) -> dict[int, dict]:
    """The record `evaluate --batch` writes for each line, by line number."""

    def engine(pid, application):
        return form_ui.json_as_form(form_ui.programme_fields(policy, pid),
                                    lambda d: generated_module.evaluate(pid, d))(application)

    data = "".join(line + "\n" for line in lines).encode("utf-8")
    return {line.number: batch.evaluate_line(line, engine) for line in batch.read_lines(io.BytesIO(data))}


def sql_verdicts(policy, con, lines: list[str]) -> dict[int, sqlrun.Judged]:
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    return {j.line: j for j in sqlrun.judge(policy, io.BytesIO(data), con)}


def constraint_paths(policy, pid) -> set[str]:
    return {c.path for p in policy.programmes if p.id == pid for c in p.constraints}


def assert_agree(policy, judged: sqlrun.Judged, record: dict, may_defer: bool):
    """SQL valid ⇒ Python valid (the rules' SQL checks the form's cross-field constraints);
    a line Python finds valid is left to Python only where allowed (a spelling the SQL does
    not judge); every invalid line is Python's, which words its problems."""
    python_paths = {e["path"] for e in record.get("errors", ())}
    if judged.verdict == "valid":
        assert record["status"] != "invalid" or python_paths <= constraint_paths(policy, record["programme"]), \
            (judged, python_paths)
    else:
        assert judged.verdict == "python", judged
        assert may_defer or record["status"] == "invalid", (judged, record)


# ---------------------------------------------------------------- the generated population
# Values that the SQL must judge itself (plainly invalid), per kind.
PLAIN_BAD = {
    "money": ["1.234", "-1", "-0.01", "10000000000", "9999999999.999", '"12"', "true", "null", "[]", "{}"],
    "number": ["1.234", "-5", "10000000000", '"3"', "false", "null"],
    "int": ["1.5", "-1", "10000000000", '"2017"', "true", "null"],
    "bool": ["1", '"true"', "null", "[]"],
    "date": ['"2018-02-30"', '"2018-1-01"', '"0000-01-01"', "20180101", '""', "null"],
    "enum": ['"nope"', "1", '""', "null"],
    "text": ['""', '"   "', '"\\u3000"', '"' + "村" * 201 + '"', "5", "null"],
    "list": ["[]", '"x"', "[1]", "null", "{}"],
}
# Spellings that are valid JSON numbers the SQL leaves to Python (an exponent, huge exponents).
EXOTIC = ["1e2", "1E400", "1.5e-1", "0e0", "1e-400"]


def json_text(value) -> str:
    return batch.exact_json(value)


@st.composite
def line(draw, policy):
    """(line text, may the SQL defer it to Python)."""
    programme = draw(st.sampled_from(policy.programmes))
    specs = [catalogue.field_spec(f) for f in programme.fields]
    app = draw(strategies.for_programme(programme))
    members = {k: json_text(v) for k, v in app.items()}
    may_defer = False
    for _ in range(draw(st.integers(0, 2))):
        spec = draw(st.sampled_from(specs))
        how = draw(st.sampled_from(["bad", "bad", "exotic", "missing", "unknown", "item"]))
        if how == "missing":
            members.pop(spec["name"], None)
        elif how == "unknown":
            members[draw(st.sampled_from(["extra", "amount", "x_1"]))] = "1"
        elif how == "exotic" and spec["kind"] in ("money", "number", "int"):
            members[spec["name"]] = draw(st.sampled_from(EXOTIC))
            may_defer = True
        elif how == "item" and spec["kind"] == "list" and spec["name"] in app:
            items = [{k: json_text(v) for k, v in item.items()} for item in app[spec["name"]]]
            index = draw(st.integers(0, len(items) - 1))
            item_spec = draw(st.sampled_from(spec["items"]))
            items[index][item_spec["name"]] = draw(st.sampled_from(PLAIN_BAD[item_spec["kind"]]))
            if item_spec["kind"] in ("money", "number", "int"):
                may_defer = True  # a number inside a list is read back from DuckDB's JSON only when plain
            members[spec["name"]] = "[" + ", ".join("{" + ", ".join(f'"{k}": {v}' for k, v in item.items()) + "}"
                                                    for item in items) + "]"
        else:
            members[spec["name"]] = draw(st.sampled_from(PLAIN_BAD[spec["kind"]]))
    body = "{" + ", ".join(f'"{k}": {v}' for k, v in draw(st.permutations(list(members.items())))) + "}"
    return f'{{"programme": "{programme.id}", "application": {body}}}', may_defer


@settings(max_examples=40, deadline=None, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_sql_judges_every_field_as_python_does(policy, generated_module, con, data):
    drawn = data.draw(st.lists(line(policy), min_size=1, max_size=25))
    lines = [text for text, _ in drawn]
    judged = sql_verdicts(policy, con, lines)
    records = python_verdicts(policy, generated_module, lines)
    assert sorted(judged) == sorted(records)
    for number, (_, may_defer) in enumerate(drawn, start=1):
        assert_agree(policy, judged[number], records[number], may_defer)


def test_plain_lines_are_judged_in_sql_not_deferred(policy, generated_module, con):
    """Every valid embedded test case is judged valid by the SQL itself; the invalid ones go to Python."""
    lines = [batch.exact_json({"programme": t.programme, "application": t.application}) for t in policy.tests]
    judged = sql_verdicts(policy, con, lines)
    records = python_verdicts(policy, generated_module, lines)
    for number in records:
        assert_agree(policy, judged[number], records[number], may_defer=False)
    assert sum(j.verdict == "python" for j in judged.values()) >= 3


HOSTILE = [
    ("{bad", "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 1e400, "equipment_audit_passed": true}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": NaN, "equipment_audit_passed": true}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 1, "equipment_investment": 2, "equipment_audit_passed": true}}', "python"),
    ('{"programme": "nope", "application": {}}', "python"),
    ('{"programme": "art09_equipment", "application": []}', "python"),
    ('[1, 2]', "python"),
    # DuckDB's reader (json_valid too) accepts a trailing comma; Python's refuses the line
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 1, "equipment_audit_passed": true,}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 1, "equipment_audit_passed": true} ,}', "python"),
    ('{"programme": "art13_rural_stations", "application": {"stations": [{"village": "平岗村", "built_year": 2017, '
     '"meets_standard": true, "acceptance_passed": true, "investment": 100},\t]}}', "python"),
    # DuckDB's reader would make this 1e15 (a double): the screen sends it to Python
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 999999999999999.99, "equipment_audit_passed": true}}', "python"),
    # a double would make 1.0000000000000001 1.0: the screen (16 digits) sends it to Python
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 1.0000000000000001, "equipment_audit_passed": true}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 0.1000000000000000000000000000001, "equipment_audit_passed": true}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 1e-400, "equipment_audit_passed": true}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 0.00001, "equipment_audit_passed": true}}', "python"),
    # a DECIMAL(12,2) cast would round it to 1.23: its three places are seen
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 1.234, "equipment_audit_passed": true}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": "12", "equipment_audit_passed": true}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 12, "equipment_audit_passed": "true"}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 12}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 12, "equipment_audit_passed": true, "x": 1}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 12, "equipment_audit_passed": null}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": -0.01, "equipment_audit_passed": true}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 10000000000, "equipment_audit_passed": true}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 12, "equipment_audit_passed": true}, "x": 1}', "python"),
    ('{"programme": "art09_equipment", "programme": "art09_equipment", "application": {"equipment_investment": 12, "equipment_audit_passed": true}}', "python"),
    ('{"programme": "art13_rural_stations", "application": {"stations": [{"village": "平岗村", "built_year": 2017, '
     '"meets_standard": true, "acceptance_passed": true, "investment": 100, "investment": 100}]}}', "python"),
    ('{"programme": "art13_rural_stations", "application": {"stations": [{"village": "平岗村", "built_year": 2017, '
     '"meets_standard": true, "acceptance_passed": true, "investment": 100}, 5]}}', "python"),
    ('{"programme": "art13_rural_stations", "application": {"stations": []}}', "python"),
    ('{"programme": "art14_sales_award", "application": {"sales_channel": "C2C", "months_in_operation": 12, '
     '"annual_online_sales": 100, "sales_awards_received": null}}', "python"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 9999999999.99, "equipment_audit_passed": true}}', "valid"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 12.30, "equipment_audit_passed": true}}', "valid"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": -0, "equipment_audit_passed": true}}', "valid"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 2017.0, "equipment_audit_passed": false}}', "valid"),
    ('{"programme": "art09_equipment", "application": {"equipment_investment": 123456789.1, "equipment_audit_passed": true}}', "valid"),
    ('{"programme": "art14_sales_award", "application": {"sales_channel": "C2C", "months_in_operation": 12, '
     '"annual_online_sales": 100}}', "valid"),
    # a key inside a text value is no key: the village's text holds `"investment": 5`
    ('{"programme": "art13_rural_stations", "application": {"stations": [{"village": "\\"investment\\": 5", "built_year": 2017, '
     '"meets_standard": true, "acceptance_passed": true, "investment": 100}]}}', "valid"),
]


@pytest.mark.parametrize("text,verdict", HOSTILE)
def test_hostile_lines_never_fail_the_query(policy, generated_module, con, text, verdict):
    lines = [text, '{"programme": "art09_equipment", "application": {"equipment_investment": 100, "equipment_audit_passed": true}}']
    judged = sql_verdicts(policy, con, lines)
    records = python_verdicts(policy, generated_module, lines)
    assert judged[1].verdict == verdict
    assert judged[2].verdict == "valid"  # the run goes on
    assert_agree(policy, judged[1], records[1], may_defer=True)


def test_line_numbers_follow_evaluate_batch(policy, con):
    """Blank lines are counted and skipped; a line that is not UTF-8 or too long is left to Python."""
    ok = '{"programme": "art09_equipment", "application": {"equipment_investment": 1, "equipment_audit_passed": true}}'
    data = (ok + "\n\n  \n" + ok + "\n").encode() + b"\xff\xfe\n" + ok.encode()
    judged = list(sqlrun.judge(policy, io.BytesIO(data), con))
    assert [(j.line, j.verdict) for j in judged] == [(1, "valid"), (4, "valid"), (5, "python"), (6, "valid")]


def test_every_judged_column_is_exact(policy, con):
    """No column of the typed applications table is DOUBLE or FLOAT: numbers are DECIMAL."""
    import pyarrow as pa

    con.register("lines", pa.table({"line": pa.array([], pa.int64()), "text": pa.array([], pa.string())}))
    try:
        for p in policy.programmes:
            meta = catalogue.programme_meta(p)
            query = sql.programme_inputs_sql(meta)
            described = con.execute(f"DESCRIBE {query}").fetchall()
            types = {row[0]: row[1] for row in described}
            for spec in meta["inputs"]:
                column = types["f_" + spec["name"]]
                assert not re.search(r"DOUBLE|FLOAT|REAL", column), (p.id, spec["name"], column)
                if spec["kind"] in ("money", "number", "int"):
                    assert column == sql.dec_type(sql.field_places(spec)), (spec["name"], column)
    finally:
        con.unregister("lines")


# ---------------------------------------------------------------- results: DuckDB against the generated module
@pytest.fixture(scope="module")
def compiled(policy):
    from yeji_policy import lower

    return sqlrun.Compiled(policy, lower.lower(policy))


def run_both(policy, generated_module, compiled, con, lines: list[str], chunk: int = sqlrun.CHUNK_LINES):
    def engine(pid, application):
        return form_ui.json_as_form(form_ui.programme_fields(policy, pid),
                                    lambda d: generated_module.evaluate(pid, d))(application)

    data = "".join(line + "\n" for line in lines).encode("utf-8")
    out = io.StringIO()
    counts = sqlrun.run(compiled, sqlrun.lines_from_jsonl(io.BytesIO(data), chunk), out, "jsonl", engine, con)
    results = [json.loads(text) for text in out.getvalue().splitlines()]
    return counts, results, python_verdicts(policy, generated_module, lines)


def assert_same_results(compiled, results, records):
    """Every line once, in order; status, amount, amount_if_approved equal; for the rows SQL
    decided, the reason codes stand for the Python reasons one for one, and the same
    interpretations apply."""
    assert [r["line"] for r in results] == sorted(records)
    for r in results:
        p = records[r["line"]]
        assert (r["status"], r.get("amount"), r.get("amount_if_approved")) == \
            (p["status"], p.get("amount"), p.get("amount_if_approved")), (r, p)
        if "steps" in r or r["status"] == "invalid":  # written by the Python engine
            assert r == p
            continue
        assert r["reasons"] == compiled.codes_of(p), (r, p["reasons"])
        assert "?" not in r["reasons"]
        ids = {f"I{compiled.entries.index(e) + 1}" for e in p["interpretations"]}
        assert set(r["interpretations"]) == ids, (r, p["interpretations"])


@st.composite
def rent_window_line(draw, policy):
    """art10_park_rent claims around the first and last month of the 3-year window."""
    programme = policy.programme("art10_park_rent")
    app = draw(strategies.for_programme(programme))
    move_in = draw(st.dates(datetime.date(2016, 1, 1), datetime.date(2020, 12, 31)))
    month = move_in.year * 12 + move_in.month - 1

    def day(offset, last=False):
        m = month + offset
        y, mo = divmod(m, 12)
        first = datetime.date(y, mo + 1, 1)
        if not last:
            return first
        y2, mo2 = divmod(m + 1, 12)
        return datetime.date(y2, mo2 + 1, 1) - datetime.timedelta(days=1)

    start = draw(st.sampled_from([-2, -1, 0, 1, 34, 35, 36]))
    end = start + draw(st.sampled_from([0, 1, 2, 11]))
    app.update(move_in_date=move_in.isoformat(), claim_from=day(start).isoformat(), claim_to=day(end, True).isoformat(),
               enterprise_kind=draw(st.sampled_from(["ecommerce", "support_service"])), in_ecommerce_park=True)
    return batch.exact_json({"programme": programme.id, "application": app}), False


@settings(max_examples=30, deadline=None, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_duckdb_equals_the_generated_module_on_every_row(policy, generated_module, compiled, con, data):
    """Differential: populations over every programme — thresholds and caps ± 0.01 元, 0,
    rent-window edges, repeated villages, invalid rows — decided by DuckDB and by the module."""
    drawn = data.draw(st.lists(st.one_of(line(policy), rent_window_line(policy)), min_size=1, max_size=40))
    lines = [text for text, _ in drawn]
    counts, results, records = run_both(policy, generated_module, compiled, con, lines, chunk=16)
    assert counts["lines"] == len(lines)
    assert_same_results(compiled, results, records)


def test_embedded_cases_are_decided_in_sql(policy, generated_module, compiled, con):
    lines = [batch.exact_json({"programme": t.programme, "application": t.application}) for t in policy.tests]
    counts, results, records = run_both(policy, generated_module, compiled, con, lines)
    assert_same_results(compiled, results, records)
    invalid = sum(t.expect.status == "invalid" for t in policy.tests)
    assert counts == {"lines": len(lines), "sql": len(lines) - invalid, "python": invalid}


def test_every_programme_has_cases_decided_in_sql(policy, compiled):
    assert sorted(p.id for p in policy.programmes) == sorted(
        {t.programme for t in policy.tests if t.expect.status != "invalid"})


# ---------------------------------------------------------------- exact types
FLOATING = ("DOUBLE", "FLOAT", "REAL", "FLOAT4", "FLOAT8")


def test_no_float_anywhere_in_the_generated_sql(compiled):
    """Every cast of the generated query is to an exact type, no number is divided, no
    float literal appears, and no formatting goes through a double (format/printf)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(compiled.query, read="duckdb")
    casts = [c.to for c in tree.find_all(exp.Cast)]
    assert casts
    for to in casts:
        assert to.this.name not in FLOATING and "DOUBLE" not in to.sql("duckdb"), to.sql("duckdb")
        if to.this == exp.DataType.Type.DECIMAL:
            precision, scale = (int(e.this.this) for e in to.expressions)
            assert precision <= 38 and scale <= precision
    assert list(tree.find_all(exp.Div)) == [] and list(tree.find_all(exp.IntDiv)) == []
    for literal in tree.find_all(exp.Literal):
        assert not (literal.is_number and ("." in literal.this or "e" in literal.this.lower())), literal.sql()
    names = {f.sql_name().lower() for f in tree.find_all(exp.Func)} | \
        {f.name.lower() for f in tree.find_all(exp.Anonymous)}
    assert not names & {"format", "printf", "to_double", "pow", "power", "sqrt", "exp", "ln", "log"}


def test_result_columns_and_every_number_are_decimal(policy, compiled, con):
    """The result's money columns are DECIMAL(38,2); every numeric expression the printer
    builds is cast to DECIMAL(38, its exact scale) — DuckDB's own typeof says so."""
    import pyarrow as pa

    con.register("lines", pa.table({"line": pa.array([1], pa.int64()), "text": pa.array(["{}"])}))
    try:
        described = {row[0]: row[1] for row in con.execute(f"DESCRIBE {compiled.query}").fetchall()}
    finally:
        con.unregister("lines")
    assert described["amount"] == "DECIMAL(38,2)" and described["amount_if_approved"] == "DECIMAL(38,2)"
    assert not any(t in kind for kind in described.values() for t in FLOATING)


def _exact_operand(node) -> bool:
    """A DECIMAL cast, or whole-number arithmetic on calendar parts (months between dates)."""
    from sqlglot import exp

    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Cast):
        return node.to.this == exp.DataType.Type.DECIMAL or node.to.this == exp.DataType.Type.BIGINT
    if isinstance(node, exp.Literal):
        return node.is_int
    if isinstance(node, (exp.Year, exp.Month)):
        return True
    if isinstance(node, (exp.Greatest, exp.Least)):  # of whole month numbers only
        return all(_exact_operand(a) for a in [node.this, *node.expressions])
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul)):
        return _exact_operand(node.this) and _exact_operand(node.expression)
    return False


def test_every_arithmetic_operand_of_the_rules_is_decimal(policy):
    """In every programme's rules, each +, − and × has operands cast to DECIMAL (or whole
    numbers of months): no operand can reach DuckDB's DOUBLE (DECIMAL ÷ INTEGER, a JSON number)."""
    import sqlglot
    from sqlglot import exp

    from yeji_policy import lower, sparkrun

    seen = 0
    for pid, query in sparkrun.rules_queries(policy, lower.lower(policy)).items():
        tree = sqlglot.parse_one(query, read="duckdb")
        for node in tree.find_all(exp.Add, exp.Sub, exp.Mul):
            seen += 1
            assert _exact_operand(node.this) and _exact_operand(node.expression), (pid, node.sql("duckdb")[:200])
    assert seen > 50


# ---------------------------------------------------------------- the command line
def _population_file(policy, tmp_path):
    lines = [batch.exact_json({"programme": t.programme, "application": t.application}) for t in policy.tests]
    lines += ["{bad", "", '{"programme": "art09_equipment", "application": {"equipment_investment": 1e400, '
                           '"equipment_audit_passed": true}}']
    path = tmp_path / "population.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, lines


def test_evaluate_batch_on_duckdb_writes_every_line_in_order(policy, tmp_path):
    from click.testing import CliRunner

    from yeji_policy.cli import main

    path, lines = _population_file(policy, tmp_path)
    duck = CliRunner().invoke(main, ["evaluate", "--batch", str(path), "--engine", "duckdb"])
    python = CliRunner().invoke(main, ["evaluate", "--batch", str(path)])
    assert duck.exit_code == 0 and python.exit_code == 0, duck.output
    ours = [json.loads(t) for t in duck.stdout.splitlines() if t.startswith("{")]
    theirs = [json.loads(t) for t in python.stdout.splitlines() if t.startswith("{")]
    assert [r["line"] for r in ours] == [r["line"] for r in theirs] == [n for n, t in enumerate(lines, 1) if t.strip()]
    for a, b in zip(ours, theirs):
        assert (a["status"], a.get("amount"), a.get("amount_if_approved")) == \
            (b["status"], b.get("amount"), b.get("amount_if_approved"))
        if a["status"] == "invalid":
            assert a == b  # worded by the Python engine
    parquet = tmp_path / "r.parquet"
    result = CliRunner().invoke(main, ["evaluate", "--batch", str(path), "--engine", "duckdb", "--out", str(parquet)])
    assert result.exit_code == 0
    import pyarrow.parquet as pq

    rows = pq.read_table(parquet).to_pylist()
    assert [(r["line"], r["status"], None if r["amount"] is None else format(r["amount"], "f")) for r in rows] == \
        [(r["line"], r["status"], r.get("amount")) for r in ours]


def test_simulate_totals_equal_on_both_engines(policy, tmp_path):
    from click.testing import CliRunner

    from yeji_policy.cli import main

    path, _ = _population_file(policy, tmp_path)
    duck = CliRunner().invoke(main, ["simulate", str(path), "--json"])
    python = CliRunner().invoke(main, ["simulate", str(path), "--json", "--engine", "python"])
    assert duck.exit_code == python.exit_code == 0
    assert json.loads(duck.stdout) == json.loads(python.stdout)


def test_explain_one_line_in_chinese(policy, tmp_path):
    from click.testing import CliRunner

    from yeji_policy.cli import main

    path, lines = _population_file(policy, tmp_path)
    result = CliRunner().invoke(main, ["evaluate", "--batch", str(path), "--line", "1"])
    assert result.exit_code == 0
    assert "计算过程：" in result.stdout and f"（{policy.tests[0].programme}，" in result.stdout


def test_whitespace_only_lines_are_skipped_as_evaluate_batch_skips_them(policy, generated_module, compiled, con):
    """Lines are split by Arrow; a line is blank as batch.read_lines reads it (bytes.strip():
    ASCII whitespace only), whatever Arrow's Unicode trim would say: U+3000 or \x1c alone is
    a line Python words as bad JSON, not a blank one."""
    ok = '{"programme": "art09_equipment", "application": {"equipment_investment": 1, "equipment_audit_passed": true}}'
    lines = [ok, "\x1c", "\u3000", "\r", " \t\x0b\x0c", ok, "\u3000 \t"]
    counts, results, records = run_both(policy, generated_module, compiled, con, lines)
    assert [r["line"] for r in results] == [1, 2, 3, 6, 7] == sorted(records)
    assert counts == {"lines": 5, "sql": 2, "python": 3}
    assert_same_results(compiled, results, records)


# ---------------------------------------------------------------- several policies (issue 16, gap 3)
@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch project: the shipped policy, an amendment from 2027 and another county's policy."""
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    (tmp_path / "policies").mkdir()
    shutil.copy(root / "policies" / "yeji_ecommerce.policy", tmp_path / "policies")
    for fixture in (root / "tests" / "fixtures" / "versions").glob("*.policy"):
        shutil.copy(fixture, tmp_path / "policies")
    monkeypatch.chdir(tmp_path)
    return tmp_path


EQUIPMENT = '"equipment_investment": 123456.78, "equipment_audit_passed": true'
SEVERAL = [
    '{"programme": "art09_equipment", "application": {' + EQUIPMENT + '}}',  # no date: the newest version
    '{"programme": "art09_equipment", "application": {' + EQUIPMENT + ', "application_date": "2026-06-01"}}',
    '{"programme": "art09_equipment", "application": {' + EQUIPMENT + ', "application_date": "2027-06-01"}}',
    '{"programme": "county_delivery_points", "application": {"points": 3}}',  # another policy's programme
    '{"programme": "county_delivery_points", "application": {"points": 3, "application_date": "2030-01-01"}}',
    '{"programme": "art17_training", "application": {"trainees": 60, "training_days": 0.5, "meals_provided": true,'
    ' "hands_on_computer": false, "lodging_provided": false, "application_date": "2027-07-01"}}',  # after its end
]


def test_the_sql_engine_finds_each_programmes_policy_and_the_version_in_force(project):
    """With several policies the SQL engine needs no --policy: each programme is printed from its own
    policy (the newest version); a row with application_date is decided by the version in force on
    that day (by the Python engine), word for word as evaluate --batch decides it."""
    from click.testing import CliRunner

    from yeji_policy.cli import main

    population = project / "population.jsonl"
    population.write_text("".join(line + "\n" for line in SEVERAL), encoding="utf-8")
    python = CliRunner().invoke(main, ["evaluate", "--batch", str(population)])
    duckdb = CliRunner().invoke(main, ["evaluate", "--batch", str(population), "--engine", "duckdb"])
    assert python.exit_code == 0 and duckdb.exit_code == 0, duckdb.output
    assert "完成：6 行（SQL 计算 2 行，Python 引擎 4 行）" in duckdb.stderr
    mine = [json.loads(line) for line in duckdb.stdout.splitlines()]
    theirs = [json.loads(line) for line in python.stdout.splitlines()]
    assert [(r["status"], r.get("amount")) for r in mine] == [(r["status"], r.get("amount")) for r in theirs] == [
        ("eligible", "111111.10"), ("eligible", "98765.42"), ("eligible", "111111.10"), ("eligible", "9000.00"),
        ("invalid", None), ("invalid", None)]
    assert mine[1:3] == theirs[1:3] and mine[4:] == theirs[4:]  # written by the Python engine
    assert mine[3]["reasons"] == [] and mine[3]["programme"] == "county_delivery_points"


def test_simulate_runs_several_policies_on_duckdb_with_the_python_engines_totals(project):
    from click.testing import CliRunner

    from yeji_policy.cli import main

    population = project / "population.jsonl"
    population.write_text("".join(line + "\n" for line in SEVERAL), encoding="utf-8")
    duckdb = CliRunner().invoke(main, ["simulate", str(population), "--json"])
    python = CliRunner().invoke(main, ["simulate", str(population), "--json", "--engine", "python"])
    assert duckdb.exit_code == 0 and python.exit_code == 0, duckdb.output
    assert "改用 Python 引擎" not in duckdb.stderr
    assert json.loads(duckdb.stdout) == json.loads(python.stdout)
    sources = {s["funding_source"]: s["amount"] for s in json.loads(duckdb.stdout)["funding_sources"]}
    assert sources == {"区财政": "320987.62", "县财政": "9000.00"}


# ---------------------------------------------------------------- typed Parquet input
def typed_row(pid: str, app: dict) -> dict:
    """An application (as strategies draw it: Decimals, bools, ISO dates) as a typed Parquet row."""
    def value(v):
        if isinstance(v, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", v):
            return datetime.date.fromisoformat(v)
        if isinstance(v, int) and not isinstance(v, bool):
            return Decimal(v)
        if isinstance(v, list):
            return [{k: value(x) for k, x in item.items()} for item in v]
        return v
    return {"programme": pid, **{k: value(v) for k, v in app.items()}}


def wide(schema):
    """The typed schema with every number DECIMAL(38,10): wide enough for the values the form refuses
    (typed_schema's own DECIMAL(12,2) could not even hold 1.234), and a type the SQL must judge by range."""
    import pyarrow as pa

    def widen(t):
        if pa.types.is_decimal(t):
            return pa.decimal128(38, 10)
        if pa.types.is_list(t):
            return pa.list_(pa.struct([(f.name, widen(f.type)) for f in t.value_type]))
        return t
    return pa.schema([(f.name, widen(f.type)) for f in schema])


# Values a typed column can hold that the form refuses: judged by type and range, worded by Python.
TYPED_BAD = {"money": [Decimal("-0.01"), Decimal("1.234"), Decimal("10000000000")],
             "number": [Decimal("-5"), Decimal("0.25"), Decimal("10000000000")],
             "int": [Decimal("1.5"), Decimal("-1"), Decimal("10000000000")],
             "enum": ["nope", ""], "text": ["", "   ", "村" * 201]}


@st.composite
def typed_case(draw, policy):
    programme = draw(st.sampled_from(policy.programmes))
    specs = [catalogue.field_spec(f) for f in programme.fields]
    app = dict(draw(strategies.for_programme(programme)))
    for _ in range(draw(st.integers(0, 1))):
        spec = draw(st.sampled_from(specs))
        if draw(st.booleans()):
            app.pop(spec["name"], None)
        elif spec["kind"] in TYPED_BAD:
            app[spec["name"]] = draw(st.sampled_from(TYPED_BAD[spec["kind"]]))
    return programme.id, app


@settings(max_examples=25, deadline=None, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_typed_parquet_is_decided_as_the_same_applications_in_jsonl(policy, generated_module, compiled, con, data,
                                                                    tmp_path_factory):
    """Differential: the same applications as typed Parquet columns (SQL, judged by type and range)
    and as JSON Lines (the Python engine): the same records, line for line."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cases = data.draw(st.lists(typed_case(policy), min_size=1, max_size=30))
    path = tmp_path_factory.mktemp("typed") / "apps.parquet"
    pq.write_table(pa.Table.from_pylist([typed_row(pid, app) for pid, app in cases], schema=wide(sqlrun.typed_schema(policy))),
                   path)
    lines = [json_text({"programme": pid, "application": app}) for pid, app in cases]
    records = python_verdicts(policy, generated_module, lines)

    def engine(pid, application):
        return form_ui.json_as_form(form_ui.programme_fields(policy, pid),
                                    lambda d: generated_module.evaluate(pid, d))(application)

    out = io.StringIO()
    counts = sqlrun.run(compiled, sqlrun.parquet_source(policy, str(path), con, 7), out, "jsonl", engine, con)
    results = [json.loads(text) for text in out.getvalue().splitlines()]
    assert counts["lines"] == len(cases)
    assert_same_results(compiled, results, records)
    assert counts["sql"] == sum(r["status"] != "invalid" for r in records.values())  # every valid row decided in SQL


def test_typed_parquet_columns_must_be_exact_types(policy, tmp_path, con):
    """A binary float column is refused, never read; so are a wrong type and an unknown column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "floats.parquet"
    pq.write_table(pa.table({"programme": ["art09_equipment"], "equipment_investment": pa.array([1.5], pa.float64()),
                             "equipment_audit_passed": ["yes"], "colour": [1]}), path)
    with pytest.raises(sqlrun.TypedParquetError) as caught:
        sqlrun.parquet_source(policy, str(path), con)
    assert str(caught.value) == ("列“equipment_investment”是二进制浮点数（double），无法精确表示金额与数量：请用 DECIMAL 或整数类型；"
                                 "列“equipment_audit_passed”应为 BOOLEAN，此处为 string；列“colour”不是任何项目的输入项")
    from click.testing import CliRunner

    from yeji_policy.cli import main

    done = CliRunner().invoke(main, ["evaluate", "--batch", str(path), "--engine", "duckdb"])
    assert done.exit_code == 2 and "的列无法按类型精确读取：列“equipment_investment”是二进制浮点数" in done.stderr
    assert "Traceback" not in done.output


def test_every_typed_column_is_exact(policy, compiled, con):
    """The typed Parquet path's result columns are DECIMAL, as the JSON path's."""
    table = sqlrun.typed_schema(policy).empty_table().append_column("line", pa_int64_empty())
    con.register("lines", table)
    try:
        json_query, parquet_query = compiled.typed_queries(table.column_names)
        described = {row[0]: row[1] for row in con.execute(f"DESCRIBE {parquet_query}").fetchall()}
    finally:
        con.unregister("lines")
    assert described["amount"] == described["amount_if_approved"] == "DECIMAL(38,2)"
    assert not any(re.search(r"DOUBLE|FLOAT|REAL", t) for t in described.values()), described


def pa_int64_empty():
    import pyarrow as pa

    return pa.array([], pa.int64())


@settings(max_examples=15, deadline=None, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_simulate_on_duckdb_sums_what_the_interpreter_sums(policy, con, data):
    """Differential: simulate's totals (decided rows summed per programme and status in SQL, the rest
    one by one), counts and listed problems equal the reference interpreter's, to the cent."""
    from yeji_policy import simulate

    drawn = data.draw(st.lists(st.one_of(line(policy), rent_window_line(policy)), min_size=1, max_size=40))
    text = "".join(t + "\n" for t, _ in drawn).encode("utf-8") + b"\xff\n{bad\n"
    duck = sqlrun.simulate(policy, io.BytesIO(text), con)
    python = simulate.simulate(policy, io.BytesIO(text))
    assert duck.as_json() == python.as_json()


def test_a_typed_file_with_only_some_programmes_columns(policy, generated_module, compiled, con, tmp_path):
    """A typed file may hold one programme's columns only: a row of another programme then lacks
    its fields, and gets the Python engine's record for the same application in JSON."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "art09.parquet"
    pq.write_table(pa.table({"programme": ["art09_equipment", "art14_sales_award", "art17_training"],
                             "equipment_investment": pa.array([Decimal("123456.78"), None, None], pa.decimal128(12, 2)),
                             "equipment_audit_passed": [True, None, None]}), path)
    out = io.StringIO()
    counts = sqlrun.run(compiled, sqlrun.parquet_source(policy, str(path), con), out, "jsonl",
                        python_engine_of(policy, generated_module), con)
    results = [json.loads(text) for text in out.getvalue().splitlines()]
    records = python_verdicts(policy, generated_module, [
        '{"programme": "art09_equipment", "application": {"equipment_investment": 123456.78, "equipment_audit_passed": true}}',
        '{"programme": "art14_sales_award", "application": {}}', '{"programme": "art17_training", "application": {}}'])
    assert counts == {"lines": 3, "sql": 1, "python": 2}
    assert_same_results(compiled, results, records)


def python_engine_of(policy, generated_module):
    def engine(pid, application):
        return form_ui.json_as_form(form_ui.programme_fields(policy, pid),
                                    lambda d: generated_module.evaluate(pid, d))(application)
    return engine


def test_explain_one_typed_row_in_chinese(policy, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from click.testing import CliRunner

    from yeji_policy.cli import main

    path = tmp_path / "typed.parquet"
    pq.write_table(pa.table({"programme": ["art09_equipment"] * 2,
                             "equipment_investment": pa.array([Decimal("123456.78"), Decimal("-1")], pa.decimal128(12, 2)),
                             "equipment_audit_passed": [True, True]}), path)
    shown = CliRunner().invoke(main, ["evaluate", "--batch", str(path), "--line", "1"])
    assert shown.exit_code == 0 and "金额：98,765.42 元" in shown.output
    bad = CliRunner().invoke(main, ["evaluate", "--batch", str(path), "--line", "2"])
    assert json.loads(bad.output)["errors"] == [
        {"path": "equipment_investment", "message": "“新增软硬件设备设施购置投入”不能为负数，此处为 -1；须为不小于0、最多两位小数的金额（元）"}]


@pytest.mark.parametrize("kind", ["string", "large_string"])
def test_results_are_written_from_arrows_buffer_as_they_are(kind):
    """The JSONL results are the array's bytes as they are: a slice, chunks, 32- or 64-bit offsets."""
    import pyarrow as pa

    texts = pa.array(["{\"line\":1}\n", "{\"line\":2,\"x\":\"平\"}\n", "{\"line\":3}\n"], getattr(pa, kind)()).slice(1)
    out = io.StringIO()
    sqlrun._write_texts(out, pa.chunked_array([texts, texts]))
    assert out.getvalue() == "{\"line\":2,\"x\":\"平\"}\n{\"line\":3}\n" * 2


def test_only_the_programmes_a_chunk_names_are_compiled_into_its_query(policy, generated_module, compiled, con):
    """A chunk of one programme is judged by that programme's SQL alone, not a UNION of all; a line
    the programme search misses (a nested "programme" key first, an escaped id) is still decided,
    by Python, as evaluate --batch decides it."""
    cases = {t.programme: t for t in policy.tests if t.expect.status != "invalid"}
    first, second = sorted(cases)[:2]
    plain = batch.exact_json({"programme": first, "application": cases[first].application})
    table, _ = next(sqlrun.lines_from_jsonl(io.BytesIO((plain + "\n").encode("utf-8"))))
    assert sqlrun.present_programmes(compiled, table, typed=False) == {first}
    json_query, _ = compiled.text_queries(frozenset({first}))
    assert sql.lit(json.dumps(first)) in json_query and sql.lit(json.dumps(second)) not in json_query
    app = batch.exact_json(cases[second].application)
    nested = '{"application": ' + app[:-1] + (', ' if app != "{}" else '') + '"programme": "x"}, "programme": "' + second + '"}'
    escaped = plain.replace(f'"{first}"', '"' + "".join(f"\\u{ord(c):04x}" for c in first) + '"', 1)
    counts, results, records = run_both(policy, generated_module, compiled, con, [plain, nested, escaped])
    assert_same_results(compiled, results, records)
    assert counts == {"lines": 3, "sql": 1, "python": 2}


def test_result_json_is_concatenated_compact_json_of_safe_codes(policy, generated_module, compiled, con):
    """The JSON DuckDB concatenates is the compact JSON of the same record, byte for byte (what
    to_json wrote before), and the codes it writes unquoted-safe are letters and digits only."""
    lines = [batch.exact_json({"programme": t.programme, "application": t.application}) for t in policy.tests]
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    out = io.StringIO()
    sqlrun.run(compiled, sqlrun.lines_from_jsonl(io.BytesIO(data)), out, "jsonl",
               python_engine_of(policy, generated_module), con)
    written = [text for text in out.getvalue().splitlines() if '"steps"' not in text and '"invalid"' not in text]
    assert len(written) == sum(t.expect.status != "invalid" for t in policy.tests)
    assert any('"amount_if_approved"' in text for text in written)
    for text in written:
        assert text == json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
    assert all(re.fullmatch(r"[A-Za-z0-9]+", code) for texts in compiled.texts.values() for code in texts)
