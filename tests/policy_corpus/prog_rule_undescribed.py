"""A rule without a description."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-NET-004"


def program() -> None:
    aws.vpc.SecurityGroupIngressRule(
        "nodesc",
        security_group_id="sg-1",
        ip_protocol="tcp",
        from_port=9100,
        to_port=9100,
        referenced_security_group_id="sg-2",
        tags=TAGS,
    )
