"""Cost of the sums constructs (#22) in the generated module: the same 逐项 with and without its
合计最高不超过, and the 令 x = 逐项 … form with 最小; 20 stores, interleaved CPU-time pairs, median ratio.

Run from the repository root: .venv/bin/python benchmarks/sums.py"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from yeji_policy import check
from yeji_policy.pipeline import engine

ROOT = Path(__file__).resolve().parent.parent

src = (ROOT / "tests/cases/patterns/good/store_caps_and_total.policy").read_text(encoding="utf-8")
plain = src.replace(' 合计最高不超过 20万元 解释 "“企业合计最高20万元”是各门店补助之和的上限"', "")
let = (ROOT / "tests/cases/sums/good/let_sum_with_min.policy").read_text(encoding="utf-8")
mods = {}
for name, text in (("capped", src), ("plain", plain), ("let", let)):
    policy, diags = check.check_source(text, "bench.policy")
    assert policy is not None, diags  # the two corpus policies check clean; without its cap too
    mods[name] = engine(policy)
app = {"stores": [{"opened": True, "fitout": 200000}] * 20}


def run(m, n=2000):
    """CPU seconds per evaluation."""
    t = time.process_time()
    for _ in range(n):
        m.evaluate("store_fitout", app)
    return (time.process_time() - t) / n


for name in mods:  # warm up
    run(mods[name], 200)
pairs = {"capped": [], "let": []}
for _ in range(9):
    base = run(mods["plain"])
    for name in pairs:
        pairs[name].append(run(mods[name]) / base)
print("plain per evaluation (20 stores): %.1f µs" % (run(mods["plain"]) * 1e6))
for name, ratios in pairs.items():
    print(f"{name} / plain: median {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})")
