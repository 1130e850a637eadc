"""Roles and policies made per pool in a loop, every statement scoped to named actions and
resources; a deny with wildcards is fine."""

import json

import pulumi_aws as aws

EXPECT: set[str] = set()
POOLS = ("train", "eval")


def program() -> None:
    for pool in POOLS:
        role = aws.iam.Role(
            f"{pool}-role",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            tags={"project": "pools", "environment": "prod"},
        )
        aws.iam.RolePolicy(
            f"{pool}-data",
            role=role.id,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["s3:GetObject", "s3:PutObject"],
                            "Resource": f"arn:aws:s3:::acme-{pool}/*",
                        },
                        {
                            "Effect": "Deny",
                            "Action": "*",
                            "Resource": "*",
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                }
            ),
        )
