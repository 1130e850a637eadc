"""All egress to the world, not declared in the spec."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-NET-003"


def program() -> None:
    aws.vpc.SecurityGroupEgressRule(
        "out",
        security_group_id="sg-1",
        ip_protocol="-1",
        cidr_ipv4="0.0.0.0/0",
        description="anything",
        tags=TAGS,
    )
