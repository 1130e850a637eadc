"""A role whose inline policy (on the role itself, no policy resource) grants s3:* on one
bucket."""

import json

import pulumi_aws as aws

EXPECT = {"AIDC-IAM-001"}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def program() -> None:
    aws.iam.Role(
        "loader",
        assume_role_policy=json.dumps(TRUST),
        inline_policies=[
            aws.iam.RoleInlinePolicyArgs(
                name="data",
                policy=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "s3:*",
                                "Resource": ["arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*"],
                            }
                        ],
                    }
                ),
            )
        ],
        tags={"project": "loader", "environment": "prod"},
    )
