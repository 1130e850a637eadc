"""Spec rules of the aws target: what a spec must say before the aws components can build it.

Loading a spec runs these after the neutral rules (`aidc.spec.rules`), so `aidc validate`,
`aidc plan` and the Pulumi program refuse the same specs with the same messages. Plain
functions of the spec: no Pulumi here, validation must stay fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from ipaddress import IPv4Network

from aidc import catalog
from aidc.spec.derive import filesystem_pools
from aidc.spec.errors import Problem, show
from aidc.spec.models import Cluster, NodePool, SharedFilesystem
from aidc.spec.partial import skipping_unparsed
from aidc.spec.rules import Rule
from aidc.targets.aws.layout import pool_subnets

# The sizes AWS accepts for a VPC's primary CIDR block and for a subnet.
LARGEST_PREFIX = 16
SMALLEST_PREFIX = 28

# What the image resolver (images.py) can turn into an AMI: an AMI id as is, otherwise the
# name of an SSM parameter that holds one, which the spec writes as a path or an ARN.
AMI_ID = re.compile(r"ami-[0-9a-f]{8,17}")
SSM_PATH = re.compile(r"(/[A-Za-z0-9_.\-]+)+")
SSM_ARN = re.compile(
    r"arn:aws(-cn|-us-gov)?:ssm:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:parameter(/[A-Za-z0-9_.\-]+)+"
)
IMAGE_FORMS = (
    "an AMI id (ami- and 8 to 17 hex digits), an SSM parameter path such as "
    "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id, or "
    "the ARN of an SSM parameter"
)


def region_and_zones(c: Cluster) -> Iterator[Problem]:
    if c.region is None:
        yield Problem("region", "is required on target aws; name a region such as us-east-1")
        return
    for i, net in enumerate(c.networks):
        with skipping_unparsed():
            for k, sub in enumerate(net.subnets):
                path = f"networks[{i}].subnets[{k}].zone"
                with skipping_unparsed():
                    if sub.zone is None:
                        yield Problem(path, f"is required on target aws; e.g. {c.region}a")
                    elif not re.fullmatch(rf"{re.escape(c.region)}[a-z]", sub.zone):
                        yield Problem(
                            path,
                            f"'{sub.zone}' is not a zone of region {c.region}; "
                            f"use {c.region} followed by a letter",
                        )


def instance_types(c: Cluster) -> Iterator[Problem]:
    for i, pool in enumerate(c.pools):
        with skipping_unparsed():
            yield from _instance_type(i, pool)


def _instance_type(i: int, pool: NodePool) -> Iterator[Problem]:
    """The checks of one pool's instance type; each stops only itself on a failed field."""
    types = catalog.instance_types()
    base = f"pools[{i}]"
    if pool.instance_type is None:
        yield Problem(f"{base}.instance_type", "is required on target aws; name an instance type")
        return
    itype = types.get(pool.instance_type)
    if itype is None:
        yield Problem(
            f"{base}.instance_type",
            f"'{pool.instance_type}' is not a known instance type; "
            f"allowed: {', '.join(sorted(types))}",
        )
        return
    with skipping_unparsed():
        if pool.gpu is not None and pool.gpu != itype.gpu:
            carries = f"carries {itype.gpu}" if itype.gpu else "has no GPU"
            yield Problem(
                f"{base}.gpu",
                f"'{pool.gpu}' does not match instance type {itype.name}, which {carries}; "
                "drop gpu or make them agree",
            )
    with skipping_unparsed():
        if pool.gpus_per_node is not None and pool.gpus_per_node != itype.gpus:
            yield Problem(
                f"{base}.gpus_per_node",
                f"{pool.gpus_per_node} does not match {itype.name} ({itype.gpus}); drop it",
            )
    with skipping_unparsed():
        if "gpu" in pool.roles and itype.gpus == 0:
            yield Problem(
                f"{base}.instance_type",
                f"{itype.name} has no GPU but the pool has role gpu; choose a GPU instance type",
            )
    with skipping_unparsed():
        if pool.efa and not itype.efa_capable:
            capable = sorted(t.name for t in types.values() if t.efa_capable)
            yield Problem(
                f"{base}.efa",
                f"{itype.name} does not support EFA; EFA-capable types: {', '.join(capable)}",
            )


def image_forms(c: Cluster) -> Iterator[Problem]:
    """An image must be something the image resolver can turn into an AMI."""
    for i, pool in enumerate(c.pools):
        with skipping_unparsed():
            image = pool.image
            if image is None or _image_problem(image) is None:
                continue
            yield Problem(f"pools[{i}].image", f"{_image_problem(image)}; use {IMAGE_FORMS}")


def _image_problem(image: str) -> str | None:
    if AMI_ID.fullmatch(image) or SSM_PATH.fullmatch(image) or SSM_ARN.fullmatch(image):
        return None
    if image.startswith("ami-"):
        return f"{show(image)} is not an AMI id"
    if image.startswith("resolve:ssm:"):
        return f"{show(image)} is EC2's launch template syntax; write the parameter alone"
    if image.startswith(("/", "arn:")):
        return f"{show(image)} is not an SSM parameter path or ARN"
    return f"{show(image)} names no image"


