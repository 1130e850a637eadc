"""Facts derived from a valid spec that several consumers need (nodes, totals)."""

from __future__ import annotations

from dataclasses import dataclass

from aidc import catalog
from aidc.spec.models import Cluster, NodePool
from aidc.spec.types import Role


@dataclass(frozen=True)
class NodeRef:
    """One node the spec asks for."""

    hostname: str
    pool: str
    index: int
    roles: tuple[Role, ...]


def node_refs(cluster: Cluster, pool: NodePool) -> list[NodeRef]:
    return [
        NodeRef(f"{cluster.name}-{pool.name}-{i}", pool.name, i, pool.roles)
        for i in range(1, pool.count + 1)
    ]


def all_nodes(cluster: Cluster) -> list[NodeRef]:
    return [n for pool in cluster.pools for n in node_refs(cluster, pool)]


def pool_gpus(cluster: Cluster, pool: NodePool) -> tuple[str | None, int]:
    """(GPU SKU, GPUs per node): from the instance type on aws, else as the pool declares."""
    if cluster.target == "aws" and pool.instance_type:
        itype = catalog.instance_type(pool.instance_type)
        return itype.gpu, itype.gpus
    if pool.gpu is None:
        return None, 0
    return pool.gpu, pool.gpus_per_node or 1
