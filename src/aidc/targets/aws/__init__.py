"""The aws target: ComponentResources on pulumi_aws.

`build(cluster)` declares a cluster and exports the stack outputs every target exports
(target, nodes, networks, firewall, endpoints, cluster_vars, buckets). The spec is checked
before anything is declared: a spec the target cannot honour stops the program with one line
per problem and no resource registered.

Components (tokens `aidc:aws:<Type>`): Network (network.py), Firewall (firewall.py), NodePool,
GpuPool and StoragePool (pools.py), Bastion (bastion.py), ObjectStore (objectstore.py).
Placement and the access model are pure functions of the spec (layout.py).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from aidc.spec import Cluster
from aidc.targets.aws.bastion import Bastion, BastionArgs
from aidc.targets.aws.common import base_tags, partition
from aidc.targets.aws.firewall import BASTION, Firewall, FirewallArgs, efa_group
from aidc.targets.aws.images import ImageResolver
from aidc.targets.aws.layout import SSH_USER, AwsLayout, AwsLayoutError, plan_layout
from aidc.targets.aws.network import Network, NetworkArgs
from aidc.targets.aws.objectstore import ObjectStore, ObjectStoreArgs
from aidc.targets.aws.outputs import Access, nodes_and_vars
from aidc.targets.aws.pools import GpuPool, NodePool, NodePoolArgs, StoragePool, pool_class

__all__ = [
    "AwsLayoutError",
    "Bastion",
    "Firewall",
    "GpuPool",
    "Network",
    "NodePool",
    "ObjectStore",
    "StoragePool",
    "build",
    "declare",
    "plan_layout",
]


def build(cluster: Cluster) -> None:
    """Declare the cluster and export its stack outputs (the Pulumi program of target aws)."""
    for key, value in declare(cluster).items():
        pulumi.export(key, value)


def checked_layout(cluster: Cluster) -> AwsLayout:
    try:
        return plan_layout(cluster)
    except AwsLayoutError as exc:
        raise pulumi.RunError(f"the aws target cannot build this spec:\n{exc}") from None


def declare(cluster: Cluster) -> dict[str, Any]:
    """Declare every resource of the cluster; return the stack outputs (not yet exported)."""
    layout = checked_layout(cluster)
    region = cluster.region or ""  # the layout has checked that aws specs name one
    tags = base_tags(cluster)
    # An explicit provider pins the spec's region, which the spec's zones were checked against,
    # whatever aws:region the stack or the environment says.
    provider = aws.Provider(f"{cluster.name}-aws", region=region)

    def opts() -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(providers=[provider])

    networks = {
        n.name: Network(
            f"{cluster.name}-{n.name}",
            NetworkArgs(cluster_name=cluster.name, network=n, region=region, tags=tags),
            opts(),
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
        opts(),
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
                opts(),
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
            opts(),
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
            ObjectStoreArgs(cluster_name=cluster.name, buckets=cluster.storage.buckets, tags=tags),
            opts(),
        )

    inventory = nodes_and_vars(cluster, layout, [n for p in pools for n in p.nodes], access)
    return {
        "target": "aws",
        "nodes": inventory.apply(lambda v: v["nodes"]),
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
        "cluster_vars": inventory.apply(lambda v: v["cluster_vars"]),
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
