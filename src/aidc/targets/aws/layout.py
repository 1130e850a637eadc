"""Where each part of an AWS cluster goes: which subnet each node lands in, which nodes get a
public address, how admins reach the rest. Pure functions of a valid spec (one that
`aidc.spec.load_spec` accepted, which runs the aws rules in rules.py), so the components, the
tests and the stack outputs agree without asking AWS.

Access model (the choice the issue asks for):
- login pools go into the network's public subnets with a public IP; the first login node is the
  SSH jump host for every private node, and its security group admits SSH from admin_cidrs only;
- with no (fixed-size) login pool but a public subnet, a small bastion takes that place;
- with no public subnet at all, nodes are reachable through SSM Session Manager only (every
  node's instance profile carries AmazonSSMManagedInstanceCore).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import cycle, islice
from typing import Literal

from aidc import catalog
from aidc.spec import Cluster, Network, NodePool, Subnet
from aidc.spec.derive import node_refs
from aidc.spec.types import Role

SSH_USER = "ubuntu"
Access = Literal["login", "bastion", "ssm"]
PoolKind = Literal["gpu", "storage", "node"]


class AwsLayoutError(ValueError):
    """The layout was asked for a spec the aws rules refuse (one that skipped load_spec)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class NodePlan:
    hostname: str
    index: int
    pool: str
    roles: tuple[Role, ...]
    subnet: Subnet
    public: bool


@dataclass(frozen=True)
class PoolPlan:
    pool: NodePool
    kind: PoolKind
    # EFA interfaces per node (the catalog's count), 0 when the pool does not use EFA.
    efa_interfaces: int
    placement_group: bool
    subnets: tuple[Subnet, ...]
    public: bool
    # Empty for autoscaling pools: the group, not the program, names their instances.
    nodes: tuple[NodePlan, ...]
    local_nvme: bool


@dataclass(frozen=True)
class AwsLayout:
    network: Network
    pools: tuple[PoolPlan, ...]
    access: Access
    bastion_subnet: Subnet | None

    def pool(self, name: str) -> PoolPlan:
        return next(p for p in self.pools if p.pool.name == name)

    @property
    def efa_pools(self) -> tuple[PoolPlan, ...]:
        return tuple(p for p in self.pools if p.efa_interfaces)

    @property
    def jump_pool(self) -> PoolPlan | None:
        """The pool whose first node is the SSH jump host (access 'login')."""
        return next((p for p in self.pools if p.public and p.nodes), None)


def _unchecked(cluster: Cluster) -> list[str]:
    """States a valid spec never reaches and this plan cannot place (the aws rules refuse them,
    so only a spec that skipped load_spec gets here)."""
    problems = []
    if cluster.target != "aws":
        problems.append(f"target: is {cluster.target!r}; the aws components build target aws")
    used = sorted({cluster.network(p.network).name for p in cluster.pools})
    if len(used) > 1:
        problems.append(f"pools: run on networks {', '.join(used)}; the layout needs one")
    elif not cluster.network(used[0]).subnets:
        problems.append(f"networks: '{used[0]}' has no subnets; the layout needs one")
    ceph = cluster.storage.ceph
    osd_pool = cluster.pool(ceph.osd_pool) if ceph else None
    if osd_pool is not None and osd_pool.autoscaling:
        problems.append(f"pools: '{osd_pool.name}' autoscales; the layout needs the OSD hosts")
    return problems


def _kind(cluster: Cluster, pool: NodePool) -> PoolKind:
    ceph = cluster.storage.ceph
    if ceph is not None and ceph.osd_pool == pool.name:
        return "storage"
    return "gpu" if "gpu" in pool.roles else "node"


def on_public_subnets(pool: NodePool, network: Network) -> bool:
    """Whether the pool's nodes go into the public subnets, each with a public address."""
    return "login" in pool.roles and any(s.public for s in network.subnets) and not pool.autoscaling


def pool_subnets(pool: NodePool, network: Network) -> tuple[Subnet, ...]:
    """The subnets a pool's nodes are spread over (an EFA pool then keeps only the first)."""
    if on_public_subnets(pool, network):
        return tuple(s for s in network.subnets if s.public)
    # A network of public subnets only still hides nodes' addresses.
    return tuple(s for s in network.subnets if not s.public) or network.subnets


def plan_layout(cluster: Cluster) -> AwsLayout:
    """Place every node of a valid spec."""
    problems = _unchecked(cluster)
    if problems:
        raise AwsLayoutError(problems)
    network = cluster.network(cluster.pools[0].network)
    public = tuple(s for s in network.subnets if s.public)
    plans: list[PoolPlan] = []
    for pool in cluster.pools:
        itype = catalog.instance_type(pool.instance_type or "")
        efa = itype.efa_interfaces if pool.efa else 0
        on_public = on_public_subnets(pool, network)
        subnets = pool_subnets(pool, network)
        if efa and not on_public:
            # EFA's OS-bypass traffic stays inside one subnet, and a cluster placement group
            # inside one zone: the whole pool shares the first private subnet.
            subnets = subnets[:1]
        refs = [] if pool.autoscaling else node_refs(cluster, pool)
        nodes = tuple(
            NodePlan(ref.hostname, ref.index, pool.name, pool.roles, subnet, on_public)
            for ref, subnet in zip(refs, islice(cycle(subnets), len(refs)), strict=True)
        )
        plans.append(
            PoolPlan(
                pool=pool,
                kind=_kind(cluster, pool),
                efa_interfaces=efa,
                placement_group=bool(efa) and pool.placement_group and pool.count > 1,
                subnets=subnets,
                public=on_public,
                nodes=nodes,
                local_nvme=itype.local_nvme_gb > 0,
            )
        )
    access: Access
    if any(p.public and p.nodes for p in plans):
        access, bastion_subnet = "login", None
    elif public:
        access, bastion_subnet = "bastion", public[0]
    else:
        access, bastion_subnet = "ssm", None
    return AwsLayout(network, tuple(plans), access, bastion_subnet)
