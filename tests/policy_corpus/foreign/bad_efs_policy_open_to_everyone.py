"""A TLS-only EFS policy whose Allow statement has no condition: any principal of any account
may mount and write as root."""

import json

import pulumi_aws as aws

EXPECT = {"AIDC-STO-007"}
TAGS = {"project": "research", "environment": "prod"}


def program() -> None:
    shared = aws.efs.FileSystem("shared", encrypted=True, throughput_mode="elastic", tags=TAGS)
    statements = [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": [
                "elasticfilesystem:ClientMount",
                "elasticfilesystem:ClientWrite",
                "elasticfilesystem:ClientRootAccess",
            ],
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "elasticfilesystem:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]
    aws.efs.FileSystemPolicy(
        "shared-policy",
        file_system_id=shared.id,
        policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
