"""Fixtures shared by the migrate tests: the sample county taken through crawl, extraction and mapping once."""
from __future__ import annotations

import pytest

from site_inventory.demo_server import CountyServer

import county_pipeline


@pytest.fixture(scope="session")
def county_workspace(sample_county, tmp_path_factory):
    """The county crawled, extracted and mapped once per session (tests work on copies: county_pipeline.copy)."""
    folder = tmp_path_factory.mktemp("county") / "ws"
    with CountyServer(sample_county) as server:
        return county_pipeline.build(folder, sample_county, server)
