"""The redirect plan as an nginx config: maps, never a location per URL.

``redirects.conf`` goes inside ``http {}``. Per closed site: a ``map`` from the server key
(decoded ``$uri`` plus the site's query parameters in sorted order, each from ``$arg_NAME``,
see ``matchkeys``) to ``301 TARGET`` / ``home TARGET`` / ``410 ARCHIVE SUGGESTED``, and one
``server`` for its host and aliases that answers from it: 301 to the target, or 410 with the
site's 410 page (SSI fills in the URL's archive and suggested links). During the notice period
a date map shows the closure notice on the old homepage instead, switching by itself on the
day the period ends. Keys are quoted with ``\\`` and ``"`` escaped; values are safe URLs with
``$`` written as ``${gm_dollar}``; anything else was rejected before (see redirects.export).
"""
from __future__ import annotations

import os
import pwd
import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

from .notice import GONE_FILE, NOTICE_FILE, PAGES_DIR, write_pages
from .lint import allowlist
from .servers import (ExportReport, RedirectExportError, Rejections, ServerSite, check_names, check_pages_root,
                      entries, server_sites)
from .tls import TLSOptions

CONF_NAME = "redirects.conf"
PAGES = "pages"
_UNSAFE_VALUE = re.compile(r'[^\x21-\x7e ]|["\\{}]')
_LISTEN = re.compile(r"(?:(?:\d{1,3}\.){3}\d{1,3}:|\[[0-9a-fA-F:]+\]:)?\d{1,5}\Z")


# The parts of a site's map value, for the server and its 410 page (SSI). Named captures in maps,
# never "set $x $1": nginx re-escapes % in captures copied by "set" when the request had escapes.
SHARED_MAPS = """map $gm_rule $gm_target { "~^(?:301|home) (?<gm_t>\\S+)$" $gm_t; default ""; }
map $gm_rule $gm_archive { "~^410 (?<gm_a>http\\S*) " $gm_a; default ""; }
map $gm_rule $gm_suggest { "~^410 \\S+ (?<gm_s>http\\S*)$" $gm_s; default ""; }

"""


def quote_key(data: bytes) -> bytes:
    """A map key as a double-quoted nginx string (controls were rejected before)."""
    return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def quote_value(text: str) -> bytes:
    """A map value (safe URLs and words) as a double-quoted string; ``$`` cannot start a variable."""
    if _UNSAFE_VALUE.search(text):
        raise RedirectExportError(f"value {text!r} is not safe for an nginx config")
    return b'"' + text.replace("$", "${gm_dollar}").encode("ascii") + b'"'


def key_ok(data: bytes) -> str | None:
    """Keys nginx cannot hold: control bytes (checked again here: config safety does not trust the plan)."""
    if any(b < 0x20 or b == 0x7F for b in data):
        return "its server key holds a control character"
    if not data.startswith(b"/"):
        return "its server key does not start with /"
    return None


def value_for(site: ServerSite, status: int, target: str | None, kind: str, archive: str | None,
              suggested: str | None) -> str:
    if status == 301:
        return f"{'home' if kind == 'homepage' and site.notice_active() else '301'} {target}"
    return f"410 {archive or '-'} {suggested or '-'}"


def before_regex(day: date) -> str:
    """A regex matching ISO 8601 timestamps (``$time_iso8601``) of any moment before ``day`` begins."""
    text = day.isoformat()
    alternatives = [text[:i] + f"[0-{int(ch) - 1}]" for i, ch in enumerate(text) if ch.isdigit() and ch > "0"]
    return "^(?:" + "|".join(alternatives) + ")" if alternatives else "^(?!)"


def _listen(values: list[str]) -> list[str]:
    for value in values:
        if not _LISTEN.match(value):
            raise RedirectExportError(f"--listen {value!r}: expected PORT or ADDR:PORT (e.g. 80, 127.0.0.1:8080)")
    return values


def _query_maps(site: ServerSite) -> list[bytes]:
    names = site.context.names
    if not names:
        return []
    s = site.suffix
    lines = [f'map $arg_{n.lower()} $gmq_{s}_{i} {{ "" ""; default "&{n}=$arg_{n.lower()}"; }}\n'.encode("ascii")
             for i, n in enumerate(names)]
    joined = "".join(f"$gmq_{s}_{i}" for i in range(len(names)))
    lines.append(f'map "{joined}" $gmq_{s} {{ "~^&(?<gm_query>.*)$" "?$gm_query"; default ""; }}\n'.encode("ascii"))
    return lines


def _tls_lines(tls: TLSOptions | None) -> list[str]:
    """The https listen lines and certificate of a server block (one certificate for every host)."""
    if not tls:
        return []
    return [*(f"    listen {value} ssl;" for value in _listen(list(tls.listen))),
            f'    ssl_certificate "{tls.cert}";', f'    ssl_certificate_key "{tls.key}";']


