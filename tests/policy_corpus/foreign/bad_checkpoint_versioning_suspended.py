"""A bucket for model checkpoints (by its name) whose versioning is suspended."""

import pulumi_aws as aws

EXPECT = {"AIDC-STO-003"}


def program() -> None:
    ckpt = aws.s3.Bucket(
        "store", bucket="llm-ckpt-store", tags={"project": "llm", "environment": "prod"}
    )
    aws.s3.BucketPublicAccessBlock(
        "store-block",
        bucket=ckpt.bucket,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        "store-enc",
        bucket=ckpt.bucket,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}}],
    )
    aws.s3.BucketOwnershipControls(
        "store-acl-off", bucket=ckpt.bucket, rule={"object_ownership": "BucketOwnerEnforced"}
    )
    aws.s3.BucketVersioning(
        "store-history",
        bucket=ckpt.bucket,
        versioning_configuration={"status": "Suspended"},
    )
