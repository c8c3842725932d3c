"""A small https site with an http twin and internal redirects, served for real on loopback.

Written the way such sites are: every ``http://`` URL answers 301 to its ``https://`` twin,
``/x/index.html`` answers 301 to ``/x/``, an old page moved to another page in two hops, one
leads to the parent platform, one to another site of the inventory, one to a page that is gone;
two pages answer 200 with nothing but a meta refresh or a location script.
``Routes`` answers by (scheme, host, path); one threaded server per scheme (the https one with a
certificate of the test CA), reached through resolve rules ``HOST:80`` and ``HOST:443``.
"""
from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SITE = "yj.qx.example.gov.cn"        # https only, an http twin
OTHER = "b.qx.example.gov.cn"        # another closing site, plain http
PARENT = "www.qx.example.gov.cn"     # the kept parent platform (never crawled here)
TITLES = ["县应急管理局召开安全生产工作会议", "开展防汛防台应急演练", "部署森林防火检查工作"]
TEXTS = ["全县各乡镇、各有关单位负责同志参加会议，会议通报了上半年全县安全生产形势。",
         "演练模拟强降雨引发山洪险情，检验了预警发布、人员转移和抢险救援各环节。",
         "检查组深入林区、景区和墓地，排查火源管控和扑火物资储备情况，现场交办问题。"]
TEXT = "会议强调，要进一步提高认识，压实责任，扎实推进各项工作落地见效。局党组书记出席会议并讲话，各股室负责人参加。"

# old URL -> where it leads (path on SITE, or an absolute URL): every one is a 3xx answer
MOVED = {
    "/news/index.html": "/news/",
    "/about/index.html": "/about/",
    "/moved.html": "/news/index.html",                  # two hops: /moved.html -> /news/index.html -> /news/
    "/old-news.html": "/news/2024/a1.html",
    "/to-parent.html": f"https://{PARENT}/zwdt/",
    "/to-other.html": f"http://{OTHER}/art/1.html",
    "/to-gone.html": "/missing.html",
}


# old URL -> where a page of nothing but a meta refresh or a location script sends its reader (answered 200)
SENT = {
    "/refresh.html": "/news/2024/a3.html",
    "/jump.html": "/about/",
}


def _page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body>{body}</body></html>").encode("utf-8")


def _article(i: int) -> bytes:
    return _page(TITLES[i], f'<nav aria-label="Breadcrumb"><a href="/">首页</a> &gt; <a href="/news/">工作动态</a></nav>'
                            f"<h1>{TITLES[i]}</h1><p>发布日期：2024-05-0{i + 1} 来源：县应急管理局</p>"
                            f"<div class=\"content\"><p>{TITLES[i]}。{TEXT}</p><p>{TEXTS[i]}</p></div>")


def routes() -> dict[tuple[str, str], tuple[int, str | None, bytes]]:
    """(host, path) -> (status, Location, body) of the https site and the other site."""
    links = "".join(f'<li><a href="/news/2024/a{i + 1}.html">{t}</a> 2024-05-0{i + 1}</li>'
                    for i, t in enumerate(TITLES))
    home_links = "".join(f'<a href="{p}">{p.strip("/")}</a> ' for p in [*MOVED, *SENT])
    out = {
        (SITE, "/"): (200, None, _page("县应急管理局", f"<h1>县应急管理局</h1><p>{home_links}"
                                       f'<a href="http://{SITE}/news/2024/a2.html">演练</a></p>')),
        (SITE, "/news/"): (200, None, _page("工作动态", f"<h1>工作动态</h1><ul>{links}</ul>")),
        (SITE, "/about/"): (200, None, _page("机构简介", "<h1>机构简介</h1><div class=\"content\"><p>县应急管理局是县政府工作部门，"
                                         f"负责全县应急管理工作。{TEXTS[0]}{TEXTS[1]}</p></div>")),
        (OTHER, "/"): (200, None, _page("县某某局", '<h1>县某某局</h1><a href="/art/1.html">通知</a>')),
        (OTHER, "/art/1.html"): (200, None, _page("关于开展安全检查的通知",
                                                  "<h1>关于开展安全检查的通知</h1><p>发布日期：2024-04-01</p><p>各股室、"
                                                  "各乡镇：为切实做好安全生产工作，决定在全县开展安全检查，现将有关事项通知如下。</p>")),
    }
    for i in range(len(TITLES)):
        out[(SITE, f"/news/2024/a{i + 1}.html")] = (200, None, _article(i))
    out[(SITE, "/refresh.html")] = (200, None, _page("正在跳转", "").replace(
        b"<title>", f'<meta http-equiv="refresh" content="0; url={SENT["/refresh.html"]}"><title>'.encode()))
    out[(SITE, "/jump.html")] = (200, None, _page("", f'<script>window.location.href = "{SENT["/jump.html"]}";</script>'))
    for old, new in MOVED.items():
        out[(SITE, old)] = (302 if "parent" in old else 301, new if "//" in new else f"https://{SITE}{new}", b"")
    return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server naming)
        host = self.headers.get("Host", "").split(":")[0].lower()
        path = self.path.split("?")[0]
        if self.server.scheme == "http" and host == SITE:
            status, location, body = 301, f"https://{SITE}{self.path}", b""
        else:
            status, location, body = self.server.routes.get((host, path), (404, None, _page("404", "页面不存在")))
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        return


class RedirectingSites:
    """Both schemes served on 127.0.0.1 (ephemeral ports) until the context ends."""

    def __init__(self, cert, key):
        self.cert, self.key, self.servers = cert, key, []

    def __enter__(self):
        for scheme in ("http", "https"):
            server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
            server.scheme, server.routes, server.daemon_threads = scheme, routes(), True
            if scheme == "https":
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(str(self.cert), str(self.key))
                server.socket = context.wrap_socket(server.socket, server_side=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
        return self

    def resolve_rules(self) -> list[str]:
        http, https = (s.server_address[1] for s in self.servers)
        return [f"{SITE}:80:127.0.0.1:{http}", f"{SITE}:443:127.0.0.1:{https}", f"{OTHER}:80:127.0.0.1:{http}"]

    def __exit__(self, *exc):
        for server in self.servers:
            server.shutdown()
            server.server_close()
