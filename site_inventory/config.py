"""The workspace config file (govmigrate.yaml): defaults, loading, saving.

The config holds what people edit by hand (the parent platform, crawl politeness, per-site
overrides); everything the tool learns goes to the database instead.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

CONFIG_NAME = "govmigrate.yaml"

DEFAULTS: dict[str, Any] = {
    "platform": {"name": "", "base_url": ""},
    "crawl": {
        "contact": "",
        "delay": 1.0,
        "per_host_concurrency": 1,
        "max_pages": 50000,
        "max_depth": 30,
        "time_limit": None,
        "timeout": 15.0,
        "max_response_bytes": 50 * 1024 * 1024,
        "retries": 3,
        "respect_robots": True,
    },
    "extraction": {"overrides": {}},
    "audit": {"column_kinds": {}},
    "mapping": {"target_tree": None},
    "export": {"url_template": "{base}/{column_path}/{yyyy}{mm}/t{yyyymmdd}_{item_id}.html"},
    "redirects": {
        "allowlist": [],
        "archive_url_template": None,
        "notice_days": 30,
        "staging": None,
        "fallback": "410",
    },
    "sites": {},
}


class ConfigError(Exception):
    """The config file cannot be read or has a wrong shape."""


def merged(base: dict, override: dict) -> dict:
    """Deep-merge ``override`` onto a copy of ``base`` (dicts merge, other values replace)."""
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_config(path: Path) -> dict:
    """Read a config file and fill in defaults for anything it leaves out."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return merged(DEFAULTS, data)


def save_config(path: Path, config: dict) -> None:
    """Write the config as readable YAML with Chinese kept as characters; atomic."""
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(
        yaml.safe_dump(config, allow_unicode=True, sort_keys=False, default_flow_style=False),
        encoding="utf-8",
    )
    tmp.replace(path)


def site_config(config: dict, site_code: str) -> dict:
    """Per-site settings (significant query parameters, fallback, overrides) for one site."""
    return (config.get("sites") or {}).get(site_code) or {}
