"""The SQL backend: a population of applications as a table, judged and decided in SQL.

Two parts, both generated from the checked policy:

- **The typed applications table** (`routed_sql`, `programme_inputs_sql`): each line of
  JSON Lines (or a Parquet row of programme + application text) is parsed once into a
  struct of each field's JSON text and its keys listed once; from those, one row per
  application with every form field as a typed column and `valid`: every field plainly
  valid.  A row that is not (invalid, or a spelling the SQL does not judge — an exponent,
  a repeated key, `NaN`) goes to the Python engine, which words every problem (one source
  of wording) or, for a row that is in fact valid, decides it: nothing is ever guessed.
- **The rules** (`programme_rules_sql`): printed from the lowered IR (yeji_policy/ir.py),
  not from the model.

Every number in the generated SQL is DECIMAL; no expression is DOUBLE or FLOAT
(tests/test_sql.py checks the type of every column).  Names in the SQL are
validated identifiers and every literal goes through `lit`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .. import catalogue, ir, runtime, visitor
from ..units import exact_decimal

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Python's str.strip() removes exactly the characters for which str.isspace() holds.
_PY_SPACE = r"\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
MAX_INT_DIGITS = len(str(int(runtime.MAX_NUMBER)))  # 10: more whole digits is always too large


class SQLPrinterUnavailable(NotImplementedError):
    """The rules cannot be printed to SQL yet: the printer reads the lowered IR."""


def ident(name: str) -> str:
    """A name in SQL: only identifiers the checker accepts, always quoted."""
    if not _IDENT.fullmatch(name):
        raise ValueError(f"not an identifier: {name!r}")
    return f'"{name}"'


def lit(text: str) -> str:
    """A SQL string literal (standard quoting: ' doubled; no backslash escapes)."""
    return "'" + str(text).replace("'", "''") + "'"


def dec_type(places: int) -> str:
    """The exact type of an input with `places` decimals, up to MAX_NUMBER."""
    return f"DECIMAL({MAX_INT_DIGITS + places},{places})"


def places_of(value: str | None) -> int:
    if value is None:
        return 0
    exponent = Decimal(value).normalize().as_tuple().exponent
    return max(0, -exponent)


def field_places(spec: dict) -> int:
    if spec["kind"] == "int":
        return 0
    if spec.get("step") is not None:
        return max(places_of(spec["step"]), places_of(spec.get("minimum")))
    return 2


# ---------------------------------------------------------------- reading each line once
# A line is parsed by DuckDB once into a struct (json_transform) whose leaves are each field's
# JSON text, and its keys are listed once (json_keys): every check below reads those, never the
# line again.  DuckDB's JSON reader holds a number as a double, and a leaf prints it in its
# shortest form: exact for a number of at most 15 significant digits (12.30 → 12.3, which is
# the same value).  So a line is first screened (SUSPECT_LINE): a run of 16 digits or points,
# an exponent, NaN/Infinity (DuckDB accepts them), an escaped surrogate, a comma before a closing
# bracket (DuckDB's reader, json_valid included, accepts {"a": 1,} and [1,]; Python's does not) —
# any of these, even inside a text value, and the line goes to the Python engine whole.  A line the SQL does not
# find plainly valid also goes to Python, which words every problem: the SQL's verdict is only
# "valid" (decided here) or not (decided by Python), so the wording has one source.
SUSPECT_LINE = r"[0-9.]{16}|[0-9][eE]|NaN|Infinity|\\[uU][dD][89a-fA-F]|,\s*[\]}]"


def _leaf_spec(spec: dict):
    """The json_transform structure of one field: its JSON text, or a list of item structs."""
    if spec["kind"] == "list":
        return [{f["name"]: "JSON" for f in spec["items"]}]
    return "JSON"


def routed_sql(meta: dict, source: str = "lines") -> str:
    """SELECT over `source` (line BIGINT, text VARCHAR): the lines of one programme SQL may decide
    — a JSON object {"programme": its id, "application": {…}} that passes the screen — with app
    (a struct of each field's JSON text, NULL when absent or null), keys (the application's keys,
    repeats included) and, per list field, keys_<name> (each item's keys).  Each programme reads
    the lines that name it with its own small structure (one structure for every programme's
    fields costs twice as much); every line not selected by any programme goes to Python."""
    import json

    structure = {"programme": "JSON", "application": {s["name"]: _leaf_spec(s) for s in meta["inputs"]}}
    lists = [s["name"] for s in meta["inputs"] if s["kind"] == "list"]
    item_keys = "".join(f", try(json_keys(text, {lit('$.application.' + n + '[*]')})) AS {ident('keys_' + n)}"
                        for n in lists)
    # A programme id is an identifier: its leaf is exactly "id" (DuckDB re-writes the string);
    # a line that spells it otherwise (escaped) is not found by `contains` and goes to Python.
    quoted = lit(json.dumps(meta["id"]))
    parsed = (f"SELECT line, try(json_transform(text, {lit(json.dumps(structure, ensure_ascii=False))})) AS t,"
              f" try(json_keys(text)) AS wrapper, try(json_keys(text, '$.application')) AS keys{item_keys}"
              f" FROM {source} WHERE contains(text, {quoted}) AND NOT regexp_matches(text, {lit(SUSPECT_LINE)})")
    item_columns = "".join(f", {ident('keys_' + n)}" for n in lists)
    return (f"SELECT line, t.application AS app, keys{item_columns} FROM ({parsed})\n"
            f"WHERE t.programme = {quoted} AND len(wrapper) = 2 AND list_sort(wrapper) = ['application', 'programme']")


# ---------------------------------------------------------------- one field, from its JSON text
def _exact(value: Decimal) -> str:
    """A constant as an exact DECIMAL (a bare 0.5 would be read as DOUBLE by some engines)."""
    text = format(value, "f")
    places = len(text.partition(".")[2])
    return f"CAST({lit(text)} AS DECIMAL({max(len(text.replace('.', '')), places + 1)},{places}))"


def _number(spec: dict, leaf: str) -> tuple[str, str]:
    """(valid, value) of a numeric field from its leaf: the shortest text of a double that holds
    the number exactly (the screen let no longer number through), or a whole number as written."""
    places = field_places(spec)
    value = f"TRY_CAST({leaf} AS {dec_type(places)})"
    # its decimals: the text has no exponent and no trailing zero but in "12.0"
    decimals = f"CASE WHEN strpos({leaf}, '.') = 0 THEN 0 ELSE length(rtrim({leaf}, '0')) - strpos({leaf}, '.') END"
    checks = [f"ascii({leaf}) BETWEEN 48 AND 57",  # a digit first: a number, not negative (-0 is read as 0)
              f"NOT contains({leaf}, 'e')",  # 0.00001 prints as 1e-05: Python decides
              f"length({leaf}) <= 16", f"{decimals} <= {places}",
              f"{value} <= {_exact(runtime.MAX_NUMBER)}"]
    if spec.get("step") is not None:
        checks.append(f"{value} % {_exact(Decimal(spec['step']))} = 0")
    if spec.get("minimum") is not None:
        checks.append(f"{value} >= {_exact(Decimal(spec['minimum']))}")
    return " AND ".join(checks), value


def _leaf_string(leaf: str) -> str:
    return f"json_extract_string({leaf}, '$')"


def _field(spec: dict, leaf: str) -> tuple[str, str]:
    """(valid, value) of a non-list field whose JSON text is `leaf` (NULL: absent or null)."""
    import json

    kind = spec["kind"]
    if kind in ("money", "number", "int"):
        return _number(spec, leaf)
    if kind == "bool":
        return f"{leaf} IN ('true', 'false')", f"({leaf} = 'true')"
    if kind == "date":
        day = f"TRY_CAST(substr({leaf}, 2, 10) AS DATE)"
        return (f"length({leaf}) = 12 AND regexp_full_match({leaf}, '\"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}\"')"
                f" AND substr({leaf}, 2, 4) <> '0000' AND {day} IS NOT NULL"), day
    if kind == "enum":
        # an option is compared with its JSON text; one DuckDB would write otherwise just goes to Python
        arms = " ".join(f"WHEN {lit(json.dumps(o, ensure_ascii=False))} THEN {lit(o)}" for o, _ in spec["options"])
        value = f"CASE {leaf} {arms} END"
        return f"({value}) IS NOT NULL", value
    if kind == "text":
        string = _leaf_string(leaf)
        return (f"starts_with({leaf}, '\"') AND length({string}) <= {runtime.MAX_TEXT}"
                f" AND regexp_matches({string}, '[^{_PY_SPACE}]')"), string
    raise ValueError(f"no SQL for kind {kind}")


def _keys_valid(specs: list[dict], keys: str) -> str:
    """The keys of an object: no repeat, none unknown, every field without a default present."""
    names = "[" + ", ".join(lit(s["name"]) for s in specs) + "]"
    required = [s["name"] for s in specs if s.get("default") is None]
    checks = [f"len({keys}) = len(list_distinct({keys}))", f"list_has_all({names}, {keys})"]
    if required:
        checks.append(f"list_has_all({keys}, [{', '.join(lit(n) for n in required)}])")
    return " AND ".join(checks)


def _object(specs: list[dict], obj: str, keys: str) -> tuple[list[str], dict[str, str]]:
    """(conditions that together make the object valid, typed value SQL per field)."""
    valid, values = [_keys_valid(specs, keys)], {}
    for spec in specs:
        leaf = f"{obj}.{ident(spec['name'])}"
        if spec["kind"] == "list":
            ok, value = _list(spec, leaf, ident("keys_" + spec["name"]))
        else:
            ok, value = _field(spec, leaf)
        if spec.get("default") is not None:
            present = f"list_contains({keys}, {lit(spec['name'])})"
            ok = f"(NOT {present} OR ({ok}))"
            value = f"CASE WHEN {present} THEN {value} ELSE CAST({lit(spec['default'])} AS {dec_type(field_places(spec))}) END"
        valid.append(f"coalesce({ok}, FALSE)")
        values[spec["name"]] = value
    return valid, values


def _list(spec: dict, items: str, item_keys: str) -> tuple[str, str]:
    """(valid, value) of a list of objects: each item's struct of leaves, and its keys."""
    item_valid, item_values = _object(spec["items"], "it", f"{item_keys}[i]")
    ok = (f"len({items}) BETWEEN 1 AND {runtime.MAX_ITEMS} AND len({item_keys}) = len({items})"
          f" AND list_bool_and(list_transform({items}, lambda it, i: {' AND '.join(item_valid)}))")
    members = ", ".join(f"{ident(n)} := {v}" for n, v in item_values.items())
    return ok, f"list_transform({items}, lambda it: struct_pack({members}))"


def programme_inputs_sql(meta: dict, source: str = "lines") -> str:
    """SELECT over `source` (line BIGINT, text VARCHAR) giving, for the lines of this programme
    that routed_sql selects, line, valid (BOOLEAN: every field plainly valid; FALSE: Python
    decides the row) and one typed column f_<name> per field."""
    valid, values = _object(meta["inputs"], "app", "keys")
    columns = [f"({' AND '.join(valid)}) AS valid"] + [f"{values[s['name']]} AS {ident('f_' + s['name'])}"
                                                        for s in meta["inputs"]]
    return f"SELECT line, {', '.join(columns)}\nFROM ({routed_sql(meta, source)})"



# ---------------------------------------------------------------- typed Parquet input
# A Parquet file of typed columns needs no parsing: each field is a column named as the field
# (numbers DECIMAL or integer — never a binary float —, yes/no BOOLEAN, dates DATE, options and
# text VARCHAR, a list a LIST of STRUCT of its items' fields), beside `programme` (VARCHAR) and,
# optionally, `line` (BIGINT).  A null column is an absent field.  sqlrun.typed_problems checks
# the file's schema first; here each row is judged by type and range alone.
def _typed_field(spec: dict, column: str) -> tuple[str, str]:
    """(valid, value) of one typed column (NULL: absent)."""
    kind = spec["kind"]
    if kind in ("money", "number", "int"):
        places = field_places(spec)
        value = f"TRY_CAST({column} AS {dec_type(places)})"
        checks = [f"{column} >= 0", f"{column} <= {_exact(runtime.MAX_NUMBER)}",
                  f"{column} = round({column}, {places})", f"{value} IS NOT NULL"]
        if spec.get("step") is not None:
            checks.append(f"{value} % {_exact(Decimal(spec['step']))} = 0")
        if spec.get("minimum") is not None:
            checks.append(f"{value} >= {_exact(Decimal(spec['minimum']))}")
        return " AND ".join(checks), value
    if kind == "bool":
        return f"{column} IS NOT NULL", column
    if kind == "date":  # Python's dates run from year 1 to 9999
        return f"year({column}) BETWEEN 1 AND 9999", column
    if kind == "enum":
        return f"{column} IN ({', '.join(lit(o) for o, _ in spec['options'])})", column
    if kind == "text":
        return f"length({column}) <= {runtime.MAX_TEXT} AND regexp_matches({column}, '[^{_PY_SPACE}]')", column
    if kind == "list":
        checks, members = [], []
        for item in spec["items"]:
            ok, value = _typed_field(item, f"it.{ident(item['name'])}")
            checks.append(f"coalesce({ok}, FALSE)")
            members.append(f"{ident(item['name'])} := {value}")
        return (f"len({column}) BETWEEN 1 AND {runtime.MAX_ITEMS}"
                f" AND list_bool_and(list_transform({column}, lambda it: it IS NOT NULL AND {' AND '.join(checks)}))",
                f"list_transform({column}, lambda it: struct_pack({', '.join(members)}))")
    raise ValueError(f"no SQL for kind {kind}")


_NULL_OF = {"money": None, "number": None, "int": None, "bool": "BOOLEAN", "date": "DATE", "enum": "VARCHAR",
            "text": "VARCHAR"}


# --- dates in rules (#22): a programme that reads 申请日期 has it as an input; a date outside the
# version's period or the programme's own is an invalid application, which Python words.
def application_date_within(meta: dict, in_force: dict | None) -> str:
    """A condition on the typed row: its application_date lies in both periods ("" when it has none)."""
    if not any(spec["name"] == runtime.APPLICATION_DATE for spec in meta["inputs"]):
        return ""
    firsts = [d for d in ((in_force or {}).get("from"), (meta.get("period") or [None, None])[0]) if d]
    lasts = [d for d in ((in_force or {}).get("until"), (meta.get("period") or [None, None])[1]) if d]
    column = ident("f_" + runtime.APPLICATION_DATE)
    bounds = [f"{column} >= DATE {lit(max(firsts))}"] if firsts else []
    bounds += [f"{column} <= DATE {lit(min(lasts))}"] if lasts else []
    return "".join(f" AND {b}" for b in bounds)


def typed_inputs_sql(meta: dict, others: list[str], source: str = "lines", columns_present=None) -> str:
    """programme_inputs_sql for typed Parquet rows: over `source` (line, programme, a column per
    field), the rows of this programme with valid (every own field valid, every other column —
    `others`, another programme's fields — null) and one typed column f_<name> per field.
    columns_present: the file's columns (None: all); a field without its column is absent."""
    valid, columns = [f"{ident(o)} IS NULL" for o in others], []
    for spec in meta["inputs"]:
        column = ident(spec["name"])
        if columns_present is not None and spec["name"] not in columns_present:
            if spec["kind"] == "list":  # a list without its column: never valid, no value
                valid.append("FALSE")
                columns.append(f"NULL AS {ident('f_' + spec['name'])}")
                continue
            column = f"CAST(NULL AS {_NULL_OF[spec['kind']] or dec_type(field_places(spec))})"
        ok, value = _typed_field(spec, column)
        if spec.get("default") is not None:
            ok = f"({column} IS NULL OR ({ok}))"
            value = f"CASE WHEN {column} IS NULL THEN CAST({lit(spec['default'])} AS {dec_type(field_places(spec))}) ELSE {value} END"
        valid.append(f"coalesce({ok}, FALSE)")
        columns.append(f"{value} AS {ident('f_' + spec['name'])}")
    return (f"SELECT line, ({' AND '.join(valid) or 'TRUE'}) AS valid, {', '.join(columns)}\n"
            f"FROM {source} WHERE programme = {lit(meta['id'])}")


# ---------------------------------------------------------------- the rules, printed from the IR
# Every number is DECIMAL(38, f) with f its exact number of decimals (× adds them, ± takes
# the larger): no operation rounds, and every CASE, min and max casts its branches to one
# type first (DuckDB narrows CASE over mixed scales — FIELD-NOTES.md).  An expression
# whose worst case needs more than 38 digits is refused when printing, never truncated.
MAX_DIGITS = 38
ZERO_CODE = "ZERO"  # the amount rounds to 0.00 元 (runtime.reason_zero)


class SQLTooWide(ValueError):
    """An expression could need more digits than DECIMAL(38) holds."""


@dataclass(frozen=True)
class Num:
    sql: str
    digits: tuple[int, int]  # (integer digits, decimals): as precision.py counts them

    @property
    def type(self) -> str:
        return f"DECIMAL({MAX_DIGITS},{self.digits[1]})"


@dataclass(frozen=True)
class Val:
    sql: str
    kind: str  # bool, date, text, enum, none


@dataclass(frozen=True)
class Outcome:
    """An outcome as SQL: kind ('pay', 'partial', 'review', 'ineligible'), the certain
    amount, what pending items would add, and its reasons (a VARCHAR[] expression)."""

    kind: str
    certain: Num
    pending: Num
    reasons: str


ZERO_NUM = Num(f"CAST(0 AS DECIMAL({MAX_DIGITS},0))", (0, 0))


def num(sql_text: str, digits: tuple[int, int]) -> Num:
    if digits[0] + digits[1] > MAX_DIGITS:
        raise SQLTooWide(f"{digits[0]} + {digits[1]} digits exceed DECIMAL({MAX_DIGITS})")
    return Num(f"CAST({sql_text} AS DECIMAL({MAX_DIGITS},{digits[1]}))", digits)


def widest(*values: Num) -> tuple[int, int]:
    return max(v.digits[0] for v in values), max(v.digits[1] for v in values)


def cast_to(value: Num, digits: tuple[int, int]) -> str:
    return value.sql if value.digits[1] == digits[1] else f"CAST({value.sql} AS DECIMAL({MAX_DIGITS},{digits[1]}))"


def _compare(left, op: str, right) -> str:
    """A comparison; two numbers are compared at one DECIMAL type (Spark widens mixed
    scales its own way: one explicit type reads the same everywhere)."""
    if isinstance(left, Num) and isinstance(right, Num):
        digits = widest(left, right)
        return f"{cast_to(left, digits)} {op} {cast_to(right, digits)}"
    return f"{left.sql} {op} {right.sql}"


# --- 除法、比例与累进 (#22 ratio)
@dataclass(frozen=True)
class Ratio:
    """a ÷ b by a divisor that is not a constant: never divided in SQL (DuckDB would answer
    in DOUBLE, or round), only compared, exactly, by cross-multiplying."""

    num: Num
    den: Num

    @property
    def sql(self) -> str:
        """Anything but a comparison or a tier reads this: an amount computed from a ratio, which
        would need a division DuckDB does not do exactly.  The Python engines decide it."""
        raise SQLPrinterUnavailable(RATIO_REFUSED)

    digits = sql


RATIO_REFUSED = ("SQL 引擎不能计算以比例（除以申请人填报的数值，÷）算出的金额：它可能是无限小数，"
                 "SQL 中无法精确计算；请用 Python 引擎（--engine python）")
_REVERSED = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "=": "=", "<>": "<>"}


