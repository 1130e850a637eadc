"""An EFS policy that keeps mounts inside the VPC but never asks for TLS: NFS travels in clear."""

import json

import pulumi_aws as aws

EXPECT = {"AIDC-STO-009"}
TAGS = {"project": "genomics", "environment": "prod"}


def program() -> None:
    ref = aws.efs.FileSystem("reference", encrypted=True, tags=TAGS)
    aws.efs.FileSystemPolicy(
        "reference-policy",
        file_system_id=ref.id,
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": ["elasticfilesystem:ClientMount"],
                        "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}},
                    }
                ],
            }
        ),
    )
