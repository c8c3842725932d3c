"""Where each item lands: the parent's column tree, the sites' own columns, rules and suggestions.

``target_tree`` is the parent platform's column tree, ``source_columns`` finds each site's own
columns (源栏目), ``rules`` holds the planners' rules, ``synonyms`` and ``classifier`` score names
and content, ``suggest`` proposes rules, ``check`` finds what is wrong, ``apply`` records every
item's decision and ``report`` counts them. May import ``site_inventory`` and ``extractors``.
"""