def _ratio_compare(ratio: Ratio, op: str, other: Num) -> str:
    """ratio op other, exactly: num op other × den where den > 0, reversed where den < 0.  The
    checker keeps a zero divisor from every row that uses the comparison; it stays defined there."""
    scaled = num(f"({other.sql} * {ratio.den.sql})",
                 (other.digits[0] + ratio.den.digits[0], other.digits[1] + ratio.den.digits[1]))
    return (f"CASE WHEN {ratio.den.sql} > 0 THEN {_compare(ratio.num, op, scaled)}"
            f" ELSE {_compare(ratio.num, _REVERSED[op], scaled)} END")


def _and(*conds: str | None) -> str:
    parts = [c for c in conds if c and c != "TRUE"]
    return "(" + " AND ".join(parts) + ")" if parts else "TRUE"


# An empty list always has its type: Spark cannot type `array()` (ARRAY<VOID>).
EMPTY = "CAST([] AS VARCHAR[])"


def _when(cond: str, codes: str) -> str:
    return codes if cond == "TRUE" else f"CASE WHEN {cond} THEN {codes} ELSE {EMPTY} END"


def _concat(lists: list[str]) -> str:
    """The lists one after another (a VARCHAR[]), typed when there are none."""
    return f"flatten([{', '.join(lists)}])" if lists else EMPTY


