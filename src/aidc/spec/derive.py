"""Facts derived from a valid spec that several consumers need (nodes, totals)."""

from __future__ import annotations

from dataclasses import dataclass

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
