"""Fixtures shared by the migrate tests: the sample county taken through crawl, extraction and mapping once."""
from __future__ import annotations

import pytest

from migrate.export.run import export
from migrate.export.preview import PreviewServer, preview
from migrate.redirects.plan import plan
from site_inventory import resolve
from site_inventory.sample.server import CountyServer

import county_pipeline
from standins import ARCHIVE_HOST, ARCHIVE_TEMPLATE, ArchiveServer

PLATFORM_HOST = "www.qingxi.example.gov.cn"


@pytest.fixture(scope="session")
def county_workspace(sample_county, tmp_path_factory):
    """The county crawled, extracted and mapped once per session (tests work on copies: county_pipeline.copy)."""
    folder = tmp_path_factory.mktemp("county") / "ws"
    with CountyServer(sample_county) as server:
        return county_pipeline.build(folder, sample_county, server)


@pytest.fixture(scope="module")
def county(county_workspace, tmp_path_factory):
    """A copy of the county workspace with its package exported, previewed and the redirects planned."""
    folder = tmp_path_factory.mktemp("redirects")
    ws = county_pipeline.copy(county_workspace, folder / "ws")
    export(ws, out_dir=folder / "pkg")
    preview(ws, folder / "site")
    ws.config["redirects"]["archive_url_template"] = ARCHIVE_TEMPLATE
    ws.save_config()
    plan(ws)
    yield ws, folder
    ws.close()


@pytest.fixture
def platform(county):
    """The preview served on loopback as the parent platform, and the crawl's archive, their hosts resolved."""
    ws, folder = county
    with PreviewServer(folder / "site") as server, ArchiveServer(ws.db_path) as archive:
        port = server.httpd.server_address[1]
        resolve.save_rules(ws.db, [resolve.parse_rule(f"{PLATFORM_HOST}:80:127.0.0.1:{port}"),
                                   resolve.parse_rule(f"{ARCHIVE_HOST}:80:127.0.0.1:{archive.port}")])
        yield server
