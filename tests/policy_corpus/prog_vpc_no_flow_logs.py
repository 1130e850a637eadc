"""A VPC without flow logs."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-NET-006"


def program() -> None:
    aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16", tags=TAGS)
