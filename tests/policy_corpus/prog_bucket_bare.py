"""A bucket with no public access block, encryption or ownership controls."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-STO-001"


def program() -> None:
    aws.s3.Bucket("bare", bucket="bare", tags=TAGS)
