"""What clause tracing costs `check`, and the task breakdown costs `build`, on the shipped policy.

    python benchmarks/tasks.py

Interleaved rounds, ratios side by side: `check` with the clause-coverage pass
against `check` with the pass replaced by one that finds nothing; the task
breakdown's three files against the rule sheet's three files.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from yeji_policy import check, clauses, pipeline  # noqa: E402
from yeji_policy.backends import sheets, tasks  # noqa: E402

POLICY = ROOT / "policies" / "yeji_ecommerce.policy"


def main() -> None:
    source = POLICY.read_text(encoding="utf-8")
    real = clauses.coverage

    def check_once(coverage) -> float:
        clauses.coverage = coverage
        try:
            start = time.perf_counter()
            check.check_source(source, POLICY.name)
            return time.perf_counter() - start
        finally:
            clauses.coverage = real

    ratios = [check_once(real) / check_once(lambda module: []) for _ in range(41)]
    print(f"check, coverage pass on/off: median ratio {statistics.median(ratios):.3f} (41 rounds); "
          f"{1000 * check_once(real):.1f} ms with it")

    policy = pipeline.load(POLICY).policy

    def timed(generate) -> float:
        start = time.perf_counter()
        generate(policy)
        return time.perf_counter() - start

    ratios = [timed(tasks.generate) / timed(sheets.generate) for _ in range(11)]
    print(f"task breakdown / rule sheet (md, html, docx each): median ratio {statistics.median(ratios):.3f} "
          f"(11 rounds); breakdown {1000 * timed(tasks.generate):.1f} ms")


if __name__ == "__main__":
    main()
