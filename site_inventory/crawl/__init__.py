"""The crawl: fetch every URL of the sites politely, find what they link to, archive as WARC.

``engine`` runs a crawl (``crawl``), its host threads live in ``worker``, the single-host loop
in ``inline``; ``fetch`` and ``wire`` speak HTTP; ``frontier`` is the queue (``crawl_urls``),
``discovery``, ``robots``, ``traps``, ``analysis``, ``soft404`` and ``attachments`` decide what a
response is and what it points to; ``store``, ``outcomes``, ``journal`` and ``warc`` keep it.
May import the top of ``site_inventory`` only (never ``audit`` or ``sample``).

``from site_inventory.crawl import crawl, crawl_report, CrawlError`` is the public entry point;
it is loaded on first use so that importing one module of the room stays cheap.
"""
_PUBLIC = {"crawl": "engine", "crawl_report": "report", "CrawlError": "engine"}


def __getattr__(name):
    if name in _PUBLIC:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
