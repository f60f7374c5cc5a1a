"""The cost of a whole-applicant evaluation (rules across programmes, #22), side by side.

    python benchmarks/cross.py [--rounds N]

On the pattern policy tests/cases/patterns/good/annual_total_cap.policy (three programmes under one
合计上限, whose total is above the room so that the cap applies), each round times, interleaved:
the generated module's evaluate_all, the same module's three evaluate calls, and the reference
interpreter's evaluate_all (CPU time per call).  It prints the medians and the median of the
per-round ratios evaluate_all ÷ three evaluate calls: the price of reading the whole application,
applying the rules and wording their steps.
"""

from __future__ import annotations

import argparse
import statistics
import time
from decimal import Decimal
from pathlib import Path

from yeji_policy import check, interpreter
from yeji_policy.pipeline import engine

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "tests/cases/patterns/good/annual_total_cap.policy"
APPLICATION = {"online_retail": Decimal(25000000), "warehouse_investment": Decimal(2000000), "new_talents": 3,
               "received_this_year": Decimal(100000)}
PARTS = [("retail_award", {"online_retail": Decimal(25000000)}),
         ("warehouse", {"warehouse_investment": Decimal(2000000)}), ("talent", {"new_talents": 3})]


def per_call(function, calls: int) -> float:
    """Microseconds of CPU time per call."""
    start = time.process_time()
    for _ in range(calls):
        function()
    return (time.process_time() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    policy, diagnostics = check.check_source(POLICY.read_text(encoding="utf-8"), str(POLICY))
    assert policy is not None, diagnostics
    module = engine(policy)
    whole, apart, reference, ratios = [], [], [], []
    for _ in range(args.rounds):
        a = per_call(lambda: module.evaluate_all(APPLICATION), args.calls)
        b = per_call(lambda: [module.evaluate(pid, app) for pid, app in PARTS], args.calls)
        c = per_call(lambda: interpreter.evaluate_all(policy, APPLICATION), max(1, args.calls // 4))
        whole.append(a)
        apart.append(b)
        reference.append(c)
        ratios.append(a / b)
    print(f"generated evaluate_all: {statistics.median(whole):.1f} µs; three evaluate calls: "
          f"{statistics.median(apart):.1f} µs; ratio (median of {args.rounds} rounds): {statistics.median(ratios):.2f}")
    print(f"interpreter evaluate_all: {statistics.median(reference):.1f} µs")


if __name__ == "__main__":
    main()
