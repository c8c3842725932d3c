"""A workspace: one folder holding a migration's config file and its SQLite database.

The database (``workspace.db``) is the single source of truth between stages; every command
opens it through :class:`Workspace`, which upgrades an older schema in place.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from . import schema
from .config import CONFIG_NAME, DEFAULTS, load_config, merged, save_config

DB_NAME = "workspace.db"
ENV_VAR = "GOVMIGRATE_WORKSPACE"


class WorkspaceError(Exception):
    """No workspace where one was expected, or one already where a new one was asked for."""


def connect(db_path: Path) -> sqlite_utils.Database:
    """Open the database in WAL mode (readers never block the crawler's writes) and migrate it."""
    db = sqlite_utils.Database(db_path)
    db.execute("PRAGMA busy_timeout = 30000")
    db.enable_wal()
    schema.migrate(db)
    return db


@dataclass
class Workspace:
    """An opened workspace: its folder, its config and its database."""

    path: Path
    config: dict = field(repr=False)
    db: sqlite_utils.Database = field(repr=False)

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_NAME

    @property
    def db_path(self) -> Path:
        return self.path / DB_NAME

    def save_config(self) -> None:
        """Write the (edited) config back to the workspace folder."""
        save_config(self.config_path, self.config)

    def site_codes(self, actions: tuple[str, ...] | None = None) -> list[str]:
        """All site codes of the inventory, optionally only those with the given actions."""
        if actions:
            marks = ",".join("?" for _ in actions)
            rows = self.db.execute(
                f"SELECT site_code FROM sites WHERE action IN ({marks}) ORDER BY site_code", actions
            )
        else:
            rows = self.db.execute("SELECT site_code FROM sites ORDER BY site_code")
        return [row[0] for row in rows]

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def find_workspace_dir(path: str | os.PathLike | None = None) -> Path:
    """The workspace folder: the given path, else $GOVMIGRATE_WORKSPACE, else the current folder."""
    return Path(path or os.environ.get(ENV_VAR) or ".").resolve()


def open_workspace(path: str | os.PathLike | None = None) -> Workspace:
    """Open an existing workspace, or fail with a message that says how to create one."""
    folder = find_workspace_dir(path)
    if not (folder / CONFIG_NAME).exists() or not (folder / DB_NAME).exists():
        raise WorkspaceError(
            f"no govmigrate workspace in {folder} (expected {CONFIG_NAME} and {DB_NAME}); "
            f"create one with 'govmigrate init {folder}' or point to one with -w DIR "
            f"or ${ENV_VAR}"
        )
    return Workspace(folder, load_config(folder / CONFIG_NAME), connect(folder / DB_NAME))


def init_workspace(
    path: str | os.PathLike,
    platform_name: str = "",
    base_url: str = "",
    contact: str = "",
    force: bool = False,
) -> Workspace:
    """Create a workspace folder with a config file and an empty, current-schema database."""
    folder = Path(path).resolve()
    if (folder / CONFIG_NAME).exists() and not force:
        raise WorkspaceError(f"{folder} already holds a workspace ({CONFIG_NAME}); use --force to reset its config")
    folder.mkdir(parents=True, exist_ok=True)
    config = merged(DEFAULTS, {"platform": {"name": platform_name, "base_url": base_url}, "crawl": {"contact": contact}})
    save_config(folder / CONFIG_NAME, config)
    return Workspace(folder, config, connect(folder / DB_NAME))
