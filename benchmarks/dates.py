"""What evaluation as of a date costs: the generated module on the same seeded applications,
without and with `application_date`, side by side (alternating rounds, best of each).

    python benchmarks/dates.py [--rounds N]

Prints evaluations per second for every programme both ways and the ratio of the times.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks")]

import population  # noqa: E402

from yeji_policy import check, versions  # noqa: E402
from yeji_policy.pipeline import engine  # noqa: E402

POLICY = ROOT / "policies" / "yeji_ecommerce.policy"


def rate(evaluate, pid, apps) -> float:
    start = time.perf_counter()
    for app in apps:
        try:
            evaluate(pid, app)
        except ValueError:  # an invalid application costs its validation too
            pass
    return len(apps) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    policy = check.load(POLICY)[0]
    module = engine(policy)
    print(f"{'programme':34} {'undated/s':>10} {'dated/s':>10} {'time dated ÷ undated':>22}")
    for pid in policy.programme_ids:
        apps = population.population(module.PROGRAMMES, pid, 2000, seed=7)
        dated = [dict(app, **{versions.APPLICATION_DATE: "2026-06-01"}) for app in apps]
        plain = dated_rate = 0.0
        for _ in range(args.rounds):
            plain = max(plain, rate(module.evaluate, pid, apps))
            dated_rate = max(dated_rate, rate(module.evaluate, pid, dated))
        print(f"{pid:34} {plain:10,.0f} {dated_rate:10,.0f} {plain / dated_rate:22.2f}")


if __name__ == "__main__":
    main()
