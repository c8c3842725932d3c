"""Synthetic sites served on loopback from a separate process, for the crawl benchmarks.

The sites are the project's own lazy ``SyntheticSite`` (pages computed on request, never held
in memory) behind ``CountyServer``; running them in a child process keeps the server off the
crawler's CPU and GIL, and keeps the server's memory out of the crawler's measured peak RSS.
"""
from __future__ import annotations

import datetime
import multiprocessing
import sqlite3
import sys
from dataclasses import dataclass

from site_inventory.sample.server import CountyServer
from site_inventory.sample.synthetic import SyntheticSite


@dataclass(frozen=True)
class SiteSpec:
    """One synthetic site: its code, host name, the loopback address serving it, and its size."""

    code: str
    host: str
    address: str
    n_pages: int
    seed: int = 1


@dataclass(frozen=True)
class Stats:
    """Requests the servers answered, and the monotonic times of the first and last one."""

    requests: int
    first: float
    last: float
    per_host: dict

    @property
    def window(self) -> float:
        return self.last - self.first


def _serve(specs: list[SiteSpec], conn) -> None:
    servers = [CountyServer(SyntheticSite(s.host, s.n_pages, s.seed), host=s.address).start() for s in specs]
    conn.send([s.port for s in servers])
    while True:
        command = conn.recv()
        if command == "stats":
            logs = {s.hosts[0]: list(s.log) for s in servers}
            times = [h.time for log in logs.values() for h in log]
            conn.send(Stats(len(times), min(times, default=0.0), max(times, default=0.0),
                            {host: len(log) for host, log in logs.items()}))
        elif command == "reset":
            for s in servers:
                s.reset_hits()
            conn.send(None)
        else:
            for s in servers:
                s.stop()
            conn.send(None)
            return


class SiteProcess:
    """Serve ``specs`` from a child process, one CountyServer (ephemeral port) per site."""

    def __init__(self, specs: list[SiteSpec]):
        for spec in specs:
            if not spec.address.startswith("127."):
                raise ValueError(f"benchmarks serve on loopback only, not {spec.address}")
        self.specs = specs
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(specs, child), daemon=True)
        self._proc.start()
        self.ports: list[int] = self._conn.recv()

    def stats(self) -> Stats:
        self._conn.send("stats")
        return self._conn.recv()

    def reset(self) -> None:
        self._conn.send("reset")
        self._conn.recv()

    def close(self) -> None:
        if self._proc.is_alive():
            self._conn.send("stop")
            self._conn.recv()
        self._proc.join(5)

    def __enter__(self) -> "SiteProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def resolve_rules(self) -> list[str]:
        return [f"{s.host}:80:{s.address}:{port}" for s, port in zip(self.specs, self.ports)]


def make_workspace(folder, site: SiteProcess, **crawl_config):
    """A govmigrate workspace holding the served sites, with their resolve rules."""
    from site_inventory.resolve import parse_rule, save_rules
    from site_inventory.workspace import init_workspace

    ws = init_workspace(folder, "青溪县人民政府", "http://www.qingxi.example.gov.cn", "bench@example.gov.cn")
    ws.config["crawl"].update(crawl_config)
    ws.save_config()
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    ws.db["sites"].insert_all({
        "site_code": s.code, "name": f"站点{s.code}", "url": f"http://{s.host}/", "aliases": "[]",
        "level": "township", "parent_code": None, "action": "migrate", "owner": None,
        "created_at": now, "updated_at": now,
    } for s in site.specs)
    save_rules(ws.db, [parse_rule(rule) for rule in site.resolve_rules()])
    ws.close()


def govmigrate(workspace, *args: str) -> list[str]:
    """The command line running ``govmigrate -w WORKSPACE ARGS`` with this Python."""
    return [sys.executable, "-c", "from migrate.cli import main; main()", "-w", str(workspace), *args]


def fetched_pages(workspace) -> int:
    """HTML pages answered 200 that the crawl stored in the workspace."""
    conn = sqlite3.connect(f"{workspace}/workspace.db")
    try:
        return conn.execute("SELECT COUNT(*) FROM pages WHERE kind = 'page' AND status = 200").fetchone()[0]
    finally:
        conn.close()
