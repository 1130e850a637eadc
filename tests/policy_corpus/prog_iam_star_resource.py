"""A role policy on every resource."""

import pulumi  # noqa: F401
import pulumi_aws as aws

EXPECT = "AIDC-IAM-002"


def program() -> None:
    aws.iam.RolePolicy(
        "any",
        role="r",
        policy=(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",'
            ' "Action": "s3:GetObject", "Resource": "*"}]}'
        ),
    )
