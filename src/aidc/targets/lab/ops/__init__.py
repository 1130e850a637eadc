"""Host operations for the lab target: images, bridges, nodes, firewall, proxy, keys.

Plain, typed, idempotent functions (no Pulumi here). Everything must run as root.
"""
