"""A small LSP client: JSON-RPC with Content-Length framing over a subprocess's stdio.

Used by tests/test_lsp.py and benchmarks/lsp.py to drive `yeji-policy lsp` as an
editor would.  A reader thread collects every message; requests wait for their
own response, notifications are kept in order for the caller to wait on.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class LspClient:
    def __init__(self, *command: str, cwd: Path = ROOT):
        command = command or (sys.executable, "-m", "yeji_policy.cli", "lsp")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=cwd)
        self.next_id = 0
        self.responses: dict[int, dict] = {}
        self.notifications: "queue.Queue[dict]" = queue.Queue()
        self.lock = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.errors: list[bytes] = []  # the server's stderr, drained so that it can never block
        threading.Thread(target=lambda: self.errors.extend(iter(self.process.stderr.readline, b"")),
                         daemon=True).start()

    # -------------------------------------------------------- wire
    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    with self.lock:
                        self.lock.notify_all()
                    return
                line = line.decode("ascii").strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            message = json.loads(body.decode("utf-8"))
            if "id" in message and "method" not in message:
                with self.lock:
                    self.responses[message["id"]] = message
                    self.lock.notify_all()
            elif "id" in message:  # a request from the server (e.g. window/workDoneProgress/create)
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            else:
                self.notifications.put(message)

    def _send(self, message: dict) -> None:
        self.send_raw(json.dumps(message, ensure_ascii=False).encode("utf-8"))

    def send_raw(self, body: bytes) -> None:
        """One framed message whose body is sent as it is (to test what malformed input gets)."""
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    # -------------------------------------------------------- API
    def request(self, method: str, params: dict | None, timeout: float = 30) -> dict:
        """The whole response message (with "result" or "error")."""
        self.next_id += 1
        ident = self.next_id
        self._send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        return self.response(ident, timeout, method)

    def response(self, ident, timeout: float = 30, what: str = "") -> dict:
        """The response with id `ident` (None: one to a message whose id could not be read)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while ident not in self.responses:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    raise TimeoutError(f"no response to {what or ident}: {self.stderr_text()}")
                self.lock.wait(remaining)
            return self.responses.pop(ident)

    def result(self, method: str, params: dict | None):
        response = self.request(method, params)
        assert "error" not in response, response
        return response["result"]

    def notify(self, method: str, params: dict | None) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, method: str, predicate=lambda params: True, timeout: float = 30) -> dict:
        """The params of the next notification `method` that satisfies `predicate`;
        other notifications that arrive meanwhile are dropped."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {method} notification: {self.stderr_text()}")
            try:
                message = self.notifications.get(timeout=remaining)
            except queue.Empty:
                continue
            if message.get("method") == method and predicate(message.get("params")):
                return message["params"]

    def initialize(self, capabilities: dict | None = None) -> dict:
        result = self.result("initialize", {"processId": None, "rootUri": ROOT.as_uri(),
                                            "capabilities": capabilities or {}})
        self.notify("initialized", {})
        return result

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yeji-policy",
                                                              "version": version, "text": text}})

    def change(self, uri: str, text: str, version: int) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [{"text": text}]})

    def diagnostics(self, uri: str, version: int | None = None, timeout: float = 30) -> list[dict]:
        """The diagnostics published for `uri` (for `version`, when given)."""
        params = self.wait_for("textDocument/publishDiagnostics",
                               lambda p: p["uri"] == uri and (version is None or p.get("version") == version),
                               timeout)
        return params["diagnostics"]

    def shutdown(self, timeout: float = 10) -> int:
        """shutdown, exit; the server's exit code."""
        self.result("shutdown", None)
        self.notify("exit", None)
        return self.process.wait(timeout)

    def stderr_text(self) -> str:
        return b"".join(self.errors).decode("utf-8", errors="replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            stream.close()
