"""URL identity: the one canonical form of a URL used by every stage of govmigrate.

Two links that reach the same content must compare equal, or the crawl fetches a page twice
and a redirect plan misses an old URL. Canonical form: scheme and host lowercased, host in
IDNA (punycode), default port dropped, dot segments resolved, fragment removed, percent
escapes normalised (upper-case hex, unreserved characters decoded, non-ASCII encoded as UTF-8),
query parameters sorted, tracking and session parameters dropped and, when a site lists its
significant parameters (config ``sites: {CODE: {significant_params: [id]}}``), only those kept.
"""
from __future__ import annotations

import functools
import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Iterable, Mapping
from urllib.parse import urljoin, urlsplit, urlunsplit

import idna

# Dropped query parameters. Kept conservative: each one only tracks who shared a link or which
# session asked, never which content is shown. utm_* is matched as a prefix.
TRACKING_PARAMS = frozenset({
    "spm",            # Alibaba/Taobao tracking, common on links shared from Chinese apps
    "from",           # WeChat/Weibo share source (from=singlemessage, from=timeline)
    "isappinstalled", # WeChat share flag, always paired with from=
    "gclid",          # Google Ads click id
    "fbclid",         # Facebook click id
    "jsessionid",     # Java servlet session (Hanweb and most JSP sites)
    "phpsessid",      # PHP session
    "sessionid",      # generic session id
})
TRACKING_PREFIXES = ("utm_", "aspsessionid")
DEFAULT_PORTS = {"http": 80, "https": 443}
WEB_SCHEMES = ("http", "https")
CANONICAL_CACHE = 4096  # resolved links remembered (menus repeat on every page); small, so memory stays flat

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HEXDIG = frozenset("0123456789abcdefABCDEF")
# Characters left as they are in a path / in a query part (RFC 3986 pchar and query minus the
# separators we split on). Anything else is percent-encoded.
_PATH_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
_QUERY_SAFE = _UNRESERVED | frozenset("!$'()*+,;:@/?")
_SESSION_PATH_PARAM = re.compile(r";(?:jsessionid|phpsessid|sessionid)=[^/?#;]*", re.IGNORECASE)
_STRIPPED = re.compile(r"[\t\n\r]")
_DOT_ESCAPE = re.compile("%2e", re.IGNORECASE)
_REG_NAME = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=]*\Z")  # RFC 3986 reg-name, no escapes: no NUL, space, < ...
# Links a page on the parent platform may keep: web pages, mail and phone. Relative links are
# web links too. data: is kept for images only (an <img> never runs what it holds).
SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_LINK_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_IMAGE_DATA = re.compile(r"data:\s*image/[a-z0-9.+-]+\s*[;,]", re.IGNORECASE)


class URLError(ValueError):
    """A string that cannot be read as a URL (bad port, bad host name)."""


