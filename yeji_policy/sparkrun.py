"""The same compiled rules on Apache Spark: the DuckDB SQL of each programme, transpiled
to Spark SQL by sqlglot (no hand-written variant), run over the typed applications
table that the judging step (backends/sql.py, on DuckDB) writes as Parquet.

Judging stays where the raw text is (one machine reads a file's lines; every row it
finds valid goes on with exact DECIMAL columns), and the rules — the part that grows
with the population — run anywhere Spark runs: `typed_<programme>` tables in Parquet
on shared storage, one query per programme.

Spark must not round decimals silently: `spark.sql.decimalOperations.allowPrecisionLoss`
is set to false (with it, a product whose precision would pass 38 digits has its scale
cut, i.e. rounded), and ANSI mode makes an overflow an error, never a NULL.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from . import model as M
from .backends import sql

SPARK_CONF = {
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
}


def _coalesce_scale(node: exp.Expression) -> int | None:
    """The scale of the DECIMAL zero a list sum is coalesced with (how the printer writes sums)."""
    parent = node.parent
    if isinstance(parent, exp.Coalesce):
        for cast in parent.find_all(exp.Cast):
            if cast.to.this == exp.DataType.Type.DECIMAL and cast.to.expressions:
                return int(cast.to.expressions[1].this.this)
    return None


def _spark_functions(node: exp.Expression) -> exp.Expression:
    """DuckDB list functions that sqlglot leaves as they are, written the Spark way."""
    # dates in rules (#22): date + to_months(n) is Spark's add_months (both take the month's last day
    # where it has no such day), date + to_days(n) its date_add; datediff('day', a, b) its datediff(b, a)
    if isinstance(node, exp.Add) and isinstance(node.expression, exp.Anonymous) and \
            node.expression.name.upper() == "TO_MONTHS":
        return exp.Anonymous(this="ADD_MONTHS", expressions=[node.this.copy(), node.expression.expressions[0].copy()])
    if isinstance(node, exp.Add) and type(node.expression).__name__ == "ToDays":
        return exp.Anonymous(this="DATE_ADD", expressions=[node.this.copy(), node.expression.this.copy()])
    if isinstance(node, exp.DateDiff) and str(node.args.get("unit") or "").upper() in ("DAY", "'DAY'"):
        return exp.Anonymous(this="DATEDIFF", expressions=[node.this.copy(), node.expression.copy()])
    if isinstance(node, exp.Anonymous):
        name = node.name.upper()
        args = node.expressions
        if name == "LIST_SUM":
            scale = _coalesce_scale(node)
            if scale is None:
                raise sql.SQLPrinterUnavailable("a list sum without its DECIMAL type")
            dtype = f"DECIMAL({sql.MAX_DIGITS}, {scale})"
            zero = sqlglot.parse_one(f"CAST(0 AS {dtype})", read="spark")
            body = sqlglot.parse_one(f"CAST(a + v AS {dtype})", read="spark")
            merge = exp.Lambda(this=body, expressions=[exp.to_identifier("a"), exp.to_identifier("v")])
            return exp.Anonymous(this="AGGREGATE", expressions=[args[0].copy(), zero, merge])
        if name == "LIST_BOOL_OR":
            return exp.Anonymous(this="EXISTS", expressions=[
                args[0].copy(), exp.Lambda(this=exp.column("b"), expressions=[exp.to_identifier("b")])])
    return node


def to_spark(duckdb_sql: str) -> str:
    """One programme's rules query in Spark SQL."""
    tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
    tree = tree.transform(_spark_functions)
    return tree.sql(dialect="spark")


def rules_queries(policy: M.Policy, programmes) -> dict[str, str]:
    """Programme id -> its rules query in DuckDB SQL over the table typed_<id>."""
    return {p.id: sql.programme_rules_sql(policy, p, sql.ident(f"typed_{p.id}"))[0] for p in programmes}


def session(master: str | None = "local[2]", remote: str | None = None):
    """A Spark session for the rules: local[2] by default; master=None under spark-submit
    (which names the master); remote="sc://host:15002" for Spark Connect.  Always SPARK_CONF."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("yeji-policy")
    if remote is not None:
        builder = builder.remote(remote)
    elif master is not None:
        builder = builder.master(master)
    for key, value in SPARK_CONF.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def run(spark, queries: dict[str, str], typed_paths: dict[str, str]):
    """Spark rows (line, programme, status, amount, amount_if_approved, reasons, interpretations)
    for every programme whose typed Parquet is given."""
    out = []
    for pid, path in typed_paths.items():
        spark.read.parquet(path).createOrReplaceTempView(f"typed_{pid}")
        frame = spark.sql(to_spark(queries[pid]))
        out.extend((row.line, pid, row.status, row.amount, row.amount_if_approved, list(row.reasons),
                    list(row.interpretations)) for row in frame.collect())
    return out


def write_typed(policy: M.Policy, con, directory: str) -> dict[str, str]:
    """The valid rows of `lines` (line, text), judged on DuckDB, as one Parquet file of typed
    columns per programme (typed_<id>.parquet in directory): what Spark reads."""
    from pathlib import Path

    from . import catalogue

    paths = {}
    for p in policy.programmes:
        path = str(Path(directory) / f"typed_{p.id}.parquet")
        inputs = sql.programme_inputs_sql(catalogue.programme_meta(p))
        con.execute(f"COPY (SELECT * EXCLUDE (valid) FROM ({inputs})"
                    f" WHERE valid) TO {sql.lit(path)} (FORMAT parquet)")
        paths[p.id] = path
    return paths


def run_duckdb(con, queries: dict[str, str], typed_paths: dict[str, str]):
    """The same rows from DuckDB over the same Parquet files (to compare engines)."""
    out = []
    for pid, path in typed_paths.items():
        con.execute(f"CREATE OR REPLACE TEMP VIEW {sql.ident('typed_' + pid)} AS SELECT * FROM read_parquet({sql.lit(path)})")
        for row in con.execute(queries[pid]).fetchall():
            line, status, amount, approved, reasons, notes = row[:6]
            out.append((line, pid, status, amount, approved, list(reasons), list(notes)))
    return out
