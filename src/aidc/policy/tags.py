"""Tag rules: the required tags on every taggable aws resource."""

from __future__ import annotations

from aidc.policy.registry import Props, Settings, resource_rule, tags_of

# The aws types aidc registers that take a tags map (sub-resources of buckets, routes,
# attachments and policies take none).
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
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
)


@resource_rule("AIDC-TAG-001", *TAGGABLE)
def required_tags(typ: str, props: Props, cfg: Settings) -> list[str]:
    tags = tags_of(props)
    missing = [t for t in cfg.get("required_tags") or () if not tags.get(t)]
    return [f"missing required tags {', '.join(missing)}"] if missing else []
