"""Cross-field rules, run after the models parse. Each rule yields Problems; all are reported.

They also run when some fields failed to parse, on the cluster `aidc.spec.partial` builds from
what did parse: a rule that needs a failed field stops (that field's problem is already
reported), and a rule that checks list items one by one (`skipping_unparsed`) skips only the
items that need one.

The rules here hold for every target. Each target keeps its own rules beside its components,
in `aidc.targets.<target>.rules` (a `RULES` tuple); `check` runs the neutral rules and those of
the spec's target, so the CLI and the Pulumi program judge a spec by the same rules.
"""

from __future__ import annotations

import importlib
import ipaddress
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping

from aidc import catalog
from aidc.spec.derive import hdfs_pool
from aidc.spec.errors import Problem
from aidc.spec.models import Cluster, SharedFilesystem
from aidc.spec.partial import (
    Unparsed,
    is_parsed,
    judging,
    skipping_unparsed,
    unparsed_touched,
)
from aidc.spec.types import ROLES, Target

Rule = Callable[[Cluster], Iterator[Problem]]

# Addresses no one on the internet holds (RFC 6890's special-purpose blocks that are not
# globally reachable, and the documentation ranges): admin networks there open nothing to
# the internet, so they do not count towards its share.
NOT_PUBLIC = tuple(
    ipaddress.IPv4Network(c)
    for c in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
PUBLIC_ADDRESSES = 2**32 - sum(n.num_addresses for n in NOT_PUBLIC)
# Admin networks together may cover at most this many public addresses without
# firewall.allow_broad_admin: a /8's worth, 1/256 of the IPv4 space. Real admin networks (an
# office, a VPN's egress, a bastion) are a few /24s, rarely a /16.
BROAD_ADMIN_ADDRESSES = 2**24
# Hostnames are <cluster>-<pool>-<index>; a DNS label holds at most 63 characters.
_MAX_LABEL = 63


def _duplicates(names: Iterable[str]) -> list[str]:
    return sorted(n for n, c in Counter(names).items() if c > 1)


def _parsed_names(items: Iterable[object]) -> list[str]:
    """The names of the items whose name parsed: a name repeated among them is repeated."""
    names: list[str] = []
    for item in items:
        with skipping_unparsed():
            name = getattr(item, "name")  # noqa: B009 - items of several models
            if is_parsed(name):
                names.append(name)
    return names


def unique_names(c: Cluster) -> Iterator[Problem]:
    for path, items in _named_lists(c):
        for dup in _duplicates(_parsed_names(items)):
            yield Problem(path, f"name '{dup}' is used more than once; names must be unique")


def _named_lists(c: Cluster) -> list[tuple[str, tuple[object, ...]]]:
    """The lists whose items' names must be unique, those that parsed."""
    lists: list[tuple[str, tuple[object, ...]]] = []
    with skipping_unparsed():
        lists.append(("networks", tuple(c.networks)))
    with skipping_unparsed():
        lists.append(("pools", tuple(c.pools)))
    with skipping_unparsed():
        lists.append(("storage.buckets", tuple(c.storage.buckets)))
    with skipping_unparsed():
        lists.append(("storage.filesystems", tuple(c.storage.filesystems)))
    with skipping_unparsed():
        for i, net in enumerate(c.networks):
            with skipping_unparsed():
                lists.append((f"networks[{i}].subnets", tuple(net.subnets)))
    with skipping_unparsed():
        if c.storage.ceph:
            lists.append(("storage.ceph.pools", tuple(c.storage.ceph.pools)))
    return lists


def networks_do_not_overlap(c: Cluster) -> Iterator[Problem]:
    for i, net in enumerate(c.networks):
        for j in range(i):
            with skipping_unparsed():
                if net.cidr.overlaps(c.networks[j].cidr):
                    yield Problem(
                        f"networks[{i}].cidr",
                        f"{net.cidr} overlaps networks[{j}].cidr {c.networks[j].cidr}; "
                        "networks must not overlap",
                    )


def subnets_inside_network(c: Cluster) -> Iterator[Problem]:
    for i, net in enumerate(c.networks):
        with skipping_unparsed():
            for k, sub in enumerate(net.subnets):
                path = f"networks[{i}].subnets[{k}].cidr"
                with skipping_unparsed():
                    if not sub.cidr.subnet_of(net.cidr):
                        yield Problem(
                            path, f"{sub.cidr} is outside its network {net.cidr}; use a part of it"
                        )
                for m in range(k):
                    with skipping_unparsed():
                        if sub.cidr.overlaps(net.subnets[m].cidr):
                            yield Problem(
                                path,
                                f"{sub.cidr} overlaps networks[{i}].subnets[{m}].cidr "
                                f"{net.subnets[m].cidr}; subnets must not overlap",
                            )


def hostnames_fit(c: Cluster) -> Iterator[Problem]:
    for i, pool in enumerate(c.pools):
        with skipping_unparsed():
            longest = f"{c.name}-{pool.name}-{pool.count}"
            if len(longest) > _MAX_LABEL:
                yield Problem(
                    f"pools[{i}].name",
                    f"hostname '{longest}' is {len(longest)} characters; cluster name, pool "
                    f"name and index together must fit in {_MAX_LABEL} (RFC 1123)",
                )


def pool_networks_exist(c: Cluster) -> Iterator[Problem]:
    names = [n.name for n in c.networks]
    for i, pool in enumerate(c.pools):
        with skipping_unparsed():
            if pool.network is not None and pool.network not in names:
                yield Problem(
                    f"pools[{i}].network",
                    f"'{pool.network}' is not a network of this spec; allowed: {', '.join(names)}",
                )


def pool_roles_unique(c: Cluster) -> Iterator[Problem]:
    for i, pool in enumerate(c.pools):
        with skipping_unparsed():
            for dup in _duplicates(pool.roles):
                yield Problem(f"pools[{i}].roles", f"'{dup}' is listed twice; list each role once")


def gpus_per_node_fits(c: Cluster) -> Iterator[Problem]:
    """A GPU count per node that no node form of the SKU has cannot be right. Pools with an
    instance type take the count from it (the aws rules compare the two)."""
    for i, pool in enumerate(c.pools):
        with skipping_unparsed():
            if pool.gpus_per_node is None or pool.instance_type is not None:
                continue
            path = f"pools[{i}].gpus_per_node"
            if pool.gpu is None:
                yield Problem(
                    path, "counts GPUs, but the pool names no GPU; name its SKU in gpu or remove it"
                )
                continue
            sku = catalog.gpu(pool.gpu)
            if pool.gpus_per_node not in sku.node_gpus:
                yield Problem(
                    path,
                    f"{pool.gpus_per_node} is not a node form of {sku.sku} ({sku.name}); "
                    f"allowed: {_either(sku.node_gpus)} ({sku.node_forms})",
                )


def _either(values: Iterable[int]) -> str:
    words = [str(v) for v in values]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def public_addresses(cidrs: Iterable[ipaddress.IPv4Network]) -> int:
    """How many public IPv4 addresses the networks cover together, overlaps counted once."""
    total = 0
    for net in ipaddress.collapse_addresses(cidrs):
        hidden = sum(
            min(net.num_addresses, other.num_addresses)
            for other in NOT_PUBLIC
            if net.overlaps(other)
        )
        total += net.num_addresses - hidden
    return total


def admin_access(c: Cluster) -> Iterator[Problem]:
    """Admin networks are judged as a set: what they open SSH to together. Entries that failed
    to parse are left out: the rest alone can already open too much."""
    fw = c.firewall
    entries = [(i, cidr) for i, cidr in enumerate(fw.admin_cidrs) if is_parsed(cidr)]
    cidrs = [cidr for _, cidr in entries]
    level = _level(public_addresses(cidrs))
    if not level:
        return
    alone = [(i, cidr) for i, cidr in entries if _level(public_addresses([cidr])) == level]
    if len(alone) == 1:
        ((index, cidr),) = alone
        path, subject = f"firewall.admin_cidrs[{index}]", f"{cidr} opens"
    else:
        path, subject = "firewall.admin_cidrs", "together they open"
    if level == "world":
        risk = f"{subject} SSH to the whole internet"
        if fw.allow_world_admin:
            yield Problem(path, f"{risk}; allowed by allow_world_admin", severity="warning")
            return
        short = " (allow_broad_admin stops short of it)" if fw.allow_broad_admin else ""
        yield Problem(
            path,
            f"{risk}{short}; name your admin networks, or set firewall.allow_world_admin: true "
            "to accept the risk",
        )
        return
    covered = public_addresses(cidrs)
    risk = (
        f"{subject} SSH to {covered:,} public IPv4 addresses ({covered / 2**32:.1%} of IPv4), "
        f"more than the {BROAD_ADMIN_ADDRESSES:,} of a /8"
    )
    for flag in ("allow_world_admin", "allow_broad_admin"):
        if getattr(fw, flag):
            yield Problem(path, f"{risk}; allowed by {flag}", severity="warning")
            return
    yield Problem(
        path,
        f"{risk}; name your admin networks, or set firewall.allow_broad_admin: true to accept "
        "the risk",
    )


def _level(covered: int) -> str:
    if covered == PUBLIC_ADDRESSES:
        return "world"
    return "broad" if covered > BROAD_ADMIN_ADDRESSES else ""


def flows_valid(c: Cluster) -> Iterator[Problem]:
    # The roles present are known only when every pool's roles parsed.
    present: set[str] | None = None
    with skipping_unparsed():
        present = {r for p in c.pools for r in p.roles}
    for i, flow in enumerate(c.firewall.flows):
        for end in ("source", "destination"):
            with skipping_unparsed():
                role = getattr(flow, end)
                if present is not None and role not in present:
                    have = ", ".join(r for r in ROLES if r in present)
                    yield Problem(
                        f"firewall.flows[{i}].{end}",
                        f"no pool has role '{role}'; roles present: {have}",
                    )
        with skipping_unparsed():
            if flow.protocol in ("tcp", "udp") and flow.ports is None:
                yield Problem(
                    f"firewall.flows[{i}].ports", f"is required for {flow.protocol}; e.g. 22"
                )
            if flow.protocol in ("icmp", "all") and flow.ports is not None:
                yield Problem(
                    f"firewall.flows[{i}].ports", f"does not apply to {flow.protocol}; remove it"
                )


def _no_such_pool(c: Cluster, path: str, name: str) -> Problem:
    return Problem(
        path,
        f"'{name}' is not a pool of this spec; allowed: {', '.join(p.name for p in c.pools)}",
    )


def _storage_pool(c: Cluster, path: str, name: str, what: str) -> Iterator[Problem]:
    """A pool named to carry storage daemons: it must exist and have role storage."""
    pool = c.pool(name)
    if pool is None:
        yield _no_such_pool(c, path, name)
    elif "storage" not in pool.roles:
        yield Problem(path, f"pool '{pool.name}' lacks role storage; {what} go on a storage pool")


def slurm_has_home(c: Cluster) -> Iterator[Problem]:
    slurm = c.workload.slurm
    with skipping_unparsed():
        if slurm.enabled and slurm.controller_pool and c.pool(slurm.controller_pool) is None:
            yield _no_such_pool(c, "workload.slurm.controller_pool", slurm.controller_pool)


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
    host_pool = None
    with skipping_unparsed():
        host_pool = c.pool(ceph.osd_pool)
        yield from _storage_pool(c, "storage.ceph.osd_pool", ceph.osd_pool, "OSDs")
    for i, pool in enumerate(ceph.pools):
        path = f"storage.ceph.pools[{i}]"
        with skipping_unparsed():
            if pool.size < 2:
                yield Problem(f"{path}.size", f"{pool.size} keeps one copy; at least 2")
        with skipping_unparsed():
            # Without its OSD pool (unknown, or not parsed) the hosts are not known.
            if host_pool is not None and pool.failure_domain == "host":
                hosts = host_pool.count
                if pool.size > hosts:
                    yield Problem(
                        f"{path}.size",
                        f"{pool.size} copies need {pool.size} OSD hosts, pool "
                        f"'{host_pool.name}' has {hosts}; at most {hosts}",
                    )
        with skipping_unparsed():
            if pool.min_size >= pool.size:
                yield Problem(
                    f"{path}.min_size",
                    f"{pool.min_size} must be below size {pool.size}; at most {pool.size - 1}",
                )


def buckets_valid(c: Cluster) -> Iterator[Problem]:
    for i, bucket in enumerate(c.storage.buckets):
        path = f"storage.buckets[{i}]"
        with skipping_unparsed():
            if bucket.encryption == "kms" and not bucket.kms_key_id:
                yield Problem(
                    f"{path}.kms_key_id", "is required when encryption is kms; name the key"
                )
            if bucket.encryption != "kms" and bucket.kms_key_id:
                yield Problem(f"{path}.kms_key_id", "applies only to encryption kms; remove it")


# Mount points that would hide the system: a shared file system never goes there.
SYSTEM_DIRS = frozenset(
    [
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/lib64",
        "/opt",
        "/proc",
        "/root",
        "/run",
        "/sbin",
        "/srv",
        "/sys",
        "/tmp",
        "/usr",
        "/var",
    ]
)
LUSTRE_THROUGHPUTS = (125, 250, 500, 1000)


def _pool_names(c: Cluster, path: str, names: tuple[str, ...] | None) -> Iterator[Problem]:
    for j, name in enumerate(names or ()):
        if c.pool(name) is None:
            yield _no_such_pool(c, f"{path}[{j}]", name)
    for dup in _duplicates(names or ()):
        yield Problem(path, f"pool '{dup}' is named more than once")


def filesystems_valid(c: Cluster) -> Iterator[Problem]:
    mounts: list[str] = []
    for i, fs in enumerate(c.storage.filesystems):
        path = f"storage.filesystems[{i}]"
        with skipping_unparsed():
            top = "/" + fs.mount_path.split("/")[1]
            if top in SYSTEM_DIRS:
                yield Problem(
                    f"{path}.mount_path",
                    f"{fs.mount_path} is at or below system directory {top}; choose another "
                    "path, such as /shared",
                )
            if fs.mount_path in mounts:
                yield Problem(
                    f"{path}.mount_path", f"{fs.mount_path} is mounted by another file system"
                )
            mounts.append(fs.mount_path)
        with skipping_unparsed():
            yield from _pool_names(c, f"{path}.pools", fs.pools)
        with skipping_unparsed():
            for dup in _duplicates(q.path for q in fs.quotas):
                yield Problem(f"{path}.quotas", f"directory '{dup}' has more than one quota")
        with skipping_unparsed():
            yield from _cephfs_fields(c, path, fs)
        with skipping_unparsed():
            yield from _lustre_fields(c, path, fs)


def _cephfs_fields(c: Cluster, path: str, fs: SharedFilesystem) -> Iterator[Problem]:
    if fs.kind != "cephfs":
        return
    ceph = c.storage.ceph
    if ceph is None:
        yield Problem(f"{path}.kind", "cephfs needs storage.ceph; add a Ceph cluster")
        return
    if fs.min_size >= fs.size:
        yield Problem(
            f"{path}.min_size", f"{fs.min_size} must be below size {fs.size}; at most {fs.size - 1}"
        )
    host_pool = c.pool(ceph.osd_pool)
    if host_pool is None or "storage" not in host_pool.roles:
        return  # ceph_valid names the OSD pool's problem
    if fs.size > host_pool.count:
        yield Problem(
            f"{path}.size",
            f"{fs.size} copies need {fs.size} OSD hosts, pool '{host_pool.name}' has "
            f"{host_pool.count}; at most {host_pool.count}",
        )
    if fs.standby_mds and host_pool.count < 2:
        yield Problem(
            f"{path}.standby_mds",
            f"a standby MDS needs a second host, pool '{host_pool.name}' has one; set it false",
        )


def _lustre_fields(c: Cluster, path: str, fs: SharedFilesystem) -> Iterator[Problem]:
    if fs.kind == "lustre":
        gb = fs.capacity_gb
        if gb is not None and gb not in (1200, 2400) and gb % 2400:
            yield Problem(f"{path}.capacity_gb", f"{gb} is not 1200, 2400 or a multiple of 2400")
        if fs.throughput_mb_per_tib not in LUSTRE_THROUGHPUTS:
            allowed = ", ".join(map(str, LUSTRE_THROUGHPUTS))
            yield Problem(
                f"{path}.throughput_mb_per_tib",
                f"{fs.throughput_mb_per_tib} is not offered; allowed: {allowed}",
            )
        bucket = fs.data_repository_bucket
        if bucket is not None and bucket not in {b.name for b in c.storage.buckets}:
            names = ", ".join(b.name for b in c.storage.buckets) or "none declared"
            yield Problem(
                f"{path}.data_repository_bucket",
                f"'{bucket}' is not a bucket of storage.buckets; allowed: {names}",
            )
        return
    for field, default in (
        ("capacity_gb", None),
        ("throughput_mb_per_tib", 125),
        ("data_repository_bucket", None),
    ):
        if getattr(fs, field) != default:
            yield Problem(f"{path}.{field}", "applies only to kind lustre; remove it")


def hdfs_valid(c: Cluster) -> Iterator[Problem]:
    hdfs = c.storage.hdfs
    if not hdfs.enabled:
        return
    with skipping_unparsed():
        yield from _pool_names(c, "storage.hdfs.clients", hdfs.clients)
    home = None
    with skipping_unparsed():
        if hdfs.pool is not None:
            found = list(_storage_pool(c, "storage.hdfs.pool", hdfs.pool, "DataNodes"))
            yield from found
            home = None if found else c.pool(hdfs.pool)
        else:
            home = hdfs_pool(c)
            if home is None:
                yield Problem("storage.hdfs.enabled", "HDFS needs a pool with role storage")
    with skipping_unparsed():
        if home is not None and hdfs.replication > home.count:
            yield Problem(
                "storage.hdfs.replication",
                f"{hdfs.replication} copies need {hdfs.replication} DataNodes, pool "
                f"'{home.name}' has {home.count}; at most {home.count}",
            )


RULES: tuple[Rule, ...] = (
    unique_names,
    networks_do_not_overlap,
    subnets_inside_network,
    hostnames_fit,
    pool_networks_exist,
    pool_roles_unique,
    gpus_per_node_fits,
    admin_access,
    flows_valid,
    slurm_has_home,
    monitoring_has_home,
    ceph_valid,
    buckets_valid,
    filesystems_valid,
    hdfs_valid,
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


def check(cluster: Cluster, partial: bool = False) -> list[Problem]:
    """All problems the rules find, errors and warnings. On a partly parsed cluster (partial,
    from `aidc.spec.partial.build`), a rule that needs a part that failed stops there, and
    without a target only the neutral rules run."""
    target = cluster.target
    rules = rules_for(target) if is_parsed(target) else RULES
    problems: list[Problem] = []
    with judging(partial):
        for rule in rules:
            try:
                problems.extend(rule(cluster))
            except (Unparsed, TypeError) as exc:
                if not unparsed_touched(exc):
                    raise
    return problems
