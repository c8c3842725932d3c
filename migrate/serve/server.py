"""Run the review app under uvicorn: in the foreground (``serve``) or in a thread (``Running``).

Loopback needs no token (the Host check keeps other sites out); any other address gets an
access token, made up when none is given and printed in the URL to open.
"""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Callable

import uvicorn

from .app import Settings, create_app
from .security import is_loopback, new_token

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def make_app(workspace_dir, host: str = DEFAULT_HOST, token: str | None = None, user: str = "",
             preview_dir=None, as_of: str | None = None):
    """(app, token): the token is required, and made up when not given, for any non-loopback host."""
    if not is_loopback(host) and not token:
        token = new_token()
    settings = Settings(Path(workspace_dir), user=user, preview_dir=Path(preview_dir) if preview_dir else None,
                        token=token, as_of=as_of)
    return create_app(settings), token


def open_url(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def serve(workspace_dir, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, token: str | None = None,
          user: str = "", preview_dir=None, as_of: str | None = None, echo: Callable[[str], None] = print) -> None:
    """Serve the workspace's review app until Ctrl-C, after printing the URL to open."""
    app, token = make_app(workspace_dir, host, token, user, preview_dir, as_of)
    with Running(app, host, port) as running:
        echo(f"审核台已启动 / review app: {open_url(host, running.port, token)}")
        if token:
            echo("绑定在非本机地址：访问需要上面网址中的令牌 (the token in the URL is required)")
        echo("按 Ctrl+C 停止 / press Ctrl+C to stop")
        try:
            running.thread.join()
        except KeyboardInterrupt:
            pass


class Running:
    """The app served by uvicorn in a thread on ``host:port`` (port 0: any free port)."""

    def __init__(self, app, host: str = DEFAULT_HOST, port: int = 0):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # accepted sockets inherit it: without it the body, written after the head, waits for the
        # client's delayed ACK (about 40 ms on every answer)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.bind((host, port))
        self.host, self.port = host, self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return open_url(self.host, self.port, None)

    def __enter__(self) -> "Running":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self.server.started:
            raise RuntimeError("the review app did not start")
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
