"""Running the SQL backend on DuckDB, in process: populations from JSON Lines or Parquet.

The input is read in chunks of lines (numbered as `evaluate --batch` numbers them,
blank lines counted, never held whole); each chunk becomes a DuckDB table
`lines (line, text)`, the generated SQL (backends/sql.py) turns it into typed,
judged rows per programme, and:

- a row the SQL judges valid is decided by the rules' SQL (printed from the IR);
- any other row — invalid, unreadable, or a spelling the SQL leaves to Python —
  is decided by the generated Python module, which words every problem exactly
  as `evaluate --batch` does (one source of wording).

DuckDB runs with a memory limit and a spill directory, so a population larger
than memory is bounded by disk, not RAM.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from typing import IO, Iterator

from . import batch, catalogue, versions
from . import model as M
from .backends import sql

CHUNK_LINES = 200_000
DEFAULT_MEMORY = "1GB"


@dataclass(frozen=True)
class Judged:
    """The SQL's verdict on the form of one line: valid (decided in SQL) or python."""

    line: int
    verdict: str  # "valid", "python"


def connect(memory_limit: str = DEFAULT_MEMORY, temp_directory: str | None = None, threads: int | None = None):
    import duckdb

    con = duckdb.connect(config={"memory_limit": memory_limit,
                                 "temp_directory": temp_directory or tempfile.gettempdir(),
                                 "preserve_insertion_order": True})
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


BLOCK = 4 * 1024 * 1024  # bytes read at a time


def chunks(stream: IO[bytes], size: int = CHUNK_LINES) -> Iterator[tuple[object, list[tuple[int, bytes | None]]]]:
    """Chunks of a JSONL stream: an Arrow table (line, text) of the lines DuckDB can read, and
    the raw lines it cannot (not UTF-8: the bytes; longer than batch.MAX_LINE: None), numbered as
    batch.read_lines numbers them (blank lines counted, not returned); a text ends with its
    newline, as batch.read_lines reads it.  Reads blocks, not lines: a line is never held beyond
    MAX_LINE bytes, and a block of plain UTF-8 is split by Arrow, not line by line in Python."""
    parts: list = []  # Arrow tables of this chunk
    rows = 0
    odd: list[tuple[int, bytes | None]] = []
    number = 0
    pending = b""
    skipping = False  # inside an overlong line: drop bytes up to its newline
    while True:
        block = stream.read(BLOCK)
        if not block:
            break
        if skipping:
            cut = block.find(b"\n")
            if cut < 0:
                continue
            block, skipping = block[cut + 1:], False
        block = pending + block
        cut = block.rfind(b"\n")
        if cut < 0:
            if len(block) > batch.MAX_LINE:  # a line longer than allowed: refused, never held
                number += 1
                odd.append((number, None))
                pending, skipping = b"", True
            else:
                pending = block
            continue
        pending = block[cut + 1:]
        if len(pending) > batch.MAX_LINE:
            pending, skipping = b"", True
            tail_overlong = True
        else:
            tail_overlong = False
        number, table = _split(block[:cut + 1], number, odd)
        parts.append(table)
        rows += table.num_rows
        if tail_overlong:
            number += 1
            odd.append((number, None))
        if rows + len(odd) >= size:
            yield _table(parts), odd
            parts, rows, odd = [], 0, []
    if pending:  # a last line without its newline: read as it is (a JSON error's column depends on it)
        number, table = _split(pending + b"\n", number, odd, last=True)
        parts.append(table)
    if parts or odd:
        yield _table(parts), odd


def _table(parts: list):
    import pyarrow as pa

    return pa.concat_tables(parts) if parts else pa.table({"line": pa.array([], pa.int64()), "text": pa.array([], pa.string())})


