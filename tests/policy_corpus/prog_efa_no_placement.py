"""An EFA launch template outside any placement group."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import GPU

EXPECT = "AIDC-CMP-006"


def program() -> None:
    aws.ec2.LaunchTemplate(
        "efa-lt",
        image_id="ami-1",
        instance_type="p5.48xlarge",
        tags=GPU,
        network_interfaces=[
            aws.ec2.LaunchTemplateNetworkInterfaceArgs(device_index=0, interface_type="efa")
        ],
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_tokens="required", http_put_response_hop_limit=1
        ),
    )
