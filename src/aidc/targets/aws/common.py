"""Small helpers every aws component shares: tags, child options, ARNs of the partition."""

from __future__ import annotations

import pulumi

from aidc.spec import Cluster

CLUSTER_TAG = "aidc:cluster"


def base_tags(cluster: Cluster) -> dict[str, str]:
    """The spec's tags plus the cluster tag; aidc's own keys win over the spec's."""
    return {**cluster.tags, CLUSTER_TAG: cluster.name}


def named(tags: dict[str, str], name: str, **extra: str) -> dict[str, str]:
    return {**tags, **extra, "Name": name}


def child(
    parent: pulumi.Resource, depends_on: list[pulumi.Resource] | None = None
) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, depends_on=depends_on)


def partition(region: str) -> str:
    """The ARN partition of a region, without asking AWS (no invoke to mock)."""
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws"