def _merge(branches: list[tuple[str, object]], default: object | None):
    """One value from branches (cond, value), the first whose cond holds, else default."""
    values = [v for _, v in branches] + ([default] if default is not None else [])
    first = values[0]
    if all(v == first for v in values) and default is not None:
        return first
    if isinstance(first, Num):
        digits = widest(*values)
        arms = " ".join(f"WHEN {c} THEN {cast_to(v, digits)}" for c, v in branches)
        tail = f" ELSE {cast_to(default, digits)}" if default is not None else ""
        return num(f"CASE {arms}{tail} END", digits)
    if isinstance(first, Ratio):  # (#22 ratio) a ratio set in branches: its two terms merged
        if not all(isinstance(v, Ratio) for v in values):
            return None  # defined on some branches only: nothing after them reads it
        return Ratio(_merge([(c, v.num) for c, v in branches], default.num if default else None),
                     _merge([(c, v.den) for c, v in branches], default.den if default else None))
    if isinstance(first, Outcome):
        return Outcome(_merge([(c, Val(v.kind, "text")) for c, v in branches],
                              Val(default.kind, "text") if default else Val("NULL", "text")).sql,
                       _merge([(c, v.certain) for c, v in branches], default.certain if default else ZERO_NUM),
                       _merge([(c, v.pending) for c, v in branches], default.pending if default else ZERO_NUM),
                       _merge([(c, Val(v.reasons, "list")) for c, v in branches],
                              Val(default.reasons if default else EMPTY, "list")).sql)
    arms = " ".join(f"WHEN {c} THEN {v.sql}" for c, v in branches)
    tail = f" ELSE {default.sql}" if default is not None else ""
    return Val(f"CASE {arms}{tail} END", first.kind)


