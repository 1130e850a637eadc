"""SSH open to the world through an aws.ec2.SecurityGroupRule."""

import pulumi  # noqa: F401
import pulumi_aws as aws

EXPECT = "AIDC-NET-001"


def program() -> None:
    aws.ec2.SecurityGroupRule(
        "ssh",
        type="ingress",
        security_group_id="sg-1",
        protocol="tcp",
        from_port=22,
        to_port=22,
        cidr_blocks=["0.0.0.0/0"],
        description="ssh",
    )
