"""Drafting tools on huge generated policies: does the time grow with the size, and no faster?

    python benchmarks/drafting.py [--quick]

Each case generates a hostile policy (tests/hostile_policies.py) at two sizes,
ten times apart, and runs one command on it in-process (click's CliRunner):
`check` on thousands of articles, thousands of figures on one line, thousands
of misspelt names, a sum of thousands of terms; `fmt --check` on thousands of
articles; `diff` of an article of tens of thousands of characters against a
version edited every 500 characters.  It prints the CPU time and the
bytes printed at each size and the ratio of the times: a linear tool gives about
10.  --quick divides every size by 10 (a smoke test).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests")]

import hostile_policies as H  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from yeji_policy import cli  # noqa: E402

# (what, command, generator, small size); the large size is ten times the small.
CASES = [
    ("check: articles", "check", H.many_articles, 1_000),
    ("check: figures/line", "check", H.figures_on_one_line, 1_000),
    ("check: bare sentences", "check", H.uncovered_sentences, 1_000),
    ("check: misspelt names", "check", H.unknown_names, 300),
    ("check: sum terms", "check", H.long_sum, 400),
    # E0101 at the very end: the parser runs twice (the list of what may stand there is exact)
    ("check: syntax error", "check", lambda n: H.many_articles(n) + "\n条款 1\n", 1_000),
    ("fmt --check: articles", "fmt", H.many_articles, 1_000),
    ("diff: article chars", "diff", H.long_article, 5_000),
]


def run(command: str, generate, size: int, folder: Path) -> tuple[float, int, int]:
    """(seconds, bytes printed, exit code) of one command on the policy generated at `size`."""
    policy = folder / "p.policy"
    policy.write_text(generate(size), encoding="utf-8")
    if command == "diff":
        edited = folder / "q.policy"
        edited.write_text(generate(size, edit_every=500), encoding="utf-8")
        args = ["diff", str(policy), str(edited)]
    elif command == "fmt":
        args = ["fmt", "--check", str(policy)]
    else:
        args = [command, str(policy)]
    start = time.process_time()  # CPU time of every thread: the machine may be shared
    result = CliRunner().invoke(cli.main, args)
    seconds = time.process_time() - start
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return seconds, len(result.output.encode("utf-8")), result.exit_code


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--quick", action="store_true", help="sizes divided by 10")
    quick = options.parse_args().quick
    print(f"{'case':<24}{'size':>9}{'seconds':>9}{'bytes':>9}{'exit':>5}"
          f"{'size':>9}{'seconds':>9}{'bytes':>9}{'exit':>5}{'ratio':>7}")
    with tempfile.TemporaryDirectory() as folder:
        for what, command, generate, small in CASES:
            if quick:
                small = max(10, small // 10)
            sizes = (small, small * 10)
            measured = [run(command, generate, size, Path(folder)) for size in sizes]
            row = f"{what:<24}"
            for size, (seconds, printed, code) in zip(sizes, measured):
                row += f"{size:>9,}{seconds:>9.2f}{printed:>9,}{code:>5}"
            ratio = measured[1][0] / measured[0][0] if measured[0][0] else float("nan")
            print(row + f"{ratio:>7.1f}", flush=True)


if __name__ == "__main__":
    main()
