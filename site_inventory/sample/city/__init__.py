"""The sample city: a second platform family, https on a shared cloud platform, deterministic from a seed.

``sites`` declares its two sites and their columns, ``pages`` is the platform's HTML, ``build``
draws the posts and renders the pages (``generate``), ``manifest`` writes the answer key. May
import the rest of ``site_inventory.sample`` and the top of ``site_inventory`` only.

``generate(seed, as_of)`` builds 云州市 (fictional): the city portal (the parent, ``keep``) and the
site of its 住房公积金管理中心 (``close``), which moves whole into the portal's column 办事服务 >
住房公积金, the portal page that links to it. Both run the same 政务云/WordPress-like system
(``pages``): https only, every ``http://`` URL answers 301 to its https twin, ``/x/index.html``
answers 301 to ``/x/``, a path without its trailing slash 301 to the one with it, old URLs of the
previous system (``/art/Y/M/D/art_C_N.html``) and WordPress short links (``/?p=N``) 301 to the
new posts (``/news/2026/05/flood-control-1234/``). ``sample.tls.HttpsServers`` serves it on loopback.

Manifest (``city.manifest``, JSON-serialisable), in the county's vocabulary where it overlaps:

- ``schema`` (1), ``family`` ("cloud"), ``seed``, ``as_of``, ``counts``, ``controls`` (link texts
  of the platform's controls, each with a different target per page: never a column).
- ``sites``: the inventory fields (``url`` as the planners' sheet has it: http for the satellite)
  plus ``cms``, ``encoding``, ``hosts``, ``robots_disallow``, ``home_column`` (the satellite's
  true home column on the parent, a path) and ``home_url``.
- ``pages``: every URL the server answers on purpose or that a link or redirect leads to, with
  ``reachable`` (a crawl from the sites' URLs meets it; robots-disallowed and unlinked ones not):
  ``url``, ``canonical_url``, ``site_code``, ``status``, ``page_type`` (homepage, column_index,
  list, article, attachment, search_or_form, robots, redirect, print, asset), ``content_type``, ``size``,
  ``sha256``, ``last_modified``, ``links`` (HTML: absolute URLs of every <a href>, in order),
  ``robots_disallowed`` (print pages: linked from every page, never to be fetched), ``column``
  (path), ``breadcrumb`` (names as shown: 首页 first, ending with the column; an article's
  trail also shows its title last, as ``breadcrumb_current``), items' ``published`` and
  ``modified`` (as in ``items``), and for 3xx ``location`` and
  ``final_url`` (where the chain ends, a 200 page).
- ``redirects``: every 3xx row: ``url, status, location, final_url, hops, reason`` (http_twin,
  index_html, trailing_slash, old_url, short_link).
- ``items``: every post and page column: ``url, canonical_url, site_code, title, published``
  (ISO date-time of JSON-LD datePublished, China time; None for page columns), ``modified``,
  ``source, breadcrumb, column_name, source_column, column_url, target_column`` (path on the
  parent: its own column for the parent, the home column for the satellite), ``target_url``,
  ``body_text``, ``attachments`` (url, title, type, size, sha256), ``links`` (related links).
- ``columns``: every column of every site: ``site_code, path, name, url, kind`` (section, list,
  page), ``parent`` (path or None), ``list_urls, item_urls, item_count``.
- ``placement``: per closing site, ``home_column``, ``home_url`` and ``linked_from`` (parent pages
  that link to the site).
"""
from .build import SampleCity, generate
from .sites import CITY_SITES, PARENT, PARENT_HOST, SATELLITE, SATELLITE_HOST

__all__ = ["SampleCity", "generate", "CITY_SITES", "PARENT", "PARENT_HOST", "SATELLITE", "SATELLITE_HOST"]
