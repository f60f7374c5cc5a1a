"""The SQL backend: a population of applications as a table, judged and decided in SQL.

Two parts, both generated from the checked policy:

- **The typed applications table** (`programme_inputs_sql`): from the raw text of
  each JSON Lines record (or a Parquet row of programme + application text), one
  row per application with every form field as a typed column, judged *from the
  number's raw text before any cast* (DuckDB reads JSON numbers as DOUBLE, and a
  cast to DECIMAL(12,2) rounds silently — see FIELD-NOTES.md).  Each field is
  ok, bad (the path is listed) or unsure (a spelling the SQL does not judge —
  an exponent, a repeated key, `NaN` — which the Python engine then decides, so
  nothing is ever guessed).  A row is `valid` only when every field is ok;
  everything else goes to the Python engine, which words the problems
  (one source of wording) or, for an unsure row that is in fact valid, decides it.
- **The rules** (`programme_rules_sql`): printed from the lowered IR (yeji_policy/ir.py),
  not from the model.  Until the IR exists this raises `SQLPrinterUnavailable`.

Every number in the generated SQL is DECIMAL; no expression is DOUBLE or FLOAT
(tests/test_sql.py checks the type of every column).  Names in the SQL are
validated identifiers and every literal goes through `lit`.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .. import runtime

# The states of one field (and of a row): judged in SQL, or left to Python.
OK, BAD, UNSURE = 0, 1, 2

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Python's str.strip() removes exactly the characters for which str.isspace() holds.
_PY_SPACE = r"\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
NUMBER_TYPES = ("BIGINT", "UBIGINT", "DOUBLE", "HUGEINT")
MAX_INT_DIGITS = len(str(int(runtime.MAX_NUMBER)))  # 10: more whole digits is always too large
# A line DuckDB's JSON reader would take differently from Python's: NaN/Infinity
# (DuckDB accepts them), and an escaped surrogate. Such lines go to Python whole.
SUSPECT_LINE = r"NaN|Infinity|\\[uU][dD][89a-fA-F]"


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


def _key_pattern(name: str) -> str:
    # A key as written at the start of an object member: a `"` inside a JSON string is
    # escaped (\"), so text values can never match.  The token runs to the next delimiter.
    return lit(r'[{,]\s*"' + name + r'"\s*:\s*([^,}\]\s]*)')


# ---------------------------------------------------------------- one field
def _number(spec: dict, json_type: str, raw_all: str, path_ok_for_raw: bool) -> tuple[str, str]:
    """(state, value) SQL of a numeric field; raw_all is the list of raw tokens of its key."""
    kind = spec["kind"]
    step, minimum = spec.get("step"), spec.get("minimum")
    places = field_places(spec)
    parts = f"regexp_extract({raw_all}[1], '^(-?)(0|[1-9][0-9]*)(?:\\.([0-9]+))?$', ['s', 'i', 'f'])"
    # parts.s: sign, parts.i: whole digits (empty: not a plain decimal), parts.f: fraction
    frac = f"rtrim({parts}.f, '0')"
    text = f"({parts}.i || CASE WHEN {frac} <> '' THEN '.' || {frac} ELSE '' END)"
    value = f"TRY_CAST({text} AS {dec_type(places)})"
    checks = [
        f"WHEN {json_type} NOT IN ({', '.join(map(lit, NUMBER_TYPES))}) THEN {BAD}",
        f"WHEN len({raw_all}) <> 1 THEN {UNSURE}" if path_ok_for_raw else f"WHEN TRUE THEN {UNSURE}",
        f"WHEN {parts}.i = '' THEN {UNSURE}",  # an exponent: Python decides
        f"WHEN {parts}.s = '-' AND ({parts}.i <> '0' OR {frac} <> '') THEN {BAD}",
        f"WHEN length({parts}.i) > {MAX_INT_DIGITS} THEN {BAD}",
        f"WHEN length({frac}) > {places} THEN {BAD}",
        f"WHEN {value} > {runtime.MAX_NUMBER} THEN {BAD}",
    ]
    if step is not None:
        checks.append(f"WHEN {value} % {step} <> 0 THEN {BAD}")
    if minimum is not None:
        checks.append(f"WHEN {value} < {minimum} THEN {BAD}")
    return "CASE " + " ".join(checks) + f" ELSE {OK} END", value


def _scalar(spec: dict, obj: str, raw_all: str | None) -> tuple[str, str]:
    """(state, value) of a non-list field of the JSON object `obj` (present)."""
    path = lit(f"$.{spec['name']}")
    json_type = f"json_type({obj}, {path})"
    string = f"json_extract_string({obj}, {path})"
    kind = spec["kind"]
    if kind in ("money", "number", "int"):
        return _number(spec, json_type, raw_all or "[]", raw_all is not None)
    if kind == "bool":
        return f"CASE WHEN {json_type} = 'BOOLEAN' THEN {OK} ELSE {BAD} END", f"TRY_CAST({string} AS BOOLEAN)"
    if kind == "date":
        ok = (f"{json_type} = 'VARCHAR' AND regexp_full_match({string}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')"
              f" AND NOT starts_with({string}, '0000') AND TRY_CAST({string} AS DATE) IS NOT NULL")
        return f"CASE WHEN {ok} THEN {OK} ELSE {BAD} END", f"TRY_CAST({string} AS DATE)"
    if kind == "enum":
        options = ", ".join(lit(o) for o, _ in spec["options"])
        return f"CASE WHEN {json_type} = 'VARCHAR' AND {string} IN ({options}) THEN {OK} ELSE {BAD} END", string
    if kind == "text":
        ok = (f"{json_type} = 'VARCHAR' AND length({string}) <= {runtime.MAX_TEXT}"
              f" AND regexp_matches({string}, '[^{_PY_SPACE}]')")
        return f"CASE WHEN {ok} THEN {OK} ELSE {BAD} END", string
    raise ValueError(f"no scalar SQL for kind {kind}")


def _unknown_keys(keys: str, names: list[str]) -> str:
    known = "[" + ", ".join(lit(n) for n in names) + "]"
    return f"list_filter({keys}, lambda k: NOT list_contains({known}, k))"


def _object_state(specs: list[dict], obj: str, prefix: str, raw_of, own_path: str = "''") -> tuple[str, str, dict[str, str]]:
    """(state, paths, values) of a JSON object against its fields.  prefix: SQL text of
    the path prefix ('' at the top, 'stations[0].' for an item); raw_of(name) gives
    the raw tokens' SQL of a numeric key, or None when they cannot be told apart."""
    keys = f"json_keys({obj})"
    unknown = _unknown_keys(keys, [s["name"] for s in specs])
    states, paths, values = [], [], {}
    for spec in specs:
        name = spec["name"]
        present = f"list_contains({keys}, {lit(name)})"
        missing = OK if spec.get("default") is not None else BAD
        if spec["kind"] == "list":
            state, value = _list(spec, obj, prefix)
        else:
            state, value = _scalar(spec, obj, raw_of(name))
        if spec.get("default") is not None:
            value = f"CASE WHEN {present} THEN {value} ELSE {spec['default']}::{dec_type(field_places(spec))} END"
        field_state = f"CASE WHEN NOT {present} THEN {missing} ELSE {state} END"
        states.append(field_state)
        values[name] = value
        path = f"{prefix} || {lit(name)}" if prefix else lit(name)
        if spec["kind"] == "list":
            # a list's own problem is its path; its items' problems carry their own paths
            paths.append(f"CASE WHEN {field_state} = {BAD} AND NOT ({_list_items_bad(spec, obj)}) THEN [{path}]"
                         f" WHEN {field_state} = {BAD} THEN {_list_item_paths(spec, obj, prefix)} ELSE [] END")
        else:
            paths.append(f"CASE WHEN {field_state} = {BAD} THEN [{path}] ELSE [] END")
    unknown_paths = (f"list_transform({unknown}, lambda k: {prefix} || k)" if prefix else unknown)
    object_state = (f"CASE WHEN json_type({obj}) <> 'OBJECT' THEN {BAD}"
                    f" WHEN len({keys}) <> len(list_distinct({keys})) THEN {UNSURE}"
                    f" WHEN list_bool_or(list_transform({unknown}, lambda k: length(k) > 40 OR NOT regexp_full_match(k, '[ -~]*'))) THEN {UNSURE}"
                    f" ELSE greatest({', '.join(states)}, CASE WHEN len({unknown}) > 0 THEN {BAD} ELSE {OK} END) END")
    all_paths = f"flatten([{', '.join(paths)}, {unknown_paths}])" if paths else unknown_paths
    all_paths = f"CASE WHEN json_type({obj}) <> 'OBJECT' THEN [{own_path}] ELSE {all_paths} END"
    return object_state, all_paths, values


