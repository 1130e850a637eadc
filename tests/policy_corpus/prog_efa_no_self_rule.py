"""An EFA security group missing its self-referencing rules."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-NET-007"


def program() -> None:
    aws.ec2.SecurityGroup("fw-efa-gpu", description="efa", tags={**TAGS, "aidc:group": "efa-gpu"})
