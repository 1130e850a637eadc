"""Cross-field rules, run after the models parse. Each rule yields Problems; all are reported."""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from aidc import catalog
from aidc.spec.errors import Problem
from aidc.spec.models import Cluster
from aidc.spec.types import ROLES

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
        if "gpu" in pool.roles and pool.gpu is None and pool.instance_type is None:
            yield Problem(
                f"pools[{i}].gpu",
                "a pool with role gpu needs a GPU SKU; set gpu (or instance_type on aws)",
            )


def aws_instances(c: Cluster) -> Iterator[Problem]:
    if c.target != "aws":
        return
    types = catalog.instance_types()
    for i, pool in enumerate(c.pools):
        base = f"pools[{i}]"
        if pool.instance_type is None:
            yield Problem(
                f"{base}.instance_type", "is required on target aws; name an instance type"
            )
            continue
        itype = types.get(pool.instance_type)
        if itype is None:
            yield Problem(
                f"{base}.instance_type",
                f"'{pool.instance_type}' is not a known instance type; "
                f"allowed: {', '.join(sorted(types))}",
            )
            continue
        if pool.gpu is not None and pool.gpu != itype.gpu:
            carries = f"carries {itype.gpu}" if itype.gpu else "has no GPU"
            yield Problem(
                f"{base}.gpu",
                f"'{pool.gpu}' does not match instance type {itype.name}, which {carries}; "
                "drop gpu or make them agree",
            )
        if pool.gpus_per_node is not None and pool.gpus_per_node != itype.gpus:
            yield Problem(
                f"{base}.gpus_per_node",
                f"{pool.gpus_per_node} does not match {itype.name} ({itype.gpus}); drop it",
            )
        if "gpu" in pool.roles and itype.gpus == 0:
            yield Problem(
                f"{base}.instance_type",
                f"{itype.name} has no GPU but the pool has role gpu; choose a GPU instance type",
            )
        if pool.efa and not itype.efa_capable:
            capable = sorted(t.name for t in types.values() if t.efa_capable)
            yield Problem(
                f"{base}.efa",
                f"{itype.name} does not support EFA; EFA-capable types: {', '.join(capable)}",
            )


def lab_fields(c: Cluster) -> Iterator[Problem]:
    if c.target != "lab":
        return
    for i, pool in enumerate(c.pools):
        for field in ("instance_type", "image", "capacity_reservation_id"):
            if getattr(pool, field) is not None:
                yield Problem(
                    f"pools[{i}].{field}",
                    "applies only to target aws; remove it (the lab image is lab.suite)",
                )
        if pool.efa or pool.autoscaling:
            field = "efa" if pool.efa else "autoscaling"
            yield Problem(f"pools[{i}].{field}", "applies only to target aws; set it false")
    if c.node_count > c.lab.max_nodes:
        yield Problem(
            "pools",
            f"{c.node_count} nodes in all exceed lab.max_nodes ({c.lab.max_nodes}); "
            "lower the counts or raise lab.max_nodes",
        )


def region_and_zones(c: Cluster) -> Iterator[Problem]:
    if c.target == "aws":
        if c.region is None:
            yield Problem("region", "is required on target aws; name a region such as us-east-1")
            return
        for i, net in enumerate(c.networks):
            for k, sub in enumerate(net.subnets):
                path = f"networks[{i}].subnets[{k}].zone"
                if sub.zone is None:
                    yield Problem(path, f"is required on target aws; e.g. {c.region}a")
                elif not re.fullmatch(rf"{re.escape(c.region)}[a-z]", sub.zone):
                    yield Problem(
                        path,
                        f"'{sub.zone}' is not a zone of region {c.region}; "
                        f"use {c.region} followed by a letter",
                    )
    elif c.region is not None:
        yield Problem("region", f"applies only to target aws; use site on target {c.target}")


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
    if c.storage.buckets and c.target == "lab" and not (c.storage.ceph and c.storage.ceph.rgw):
        yield Problem(
            "storage.buckets",
            "buckets on target lab are served by Ceph RGW; set storage.ceph.rgw: true",
        )


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
    aws_instances,
    lab_fields,
    region_and_zones,
    admin_access,
    flows_valid,
    monitoring_has_home,
    ceph_valid,
    buckets_valid,
)


def check(cluster: Cluster) -> list[Problem]:
    """All problems the rules find, errors and warnings."""
    return [p for rule in RULES for p in rule(cluster)]
