"""Safe by default: the access token, the loopback Host check, CSRF tokens and the security headers.

On loopback (the default) the app answers only requests whose Host is a loopback name, so a web
page elsewhere cannot reach it through DNS rebinding. Bound anywhere else it needs the access
token: given once in the URL (``?token=``), then kept in an HttpOnly, SameSite=Strict cookie.
Every form carries the app's CSRF token; every page gets a Content-Security-Policy that runs
only the app's own script files.
"""
from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
TOKEN_COOKIE = "govmigrate_token"
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'self'")
# Old pages come from untrusted sites: a sandbox with no scripts, no forms, nothing fetched.
ARCHIVE_POLICY = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
           (b"x-frame-options", b"SAMEORIGIN"), (b"cache-control", b"no-store")]


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS


def host_name(host_header: str) -> str:
    """The name part of a Host header: ``[::1]:8765`` -> ``::1``, ``localhost:8765`` -> ``localhost``."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def same(given: str | None, expected: str) -> bool:
    """Compare secrets in constant time."""
    return bool(given) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class Guard:
    """ASGI middleware: the token or loopback Host check, and the security headers on every answer."""

    def __init__(self, app, token: str | None):
        self.app = app
        self.token = token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        refusal = self._refusal(scope, headers)
        if refusal:
            return await _answer(send, *refusal)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in HEADERS if n not in names]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, with_headers)

    def _refusal(self, scope, headers: dict):
        """(status, text, extra headers) when the request may not go on, else None."""
        if self.token is None:
            if not is_loopback(host_name(headers.get(b"host", b"").decode("latin-1"))):
                return 421, "只接受本机地址的请求（127.0.0.1 / localhost）", []
            return None
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if same(query.get("token"), self.token):
            rest = {k: v for k, v in query.items() if k != "token"}
            location = scope["path"] + (f"?{urlencode(rest)}" if rest else "")
            cookie = f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
            return 303, "", [(b"location", location.encode("utf-8")), (b"set-cookie", cookie.encode())]
        cookie = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
        if TOKEN_COOKIE in cookie and same(cookie[TOKEN_COOKIE].value, self.token):
            return None
        return 403, "需要访问令牌：请打开启动时打印的完整网址（含 ?token=）", []


async def _answer(send, status: int, text: str, extra: list) -> None:
    body = text.encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"content-security-policy", CONTENT_SECURITY_POLICY.encode())] + HEADERS + extra
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
