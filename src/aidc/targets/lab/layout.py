"""Where each part of a lab cluster goes: bridge names, addresses, firewall rules.

Pure functions of a valid spec (one that `aidc.spec.load_spec` accepted) and the stack name, so
the Pulumi program, the tests and the inventory agree on every address without asking the host.
The lab's spec rules (rules.py) refuse what this plan cannot place, using the same offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from aidc.spec import Cluster, all_nodes, effective_flows
from aidc.spec.types import Role
from aidc.targets.lab.ops.network import bridge_name

# Each pool gets a block of addresses so that growing one pool never renumbers another.
FIRST_NODE_OFFSET = 10
POOL_BLOCK = 16
SSH_USER = "root"


class LabLayoutError(ValueError):
    """The layout was asked for a spec the lab's rules refuse (one that skipped load_spec)."""


def node_offset(pool_position: int, index: int) -> int:
    """Offset in its network of node `index` (from 1) of the pool at `pool_position` (from 0)."""
    return FIRST_NODE_OFFSET + POOL_BLOCK * pool_position + index - 1


def last_host_offset(network: IPv4Network) -> int:
    """Offset of the last address a node may take: the one before the broadcast address."""
    return network.num_addresses - 2


def _unchecked(what: str) -> LabLayoutError:
    """A state a valid spec never reaches (only a spec that skipped load_spec gets here)."""
    return LabLayoutError(f"{what}; the lab layout needs a spec the lab rules accept")


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
    """Bridges, node addresses and firewall rules of a valid spec."""
    for net in cluster.networks:
        if last_host_offset(net.cidr) < 1:
            raise _unchecked(f"network {net.name} ({net.cidr}) has no address for the bridge")
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
        offset = node_offset(pool_index[ref.pool], ref.index)
        if ref.index > POOL_BLOCK or offset > last_host_offset(net.cidr):
            raise _unchecked(f"node {ref.hostname} has no address in {net.name} ({net.cidr})")
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
    for flow in effective_flows(cluster):
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
