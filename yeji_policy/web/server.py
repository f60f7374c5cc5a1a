"""Running the web app under uvicorn: one worker, the URL to open printed first, one line per request."""

from __future__ import annotations

import http
import logging
import socket
import sys
import urllib.parse

import click
import uvicorn

from .. import model as M
from .app import create_app


_PHRASES = {s.value: s.phrase for s in http.HTTPStatus}


def access_logged(app, write):
    """app, writing one line per request as uvicorn's access log words it
    (INFO:     127.0.0.1:51234 - "POST /api/v1/evaluate/art09_equipment HTTP/1.1" 200 OK).
    Written directly, not through uvicorn's logger: that one copies a log record and
    looks the status up in an enum per request, a third of a request's CPU time
    (benchmarks/serve_http.py, README "Web service")."""

    async def asgi(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        status = 500  # what uvicorn answers when the app fails before it responds

        async def sending(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            client = scope.get("client")
            path = urllib.parse.quote(scope["path"])
            if scope.get("query_string"):
                path += "?" + scope["query_string"].decode("ascii")
            write(f'INFO:     {f"{client[0]}:{client[1]}" if client else "-"} - "{scope["method"]} {path} '
                  f'HTTP/{scope["http_version"]}" {status} {_PHRASES.get(status, "")}\n')

    return asgi


def run(policy: M.Policy, host: str, port: int, access_log: bool = True) -> None:
    app = create_app(policy)
    # Bind first, so that the URL printed is the one listening (port 0 picks a free port).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # connections made as soon as the URL is printed wait for uvicorn, not fail
    except OSError as exc:
        click.echo(f"无法在 {host}:{port} 上监听：{exc.strerror or exc}", err=True)
        sys.exit(1)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    click.echo(f"《{policy.document.title}》网页服务已启动：http://{shown}:{bound}/  （按 Ctrl+C 停止）", err=True)
    log = logging.getLogger("yeji_policy.web")  # the app's own lines, beside the access log
    log.setLevel(logging.INFO)
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("INFO:     %(message)s"))
        log.addHandler(handler)
    if access_log:
        app = access_logged(app, sys.stderr.write)
    config = uvicorn.Config(app, log_level="info", access_log=False, server_header=False,
                            limit_concurrency=1000, timeout_keep_alive=5)
    uvicorn.Server(config).run(sockets=[sock])
