"""EFS mount targets placed in the subnets that route to the internet gateway (the ones the
web tier uses) instead of the private ones."""

import json

import pulumi
import pulumi_aws as aws

EXPECT = {"AIDC-STO-008"}
TAGS = {"project": "platform", "environment": "prod"}


def program() -> None:
    vpc = aws.ec2.Vpc("main", cidr_block="10.50.0.0/16", tags=TAGS)
    aws.ec2.FlowLog(
        "main-flows",
        vpc_id=vpc.id,
        traffic_type="ALL",
        log_destination_type="s3",
        log_destination="arn:aws:s3:::platform-flow-logs",
        tags=TAGS,
    )
    gateway = aws.ec2.InternetGateway("main-igw", vpc_id=vpc.id, tags=TAGS)
    table = aws.ec2.RouteTable(
        "web",
        vpc_id=vpc.id,
        routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}],
        tags=TAGS,
    )
    clients = aws.ec2.SecurityGroup("app", vpc_id=vpc.id, description="app servers", tags=TAGS)
    nfs = aws.ec2.SecurityGroup(
        "nfs",
        vpc_id=vpc.id,
        description="EFS mount targets",
        ingress=[
            {
                "protocol": "tcp",
                "from_port": 2049,
                "to_port": 2049,
                "security_groups": [clients.id],
                "description": "nfs from the app servers",
            }
        ],
        tags=TAGS,
    )
    data = aws.efs.FileSystem("data", encrypted=True, tags=TAGS)
    aws.efs.FileSystemPolicy(
        "data-policy",
        file_system_id=data.id,
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": "*",
                        "Condition": {"Bool": {"aws:SecureTransport": False}},
                    }
                ],
            }
        ),
    )
    for i, zone in enumerate(("eu-west-1a", "eu-west-1b")):
        web = aws.ec2.Subnet(
            f"web-{zone}",
            vpc_id=vpc.id,
            cidr_block=f"10.50.{i}.0/24",
            availability_zone=zone,
            tags=TAGS,
        )
        aws.ec2.RouteTableAssociation(f"web-{zone}-rt", subnet_id=web.id, route_table_id=table.id)
        aws.efs.MountTarget(
            f"data-{zone}",
            file_system_id=data.id,
            subnet_id=web.id,
            security_groups=[nfs.id],
            opts=pulumi.ResourceOptions(depends_on=[table]),
        )
