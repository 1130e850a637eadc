"""The rule catalog (rules.yaml) and its validators by domain, shared by the CrossGuard pack
(policies/__main__.py builds its policies with `aidc.policy.pack`) and the runtime audit
(`aidc.audit`, through `aidc.policy.registry.evaluate`).

Instance facts (GPUs per type, the types aidc knows) come from `aidc.catalog`; the policy code
keeps no instance data of its own.
"""
