"""A large synthetic site for benchmarks, computed page by page on request (nothing held in memory).

Page 0 is ``/``; page i >= 1 is ``/p/i.html``. Page i links its parent ((i - 1) // 8), its up to
eight children (8i + 1 .. 8i + 8) and two pseudo-random pages, so a crawler starting at ``/``
reaches all ``n_pages`` pages. Each page is 3-8 KB of plausible Chinese article text.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from html import escape

from .build import Page
from .text import BODY, VILLAGES, date_cn

FANOUT = 8
TOPICS = ("防汛防台", "安全生产", "乡村振兴", "垃圾分类", "森林防火", "营商环境", "食品安全", "河长制")
BASE_TIME = datetime(2026, 6, 30, tzinfo=timezone.utc)


class SyntheticSite:
    """``n_pages`` pages on ``host``, deterministic from ``seed``; usable as a server source."""

    def __init__(self, host: str, n_pages: int, seed: int = 0):
        if n_pages < 1:
            raise ValueError(f"synthetic site {host}: n_pages must be >= 1, got {n_pages}")
        self.host, self.n_pages, self.seed = host.lower(), n_pages, seed

    @property
    def hosts(self) -> list[str]:
        return [self.host]

    def path(self, i: int) -> str:
        return "/" if i == 0 else f"/p/{i}.html"

    def urls(self):
        """Every page URL, lazily."""
        return (f"http://{self.host}{self.path(i)}" for i in range(self.n_pages))

    def index(self, target: str) -> int | None:
        """The page number a target names, or None."""
        if target == "/":
            return 0
        if target.startswith("/p/") and target.endswith(".html") and target[3:-5].isdigit():
            i = int(target[3:-5])
            return i if 0 < i < self.n_pages and target[3:-5] == str(i) else None
        return None

    def links(self, i: int) -> list[int]:
        """Pages that page ``i`` links to (parent, children, two others)."""
        rng = random.Random(self.seed * 1_000_003 + i)
        out = [] if i == 0 else [(i - 1) // FANOUT]
        out += range(i * FANOUT + 1, min(self.n_pages, i * FANOUT + FANOUT + 1))
        out += [rng.randrange(self.n_pages) for _ in range(2)]
        return out

    def respond(self, host: str, target: str) -> Page | None:
        if host.lower().split(":")[0] != self.host:
            return None
        i = self.index(target.partition("#")[0])
        if i is None:
            return None
        return Page(f"http://{self.host}{self.path(i)}", "synthetic", 200, "homepage" if i == 0 else "article",
                    "text/html; charset=utf-8", self.html(i).encode("utf-8"), "utf-8",
                    BASE_TIME - timedelta(minutes=i))

    def html(self, i: int) -> str:
        rng = random.Random(self.seed * 1_000_003 + i)
        topic = rng.choice(TOPICS)
        day = (BASE_TIME - timedelta(hours=i)).date()
        title = f"{topic}工作动态（第{i}期）"
        values = {"topic": topic, "unit": "青溪县", "leader": "陈建国", "leader_role": "县长", "village": rng.choice(VILLAGES),
                  "date_cn": date_cn(day), "n": 12, "m": 345, "place_term": "县"}
        pool = BODY["dynamic"]
        paragraphs = [rng.choice(pool).format(**values) for _ in range(rng.randint(26, 60))]
        links = "".join(f'<li><a href="{self.path(j)}">{TOPICS[j % len(TOPICS)]}工作动态（第{j}期）</a></li>'
                        for j in self.links(i))
        body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_青溪县人民政府</title></head><body>'
                f'<div class="position">当前位置：<a href="/">首页</a> &gt; 工作动态</div><h1>{title}</h1>'
                f"<div class=\"info\">发布时间：{day.isoformat()}</div><div class=\"article-content\">{body}</div>"
                f'<ul class="links">{links}</ul></body></html>')
