"""Gzipped, base64-encoded user data exporting an experiment tracker's API key."""

import base64
import gzip

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-005"}
SCRIPT = (
    b"#!/bin/sh\nexport WANDB_API_KEY=9f3c1e7a2b8d4f60c5e1a9b7d3f2c8e4a6b0d1f7\npython train.py\n"
)


def program() -> None:
    aws.ec2.Instance(
        "sweep",
        ami="ami-10",
        instance_type="g6.xlarge",
        user_data_base64=base64.b64encode(gzip.compress(SCRIPT)).decode(),
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        root_block_device={"encrypted": True},
        tags={"project": "sweeps", "environment": "dev"},
    )
