"""A GPU training box with a public address; no role tag says it is a GPU node, its type does.
Tags come from the provider's default tags."""

import pulumi
import pulumi_aws as aws

EXPECT = {"AIDC-CMP-004"}


def program() -> None:
    east = aws.Provider(
        "us-east",
        region="us-east-1",
        default_tags=aws.ProviderDefaultTagsArgs(
            tags={"project": "atlas", "environment": "research"}
        ),
    )
    aws.ec2.Instance(
        "trainer01",
        ami="ami-0a1b2c3d4e5f60718",
        instance_type="p4d.24xlarge",
        subnet_id="subnet-0feedbeef",
        associate_public_ip_address=True,
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        root_block_device={"encrypted": True, "volume_size": 400},
        opts=pulumi.ResourceOptions(provider=east),
    )
