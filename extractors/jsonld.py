"""The schema.org JSON-LD blocks of a page (``<script type="application/ld+json">``), parsed.

Breadcrumbs (BreadcrumbList) and page metadata (datePublished, author, publisher) both read them;
a block that is not valid JSON is passed over, as browsers and search engines do.
"""
from __future__ import annotations

import json


def documents(tree):
    """Each JSON-LD block of the page that parses, in document order."""
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            yield json.loads(script.text)
        except ValueError:
            continue
