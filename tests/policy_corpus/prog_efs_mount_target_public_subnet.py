"""An EFS mount target in a subnet whose route table sends the default route to an internet
gateway."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-STO-008"


def program() -> None:
    vpc = aws.ec2.Vpc("net", cidr_block="10.0.0.0/16", tags=TAGS)
    igw = aws.ec2.InternetGateway("net-igw", vpc_id=vpc.id, tags=TAGS)
    edge = aws.ec2.Subnet("edge", vpc_id=vpc.id, cidr_block="10.0.0.0/24", tags=TAGS)
    table = aws.ec2.RouteTable("edge-rt", vpc_id=vpc.id, tags=TAGS)
    aws.ec2.Route(
        "edge-default",
        route_table_id=table.id,
        destination_cidr_block="0.0.0.0/0",
        gateway_id=igw.id,
    )
    aws.ec2.RouteTableAssociation("edge-rt-edge", subnet_id=edge.id, route_table_id=table.id)
    fs = aws.efs.FileSystem("home", encrypted=True, tags=TAGS)
    aws.efs.MountTarget("home-edge", file_system_id=fs.id, subnet_id=edge.id)
