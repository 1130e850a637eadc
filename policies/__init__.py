"""aidc policies: the rule catalog (rules.yaml), validators by domain, the CrossGuard pack
(__main__.py) and the shared registry the runtime audit uses."""
