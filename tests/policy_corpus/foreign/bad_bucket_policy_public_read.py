"""A locked-down bucket except for its policy, which lets anyone read every object (the
document names the bucket's ARN literally, so it is known at preview)."""

import json

import pulumi_aws as aws

EXPECT = {"AIDC-STO-001"}


def program() -> None:
    site = aws.s3.Bucket(
        "models", bucket="acme-public-models", tags={"project": "hub", "environment": "prod"}
    )
    aws.s3.BucketPublicAccessBlock(
        "models-pab",
        bucket=site.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        "models-sse",
        bucket=site.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
    )
    aws.s3.BucketOwnershipControls(
        "models-own", bucket=site.id, rule={"object_ownership": "BucketOwnerEnforced"}
    )
    aws.s3.BucketPolicy(
        "models-read",
        bucket=site.id,
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::acme-public-models/*",
                    }
                ],
            }
        ),
    )
