"""Mutation testing for yeji-policy: does the test suite notice a plausible bug?

A small AST-based driver, standard library only. It finds every place in the configured
modules (engines, runtime, checker, units, tracing, diff, backends) where one of these
operators applies:

  compare      a comparison operator swapped (< ↔ ≤, > ↔ ≥, = ↔ ≠, in ↔ not in)
  arith        an arithmetic operator swapped (+ ↔ -, × → ÷)
  rounding     a rounding constant changed (ROUND_HALF_UP → ROUND_HALF_EVEN, …)
  minmax       min ↔ max (names and the "min"/"max" strings that name them), any ↔ all
  negate       an `if`/`while`/ternary condition negated; `and` ↔ `or`
  off_by_one   an integer constant in arithmetic or a comparison moved by one
  diagnostic   a statement that reports a diagnostic or an application error dropped

From all the candidates it takes a fixed, seeded, operator-balanced sample (plus the mutants
named in issue #21, always included). Each mutant is applied, alone, to a scratch copy of the
repository (only the mutated node's source text is replaced; the rest of the file, comments
included, is untouched); generated/ is rebuilt with the mutated code (a build that fails kills
the mutant, as CI would); then a fast selection of the test suite runs (`-x`, hypothesis seed 0,
the slow fuzzers left out). First the unmutated copy is built and tested the same way: if that
fails, the run stops (a failing suite would "kill" every mutant). A mutant is killed when the
build or a test fails or the run times out; it survives when every selected test passes.

    .venv/bin/python tools/mutate.py                  # the documented run (100 mutants, 30-60 min on 2 busy cores)
    .venv/bin/python tools/mutate.py --resume         # again, keeping the last run's kills
    .venv/bin/python tools/mutate.py --list           # the sample, without running it
    .venv/bin/python tools/mutate.py --only ID [ID…]  # re-run some mutants (ids from the report)

Results go to .mutation/ (gitignored): results.json (every mutant, its outcome and how long it
took) and report.md (the score and each survivor with its diff). Not run in CI: it is slow.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / ".mutation"

MODULES = [
    "yeji_policy/runtime.py",
    "yeji_policy/interpreter.py",
    "yeji_policy/check/structure.py",
    "yeji_policy/check/names.py",
    "yeji_policy/check/types_and_units.py",
    "yeji_policy/check/tables.py",
    "yeji_policy/check/embedded_tests.py",
    "yeji_policy/units.py",
    "yeji_policy/trace.py",
    "yeji_policy/diff.py",
    "yeji_policy/lower.py",
    "yeji_policy/backends/python.py",
    "yeji_policy/backends/schema.py",
    "yeji_policy/backends/sheets.py",
]

# The mutants of issue #21 that live in code, always in the sample:
# (module, operator, text of the line, which of that operator's mutants on the line, what it becomes).
PINNED = [
    ("yeji_policy/runtime.py", "rounding", "_ROUNDING = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_UP)", 0,
     "(decimal.ROUND_HALF_EVEN)"),  # 1. half up -> half even
    ("yeji_policy/runtime.py", "off_by_one", "return D(max(0, month_index(end) - month_index(start) + 1))", 1,
     "0"),  # 3. 月数 not inclusive
    ("yeji_policy/interpreter.py", "minmax", "value = min(values)", 0, "max"),  # 4. 最小 computing max
    ("yeji_policy/backends/python.py", "minmax", '_CALLS = {"min": "min", "max": "max"', 2,
     "'max'"),  # 5. 最小 -> max in the generated module (and 6. below: 最大 -> min)
    ("yeji_policy/backends/python.py", "minmax", '_CALLS = {"min": "min", "max": "max"', 3, "'min'"),
    ("yeji_policy/check/tables.py", "diagnostic", 'error("E0407"', 0, "pass"),  # 6. E0407 not reported
    ("yeji_policy/check/types_and_units.py", "negate", 'if left.type.kind != right.type.kind or (left.type.kind == "num"', 1,
     "(left.type.kind != right.type.kind and (left.type.kind == 'num' and left.type.dim != right.type.dim))"),  # 7. unit mismatch accepted in comparisons (or -> and)
    ("yeji_policy/diff.py", "compare", "if a != b:", 0, "(a == b)"),  # 8. field option changes not reported
]

# The fast selection: every test file of the configured modules, minus the slow fuzzers and the
# tests that start several processes (determinism, hand-edited builds) — about 20 s on this machine.
TESTS = ["tests/test_corpus.py", "tests/test_codes.py", "tests/shipped/test_evaluator.py", "tests/test_diagnostics.py",
         "tests/test_trace.py", "tests/test_diff.py", "tests/test_language.py", "tests/shipped/test_policy.py",
         "tests/test_generated_code.py", "tests/test_units.py",
         "tests/test_numerals.py", "tests/test_hostile.py", "tests/test_hostile_policy.py",
         "tests/test_hostile_drafting.py", "tests/test_visitor.py", "tests/test_ir.py", "tests/test_trace_records.py", "tests/test_cli_seams.py", "tests/shipped/test_forms.py",
         "tests/shipped/test_sheets.py", "tests/test_build.py"]
SLOW = ("mutated_policy", "strict_lalr", "random_json", "chromium", "refuses_hostile", "schema_and_evaluator_agree",
        "profile_schema_and_match", "too_many_list_items", "random_profiles", "never_prints_a_traceback",
        "lone_surrogates", "random_text", "token_soup", "deterministic", "hand_edited", "failing_backend",
        "refuses_a_broken", "killed_at_random", "precision_bound_is_sound", "every_hostile_policy",
        "many_tiers_and_options", "prints_to_pdf", "concurrent", "hostile_policies_never", "in_separate_processes")
TIMEOUT = 300  # seconds for one mutant's tests; an infinite loop is a kill, not a hang

COMPARE_SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                 ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In}
ARITH_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div}
NAME_SWAPS = {"min": "max", "max": "min", "any": "all", "all": "any"}
ROUNDING_SWAPS = {"ROUND_HALF_UP": "ROUND_HALF_EVEN", "ROUND_HALF_EVEN": "ROUND_HALF_UP", "ROUND_DOWN": "ROUND_UP",
                  "ROUND_UP": "ROUND_DOWN", "ROUND_FLOOR": "ROUND_CEILING", "ROUND_CEILING": "ROUND_FLOOR"}
REPORTERS = ("error", "warning", "warn", "problem")  # self.error(…), self.warning(…), problem(…)


@dataclass(frozen=True)
class Mutant:
    id: str
    module: str
    operator: str
    line: int
    col: int  # UTF-8 byte offset in the line, as ast gives it
    before: str  # the source text replaced
    after: str


# ---------------------------------------------------------------- finding mutants
def _segment(source_lines: list[str], node: ast.AST) -> str:
    return ast.get_source_segment("".join(source_lines), node) or ""


def _is_reporting(stmt: ast.stmt) -> bool:
    """A statement that reports a diagnostic or an application error."""
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return False
    func = stmt.value.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name in REPORTERS:
        return True
    if name == "append" and stmt.value.args:
        arg = stmt.value.args[0]
        inner = arg.func if isinstance(arg, ast.Call) else None
        called = inner.id if isinstance(inner, ast.Name) else inner.attr if isinstance(inner, ast.Attribute) else ""
        return called == "Diagnostic" or (isinstance(arg, ast.Dict) and any(
            isinstance(k, ast.Constant) and k.value == "message" for k in arg.keys))
    return False


TEXT_NAMES = {"prefix", "text", "label", "name", "reason", "message", "line", "lines", "words", "note", "where",
              "changes", "each", "head", "tail", "out", "html", "md", "path", "title", "hint", "source", "unit"}


def _texty(node: ast.AST) -> bool:
    """An operand that is text or a list (by its spelling): + on it is concatenation, not arithmetic."""
    if isinstance(node, (ast.JoinedStr, ast.List, ast.ListComp, ast.Tuple)):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes))
    if isinstance(node, ast.Name):
        return node.id in TEXT_NAMES
    if isinstance(node, ast.Attribute):  # p.applicant.value: a Str node's text
        return node.attr in TEXT_NAMES or (node.attr == "value" and isinstance(node.value, ast.Attribute))
    if isinstance(node, ast.Call):
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return called in ("str", "repr", "join", "format", "q", "_show", "render", "escape", "list", "tuple", "sorted") \
            or called.startswith(("step", "describe", "show", "_show", "_lit", "cents_string", "format"))
    if isinstance(node, ast.BinOp):
        return _texty(node.left) or _texty(node.right)
    if isinstance(node, ast.IfExp):
        return _texty(node.body) or _texty(node.orelse)
    if isinstance(node, ast.Subscript):  # KIND_LABELS[…], BASE_NAMES[…], m.values[0], line[a:b]
        base = node.value
        spelt = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""
        return spelt.endswith(("LABELS", "NAMES", "values")) or spelt in TEXT_NAMES
    return False


def candidates(module: str) -> list[Mutant]:
    path = ROOT / module
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: list[Mutant] = []

    def add(operator: str, node: ast.AST, new: ast.AST | str) -> None:
        before = ast.get_source_segment(source, node)
        if before is None:
            return
        # An expression replaced by an expression keeps its precedence: parenthesised.
        after = new if isinstance(new, str) else f"({ast.unparse(new)})"
        if after == before:
            return
        same_place = sum(m.line == node.lineno and m.col == node.col_offset and m.operator == operator for m in found)
        found.append(Mutant(f"{module}:{node.lineno}:{node.col_offset}:{operator}:{same_place}", module, operator,
                            node.lineno, node.col_offset, before, after))

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in COMPARE_SWAPS:
                    new = copy.deepcopy(node)
                    new.ops[i] = COMPARE_SWAPS[type(op)]()
                    add("compare", node, new)
        elif isinstance(node, ast.BinOp) and type(node.op) in ARITH_SWAPS:
            if _texty(node.left) or _texty(node.right):
                continue  # string or list concatenation: a crash, not a wrong number
            new = copy.deepcopy(node)
            new.op = ARITH_SWAPS[type(node.op)]()
            add("arith", node, new)
        elif isinstance(node, ast.Attribute) and node.attr in ROUNDING_SWAPS:
            add("rounding", node, ast.Attribute(node.value, ROUNDING_SWAPS[node.attr], node.ctx))
        elif isinstance(node, ast.Attribute) and node.attr in ("add", "subtract") and \
                isinstance(node.value, ast.Name) and node.value.id == "EXACT":
            add("arith", node, ast.Attribute(node.value, "subtract" if node.attr == "add" else "add", node.ctx))
        elif isinstance(node, ast.Name) and node.id in NAME_SWAPS and isinstance(parents.get(node), ast.Call) \
                and parents[node].func is node:
            add("minmax", node, NAME_SWAPS[node.id])
        elif isinstance(node, ast.Constant) and node.value in ("min", "max"):
            add("minmax", node, repr("max" if node.value == "min" else "min"))
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
            test = node.test
            add("negate", test, ast.UnaryOp(ast.Not(), copy.deepcopy(test)))
        elif isinstance(node, ast.BoolOp):
            new = copy.deepcopy(node)
            new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            add("negate", node, new)
        elif isinstance(node, ast.Constant) and type(node.value) is int and \
                isinstance(parents.get(node), (ast.BinOp, ast.Compare)):
            add("off_by_one", node, repr(node.value + 1))
            if node.value > 0:
                add("off_by_one", node, repr(node.value - 1))
        if isinstance(node, ast.stmt) and _is_reporting(node):
            add("diagnostic", node, "pass")
    return found


def apply(source: str, mutant: Mutant) -> str:
    """The source with the mutant's node replaced (found by its line, column and exact text)."""
    lines = source.splitlines(keepends=True)
    at = sum(len(line) for line in lines[:mutant.line - 1]) + \
        len(lines[mutant.line - 1].encode("utf-8")[:mutant.col].decode("utf-8"))
    assert source[at:at + len(mutant.before)] == mutant.before, mutant.id
    return source[:at] + mutant.after + source[at + len(mutant.before):]


