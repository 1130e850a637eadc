"""The nodes and cluster variables of the stack outputs (the contract in aidc.inventory).

Node addresses exist only once instances do, and what nodes mount once the file systems do, so
`nodes` and `cluster_vars` are computed in one apply over every address and mount source at
once (one gather, not a chain per node). The apply computes data only; it never declares a
resource.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from aidc.inventory.clustervars import cluster_vars, gpu_of, resolved_flows
from aidc.inventory.contract import ClusterVars, NodeOut
from aidc.spec import Cluster
from aidc.targets.aws.layout import SSH_USER, AwsLayout
from aidc.targets.aws.pools import PoolNode


@dataclass(frozen=True)
class Access:
    """How admins reach nodes: the jump host's public address (None: SSM only), and the
    address SSH arrives from at nodes' own firewalls (admin CIDRs, or the bastion)."""

    jump_ip: pulumi.Output[str] | None
    bastion_private_ip: pulumi.Output[str] | None


def _node(
    node: PoolNode,
    network: str,
    private_ip: str,
    public_ip: str | None,
    jump: str | None,
    gpu: dict[str, Any],
) -> NodeOut:
    plan = node.plan
    return NodeOut(
        name=plan.hostname,
        pool=plan.pool,
        roles=plan.roles,
        addresses={network: private_ip},
        ansible_host=private_ip,
        ssh_user=SSH_USER,
        # Reachable directly: no jump; its public address for SSH from admin networks.
        public_ip=public_ip,
        jump_host=f"{SSH_USER}@{jump}" if public_ip is None and jump else None,
        **gpu,
    )


def nodes_and_vars(
    cluster: Cluster,
    layout: AwsLayout,
    nodes: Sequence[PoolNode],
    access: Access,
    sources: Mapping[str, pulumi.Output[str]] | None = None,
) -> pulumi.Output[tuple[tuple[NodeOut, ...], ClusterVars]]:
    """The nodes and the cluster variables, once every address is known; `sources` (file
    system name -> what a node mounts) come from the file systems AWS serves."""
    publics = [n for n in nodes if n.plan.public]
    mounts = dict(sources or {})
    values: list[pulumi.Input[str | None]] = [n.private_ip for n in nodes]
    values += [n.public_ip for n in publics]
    values += list(mounts.values())
    values += [access.jump_ip, access.bastion_private_ip]
    network = layout.network.name

    def assemble(resolved: list[Any]) -> tuple[tuple[NodeOut, ...], ClusterVars]:
        rest = iter(resolved)
        private = [next(rest) for _ in nodes]
        public = {n.plan.hostname: next(rest) for n in publics}
        mounted = {name: next(rest) for name in mounts}
        jump, bastion_ip = next(rest), next(rest)
        gpus = {p.name: gpu_of(cluster, p.name) for p in cluster.pools}
        entries = tuple(
            _node(n, network, ip, public.get(n.plan.hostname), jump, gpus[n.plan.pool])
            for n, ip in zip(nodes, private, strict=True)
        )
        if bastion_ip:
            admin_sources = [f"{bastion_ip}/32"]
        else:
            admin_sources = [str(c) for c in cluster.firewall.admin_cidrs]
        shared = cluster_vars(
            cluster,
            entries,
            flows=resolved_flows(cluster, entries),
            admin_sources=admin_sources,
            filesystem_sources=mounted,
        )
        return entries, shared

    return pulumi.Output.all(*values).apply(assemble)
