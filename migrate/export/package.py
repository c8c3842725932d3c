"""The package folder on disk: atomic file writes, the manifest, and checking a package against it.

Layout::

    DIR/manifest.json                 written last: no manifest, no complete package
    DIR/<site_code>/items.jsonl       one JSON item per line (schemas/item.schema.json)
    DIR/<site_code>/attachments/...   each file once per site, named from the old site, sanitised

Every file is written to a temporary name in the same folder and renamed into place, so a
crash leaves either the old file or the new one, never half of one. A run that changes
anything removes the manifest first and writes it again at the end.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from site_inventory import schema

MANIFEST = "manifest.json"
ITEMS_FILE = "items.jsonl"
ATTACHMENTS_DIR = "attachments"
FORMAT = "govmigrate-package"
FORMAT_VERSION = "1.0"
TMP_MARK = ".tmp-"


class PackageError(Exception):
    """The package folder cannot be used (not a package, a broken manifest, a file where a folder goes)."""


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class AtomicFile:
    """A file written under a temporary name and renamed into place by ``commit`` (``discard`` drops it)."""

    def __init__(self, path: Path, mode: str = "wb"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(f".{self.path.name[:60]}{TMP_MARK}{os.getpid()}")
        text = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
        self.handle = open(self.tmp, mode, **text)
        self.done = False

    def write(self, data) -> None:
        self.handle.write(data)

    def commit(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.tmp, self.path)
        _fsync_dir(self.path.parent)
        self.done = True

    def discard(self) -> None:
        if not self.done:
            self.handle.close()
            self.tmp.unlink(missing_ok=True)
            self.done = True

    def __enter__(self) -> "AtomicFile":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None and not self.done:
            self.commit()
        self.discard()


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename."""
    with AtomicFile(path) as handle:
        handle.write(data)


def sha256_file(path: Path) -> tuple[str, int]:
    """(hex sha256, size) of a file, read in 1 MiB blocks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def remove_stale_temporaries(out_dir: Path) -> int:
    """Temporary files a crashed run left behind; returns how many were removed."""
    removed = 0
    if out_dir.is_dir():
        for path in out_dir.rglob(f"*{TMP_MARK}*"):
            if path.is_file() and path.name.startswith("."):
                path.unlink()
                removed += 1
    return removed


def package_files(out_dir: Path):
    """Every file of the package except the manifest and temporaries, as sorted relative POSIX paths."""
    found = []
    for path in out_dir.rglob("*"):
        if path.is_file() and not (path.name.startswith(".") and TMP_MARK in path.name):
            rel = path.relative_to(out_dir).as_posix()
            if rel != MANIFEST:
                found.append(rel)
    return sorted(found)


def read_manifest(out_dir: Path) -> dict | None:
    path = Path(out_dir) / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PackageError(f"{path}: unreadable manifest ({exc})") from None


def remove_manifest(out_dir: Path) -> None:
    """Mark the package incomplete before changing it."""
    path = Path(out_dir) / MANIFEST
    if path.exists():
        path.unlink()
        _fsync_dir(path.parent)


def build_manifest(out_dir: Path, header: dict, sites: list[dict]) -> dict:
    """The manifest: ``header`` fields, per-site counts, totals, and sha256 + size of every file."""
    files = []
    for rel in package_files(out_dir):
        digest, size = sha256_file(out_dir / rel)
        files.append({"path": rel, "sha256": digest, "size": size})
    counts = {
        "sites": len(sites),
        "items": sum(site["items"] for site in sites),
        "attachments": sum(site["attachments"] for site in sites),
        "skipped": sum(site["skipped"] for site in sites),
        "failed": sum(site["failed"] for site in sites),
        "files": len(files),
        "bytes": sum(f["size"] for f in files),
    }
    return {"format": FORMAT, "format_version": FORMAT_VERSION, **header, "counts": counts, "sites": sites,
            "files": files}


def same_manifest(old: dict | None, new: dict) -> bool:
    """True when the two manifests differ at most in the time they were made."""
    if old is None:
        return False
    strip = lambda m: {k: v for k, v in m.items() if k != "generated_at"}  # noqa: E731
    return strip(old) == strip(new)


def write_manifest(out_dir: Path, manifest: dict) -> None:
    data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    atomic_write(Path(out_dir) / MANIFEST, data)


def manifest_header(workspace, tool_version: str) -> dict:
    platform = workspace.config.get("platform") or {}
    return {
        "tool": "govmigrate", "tool_version": tool_version, "workspace_schema_version": schema.SCHEMA_VERSION,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "platform": {"name": platform.get("name") or "", "base_url": platform.get("base_url") or ""},
        "url_template": (workspace.config.get("export") or {}).get("url_template"),
    }


def _site_entries(workspace, out: Path) -> list[dict]:
    """Per-site counts for the manifest, for every site folder in the package."""
    entries = []
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        items_file = folder / ITEMS_FILE
        items = sum(1 for _ in open(items_file, "rb")) if items_file.is_file() else 0
        files = folder / ATTACHMENTS_DIR
        counts = dict(workspace.db.execute(
            "SELECT status, count(*) FROM id_map WHERE site_code = ? AND kind != 'attachment' GROUP BY status",
            [folder.name]).fetchall())
        name = workspace.db.execute("SELECT name FROM sites WHERE site_code = ?", [folder.name]).fetchone()
        entries.append({
            "site_code": folder.name, "name": name[0] if name else "", "items_file": f"{folder.name}/{ITEMS_FILE}",
            "items": items, "attachments": sum(1 for p in files.iterdir() if p.is_file()) if files.is_dir() else 0,
            "skipped": counts.get("skipped", 0), "failed": counts.get("failed", 0),
        })
    return entries


def finish_manifest(workspace, out: Path, tool_version: str, force: bool = False) -> bool:
    """Write the manifest when the package changed or has none; True when it was written."""
    if not out.is_dir():
        return False
    manifest = build_manifest(out, manifest_header(workspace, tool_version), _site_entries(workspace, out))
    if not force and same_manifest(read_manifest(out), manifest):
        return False
    write_manifest(out, manifest)
    return True


def verify(out_dir: str | os.PathLike) -> list[str]:
    """Every problem of a package: no manifest, missing, changed or unlisted files. Empty when it is whole."""
    out_dir = Path(out_dir)
    manifest = read_manifest(out_dir)
    if manifest is None:
        return [f"{out_dir}: no {MANIFEST} (not a package, or an export did not finish)"]
    problems = []
    listed = {entry["path"]: entry for entry in manifest.get("files", [])}
    for rel, entry in listed.items():
        path = out_dir / rel
        if not path.is_file():
            problems.append(f"{rel}: listed in the manifest but missing")
            continue
        digest, size = sha256_file(path)
        if digest != entry["sha256"] or size != entry["size"]:
            problems.append(f"{rel}: sha256/size differ from the manifest")
    for rel in package_files(out_dir):
        if rel not in listed:
            problems.append(f"{rel}: in the folder but not in the manifest")
    return problems


def schema_path(name: str) -> Path:
    """A JSON Schema shipped with the tool: ``item`` or ``manifest``."""
    return Path(str(resources.files("migrate") / "schemas" / f"{name}.schema.json"))
