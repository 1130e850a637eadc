"""The stack outputs later stages read (inventory, report), in the shape the lab exports.

Node addresses exist only once instances do, so `nodes` and `cluster_vars` are computed in one
apply over every address at once (one gather, not a chain per node). The apply computes data
only; it never declares a resource.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from aidc.inventory.clustervars import cluster_vars, gpu_of
from aidc.spec import Cluster
from aidc.targets.aws.layout import SSH_USER, AwsLayout
from aidc.targets.aws.pools import PoolNode


@dataclass(frozen=True)
class Access:
    """How admins reach nodes: the jump host's public address (None: SSM only), and the
    address SSH arrives from at nodes' own firewalls (admin CIDRs, or the bastion)."""

    jump_ip: pulumi.Output[str] | None
    bastion_private_ip: pulumi.Output[str] | None


def _node_entry(
    node: PoolNode, network: str, private_ip: str, public_ip: str | None, jump: str | None
) -> dict[str, Any]:
    plan = node.plan
    entry: dict[str, Any] = {
        "name": plan.hostname,
        "pool": plan.pool,
        "roles": list(plan.roles),
        "addresses": {network: private_ip},
        "ansible_host": private_ip,
        "ssh_user": SSH_USER,
    }
    if public_ip is not None:
        # Reachable directly: no jump; its public address for SSH from admin networks.
        entry["public_ip"] = public_ip
    elif jump:
        entry["jump_host"] = f"{SSH_USER}@{jump}"
    return entry


def nodes_and_vars(
    cluster: Cluster,
    layout: AwsLayout,
    nodes: Sequence[PoolNode],
    access: Access,
) -> pulumi.Output[dict[str, Any]]:
    """{"nodes": [...], "cluster_vars": {...}} once every address is known."""
    publics = [n for n in nodes if n.plan.public]
    values: list[pulumi.Input[str | None]] = [n.private_ip for n in nodes]
    values += [n.public_ip for n in publics]
    values += [access.jump_ip, access.bastion_private_ip]
    network = layout.network.name

    def assemble(resolved: list[Any]) -> dict[str, Any]:
        private = resolved[: len(nodes)]
        public = dict(
            zip((n.plan.hostname for n in publics), resolved[len(nodes) : -2], strict=True)
        )
        jump, bastion_ip = resolved[-2], resolved[-1]
        gpus = {p.name: gpu_of(cluster, p.name) for p in cluster.pools}
        entries = [
            {
                **_node_entry(n, network, ip, public.get(n.plan.hostname), jump),
                **gpus[n.plan.pool],
            }
            for n, ip in zip(nodes, private, strict=True)
        ]
        if bastion_ip:
            admin_sources = [f"{bastion_ip}/32"]
        else:
            admin_sources = [str(c) for c in cluster.firewall.admin_cidrs]
        return {
            "nodes": entries,
            "cluster_vars": cluster_vars(
                cluster,
                entries,
                flows=resolved_flows(cluster, entries),
                admin_sources=admin_sources,
            ),
        }

    return pulumi.Output.all(*values).apply(assemble)


def resolved_flows(cluster: Cluster, entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The spec's flows with roles replaced by node addresses (what host firewalls need)."""

    def hosts(role: str) -> list[str]:
        return [e["ansible_host"] for e in entries if role in e["roles"]]

    return [
        {
            "description": f.description,
            "sources": hosts(f.source),
            "destinations": hosts(f.destination),
            "protocol": f.protocol,
            "ports": list(f.ports) if f.ports else None,
        }
        for f in cluster.firewall.flows
    ]
