"""The sample city (second platform family) crawled over real https on loopback and extracted, for any test.

Import the fixtures into a test module or conftest (``from city_estate import sample_city,
city_certificates, city_workspace  # noqa: F401``). ``city_workspace`` is the folder of a workspace
built once per session (inventory imported from the sheet, both sites crawled through resolve
rules with the test CA as ``crawl.verify_tls``, every page extracted); tests that change it work on
``copy(folder, target)``. ``serving(ws, city, certs)`` runs the https servers and their http twins
again and points the workspace's resolve rules at them (e.g. to verify redirects against them).
"""
from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

from site_inventory import resolve
from site_inventory.inventory import import_inventory
from site_inventory.sample.city import generate
from site_inventory.sample.county import write_inventory_csv
from site_inventory.sample.tls import OPENSSL, HttpsServers, make_certificates
from site_inventory.workspace import init_workspace, open_workspace

BASE_URL = "https://www.yunzhou.example.gov.cn"


@pytest.fixture(scope="session")
def sample_city():
    """The sample city with the default seed and as_of (see site_inventory.sample.city)."""
    return generate()


@pytest.fixture(scope="session")
def city_certificates(sample_city, tmp_path_factory):
    """(ca.pem, cert.pem, key.pem) of a test CA for the city's hosts; skips without openssl."""
    if OPENSSL is None:
        pytest.skip("openssl is needed to make the sample city's test certificate")
    return make_certificates(tmp_path_factory.mktemp("city-tls"), sample_city.hosts)


@contextlib.contextmanager
def serving(ws, city, certs):
    """The city's https servers and http twins running, the workspace's resolve rules pointing at them."""
    _, cert, key = certs
    with HttpsServers(city, cert, key) as servers:
        resolve.save_rules(ws.db, [resolve.parse_rule(r) for r in servers.resolve_rules()], replace=True)
        yield servers


def build(folder: Path, city, certs) -> Path:
    """A workspace in ``folder``: the city's inventory imported, both sites crawled (delay 0) and extracted."""
    from extractors.runner import extract
    from site_inventory.crawl import crawl

    ws = init_workspace(folder, "云州市人民政府", BASE_URL)
    ws.config["crawl"]["verify_tls"] = str(certs[0])
    ws.save_config()
    import_inventory(ws, write_inventory_csv(city, folder.parent / f"{folder.name}-inventory.csv"))
    codes = [s["site_code"] for s in city.manifest["sites"]]
    with serving(ws, city, certs):
        crawl(ws, codes=codes, delay=0)
    extract(ws, codes=codes, processes=1)
    ws.close()
    return folder


def copy(source: Path, target: Path):
    """An opened copy of a built workspace folder (database, config and WARC files)."""
    shutil.copytree(source, target)
    return open_workspace(target)


@pytest.fixture(scope="session")
def city_workspace(sample_city, city_certificates, tmp_path_factory) -> Path:
    """The folder of the city's workspace, crawled over https and extracted once per session."""
    return build(tmp_path_factory.mktemp("city") / "ws", sample_city, city_certificates)
