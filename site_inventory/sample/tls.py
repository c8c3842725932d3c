"""HTTPS for the sample sites: a test CA made at test time, and https servers with their http twins.

Parent platforms are https only, and their old ``http://`` URLs answer 301 to the https twin.
``make_certificates`` makes a CA and a server certificate for the hosts with ``openssl``;
``HttpsServers`` serves a source (e.g. ``city.SampleCity``) over TLS on one loopback port and its
``HttpTwin`` (301 to https for every path) on another, and gives the resolve rules for both.
"""
from __future__ import annotations

import functools
import shutil
import ssl
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from .build import Page, canonical_target
from .server import CountyServer

OPENSSL = shutil.which("openssl")


class HttpTwin:
    """The plain-http side of https-only sites: every path answers 301 to the same URL on https."""

    def __init__(self, source):
        self.source = source

    @property
    def hosts(self) -> list[str]:
        return list(self.source.hosts)

    def respond(self, host: str, target: str) -> Page | None:
        host = host.lower().split(":")[0].rstrip(".")
        if host not in self.hosts:
            return None
        key = canonical_target(target.partition("#")[0])
        https = self.source.respond(host, "/")
        return Page(f"http://{host}{key}", https.site_code if https else "", 301, "redirect", "text/html; charset=UTF-8",
                    b"", "utf-8", datetime(2020, 1, 1, tzinfo=timezone.utc), {"Location": f"https://{host}{key}"},
                    {"reason": "http_twin"})


def make_certificates(folder: Path, hosts: list[str]) -> tuple[Path, Path, Path]:
    """(ca.pem, cert.pem, key.pem): a test CA and a server certificate for ``hosts`` (SAN), made with openssl."""
    if OPENSSL is None:
        raise RuntimeError("openssl is needed to make the sample's test certificates")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.pem", "key.pem", "server.csr", "cert.pem"))
    run = functools.partial(subprocess.run, check=True, capture_output=True, timeout=60)
    run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=govmigrate sample CA",
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
    return ca, cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A TLS server context with ``cert`` and ``key`` loaded."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return context


class HttpsServers:
    """``source`` over https and its http twin, both on 127.0.0.1 (ephemeral ports); a context manager."""

    def __init__(self, source, cert: Path, key: Path, host: str = "127.0.0.1"):
        self.secure = CountyServer(source, host=host, ssl_context=server_context(cert, key))
        self.plain = CountyServer(HttpTwin(source), host=host)

    def resolve_rules(self) -> list[str]:
        """``HOST:443:ADDR:PORT`` and ``HOST:80:ADDR:PORT`` for every host."""
        return self.secure.resolve_rules() + self.plain.resolve_rules()

    @property
    def log(self):
        """Every request both servers answered, https first."""
        return self.secure.log + self.plain.log

    def start(self) -> "HttpsServers":
        self.secure.start()
        self.plain.start()
        return self

    def stop(self) -> None:
        self.plain.stop()
        self.secure.stop()

    def __enter__(self) -> "HttpsServers":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
