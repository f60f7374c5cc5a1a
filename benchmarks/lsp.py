"""Language server latency: from a didChange notification to the published diagnostics.

    python benchmarks/lsp.py [--changes 30]

Starts `yeji-policy lsp` as an editor would (a subprocess on stdio), opens the
shipped policy, then sends one full-text change at a time — alternately the
policy with a misspelt field (one E0201) and the policy as shipped — and times
each change until the diagnostics for that version arrive.  Prints the median,
p95 and maximum in milliseconds, against the target of 150 ms, side by side
with the bare pipeline (check.check_source on the same texts, in this process,
interleaved with the server's changes).  Then a burst: 20 changes sent at once,
as a fast typist's would queue up behind a running check; it reports how many
of them were checked and how long the last one took to be published.  It also
times hover and completion requests on the same document.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests")]

from lsp_client import LspClient  # noqa: E402

from yeji_policy import check  # noqa: E402

POLICY = ROOT / "policies" / "yeji_ecommerce.policy"
TARGET_MS = 150.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--changes", type=int, default=30)
    options = arguments.parse_args()

    text = POLICY.read_text(encoding="utf-8")
    line = "    金额 = equipment_investment × 80% 最高不超过 80万元"
    broken = text.replace(line, line.replace("equipment_investment", "equipment_investmnt"))
    assert broken != text
    uri = POLICY.as_uri()
    client = LspClient()
    try:
        started = time.perf_counter()
        client.initialize()
        client.open(uri, text)
        client.diagnostics(uri, 1)
        first = (time.perf_counter() - started) * 1000
        latencies, bare = [], []
        for version in range(2, options.changes + 2):
            wrong = version % 2 == 0
            began = time.perf_counter()
            client.change(uri, broken if wrong else text, version)
            diagnostics = client.diagnostics(uri, version)
            latencies.append((time.perf_counter() - began) * 1000)
            assert any(d["code"] == "E0201" for d in diagnostics) == wrong
            began = time.perf_counter()
            check.check_source(broken if wrong else text, str(POLICY))
            bare.append((time.perf_counter() - began) * 1000)
        # A burst: the changes queue up behind the first check and are debounced.
        first_version = options.changes + 2
        began = time.perf_counter()
        for version in range(first_version, first_version + 20):
            client.change(uri, broken if version % 2 == 0 else text, version)
        checked = []
        while not checked or checked[-1] != first_version + 19:
            checked.append(client.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)["version"])
        burst = (time.perf_counter() - began) * 1000
        # Requests on the current (clean) text.
        hovers, completions = [], []
        for _ in range(10):
            began = time.perf_counter()
            client.result("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 116, "character": 12}})
            hovers.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            client.result("textDocument/completion", {"textDocument": {"uri": uri},
                                                      "position": {"line": 116, "character": 9}})
            completions.append((time.perf_counter() - began) * 1000)
        client.shutdown()
    finally:
        client.kill()

    print(f"yeji-policy lsp — {platform.machine()}, Python {platform.python_version()}, {platform.system()}")
    print(f"start, initialize, open and first diagnostics: {first:.0f} ms")
    print(f"didChange → publishDiagnostics over {len(latencies)} changes of the shipped policy "
          f"({len(text.splitlines())} lines): median {statistics.median(latencies):.1f} ms, "
          f"p95 {percentile(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms (target ≤ {TARGET_MS:.0f} ms)")
    print(f"the bare pipeline (check_source) on the same texts: median {statistics.median(bare):.1f} ms, "
          f"p95 {percentile(bare, 0.95):.1f} ms; server / bare, medians: "
          f"{statistics.median(latencies) / statistics.median(bare):.2f}")
    print(f"a burst of 20 changes: {len(checked)} checked (versions {checked}), "
          f"the last published {burst:.0f} ms after the first was sent")
    print(f"hover: median {statistics.median(hovers):.1f} ms; completion: median {statistics.median(completions):.1f} ms")


if __name__ == "__main__":
    main()
