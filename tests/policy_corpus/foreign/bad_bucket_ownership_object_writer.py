"""Ownership controls that keep ACLs working (ObjectWriter), for a partner's uploads."""

import pulumi_aws as aws

EXPECT = {"AIDC-STO-004"}


def program() -> None:
    inbox = aws.s3.BucketV2(
        "inbox", bucket="partner-inbox", tags={"project": "ingest", "environment": "prod"}
    )
    aws.s3.BucketPublicAccessBlock(
        "inbox-pab",
        bucket=inbox.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    aws.s3.BucketServerSideEncryptionConfigurationV2(
        "inbox-sse",
        bucket=inbox.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
    )
    aws.s3.BucketOwnershipControls(
        "inbox-owner", bucket=inbox.id, rule={"object_ownership": "ObjectWriter"}
    )
