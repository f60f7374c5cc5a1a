"""yeji-policy benchmarks: one table, every figure measured in this run on this machine.

    python benchmarks/run.py [--quick]

Measures cold-process `check` and `build`, the generated module's import time,
evaluations per second for every programme (generated module and reference
interpreter) on fixed seeded applications, the generated module against careful
hand-written code for three programmes (the median ratio of interleaved pairs,
in CPU time), and `evaluate --batch` over seeded JSONL populations of every
programme and of art09_equipment alone (lines per wall and per CPU second, peak
memory), with the load average at the start and the end.  --quick uses smaller
sizes (for a smoke test); the README's figures come from a full run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks")]

import handwritten  # noqa: E402
import population  # noqa: E402
import sql as sql_bench  # noqa: E402

from yeji_policy import check, interpreter, layout  # noqa: E402
from yeji_policy.batch import exact_json  # noqa: E402
from yeji_policy.pipeline import engine as generated_engine  # noqa: E402

POLICY = ROOT / "policies" / "yeji_ecommerce.policy"
CLI = [sys.executable, "-m", "yeji_policy.cli"]
TARGETS = {
    "ratio": 1.3,  # issue 15: generated code within 1.3x of careful hand-written code
    "batch_lines_per_second": 80_000,  # issue 14: evaluate --batch, art09_equipment JSONL -> JSONL
    "equipment_per_second": 100_000,
    "check_seconds": 0.3,
    "build_seconds": 1.0,
    "import_ms": 20.0,
}


def median_wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def import_ms(module_path: Path, runs: int) -> float:
    script = ("import importlib.util, time\n"
              "t = time.perf_counter()\n"
              f"spec = importlib.util.spec_from_file_location('m', {str(module_path)!r})\n"
              "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
              "print(time.perf_counter() - t)\n")
    times = [float(subprocess.run([sys.executable, "-I", "-S", "-c", script], check=True, capture_output=True,
                                  text=True).stdout) for _ in range(runs)]
    return statistics.median(times) * 1000


def rate(function, applications, pid, repeat: int) -> float:
    """Evaluations per second: the best of `repeat` timed passes, after one untimed warm-up pass."""
    for app in applications[:500]:
        function(pid, app)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for app in applications:
            function(pid, app)
        best = min(best, time.perf_counter() - start)
    return len(applications) / best




def cpu_seconds(function, applications) -> float:
    """CPU time of one pass of function over applications (after the first call of the run warmed it)."""
    start = time.process_time()
    for app in applications:
        function(app)
    return time.process_time() - start


def batch_run(programmes: dict, lines: int, directory: Path, programme: str | None = None) -> tuple[float, float, float]:
    """(lines per second of wall time, lines per second of CPU time, peak RSS in MiB) of
    `evaluate --batch` over a seeded population: every programme in turn, or one programme."""
    path = directory / f"population-{programme or 'mixed'}-{lines}.jsonl"
    if programme is None:
        pairs = population.mixed(programmes, lines, seed=lines)
    else:
        # A generator, as mixed() is: the child process's peak memory counts the pages it shares
        # with this one when it starts, so a population held here would be counted as its own.
        pairs = ((programme, app) for app in population.stream(programmes, programme, lines, seed=lines))
    with path.open("w", encoding="utf-8") as out:
        for pid, app in pairs:
            out.write(f'{{"programme":"{pid}","application":{exact_json(app)}}}\n')
    # A fresh process per run, which reports its own peak resident memory.
    script = ("import resource, sys\n"
              "from yeji_policy.cli import main\n"
              "try:\n"
              f"    main(['evaluate', '--batch', {str(path)!r}], standalone_mode=False)\n"
              "finally:\n"
              "    sys.stderr.write('MAXRSS %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    before = os.times()
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, stdout=sink,
                              stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    path.unlink()
    peak_kib = int(proc.stderr.rsplit("MAXRSS ", 1)[1].split()[0])
    return lines / elapsed, lines / cpu, peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--ratio-only", action="store_true",
                        help="only generated ÷ hand-written (issue 15): the three programmes, 9 interleaved pairs")
    parser.add_argument("--sql", action="store_true",
                        help="also the SQL backend beside evaluate --batch (benchmarks/sql.py; 1,000,000 per programme)")
    args = parser.parse_args()
    runs = 3 if args.quick else 5
    per_programme = 500 if args.quick else 5000
    batch_sizes = [1_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000]

    start_load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    policy, diagnostics, _ = check.load(POLICY)
    assert policy is not None, diagnostics
    module = generated_engine(policy)
    rows: list[tuple[str, str, str]] = []

    def row(what: str, figure: str, target: str = "") -> None:
        rows.append((what, figure, target))
        print(f"  {what}: {figure} {target}", file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        if args.ratio_only:
            ratios(module, per_programme, row)
            return report(rows, start_load)
        check_s = median_wall(CLI + ["check", str(POLICY)], runs)
        row("yeji-policy check, cold process (median)", f"{check_s:.3f} s", f"≤ {TARGETS['check_seconds']} s")
        build_s = median_wall(CLI + ["build", "--out", str(tmp_path / "out"), str(POLICY)], runs)
        row("yeji-policy build, cold process (median)", f"{build_s:.3f} s", f"≤ {TARGETS['build_seconds']} s")
        module_file = tmp_path / "out" / layout.module(policy.id)
        row("generated module import (median)", f"{import_ms(module_file, runs):.1f} ms",
            f"≤ {TARGETS['import_ms']:.0f} ms")

        for programme in policy.programmes:
            pid = programme.id
            apps = population.population(module.PROGRAMMES, pid, per_programme)
            generated = rate(module.evaluate, apps, pid, 7)
            interpreted = rate(lambda p, a: interpreter.evaluate(policy, p, a), apps[: per_programme // 5], pid, 1)
            target = f"≥ {TARGETS['equipment_per_second']:,}/s" if pid == "art09_equipment" else ""
            row(f"{pid}: evaluations/s, generated / interpreter", f"{generated:,.0f} / {interpreted:,.0f}", target)

        ratios(module, per_programme, row)

        for size in batch_sizes:
            throughput, cpu_rate, peak = batch_run(module.PROGRAMMES, size, tmp_path)
            row(f"evaluate --batch, {size:,} lines, every programme: lines/s (wall; CPU); peak memory",
                f"{throughput:,.0f}; {cpu_rate:,.0f}; {peak:.0f} MiB")
        size = batch_sizes[-1]
        throughput, cpu_rate, peak = batch_run(module.PROGRAMMES, size, tmp_path, "art09_equipment")
        row(f"evaluate --batch, {size:,} lines of art09_equipment: lines/s (wall; CPU); peak memory",
            f"{throughput:,.0f}; {cpu_rate:,.0f}; {peak:.0f} MiB", f"≥ {TARGETS['batch_lines_per_second']:,}/s")

    if args.sql:
        for pid, what, rate_text, peak_text in sql_bench.run(10_000 if args.quick else 1_000_000,
                                                              sql_bench.DEFAULT_PROGRAMMES):
            row(f"{pid}: {what}: applications/s; peak memory", f"{rate_text}; {peak_text}")

    report(rows, start_load)


def ratios(module, per_programme: int, row) -> None:
    """Generated ÷ careful hand-written code (benchmarks/handwritten.py: the same results, trace
    included), per programme, in CPU time."""
    for pid, function in handwritten.PROGRAMMES.items():
        apps = population.population(module.PROGRAMMES, pid, per_programme, seed=99)
        assert all(function(a) == module.evaluate(pid, a) for a in apps), pid
        # Interleaved passes, hand-written then generated, each pair timed in CPU seconds: the ratio
        # of each pair, so that a burst of load on a shared machine hits both sides of it alike.
        pairs, best, best_generated = [], float("inf"), float("inf")
        for _ in range(9):
            hand = cpu_seconds(function, apps)
            generated = cpu_seconds(lambda a, p=pid: module.evaluate(p, a), apps)
            pairs.append(generated / hand)
            best, best_generated = min(best, hand), min(best_generated, generated)
        row(f"{pid}: µs per application, hand-written / generated (best pass); generated time ÷ hand-written "
            f"time (median of 9 interleaved pairs, min–max)",
            f"{best / len(apps) * 1e6:.2f} / {best_generated / len(apps) * 1e6:.2f}; "
            f"{statistics.median(pairs):.2f} ({min(pairs):.2f}–{max(pairs):.2f})",
            f"≤ {TARGETS['ratio']}")


def report(rows: list, start_load: str) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}; "
               f"load average at the start {start_load}, at the end {load} (other jobs on the machine)")
    print(f"Machine: {machine}")
    print()
    print("| measure | figure | target |")
    print("|---|---|---|")
    for what, figure, target in rows:
        print(f"| {what} | {figure} | {target} |")


if __name__ == "__main__":
    main()
