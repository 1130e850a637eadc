"""An EFS file system policy that lets any principal mount and write, from anywhere."""

import json

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-STO-007"


def program() -> None:
    fs = aws.efs.FileSystem("home", encrypted=True, tags=TAGS)
    aws.efs.FileSystemPolicy(
        "home-policy",
        file_system_id=fs.id,
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": [
                            "elasticfilesystem:ClientMount",
                            "elasticfilesystem:ClientWrite",
                        ],
                    }
                ],
            }
        ),
    )
