"""A rule resource that spells "every port" as -1 to -1 on TCP, from the IPv6 internet."""

import pulumi_aws as aws

EXPECT = {"AIDC-NET-001", "AIDC-NET-002"}
LABELS = {"project": "relay", "environment": "prod"}


def program() -> None:
    sg = aws.ec2.SecurityGroup("relay", vpc_id="vpc-r", description="relay hosts", tags=LABELS)
    aws.ec2.SecurityGroupRule(
        "relay-any-port",
        type="ingress",
        security_group_id=sg.id,
        protocol="tcp",
        from_port=-1,
        to_port=-1,
        ipv6_cidr_blocks=["::/0"],
        description="relay clients",
    )
