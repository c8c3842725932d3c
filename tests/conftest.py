"""Fixtures shared by every test package: the sample county and a loopback server for it."""
from __future__ import annotations

import pytest

from site_inventory.sample.server import CountyServer
from site_inventory.sample.county import generate


@pytest.fixture(scope="session")
def sample_county():
    """The sample county generated with the default seed and as_of (see site_inventory.sample.county)."""
    return generate()


@pytest.fixture
def county_server(sample_county):
    """A running CountyServer for the sample county on 127.0.0.1 (ephemeral port), hits fresh per test."""
    with CountyServer(sample_county) as server:
        yield server
