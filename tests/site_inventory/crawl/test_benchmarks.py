"""Smoke runs of the crawl benchmarks (bench/crawl_*): each runs on a tiny site and prints its figure.

No timing is asserted (figures are for people to read); what is checked is that each script
runs to the end, crawls every page it serves, and prints its ratio line.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.mark.parametrize("script", ["crawl_vs_wget", "crawl_politeness", "crawl_memory"])
def test_bench_runs_and_prints_its_ratio(script):
    done = subprocess.run([sys.executable, str(BENCH / script), "--quick"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(rf"^{script}: \d+\.\d\d", done.stdout, re.MULTILINE), done.stdout
    assert "warning" not in done.stdout, done.stdout
