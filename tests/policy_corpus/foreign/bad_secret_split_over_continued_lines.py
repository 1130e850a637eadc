"""An access key id broken over a shell line continuation, so no line holds all of it."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-005"}
SCRIPT = """#!/bin/bash
aws configure set aws_access_key_id AKIA2OGYBAH6\\
ZXCVBNMQ
aws s3 sync s3://datasets/imagenet /data
"""


def program() -> None:
    aws.ec2.SpotInstanceRequest(
        "loader",
        ami="ami-l",
        instance_type="c7i.4xlarge",
        spot_price="0.30",
        user_data=SCRIPT,
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        root_block_device={"encrypted": True},
        tags={"project": "data", "environment": "prod"},
    )