class RulesPrinter(visitor.Visitor):
    """The IR of one programme as SQL over its typed table: a symbolic run of the
    statements, folding each variable into the expression that computes it (an If's
    variables become CASE) and every explanation node dropped.  Conditions met on the
    way (a failed requirement, a review, an interpretation applied, a broken form
    constraint) are collected with the path condition under which they hold."""

    def __init__(self, policy, item: str | None = None):
        self.policy = policy
        self.entries = [catalogue.interpretation_entry(i) for i in policy.interpretations]
        self.item = item  # the SQL name of the current list item, inside a ForEach
        self.env: dict[str, object] = {}
        self.pc = "TRUE"
        self.failed: list[tuple[str, str]] = []  # (condition, code SQL)
        self.reviews: list[tuple[str, str]] = []
        self.notes: list[tuple[str, str]] = []  # (condition, interpretation id)
        self.invalid: list[tuple[str, str]] = []  # (condition, path)
        self.layers: list[tuple[str, str]] = []  # (column, SQL) computed before the result
        self.result: Outcome | None = None
        self.uniques: list[tuple[str, str, str | None]] = []  # inside a ForEach: (key SQL, code, note id)
        self.reason_texts: dict[str, str] = {}  # code -> the rule's reason, for readers and tests

    # ---- codes
    def code(self, node) -> str:
        return f"R{node.at.line}"

    def note_id(self, entry: dict) -> str:
        return f"I{self.entries.index(entry) + 1}"

    def reason_code(self, reason: ir.Reason) -> str:
        code = self.code(reason)
        text = next((a.value for a in reason.args if type(a) is ir.Lit and isinstance(a.value, str)), None)
        if text is not None:
            self.reason_texts.setdefault(code, text)
        return lit(code)

    # ---- statements
    def run(self, stmts) -> None:
        for stmt in stmts:
            self.visit(stmt)

    def _drop(self, node) -> None:
        """An explanation: nothing to compute."""

    visit_Explain = visit_Step = visit_RuleMark = _drop

    def visit_Start(self, node: ir.Start) -> None:
        for entry in node.notes:
            self.notes.append(("TRUE", self.note_id(entry)))

    def visit_Note(self, node: ir.Note) -> None:
        self.notes.append((self.pc, self.note_id(node.entry)))

    def visit_Read(self, node: ir.Read) -> None:
        f = node.field
        if node.source == "item":
            column = f"{self.item}.{ident(f.name)}"
        else:
            column = ident("f_" + f.name)
        if f.kind in ("money", "number", "int"):
            spec = catalogue.field_spec(f)
            self.env[node.var] = num(column, (MAX_INT_DIGITS, field_places(spec)))
        else:
            self.env[node.var] = Val(column, f.kind)

    def visit_Compute(self, node: ir.Compute) -> None:
        self.env[node.var] = self.visit(node.expr)

    def visit_Guard(self, node: ir.Guard) -> None:
        if node.known != "values":
            raise SQLPrinterUnavailable("the policy calculator's partial rules are not printed to SQL")
        self.run(node.body)

    def visit_Constraint(self, node: ir.Constraint) -> None:
        self.invalid.append((_and(self.pc, f"NOT {self.visit(node.cond).sql}"), node.path))

    def visit_Require(self, node: ir.Require) -> None:
        self.failed.append((_and(self.pc, f"NOT {self.visit(node.cond).sql}"), self.reason_code(node.reason)))

    def visit_Review(self, node: ir.Review) -> None:
        hit = _and(self.pc, self.visit(node.cond).sql)
        self.reviews.append((hit, self.reason_code(node.reason)))
        if node.note is not None:
            self.notes.append((hit, self.note_id(node.note.entry)))

    def visit_Stop(self, node: ir.Stop) -> None:
        # after a failed requirement nothing more runs: later notes and reviews do not apply
        self.pc = _and(self.pc, *[f"NOT coalesce({c}, FALSE)" for c, _ in self.failed])

    def visit_Cap(self, node: ir.Cap) -> None:
        amount = self.visit(node.amount)  # a Var, or a Const (金额 = 20万元: the lowering keeps the figure)
        if node.limit is None:
            self.env[node.var] = amount
            return
        limit = self.visit(node.limit)
        digits = widest(amount, limit)
        self.env[node.var] = num(f"CASE WHEN {_compare(amount, '>', limit)} THEN {cast_to(limit, digits)}"
                                 f" ELSE {cast_to(amount, digits)} END", digits)

    def visit_Pay(self, node: ir.Pay) -> None:
        self.env[node.var] = Outcome(lit("pay"), self.env[node.amount.name], ZERO_NUM, EMPTY)

    def visit_SetOutcome(self, node: ir.SetOutcome) -> None:
        if type(node.value) is ir.Var:
            self.env[node.var] = self.env[node.value.name]
            return
        codes = ", ".join(self.reason_code(r) for r in node.value.reasons)
        self.env[node.var] = Outcome(lit(node.value.kind), ZERO_NUM, ZERO_NUM, f"[{codes}]" if codes else EMPTY)

    def visit_Return(self, node: ir.Return) -> None:
        self.result = self.env[node.outcome.name] if node.outcome is not None else None

    def _branches(self, arms: list[tuple[str, tuple]], otherwise: tuple | None) -> None:
        """Run each arm under its condition (the first that holds) and merge what they assign."""
        before, pc = dict(self.env), self.pc
        results = []
        taken = "TRUE"
        for cond, body in arms:
            self.env, self.pc = dict(before), _and(pc, taken, cond)
            self.run(body)
            results.append((cond, self.env))
            taken = _and(taken, f"NOT {cond}")
        rest = dict(before)
        if otherwise is not None:
            self.env, self.pc = dict(before), _and(pc, taken)
            self.run(otherwise)
            rest = self.env
        self.pc = pc
        merged = dict(before)
        for name in {n for _, env in results for n in env} | set(rest):
            if all(env.get(name) is before.get(name) for _, env in results) and rest.get(name) is before.get(name):
                continue
            branches = [(c, env[name]) for c, env in results if name in env]
            merged[name] = _merge(branches, rest.get(name))
        self.env = merged

    def visit_If(self, node: ir.If) -> None:
        self._branches([(self.visit(node.cond).sql, node.then)], node.otherwise)

    def visit_Choose(self, node: ir.Choose) -> None:
        subject = self.visit(node.subject).sql
        self._branches([(f"({subject} = {lit(arm.option)})", arm.body) for arm in node.arms], None)

    def visit_FirstOf(self, node: ir.FirstOf) -> None:
        arms = []
        for case in node.cases:
            self.run(case.setup)  # pure computations: evaluated for every row, used where the case is tried
            arms.append((self.visit(case.cond).sql if case.cond is not None else "TRUE", case.body))
        self._branches(arms, None)

    def visit_ForEach(self, node: ir.ForEach) -> None:
        items = self.env.get(node.field.name) or Val(ident("f_" + node.field.name), "list")
        inner = RulesPrinter(self.policy, item="it")
        inner.env = dict(self.env)
        inner.entries = self.entries
        inner.run(node.rules)
        rule_notes = len(inner.notes)  # noted for every item judged; the amount's only for an item that counts
        qualifies = _and(*[f"NOT coalesce({c}, FALSE)" for c, _ in inner.failed])
        inner.run(node.checks)
        keys = [key for key, _, _ in inner.uniques]
        inner.pc = "TRUE"
        inner.run(node.amount)
        outcome = inner.env[node.inner]
        members = {"q": qualifies, "amt": cast_to(outcome.certain, outcome.certain.digits),
                   "failed": _concat([_when(c, f"[{code}]") for c, code in inner.failed]),
                   "hit": "(" + " OR ".join(f"coalesce({c}, FALSE)" for c, _ in inner.reviews) + ")" if inner.reviews else "FALSE",
                   "reviews": _concat([_when(c, f"[{code}]") for c, code in inner.reviews])}
        for n, key in enumerate(keys):
            members[f"k{n}"] = key
        notes = {f"n{n}": cond for n, (cond, _) in enumerate(inner.notes)}
        members.update(notes)
        self.reason_texts.update(inner.reason_texts)
        evaluated = f"__items_{node.var}"
        self.layers.append((evaluated, f"list_transform({items.sql}, lambda it: struct_pack("
                                       + ", ".join(f"{k} := {v}" for k, v in members.items()) + "))"))
        ev = ident(evaluated)
        # Items are paired with the items before them by index comparisons only (x, j with
        # j < i), never by subscript or by the index's value: DuckDB counts from 1, Spark
        # from 0, and both read this the same.  The item's number (for codes) is the
        # count of items before it.
        dups = [f"(e.q AND array_length(list_filter({ev}, lambda x, j: j < i AND x.q AND x.k{n} = e.k{n})) > 0)"
                for n in range(len(keys))]
        position = f"array_length(list_filter({ev}, lambda x, j: j < i))::VARCHAR"
        unique_codes = [code for _, code, _ in inner.uniques]
        flags = (f"list_transform({ev}, lambda e, i: struct_pack(q := e.q, amt := e.amt,"
                 f" rev := e.q AND (e.hit OR {' OR '.join(dups) if dups else 'FALSE'}),"
                 f" failed := list_transform(e.failed, lambda c: c || '@' || {position}),"
                 f" reviews := list_transform(flatten([e.reviews, "
                 + ", ".join(f"CASE WHEN {d} THEN [{c}] ELSE {EMPTY} END" for d, c in zip(dups, unique_codes))
                 + f"]), lambda c: c || '@' || {position})"
                 + "".join(f", dup{n} := {d}" for n, d in enumerate(dups))
                 + "".join(f", n{n} := e.n{n}" for n in range(len(notes)))
                 + "))")
        flagged = f"__flags_{node.var}"
        self.layers.append((flagged, flags))
        fl = ident(flagged)
        digits = (outcome.certain.digits[0] + len(str(runtime.MAX_ITEMS)), outcome.certain.digits[1])
        zero = f"CAST(0 AS DECIMAL({MAX_DIGITS},{digits[1]}))"
        counted = num(f"coalesce(list_sum(list_transform({fl}, lambda f: CASE WHEN f.q AND NOT f.rev THEN f.amt ELSE {zero} END)), {zero})", digits)
        pending = num(f"coalesce(list_sum(list_transform({fl}, lambda f: CASE WHEN f.rev THEN f.amt ELSE {zero} END)), {zero})", digits)
        partial = f"coalesce(list_bool_or(list_transform({fl}, lambda f: f.rev)), FALSE)"
        self.env[node.var] = Outcome(f"CASE WHEN {partial} THEN 'partial' ELSE 'pay' END", counted, pending,
                                     f"CASE WHEN {partial} THEN flatten(list_transform({fl}, lambda f: f.reviews))"
                                     f" ELSE flatten(list_transform({fl}, lambda f: f.failed)) END")
        for n, (_, note) in enumerate(inner.notes):
            counts = "" if n < rule_notes else "f.q AND "
            self.notes.append((_and(self.pc, f"coalesce(list_bool_or(list_transform({fl}, lambda f: {counts}f.n{n})), FALSE)"), note))
        for n, (_, _, note) in enumerate(inner.uniques):
            if note is not None:
                self.notes.append((_and(self.pc, f"coalesce(list_bool_or(list_transform({fl}, lambda f: f.dup{n})), FALSE)"),
                                   note))

    # --- caps on sums (#22) ---
    def visit_TotalCap(self, node: ir.TotalCap) -> None:
        """合计最高不超过: the certain amount at most the limit, pending the rest of the limit,
        once the sum (pending included) is above it; as the Python printer does."""
        total = self.env[node.total.name]
        limit = self.visit(node.limit)
        if node.note is not None:
            self.notes.append((self.pc, self.note_id(node.note.entry)))
        digits = widest(total.certain, total.pending, limit)
        digits = (digits[0] + 1, digits[1])
        certain, pending, top = (cast_to(v, digits) for v in (total.certain, total.pending, limit))
        capped = f"(({certain} + {pending}) > {top})"
        kept = f"CASE WHEN {certain} <= {top} THEN {certain} ELSE {top} END"
        self.env[node.var] = Outcome(total.kind, num(f"CASE WHEN {capped} THEN {kept} ELSE {certain} END", digits),
                                     num(f"CASE WHEN {capped} THEN {top} - ({kept}) ELSE {pending} END", digits),
                                     total.reasons)

    def visit_Unique(self, node: ir.Unique) -> None:
        """Inside a ForEach: the key's SQL over the item, its code and its interpretation id."""
        code = self.code(node)
        self.reason_texts.setdefault(code, node.reason)
        self.uniques.append((self.visit(node.key).sql, lit(code), self.note_id(node.note.entry) if node.note else None))

    # ---- expressions
    def visit_Const(self, node: ir.Const):
        value = node.value
        if isinstance(value, bool):
            return Val("TRUE" if value else "FALSE", "bool")
        if isinstance(value, Decimal):
            return self._decimal(value)
        if value is None:
            return Val("NULL", "none")
        if isinstance(value, datetime.date):  # a date in a rule (#22)
            return Val(f"DATE {lit(value.isoformat())}", "date")
        return Val(lit(value), "enum")

    def visit_Var(self, node: ir.Var):
        return self.env[node.name]

    def visit_Arith(self, node: ir.Arith) -> Num:
        left, right = self.visit(node.left), self.visit(node.right)
        if node.op == "÷":  # (#22 ratio) by a constant: times its reciprocal, a finite decimal
            if not isinstance(node.right, ir.Const):
                return Ratio(left, right)
            right = self._decimal(exact_decimal(1 / Fraction(node.right.value)))
        if node.op in ("×", "÷"):
            digits = (left.digits[0] + right.digits[0], left.digits[1] + right.digits[1])
            return num(f"({left.sql} * {right.sql})", digits)
        digits = widest(left, right)
        digits = (digits[0] + 1, digits[1])
        return num(f"({cast_to(left, digits)} {'+' if node.op == '+' else '-'} {cast_to(right, digits)})", digits)

    def visit_Compare(self, node: ir.Compare) -> Val:
        op = {"=": "=", "!=": "<>"}.get(node.op, node.op)
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(left, Ratio):
            return Val(f"({_ratio_compare(left, op, right)})", "bool")
        if isinstance(right, Ratio):
            return Val(f"({_ratio_compare(right, _REVERSED[op], left)})", "bool")
        return Val(f"({_compare(left, op, right)})", "bool")

    def visit_Logic(self, node: ir.Logic) -> Val:
        op = "AND" if node.op == "且" else "OR"
        return Val(f"({self.visit(node.left).sql} {op} {self.visit(node.right).sql})", "bool")

    def visit_Not(self, node: ir.Not) -> Val:
        return Val(f"(NOT {self.visit(node.operand).sql})", "bool")

    def visit_Member(self, node: ir.Member) -> Val:
        return Val(f"({self.visit(node.operand).sql} IN ({', '.join(lit(v) for v in node.values)}))", "bool")

    def visit_Call(self, node: ir.Call):
        args = [self.visit(a) for a in node.args]
        if node.func in ("min", "max"):
            a, b = args
            digits = widest(a, b)
            op = "<=" if node.func == "min" else ">="
            return num(f"CASE WHEN {_compare(a, op, b)} THEN {cast_to(a, digits)} ELSE {cast_to(b, digits)} END", digits)
        if node.func == "sum_of":  # 令 x = 逐项 … (#22): the ForEach's certain amount
            return args[0].certain
        if node.func == "round_cents":
            (a,) = args
            return num(f"round({a.sql}, 2)", (a.digits[0] + 1, 2))
        if node.func == "add":
            a, b = args
            digits = widest(a, b)
            return num(f"({cast_to(a, digits)} + {cast_to(b, digits)})", (digits[0] + 1, digits[1]))

        def month(d: Val) -> str:
            return f"(year({d.sql}) * 12 + month({d.sql}) - 1)"

        if node.func == "months":
            a, b = args
            return num(f"greatest(0, {month(b)} - {month(a)} + 1)", (6, 0))
        if node.func == "overlap_months":
            start, end, window, length = args
            first = f"greatest({month(start)}, {month(window)})"
            last = f"least({month(end)}, {month(window)} + CAST({length.sql} AS BIGINT) - 1)"
            return num(f"greatest(0, {last} - {first} + 1)", (6, 0))
        if node.func in ("days", "year", "full_months", "full_days", "year_index"):
            return self._date_call(node.func, args)
        raise SQLPrinterUnavailable(f"no SQL for the built-in {node.func}")

    def visit_TierSelect(self, node: ir.TierSelect) -> Num:
        subject = self.visit(node.subject)
        awards = [self._decimal(r.award) for r in node.rows] + [ZERO_NUM]
        digits = widest(*awards)
        reaches = _ratio_compare if isinstance(subject, Ratio) else _compare
        arms = " ".join(f"WHEN {reaches(subject, '>=', self._decimal(r.threshold))} THEN {cast_to(award, digits)}"
                        for r, award in reversed(list(zip(node.rows, awards))))
        return num(f"CASE {arms} ELSE {cast_to(ZERO_NUM, digits)} END", digits)

    # --- dates in rules (#22): runtime.add_months is DuckDB's date + months (both take the month's
    # last day where it has no such day; a date past 9999 compares later than any input, as the
    # runtime's "not complete").
    @staticmethod
    def _date_call(func: str, args):
        def after(start: Val, months: str) -> str:
            return f"CAST({start.sql} + to_months(CAST({months} AS INTEGER)) AS DATE)"

        if func == "days":
            a, b = args
            return num(f"greatest(0, datediff('day', {a.sql}, {b.sql}) + 1)", (7, 0))
        if func == "year":
            return num(f"year({args[0].sql})", (4, 0))
        if func == "full_months":
            start, end, length = args
            return Val(f"({end.sql} >= {after(start, length.sql)})", "bool")
        if func == "full_days":
            start, end, length = args
            return Val(f"({end.sql} >= CAST({start.sql} + to_days(CAST({length.sql} AS INTEGER)) AS DATE))", "bool")
        start, day = args  # year_index
        years = f"(year({day.sql}) - year({start.sql}))"
        return num(f"CASE WHEN {day.sql} < {start.sql} THEN 0 WHEN {after(start, '12 * ' + years)} > {day.sql} "
                   f"THEN {years} ELSE {years} + 1 END", (5, 0))

    @staticmethod
    def _decimal(value: Decimal) -> Num:
        from .. import precision

        return num(lit(format(value, "f")), precision.of_value(value))


