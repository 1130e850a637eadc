"""User data that carries an AWS secret key."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-CMP-005"


def program() -> None:
    aws.ec2.Instance(
        "node",
        ami="ami-1",
        instance_type="m7i.2xlarge",
        tags=TAGS,
        user_data="#!/bin/sh\nexport aws_secret_access_key=abc123\n",
        metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
            http_tokens="required", http_put_response_hop_limit=1
        ),
        root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(encrypted=True),
    )
