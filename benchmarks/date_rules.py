"""What rules with dates cost (#22): the corpus policies that use 满, 逐年 and 期间, evaluated by the
generated module and by the reference interpreter, in alternating rounds, beside the plain 月数 case
(tests/cases/months) as the baseline of a programme with two dates and no new construct.

    python benchmarks/date_rules.py [--rounds N]

Prints µs per evaluation (best round) for each engine and the ratio to the baseline's generated module.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from yeji_policy import check, interpreter  # noqa: E402
from yeji_policy.pipeline import engine  # noqa: E402

CASES = ROOT / "tests" / "cases"
PROGRAMMES = [
    ("months/good/months_between.policy", "rent", {"move_in": "2018-01-15", "claim_end": "2018-01-20"}),
    ("patterns/good/new_registration.policy", "new_firm_rent",
     {"registered_on": "2028-02-29", "leased_area": 150, "months": 6, "application_date": "2030-02-27"}),
    ("patterns/good/consecutive_years.policy", "production",
     {"production_started": "2024-02-29", "application_date": "2026-02-28"}),
    ("dates/good/periods.policy", "parcels", {"parcels_sent": 1000, "in_statistics": True, "has_center": True,
                                              "center_built_on": "2017-06-01", "application_date": "2025-07-01"}),
]


def per_call(run, number: int = 300) -> float:
    start = time.perf_counter()
    for _ in range(number):
        run()
    return (time.perf_counter() - start) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    runs = []
    for path, pid, app in PROGRAMMES:
        policy, diagnostics = check.check_source((CASES / path).read_text(encoding="utf-8"), Path(path).name)
        assert policy is not None, diagnostics
        module = engine(policy)
        runs.append((pid, "generated", lambda m=module, p=pid, a=app: m.evaluate(p, a)))
        runs.append((pid, "interpreter", lambda pol=policy, p=pid, a=app: interpreter.evaluate(pol, p, a)))
    best = {(pid, name): float("inf") for pid, name, _ in runs}
    for index in range(rounds):
        for pid, name, run in (runs if index % 2 == 0 else list(reversed(runs))):  # interleaved
            best[pid, name] = min(best[pid, name], per_call(run))
    baseline = best["rent", "generated"]
    for (pid, name), micros in best.items():
        print(f"{pid:15s} {name:11s} {micros:8.1f} µs  ×{micros / baseline:.2f} of the 月数 baseline")


if __name__ == "__main__":
    main()