def programme_rules_sql(policy, programme: ir.Programme, typed: str) -> tuple[str, dict[str, str]]:
    """SELECT over `typed` (a programme's judged table: line and its f_ columns) giving
    line, status, amount, amount_if_approved (DECIMAL(38,2)), reasons (codes),
    interpretations (ids) and errors (the form constraints' paths: the row is invalid).
    Also returns what each reason code stands for (the rule's reason as written)."""
    printer = RulesPrinter(policy)
    printer.run(programme.constraints)
    printer.run(programme.rules)
    out = printer.result
    if out is None:
        raise SQLPrinterUnavailable(f"{programme.id}: the rules return no outcome")
    failed = "(" + " OR ".join(f"coalesce({c}, FALSE)" for c, _ in printer.failed) + ")" if printer.failed else "FALSE"
    reviewed = "(" + " OR ".join(f"coalesce({c}, FALSE)" for c, _ in printer.reviews) + ")" if printer.reviews else "FALSE"
    invalid = "(" + " OR ".join(f"coalesce({c}, FALSE)" for c, _ in printer.invalid) + ")" if printer.invalid else "FALSE"
    failed_codes = _concat([_when(c, f"[{code}]") for c, code in printer.failed])
    review_codes = _concat([_when(c, f"[{code}]") for c, code in printer.reviews])
    certain = f"round({out.certain.sql}, 2)"
    total = f"round({cast_to(out.certain, widest(out.certain, out.pending))} + {cast_to(out.pending, widest(out.certain, out.pending))}, 2)"
    money = f"DECIMAL({MAX_DIGITS},2)"
    status = (f"CASE WHEN {invalid} THEN 'invalid' WHEN {failed} THEN 'ineligible' WHEN o_kind = 'ineligible' THEN 'ineligible'"
              f" WHEN o_kind IN ('review', 'partial') THEN 'review' WHEN {certain} <= CAST(0 AS DECIMAL({MAX_DIGITS},2)) THEN 'ineligible'"
              f" WHEN {reviewed} THEN 'review' ELSE 'eligible' END")
    notes = sorted({(int(n[1:]), n) for _, n in printer.notes})
    note_list = "[" + ", ".join(_notes_case(printer.notes, n) for _, n in notes) + "]"
    select = (
        f"SELECT line, status,\n"
        f"  CAST(CASE WHEN status = 'eligible' OR (status = 'review' AND o_kind = 'partial') THEN {certain} ELSE 0 END AS {money}) AS amount,\n"
        f"  CAST(CASE WHEN status = 'review' AND o_kind = 'partial' THEN {total}"
        f" WHEN status = 'review' AND o_kind = 'pay' THEN {certain} END AS {money}) AS amount_if_approved,\n"
        f"  CASE WHEN status = 'invalid' THEN {EMPTY} WHEN {failed} THEN {failed_codes}"
        f" WHEN o_kind IN ('ineligible', 'review', 'partial') THEN flatten([{review_codes}, o_reasons])"
        f" WHEN {certain} <= CAST(0 AS DECIMAL({MAX_DIGITS},2)) THEN flatten([o_reasons, [{lit(ZERO_CODE)}]])"
        f" ELSE {review_codes} END AS reasons,\n"
        f"  list_filter({note_list}, lambda n: n IS NOT NULL) AS interpretations,\n"
        f"  CASE WHEN status = 'invalid' THEN " + _concat([_when(c, f"[{lit(p)}]") for c, p in printer.invalid])
        + f" ELSE {EMPTY} END AS errors\n"
        f"FROM (SELECT *, {status} AS status FROM (SELECT *, {out.kind} AS o_kind, {out.reasons} AS o_reasons FROM {_layered(typed, printer.layers)}))")
    return select, dict(printer.reason_texts)


def _notes_case(notes: list[tuple[str, str]], note: str) -> str:
    conds = [c for c, n in notes if n == note]
    if "TRUE" in conds:
        return lit(note)
    return f"CASE WHEN {' OR '.join(f'coalesce({c}, FALSE)' for c in conds)} THEN {lit(note)} END"


def _layered(source: str, layers: list[tuple[str, str]]) -> str:
    sql_text = source
    for column, expr in layers:
        sql_text = f"(SELECT *, {expr} AS {ident(column)} FROM {sql_text})"
    return sql_text