def _server(site: ServerSite, listen: list[str], root: str, tls: TLSOptions | None = None) -> bytes:
    s = site.suffix
    notice = [f"        if ($gmh_{s}) {{ rewrite ^ /{PAGES_DIR}/{NOTICE_FILE} last; }}"] if site.notice_active() else []
    lines = [
        f"server {{  # site {site.code}",
        *(f"    listen {value};" for value in listen),
        *_tls_lines(tls),
        f"    server_name {' '.join(site.server_names)};",
        "    merge_slashes off;",
        f'    root "{root}";',
        "    charset utf-8;",
        f"    error_page 410 /{PAGES_DIR}/{GONE_FILE};",
        f"    location ^~ /{PAGES_DIR}/ {{ internal; ssi on; default_type text/html; }}",
        "    location / {",
        f"        set $gm_rule $gmr_{s};",
        *notice,
        "        if ($gm_target) { return 301 $gm_target; }",
        "        return 410;",
        "    }",
        "}",
    ]
    return ("\n".join(lines) + "\n\n").encode("ascii")


def _site_maps(workspace, site: ServerSite, body, rejections: Rejections, stats: dict) -> None:
    s, hosts = site.suffix, allowlist(workspace.config)
    for line in _query_maps(site):
        body.write(line)
    status, target, suggested = site.fallback_entry()
    source = f'"$uri$gmq_{s}"' if site.context.names else "$uri"
    body.write(f"map {source} $gmr_{s} {{\n    default ".encode("ascii")
               + quote_value(value_for(site, status, target, "unknown", None, suggested)) + b";\n")
    count = 0
    for entry in entries(workspace.db, site, rejections, key_ok, hosts):
        value = value_for(site, entry.status, entry.target, entry.kind, entry.archive_url, entry.suggested_url)
        body.write(b"    " + quote_key(entry.key) + b" " + quote_value(value) + b";\n")
        stats["max_key"] = max(stats["max_key"], len(entry.key))
        stats["key_bytes"] += len(entry.key)
        count += 1
    body.write(b"}\n")
    stats["entries"] += count
    stats["largest"] = max(stats["largest"], count)
    if site.notice_active():
        body.write(f'map $time_iso8601 $gmn_{s} {{ "~{before_regex(site.notice.ends_on)}" 1; default 0; }}\n'
                   f'map "$gmn_{s}$gmr_{s}" $gmh_{s} {{ "~^1home " 1; default 0; }}\n'.encode("ascii"))


def hash_sizes(stats: dict) -> tuple[int, int]:
    """(map_hash_bucket_size, map_hash_max_size) that let nginx build every map's hash at once."""
    average = stats["key_bytes"] / stats["entries"] if stats["entries"] else 16
    bucket = 64
    while bucket < max(stats["max_key"] + 32, 8 * (average + 16)):
        bucket *= 2
    return bucket, max(2048, 2 * stats["largest"] + 1024)


def write_nginx(workspace, out: Path, codes, listen: list[str], pages_root: str | None,
                tls: TLSOptions | None = None) -> ExportReport:
    """Write ``redirects.conf`` and the sites' pages into ``out``; with ``tls`` the servers answer https too."""
    listen = _listen(listen or ["80"])
    root = check_pages_root(pages_root or str((out / PAGES).resolve()))
    sites = server_sites(workspace, codes)
    for site in sites:
        check_names(site)
    rejections = Rejections(workspace.db, [s.code for s in sites])
    parent = (workspace.config.get("platform") or {}).get("name") or ""
    report = ExportReport("nginx", str(out.resolve()))
    stats = {"entries": 0, "max_key": 0, "key_bytes": 0, "largest": 0}
    with tempfile.TemporaryFile(dir=out) as body:
        for site in sites:
            _site_maps(workspace, site, body, rejections, stats)
            body.write(_server(site, listen, f"{root}/{site.code}", tls))
            pages = write_pages(out / PAGES / site.code, dict(workspace.db["sites"].get(site.code)),
                                site.notice, site.context.home_url, parent, "nginx")
            report.files += [str(p) for p in pages]
            report.sites.append(site.result)
        rejections.flush()
        bucket, max_size = hash_sizes(stats)
        target = out / CONF_NAME
        tmp = out / f".{CONF_NAME}.tmp-{os.getpid()}"
        with open(tmp, "wb") as handle:
            handle.write(("# govmigrate redirects: include inside http {}. Generated; edit the plan, not this file.\n"
                          f"map_hash_bucket_size {bucket};\nmap_hash_max_size {max_size};\n"
                          'geo $gm_dollar { default "$"; }\n' + SHARED_MAPS).encode("ascii"))
            body.seek(0)
            shutil.copyfileobj(body, handle, 1 << 20)
        tmp.replace(target)
    report.files.insert(0, str(target))
    return report


def standalone_conf(include: Path, run_dir: Path, error_log: str | None = None) -> str:
    """A minimal nginx.conf around ``include`` for staging and tests (run with ``-p run_dir``).

    Workers run as the user who starts nginx (also root), so they read what that user wrote.
    """
    run = str(run_dir)
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    return (f"{user}worker_processes 1;\ndaemon off;\npid {run}/nginx.pid;\nerror_log {error_log or run + '/error.log'} warn;\n"
            "events { worker_connections 256; }\n"
            "http {\n    access_log off;\n"
            + "".join(f"    {kind}_temp_path {run}/tmp-{kind};\n" for kind in
                      ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f'    include "{include}";\n}}\n')
