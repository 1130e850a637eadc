"""Buckets with every setting a separate resource, linked by reference: a checkpoint bucket
(versioned), a log bucket, lifecycle and access logging, and a TLS-only policy."""

import json

import pulumi
import pulumi_aws as aws

EXPECT: set[str] = set()
TAGS = {"project": "foundry", "environment": "prod"}


def locked(name: str, **kwargs: object) -> aws.s3.BucketV2:
    bucket = aws.s3.BucketV2(name, tags=TAGS, **kwargs)  # type: ignore[arg-type]
    aws.s3.BucketPublicAccessBlock(
        f"{name}-block",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    aws.s3.BucketOwnershipControls(
        f"{name}-owner", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}
    )
    aws.s3.BucketServerSideEncryptionConfigurationV2(
        f"{name}-kms",
        bucket=bucket.id,
        rules=[
            {
                "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"},
                "bucket_key_enabled": True,
            }
        ],
    )
    aws.s3.BucketPolicy(
        f"{name}-tls",
        bucket=bucket.id,
        policy=pulumi.Output.all(bucket.arn).apply(
            lambda arns: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [arns[0], f"{arns[0]}/*"],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                }
            )
        ),
    )
    return bucket


def program() -> None:
    logs = locked("access-logs", bucket_prefix="foundry-logs-")
    weights = locked("weights", bucket="foundry-model-checkpoints")
    aws.s3.BucketVersioningV2(
        "weights-history", bucket=weights.id, versioning_configuration={"status": "Enabled"}
    )
    aws.s3.BucketLifecycleConfigurationV2(
        "weights-expiry",
        bucket=weights.id,
        rules=[
            {
                "id": "old-versions",
                "status": "Enabled",
                "filter": {"prefix": ""},
                "noncurrent_version_expiration": {"noncurrent_days": 30},
            }
        ],
    )
    aws.s3.BucketLoggingV2(
        "weights-logging", bucket=weights.id, target_bucket=logs.id, target_prefix="weights/"
    )
