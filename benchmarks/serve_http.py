"""HTTP benchmark of `yeji-policy serve`: requests/s and latency of POST /api/v1/evaluate/art09_equipment.

    python benchmarks/serve_http.py [--requests 20000] [--connections 16] [--quick]

Starts `yeji-policy serve --port 0` (one uvicorn worker) on the loopback
interface only, then drives it from this process with a small keep-alive
HTTP/1.1 client (asyncio streams, `--connections` at once, a fixed number of
requests: bounded in time and memory).  Two runs: the server pinned to CPU 0
and the client to CPU 1 (`taskset`), then both unpinned, sharing the cores.
Each response is checked (status 200, the amount the generated module gives).
Beside it, the floor of the same server (a GET that does no work, 204) and the
same application evaluated in process by the generated module, so that the
cost of the HTTP stack and of the app show as ratios.  Prints the machine and its load
average; the README records the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME = "art09_equipment"
BODY = b'{"equipment_investment": 123456.78, "equipment_audit_passed": true}'
EXPECTED = b'"amount":"98765.42"'
TARGET_RPS, TARGET_P99_MS = 2000, 20.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def start_server(cpu: int | None) -> tuple[subprocess.Popen, int]:
    command = [sys.executable, "-m", "yeji_policy.cli", "serve", "--host", "127.0.0.1", "--port", "0"]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu)] + command
    proc = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    line = proc.stderr.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the server did not start: {line}")
    # uvicorn logs every request: drain stderr so the pipe never blocks the server
    import threading

    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    return proc, int(match.group(1))


EVALUATE = (f"POST /api/v1/evaluate/{PROGRAMME} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n").encode() + BODY
# The floor: the same server answering a request that does no work (204, no body).
FLOOR = b"GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def _connection(port: int, count: int, latencies: list[float], request: bytes = EVALUATE) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(count):
        began = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)content-length: *(\d+)", head)
        body = await reader.readexactly(int(length.group(1))) if length else b""
        latencies.append(time.perf_counter() - began)
        if request is FLOOR:
            if not head.startswith(b"HTTP/1.1 204"):
                raise SystemExit(f"unexpected response: {head[:40]!r}")
        elif not head.startswith(b"HTTP/1.1 200") or EXPECTED not in body:
            raise SystemExit(f"unexpected response: {head[:40]!r} {body[:200]!r}")
    writer.close()


async def _drive(port: int, requests: int, connections: int, request: bytes) -> tuple[float, list[float]]:
    latencies: list[float] = []
    # warm-up, not counted
    await asyncio.gather(*(_connection(port, 50, [], request) for _ in range(connections)))
    began = time.perf_counter()
    per = requests // connections
    await asyncio.gather(*(_connection(port, per, latencies, request) for _ in range(connections)))
    return time.perf_counter() - began, latencies


def run(requests: int, connections: int, pinned: bool, request: bytes = EVALUATE) -> dict:
    proc, port = start_server(0 if pinned else None)
    try:
        if pinned:
            os.sched_setaffinity(0, {1})
        elapsed, latencies = asyncio.run(_drive(port, requests, connections, request))
    finally:
        if pinned:
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        proc.terminate()
        proc.wait(timeout=10)
    return {"rps": len(latencies) / elapsed, "p50": percentile(latencies, 0.5) * 1000,
            "p99": percentile(latencies, 0.99) * 1000, "max": max(latencies) * 1000, "n": len(latencies)}


def in_process(seconds: float = 1.0) -> float:
    from yeji_policy import batch, pipeline

    engine = pipeline.engine(pipeline.load(ROOT / "policies" / "yeji_ecommerce.policy").policy)
    count, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        for _ in range(200):  # what the server does per request, bar HTTP: read the body exactly, evaluate, write
            json.dumps(engine.evaluate(PROGRAMME, batch.loads_exact(BODY.decode())), ensure_ascii=False)
        count += 200
    return count / (time.perf_counter() - began)


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--requests", type=int, default=20000)
    arguments.add_argument("--connections", type=int, default=16)
    arguments.add_argument("--quick", action="store_true", help="2,000 requests: a smoke run")
    options = arguments.parse_args()
    requests = 2000 if options.quick else min(options.requests, 1_000_000)
    can_pin = shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.python_implementation()} "
          f"{platform.python_version()}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"POST /api/v1/evaluate/{PROGRAMME}, {requests:,} requests over {options.connections} keep-alive connections")
    rows = []
    if can_pin:
        rows.append(("server CPU 0, client CPU 1", run(requests, options.connections, True)))
    rows.append(("server and client sharing the CPUs", run(requests, options.connections, False)))
    rows.append(("floor: GET /favicon.ico (204), " + ("pinned" if can_pin else "shared"),
                 run(requests, options.connections, can_pin, FLOOR)))
    for label, r in rows:
        print(f"  {label:<36} {r['rps']:8,.0f} requests/s   p50 {r['p50']:6.2f} ms   p99 {r['p99']:6.2f} ms"
              f"   max {r['max']:7.2f} ms")
    rate = in_process()
    print(f"  in process (read, evaluate, write JSON) {rate:8,.0f} /s   — HTTP costs {rate / rows[0][1]['rps']:.1f}× that")
    print(f"target: ≥ {TARGET_RPS:,} requests/s and p99 ≤ {TARGET_P99_MS:.0f} ms on one worker")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")



if __name__ == "__main__":
    main()
