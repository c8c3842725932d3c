"""robots.txt: what the crawler may fetch on a host, how long it must wait, where sitemaps are.

Parsed with protego (the parser Scrapy uses, RFC 9309 with Crawl-delay and Sitemap lines).
A missing robots.txt (4xx) allows everything; one that cannot be read (5xx, no connection)
allows nothing for this run, as RFC 9309 section 2.3.1.4 asks, and the skips say so.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from protego import Protego

PRODUCT = "govmigrate"


def tool_version() -> str:
    """The installed govmigrate version (for the User-Agent and WARC headers)."""
    try:
        from importlib.metadata import version

        return version("govmigrate")
    except Exception:  # running from a checkout that is not installed
        return "0.1.0"


def user_agent(version: str, contact: str = "") -> str:
    """The User-Agent the crawler sends: the tool, its version and who to contact."""
    return f"{PRODUCT}/{version} (+{contact})" if contact else f"{PRODUCT}/{version}"


@dataclass
class Robots:
    """The rules of one host."""

    parser: Protego | None = None
    unavailable: str | None = None  # why robots.txt could not be read (then nothing is allowed)
    sitemaps: list[str] = field(default_factory=list)

    @classmethod
    def from_response(cls, status: int | None, body: bytes = b"", error: str | None = None) -> "Robots":
        """Rules from a robots.txt fetch outcome (status None: no response, ``error`` says why)."""
        if status is None or status >= 500 or status == 429:
            return cls(unavailable=error or f"robots.txt answered HTTP {status}")
        if status >= 400 or status < 200 or status >= 300:
            return cls()
        text = body.decode("utf-8", errors="replace").lstrip("\ufeff")
        parser = Protego.parse(text)
        return cls(parser=parser, sitemaps=list(parser.sitemaps))

    @classmethod
    def allow_all(cls) -> "Robots":
        return cls()

    def allowed(self, url: str) -> bool:
        if self.unavailable:
            return False
        return self.parser is None or self.parser.can_fetch(url, PRODUCT)

    def crawl_delay(self) -> float:
        """Crawl-delay for our product token (or *), 0 when none is set."""
        if self.parser is None:
            return 0.0
        return float(self.parser.crawl_delay(PRODUCT) or 0.0)
