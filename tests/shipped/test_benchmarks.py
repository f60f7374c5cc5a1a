"""The benchmark's hand-written baseline must give the generated module's results, key for key:
otherwise the speed comparison in benchmarks/run.py compares different work (and its own
assertion stops the run).  A wording change in runtime.py breaks this first."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import handwritten  # noqa: E402
import population  # noqa: E402


@pytest.mark.parametrize("pid", sorted(handwritten.PROGRAMMES))
def test_the_hand_written_baseline_gives_the_generated_results(pid, generated_module):
    apps = population.population(generated_module.PROGRAMMES, pid, 1000, seed=99)
    different = [a for a in apps if handwritten.PROGRAMMES[pid](a) != generated_module.evaluate(pid, a)]
    assert different == [], different[:1]
