"""Buckets made in a loop with their settings as separate resources; one of them never gets
its public access block."""

import pulumi_aws as aws

EXPECT = {"AIDC-STO-001"}
TAGS = {"project": "data", "environment": "prod"}


def program() -> None:
    for i, purpose in enumerate(("raw", "curated")):
        b = aws.s3.BucketV2(f"lake{i}", bucket=f"acme-lake-{purpose}", tags=TAGS)
        aws.s3.BucketServerSideEncryptionConfigurationV2(
            f"lake{i}-sse",
            bucket=b.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationV2RuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms"
                    )
                )
            ],
        )
        aws.s3.BucketOwnershipControls(
            f"lake{i}-owner", bucket=b.id, rule={"object_ownership": "BucketOwnerEnforced"}
        )
        if purpose == "raw":
            aws.s3.BucketPublicAccessBlock(
                f"lake{i}-block",
                bucket=b.id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
            )
