"""Host resolution per workspace, like curl's ``--resolve HOST:PORT:ADDR``.

An inventory keeps the sites' real names (``zhen1.example.gov.cn``) while requests go to a
local or staging address. As an extension, ``HOST:PORT:ADDR:PORT2`` also moves the port, so
one loopback server on an unprivileged port can stand in for many port-80 sites.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import sqlite_utils


class ResolveError(ValueError):
    """A resolve rule that cannot be parsed."""


@dataclass(frozen=True)
class Resolution:
    """Requests for ``host:port`` connect to ``address:target_port`` instead."""

    host: str
    port: int
    address: str
    target_port: int

    def __str__(self) -> str:
        addr = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.host}:{self.port}:{addr}:{self.target_port}"


def _port(text: str, rule: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ResolveError(f"--resolve {rule!r}: {text!r} is not a port number (1-65535)")
    return int(text)


def parse_rule(rule: str) -> Resolution:
    """Parse ``HOST:PORT:ADDR[:PORT2]`` (ADDR may be ``[v6]``)."""
    parts = rule.strip().split(":", 2)
    if len(parts) != 3 or not parts[0]:
        raise ResolveError(f"--resolve {rule!r}: expected HOST:PORT:ADDR[:PORT2]")
    host, port, rest = parts[0].lower().rstrip("."), _port(parts[1], rule), parts[2]
    if rest.startswith("["):
        address, _, tail = rest[1:].partition("]")
        target = tail[1:] if tail.startswith(":") else ""
    elif rest.count(":") == 1:
        address, target = rest.split(":")
    else:
        address, target = rest, ""
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise ResolveError(f"--resolve {rule!r}: {address!r} is not an IP address") from None
    return Resolution(host, port, address, _port(target, rule) if target else port)


def save_rules(db: sqlite_utils.Database, rules: list[Resolution], replace: bool = False) -> None:
    """Store rules in the workspace (a rule for the same host:port replaces the old one)."""
    with db.conn:
        if replace:
            db.execute("DELETE FROM host_resolutions")
        for r in rules:
            db["host_resolutions"].upsert(
                {"host": r.host, "port": r.port, "address": r.address, "target_port": r.target_port},
                pk=("host", "port"),
            )


def load_rules(db: sqlite_utils.Database) -> dict[tuple[str, int], Resolution]:
    """All rules of the workspace keyed by (host, port)."""
    rows = db.execute("SELECT host, port, address, target_port FROM host_resolutions").fetchall()
    return {(h, p): Resolution(h, p, a, t or p) for h, p, a, t in rows}


def lookup(rules: dict[tuple[str, int], Resolution], host: str, port: int) -> tuple[str, int]:
    """Where a connection to ``host:port`` should really go (unchanged when no rule matches)."""
    hit = rules.get((host.lower().rstrip("."), port))
    return (hit.address, hit.target_port) if hit else (host, port)
