"""A bucket ACL resource (ACLs must stay disabled)."""

import pulumi  # noqa: F401
import pulumi_aws as aws

EXPECT = "AIDC-STO-004"


def program() -> None:
    aws.s3.BucketAcl("b-acl", bucket="b", acl="public-read")
