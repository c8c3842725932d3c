"""Real nginx and Apache httpd on loopback for the redirect tests: config checked first, then run.

``free_port()`` picks a port before the config is written (the export needs it); the servers
run in the foreground as children of the test and are stopped by their process id.
"""
from __future__ import annotations

import contextlib
import functools
import shutil
import socket
import subprocess
from pathlib import Path

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
    """(ca.pem, cert.pem, key.pem): a test CA and a server certificate for ``hosts``, made with openssl."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.pem", "key.pem", "server.csr", "cert.pem"))
    run = functools.partial(subprocess.run, check=True, capture_output=True, timeout=60)
    run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=govmigrate test CA",
         "-keyout", str(ca_key), "-out", str(ca), "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    run([OPENSSL, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={hosts[0]}",
         "-keyout", str(key), "-out", str(csr)])
    extensions = folder / "server.ext"
    extensions.write_text("subjectAltName=" + ",".join(f"DNS:{h}" for h in hosts) + "\n"
                          "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                          "extendedKeyUsage=serverAuth\n", encoding="ascii")
    run([OPENSSL, "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
         "-days", "2", "-out", str(cert), "-extfile", str(extensions)])
    for path in (key, cert, ca):
        path.chmod(0o644)
    return ca, cert, key
