"""Moving the sites up: the export package, the redirects, the shutdown, the demo and the CLI.

Rooms, in the order they may import each other: ``export/`` (the migration package, id map,
new URLs, preview, status), ``redirects/`` (the redirect plan, lint, server configs, staging,
verification, closure notice; reads the id map, never the other way), then ``shutdown`` and
``demo`` over both, and ``cli/``, the thin command layer over all of them. May import
``site_inventory``, ``extractors`` and ``mappings``.
"""
