"""Inline ingress: every high port from half the internet (a /1 is not a private range)."""

import pulumi_aws as aws

EXPECT = {"AIDC-NET-002"}


def program() -> None:
    aws.ec2.SecurityGroup(
        "callbacks",
        description="callback receivers",
        vpc_id="vpc-3",
        ingress=[
            aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp",
                from_port=1024,
                to_port=65535,
                cidr_blocks=["0.0.0.0/1"],
                description="callbacks",
            )
        ],
        tags={"project": "hooks", "environment": "prod"},
    )
