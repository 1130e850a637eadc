"""A role policy granting every action."""

import pulumi
import pulumi_aws as aws

EXPECT = "AIDC-IAM-001"


def program() -> None:
    aws.iam.RolePolicy(
        "admin",
        role="r",
        policy=pulumi.Output.from_input(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",'
            ' "Resource": "arn:aws:s3:::b"}]}'
        ),
    )
