"""Running the web app under uvicorn: one worker, the URL to open printed first."""

from __future__ import annotations

import logging
import socket
import sys

import click
import uvicorn

from .app import create_app


def run(registry, host: str, port: int) -> None:
    """Serve every policy of the registry (versions.Registry)."""
    app = create_app(registry)
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
    titles = "、".join(f"《{p.document.title}》" for p in registry.current())
    click.echo(f"{titles}网页服务已启动：http://{shown}:{bound}/  （按 Ctrl+C 停止）", err=True)
    log = logging.getLogger("yeji_policy.web")  # the app's own lines, beside uvicorn's access log
    log.setLevel(logging.INFO)
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("INFO:     %(message)s"))
        log.addHandler(handler)
    config = uvicorn.Config(app, log_level="info", access_log=True, server_header=False,
                            limit_concurrency=1000, timeout_keep_alive=5)
    uvicorn.Server(config).run(sockets=[sock])