def sample(count: int, seed: int) -> list[Mutant]:
    everything = [m for module in MODULES for m in candidates(module)]
    chosen: list[Mutant] = []
    for module, operator, text, nth, after in PINNED:
        lines = (ROOT / module).read_text(encoding="utf-8").splitlines()
        on_line = [m for m in everything if m.module == module and m.operator == operator and text in lines[m.line - 1]]
        if len(on_line) <= nth or (after is not None and on_line[nth].after != after):
            raise SystemExit(f"pinned mutant not found (the code changed?): {module} {operator} {text!r} #{nth}")
        chosen.append(on_line[nth])
    rng = random.Random(seed)
    by_operator: dict[str, list[Mutant]] = {}
    for m in everything:
        if m not in chosen:
            by_operator.setdefault(m.operator, []).append(m)
    for group in by_operator.values():
        rng.shuffle(group)
    while len(chosen) < count and any(by_operator.values()):
        for operator in sorted(by_operator):  # round robin: every operator as evenly as it has places
            if by_operator[operator] and len(chosen) < count:
                chosen.append(by_operator[operator].pop())
    return chosen


# ---------------------------------------------------------------- running them
def scratch_copy() -> Path:
    base = Path(tempfile.mkdtemp(prefix="yeji-mutation-"))
    ignore = shutil.ignore_patterns(".git", ".venv", ".mutation", "__pycache__", ".pytest_cache", ".hypothesis",
                                    "node_modules", "*.egg-info")
    shutil.copytree(ROOT, base / "repo", ignore=ignore)
    return base / "repo"