def _items(spec: dict, obj: str) -> str:
    return f"TRY_CAST(json_extract({obj}, {lit('$.' + spec['name'])}) AS JSON[])"


def _item_state(spec: dict, item: str, index: str, obj: str) -> tuple[str, str, dict[str, str]]:
    # Inside a list the raw tokens of a key cannot be paired with their items: a number
    # is read back from DuckDB's JSON, which prints a plain decimal of at most 12
    # digits unchanged (trailing zeros aside) — and programme_inputs_sql leaves the
    # row to Python unless every numeric token of that key in the line is such a decimal.
    own = f"{lit(spec['name'] + '[')} || ({index})::VARCHAR || ']'"
    return _object_state(spec["items"], item, f"{own} || '.'",
                         lambda name: f"[json_extract({item}, {lit('$.' + name)})::VARCHAR]", own)


def _list(spec: dict, obj: str, prefix: str) -> tuple[str, str]:
    json_type = f"json_type({obj}, {lit('$.' + spec['name'])})"
    items = _items(spec, obj)
    item_state, _, _ = _item_state(spec, "it", "i - 1", obj)
    state = (f"CASE WHEN {json_type} <> 'ARRAY' THEN {BAD}"
             f" WHEN len({items}) = 0 OR len({items}) > {runtime.MAX_ITEMS} THEN {BAD}"
             f" ELSE list_max(list_transform({items}, lambda it, i: {item_state})) END")
    return state, items


