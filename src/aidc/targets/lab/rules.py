"""Spec rules of the lab target: what a spec must say before the lab can build it on one host.

Loading a spec runs these after the neutral rules (`aidc.spec.rules`), so `aidc validate`,
`aidc plan` and the Pulumi program refuse the same specs with the same messages. Addresses are
judged with the layout's own offsets (layout.py), so a spec these rules accept always lays out.
No Pulumi here: validation must stay fast.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator

from aidc import catalog
from aidc.spec.errors import Problem
from aidc.spec.models import Cluster, Network, NodePool
from aidc.spec.partial import skipping_unparsed
from aidc.spec.rules import Rule
from aidc.spec.types import DebianSuite
from aidc.targets.lab.layout import POOL_BLOCK, last_host_offset, node_offset

_AWS_ONLY = ("instance_type", "image", "capacity_reservation_id")


def aws_fields(c: Cluster) -> Iterator[Problem]:
    suites = typing.get_args(DebianSuite)
    for i, pool in enumerate(c.pools):
        for field in _AWS_ONLY:
            with skipping_unparsed():
                value = getattr(pool, field)
                if value is None:
                    continue
                hint = "the lab image is lab.suite"
                if field == "image" and value in suites:
                    hint = f"set lab.suite: {value} instead, the lab's one image"
                yield Problem(
                    f"pools[{i}].{field}", f"applies only to target aws; remove it ({hint})"
                )
        for flag in ("efa", "autoscaling"):
            with skipping_unparsed():
                if getattr(pool, flag):
                    yield Problem(f"pools[{i}].{flag}", "applies only to target aws; set it false")


def node_limit(c: Cluster) -> Iterator[Problem]:
    if c.node_count > c.lab.max_nodes:
        yield Problem(
            "pools",
            f"{c.node_count} nodes in all exceed lab.max_nodes ({c.lab.max_nodes}); "
            "lower the counts or raise lab.max_nodes",
        )


def no_region(c: Cluster) -> Iterator[Problem]:
    if c.region is not None:
        yield Problem("region", f"applies only to target aws; use site on target {c.target}")


def gpu_pools_name_a_gpu(c: Cluster) -> Iterator[Problem]:
    for i, pool in enumerate(c.pools):
        with skipping_unparsed():
            if "gpu" in pool.roles and pool.gpu is None:
                yield Problem(
                    f"pools[{i}].gpu",
                    "a pool with role gpu needs a GPU SKU; allowed: "
                    + ", ".join(sorted(catalog.gpus())),
                )


def buckets_need_rgw(c: Cluster) -> Iterator[Problem]:
    if c.storage.buckets and not (c.storage.ceph and c.storage.ceph.rgw):
        yield Problem(
            "storage.buckets",
            "buckets on target lab are served by Ceph RGW; set storage.ceph.rgw: true",
        )


def bridge_addresses(c: Cluster) -> Iterator[Problem]:
    for i, net in enumerate(c.networks):
        with skipping_unparsed():
            if last_host_offset(net.cidr) < 1:
                yield Problem(
                    f"networks[{i}].cidr",
                    f"{net.cidr} leaves no address for the host's bridge; use /30 or larger",
                )


def _prefix_holding(offset: int) -> int:
    """The longest prefix whose network still has a node address at this offset."""
    return 32 - (offset + 1).bit_length()


def pool_addresses(c: Cluster) -> Iterator[Problem]:
    """Each pool takes a block of POOL_BLOCK addresses, the n-th pool's from offset
    FIRST_NODE_OFFSET + n * POOL_BLOCK, in the network it runs on."""
    names = {n.name: n for n in c.networks}
    for i, pool in enumerate(c.pools):
        with skipping_unparsed():
            yield from _pool_fits(c, i, pool, names)


def _pool_fits(c: Cluster, i: int, pool: NodePool, names: dict[str, Network]) -> Iterator[Problem]:
    """Whether one pool's nodes fit its block and its network."""
    net = c.networks[0] if pool.network is None else names.get(pool.network)
    if net is None:
        return  # a neutral rule reports the unknown network
    first = node_offset(i, 1)
    room = last_host_offset(net.cidr) - first + 1
    if pool.count <= min(POOL_BLOCK, room):
        return
    path = f"pools[{i}].count"
    if room >= POOL_BLOCK:
        yield Problem(
            path,
            f"{pool.count} is more than the {POOL_BLOCK} addresses the lab gives each pool; "
            f"at most {POOL_BLOCK}",
        )
        return
    limit = max(room, 0)
    larger = f"a network of /{_prefix_holding(node_offset(i, min(pool.count, POOL_BLOCK)))}"
    larger += " or larger"
    if pool.count > POOL_BLOCK:
        larger += f" with at most {POOL_BLOCK} nodes"
    allowed = f"at most {limit} nodes, or {larger}" if limit else f"use {larger}"
    before = f" ({POOL_BLOCK} addresses for each pool listed before it)" if i else ""
    end = last_host_offset(net.cidr)
    ends = f"whose last node address is at offset {end}" if end > 0 else "which has none"
    yield Problem(
        path,
        f"{pool.count} does not fit: the lab places this pool's nodes from offset {first}"
        f"{before} of network '{net.name}' ({net.cidr}), {ends}; {allowed}",
    )


def filesystems_cephfs(c: Cluster) -> Iterator[Problem]:
    for i, fs in enumerate(c.storage.filesystems):
        with skipping_unparsed():
            if fs.kind != "cephfs":
                yield Problem(
                    f"storage.filesystems[{i}].kind",
                    f"{fs.kind} is an aws service; on target lab use kind cephfs",
                )


RULES: tuple[Rule, ...] = (
    aws_fields,
    filesystems_cephfs,
    node_limit,
    no_region,
    gpu_pools_name_a_gpu,
    buckets_need_rgw,
    bridge_addresses,
    pool_addresses,
)