def _split(body: bytes, number: int, odd: list, last: bool = False):
    """(the last line number, an Arrow table (line, text) of the lines of body — ending with a
    newline — after line `number`); lines DuckDB cannot read are appended to odd.  last: the
    final newline was added here, and is taken off the text again."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(body) <= batch.MAX_LINE:  # the common case: no line can be too long
        pieces = pc.split_pattern(pa.array([body], pa.binary()), b"\n").flatten()
        pieces = pieces.slice(0, len(pieces) - 1)  # after the final newline: nothing
        try:
            texts = pieces.cast(pa.string())  # checks UTF-8
        except pa.ArrowInvalid:
            texts = None
        if texts is not None:
            numbers = pa.array(range(number + 1, number + 1 + len(texts)), pa.int64())
            # as batch.read_lines: a blank line (bytes.strip(): ASCII whitespace) is counted, not read
            blank = pc.equal(pc.ascii_trim_whitespace(texts), "")
            if pc.any(blank).as_py():
                texts, numbers = texts.filter(pc.invert(blank)), numbers.filter(pc.invert(blank))
            if not last:
                texts = pc.binary_join_element_wise(texts, pa.scalar(""), "\n")
            return number + len(pieces), pa.table({"line": numbers, "text": texts})
    numbers, texts = [], []
    pieces = body.split(b"\n")[:-1]
    for index, piece in enumerate(pieces, start=number + 1):
        if len(piece) + 1 > batch.MAX_LINE:
            odd.append((index, None))
            continue
        try:
            text = piece.decode("utf-8")
        except UnicodeDecodeError:
            if piece.strip():
                odd.append((index, piece + (b"" if last else b"\n")))
            continue
        if piece.strip():  # as batch.read_lines: a blank line (ASCII whitespace) is counted, not read
            numbers.append(index)
            texts.append(text + ("" if last else "\n"))
    return number + len(pieces), pa.table({"line": pa.array(numbers, pa.int64()), "text": pa.array(texts, pa.string())})


def judge_sql(policy: M.Policy) -> str:
    """One query over `lines`: line, programme (NULL: not routed) and whether the SQL finds the line valid."""
    metas = [catalogue.programme_meta(p) for p in policy.programmes]
    judged = "\nUNION ALL\n".join(f"SELECT line, {sql.lit(m['id'])} AS programme, valid FROM ({sql.programme_inputs_sql(m)})"
                                    for m in metas)
    return (f"SELECT l.line, j.programme, coalesce(j.valid, FALSE) AS valid\n"
            f"FROM lines l LEFT JOIN ({judged}) j USING (line) ORDER BY l.line")


def judge(policy: M.Policy, stream: IO[bytes], con=None) -> Iterator[Judged]:
    """The SQL's verdict on every line of a JSONL stream, in order (blank lines skipped):
    valid (decided in SQL) or python (every other line: the Python engine decides it)."""
    con = con or connect()
    query = judge_sql(policy)
    for table, odd in chunks(stream):
        con.register("lines", table)
        rows = con.execute(query).fetchall()
        con.unregister("lines")
        out = [Judged(line, "valid" if valid else "python") for line, _, valid in rows]
        out += [Judged(number, "python") for number, _ in odd]
        out.sort(key=lambda j: j.line)
        yield from out


def python_record(policy: M.Policy, number: int, raw: bytes | None, evaluate) -> dict | None:
    """The record `evaluate --batch` writes for one line (wording from the Python engine); None
    for a line batch.read_lines skips as blank (whitespace Arrow's trim does not know)."""
    import io

    if raw is None:
        return {"line": number, "status": "invalid",
                "errors": [{"path": "", "message": f"第{number}行超过 {batch.MAX_LINE} 字节，未处理"}]}
    # batch.read_lines numbers from 1: renumber its one line
    (line,) = list(batch.read_lines(io.BytesIO(raw))) or [None]
    if line is None:
        return None
    line = batch.Line(number, line.programme, line.application,
                      None if line.error is None else line.error.replace("第1行", f"第{number}行", 1))
    return batch.evaluate_line(line, evaluate)


def deferred_record(compiled: Compiled, number: int, payload, evaluate) -> dict | None:
    """The Python engine's record of a row the SQL did not decide: payload is the line's text,
    or (typed Parquet) the row as a dict: programme and the application's non-null columns."""
    if isinstance(payload, str):
        return python_record(compiled.policy, number, payload.encode("utf-8"), evaluate)
    programme = payload.pop("programme", None)
    application = typed_application(payload)
    return batch.evaluate_line(batch.Line(number, programme, application, None), evaluate)


_WIDE = __import__("decimal").Context(prec=100)  # a DECIMAL(38) is normalised without rounding


def typed_application(row: dict) -> dict:
    """A typed Parquet row as the application JSON would give it: a null column is an absent
    field, a date its ISO text, a list item's null member absent too (numbers stay exact Decimals)."""
    import datetime
    from decimal import Decimal

    def value(v):
        if isinstance(v, Decimal):  # the column's scale is its type's, not a spelling: 1.5000000000 is 1.5
            return v.to_integral_value() if v == v.to_integral_value() else v.normalize(_WIDE)
        if isinstance(v, datetime.date):
            return v.isoformat()
        if isinstance(v, dict):
            return typed_application(v)
        if isinstance(v, list):
            return [value(x) for x in v]
        return v
    return {k: value(v) for k, v in row.items() if v is not None}


def dumps(record: dict) -> str:
    return batch.terminal_json(json.dumps(record, ensure_ascii=False, default=lambda o: format(o, "f")))


# ---------------------------------------------------------------- the whole run
class Compiled:
    """The policy compiled to one DuckDB query over `lines`: every line's result, in order.
    Rows the SQL does not decide (verdict python) carry status NULL.

    Several policies (compile_registry): `programmes` then come from several policies and
    `chosen` names, per programme id, the policy whose rules the SQL prints for it; reason
    codes (R<line>) and interpretation ids (I<n>) are those of the programme's own policy."""

    def __init__(self, policy, programmes, chosen: dict | None = None):
        self.policy = policy  # the one policy, or a versions.Registry
        chosen = chosen or {prog.id: policy for prog in programmes}
        self.texts: dict[str, dict[str, str]] = {}  # programme id -> reason code -> what it stands for
        self.reason_texts: dict[str, str] = {}
        self.programme_entries = {pid: [catalogue.interpretation_entry(i) for i in owner.interpretations]
                                  for pid, owner in chosen.items()}
        self.programmes, self.chosen = list(programmes), chosen
        metas = {prog.id: catalogue.programme_meta(chosen[prog.id].programme(prog.id)) for prog in self.programmes}
        self.metas = metas
        self.query, self.json_query, self.parquet_query = self._queries(
            lambda meta: sql.programme_inputs_sql(meta))

    def typed_queries(self, names: list[str], only=None) -> tuple[str, str]:
        """(the JSON query, the Parquet query) over typed Parquet rows registered as `lines`
        with these columns (typed_problems found none wrong); only: the programme ids to compile
        (None: every programme)."""
        fields = [n for n in names if n not in ("line", "programme")]

        def typed_of(meta):
            own = {s["name"] for s in meta["inputs"]}
            return sql.typed_inputs_sql(meta, [n for n in fields if n not in own], "lines", set(fields))
        return self._queries(typed_of, only)[1:]

    def text_queries(self, only) -> tuple[str, str]:
        """(the JSON query, the Parquet query) over JSONL lines, compiling only these programme ids."""
        return self._queries(lambda meta: sql.programme_inputs_sql(meta), only)[1:]

    def _queries(self, typed_of, only=None) -> tuple[str, str, str]:
        """(every line's result, the JSON query, the Parquet query) over `lines`, with
        typed_of(meta) the programme's typed table (line, valid, f_<field>…); the JSON and Parquet
        queries give the rows the programmes' SQL decides (in no promised order).  only: the
        programme ids to compile (None: all); a row of any other programme is left to Python."""
        parts = []
        for prog in self.programmes:
            if only is not None and prog.id not in only:
                continue
            owner = self.chosen[prog.id]
            # a programme that reads 申请日期: a date outside the periods is invalid, which Python words (#22 dates)
            within = sql.application_date_within(self.metas[prog.id], versions.period_data(owner))
            typed = f"(SELECT * FROM ({typed_of(self.metas[prog.id])}) WHERE valid{within})"
            rules, texts = sql.programme_rules_sql(owner, prog, typed)
            self.texts[prog.id] = texts
            self.reason_texts.update(texts)
            parts.append(f"SELECT {sql.lit(prog.id)} AS programme, line, status, amount, amount_if_approved,"
                         f" reasons, interpretations, errors FROM ({rules})")
        union = "\nUNION ALL\n".join(parts) if parts else ("SELECT NULL::VARCHAR AS programme, NULL::BIGINT AS line,"
                                                          " NULL::VARCHAR AS status, NULL::DECIMAL(38,2) AS amount,"
                                                          " NULL::DECIMAL(38,2) AS amount_if_approved, NULL::VARCHAR[] AS reasons,"
                                                          " NULL::VARCHAR[] AS interpretations, NULL::VARCHAR[] AS errors WHERE FALSE")
        # Each programme reads only its own rows, once (programme_inputs_sql): no table is read
        # twice by a programme, so nothing needs materialising.
        query = (f"SELECT l.line, r.programme, r.status, r.amount, r.amount_if_approved, r.reasons,"
                 f" r.interpretations, r.errors\n"
                 f"FROM lines l LEFT JOIN ({union}) r USING (line) ORDER BY l.line")
        # The chunk's queries read the programmes' rows only: no join back to every line and no
        # global sort (decide_chunks finds the lines left to Python by their numbers, and sorts
        # only a chunk whose rows come back out of order).  Amounts as exact strings (::VARCHAR;
        # format() would go through a double), amount_if_approved only when set.
        # The JSON of a row is concatenated from exact text (to_json of a struct costs as much as
        # the rules): codes and ids are ASCII letters, digits and @ (R<line>, I<n>, ZERO, @<item>),
        # the status one of a few words, so only the programme id goes through to_json.
        def codes(column: str) -> str:
            return f"CASE WHEN len({column}) = 0 THEN '[]' ELSE '[\"' || array_to_string({column}, '\",\"') || '\"]' END"
        json_query = (
            "SELECT line, programme, status, '{\"line\":' || line || ',\"programme\":' || to_json(programme)"
            " || ',\"status\":\"' || status || '\",\"amount\":\"' || amount::VARCHAR || '\"'"
            " || CASE WHEN amount_if_approved IS NULL THEN '' ELSE ',\"amount_if_approved\":\"'"
            " || amount_if_approved::VARCHAR || '\"' END"
            f" || ',\"reasons\":' || {codes('reasons')} || ',\"interpretations\":' || {codes('interpretations')}"
            " || '}' || chr(10) AS json FROM (" + union + ")")
        parquet_query = ("SELECT line, programme, status, amount, amount_if_approved, reasons, interpretations,"
                         " CAST([] AS STRUCT(path VARCHAR, message VARCHAR)[]) AS errors FROM (" + union + ")")
        return query, json_query, parquet_query

    @property
    def entries(self) -> list:
        """With one policy: its interpretation entries, whose positions are the ids I<n>."""
        return next(iter(self.programme_entries.values()), []) if len({p.id for p in self.chosen.values()}) == 1 else []

    def row_of(self, record: dict) -> dict:
        """A Python record as a row of the Parquet results (codes and ids as the SQL gives them)."""
        from decimal import Decimal

        def money(value):
            return None if value is None else Decimal(value)

        entries = self.programme_entries.get(record.get("programme"), [])

        return {"line": record["line"], "programme": record.get("programme"), "status": record["status"],
                "amount": money(record.get("amount")), "amount_if_approved": money(record.get("amount_if_approved")),
                "reasons": self.codes_of(record), "errors": record.get("errors", []),
                "interpretations": [f"I{entries.index(e) + 1}" for e in record.get("interpretations", ())
                                    if e in entries]}

    def codes_of(self, result: dict) -> list[str]:
        """The reason codes of a Python result (for the rows the SQL leaves to Python)."""
        import re

        codes = []
        for reason in result.get("reasons", ()):
            if reason.startswith("按规则计算的"):
                codes.append(sql.ZERO_CODE)
                continue
            item = re.match(r"[^：]*第([0-9]+)项：", reason)  # runtime.item_prefix: a list item's reason
            rest = reason[item.end():] if item else reason
            texts = self.texts.get(result.get("programme"), self.reason_texts)
            found = [c for c, text in texts.items() if text and rest.startswith(text)]
            code = found[0] if found else "?"
            codes.append(f"{code}@{int(item.group(1)) - 1}" if item else code)
        return codes


RESULT_COLUMNS = ("line", "programme", "status", "amount", "amount_if_approved", "reasons", "interpretations", "errors")


def result_schema():
    import pyarrow as pa

    money = pa.decimal128(38, 2)
    return pa.schema([("line", pa.int64()), ("programme", pa.string()), ("status", pa.string()),
                      ("amount", money), ("amount_if_approved", money), ("reasons", pa.list_(pa.string())),
                      ("interpretations", pa.list_(pa.string())),
                      ("errors", pa.list_(pa.struct([("path", pa.string()), ("message", pa.string())])))])


def lines_from_jsonl(stream: IO[bytes], chunk: int = CHUNK_LINES):
    """Arrow tables (line, text) of a JSONL stream, and per chunk the raw lines DuckDB cannot read."""
    return chunks(stream, chunk)


PARQUET_LINES = ("SELECT line, '{\"programme\": ' || to_json(programme) || ', \"application\": ' || "
                 "coalesce(application, 'null') || '}' AS text FROM raw_batch")


def lines_from_parquet(path: str, con, chunk: int = CHUNK_LINES):
    """Arrow tables (line, text) of a Parquet file of columns programme and application
    (the application's JSON text), and line (optional: the row number from 1)."""
    import pyarrow.parquet as pq

    first = 1
    for batch_ in pq.ParquetFile(path).iter_batches(batch_size=chunk):
        if "line" not in batch_.schema.names:
            import pyarrow as pa

            batch_ = batch_.append_column("line", pa.array(range(first, first + batch_.num_rows), pa.int64()))
        first += batch_.num_rows
        con.register("raw_batch", batch_)
        table = con.sql(PARQUET_LINES).to_arrow_table()
        con.unregister("raw_batch")
        yield table, []


class TypedParquetError(ValueError):
    """A typed Parquet file whose columns the SQL engine cannot read exactly (the message is Chinese)."""


class Typed:
    """Typed Parquet rows, in chunks (Arrow tables with `line`): iterating gives (table, [])."""

    def __init__(self, path: str, names: list[str], chunk: int = CHUNK_LINES):
        self.path, self.names, self.chunk = path, names, chunk

    def __iter__(self):
        import pyarrow as pa
        import pyarrow.parquet as pq

        first = 1
        for part in pq.ParquetFile(self.path).iter_batches(batch_size=self.chunk):
            if "line" not in part.schema.names:
                part = part.append_column("line", pa.array(range(first, first + part.num_rows), pa.int64()))
            first += part.num_rows
            yield pa.Table.from_batches([part]), []


def typed_problems(policy, schema) -> list[str]:
    """What is wrong with a typed Parquet file's columns, in Chinese (none: it can be read exactly):
    every field a column of its kind's type, numbers never binary floats, no unknown column."""
    import pyarrow as pa

    registry_policies = getattr(policy, "policies", [policy])
    specs = {}
    for owner in registry_policies:
        for programme in owner.programmes:
            for spec in catalogue.programme_meta(programme)["inputs"]:
                specs.setdefault(spec["name"], spec)
    problems = []

    def check(name: str, kind_spec: dict, arrow_type) -> None:
        kind = kind_spec["kind"]
        if kind in ("money", "number", "int"):
            if pa.types.is_floating(arrow_type):
                problems.append(f"列“{name}”是二进制浮点数（{arrow_type}），无法精确表示金额与数量：请用 DECIMAL 或整数类型")
            elif not (pa.types.is_decimal(arrow_type) or pa.types.is_integer(arrow_type)):
                problems.append(f"列“{name}”应为 DECIMAL 或整数类型，此处为 {arrow_type}")
            return
        expected = {"bool": pa.types.is_boolean, "date": pa.types.is_date,
                    "enum": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
                    "text": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t)}
        names = {"bool": "BOOLEAN", "date": "DATE", "enum": "VARCHAR", "text": "VARCHAR"}
        if kind == "list":
            if not (pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type)) \
                    or not pa.types.is_struct(arrow_type.value_type):
                problems.append(f"列“{name}”应为 LIST<STRUCT>，此处为 {arrow_type}")
                return
            members = {arrow_type.value_type.field(i).name: arrow_type.value_type.field(i).type
                       for i in range(arrow_type.value_type.num_fields)}
            items = {item["name"]: item for item in kind_spec["items"]}
            for member in members.keys() - items.keys():
                problems.append(f"列“{name}”的成员“{member}”不是该项的输入项；可用：{'、'.join(items)}")
            for item_name, item in items.items():
                if item_name not in members:
                    problems.append(f"列“{name}”缺少成员“{item_name}”")
                else:
                    check(f"{name}.{item_name}", item, members[item_name])
            return
        if not expected[kind](arrow_type):
            problems.append(f"列“{name}”应为 {names[kind]}，此处为 {arrow_type}")

    for field in schema:
        if field.name == "line":
            if not pa.types.is_integer(field.type):
                problems.append(f"列“line”应为整数类型，此处为 {field.type}")
        elif field.name == "programme":
            if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
                problems.append(f"列“programme”应为 VARCHAR，此处为 {field.type}")
        elif field.name not in specs:
            problems.append(f"列“{field.name}”不是任何项目的输入项")
        else:
            check(field.name, specs[field.name], field.type)
    if "programme" not in schema.names:
        problems.append("缺少列“programme”（项目编号）")
    return problems


