"""Fixtures for mapping tests: the hand-built mini county and the crawled sample county, each in a real workspace."""
from __future__ import annotations

import shutil

import pytest

import county_workspace
import mini_county
from site_inventory.sample.server import CountyServer
from site_inventory.workspace import open_workspace


@pytest.fixture(scope="session")
def mini_template(tmp_path_factory):
    """The mini county built once; tests get their own copy of the workspace folder."""
    path = tmp_path_factory.mktemp("mini") / "ws"
    ws = mini_county.build(path)
    ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ws.close()
    return path


@pytest.fixture
def mini(tmp_path, mini_template):
    shutil.copytree(mini_template, tmp_path / "ws")
    ws = open_workspace(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def county_ws_template(sample_county, tmp_path_factory):
    """The sample county crawled and extracted once; tests get their own copy of the folder."""
    path = tmp_path_factory.mktemp("county") / "ws"
    with CountyServer(sample_county) as server:
        ws = county_workspace.build(path, sample_county, server)
    ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ws.close()
    return path


@pytest.fixture
def county_ws(county_ws_template, tmp_path):
    shutil.copytree(county_ws_template, tmp_path / "ws")
    ws = open_workspace(tmp_path / "ws")
    yield ws
    ws.close()
