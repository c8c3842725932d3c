"""A saved copy of a real site (an HTTrack or wget mirror folder) served as that site, for tests and benches.

``MirrorSite(folder, host)`` answers like a plain static web server would: the file at the path
(the query is ignored, as a static server does), ``index.html`` for a folder, a 301 to the slash
form for a folder asked without it, 404 for anything else; content types by file extension.
Serve it with ``server.CountyServer`` (http) or ``tls.HttpsServers`` (https with an http twin).
Mirrors are taken as arguments and never copied into the project.
"""
from __future__ import annotations

import mimetypes
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

from .build import Page, canonical_target


class MirrorSite:
    """One host answered from a mirror folder (read-only; nothing outside the folder is served)."""

    def __init__(self, folder, host: str | None = None, site_code: str = "", scheme: str = "https"):
        self.folder = Path(folder).resolve()
        if not self.folder.is_dir():
            raise FileNotFoundError(f"mirror folder {folder} does not exist")
        self.host = (host or self.folder.name).lower()
        self.site_code, self.scheme = site_code, scheme

    @property
    def hosts(self) -> list[str]:
        return [self.host]

    def file_for(self, path: str) -> Path | None:
        """The file a URL path names, or None (missing, or outside the folder)."""
        local = (self.folder / unquote(path).lstrip("/")).resolve()
        if local != self.folder and self.folder not in local.parents:
            return None
        if local.is_dir():
            local = local / "index.html"
        return local if local.is_file() else None

    def respond(self, host: str, target: str) -> Page | None:
        host = host.lower().split(":")[0].rstrip(".")
        if host != self.host:
            return None
        path = canonical_target(target.partition("#")[0]).partition("?")[0] or "/"
        url = f"{self.scheme}://{self.host}{path}"
        if not path.endswith("/") and (self.folder / unquote(path).lstrip("/")).is_dir():
            return Page(url, self.site_code, 301, "redirect", "text/html", b"", None, _epoch(),
                        {"Location": f"{url}/"})
        local = self.file_for(path)
        if local is None:
            return None
        ctype = mimetypes.guess_type(local.name)[0] or "application/octet-stream"
        kind = "page" if ctype == "text/html" else "file"
        modified = datetime.fromtimestamp(local.stat().st_mtime, timezone.utc).replace(microsecond=0)
        return Page(url, self.site_code, 200, kind, ctype, local.read_bytes(), None, modified)


def _epoch() -> datetime:
    return datetime(2020, 1, 1, tzinfo=timezone.utc)
