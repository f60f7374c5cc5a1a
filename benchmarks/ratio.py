"""The cost of the native constructs of #22 ratio against what a drafter wrote before them.

    python benchmarks/ratio.py [--rounds N]

Two pairs of policies, each pair giving the same amounts (checked on every application first):

- 累进 bands (tests/cases/patterns/good/equipment_bands_progressive.policy) against the
  workaround the issue describes: three hand-built steps from 最小/最大;
- a growth ratio as a 分档 base (revenue_growth_tiers.policy: an exact fraction) against
  the hand-written cross-multiplication `this ≥ last × 130%` in cases.

Each round evaluates a fixed population with the generated module of each side, in
alternating order (interleaved, so that a change in the machine's load falls on both);
the figures are the median of the per-round ratios native ÷ workaround, and the best rounds'.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = ROOT / "tests" / "cases" / "patterns" / "good"

from yeji_policy import check, pipeline  # noqa: E402

BANDS_BY_HAND = """
  令 first "500万元以内部分" = 最小(new_equipment_investment, 500万元)
  令 second "500万至2000万元部分" = 最大(最小(new_equipment_investment, 2000万元) - 500万元, 0元)
  令 third "2000万元以上部分" = 最大(new_equipment_investment - 2000万元, 0元)
  金额 = first × 5% + second × 3% + third × 1%
"""

GROWTH_BY_HAND = """  金额 = 情形 {
    当 revenue_last_year = 0元: 审核 "上年度营业收入为零，增长率无从计算，原文未作规定"
    当 revenue_this_year ≥ revenue_last_year × 130%: 10万元
    当 revenue_this_year ≥ revenue_last_year × 120%: 5万元
    其他: 0元
  }
"""


def _engine(source: str, name: str):
    policy, diagnostics = check.check_source(source, name)
    assert policy is not None, diagnostics
    return pipeline.engine(policy)


def _replace_amount(source: str, replacement: str) -> str:
    start = source.index("  金额 = ")
    end = source.index("\n}\n", start)
    return source[:start] + replacement.strip("\n") + source[end:]


def pairs():
    bands = (PATTERNS / "equipment_bands_progressive.policy").read_text(encoding="utf-8")
    growth = (PATTERNS / "revenue_growth_tiers.policy").read_text(encoding="utf-8")
    rng = random.Random(22)
    money = [Decimal(rng.randrange(0, 10**11)).scaleb(-2) for _ in range(500)]
    yield ("累进 bands", "equipment_bands", _engine(bands, "a.policy"),
           _engine(_replace_amount(bands, BANDS_BY_HAND), "b.policy"),
           [{"new_equipment_investment": x} for x in money])
    yield ("growth ratio as 分档 base", "growth_award", _engine(growth, "c.policy"),
           _engine(_replace_amount(growth, GROWTH_BY_HAND), "d.policy"),
           [{"revenue_this_year": x, "revenue_last_year": y} for x, y in zip(money, reversed(money))])


def _time(module, pid, apps) -> float:
    start = time.process_time()
    for app in apps:
        module.evaluate(pid, app)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    rounds = parser.parse_args().rounds
    for label, pid, native, by_hand, apps in pairs():
        for app in apps:  # the same decision and amount on both sides
            a, b = native.evaluate(pid, app), by_hand.evaluate(pid, app)
            assert (a["status"], a["amount"], a.get("amount_if_approved")) == \
                (b["status"], b["amount"], b.get("amount_if_approved")), (app, a, b)
        ratios, times = [], {"native": [], "by hand": []}
        for r in range(rounds):
            order = [("native", native), ("by hand", by_hand)] if r % 2 == 0 else [("by hand", by_hand), ("native", native)]
            seen = {name: _time(module, pid, apps) for name, module in order}
            for name, t in seen.items():
                times[name].append(t)
            ratios.append(seen["native"] / seen["by hand"])
        per_app = {name: min(t) / len(apps) * 1e6 for name, t in times.items()}
        print(f"{label}: native ÷ by hand = {statistics.median(ratios):.2f} (median of {rounds} rounds), "
              f"{min(times['native']) / min(times['by hand']):.2f} (best rounds); "
              f"best µs per application: native {per_app['native']:.1f}, by hand {per_app['by hand']:.1f}")


if __name__ == "__main__":
    main()
