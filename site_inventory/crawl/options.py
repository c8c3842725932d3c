"""The limits and pacing of one crawl: config ``crawl:`` section, overridden by arguments."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """The limits and pacing of one crawl (config ``crawl:`` overridden by arguments)."""

    max_pages: int
    max_depth: int
    delay: float
    time_limit: float | None
    refresh: bool
    per_host: int
    timeout: float
    max_response_bytes: int
    max_fetch_seconds: float
    retries: int
    backoff: float
    max_retry_after: float
    respect_robots: bool
    max_redirects: int
    max_sitemap_levels: int
    max_sitemaps: int
    max_workers: int
    verify_tls: bool | str  # False, True, or a CA bundle path

    @classmethod
    def from_config(cls, config: dict, **overrides) -> "Options":
        c = dict(config.get("crawl") or {})
        c.update({k: v for k, v in overrides.items() if v is not None})
        return cls(
            max_pages=int(c.get("max_pages") or 50000),
            max_depth=int(c.get("max_depth") if c.get("max_depth") is not None else 30),
            delay=float(c.get("delay") if c.get("delay") is not None else 1.0),
            time_limit=float(c["time_limit"]) if c.get("time_limit") else None,
            refresh=bool(c.get("refresh", False)),
            per_host=max(1, int(c.get("per_host_concurrency") or 1)),
            timeout=float(c.get("timeout") or 15.0),
            max_response_bytes=int(c.get("max_response_bytes") or 50 * 1024 * 1024),
            max_fetch_seconds=float(c.get("max_fetch_seconds") or 120.0),
            retries=int(c.get("retries") if c.get("retries") is not None else 3),
            backoff=float(c.get("backoff") if c.get("backoff") is not None else 1.0),
            max_retry_after=float(c.get("max_retry_after") or 120.0),
            respect_robots=bool(c.get("respect_robots", True)),
            max_redirects=int(c.get("max_redirects") or 10),
            max_sitemap_levels=int(c.get("max_sitemap_levels") or 3),
            max_sitemaps=int(c.get("max_sitemaps") or 100),
            max_workers=int(c.get("max_workers") or 64),
            verify_tls=c["verify_tls"] if isinstance(c.get("verify_tls"), str) else bool(c.get("verify_tls", True)),
        )
