"""Run Debian's chromium headless on a local file and collect what its pages logged to the console."""
from __future__ import annotations

import shutil
import subprocess

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr", "--v=0"]


def chromium(page, tmp_path, *args) -> list[str]:
    """Open ``page`` (a Path) with extra flags (--screenshot=..., --print-to-pdf=...); the console lines."""
    run = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args, page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    return [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
