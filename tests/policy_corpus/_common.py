"""Shared bits of the corpus programs: tags every resource carries."""

TAGS = {"project": "aidc", "environment": "test", "aidc:cluster": "corpus"}
GPU = {**TAGS, "aidc:roles": "gpu", "aidc:pool": "gpu"}
STORAGE = {**TAGS, "aidc:roles": "storage", "aidc:pool": "storage"}
