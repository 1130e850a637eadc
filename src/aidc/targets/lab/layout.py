"""Where each part of a lab cluster goes: bridge names, addresses, firewall rules.

Pure functions of the spec and the stack name, so the Pulumi program, the tests and the
inventory agree on every address without asking the host.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface

from aidc.spec import Cluster, all_nodes
from aidc.spec.types import Role
from aidc.targets.lab.ops.network import bridge_name

# Each pool gets a block of addresses so that growing one pool never renumbers another.
FIRST_NODE_OFFSET = 10
POOL_BLOCK = 16
SSH_USER = "root"


class LabLayoutError(ValueError):
    """The spec cannot be laid out on the lab (e.g. its network is too small)."""


@dataclass(frozen=True)
class BridgePlan:
    network: str
    bridge: str
    host: IPv4Interface


@dataclass(frozen=True)
class NodePlan:
    hostname: str
    pool: str
    roles: tuple[Role, ...]
    network: str
    bridge: str
    address: IPv4Interface


@dataclass(frozen=True)
class FlowRule:
    description: str
    sources: tuple[IPv4Address, ...]
    destinations: tuple[IPv4Address, ...]
    protocol: str
    ports: tuple[int, int] | None


@dataclass(frozen=True)
class LabLayout:
    stack: str
    bridges: tuple[BridgePlan, ...]
    nodes: tuple[NodePlan, ...]
    rules: tuple[FlowRule, ...]

    def bridge(self, network: str) -> BridgePlan:
        return next(b for b in self.bridges if b.network == network)


def plan_layout(cluster: Cluster, stack: str) -> LabLayout:
    bridges = tuple(
        BridgePlan(
            network=n.name,
            bridge=bridge_name(stack, n.name),
            host=IPv4Interface(f"{n.cidr[1]}/{n.cidr.prefixlen}"),
        )
        for n in cluster.networks
    )
    by_network = {b.network: b for b in bridges}
    nodes: list[NodePlan] = []
    pool_index = {p.name: i for i, p in enumerate(cluster.pools)}
    for ref in all_nodes(cluster):
        pool = cluster.pool(ref.pool)
        assert pool is not None
        net = cluster.network(pool.network)
        offset = FIRST_NODE_OFFSET + POOL_BLOCK * pool_index[ref.pool] + ref.index - 1
        if ref.index > POOL_BLOCK or offset >= net.cidr.num_addresses - 1:
            raise LabLayoutError(
                f"pools[{pool_index[ref.pool]}].count: the lab gives each pool {POOL_BLOCK} "
                f"addresses from .{FIRST_NODE_OFFSET} of {net.cidr}; use a larger network "
                "or fewer nodes"
            )
        nodes.append(
            NodePlan(
                hostname=ref.hostname,
                pool=ref.pool,
                roles=ref.roles,
                network=net.name,
                bridge=by_network[net.name].bridge,
                address=IPv4Interface(f"{net.cidr[offset]}/{net.cidr.prefixlen}"),
            )
        )
    return LabLayout(stack, bridges, tuple(nodes), _flow_rules(cluster, nodes))


def _flow_rules(cluster: Cluster, nodes: list[NodePlan]) -> tuple[FlowRule, ...]:
    def addresses(role: Role) -> tuple[IPv4Address, ...]:
        return tuple(n.address.ip for n in nodes if role in n.roles)

    rules = []
    for flow in cluster.firewall.flows:
        rules.append(
            FlowRule(
                description=flow.description,
                sources=addresses(flow.source),
                destinations=addresses(flow.destination),
                protocol=flow.protocol,
                ports=flow.ports,
            )
        )
    return tuple(rules)
