"""Every port open to the world, inline in the security group."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-NET-002"


def program() -> None:
    aws.ec2.SecurityGroup(
        "open",
        description="open",
        tags=TAGS,
        ingress=[
            aws.ec2.SecurityGroupIngressArgs(
                protocol="-1", from_port=0, to_port=0, cidr_blocks=["0.0.0.0/0"], description="all"
            )
        ],
    )
