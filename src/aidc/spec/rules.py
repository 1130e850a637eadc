"""Cross-field rules, run after the models parse. Each rule yields Problems; all are reported.

The rules here hold for every target. Each target keeps its own rules beside its components,
in `aidc.targets.<target>.rules` (a `RULES` tuple); `check` runs the neutral rules and those of
the spec's target, so the CLI and the Pulumi program judge a spec by the same rules.
"""

from __future__ import annotations

import importlib
import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping

from aidc import catalog
from aidc.spec.errors import Problem
from aidc.spec.models import Cluster
from aidc.spec.types import ROLES, Target

Rule = Callable[[Cluster], Iterator[Problem]]

_WORLD = ipaddress.IPv4Network("0.0.0.0/0")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# Hostnames are <cluster>-<pool>-<index>; a DNS label holds at most 63 characters.
_MAX_LABEL = 63


def _duplicates(names: Iterable[str]) -> list[str]:
    return sorted(n for n, c in Counter(names).items() if c > 1)


def unique_names(c: Cluster) -> Iterator[Problem]:
    groups: list[tuple[str, list[str]]] = [
        ("networks", [n.name for n in c.networks]),
        ("pools", [p.name for p in c.pools]),
        ("storage.buckets", [b.name for b in c.storage.buckets]),
    ]
    groups += [
        (f"networks[{i}].subnets", [s.name for s in n.subnets]) for i, n in enumerate(c.networks)
    ]
    if c.storage.ceph:
        groups.append(("storage.ceph.pools", [p.name for p in c.storage.ceph.pools]))
    for path, names in groups:
        for dup in _duplicates(names):
            yield Problem(path, f"name '{dup}' is used more than once; names must be unique")


def networks_do_not_overlap(c: Cluster) -> Iterator[Problem]:
    for i, net in enumerate(c.networks):
        for j in range(i):
            if net.cidr.overlaps(c.networks[j].cidr):
                yield Problem(
                    f"networks[{i}].cidr",
                    f"{net.cidr} overlaps networks[{j}].cidr {c.networks[j].cidr}; "
                    "networks must not overlap",
                )


def subnets_inside_network(c: Cluster) -> Iterator[Problem]:
    for i, net in enumerate(c.networks):
        for k, sub in enumerate(net.subnets):
            path = f"networks[{i}].subnets[{k}].cidr"
            if not sub.cidr.subnet_of(net.cidr):
                yield Problem(
                    path, f"{sub.cidr} is outside its network {net.cidr}; use a part of it"
                )
            for m in range(k):
                if sub.cidr.overlaps(net.subnets[m].cidr):
                    yield Problem(
                        path,
                        f"{sub.cidr} overlaps networks[{i}].subnets[{m}].cidr "
                        f"{net.subnets[m].cidr}; subnets must not overlap",
                    )


def hostnames_fit(c: Cluster) -> Iterator[Problem]:
    for i, pool in enumerate(c.pools):
        longest = f"{c.name}-{pool.name}-{pool.count}"
        if len(longest) > _MAX_LABEL:
            yield Problem(
                f"pools[{i}].name",
                f"hostname '{longest}' is {len(longest)} characters; cluster name, pool name "
                f"and index together must fit in {_MAX_LABEL} (RFC 1123)",
            )


def pool_networks_exist(c: Cluster) -> Iterator[Problem]:
    names = [n.name for n in c.networks]
    for i, pool in enumerate(c.pools):
        if pool.network is not None and pool.network not in names:
            yield Problem(
                f"pools[{i}].network",
                f"'{pool.network}' is not a network of this spec; allowed: {', '.join(names)}",
            )


def pool_roles_unique(c: Cluster) -> Iterator[Problem]:
    for i, pool in enumerate(c.pools):
        for dup in _duplicates(pool.roles):
            yield Problem(f"pools[{i}].roles", f"'{dup}' is listed twice; list each role once")


def gpu_known(c: Cluster) -> Iterator[Problem]:
    known = catalog.gpus()
    for i, pool in enumerate(c.pools):
        if pool.gpu is not None and pool.gpu not in known:
            yield Problem(
                f"pools[{i}].gpu",
                f"'{pool.gpu}' is not a known GPU SKU; allowed: {', '.join(sorted(known))}",
            )


def admin_access(c: Cluster) -> Iterator[Problem]:
    for i, cidr in enumerate(c.firewall.admin_cidrs):
        if cidr.prefixlen == 0 or cidr == _WORLD:
            if c.firewall.allow_world_admin:
                yield Problem(
                    f"firewall.admin_cidrs[{i}]",
                    "0.0.0.0/0 opens SSH to the whole internet; allowed by allow_world_admin",
                    severity="warning",
                )
            else:
                yield Problem(
                    f"firewall.admin_cidrs[{i}]",
                    f"{cidr} opens SSH to the whole internet; name your admin networks, or set "
                    "firewall.allow_world_admin: true to accept the risk",
                )


