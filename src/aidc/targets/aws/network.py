"""`Network`: one VPC from a spec network, its subnets exactly as the spec lists them, routes
to the internet (public subnets) and through NAT (private subnets), an S3 gateway endpoint and
VPC flow logs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from aidc.spec import Network as NetworkSpec
from aidc.spec import Subnet
from aidc.targets.aws.common import child, named

FLOW_LOG_RETENTION_DAYS = 365


@dataclass(frozen=True)
class NetworkArgs:
    cluster_name: str
    network: NetworkSpec
    region: str
    tags: dict[str, str] = field(default_factory=dict)
    flow_log_retention_days: int = FLOW_LOG_RETENTION_DAYS


def flow_log_assume_policy() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def flow_log_policy(log_group_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """Write to this log group's streams only: named actions, resources inside the group."""
    streams = pulumi.Output.concat(log_group_arn, ":log-stream:*")
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    "Resource": [log_group_arn, streams],
                }
            ],
        }
    )


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    cidr: str
    subnet_ids: dict[str, pulumi.Output[str]]
    route_table_ids: list[pulumi.Output[str]]
    nat_public_ips: list[pulumi.Output[str]]
    s3_endpoint_id: pulumi.Output[str]
    s3_prefix_list_id: pulumi.Output[str]
    flow_log_group: pulumi.Output[str]

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aidc:aws:Network", name, None, opts)
        spec, tags = args.network, args.tags
        self.cidr = str(spec.cidr)
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=self.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=named(tags, f"{name}-vpc"),
            opts=child(self),
        )
        self.vpc_id = vpc.id
        # Take over the default security group and leave it empty: nothing may use it.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=vpc.id,
            ingress=[],
            egress=[],
            tags=named(tags, f"{name}-default-sg"),
            opts=child(self),
        )

        subnets: dict[str, aws.ec2.Subnet] = {}
        for sub in spec.subnets:
            subnets[sub.name] = aws.ec2.Subnet(
                f"{name}-subnet-{sub.name}",
                vpc_id=vpc.id,
                cidr_block=str(sub.cidr),
                availability_zone=sub.zone,
                # Addresses are given per instance; a subnet never hands them out by itself.
                map_public_ip_on_launch=False,
                tags=named(
                    tags,
                    f"{name}-{sub.name}",
                    **{"aidc:tier": "public" if sub.public else "private"},
                ),
                opts=child(self),
            )
        self.subnet_ids = {k: s.id for k, s in subnets.items()}

        public = [s for s in spec.subnets if s.public]
        private = [s for s in spec.subnets if not s.public]
        tables: list[aws.ec2.RouteTable] = []
        nat_by_zone: dict[str | None, aws.ec2.NatGateway] = {}
        self.nat_public_ips = []
        if public:
            igw = aws.ec2.InternetGateway(
                f"{name}-igw", vpc_id=vpc.id, tags=named(tags, f"{name}-igw"), opts=child(self)
            )
            public_rt = self._table(f"{name}-rt-public", vpc, tags, public, subnets)
            aws.ec2.Route(
                f"{name}-rt-public-default",
                route_table_id=public_rt.id,
                destination_cidr_block="0.0.0.0/0",
                gateway_id=igw.id,
                opts=child(self),
            )
            tables.append(public_rt)
            if private:
                nat_by_zone = self._nats(name, tags, public, subnets, igw)
        for zone in dict.fromkeys(s.zone for s in private):
            in_zone = [s for s in private if s.zone == zone]
            zone_rt = self._table(f"{name}-rt-private-{zone}", vpc, tags, in_zone, subnets)
            # A zone without its own NAT uses the first one (cross-zone, but it still works).
            nat = nat_by_zone.get(zone) or next(iter(nat_by_zone.values()), None)
            if nat is not None:
                aws.ec2.Route(
                    f"{name}-rt-private-{zone}-default",
                    route_table_id=zone_rt.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nat.id,
                    opts=child(self),
                )
            tables.append(zone_rt)
        self.route_table_ids = [t.id for t in tables]

        endpoint = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=self.route_table_ids,
            tags=named(tags, f"{name}-s3"),
            opts=child(self),
        )
        self.s3_endpoint_id = endpoint.id
        self.s3_prefix_list_id = endpoint.prefix_list_id

        self.flow_log_group = self._flow_logs(name, args, vpc)
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "subnet_ids": self.subnet_ids,
                "s3_prefix_list_id": self.s3_prefix_list_id,
                "flow_log_group": self.flow_log_group,
            }
        )

    def _table(
        self,
        rt_name: str,
        vpc: aws.ec2.Vpc,
        tags: dict[str, str],
        members: list[Subnet],
        subnets: dict[str, aws.ec2.Subnet],
    ) -> aws.ec2.RouteTable:
        table = aws.ec2.RouteTable(
            rt_name, vpc_id=vpc.id, tags=named(tags, rt_name), opts=child(self)
        )
        for sub in members:
            aws.ec2.RouteTableAssociation(
                f"{rt_name}-{sub.name}",
                route_table_id=table.id,
                subnet_id=subnets[sub.name].id,
                opts=child(self),
            )
        return table

    def _nats(
        self,
        name: str,
        tags: dict[str, str],
        public: list[Subnet],
        subnets: dict[str, aws.ec2.Subnet],
        igw: aws.ec2.InternetGateway,
    ) -> dict[str | None, aws.ec2.NatGateway]:
        """One NAT gateway per zone that has a public subnet, so a zone outage stays local."""
        nats: dict[str | None, aws.ec2.NatGateway] = {}
        for sub in public:
            if sub.zone in nats:
                continue
            eip = aws.ec2.Eip(
                f"{name}-nat-{sub.zone}-eip",
                domain="vpc",
                tags=named(tags, f"{name}-nat-{sub.zone}"),
                opts=child(self, depends_on=[igw]),
            )
            nats[sub.zone] = aws.ec2.NatGateway(
                f"{name}-nat-{sub.zone}",
                allocation_id=eip.id,
                subnet_id=subnets[sub.name].id,
                connectivity_type="public",
                tags=named(tags, f"{name}-nat-{sub.zone}"),
                opts=child(self, depends_on=[igw]),
            )
            self.nat_public_ips.append(eip.public_ip)
        return nats

    def _flow_logs(self, name: str, args: NetworkArgs, vpc: aws.ec2.Vpc) -> pulumi.Output[str]:
        tags = args.tags
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=f"/aidc/{args.cluster_name}/{args.network.name}/vpc-flow-logs",
            retention_in_days=args.flow_log_retention_days,
            tags=named(tags, f"{name}-flow-logs"),
            opts=child(self),
        )
        role = aws.iam.Role(
            f"{name}-flow-logs-role",
            assume_role_policy=flow_log_assume_policy(),
            description=f"VPC flow logs of {name} into their log group",
            tags=named(tags, f"{name}-flow-logs-role"),
            opts=child(self),
        )
        policy = aws.iam.RolePolicy(
            f"{name}-flow-logs-policy",
            role=role.id,
            policy=flow_log_policy(group.arn),
            opts=child(self),
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=named(tags, f"{name}-flow-log"),
            opts=child(self, depends_on=[policy]),
        )
        return group.name
