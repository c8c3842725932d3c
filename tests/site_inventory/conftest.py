"""Fixtures for crawler tests: a fault-injecting loopback server and a workspace pointed at it."""
from __future__ import annotations

import pytest

from faultserver import FaultServer, crawl_workspace


@pytest.fixture
def fault_server():
    """A running :class:`faultserver.FaultServer` on 127.0.0.1 with an ephemeral port."""
    with FaultServer() as server:
        yield server


@pytest.fixture
def fault_workspace(tmp_path, fault_server):
    """A workspace with the site ``faults.example.gov.cn`` served by ``fault_server``."""
    ws = crawl_workspace(tmp_path / "ws", fault_server)
    yield ws
    ws.close()