def run(mutant: Mutant, work: Path, env: dict) -> tuple[str, str, float]:
    """(outcome, detail, seconds): killed (build / tests / timeout) or survived."""
    started = time.monotonic()
    target = work / mutant.module
    original = target.read_text(encoding="utf-8")
    generated = work / "generated"
    pristine = work.parent / "generated.pristine"
    try:
        mutated = apply(original, mutant)
        try:
            compile(mutated, mutant.module, "exec")
        except SyntaxError as exc:
            return "invalid", f"does not compile: {exc}", 0.0
        target.write_text(mutated, encoding="utf-8")
        failure = build_and_test(work, env)
        return ("survived", "", time.monotonic() - started) if failure is None else \
            ("killed", failure, time.monotonic() - started)
    except subprocess.TimeoutExpired:
        return "killed", "timeout", time.monotonic() - started
    finally:
        target.write_text(original, encoding="utf-8")
        shutil.rmtree(generated, ignore_errors=True)
        shutil.copytree(pristine, generated)


def build_and_test(work: Path, env: dict) -> str | None:
    """Rebuild generated/ and run the fast selection; None when all passes, else what failed first."""
    build = subprocess.run([sys.executable, "-m", "yeji_policy.cli", "build"], cwd=work, env=env,
                           capture_output=True, text=True, timeout=120)
    if build.returncode != 0:
        return "build fails: " + (build.stdout + build.stderr).strip().splitlines()[-1][:200]
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                            "--hypothesis-seed=0", *TESTS, "-k", "not (" + " or ".join(SLOW) + ")"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    if tests.returncode == 0:
        return None
    failed = [line for line in tests.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    return (failed[0] if failed else tests.stdout.strip().splitlines()[-1])[:300]


def report(results: list[dict], started: str, seconds: float) -> str:
    valid = [r for r in results if r["outcome"] != "invalid"]
    killed = [r for r in valid if r["outcome"] == "killed"]
    survivors = [r for r in valid if r["outcome"] == "survived"]
    lines = [
        "# Mutation run",
        "",
        f"Started {started}, {seconds / 60:.1f} min; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}.",
        f"Modules: {', '.join(MODULES)}.",
        "",
        f"**{len(killed)} of {len(valid)} mutants killed ({100 * len(killed) / max(1, len(valid)):.1f}%)**; "
        f"{len(survivors)} survived; {len(results) - len(valid)} did not compile (not counted).",
        "",
        "| operator | killed | survived |",
        "|---|---|---|",
    ]
    for operator in sorted({r["operator"] for r in valid}):
        mine = [r for r in valid if r["operator"] == operator]
        lines.append(f"| {operator} | {sum(r['outcome'] == 'killed' for r in mine)} | "
                     f"{sum(r['outcome'] == 'survived' for r in mine)} |")
    lines += ["", "## Survivors", ""]
    for r in survivors:
        lines += [f"- `{r['id']}` (line {r['line']}): `{r['before']}` → `{r['after']}`"]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100, help="mutants in the sample (default 100)")
    parser.add_argument("--seed", type=int, default=21, help="seed of the sample (default 21)")
    parser.add_argument("--only", nargs="+", metavar="ID", help="run only these mutants (ids from a report)")
    parser.add_argument("--list", action="store_true", help="print the sample and stop")
    parser.add_argument("--resume", action="store_true",
                        help="keep the kills of the last results.json (tests only grow) and run the rest, "
                             "survivors included")
    args = parser.parse_args()
    mutants = sample(args.count, args.seed)
    if args.only:
        wanted = set(args.only)
        everything = {m.id: m for module in MODULES for m in candidates(module)}
        mutants = [everything[i] for i in args.only if i in everything]
        missing = wanted - {m.id for m in mutants}
        if missing:
            raise SystemExit(f"unknown mutant ids (the code changed since the report?): {sorted(missing)}")
    if args.list:
        for m in mutants:
            print(f"{m.id}\t{m.before!r} → {m.after!r}")
        return 0
    OUT.mkdir(exist_ok=True)
    work = scratch_copy()
    shutil.copytree(work / "generated", work.parent / "generated.pristine")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTHONHASHSEED")}
    env["PYTHONPATH"] = str(work)  # the scratch copy's package, not the editable install's
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    t0 = time.monotonic()
    results = []
    previous = {}
    if args.resume and (OUT / "results.json").exists():
        previous = {r["id"]: r for r in json.loads((OUT / "results.json").read_text(encoding="utf-8"))
                    if r["outcome"] in ("killed", "invalid")}
    try:
        # A mutant is killed when a test fails: that means something only if no test fails without it.
        baseline = build_and_test(work, env)
        if baseline is not None:
            raise SystemExit(f"the unmutated code already fails the selection, so no score would mean anything: "
                             f"{baseline}")
        shutil.rmtree(work / "generated")
        shutil.copytree(work.parent / "generated.pristine", work / "generated")
        for n, m in enumerate(mutants, 1):
            kept = previous.get(m.id)
            if kept is not None and (kept["before"], kept["after"]) == (m.before, m.after):
                results.append(kept)
                print(f"[{n}/{len(mutants)}] {kept['outcome']:8} (kept from the last run) {m.id}", flush=True)
                continue
            outcome, detail, seconds = run(m, work, env)
            results.append({**asdict(m), "outcome": outcome, "detail": detail, "seconds": round(seconds, 1)})
            print(f"[{n}/{len(mutants)}] {outcome:8} {seconds:5.1f}s {m.id}  {m.before!r} → {m.after!r}", flush=True)
            name = "results-only.json" if args.only else "results.json"
            (OUT / name).write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
    text = report(results, started, time.monotonic() - t0)
    (OUT / ("report-only.md" if args.only else "report.md")).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
