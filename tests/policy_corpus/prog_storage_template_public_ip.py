"""A storage launch template whose interface asks for a public IP."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import STORAGE

EXPECT = "AIDC-CMP-004"


def program() -> None:
    aws.ec2.LaunchTemplate(
        "st",
        image_id="ami-1",
        instance_type="i4i.4xlarge",
        tags=STORAGE,
        network_interfaces=[
            aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                device_index=0, associate_public_ip_address="true"
            )
        ],
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_tokens="required", http_put_response_hop_limit=1
        ),
    )
