"""Fixtures for mapping tests: the hand-built mini county and the crawled sample county, each in a real workspace."""
from __future__ import annotations

import shutil

import pytest

import county_workspace
import mini_county
from site_inventory.sample.server import CountyServer
from site_inventory.workspace import open_workspace


def _template(ws):
    """Close a freshly built workspace with everything in the main file, ready to be copied."""
    ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ws.close()
    return ws.path


def _copy(template, tmp_path):
    """A test's own copy of a template workspace, closed after the test."""
    shutil.copytree(template, tmp_path / "ws")
    ws = open_workspace(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def mini_template(tmp_path_factory):
    """The mini county built once; tests get their own copy of the workspace folder."""
    return _template(mini_county.build(tmp_path_factory.mktemp("mini") / "ws"))


@pytest.fixture
def mini(tmp_path, mini_template):
    yield from _copy(mini_template, tmp_path)


@pytest.fixture(scope="session")
def county_ws_template(sample_county, tmp_path_factory):
    """The sample county crawled and extracted once; tests get their own copy of the folder."""
    with CountyServer(sample_county) as server:
        return _template(county_workspace.build(tmp_path_factory.mktemp("county") / "ws", sample_county, server))


@pytest.fixture
def county_ws(county_ws_template, tmp_path):
    yield from _copy(county_ws_template, tmp_path)
