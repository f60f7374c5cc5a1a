"""The SQL backend beside `evaluate --batch`: applications per second and peak memory.

    python benchmarks/sql.py [--size N] [--programme ID ...] [--quick]

For each programme, a seeded population of N valid applications is written (once, into
benchmarks/populations/, which git ignores) as JSONL and as Parquet (columns programme,
application), then decided in fresh processes, side by side in one run:

- `evaluate --batch FILE.jsonl` (the generated Python module), JSONL out;
- `evaluate --batch FILE.jsonl --engine duckdb`, JSONL out (one result per line, in order);
- `evaluate --batch FILE.parquet --engine duckdb --out R.parquet`, Parquet out (the
  application as JSON text in a column);
- `evaluate --batch FILE.typed.parquet --engine duckdb --out R.parquet`: typed columns
  (sqlrun.typed_schema), Parquet out;
- with --simulate, `simulate --json` of the JSONL file on DuckDB and on the Python engine:
  the totals must be equal to the cent, and the time ratio is printed.

--sql-only skips the Python engine (for the 10,000,000-row memory runs).  Each figure is the
whole process (start-up, compiling the policy, reading, writing), with the process's peak
resident memory; the load average is printed beside.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource  # noqa: F401 - used by the child processes' script
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks")]

import population  # noqa: E402

from yeji_policy import catalogue, check  # noqa: E402
from yeji_policy.batch import exact_json  # noqa: E402

POLICY = ROOT / "policies" / "yeji_ecommerce.policy"
POPULATIONS = ROOT / "benchmarks" / "populations"
DEFAULT_PROGRAMMES = ("art09_equipment", "art14_sales_award", "art13_rural_stations")


def populations(pid: str, size: int) -> tuple[Path, Path]:
    """The JSONL and Parquet files of a seeded population (written once, reused), written by a
    separate process: Linux keeps a process's peak memory across exec, so a parent that had
    held a million applications would lend its peak to every measured child."""
    jsonl = POPULATIONS / f"{pid}-{size}.jsonl"
    parquet = POPULATIONS / f"{pid}-{size}.parquet"
    if not jsonl.exists() or not parquet.exists():  # (a population written before typed files has none: its typed run is skipped)
        subprocess.run([sys.executable, __file__, "--write", pid, "--size", str(size)], cwd=ROOT, check=True)
    return jsonl, parquet


def typed_path(parquet: Path) -> Path:
    return parquet.with_suffix(".typed.parquet")


def typed_row(pid: str, app: dict, spec_of: dict) -> dict:
    """An application as a row of typed columns (whole numbers as DECIMAL, dates as dates)."""
    import datetime
    from decimal import Decimal

    def value(v):
        if isinstance(v, int) and not isinstance(v, bool):
            return Decimal(v)
        if isinstance(v, str) and len(v) == 10 and v[4] == "-":
            return datetime.date.fromisoformat(v)
        if isinstance(v, list):
            return [{k: value(x) for k, x in item.items()} for item in v]
        return v
    return {"programme": pid, **{k: value(v) for k, v in app.items()}}


def write_population(pid: str, size: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    policy, diagnostics, _ = check.load(POLICY)
    assert policy is not None, diagnostics
    metas = {p.id: catalogue.programme_meta(p) for p in policy.programmes}
    POPULATIONS.mkdir(exist_ok=True)
    jsonl = POPULATIONS / f"{pid}-{size}.jsonl"
    parquet = POPULATIONS / f"{pid}-{size}.parquet"
    # written 100,000 at a time: ten million applications are never held at once
    from yeji_policy import sqlrun

    schema = pa.schema([("programme", pa.string()), ("application", pa.string())])
    full = sqlrun.typed_schema(policy)
    own = {spec["name"] for spec in metas[pid]["inputs"]}
    typed = pa.schema([f for f in full if f.name == "programme" or f.name in own])  # only this programme's columns
    stream = population.stream(metas, pid, size, seed=size)
    with jsonl.open("w", encoding="utf-8") as out, pq.ParquetWriter(parquet, schema) as writer, \
            pq.ParquetWriter(typed_path(parquet), typed) as typed_writer:
        while True:
            drawn = [app for _, app in zip(range(100_000), stream)]
            if not drawn:
                break
            apps = [exact_json(app) for app in drawn]
            out.writelines(f'{{"programme": "{pid}", "application": {app}}}\n' for app in apps)
            writer.write_table(pa.table({"programme": pa.array([pid] * len(apps)), "application": pa.array(apps)},
                                        schema=schema))
            typed_writer.write_table(pa.Table.from_pylist([typed_row(pid, app, None) for app in drawn], schema=typed))


def measure(args: list[str], lines: int) -> tuple[float, float, float]:
    """(applications per second, peak resident MiB, applications per CPU second — every thread of
    the process, DuckDB's included: the figure a shared machine's load distorts least) of one CLI
    run in a fresh process."""
    script = ("import resource, sys\n"
              "from yeji_policy.cli import main\n"
              "try:\n"
              f"    main({args!r}, standalone_mode=False)\n"
              "finally:\n"
              "    u = resource.getrusage(resource.RUSAGE_SELF)\n"
              "    sys.stderr.write('CPU %f\\n' % (u.ru_utime + u.ru_stime))\n"
              "    sys.stderr.write('MAXRSS %d\\n' % u.ru_maxrss)\n")
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, stdout=sink,
                              stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    cpu = float(proc.stderr.rsplit("CPU ", 1)[1].split()[0])
    return lines / elapsed, int(proc.stderr.rsplit("MAXRSS ", 1)[1].split()[0]) / 1024, lines / cpu


def run(size: int, programmes: tuple[str, ...], sql_only: bool = False,
        with_simulate: bool = False) -> list[tuple[str, str, str, str]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for pid in programmes:
            jsonl, parquet = populations(pid, size)
            runs = [] if sql_only else [("evaluate --batch (Python), JSONL → JSONL", ["evaluate", "--batch", str(jsonl)])]
            runs += [
                ("SQL on DuckDB, JSONL → JSONL", ["evaluate", "--batch", str(jsonl), "--engine", "duckdb"]),
                ("SQL on DuckDB, Parquet (JSON text) → Parquet",
                 ["evaluate", "--batch", str(parquet), "--engine", "duckdb", "--out", str(Path(tmp) / "r.parquet")]),
            ]
            if typed_path(parquet).exists():
                runs.append(("SQL on DuckDB, typed Parquet → Parquet",
                             ["evaluate", "--batch", str(typed_path(parquet)), "--engine", "duckdb", "--out",
                              str(Path(tmp) / "r.parquet")]))
            for what, args in runs:
                rate, peak, per_cpu = measure(args, size)
                load = os.getloadavg()[0]
                rows.append((pid, what, f"{rate:,.0f}/s ({per_cpu:,.0f} per CPU-second)", f"{peak:.0f} MiB (load {load:.1f})"))
                print(f"  {pid} {what}: {rate:,.0f}/s, {per_cpu:,.0f}/CPU-s, {peak:.0f} MiB, load {load:.1f}", file=sys.stderr)
            if with_simulate:
                rows.append(simulate_pair(pid, jsonl, size))
    return rows


def simulate_pair(pid: str, jsonl: Path, size: int) -> tuple[str, str, str, str]:
    """`simulate --json` on DuckDB and on the Python engine, one after the other: equal totals, time ratio."""
    import json

    outputs, seconds = [], []
    for engine in ("duckdb", "python"):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "yeji_policy.cli", "simulate", str(jsonl), "--json",
                               "--engine", engine], cwd=ROOT, check=True, capture_output=True, text=True)
        seconds.append(time.perf_counter() - start)
        outputs.append(json.loads(done.stdout))
    equal = outputs[0] == outputs[1]
    load = os.getloadavg()[0]
    line = (pid, "simulate: DuckDB vs Python engine", f"{seconds[0]:.1f} s vs {seconds[1]:.1f} s "
            f"(ratio {seconds[0] / seconds[1]:.3f})", f"totals {'equal to the cent' if equal else 'DIFFER'} (load {load:.1f})")
    print("  " + " ".join(line), file=sys.stderr)
    if not equal:
        raise SystemExit(f"simulate totals differ for {pid}")
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--programme", action="append", help="programme id (repeatable); default: three")
    parser.add_argument("--quick", action="store_true", help="10,000 applications, for a smoke test")
    parser.add_argument("--sql-only", action="store_true", help="only the SQL engine (the 10,000,000-row memory runs)")
    parser.add_argument("--simulate", action="store_true", help="also simulate on both engines: equal totals, time ratio")
    parser.add_argument("--write", metavar="PROGRAMME", help=argparse.SUPPRESS)  # the population writer's process
    args = parser.parse_args()
    if args.write:
        write_population(args.write, args.size)
        return
    size = 10_000 if args.quick else args.size
    load_start = os.getloadavg()
    rows = run(size, tuple(args.programme or DEFAULT_PROGRAMMES), args.sql_only, args.simulate)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{size:,} applications per programme; load average at the start {load_start[0]:.1f}, "
          f"at the end {os.getloadavg()[0]:.1f} (the machine is shared: see the README)")
    print("| programme | engine | applications/s | peak memory |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
