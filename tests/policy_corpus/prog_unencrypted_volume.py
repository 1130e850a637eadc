"""An unencrypted EBS data volume."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-CMP-003"


def program() -> None:
    aws.ebs.Volume("data", availability_zone="us-east-1a", size=100, encrypted=False, tags=TAGS)
