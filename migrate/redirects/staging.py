"""A staging nginx on loopback serving the exported redirects, so they can be verified before cut-over.

``redirects export`` writes the config; :func:`staging_nginx` wraps it in a minimal nginx.conf
(:func:`migrate.redirects.nginx.standalone_conf`), checks it with ``nginx -t`` and runs nginx in the
foreground as a child process until the ``with`` block ends. :func:`stage` does both for the
closing sites (``govmigrate redirects stage``); the demo verifies its redirects this way.
"""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from migrate.redirects.nginx import standalone_conf
from migrate.redirects.export import ExportReport, export_redirects

START_TIMEOUT = 15.0  # seconds for nginx to listen after it started


class StagingError(Exception):
    """nginx is missing, rejects the config, or does not start listening."""


@dataclass
class Staging:
    """A running staging server: where it listens, the exported config it serves."""

    address: str
    export: ExportReport
    process: subprocess.Popen


def nginx_binary() -> str | None:
    """The nginx executable (Debian puts it in /usr/sbin, often not on a user's PATH), or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now: the export needs it before nginx starts."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def check_config(run_dir: Path, nginx: str) -> subprocess.CompletedProcess:
    """``nginx -t`` on ``run_dir/nginx.conf``: the same check an operator runs before a reload."""
    return subprocess.run([nginx, "-t", "-p", str(run_dir), "-c", str(run_dir / "nginx.conf")],
                          capture_output=True, text=True, timeout=600)


@contextlib.contextmanager
def staging_nginx(include: Path, run_dir: Path, port: int, host: str = "127.0.0.1"):
    """Run nginx serving ``include`` (the exported redirects.conf, listening on host:port) until exit."""
    nginx = nginx_binary()
    if not nginx:
        raise StagingError("nginx is not installed (apt-get install nginx)")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "nginx.conf").write_text(standalone_conf(Path(include), run_dir), encoding="utf-8")
    checked = check_config(run_dir, nginx)
    if checked.returncode != 0:
        raise StagingError(f"nginx -t rejected the config: {checked.stderr.strip()}")
    log = run_dir / "stderr.log"
    with open(log, "wb") as err:
        process = subprocess.Popen([nginx, "-p", str(run_dir), "-c", str(run_dir / "nginx.conf")],
                                   stdout=err, stderr=err)
    try:
        wait_until_listening(host, port, process, log)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_until_listening(host: str, port: int, process: subprocess.Popen, log: Path) -> None:
    """Return once host:port accepts a connection; fail with nginx's own words if it exited."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StagingError(f"nginx exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError):
            socket.create_connection((host, port), timeout=0.5).close()
            return
        time.sleep(0.05)
    raise StagingError(f"nginx did not listen on {host}:{port} within {START_TIMEOUT:.0f} s")


@contextlib.contextmanager
def stage(workspace, out, codes: Iterable[str] = (), port: int = 0, host: str = "127.0.0.1"):
    """Export the closing sites' nginx config to ``out`` and serve it on host:port (0: a free port).

    The address is stored as ``redirects.staging``, which ``shutdown`` verifies against.
    """
    if not nginx_binary():
        raise StagingError("nginx is not installed (apt-get install nginx)")
    port = port or free_port(host)
    out = Path(out)
    report = export_redirects(workspace, "nginx", out / "nginx", codes, listen=[f"{host}:{port}"])
    with staging_nginx(Path(report.files[0]), out / "run", port, host) as process:
        address = f"{host}:{port}"
        workspace.config.setdefault("redirects", {})["staging"] = address
        workspace.save_config()
        yield Staging(address, report, process)
