"""A bucket without an encryption configuration."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-STO-002"


def program() -> None:
    aws.s3.Bucket("raw", bucket="raw", tags=TAGS)
    aws.s3.BucketPublicAccessBlock(
        "raw-pab",
        bucket="raw",
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
