"""The account's public access block covers every bucket, so buckets carry no block of their
own; encryption and ownership per bucket."""

import pulumi_aws as aws

EXPECT: set[str] = set()


def program() -> None:
    aws.s3.AccountPublicAccessBlock(
        "account",
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    for name in ("corpus-raw", "corpus-tokenized"):
        b = aws.s3.Bucket(name, bucket=name, tags={"project": "corpus", "environment": "prod"})
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse",
            bucket=b.bucket,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-oc", bucket=b.bucket, rule={"object_ownership": "BucketOwnerEnforced"}
        )