def _normalize_escapes(text: str, safe: frozenset) -> str:
    """Upper-case percent escapes, decode unreserved ones, encode everything not in ``safe``."""
    if "%" not in text and safe.issuperset(text):
        return text
    out = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "%" and i + 2 < n and text[i + 1] in _HEXDIG and text[i + 2] in _HEXDIG:
            decoded = chr(int(text[i + 1:i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1:i + 3].upper())
            i += 3
            continue
        if ch in safe:
            out.append(ch)
        else:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, so /a/./b/../c becomes /a/c and /../x becomes /x (a '..' at the root
    stays there). Run after unreserved escapes are decoded, so %2e%2e is a '..' too (section 6.2.2.2)."""
    if "." not in path:
        return path
    segments = path.split("/")
    out: list[str] = []
    for seg in segments[1:] if path.startswith("/") else segments:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    last = segments[-1]
    if last in (".", ".."):
        out.append("")
    return ("/" if path.startswith("/") else "") + "/".join(out)


def _host(hostname: str, url: str) -> str:
    """Lower-case, trailing dot removed, internationalised names as punycode (IDNA 2008/UTS 46)."""
    host = hostname.rstrip(".").lower()
    if not host or host.startswith("["):
        return host
    if ":" in host:  # an IPv6 literal (urlsplit took its brackets off)
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError:
            raise URLError(f"{url!r}: host {hostname!r} is not an IPv6 address") from None
    if host.isascii():
        if not _REG_NAME.match(host):
            raise URLError(f"{url!r}: host {hostname!r} holds a character no host name has")
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise URLError(f"{url!r}: host {hostname!r} is not a valid internationalised name ({exc})") from None


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def _query(query: str, significant: frozenset | None) -> str:
    """Normalised, filtered and sorted query string."""
    params = []
    for part in query.split("&"):
        if not part:
            continue
        name, eq, value = part.partition("=")
        name = _normalize_escapes(name, _QUERY_SAFE | frozenset("="))
        if _is_tracking(name):
            continue
        if significant is not None and name.lower() not in significant:
            continue
        params.append((name, eq + _normalize_escapes(value, _QUERY_SAFE | frozenset("="))))
    params.sort()
    return "&".join(name + value for name, value in params)


def _join(base: str, ref: str) -> str:
    """urljoin, with a fast path for the two commonest shapes of link: absolute, and /rooted."""
    if ref.startswith(("http://", "https://")):
        return ref
    if ref.startswith("/") and not ref.startswith("//") and base.startswith(("http://", "https://")):
        start = base.index("//") + 2
        ends = [i for i in (base.find("/", start), base.find("?", start), base.find("#", start)) if i >= 0]
        return (base[:min(ends)] if ends else base) + ref
    return urljoin(base, ref)


def _backslashes(text: str, base: str | None) -> str:
    """A backslash before the query of an http(s) link is a slash, as browsers read it (WHATWG URL):
    ``..\\..\\a.html`` on an old IIS site is ``../../a.html``. Other schemes keep theirs."""
    if "\\" not in text:
        return text
    cut = min((i for i in (text.find("?"), text.find("#")) if i >= 0), default=len(text))
    scheme = _LINK_SCHEME.match(text, 0, cut)
    web = scheme.group(1).lower() in WEB_SCHEMES if scheme else (base or "").lower().startswith(("http:", "https:"))
    return text[:cut].replace("\\", "/") + text[cut:] if web else text


def canonicalize(url: str, base: str | None = None, significant_params: Iterable[str] | None = None) -> str:
    """The canonical form of ``url`` (resolved against ``base`` first when given).

    Non-web URLs (mailto:, tel:, ...) come back with only surrounding space trimmed and the
    scheme lower-cased. Raises :class:`URLError` for a web URL with a bad port or host.
    """
    return canonical_and_request(url, base, significant_params)[0]


def request_form(url: str, base: str | None = None) -> str:
    """The URL as it should be requested: normalised like :func:`canonicalize`, except that the
    query keeps its parameters and their order (some servers care), only its escapes normalised."""
    return canonical_and_request(url, base)[1]


def canonical_and_request(
    url: str, base: str | None = None, significant_params: Iterable[str] | None = None
) -> tuple[str, str]:
    """Both forms of a URL with one parse: (canonical identity, form to request)."""
    text = _backslashes(_STRIPPED.sub("", url.strip()), base)
    if base:
        try:
            text = _join(base, text)
        except ValueError as exc:  # an unbalanced [ or ] in a host
            raise URLError(f"{url!r}: {exc}") from None
    significant = frozenset(p.lower() for p in significant_params) if significant_params is not None else None
    return _canonical_and_request(text, url, significant)


@functools.lru_cache(maxsize=CANONICAL_CACHE)
def _canonical_and_request(text: str, url: str, significant: frozenset | None) -> tuple[str, str]:
    """:func:`canonical_and_request` of a resolved URL, remembered: pages of a site repeat their
    menus, so most links were seen on an earlier page (``url`` is the text as found, for errors)."""
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # an unbalanced [ or ] in the host
        raise URLError(f"{url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        other = f"{scheme}:{text[len(scheme) + 1:]}" if scheme else text
        return other, other
    try:
        port = parts.port
    except ValueError:
        raise URLError(f"{url!r}: the port is not a number between 0 and 65535") from None
    host = _host(parts.hostname or "", url)
    if not host:
        raise URLError(f"{url!r}: no host name")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{_normalize_escapes(userinfo, _UNRESERVED | frozenset(':'))}@{netloc}"
    path = _SESSION_PATH_PARAM.sub("", parts.path) or "/"
    path = _remove_dot_segments(_normalize_escapes(path, _PATH_SAFE))
    canonical = urlunsplit((scheme, netloc, path, _query(parts.query, significant), ""))
    if not parts.query:
        return canonical, canonical
    raw_query = _normalize_escapes(parts.query, _QUERY_SAFE | frozenset("=&"))
    return canonical, urlunsplit((scheme, netloc, path, raw_query, ""))


def climbs_above_root(url: str, base: str | None = None) -> bool:
    """True when the path of ``url``, read against ``base``'s folder, has more '..' segments than
    folders to leave (``%2e`` counts as a dot): ``/a/../../etc/passwd``, or ``%2e%2e/x`` on a page at
    the root. RFC 3986 (and a browser) would stop such a path at the root; a link that needs that is
    broken or probing, so the crawl records it with this reason instead of fetching through it."""
    if ".." not in url and "%2" not in url and "\t" not in url and "\n" not in url and "\r" not in url:
        return False  # no '..' segment however it is spelt (the common case, told without a copy)
    text = _backslashes(_STRIPPED.sub("", url.strip()), base)
    if ".." not in text and "%2" not in text:
        return False
    parts = urlsplit(text)
    if parts.scheme and parts.scheme.lower() not in WEB_SCHEMES:
        return False
    path = _DOT_ESCAPE.sub(".", parts.path)
    if not parts.netloc and not path.startswith("/"):
        if not path or not base:
            return False
        folder = urlsplit(base).path
        path = (folder[:folder.rfind("/") + 1] or "/") + path
    depth = 0
    for segment in path.split("/")[1:]:
        if segment == "..":
            if depth == 0:
                return True
            depth -= 1
        elif segment != ".":
            depth += 1
    return False


def unsafe_link_scheme(value: str, image: bool = False) -> str | None:
    """The scheme of a link that is not a web, mail or phone link (javascript:, vbscript:,
    data:text/html ...), lower-cased; None for a link a page may keep (relative ones included).

    Read the way a browser reads an attribute (WHATWG URL): tab, LF and CR anywhere are ignored,
    and so are leading spaces and control characters; the scheme's case does not matter. So
    ``" JaVa\tScRiPt:alert(1)"`` is javascript. ``image``: the link is an <img> source, for
    which a ``data:image/...`` URL is kept.
    """
    text = _STRIPPED.sub("", value).lstrip("".join(map(chr, range(0x21))))
    match = _LINK_SCHEME.match(text)
    if match is None:
        return None
    scheme = match.group(1).lower()
    if scheme in SAFE_LINK_SCHEMES or image and scheme == "data" and _IMAGE_DATA.match(text):
        return None
    return scheme


def host_of(url: str) -> str:
    """The lower-case host (no port) of a URL; '' for a non-web URL."""
    return urlsplit(url).hostname or ""


def is_web_url(url: str) -> bool:
    """True for http(s) URLs, the only ones the crawler fetches."""
    return urlsplit(url.strip()).scheme.lower() in WEB_SCHEMES


@dataclass(frozen=True)
class Scope:
    """What belongs to a site: its hosts and aliases, under the site URL's path prefix if it has one.

    ``entries`` holds ``(host, port or None, path prefix)``; http and https count as the same site.
    """

    entries: tuple[tuple[str, int | None, str], ...]

    @classmethod
    def for_site(cls, url: str, aliases: Iterable[str] = ()) -> "Scope":
        """The scope of a site URL plus alias hosts (bare ``host[:port]`` or URLs with a path)."""
        entries = [_scope_entry(url)]
        for alias in aliases:
            alias = alias.strip()
            if alias:
                entries.append(_scope_entry(alias if "//" in alias else f"http://{alias}/"))
        return cls(tuple(dict.fromkeys(entries)))

    @property
    def hosts(self) -> list[str]:
        return list(dict.fromkeys(h for h, _, _ in self.entries))

    def contains(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in WEB_SCHEMES or not parts.hostname:
            return False
        port = parts.port or DEFAULT_PORTS[parts.scheme]
        for host, want_port, prefix in self.entries:
            if parts.hostname == host and (want_port is None or want_port == port):
                if (parts.path or "/").startswith(prefix):
                    return True
        return False


def _scope_entry(url: str) -> tuple[str, int | None, str]:
    parts = urlsplit(canonicalize(url))
    path = parts.path
    prefix = path[: path.rfind("/") + 1] or "/"
    port = parts.port if parts.port not in (None, DEFAULT_PORTS.get(parts.scheme)) else None
    return parts.hostname or "", port, prefix


def site_scope(site) -> Scope:
    """The scope of a site given as a Scope, a mapping (a ``sites`` row) or an object with url/aliases."""
    if isinstance(site, Scope):
        return site
    if isinstance(site, Mapping):
        url, aliases = site["url"], site.get("aliases") or []
    else:
        url, aliases = site.url, getattr(site, "aliases", None) or []
    if isinstance(aliases, str):
        aliases = json.loads(aliases) if aliases.strip().startswith("[") else aliases.split(",")
    return Scope.for_site(url, aliases)


def in_scope(url: str, site) -> bool:
    """True when ``url`` (canonical or not) belongs to the site: its hosts/aliases and path prefix."""
    try:
        return site_scope(site).contains(canonicalize(url))
    except URLError:
        return False
