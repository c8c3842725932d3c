"""The audit: the inspection report planners decide from (政府网站检查指标).

``run`` audits each site (``audit``) with the rules of ``rules`` over the counts of ``queries``
(reposts between sites in ``reposts``); ``link_check`` checks broken links; ``report`` is the
report model and its tabular formats (XLSX, CSV, JSON), ``html`` renders it as one page, and
``formats`` writes any of them. May import the top of ``site_inventory`` and ``crawl``.
"""
