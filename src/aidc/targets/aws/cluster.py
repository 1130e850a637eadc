"""The aws target's top-level component: every resource of a cluster, and its stack outputs.

`AwsCluster(name, AwsClusterArgs(cluster))` declares the network, firewall, node pools, the
jump host, the object store and the shared file systems AWS serves as its children, and offers
the stack outputs as `outputs: Output[AwsOutputs]` (the contract in aidc.inventory). It exports
nothing itself: the program exports once, whatever the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from aidc.inventory.contract import AwsOutputs
from aidc.spec import Cluster
from aidc.targets.aws.bastion import Bastion, BastionArgs
from aidc.targets.aws.common import base_tags, partition
from aidc.targets.aws.filesystems import (
    FilesystemPlan,
    FileSystems,
    FileSystemsArgs,
    plan_filesystems,
)
from aidc.targets.aws.firewall import BASTION, Firewall, FirewallArgs, efa_group, fs_group
from aidc.targets.aws.images import ImageResolver
from aidc.targets.aws.layout import SSH_USER, AwsLayout, AwsLayoutError, plan_layout
from aidc.targets.aws.network import Network, NetworkArgs
from aidc.targets.aws.objectstore import ObjectStore, ObjectStoreArgs
from aidc.targets.aws.outputs import Access, nodes_and_vars
from aidc.targets.aws.pools import NodePool, NodePoolArgs, pool_class


@dataclass(frozen=True)
class AwsClusterArgs:
    cluster: Cluster


def checked_layout(cluster: Cluster) -> tuple[AwsLayout, tuple[FilesystemPlan, ...]]:
    try:
        layout = plan_layout(cluster)
        return layout, plan_filesystems(cluster, layout)
    except AwsLayoutError as exc:
        raise pulumi.RunError(f"the aws target cannot build this spec:\n{exc}") from None


class AwsCluster(pulumi.ComponentResource):
    """A whole AWS cluster: VPCs, security groups, node pools, jump host, buckets, shared
    file systems."""

    contract = AwsOutputs
    outputs: pulumi.Output[AwsOutputs]
    secrets: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: AwsClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        cluster = args.cluster
        # A spec the target cannot build stops here, before any resource is registered.
        layout, filesystems = checked_layout(cluster)
        super().__init__("aidc:aws:Cluster", name, None, opts)
        # Children were top-level resources before this component existed; the alias keeps
        # their URNs, so stacks made then update in place instead of being replaced.
        moved = [pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]
        provider_opts = pulumi.ResourceOptions(parent=self, aliases=moved)
        region = cluster.region or ""  # the target's rules have checked that aws specs name one
        # An explicit provider pins the spec's region, which the spec's zones were checked
        # against, whatever aws:region the stack or the environment says.
        provider = aws.Provider(f"{cluster.name}-aws", region=region, opts=provider_opts)

        def child() -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, providers=[provider], aliases=moved)

        tags = base_tags(cluster)
        networks = {
            n.name: Network(
                f"{cluster.name}-{n.name}",
                NetworkArgs(cluster_name=cluster.name, network=n, region=region, tags=tags),
                child(),
            )
            for n in cluster.networks
        }
        net = networks[layout.network.name]
        firewall = Firewall(
            f"{cluster.name}-firewall",
            FirewallArgs(
                cluster=cluster,
                layout=layout,
                vpc_id=net.vpc_id,
                vpc_cidr=net.cidr,
                s3_prefix_list_id=net.s3_prefix_list_id,
                tags=tags,
            ),
            child(),
        )
        images = ImageResolver(provider)
        pools: list[NodePool] = []
        for plan in layout.pools:
            groups = [firewall.group_ids[r] for r in plan.pool.roles]
            if plan.efa_interfaces:
                groups.append(firewall.group_ids[efa_group(plan.pool.name)])
            pools.append(
                pool_class(plan.kind)(
                    f"{cluster.name}-{plan.pool.name}",
                    NodePoolArgs(
                        cluster_name=cluster.name,
                        network_name=layout.network.name,
                        plan=plan,
                        subnet_ids=net.subnet_ids,
                        security_group_ids=groups,
                        image_id=images.resolve(plan.pool.image),
                        partition=partition(region),
                        tags=tags,
                        ceph=cluster.storage.ceph if plan.kind == "storage" else None,
                    ),
                    child(),
                )
            )

        access = Access(jump_ip=None, bastion_private_ip=None)
        jump = layout.jump_pool
        if jump is not None:
            login = pools[layout.pools.index(jump)]
            access = Access(jump_ip=login.nodes[0].public_ip, bastion_private_ip=None)
        elif layout.bastion_subnet is not None:
            bastion = Bastion(
                f"{cluster.name}-bastion",
                BastionArgs(
                    subnet_id=net.subnet_ids[layout.bastion_subnet.name],
                    security_group_id=firewall.group_ids[BASTION],
                    image_id=images.resolve(None),
                    tags=tags,
                ),
                child(),
            )
            access = Access(jump_ip=bastion.public_ip, bastion_private_ip=bastion.private_ip)
        else:
            pulumi.log.warn(
                f"network {layout.network.name} has no public subnet: nodes are reachable through "
                "SSM Session Manager only (no SSH jump host)"
            )

        store = None
        if cluster.storage.buckets:
            store = ObjectStore(
                f"{cluster.name}-objects",
                ObjectStoreArgs(
                    cluster_name=cluster.name, buckets=cluster.storage.buckets, tags=tags
                ),
                child(),
            )

        sources: dict[str, pulumi.Output[str]] = {}
        if filesystems:
            shared = FileSystems(
                f"{cluster.name}-filesystems",
                FileSystemsArgs(
                    cluster_name=cluster.name,
                    plans=filesystems,
                    subnet_ids=net.subnet_ids,
                    group_ids={
                        p.fs.name: firewall.group_ids[fs_group(p.fs.name)] for p in filesystems
                    },
                    bucket_names=store.bucket_names if store else {},
                    tags=tags,
                ),
                child(),
            )
            sources = shared.sources

        nodes = [n for p in pools for n in p.nodes]
        inventory = nodes_and_vars(cluster, layout, nodes, access, sources)
        rest: dict[str, Any] = {
            "networks": [
                {
                    "name": name,
                    "cidr": n.cidr,
                    "vpc_id": n.vpc_id,
                    "subnets": [
                        {
                            "name": s.name,
                            "cidr": str(s.cidr),
                            "zone": s.zone,
                            "public": s.public,
                            "id": n.subnet_ids[s.name],
                        }
                        for s in cluster.network(name).subnets
                    ],
                    "nat_public_ips": n.nat_public_ips,
                    "flow_log_group": n.flow_log_group,
                }
                for name, n in networks.items()
            ],
            "firewall": {
                "default": "deny: security groups admit only the rules listed",
                "groups": firewall.group_ids,
                "rules": firewall.summary(),
            },
            "endpoints": {
                "region": region,
                "access": layout.access,
                "jump_host": pulumi.Output.concat(f"{SSH_USER}@", access.jump_ip)
                if access.jump_ip is not None
                else "",
                "s3": f"https://s3.{region}.amazonaws.com",
                "s3_gateway_endpoint": net.s3_endpoint_id,
            },
            "buckets": [
                {
                    "name": b.name,
                    "arn": store.bucket_arns[b.name] if store else "",
                    "purpose": b.purpose,
                    "versioning": b.versioned,
                    "encryption": b.encryption,
                    "access_logging": b.access_logging,
                }
                for b in cluster.storage.buckets
            ],
            "autoscaling_groups": [
                {"pool": p.pool.name, "count": p.pool.count, "name": pool.autoscaling_group_name}
                for p, pool in zip(layout.pools, pools, strict=True)
                if pool.autoscaling_group_name is not None
            ],
        }

        def contract(values: list[Any]) -> AwsOutputs:
            (nodes, cluster_vars), resolved = values
            return AwsOutputs(nodes=nodes, cluster_vars=cluster_vars, **resolved)

        self.outputs = pulumi.Output.all(inventory, pulumi.Output.from_input(rest)).apply(contract)
        self.secrets = {}
        self.register_outputs({"access": layout.access})
