"""The sample county: generated sites to serve on loopback for the demo, the tests and benches.

``sites`` declares the sites, ``build``/``text``/``files``/``pages`` make their items and pages,
``render`` renders them, ``county`` puts the county together (``generate``), ``server`` serves
it on 127.0.0.1 and ``synthetic`` makes large plain sites for benchmarks. ``city`` is a second
platform family (an https cloud platform: a parent portal and a satellite that closes into it)
and ``tls`` serves it over https with an http twin; ``mirror`` serves a saved real site (HTTrack
folder) the same way. May import the top of ``site_inventory`` only.
"""
