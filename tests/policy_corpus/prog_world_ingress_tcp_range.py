"""All TCP ports open to the world."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-NET-002"


def program() -> None:
    aws.vpc.SecurityGroupIngressRule(
        "tcp-all",
        security_group_id="sg-1",
        ip_protocol="tcp",
        from_port=0,
        to_port=65535,
        cidr_ipv4="0.0.0.0/0",
        description="x",
        tags=TAGS,
    )
