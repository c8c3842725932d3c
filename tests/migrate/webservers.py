"""Real nginx and Apache httpd on loopback for the redirect tests: config checked first, then run.

``free_port()`` picks a port before the config is written (the export needs it); the servers
run in the foreground as children of the test and are stopped by their process id.
"""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
from pathlib import Path

from site_inventory.sample.tls import make_certificates
from migrate.redirects.staging import free_port, nginx_binary, staging_nginx, wait_until_listening  # noqa: F401  (free_port: for the tests)

OPENSSL = shutil.which("openssl")
NGINX = nginx_binary()
APACHE = shutil.which("apache2") or ("/usr/sbin/apache2" if Path("/usr/sbin/apache2").exists() else None)


def running_nginx(include: Path, run_dir: Path, port: int):
    """nginx serving ``include`` (the exported redirects.conf) on 127.0.0.1:port; ``nginx -t`` must pass first."""
    return staging_nginx(include, run_dir, port)


@contextlib.contextmanager
def running_apache(include: Path, run_dir: Path, port: int, tls_port: int | None = None):
    """Apache httpd serving ``include`` on 127.0.0.1:port (and https on tls_port); ``apache2 -t`` first."""
    from migrate.redirects.apache import standalone_conf

    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o755)
    conf = run_dir / "httpd.conf"
    conf.write_text(standalone_conf(include, run_dir, f"127.0.0.1:{port}",
                                    tls_listen=f"127.0.0.1:{tls_port}" if tls_port else None), encoding="utf-8")
    checked = subprocess.run([APACHE, "-t", "-f", str(conf)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    log = run_dir / "stderr.log"
    with open(log, "wb") as err:
        process = subprocess.Popen([APACHE, "-f", str(conf), "-DFOREGROUND"], stdout=err, stderr=err)
    try:
        wait_until_listening("127.0.0.1", port, process, log)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def raw_get(port: int, host: str, target: bytes) -> tuple[int, str | None]:
    """(status, Location) of a GET whose request target is sent byte for byte (no client re-encoding)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    location = next((line.split(":", 1)[1].strip() for line in head if line.lower().startswith("location:")), None)
    return int(head[0].split()[1]), location


def certificates(folder: Path, hosts: list[str]) -> tuple[Path, Path, Path]:
    """(ca.pem, cert.pem, key.pem) from the sample's test CA maker, readable by nginx/Apache workers."""
    ca, cert, key = make_certificates(folder, hosts)
    for path in (key, cert, ca):
        path.chmod(0o644)
    return ca, cert, key
