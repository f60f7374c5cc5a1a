"""Evaluate a seeded population through one generated module file, for a whole-process A/B
of two modules (the generated module before and after a printer change):

    python benchmarks/module_file.py MODULE.py PROGRAMME [COUNT]

Imports MODULE.py from its path, evaluates COUNT applications of PROGRAMME (benchmarks/
population.py, seed 99, as benchmarks/run.py's ratio uses) and prints the number of
eligible results, so both sides do the same work and a caller can see they agree.  Time it
as a whole process, A against B in turn, with /usr/bin/time or any process timer."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import population  # noqa: E402


def main() -> None:
    path, pid = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 50_000
    spec = importlib.util.spec_from_file_location("module_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    eligible = 0
    for app in population.stream(module.PROGRAMMES, pid, count, seed=99):
        eligible += module.evaluate(pid, app)["status"] == "eligible"
    print(pid, count, eligible)


if __name__ == "__main__":
    main()
