"""Fixtures of the review app tests: the app over a copy of the county, served for real on loopback."""
from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest

from migrate.serve.server import Running, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SITE = "3311270001"  # 青溪县城关镇: a township with pending suggestions and 410 decisions


@pytest.fixture(scope="module")
def review(county):
    """(running app, workspace, its folder): the county exported, previewed and planned, served on 127.0.0.1."""
    ws, folder = county
    app, _ = make_app(ws.path, user="测试审核人", preview_dir=folder / "site")
    with Running(app) as running:
        yield running, ws, folder


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, data: dict | None = None, headers: dict | None = None):
    """(status, headers, text) of a GET (or a form POST), redirects not followed, errors returned."""
    from urllib.parse import urlencode

    body = urlencode(data, doseq=True).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as resp:
            return resp.status, resp.headers, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode("utf-8", "replace")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def chromium_or_skip() -> Path:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent (Debian's chromium, installed by .ci/run)")
    return Path(CHROMIUM)
