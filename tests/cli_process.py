"""Running the yeji-policy command in a fresh process, as a user's shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# For a test about the shipped policy's own numbers: other policies may sit beside it in policies/
# (a newer Yeji version would decide an undated application), so the test names its policy.
SHIPPED = ("--policy", str(ROOT / "policies" / "yeji_ecommerce.policy"))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """`yeji-policy ARGS…` from the repository root; output captured as text."""
    return subprocess.run([sys.executable, "-m", "yeji_policy.cli", *args], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def build_in_two_processes(policy_file: Path, base: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """`yeji-policy build` run twice, concurrently, in separate processes that differ in what
    could leak into the output: hash seed (set and dict order), working directory, and whether
    the policy is named by an absolute or a relative path. Returns both trees, path -> bytes."""
    runs = []
    for name, seed in (("a", "0"), ("b", "2718281828")):
        cwd = base / name / "work"
        cwd.mkdir(parents=True)
        policy_arg = str(policy_file) if name == "a" else os.path.relpath(policy_file, cwd)
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = base / name / "generated"
        proc = subprocess.Popen([sys.executable, "-m", "yeji_policy.cli", "build", "--out", str(out), policy_arg],
                                cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        runs.append((proc, out))
    trees = []
    for proc, out in runs:
        output, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, output
        trees.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    return trees[0], trees[1]
