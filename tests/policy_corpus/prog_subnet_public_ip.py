"""A private subnet that auto-assigns public IPs."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-NET-005"


def program() -> None:
    aws.ec2.Subnet(
        "priv",
        vpc_id="vpc-1",
        cidr_block="10.0.0.0/20",
        map_public_ip_on_launch=True,
        tags={**TAGS, "aidc:tier": "private"},
    )
