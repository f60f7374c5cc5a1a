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

from . import batch, catalogue
from . import model as M
from .backends import sql

CHUNK_LINES = 200_000
DEFAULT_MEMORY = "1GB"


@dataclass(frozen=True)
class Judged:
    """The SQL's verdict on the form of one line: valid, invalid (with the paths), or python."""

    line: int
    verdict: str  # "valid", "invalid", "python"
    paths: tuple[str, ...]


def connect(memory_limit: str = DEFAULT_MEMORY, temp_directory: str | None = None, threads: int | None = None):
    import duckdb

    con = duckdb.connect(config={"memory_limit": memory_limit,
                                 "temp_directory": temp_directory or tempfile.gettempdir(),
                                 "preserve_insertion_order": True})
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def chunks(stream: IO[bytes], size: int = CHUNK_LINES) -> Iterator[tuple[list[int], list[str], list[tuple[int, bytes | None]]]]:
    """Chunks of (line numbers, texts) of the lines DuckDB can read, and the raw lines it
    cannot (not UTF-8, longer than batch.MAX_LINE: None), numbered as batch.read_lines does."""
    numbers: list[int] = []
    texts: list[str] = []
    odd: list[tuple[int, bytes | None]] = []
    for number, raw in enumerate(batch._raw_lines(stream), start=1):
        if raw is not None and not raw.strip():
            continue
        try:
            text = raw.decode("utf-8") if raw is not None else None
        except UnicodeDecodeError:
            text = None
        if text is None:
            odd.append((number, raw))
        else:
            numbers.append(number)
            texts.append(text)
        if len(numbers) + len(odd) >= size:
            yield numbers, texts, odd
            numbers, texts, odd = [], [], []
    if numbers or odd:
        yield numbers, texts, odd


def judge_sql(policy: M.Policy) -> str:
    """One query over `lines`: line, programme, verdict code and error paths of every line."""
    metas = [catalogue.programme_meta(p) for p in policy.programmes]
    parts = [sql.programme_inputs_sql(m) for m in metas]
    judged = "\nUNION ALL\n".join(f"SELECT line, {sql.lit(m['id'])} AS programme, state, error_paths FROM ({q})"
                                  for m, q in zip(metas, parts))
    return (f"WITH routed AS NOT MATERIALIZED ({sql.routed_sql([m['id'] for m in metas])})\n"
            f"SELECT l.line, j.programme, coalesce(j.state, {sql.UNSURE}) AS state, coalesce(j.error_paths, []) AS error_paths\n"
            f"FROM lines l LEFT JOIN ({judged}) j USING (line) ORDER BY l.line")


def judge(policy: M.Policy, stream: IO[bytes], con=None) -> Iterator[Judged]:
    """The SQL's verdict on every line of a JSONL stream, in order (blank lines skipped)."""
    import pyarrow as pa

    con = con or connect()
    query = judge_sql(policy)
    for numbers, texts, odd in chunks(stream):
        table = pa.table({"line": pa.array(numbers, pa.int64()), "text": pa.array(texts, pa.string())})
        con.register("lines", table)
        rows = con.execute(query).fetchall()
        con.unregister("lines")
        out = [Judged(line, _VERDICTS[state], tuple(paths) if state == sql.BAD else ()) for line, _, state, paths in rows]
        out += [Judged(number, "python", ()) for number, _ in odd]
        out.sort(key=lambda j: j.line)
        yield from out


_VERDICTS = {sql.OK: "valid", sql.BAD: "invalid", sql.UNSURE: "python"}


def python_record(policy: M.Policy, number: int, raw: bytes | None, evaluate) -> dict:
    """The record `evaluate --batch` writes for one line (wording from the Python engine)."""
    import io

    if raw is None:
        return {"line": number, "status": "invalid",
                "errors": [{"path": "", "message": f"第{number}行超过 {batch.MAX_LINE} 字节，未处理"}]}
    # batch.read_lines numbers from 1: renumber its one line
    (line,) = list(batch.read_lines(io.BytesIO(raw))) or [None]
    line = batch.Line(number, line.programme, line.application,
                      None if line.error is None else line.error.replace("第1行", f"第{number}行", 1))
    return batch.evaluate_line(line, evaluate)


def dumps(record: dict) -> str:
    return batch.terminal_json(json.dumps(record, ensure_ascii=False, default=lambda o: format(o, "f")))
