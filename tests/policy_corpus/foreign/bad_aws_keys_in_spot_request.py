"""A spot request whose boot script exports an access key pair."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-005"}
BOOT = """#!/bin/bash
cat > /root/.aws/credentials <<EOF2
[default]
aws_access_key_id = AKIA4EXAMPLEQ7ZXR2LM
aws_secret_access_key = 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
EOF2
"""


def program() -> None:
    aws.ec2.SpotInstanceRequest(
        "cheap-worker",
        ami="ami-sp",
        instance_type="g5.xlarge",
        spot_price="0.50",
        user_data=BOOT,
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        root_block_device={"encrypted": True},
    )