def flows_valid(c: Cluster) -> Iterator[Problem]:
    present = {r for p in c.pools for r in p.roles}
    for i, flow in enumerate(c.firewall.flows):
        for end in ("source", "destination"):
            role = getattr(flow, end)
            if role not in present:
                have = ", ".join(r for r in ROLES if r in present)
                yield Problem(
                    f"firewall.flows[{i}].{end}",
                    f"no pool has role '{role}'; roles present: {have}",
                )
        if flow.protocol in ("tcp", "udp") and flow.ports is None:
            yield Problem(f"firewall.flows[{i}].ports", f"is required for {flow.protocol}; e.g. 22")
        if flow.protocol in ("icmp", "all") and flow.ports is not None:
            yield Problem(
                f"firewall.flows[{i}].ports", f"does not apply to {flow.protocol}; remove it"
            )


def monitoring_has_home(c: Cluster) -> Iterator[Problem]:
    if c.monitoring.enabled and not c.pools_with_role("monitor"):
        yield Problem(
            "monitoring.enabled",
            "monitoring needs a pool with role monitor; add one or set enabled: false",
        )


def ceph_valid(c: Cluster) -> Iterator[Problem]:
    ceph = c.storage.ceph
    if ceph is None:
        return
    host_pool = c.pool(ceph.osd_pool)
    if host_pool is None:
        yield Problem(
            "storage.ceph.osd_pool",
            f"'{ceph.osd_pool}' is not a pool of this spec; "
            f"allowed: {', '.join(p.name for p in c.pools)}",
        )
        return
    if "storage" not in host_pool.roles:
        yield Problem(
            "storage.ceph.osd_pool",
            f"pool '{host_pool.name}' lacks role storage; OSDs go on a storage pool",
        )
    hosts = host_pool.count
    for i, pool in enumerate(ceph.pools):
        path = f"storage.ceph.pools[{i}]"
        if pool.size < 2:
            yield Problem(f"{path}.size", f"{pool.size} keeps one copy; at least 2")
        if pool.failure_domain == "host" and pool.size > hosts:
            yield Problem(
                f"{path}.size",
                f"{pool.size} copies need {pool.size} OSD hosts, pool '{host_pool.name}' has "
                f"{hosts}; at most {hosts}",
            )
        if pool.min_size >= pool.size:
            yield Problem(
                f"{path}.min_size",
                f"{pool.min_size} must be below size {pool.size}; at most {pool.size - 1}",
            )


def buckets_valid(c: Cluster) -> Iterator[Problem]:
    for i, bucket in enumerate(c.storage.buckets):
        path = f"storage.buckets[{i}]"
        problem = _bucket_name_problem(bucket.name)
        if problem:
            yield Problem(f"{path}.name", problem)
        if bucket.encryption == "kms" and not bucket.kms_key_id:
            yield Problem(f"{path}.kms_key_id", "is required when encryption is kms; name the key")
        if bucket.encryption != "kms" and bucket.kms_key_id:
            yield Problem(f"{path}.kms_key_id", "applies only to encryption kms; remove it")


def _bucket_name_problem(name: str) -> str | None:
    allowed = (
        "3-63 characters of lowercase letters, digits, '.' and '-', starting and ending with a "
        "letter or digit, no '..', not an IP address"
    )
    if not _BUCKET.fullmatch(name) or ".." in name:
        return f"'{name}' is not a valid S3 bucket name; use {allowed}"
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
        return f"'{name}' looks like an IP address; use {allowed}"
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3")):
        return f"'{name}' uses a prefix or suffix S3 reserves; use {allowed}"
    return None


RULES: tuple[Rule, ...] = (
    unique_names,
    networks_do_not_overlap,
    subnets_inside_network,
    hostnames_fit,
    pool_networks_exist,
    pool_roles_unique,
    gpu_known,
    admin_access,
    flows_valid,
    monitoring_has_home,
    ceph_valid,
    buckets_valid,
)

# Where each target keeps its rules. Imported on first use, so validating a spec never loads
# another target's rules, and these modules stay free of Pulumi (validation must stay fast).
TARGET_RULES: Mapping[Target, str] = {
    "aws": "aidc.targets.aws.rules",
    "lab": "aidc.targets.lab.rules",
}


def target_rules(target: Target) -> tuple[Rule, ...]:
    """The rules of one target, from its module's RULES."""
    module = importlib.import_module(TARGET_RULES[target])
    rules: tuple[Rule, ...] = module.RULES
    return rules


def rules_for(target: Target) -> tuple[Rule, ...]:
    """Every rule a spec of this target must pass: the neutral ones, then the target's."""
    return RULES + target_rules(target)


def check(cluster: Cluster) -> list[Problem]:
    """All problems the rules find, errors and warnings."""
    return [p for rule in rules_for(cluster.target) for p in rule(cluster)]