def parquet_source(policy, path: str, con, chunk: int = CHUNK_LINES):
    """The chunks of a Parquet population: JSON text (columns programme and application) or typed
    columns (one per field: typed_problems says what it must be; TypedParquetError if it is not)."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    if "application" in schema.names:
        return lines_from_parquet(path, con, chunk)
    problems = typed_problems(policy, schema)
    if problems:
        raise TypedParquetError("；".join(problems))
    return Typed(path, schema.names, chunk)


def typed_schema(policy):
    """The Arrow schema of a typed Parquet population for this policy (or Registry): programme,
    then every field of every programme, each with the exact type of its kind."""
    import pyarrow as pa

    def arrow_type(spec: dict):
        kind = spec["kind"]
        if kind in ("money", "number", "int"):
            places = sql.field_places(spec)
            return pa.decimal128(sql.MAX_INT_DIGITS + places, places)
        if kind == "list":
            return pa.list_(pa.struct([(item["name"], arrow_type(item)) for item in spec["items"]]))
        return {"bool": pa.bool_(), "date": pa.date32(), "enum": pa.string(), "text": pa.string()}[kind]

    fields = {}
    for owner in getattr(policy, "policies", [policy]):
        for programme in owner.programmes:
            for spec in catalogue.programme_meta(programme)["inputs"]:
                fields.setdefault(spec["name"], arrow_type(spec))
    return pa.schema([("programme", pa.string()), *fields.items()])


def decide_chunks(compiled: Compiled, tables, evaluate, con, form: str = "json"):
    """Per chunk: the rows the SQL decided (an Arrow table: line and json, or the result
    columns when form is "columns") and the records of the rest (the Python engine's).
    tables: (line, text) chunks, or typed Parquet rows (Typed: one column per field)."""
    import pyarrow.compute as pc

    prepared: dict = {}  # (typed, the programmes present) -> the prepared statement's name
    for table, odd in tables:
        con.register("lines", table)
        try:
            typed = "text" not in table.column_names  # typed Parquet rows: a column per field
            only = present_programmes(compiled, table, typed)
            key = (typed, tuple(table.column_names) if typed else None, only)
            name = prepared.get(key)
            if name is None:  # planned once per set of programmes (about 0.3 s for all), executed per chunk
                queries = compiled.typed_queries(table.column_names, only) if typed else compiled.text_queries(only)
                name = prepared[key] = f"yeji_{form}_{'typed_' if typed else ''}{id(compiled):x}_{len(prepared)}"
                con.execute(f"PREPARE {name} AS {queries[0] if form == 'json' else queries[1]}")
            result = con.sql(f"EXECUTE {name}").to_arrow_table()
        finally:
            con.unregister("lines")
        # a row the rules find invalid is worded by Python, as is every line no programme decided
        status = result.column("status")
        bad = pc.fill_null(pc.equal(status, "invalid"), True)
        if pc.any(bad).as_py():
            result = result.filter(pc.invert(bad))
        records = []
        if result.num_rows < table.num_rows:
            rest = table.filter(pc.invert(pc.is_in(table.column("line"), value_set=result.column("line"))))
            numbers = rest.column("line").to_pylist()
            payloads = rest.column("text").to_pylist() if not typed else rest.drop_columns(["line"]).to_pylist()
            records = [deferred_record(compiled, n, payload, evaluate) for n, payload in zip(numbers, payloads)]
        lines = result.column("line")
        if result.num_rows > 1 and not pc.all(pc.greater(lines.slice(1), lines.slice(0, result.num_rows - 1))).as_py():
            result = result.sort_by("line")  # several programmes' rows, or rules that regroup them
        records += [python_record(compiled.policy, n, raw, evaluate) for n, raw in odd]
        yield result, [r for r in records if r is not None]


# The programme a line names, as routed_sql finds it (the id's exact spelling): a line whose
# programme this misses (an escaped id, or a nested "programme" key first) is not compiled into the
# chunk's query and goes to Python, which decides it as always; it only costs speed.
PROGRAMME_KEY = r'"programme"\s*:\s*"(?P<id>[^"\\]*)"'


def present_programmes(compiled: Compiled, table, typed: bool) -> frozenset:
    """The ids of the compiled programmes that rows of this chunk name: only these are compiled into
    the chunk's query (a file of one programme is not judged by a UNION of every programme)."""
    import pyarrow.compute as pc

    if typed:
        named = table.column("programme") if "programme" in table.column_names else None
    else:
        named = pc.struct_field(pc.extract_regex(table.column("text"), PROGRAMME_KEY), [0])
    found = set() if named is None else set(pc.unique(named).to_pylist())
    return frozenset(prog.id for prog in compiled.programmes if prog.id in found)


def _write_texts(out, texts) -> None:
    """Write an Arrow string array's values one after another (each ends with its newline):
    the array's data buffer as it is, with no Python string per line."""
    import pyarrow as pa

    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    if len(texts) == 0:
        return
    # a string array's offsets (int32, or int64 for a large string) are at buffers()[1]; the first
    # and last used ones bound the bytes
    width = pa.int64() if pa.types.is_large_string(texts.type) else pa.int32()
    starts = pa.Array.from_buffers(width, len(texts) + 1, [None, texts.buffers()[1]], offset=texts.offset)
    first, last = starts[0].as_py(), starts[len(texts)].as_py()
    data = memoryview(texts.buffers()[2])[first:last]
    binary = getattr(out, "buffer", None)
    if binary is not None:
        out.flush()
        binary.write(data)
    else:
        out.write(bytes(data).decode("utf-8"))


def run(compiled: Compiled, tables, out, out_format: str, evaluate, con) -> dict:
    """Decide every line; write results in order as JSONL (out: a text stream) or Parquet (out: a path).
    Rows the SQL decides are computed and (for JSONL) written by DuckDB; the rest by the Python engine."""
    import pyarrow as pa

    counts = {"lines": 0, "sql": 0, "python": 0}
    writer = None
    form = "json" if out_format == "jsonl" else "columns"
    try:
        for decided, records in decide_chunks(compiled, tables, evaluate, con, form):
            counts["sql"] += decided.num_rows
            counts["python"] += len(records)
            counts["lines"] += decided.num_rows + len(records)
            if out_format == "jsonl":
                texts = decided.select(["line", "json"])
                if records:  # in line order among the rows DuckDB wrote
                    extra = pa.table({"line": pa.array([r["line"] for r in records], pa.int64()),
                                      "json": pa.array([dumps(r) + "\n" for r in records], pa.string())})
                    texts = pa.concat_tables([texts, extra]).sort_by("line")
                _write_texts(out, texts.column("json"))
                continue
            part = decided.select(list(RESULT_COLUMNS)).cast(result_schema())
            if records:
                extra = pa.Table.from_pylist([compiled.row_of(r) for r in records], schema=result_schema())
                part = pa.concat_tables([part, extra]).sort_by("line")
            if writer is None:
                import pyarrow.parquet as pq

                writer = pq.ParquetWriter(out, result_schema())
            writer.write_table(part)
    finally:
        if writer is not None:
            writer.close()
    if out_format == "parquet" and writer is None:
        import pyarrow.parquet as pq

        pq.write_table(result_schema().empty_table(), out)
    return counts


def records(compiled: Compiled, tables, evaluate, con) -> Iterator[dict]:
    """Every line's result as a record (status, amount and amount_if_approved as strings), in order."""
    for decided, python in decide_chunks(compiled, tables, evaluate, con, "columns"):
        columns = [decided.column(c).to_pylist() for c in ("line", "programme", "status", "amount", "amount_if_approved")]
        rows = [({"line": line, "programme": pid, "status": status, "amount": format(amount, "f")}
                 if approved is None else
                 {"line": line, "programme": pid, "status": status, "amount": format(amount, "f"),
                  "amount_if_approved": format(approved, "f")})
                for line, pid, status, amount, approved in zip(*columns)]
        rows += python
        rows.sort(key=lambda r: r["line"])
        yield from rows


# ---------------------------------------------------------------- for the command line
def compile_policy(policy: M.Policy) -> Compiled:
    from . import lower

    return Compiled(policy, lower.lower(policy))


def compile_registry(registry) -> Compiled:
    """Every programme of every policy (a versions.Registry), each printed from the version that
    decides it when the application carries no date (Registry.policy_for: the newest).  A row
    that carries application_date is not judged valid by the SQL (the key is not a form field):
    the Python engine decides it, by the version in force on that day."""
    from . import lower

    ids = list(dict.fromkeys(pid for p in registry.policies for pid in p.programme_ids))
    chosen = {pid: registry.policy_for(pid, None) for pid in ids}
    lowered = {}
    for owner in {p.id: p for p in chosen.values()}.values():
        lowered.update({(owner.id, prog.id): prog for prog in lower.lower(owner)})
    programmes = [lowered[(chosen[pid].id, pid)] for pid in ids]
    only = registry.policies[0] if len(registry.policies) == 1 else registry
    return Compiled(only, programmes, chosen)


def python_engine(source):
    """The generated modules as `evaluate --batch` calls them (JSON input judged as the form judges
    it): source is one policy or a versions.Registry, whose policy_for picks, from each line's
    programme id and application_date, the version that decides it."""
    from . import pipeline, runtime, versions
    from .backends import form_ui

    registry = source if isinstance(source, versions.Registry) else versions.Registry([source])
    ids = list(dict.fromkeys(pid for p in registry.policies for pid in p.programme_ids))
    modules: dict[str, object] = {}
    checkers: dict[tuple[str, str], object] = {}  # (policy, programme) -> its form checker, made once
    # (programme, date) -> its checker: policy_for sorts the versions on every call, a cost per line
    # as large as the JSON decoding (batch's profile)
    chosen: dict[tuple[str, object], object] = {}

    def engine(pid, application):
        day = versions.application_day(application)
        known = chosen.get((pid, day)) if type(pid) is str else None
        if known is not None:
            return known(application)
        policy = registry.policy_for(pid, day)
        if policy is None:
            raise runtime.unknown_programme(ids, pid)
        key = (policy.id, pid)
        checker = checkers.get(key)
        if checker is None:
            if policy.id not in modules:
                modules[policy.id] = pipeline.engine(policy).evaluate
            generated = modules[policy.id]
            checker = checkers[key] = form_ui.json_as_form(form_ui.programme_fields(policy, pid),
                                                           lambda d: generated(pid, d))
        if len(chosen) < 10_000:  # bounded: one entry per programme and date seen
            chosen[(pid, day)] = checker
        return checker(application)
    return engine


def compiled_for(source) -> Compiled:
    from . import versions

    return compile_registry(source) if isinstance(source, versions.Registry) else compile_policy(source)


def tables_of(source, con, chunk: int = CHUNK_LINES, policy=None):
    """Chunks of a population: a Parquet file (by its .parquet name: JSON text or typed columns)
    or a JSONL byte stream."""
    if isinstance(source, str) and source.endswith(".parquet"):
        return parquet_source(policy, source, con, chunk)
    return lines_from_jsonl(source, chunk)


def simulate(policy, source, con=None, progress=None):
    """simulate.simulate on DuckDB: the same Tally, from the same records (policy: one, or a Registry)."""
    from .simulate import PROGRESS_EVERY, Tally

    con = con or connect()
    tally = Tally(policy)
    shown = 0
    chunks_ = decide_chunks(compiled_for(policy), tables_of(source, con, policy=policy), python_engine(policy), con,
                            "columns")
    for decided, python in chunks_:
        # the rows decided in SQL are summed per programme and status (exact DECIMAL sums), not one by one
        grouped = decided.group_by(["programme", "status"]).aggregate(
            [("line", "count"), ("amount", "sum"), ("amount_if_approved", "sum")])
        for pid, status, count, amount, approved in zip(*(grouped.column(c).to_pylist() for c in (
                "programme", "status", "line_count", "amount_sum", "amount_if_approved_sum"))):
            tally.add_many(pid, status, count, amount, approved)
        for record in sorted(python, key=lambda r: r["line"]):  # problems are listed in line order
            tally.add(record)
        if progress is not None and tally.lines // PROGRESS_EVERY > shown:
            shown = tally.lines // PROGRESS_EVERY
            progress(shown * PROGRESS_EVERY)
    return tally


def population_pairs(old: M.Policy, new: M.Policy, source, con=None) -> Iterator[tuple[dict, dict]]:
    """Each line decided by both policies on DuckDB (for diff --population), the file read once."""
    con = con or connect()
    a, b = compile_policy(old), compile_policy(new)
    ea, eb = python_engine(old), python_engine(new)
    for table, odd in tables_of(source, con, policy=new):
        one = [(table, odd)]
        yield from zip(records(a, iter(one), ea, con), records(b, iter(one), eb, con))


def cli_batch(policy, source: str, out_file: str | None, memory_limit: str) -> dict:
    """`evaluate --batch --engine duckdb`: JSONL or Parquet in, JSONL (stdout or a file) or Parquet out
    (policy: one, or a versions.Registry: each programme by its own policy)."""
    import sys

    con = connect(memory_limit=memory_limit)
    compiled = compiled_for(policy)
    evaluate = python_engine(policy)
    if source.endswith(".parquet"):
        tables = parquet_source(policy, source, con)
        stream = None
    else:
        stream = open(source, "rb") if source != "-" else sys.stdin.buffer  # noqa: SIM115
        tables = lines_from_jsonl(stream)
    try:
        if out_file is not None and out_file.endswith(".parquet"):
            return run(compiled, tables, out_file, "parquet", evaluate, con)
        if out_file is not None:
            with open(out_file, "w", encoding="utf-8") as out:
                return run(compiled, tables, out, "jsonl", evaluate, con)
        return run(compiled, tables, sys.stdout, "jsonl", evaluate, con)
    finally:
        if stream is not None and stream is not sys.stdin.buffer:
            stream.close()


def explain_line(source_policy, source: str, number: int) -> dict | None:
    """The full result of line `number` (JSONL) or row `number` (Parquet) by the interpreter,
    with every step and reason in Chinese: the explanation behind a SQL row's codes
    (source_policy: one policy, or a versions.Registry that picks the line's version)."""
    from . import interpreter, runtime, versions
    from .backends import form_ui

    registry = source_policy if isinstance(source_policy, versions.Registry) else versions.Registry([source_policy])
    policy = registry.policies[0]

    def engine(pid, application):
        chosen = registry.policy_for(pid, versions.application_day(application))
        if chosen is None:
            raise runtime.unknown_programme(list(dict.fromkeys(i for p in registry.policies for i in p.programme_ids)), pid)
        return form_ui.json_as_form(form_ui.programme_fields(chosen, pid),
                                    lambda d: interpreter.evaluate(chosen, pid, d))(application)

    if source.endswith(".parquet"):
        con = connect()
        for table, _ in parquet_source(registry, source, con):
            if "text" not in table.column_names:  # typed columns: the row's values
                rows = {row.pop("line"): row for row in table.to_pylist()}
                if number in rows:
                    row = rows[number]
                    return batch.evaluate_line(batch.Line(number, row.pop("programme", None), typed_application(row),
                                                          None), engine)
                continue
            rows = dict(zip(table.column("line").to_pylist(), table.column("text").to_pylist()))
            if number in rows:
                return python_record(policy, number, rows[number].encode("utf-8"), engine)
        return None
    with open(source, "rb") as stream:
        for n, raw in enumerate(batch._raw_lines(stream), start=1):
            if n == number:
                return python_record(policy, number, raw, engine) if raw is None or raw.strip() else None
    return None
