"""Tag rules: the required tags on every taggable aws resource, counting the tags its provider
adds to everything it manages (`default_tags`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from aidc.policy.model import Stack
from aidc.policy.registry import Hit, Res, Settings, mapping, rule, tags_of, unknown

# The aws types aidc registers that take a tags map (sub-resources of buckets, routes,
# attachments, policies and EFS mount targets take none).
TAGGABLE = (
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/instance:Instance",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ebs/volume:Volume",
    "aws:ec2/placementGroup:PlacementGroup",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/flowLog:FlowLog",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:iam/role:Role",
    "aws:iam/instanceProfile:InstanceProfile",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:efs/fileSystem:FileSystem",
    "aws:fsx/lustreFileSystem:LustreFileSystem",
    "aws:fsx/dataRepositoryAssociation:DataRepositoryAssociation",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
)


def _key(name: Any) -> str:
    """Tag names as people spell them: Project, project and PROJECT are one tag."""
    return str(name).strip().lower().replace("_", "-")


def _decoded(value: Any) -> Any:
    """Provider inputs carry objects as JSON text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def effective_tags(stack: Stack, res: Res) -> Mapping[str, Any] | None:
    """The tags a resource ends up with (its provider's default tags, then its own), or None
    where they cannot be known yet."""
    own = res.props.get("tags")
    if unknown(own):
        return None
    merged: dict[str, Any] = {}
    provider = stack.provider_of(res)
    if provider is not None:
        default = _decoded(provider.props.get("defaultTags"))
        if unknown(default) or unknown(mapping(default).get("tags")):
            return None
        merged.update(mapping(mapping(default).get("tags")))
    merged.update(mapping(res.props.get("tagsAll")))
    merged.update(tags_of(res.props))
    return merged


@rule("AIDC-TAG-001", local=True)
def required_tags(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    required = list(cfg.get("required_tags") or ())
    for r in stack.of(*TAGGABLE):
        tags = effective_tags(stack, r)
        if tags is None:
            continue
        given = {_key(k): v for k, v in tags.items()}
        missing = [
            t for t in required if not given.get(_key(t)) and not unknown(given.get(_key(t)))
        ]
        if missing:
            yield f"missing required tags {', '.join(missing)}", r.where
