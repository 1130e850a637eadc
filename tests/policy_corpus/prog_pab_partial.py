"""A public access block that leaves public policies allowed."""

import pulumi  # noqa: F401
import pulumi_aws as aws

EXPECT = "AIDC-STO-001"


def program() -> None:
    aws.s3.BucketPublicAccessBlock(
        "b-pab",
        bucket="b",
        block_public_acls=True,
        block_public_policy=False,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
