"""`ObjectStore`: the spec's S3 buckets, private and encrypted. Each bucket gets its public
access fully blocked, ACLs disabled (bucket owner enforced), default encryption (SSE-S3 or the
spec's KMS key), a TLS-only policy, versioning when the spec (or purpose checkpoints) asks,
lifecycle rules, and server access logging into one log bucket when asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from aidc.spec import Bucket
from aidc.targets.aws.common import child, named

ABORT_MULTIPART_DAYS = 7
LOG_RETENTION_DAYS = 365


@dataclass(frozen=True)
class ObjectStoreArgs:
    cluster_name: str
    buckets: tuple[Bucket, ...]
    tags: dict[str, str] = field(default_factory=dict)


def encryption_rule(
    bucket: Bucket | None,
) -> aws.s3.BucketServerSideEncryptionConfigurationRuleArgs:
    """SSE-S3 unless the spec names a KMS key (then with an S3 bucket key, fewer KMS calls)."""
    if bucket is not None and bucket.encryption == "kms":
        return aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="aws:kms", kms_master_key_id=bucket.kms_key_id
            ),
            bucket_key_enabled=True,
        )
    return aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
        apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="AES256"
        )
    )


def lifecycle_rules(
    expiry_days: int | None, noncurrent_expiry_days: int | None
) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    def rule(rule_id: str, **action: Any) -> aws.s3.BucketLifecycleConfigurationRuleArgs:
        return aws.s3.BucketLifecycleConfigurationRuleArgs(
            id=rule_id,
            status="Enabled",
            # An empty prefix: every object in the bucket.
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
            **action,
        )

    rules = [
        rule(
            "abort-incomplete-multipart-uploads",
            abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=ABORT_MULTIPART_DAYS
            ),
        )
    ]
    if expiry_days is not None:
        rules.append(
            rule(
                "expire-objects",
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=expiry_days),
            )
        )
    if noncurrent_expiry_days is not None:
        rules.append(
            rule(
                "expire-noncurrent-versions",
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=noncurrent_expiry_days
                ),
            )
        )
    return rules


def tls_only(bucket_arn: pulumi.Input[str]) -> dict[str, Any]:
    return {
        "Sid": "DenyPlainHttp",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


class ObjectStore(pulumi.ComponentResource):
    bucket_arns: dict[str, pulumi.Output[str]]
    bucket_names: dict[str, pulumi.Output[str]]
    log_bucket: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: ObjectStoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aidc:aws:ObjectStore", name, None, opts)
        self.bucket_arns = {}
        self.bucket_names = {}
        self.log_bucket = None
        made: dict[str, aws.s3.Bucket] = {}
        for spec in args.buckets:
            res = f"{name}-{spec.name}"
            tags = named(args.tags, spec.name, **{"aidc:purpose": spec.purpose})
            bucket = aws.s3.Bucket(res, bucket=spec.name, tags=tags, opts=child(self))
            self._lock_down(res, bucket, spec)
            aws.s3.BucketPolicy(
                f"{res}-policy",
                bucket=bucket.id,
                policy=pulumi.Output.json_dumps(
                    {"Version": "2012-10-17", "Statement": [tls_only(bucket.arn)]}
                ),
                opts=child(self),
            )
            versioning = None
            if spec.versioned:
                versioning = aws.s3.BucketVersioning(
                    f"{res}-versioning",
                    bucket=bucket.id,
                    versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                        status="Enabled"
                    ),
                    opts=child(self),
                )
            aws.s3.BucketLifecycleConfiguration(
                f"{res}-lifecycle",
                bucket=bucket.id,
                rules=lifecycle_rules(spec.expiry_days, spec.noncurrent_expiry_days),
                # AWS asks for versioning to be settled before noncurrent-version rules.
                opts=child(self, depends_on=[versioning] if versioning else None),
            )
            made[spec.name] = bucket
            self.bucket_arns[spec.name] = bucket.arn
            self.bucket_names[spec.name] = bucket.bucket

        logged = [b for b in args.buckets if b.access_logging]
        if logged:
            self.log_bucket = self._access_logs(name, args, [made[b.name] for b in logged])
            for spec in logged:
                aws.s3.BucketLogging(
                    f"{name}-{spec.name}-logging",
                    bucket=made[spec.name].id,
                    target_bucket=self.log_bucket,
                    target_prefix=f"{spec.name}/",
                    opts=child(self),
                )
        self.register_outputs({"bucket_arns": self.bucket_arns, "log_bucket": self.log_bucket})

    def _lock_down(self, res: str, bucket: aws.s3.Bucket, spec: Bucket | None) -> None:
        """No public access of any kind, no ACLs, encryption by default."""
        aws.s3.BucketPublicAccessBlock(
            f"{res}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child(self),
        )
        aws.s3.BucketOwnershipControls(
            f"{res}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child(self),
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{res}-encryption",
            bucket=bucket.id,
            rules=[encryption_rule(spec)],
            opts=child(self),
        )

    def _access_logs(
        self, name: str, args: ObjectStoreArgs, sources: list[aws.s3.Bucket]
    ) -> pulumi.Output[str]:
        """One log bucket (SSE-S3: log delivery cannot write with a KMS key); S3's logging
        service may put objects only for the buckets that log here."""
        res = f"{name}-access-logs"
        log = aws.s3.Bucket(
            res,
            # Bucket names are global: let the provider add a unique suffix.
            bucket_prefix=f"{args.cluster_name[:20]}-access-logs-",
            tags=named(args.tags, res, **{"aidc:purpose": "logs"}),
            opts=child(self),
        )
        self._lock_down(res, log, None)
        aws.s3.BucketPolicy(
            f"{res}-policy",
            bucket=log.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "S3ServerAccessLogs",
                            "Effect": "Allow",
                            "Principal": {"Service": "logging.s3.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Resource": pulumi.Output.concat(log.arn, "/*"),
                            "Condition": {"ArnLike": {"aws:SourceArn": [s.arn for s in sources]}},
                        },
                        tls_only(log.arn),
                    ],
                }
            ),
            opts=child(self),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{res}-lifecycle",
            bucket=log.id,
            rules=lifecycle_rules(LOG_RETENTION_DAYS, None),
            opts=child(self),
        )
        return log.id
