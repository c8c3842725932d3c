"""The export: what the parent platform imports, and the id map that remembers it.

``worklist`` decides every mapped item's id, fate and new URL (``newurls``, ``bodylinks``,
``attachments``, ``filenames``, ``duplicates``); ``run`` writes the package (``export``,
``rollback``) through ``package``; ``idmap`` is the id map, ``receipts`` the platform's import
receipts, ``status`` the per-site progress and ``preview`` a static copy of the parent platform.
Never imports ``migrate.redirects``.
"""
