"""The planners' review app (``govmigrate serve``): the workspace in a browser, in Chinese first.

``app`` builds the Starlette app (routes, Jinja2 templates with autoescaping) from ``pages``
(what each page reads: ``progress`` for the dashboard and site page, ``decisions`` for the
redirect table with keyset pagination, ``archive`` for old pages replayed from the WARC) and
``actions`` (every write, through the same library functions as the CLI, recorded in
``reviewlog`` so the last change can be undone); ``security`` holds the access token, CSRF and
Content-Security-Policy; ``server`` runs it under uvicorn. May import ``migrate.export``,
``migrate.redirects``, ``migrate.shutdown`` and ``migrate.demo``; nothing there imports serve.
"""
