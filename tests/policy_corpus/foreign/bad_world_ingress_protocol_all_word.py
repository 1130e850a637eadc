"""A SecurityGroupRule admitting protocol "all" from anywhere: every port, SSH included."""

import pulumi_aws as aws

EXPECT = {"AIDC-NET-001", "AIDC-NET-002"}


def program() -> None:
    aws.ec2.SecurityGroupRule(
        "debug-open",
        type="ingress",
        security_group_id="sg-0dbg",
        protocol="all",
        from_port=0,
        to_port=65535,
        cidr_blocks=["0.0.0.0/0"],
        description="temporary debugging access",
    )