def _list_items_bad(spec: dict, obj: str) -> str:
    json_type = f"json_type({obj}, {lit('$.' + spec['name'])})"
    items = _items(spec, obj)
    return f"coalesce({json_type} = 'ARRAY' AND len({items}) BETWEEN 1 AND {runtime.MAX_ITEMS}, FALSE)"


def _list_item_paths(spec: dict, obj: str, prefix: str) -> str:
    items = _items(spec, obj)
    _, item_paths, _ = _item_state(spec, "it", "i - 1", obj)
    return f"flatten(list_transform({items}, lambda it, i: {item_paths}))"


# ---------------------------------------------------------------- one programme
def programme_inputs_sql(meta: dict, source: str = "routed") -> str:
    """SELECT over `source` (line BIGINT, programme VARCHAR, text VARCHAR, app JSON) giving
    line, state (OK / BAD / UNSURE), error_paths (VARCHAR[]) and one typed column per field."""
    specs = meta["inputs"]
    flat = all(s["kind"] != "list" for s in specs)

    def raw_of(name):
        return f"regexp_extract_all(text, {_key_pattern(name)}, 1)" if flat else None

    state, paths, values = _object_state(specs, "app", "", raw_of)
    if not flat:
        # numeric item fields are read from DuckDB's JSON: only when every token of their key is plain
        numeric = [f for s in specs if s["kind"] == "list" for f in s["items"] if f["kind"] in ("money", "number", "int")]
        plain = {f["name"]: ("(0|[1-9][0-9]{0,9})" if f["kind"] == "int" or field_places(f) == 0
                             else f"(0|[1-9][0-9]{{0,9}})(\\.[0-9]{{1,{field_places(f)}}})?") for f in numeric}
        guards = [f"coalesce(list_bool_and(list_transform(list_filter(regexp_extract_all(text, {_key_pattern(n)}, 1),"
                  f" lambda t: regexp_matches(t, '^[-0-9]')), lambda t: regexp_full_match(t, {lit(p)}))), TRUE)"
                  for n, p in plain.items()]
        top_numeric = [s for s in specs if s["kind"] in ("money", "number", "int")]
        if top_numeric:
            raise ValueError("a list programme with numeric top-level fields: not judged in SQL yet")
        if guards:
            state = f"CASE WHEN NOT ({' AND '.join(guards)}) THEN {UNSURE} ELSE {state} END"
    columns = [f"({state}) AS state", f"({paths}) AS error_paths"]
    for spec in specs:
        value = values[spec["name"]]
        if spec["kind"] == "list":
            value = _list_value(spec, value)
        columns.append(f"{value} AS {ident('f_' + spec['name'])}")
    return (f"SELECT line, {', '.join(columns)}\nFROM {source} WHERE programme = {lit(meta['id'])}")


def _list_value(spec: dict, items: str) -> str:
    """A list field as a list of typed structs (NULL-safe: only read on valid rows)."""
    members = []
    for f in spec["items"]:
        path = lit("$." + f["name"])
        string = f"json_extract_string(it, {path})"
        if f["kind"] in ("money", "number", "int"):
            value = f"TRY_CAST({string} AS {dec_type(field_places(f))})"
        elif f["kind"] == "bool":
            value = f"TRY_CAST({string} AS BOOLEAN)"
        elif f["kind"] == "date":
            value = f"TRY_CAST({string} AS DATE)"
        else:
            value = string
        members.append(f"{ident(f['name'])} := {value}")
    return f"list_transform({items}, lambda it: struct_pack({', '.join(members)}))"


def routed_sql(programme_ids: list[str], source: str = "lines") -> str:
    """SELECT over `source` (line BIGINT, text VARCHAR): the records whose wrapper SQL
    can read — a JSON object {"programme": one of the ids, "application": {…}} — with
    programme and app (JSON); every other line is left to Python (not selected)."""
    ids = ", ".join(lit(p) for p in programme_ids)
    readable = (f"json_valid(text) AND NOT regexp_matches(text, {lit(SUSPECT_LINE)})")
    wrapper = ("json_type(text) = 'OBJECT' AND list_sort(json_keys(text)) = ['application', 'programme']"
               " AND json_type(text, '$.programme') = 'VARCHAR' AND json_type(text, '$.application') = 'OBJECT'")
    return (f"SELECT line, text, json_extract_string(text, '$.programme') AS programme,"
            f" json_extract(text, '$.application') AS app\n"
            f"FROM (SELECT line, text, CASE WHEN {readable} THEN ({wrapper}) ELSE FALSE END AS ok FROM {source})\n"
            f"WHERE ok AND json_extract_string(text, '$.programme') IN ({ids})")


def programme_rules_sql(ir_programme) -> str:
    """The rules of one programme as a SELECT over its typed table — printed from the IR."""
    raise SQLPrinterUnavailable("the SQL printer reads the lowered IR (yeji_policy/ir.py), which is not merged yet")
