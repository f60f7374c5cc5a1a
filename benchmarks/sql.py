"""The SQL backend beside `evaluate --batch`: applications per second and peak memory.

    python benchmarks/sql.py [--size N] [--programme ID ...] [--quick]

For each programme, a seeded population of N valid applications is written (once, into
benchmarks/populations/, which git ignores) as JSONL and as Parquet (columns programme,
application), then decided in fresh processes, side by side in one run:

- `evaluate --batch FILE.jsonl` (the generated Python module), JSONL out;
- `evaluate --batch FILE.jsonl --engine duckdb`, JSONL out (one result per line, in order);
- `evaluate --batch FILE.parquet --engine duckdb --out R.parquet`, Parquet out.

Each figure is the whole process (start-up, compiling the policy, reading, writing),
with the process's peak resident memory; the load average is printed beside.
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
    if not jsonl.exists() or not parquet.exists():
        subprocess.run([sys.executable, __file__, "--write", pid, "--size", str(size)], cwd=ROOT, check=True)
    return jsonl, parquet


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
    schema = pa.schema([("programme", pa.string()), ("application", pa.string())])
    stream = population.stream(metas, pid, size, seed=size)
    with jsonl.open("w", encoding="utf-8") as out, pq.ParquetWriter(parquet, schema) as writer:
        while True:
            apps = [exact_json(app) for _, app in zip(range(100_000), stream)]
            if not apps:
                break
            out.writelines(f'{{"programme": "{pid}", "application": {app}}}\n' for app in apps)
            writer.write_table(pa.table({"programme": pa.array([pid] * len(apps)), "application": pa.array(apps)},
                                        schema=schema))


def measure(args: list[str], lines: int) -> tuple[float, float]:
    """(applications per second, peak resident MiB) of one CLI run in a fresh process."""
    script = ("import resource, sys\n"
              "from yeji_policy.cli import main\n"
              "try:\n"
              f"    main({args!r}, standalone_mode=False)\n"
              "finally:\n"
              "    sys.stderr.write('MAXRSS %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, stdout=sink,
                              stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    return lines / elapsed, int(proc.stderr.rsplit("MAXRSS ", 1)[1].split()[0]) / 1024


def run(size: int, programmes: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for pid in programmes:
            jsonl, parquet = populations(pid, size)
            runs = [
                ("evaluate --batch (Python), JSONL → JSONL", ["evaluate", "--batch", str(jsonl)]),
                ("SQL on DuckDB, JSONL → JSONL", ["evaluate", "--batch", str(jsonl), "--engine", "duckdb"]),
                ("SQL on DuckDB, Parquet → Parquet",
                 ["evaluate", "--batch", str(parquet), "--engine", "duckdb", "--out", str(Path(tmp) / "r.parquet")]),
            ]
            for what, args in runs:
                rate, peak = measure(args, size)
                load = os.getloadavg()[0]
                rows.append((pid, what, f"{rate:,.0f}/s", f"{peak:.0f} MiB (load {load:.1f})"))
                print(f"  {pid} {what}: {rate:,.0f}/s, {peak:.0f} MiB, load {load:.1f}", file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--programme", action="append", help="programme id (repeatable); default: three")
    parser.add_argument("--quick", action="store_true", help="10,000 applications, for a smoke test")
    parser.add_argument("--write", metavar="PROGRAMME", help=argparse.SUPPRESS)  # the population writer's process
    args = parser.parse_args()
    if args.write:
        write_population(args.write, args.size)
        return
    size = 10_000 if args.quick else args.size
    rows = run(size, tuple(args.programme or DEFAULT_PROGRAMMES))
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{size:,} applications per programme")
    print("| programme | engine | applications/s | peak memory |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
