"""Real saved sites (../shared/estates, beside the project root) served over https on loopback as the kept parent.

``estate_folder(name)`` finds a mirror folder or skips the test with the reason; ``build(folder,
mirror, code, name, max_pages)`` crawls it over https (test CA, resolve rules to 127.0.0.1, the
http twin answering 301) into a new workspace and extracts it. ``zhecheng_workspace`` is the
柘城县 portal (EmpireCMS, HTTrack mirror) built once per session with a page cap, so a test stays
quick; call ``build`` with ``max_pages=None`` for the whole site (about 6,500 URLs with its
http links and 404s; minutes to extract).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from site_inventory.inventory import import_inventory
from site_inventory.sample.mirror import MirrorSite
from site_inventory.sample.tls import OPENSSL, make_certificates
from site_inventory.workspace import init_workspace

import city_estate

ESTATES = Path(os.environ.get("GOVMIGRATE_ESTATES", Path(__file__).resolve().parents[2] / "shared" / "estates"))
ZHECHENG = ("www.zhecheng.gov.cn", "4114240001", "柘城县人民政府")
TEST_PAGE_CAP = 300


def estate_folder(name: str) -> Path:
    """The mirror folder ``ESTATES/name``; skips the calling test when it is absent."""
    folder = ESTATES / name
    if not folder.is_dir():
        pytest.skip(f"real estate {name} is not at {folder} (../shared/estates beside the project root, "
                    "or set GOVMIGRATE_ESTATES)")
    return folder


def build(folder: Path, mirror: MirrorSite, code: str, name: str, max_pages: int | None = TEST_PAGE_CAP):
    """A workspace in ``folder`` with the mirror as its kept https parent, crawled (delay 0) and extracted.

    Returns ``(workspace folder, (ca, cert, key))``.
    """
    from extractors.runner import extract
    from site_inventory.crawl import crawl

    if OPENSSL is None:
        pytest.skip("openssl is needed to serve the real estate over https")
    certs = make_certificates(folder.parent / f"{folder.name}-tls", mirror.hosts)
    ws = init_workspace(folder, name, f"https://{mirror.host}")
    ws.config["crawl"]["verify_tls"] = str(certs[0])
    ws.save_config()
    sheet = folder.parent / f"{folder.name}-inventory.csv"
    sheet.write_text(f"site_code,name,url,level,action\n{code},{name},https://{mirror.host}/,county,keep\n",
                     encoding="utf-8")
    import_inventory(ws, sheet)
    with city_estate.serving(ws, mirror, certs):
        crawl(ws, codes=[code], delay=0, max_pages=max_pages)
    extract(ws, codes=[code], processes=1)
    ws.close()
    return folder, certs


@pytest.fixture(scope="session")
def zhecheng_workspace(tmp_path_factory):
    """(workspace folder, certificates, mirror) of the 柘城县 portal crawled over https up to TEST_PAGE_CAP pages."""
    host, code, name = ZHECHENG
    mirror = MirrorSite(estate_folder(host), host, code)
    folder, certs = build(tmp_path_factory.mktemp("zhecheng") / "ws", mirror, code, name)
    return folder, certs, mirror