def cidr_sizes(c: Cluster) -> Iterator[Problem]:
    def fits(cidr: IPv4Network) -> bool:
        return LARGEST_PREFIX <= cidr.prefixlen <= SMALLEST_PREFIX

    allowed = f"use a prefix from /{LARGEST_PREFIX} to /{SMALLEST_PREFIX}"
    for i, net in enumerate(c.networks):
        with skipping_unparsed():
            if not fits(net.cidr):
                yield Problem(
                    f"networks[{i}].cidr",
                    f"{net.cidr} is not a size AWS allows for a VPC; {allowed}",
                )
        with skipping_unparsed():
            for k, sub in enumerate(net.subnets):
                with skipping_unparsed():
                    if not fits(sub.cidr):
                        yield Problem(
                            f"networks[{i}].subnets[{k}].cidr",
                            f"{sub.cidr} is not a size AWS allows for a subnet; {allowed}",
                        )


def network_of(c: Cluster, pool: NodePool) -> str | None:
    """The name of the network the pool runs on; None when it names none of the spec's (the
    neutral rules report that)."""
    if pool.network is None:
        return c.networks[0].name
    return pool.network if any(n.name == pool.network for n in c.networks) else None


def one_network(c: Cluster) -> Iterator[Problem]:
    placed = [(i, network_of(c, p)) for i, p in enumerate(c.pools)]
    known = [(i, net) for i, net in placed if net is not None]
    if not known:
        return
    first_index, first = known[0]
    for i, net in known:
        if net == first:
            continue
        said = f"'{net}'" if c.pools[i].network else f"unset, so '{net}' (the first network)"
        yield Problem(
            f"pools[{i}].network",
            f"is {said}, but pools[{first_index}] runs on '{first}'; the aws target builds one "
            f"VPC for the nodes (security groups do not span VPCs): use '{first}'",
        )


def subnets_present(c: Cluster) -> Iterator[Problem]:
    used = {network_of(c, p) for p in c.pools}
    for i, net in enumerate(c.networks):
        with skipping_unparsed():
            if net.name in used and not net.subnets:
                yield Problem(
                    f"networks[{i}].subnets",
                    "is empty, but pools run on this network; list at least one subnet with "
                    "its zone",
                )


def osd_hosts_fixed(c: Cluster) -> Iterator[Problem]:
    ceph = c.storage.ceph
    if ceph is None:
        return
    for i, pool in enumerate(c.pools):
        with skipping_unparsed():
            if pool.name == ceph.osd_pool and pool.autoscaling:
                yield Problem(
                    f"pools[{i}].autoscaling",
                    "is true, but the pool carries the Ceph OSDs (storage.ceph.osd_pool) and OSD "
                    "hosts hold data; set it false",
                )


def fixed_nodes(c: Cluster) -> Iterator[Problem]:
    # The stack outputs (and so the inventory) list the nodes the program creates; an auto
    # scaling group names its own instances, so a spec of groups only leaves none to configure.
    if all(p.autoscaling for p in c.pools):
        yield Problem(
            "pools",
            "every pool autoscales, so the stack would list no node to configure; set "
            "autoscaling false on at least one pool",
        )


def served_filesystems(c: Cluster) -> Iterator[Problem]:
    """FSx for Lustre and EFS live in private subnets of the pools' network; EFS serves each
    zone from a mount target there and has no directory quotas."""
    for i, fs in enumerate(c.storage.filesystems):
        with skipping_unparsed():
            if fs.kind in ("lustre", "efs"):
                yield from _served(c, i, fs)


def _served(c: Cluster, i: int, fs: SharedFilesystem) -> Iterator[Problem]:
    path = f"storage.filesystems[{i}]"
    with skipping_unparsed():
        if fs.kind == "efs" and fs.quotas:
            yield Problem(
                f"{path}.quotas",
                "EFS has no directory quotas; remove them, or use kind lustre or cephfs",
            )
    clients = filesystem_pools(c, fs)
    name = network_of(c, clients[0] if clients else c.pools[0])
    if name is None:
        return  # the neutral rules report a pool on an unknown network
    k, net = next((k, n) for k, n in enumerate(c.networks) if n.name == name)
    if not net.subnets:
        return  # subnets_present reports it
    private_zones = {s.zone for s in net.subnets if not s.public}
    if not private_zones:
        yield Problem(
            f"{path}.kind",
            f"{fs.kind} needs a private subnet in network '{name}', where its clients run "
            "(its interfaces never sit in a public subnet); add a subnet with public false",
        )
        return
    if fs.kind != "efs":
        return
    missing: dict[str, str] = {}
    for pool in clients:
        for sub in pool_subnets(pool, net):
            if sub.zone is not None and sub.zone not in private_zones:
                missing.setdefault(sub.zone, pool.name)
    for zone, pool_name in missing.items():
        yield Problem(
            f"networks[{k}].subnets",
            f"has no private subnet in zone {zone}, where pool '{pool_name}' mounts EFS file "
            f"system '{fs.name}' ({path}); EFS serves a zone from a mount target in a private "
            "subnet of that zone: add one",
        )


RULES: tuple[Rule, ...] = (
    instance_types,
    image_forms,
    region_and_zones,
    cidr_sizes,
    one_network,
    subnets_present,
    osd_hosts_fixed,
    fixed_nodes,
    served_filesystems,
)
