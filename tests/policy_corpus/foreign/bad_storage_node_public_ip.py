"""A storage-optimised node (local NVMe, by its type) with a public address."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-004"}


def program() -> None:
    aws.ec2.Instance(
        "osd-a",
        ami="ami-st",
        instance_type="i4i.8xlarge",
        associate_public_ip_address=True,
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        root_block_device={"encrypted": True},
        tags={"project": "ceph", "environment": "prod"},
    )
