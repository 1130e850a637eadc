"""Home directories on EFS with a TLS-only policy and private mount targets, but the file
system itself is created unencrypted."""

import json

import pulumi_aws as aws

EXPECT = {"AIDC-STO-006"}
TAGS = {"project": "research", "environment": "prod"}
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "mount-in-vpc",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}},
        },
        {
            "Sid": "tls",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ],
}


def program() -> None:
    homes = aws.efs.FileSystem(
        "homes", encrypted=False, performance_mode="generalPurpose", tags=TAGS
    )
    aws.efs.FileSystemPolicy("homes-policy", file_system_id=homes.id, policy=json.dumps(POLICY))
    aws.efs.BackupPolicy(
        "homes-backup", file_system_id=homes.id, backup_policy={"status": "ENABLED"}
    )
