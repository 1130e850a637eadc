"""SSH open to ::/0 through a vpc ingress rule."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-NET-001"


def program() -> None:
    aws.vpc.SecurityGroupIngressRule(
        "ssh6",
        security_group_id="sg-1",
        ip_protocol="tcp",
        from_port=22,
        to_port=22,
        cidr_ipv6="::/0",
        description="ssh",
        tags=TAGS,
    )
