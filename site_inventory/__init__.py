"""What the old sites are and hold: the inventory, the workspace database, and the rooms below.

Here, at the top: the inventory (``inventory``), the workspace and its schema (``workspace``,
``schema``, ``config``), resolve rules (``resolve``), URL identity (``urls``), page decoding
(``encoding``) and the planners' spreadsheets (``tabular``). These import nothing of the rooms.

Rooms, each importing only the top and the rooms before it:
``crawl/`` (fetch, discover, archive every URL), ``audit/`` (the inspection report, reads
what the crawl stored), ``sample/`` (the sample county and its loopback server, for the demo,
tests and benchmarks).
"""
