"""The redirect plan for Apache httpd 2.4: a RewriteMap text file per site plus the rules.

``redirects.conf`` holds one ``<VirtualHost>`` per closed site (ServerName and ServerAlias);
``maps/CODE.txt`` maps the server key (decoded ``%{REQUEST_URI}`` plus the site's query
parameters in sorted order, picked one by one from the query string) to ``301|TARGET``,
``home|TARGET`` or ``410|ARCHIVE|SUGGESTED``. Anything not in the map gets the site's fallback.
During the notice period ``%{TIME}`` shows the closure notice on the old homepage. Text maps
cannot hold keys with white space: those URLs are rejected (and recorded) for Apache only. For
very large maps convert the text files with ``httxt2dbm`` and change ``txt:`` to ``dbm:``.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from .notice import GONE_FILE, NOTICE_FILE, PAGES_DIR, write_pages
from .lint import allowlist
from .servers import (ExportReport, RedirectExportError, Rejections, ServerSite, check_names, check_pages_root,
                      entries, server_sites)
from .tls import TLSOptions

CONF_NAME = "redirects.conf"
MAPS = "maps"
PAGES = "pages"
_LISTEN = re.compile(r"(?:(?:\d{1,3}\.){3}\d{1,3}:|\*:)?\d{1,5}\Z")


def key_ok(data: bytes) -> str | None:
    """Keys a RewriteMap text file cannot hold: white space or control bytes."""
    if any(b <= 0x20 or b == 0x7F for b in data):
        return "its server key holds white space or a control character (Apache text maps cannot hold it)"
    return None if data.startswith(b"/") else "its server key does not start with /"


def value_for(site: ServerSite, status: int, target: str | None, kind: str, archive: str | None,
              suggested: str | None) -> str:
    if status == 301:
        return f"{'home' if kind == 'homepage' and site.notice_active() else '301'}|{target}"
    return f"410|{archive or ''}|{suggested or ''}"


def literal(text: str) -> str:
    """A URL written into a rule: % and $ would start back-references, so they are escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("$", "\\$")


def _vhost(value: str) -> str:
    if not _LISTEN.match(value):
        raise RedirectExportError(f"--listen {value!r}: expected PORT or ADDR:PORT")
    return value if ":" in value else f"*:{value}"


def _vhosts(site: ServerSite, root: str, map_file: str, listen: list[str], tls: TLSOptions | None) -> str:
    """The site's VirtualHost, and with ``tls`` a second one answering https the same way."""
    names = [f"    ServerName {site.server_names[0]}",
             *([f"    ServerAlias {' '.join(site.server_names[1:])}"] if site.server_names[1:] else [])]
    rules = _rules(site, root, map_file)
    blocks = [[f"<VirtualHost {' '.join(_vhost(v) for v in listen)}>  # site {site.code}", *names, *rules]]
    if tls:
        blocks.append([f"<VirtualHost {' '.join(_vhost(v) for v in tls.listen)}>  # site {site.code}, https", *names,
                       "    SSLEngine on", f'    SSLCertificateFile "{tls.cert}"',
                       f'    SSLCertificateKeyFile "{tls.key}"', *rules])
    return "".join("\n".join(block + ["</VirtualHost>", ""]) + "\n" for block in blocks)


def _rules(site: ServerSite, root: str, map_file: str) -> list[str]:
    """The lines inside a site's VirtualHost: pages, the map lookup, 301/410/notice and the fallback."""
    s = site.suffix
    lookup = f"${{gm_{s}:%{{REQUEST_URI}}%{{ENV:GMQ}}|-}}"
    status, target, suggested = site.fallback_entry()
    fallback = (f"RewriteRule ^ {literal(target)} [R=301,L,NE,QSD]" if status == 301 else
                f"RewriteRule ^ - [E=GM_SUGGEST:{literal(suggested)},G]")
    lines = [f'    DocumentRoot "{root}"',
             "    AddDefaultCharset utf-8",
             "    AllowEncodedSlashes On",
             f'    <Directory "{root}/{PAGES_DIR}">',
             "        Options +Includes",
             "        AddOutputFilter INCLUDES .html",
             "        Require all granted",
             "    </Directory>",
             f"    ErrorDocument 410 /{PAGES_DIR}/{GONE_FILE}",
             "    RewriteEngine On",
             f'    RewriteMap gm_{s} "txt:{map_file}"',
             f"    RewriteRule ^/{PAGES_DIR}/ - [L]",
             "    RewriteRule ^ - [E=GMQ:]"]
    for name in site.context.names:
        lines += [f"    RewriteCond %{{QUERY_STRING}} (?:^|&){name}=([^&]+) [NC]",
                  f"    RewriteRule ^ - [E=GMQ:%{{ENV:GMQ}}&{name}=%1]"]
    lines += ["    RewriteCond %{ENV:GMQ} ^&(.+)$",
              "    RewriteRule ^ - [E=GMQ:?%1]",
              f"    RewriteRule ^ - [E=GMR:{lookup}]"]
    if site.notice_active():
        lines += [f"    RewriteCond %{{TIME}} <{site.notice.ends_on.strftime('%Y%m%d')}000000",
                  "    RewriteCond %{ENV:GMR} ^home\\|",
                  f"    RewriteRule ^ /{PAGES_DIR}/{NOTICE_FILE} [L]"]
    lines += ["    RewriteCond %{ENV:GMR} ^(?:301|home)\\|(.+)$",
              "    RewriteRule ^ %1 [R=301,L,NE,QSD]",
              "    RewriteCond %{ENV:GMR} ^410\\|([^|]*)\\|([^|]*)$",
              "    RewriteRule ^ - [E=GM_ARCHIVE:%1,E=GM_SUGGEST:%2,G]",
              "    RewriteCond %{ENV:GMR} =-",
              f"    {fallback}"]
    return lines


