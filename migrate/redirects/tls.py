"""HTTPS for the closed sites' redirect servers: the certificate to serve and the client side of verify.

Old sites were often served over https, and bookmarks, search engines and other sites keep
those links: the redirect server must answer them too. One certificate (a SAN or wildcard one
covering every host and alias of the closing sites) is written into each site's server block;
``redirects verify --against-tls`` then checks each old URL over TLS as well, with the old host
as SNI name, so a certificate that misses an alias fails verification instead of failing users.
"""
from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass


class TLSError(Exception):
    """The TLS options cannot be used as given."""


@dataclass(frozen=True)
class TLSOptions:
    """Where the redirect server answers https, and the certificate and key it serves."""

    listen: tuple[str, ...]
    cert: str
    key: str


def tls_options(listen=(), cert: str | None = None, key: str | None = None) -> TLSOptions | None:
    """The TLS options from the export's arguments: none at all, or a certificate and key (listen 443 by default)."""
    listen = tuple(listen or ())
    if not (listen or cert or key):
        return None
    if not cert or not key:
        raise TLSError("https needs both --tls-cert and --tls-key (a certificate covering every host and alias)")
    return TLSOptions(listen or ("443",), cert, key)


def client_context(ca_file: str | None = None, insecure: bool = False) -> ssl.SSLContext:
    """The context verify uses: system CAs (or ``ca_file``), host names checked unless ``insecure``."""
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise TLSError(f"--ca-file {ca_file}: {exc}") from None
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def target_context(verify_tls: bool | str = True, ca_file: str | None = None) -> ssl.SSLContext:
    """The context for fetching redirect targets: ``ca_file``, else the workspace's ``crawl.verify_tls``.

    ``crawl.verify_tls`` is the CA setting the crawl already uses for the same platforms: True
    (system CAs), a CA bundle path, or False (certificates not checked, e.g. a preview without one).
    """
    if ca_file:
        return client_context(ca_file)
    if isinstance(verify_tls, str):
        try:
            return client_context(verify_tls)
        except TLSError as exc:
            raise TLSError(f"crawl.verify_tls: {exc}".replace("--ca-file ", "")) from None
    return client_context(None, insecure=not verify_tls)


class SNIConnection(http.client.HTTPSConnection):
    """HTTPS to a fixed address with another name for SNI and certificate checks (the old site's host)."""

    def __init__(self, address: tuple[str, int], server_name: str, context: ssl.SSLContext, timeout: float):
        super().__init__(address[0], address[1], timeout=timeout, context=context)
        self.server_name = server_name

    def connect(self) -> None:
        raw = socket.create_connection((self.host, self.port), self.timeout)
        try:
            self.sock = self._context.wrap_socket(raw, server_hostname=self.server_name)
        except BaseException:
            raw.close()
            raise


__all__ = ["TLSError", "TLSOptions", "tls_options", "client_context", "target_context", "SNIConnection"]
