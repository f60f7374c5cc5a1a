"""HTTP benchmark of `yeji-policy serve`: requests/s and latency of POST /api/v1/evaluate/art09_equipment.

    python benchmarks/serve_http.py [--requests 20000] [--connections 16] [--quick] [--no-access-log]
                                    [--against DIR]

Starts `yeji-policy serve --port 0` (one uvicorn worker, access log on, as
users run it) on the loopback interface only, then drives it from this
process with a small keep-alive HTTP/1.1 client (an asyncio Protocol on
uvloop, `--connections` at once, a fixed number of requests: bounded in time
and memory).  Two runs: the server pinned to CPU 0 and the client to CPU 1
(`taskset`), then both unpinned, sharing the cores.  Each response is
checked (status 200, the amount the generated module gives).  Beside it, the
floor of the same server (a GET that does no work, 204).

The wall figures need a quiet machine; on a shared one, the CPU figures say
what the app costs whatever the load: the server's CPU time per request
(/proc/<pid>/stat over the measured requests) for evaluate and for the floor,
and the app alone (its ASGI callable driven in process, no server, no
socket), each with its ratio to the no-work request.  Prints the machine and
its load average before and after; the README records the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import statistics
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


SERVE_OPTIONS: list[str] = []  # --no-access-log: the server as started with that option


def start_server(cpu: int | None) -> tuple[subprocess.Popen, int]:
    command = [sys.executable, "-m", "yeji_policy.cli", "serve", "--host", "127.0.0.1", "--port", "0", *SERVE_OPTIONS]
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


class _Client(asyncio.Protocol):
    """One keep-alive connection sending `count` requests one after another (a Protocol,
    not streams: the client's own cost per request stays small beside the server's)."""

    def __init__(self, request: bytes, count: int, latencies: list[float], done: asyncio.Future):
        self.request, self.left, self.latencies, self.done = request, count, latencies, done
        self.buffer = b""

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.send()

    def send(self) -> None:
        self.began = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end]
        length = re.search(rb"(?i)content-length: *(\d+)", head)
        size = end + 4 + (int(length.group(1)) if length else 0)
        if len(self.buffer) < size:
            return
        body, self.buffer = self.buffer[end + 4:size], self.buffer[size:]
        self.latencies.append(time.perf_counter() - self.began)
        expected = b"HTTP/1.1 204" if self.request is FLOOR else b"HTTP/1.1 200"
        if not head.startswith(expected) or (self.request is not FLOOR and EXPECTED not in body):
            self.done.set_exception(SystemExit(f"unexpected response: {head[:40]!r} {body[:200]!r}"))
            self.transport.close()
            return
        self.left -= 1
        if self.left:
            self.send()
        else:
            self.transport.close()
            self.done.set_result(None)


async def _connection(port: int, count: int, latencies: list[float], request: bytes = EVALUATE) -> None:
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    await loop.create_connection(lambda: _Client(request, count, latencies, done), "127.0.0.1", port)
    await done


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _drive(port: int, requests: int, connections: int, request: bytes, pid: int) -> tuple[float, list[float], float]:
    latencies: list[float] = []
    # warm-up, not counted
    await asyncio.gather(*(_connection(port, 50, [], request) for _ in range(connections)))
    cpu = _cpu_seconds(pid)
    began = time.perf_counter()
    per = requests // connections
    await asyncio.gather(*(_connection(port, per, latencies, request) for _ in range(connections)))
    return time.perf_counter() - began, latencies, _cpu_seconds(pid) - cpu


def _event_loop():
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:  # pragma: no cover - the serve extra installs it
        return asyncio.new_event_loop()


def run(requests: int, connections: int, pinned: bool, request: bytes = EVALUATE) -> dict:
    proc, port = start_server(0 if pinned else None)
    try:
        if pinned:
            os.sched_setaffinity(0, {1})
        loop = _event_loop()
        try:
            elapsed, latencies, cpu = loop.run_until_complete(_drive(port, requests, connections, request, proc.pid))
        finally:
            loop.close()
    finally:
        if pinned:
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        proc.terminate()
        proc.wait(timeout=10)
    return {"rps": len(latencies) / elapsed, "p50": percentile(latencies, 0.5) * 1000,
            "p99": percentile(latencies, 0.99) * 1000, "max": max(latencies) * 1000, "n": len(latencies),
            "cpu_us": cpu / len(latencies) * 1e6}


def app_cpu(requests: int = 5000) -> tuple[float, float]:
    """CPU time per request of the app alone (the ASGI callable driven in process, no
    server, no sockets): POST evaluate and the no-work GET, in µs, best of 3."""
    from yeji_policy.web.app import load_app

    app = load_app()

    def scope(method: str, path: str, headers: list) -> dict:
        return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}

    evaluate = scope("POST", f"/api/v1/evaluate/{PROGRAMME}", [(b"host", b"127.0.0.1"),
                     (b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())])
    floor = scope("GET", "/favicon.ico", [(b"host", b"127.0.0.1")])

    async def drive(template: dict, body: bytes, count: int) -> None:
        async def receive():
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            pass

        for _ in range(count):
            await app(dict(template), receive, send)

    def per_request(template: dict, body: bytes) -> float:
        asyncio.run(drive(template, body, 200))
        best = float("inf")
        for _ in range(3):
            began = time.process_time()
            asyncio.run(drive(template, body, requests))
            best = min(best, (time.process_time() - began) / requests * 1e6)
        return best

    return per_request(evaluate, BODY), per_request(floor, b"")


def in_process(seconds: float = 1.0) -> float:
    from yeji_policy import batch, pipeline

    engine = pipeline.engine(pipeline.load(ROOT / "policies" / "yeji_ecommerce.policy").policy)
    count, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        for _ in range(200):  # what the server does per request, bar HTTP: read the body exactly, evaluate, write
            json.dumps(engine.evaluate(PROGRAMME, batch.loads_exact(BODY.decode())), ensure_ascii=False)
        count += 200
    return count / (time.perf_counter() - began)


def against(base: Path, requests: int, connections: int, rounds: int = 3) -> None:
    """Side by side with another checkout (e.g. `git archive main | tar -x -C /tmp/base`): its server and
    this one, interleaved, sharing the CPUs, the same client; medians of the rounds."""
    global ROOT
    roots = {"this checkout": ROOT, str(base): base.resolve()}
    runs: dict[str, list[dict]] = {name: [] for name in roots}
    try:
        for _ in range(rounds):
            for name, root in roots.items():
                ROOT = root
                runs[name].append(run(requests, connections, False))
    finally:
        ROOT = roots["this checkout"]
    print(f"side by side, interleaved, {rounds} rounds each, sharing the CPUs (medians):")
    for name, rs in runs.items():
        med = {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50", "p99", "cpu_us")}
        print(f"  {name:<36} {med['rps']:8,.0f} requests/s   p50 {med['p50']:6.2f} ms   p99 {med['p99']:6.2f} ms"
              f"   server CPU {med['cpu_us']:6.1f} µs/request")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--requests", type=int, default=20000)
    arguments.add_argument("--connections", type=int, default=16)
    arguments.add_argument("--quick", action="store_true", help="2,000 requests: a smoke run")
    arguments.add_argument("--no-access-log", action="store_true", help="serve without its access log")
    arguments.add_argument("--against", type=Path, metavar="DIR",
                           help="also run another checkout's server side by side (interleaved)")
    options = arguments.parse_args()
    if options.no_access_log:
        SERVE_OPTIONS.append("--no-access-log")
    requests = 2000 if options.quick else min(options.requests, 1_000_000)
    can_pin = shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.python_implementation()} "
          f"{platform.python_version()}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"POST /api/v1/evaluate/{PROGRAMME}, {requests:,} requests over {options.connections} keep-alive connections, "
          f"access log {'off' if options.no_access_log else 'on'}")
    rows = []
    if can_pin:
        rows.append(("server CPU 0, client CPU 1", run(requests, options.connections, True)))
    rows.append(("server and client sharing the CPUs", run(requests, options.connections, False)))
    rows.append(("floor: GET /favicon.ico (204), " + ("pinned" if can_pin else "shared"),
                 run(requests, options.connections, can_pin, FLOOR)))
    for label, r in rows:
        print(f"  {label:<36} {r['rps']:8,.0f} requests/s   p50 {r['p50']:6.2f} ms   p99 {r['p99']:6.2f} ms"
              f"   max {r['max']:7.2f} ms   server CPU {r['cpu_us']:6.1f} µs/request")
    print(f"  server CPU per request, evaluate ÷ floor: {rows[0][1]['cpu_us'] / rows[-1][1]['cpu_us']:.2f}")
    app, app_floor = app_cpu()
    print(f"  the app alone (ASGI in process): evaluate {app:.1f} µs CPU/request, no-work GET {app_floor:.1f} µs, "
          f"ratio {app / app_floor:.2f}")
    rate = in_process()
    print(f"  in process (read, evaluate, write JSON) {rate:8,.0f} /s   — HTTP costs {rate / rows[0][1]['rps']:.1f}× that")
    if options.against is not None:
        against(options.against, requests, options.connections)
    print(f"target: ≥ {TARGET_RPS:,} requests/s and p99 ≤ {TARGET_P99_MS:.0f} ms on one worker")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
