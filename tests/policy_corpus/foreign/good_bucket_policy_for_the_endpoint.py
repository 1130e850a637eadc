"""A bucket policy that allows any principal, but only through the VPC's endpoint (not public),
and a service principal for log delivery."""

import json

import pulumi_aws as aws

EXPECT: set[str] = set()


def program() -> None:
    b = aws.s3.Bucket(
        "shards", bucket="acme-shards", tags={"project": "shards", "environment": "prod"}
    )
    aws.s3.BucketPublicAccessBlock(
        "shards-pab",
        bucket=b.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        "shards-sse",
        bucket=b.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms:dsse"}}],
    )
    aws.s3.BucketOwnershipControls(
        "shards-oc", bucket=b.id, rule={"object_ownership": "BucketOwnerEnforced"}
    )
    aws.s3.BucketPolicy(
        "shards-policy",
        bucket=b.id,
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": ["s3:GetObject"],
                        "Resource": "arn:aws:s3:::acme-shards/*",
                        "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}},
                    },
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": "arn:aws:s3:::acme-shards/logs/*",
                    },
                ],
            }
        ),
    )