def write_apache(workspace, out: Path, codes, listen: list[str], pages_root: str | None,
                 tls: TLSOptions | None = None) -> ExportReport:
    """Write ``redirects.conf``, ``maps/CODE.txt`` and the sites' pages into ``out`` (https too with ``tls``)."""
    root = check_pages_root(pages_root or str((out / PAGES).resolve()))
    maps_dir = out / MAPS
    maps_dir.mkdir(parents=True, exist_ok=True)
    check_pages_root(str(maps_dir.resolve()))
    sites = server_sites(workspace, codes)
    for site in sites:
        check_names(site)
    rejections = Rejections(workspace.db, [s.code for s in sites])
    parent = (workspace.config.get("platform") or {}).get("name") or ""
    hosts = allowlist(workspace.config)
    report = ExportReport("apache", str(out.resolve()))
    rules = ["# govmigrate redirects for Apache httpd 2.4 (mod_rewrite, mod_include"
             + (", mod_ssl; Listen " + " ".join(tls.listen) + " in the main config" if tls else "")
             + "). Generated; edit the plan.\n\n"]
    for site in sites:
        map_path = maps_dir / f"{site.code}.txt"
        tmp = map_path.with_name(f".{map_path.name}.tmp-{os.getpid()}")
        with open(tmp, "wb") as handle:
            for entry in entries(workspace.db, site, rejections, key_ok, hosts):
                value = value_for(site, entry.status, entry.target, entry.kind, entry.archive_url, entry.suggested_url)
                handle.write(entry.key + b" " + value.encode("ascii") + b"\n")
        tmp.replace(map_path)
        rules.append(_vhosts(site, f"{root}/{site.code}", str(map_path.resolve()), listen or ["80"], tls))
        pages = write_pages(out / PAGES / site.code, dict(workspace.db["sites"].get(site.code)), site.notice,
                            site.context.home_url, parent, "apache")
        report.files += [str(map_path)] + [str(p) for p in pages]
        report.sites.append(site.result)
    rejections.flush()
    conf = out / CONF_NAME
    tmp = conf.with_name(f".{CONF_NAME}.tmp-{os.getpid()}")
    tmp.write_text("".join(rules), encoding="utf-8")
    tmp.replace(conf)
    report.files.insert(0, str(conf))
    return report


MODULES = ("mpm_event", "authz_core", "mime", "rewrite", "include")
TLS_MODULES = ("socache_shmcb", "ssl")


def standalone_conf(include: Path, run_dir: Path, listen: str, modules_dir: str = "/usr/lib/apache2/modules",
                    tls_listen: str | None = None) -> str:
    """A minimal httpd.conf around ``include`` for staging and tests (``apache2 -f FILE``)."""
    run = str(run_dir)
    modules = MODULES + (TLS_MODULES if tls_listen else ())
    loads = "".join(f"LoadModule {m}_module {modules_dir}/mod_{m}.so\n" for m in modules)
    listens = f"Listen {listen}\n" + (f"Listen {tls_listen} https\n" if tls_listen else "")
    return (f'ServerRoot "{run}"\n{loads}{listens}PidFile {run}/httpd.pid\nErrorLog {run}/error.log\n'
            "LogLevel warn\nUser nobody\nGroup nogroup\nServerName localhost\nTypesConfig /dev/null\n"
            "AddType text/html .html\nMutex file:" + run + " default\n"
            f'Include "{include}"\n')
