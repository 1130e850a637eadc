"""A bucket with every setting but default encryption; versioning and lifecycle as separate
resources."""

import pulumi_aws as aws

EXPECT = {"AIDC-STO-002"}


def program() -> None:
    b = aws.s3.Bucket("feature-store", tags={"project": "features", "environment": "prod"})
    aws.s3.BucketPublicAccessBlock(
        "feature-store-pab",
        bucket=b.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    aws.s3.BucketOwnershipControls(
        "feature-store-oc", bucket=b.id, rule={"object_ownership": "BucketOwnerEnforced"}
    )
    aws.s3.BucketVersioning(
        "feature-store-v", bucket=b.id, versioning_configuration={"status": "Enabled"}
    )
    aws.s3.BucketLifecycleConfiguration(
        "feature-store-lc",
        bucket=b.id,
        rules=[
            {
                "id": "expire",
                "status": "Enabled",
                "expiration": {"days": 90},
                "filter": {"prefix": ""},
            }
        ],
    )
