"""Running the yeji-policy command in a fresh process, as a user's shell would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """`yeji-policy ARGS…` from the repository root; output captured as text."""
    return subprocess.run([sys.executable, "-m", "yeji_policy.cli", *args], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
