"""Progress of a crawl on stderr: one overall bar and one line per site (done / queued / failed)."""
from __future__ import annotations

import sqlite3
import sys
import time

MAX_SITE_LINES = 30
REFRESH = 0.5


class Progress:
    """tqdm bars fed from the frontier's counts; does nothing when disabled."""

    def __init__(self, conn: sqlite3.Connection, codes: list[str], enabled: bool):
        self.conn, self.codes, self.enabled = conn, codes, enabled
        self._last = 0.0
        if not enabled:
            return
        from tqdm import tqdm  # only when shown

        self.overall = tqdm(total=0, desc="crawl", unit="url", file=sys.stderr, position=0, dynamic_ncols=True)
        self.lines = {code: tqdm(total=0, bar_format="{desc}", file=sys.stderr, position=i + 1)
                      for i, code in enumerate(codes[:MAX_SITE_LINES])}

    def update(self, sites, force: bool = False) -> None:
        if not self.enabled or (not force and time.monotonic() - self._last < REFRESH):
            return
        self._last = time.monotonic()
        done_all = total_all = 0
        for code in self.codes:
            counts = dict(self.conn.execute(
                "SELECT state, COUNT(*) FROM crawl_urls WHERE site_code = ? GROUP BY state", (code,)).fetchall())
            done = counts.get("fetched", 0) + counts.get("skipped", 0) + counts.get("failed", 0)
            total = sum(counts.values())
            done_all, total_all = done_all + done, total_all + total
            if code in self.lines:
                self.lines[code].set_description_str(
                    f"  {code}: {counts.get('fetched', 0)} done, {counts.get('queued', 0)} queued, "
                    f"{counts.get('failed', 0)} failed, {counts.get('skipped', 0)} skipped")
        self.overall.total = total_all
        self.overall.n = done_all
        self.overall.refresh()

    def close(self) -> None:
        if not self.enabled:
            return
        self.update({}, force=True)
        for bar in self.lines.values():
            bar.close()
        self.overall.close()
