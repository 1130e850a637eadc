"""A security group keeping the AWS default allow-all egress inline."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-NET-003"


def program() -> None:
    aws.ec2.SecurityGroup(
        "dflt",
        description="d",
        tags=TAGS,
        egress=[
            aws.ec2.SecurityGroupEgressArgs(
                protocol="-1",
                from_port=0,
                to_port=0,
                cidr_blocks=["0.0.0.0/0"],
                description="default",
            )
        ],
    )
