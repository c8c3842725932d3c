"""Redirects: every old URL keeps leading somewhere useful after the shutdown.

``plan`` decides each old URL (301/410/fallback; planners' ``overrides`` win), ``accesslog``
adds URLs people still request, ``matchkeys`` is what a server can match, ``lint`` finds
what no server should serve; ``servers`` is the server model the writers share, ``nginx`` and
``apache`` write configs and ``export`` chooses among them (and CSV/JSON); ``staging`` runs
the config in a real nginx, ``verify`` asks every old URL, ``notice`` writes the closure notice
and 410 page, ``tls`` the https parts. May import ``migrate.export`` (the id map, new URLs).
"""
