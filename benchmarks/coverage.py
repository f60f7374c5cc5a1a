"""The cost of coverage hooks: the interpreter unobserved, observed, and as of another revision.

    python benchmarks/coverage.py [--rounds N] [--before REV]

Each round evaluates every embedded test case of the shipped policy 20 times
with each engine, in alternating order (interleaved, so that a change in the
machine's load falls on both sides); the figures are the median of the
per-round ratios and the ratio of the best rounds.  `--before REV` also times the interpreter as it was at git revision
REV (e.g. the commit before the coverage hooks): its ratio to today's
unobserved interpreter is the cost of the hooks when coverage is not measured.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from yeji_policy import check, coverage, interpreter  # noqa: E402


def _interpreter_at(rev: str):
    """yeji_policy/interpreter.py as of rev, loaded as a module of today's package (its relative imports)."""
    source = subprocess.run(["git", "show", f"{rev}:yeji_policy/interpreter.py"], cwd=ROOT, check=True,
                            capture_output=True).stdout
    path = Path(tempfile.mkdtemp()) / "interpreter_before.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("yeji_policy._interpreter_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--before", metavar="REV")
    args = parser.parse_args()
    policy, _, _ = check.load(ROOT / "policies" / "yeji_ecommerce.policy")
    cases = [c for c in policy.tests if c.expect.status != "invalid"]
    recorder = coverage.Recorder()
    engines = {
        "unobserved": lambda pid, app: interpreter.evaluate(policy, pid, app),
        "observed": lambda pid, app: interpreter.evaluate(policy, pid, app, recorder.make_run),
    }
    if args.before:
        before = _interpreter_at(args.before)
        engines["before"] = lambda pid, app: before.evaluate(policy, pid, app)

    def once(engine) -> float:
        start = time.perf_counter()
        for _ in range(20):
            for case in cases:
                engine(case.programme, case.application)
        return time.perf_counter() - start

    for engine in engines.values():  # warm caches
        once(engine)
    times: dict[str, list[float]] = {name: [] for name in engines}
    names = list(engines)
    for number in range(args.rounds):
        for name in names if number % 2 == 0 else reversed(names):
            times[name].append(once(engines[name]))
    print(f"{20 * len(cases)} evaluations per engine per round, {args.rounds} rounds")
    for name in names:
        print(f"  {name}: median {statistics.median(times[name]) * 1000:.1f} ms, best {min(times[name]) * 1000:.1f} ms per round")

    def ratio(a: str, b: str) -> None:
        ratios = [x / y for x, y in zip(times[a], times[b])]
        print(f"  {a} / {b}: median of the per-round ratios {statistics.median(ratios):.3f} "
              f"(min {min(ratios):.3f}, max {max(ratios):.3f}); best round / best round "
              f"{min(times[a]) / min(times[b]):.3f}")

    ratio("observed", "unobserved")
    if args.before:
        ratio("unobserved", "before")


if __name__ == "__main__":
    main()
