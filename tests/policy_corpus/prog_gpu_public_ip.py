"""A GPU node with a public IP."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import GPU

EXPECT = "AIDC-CMP-004"


def program() -> None:
    aws.ec2.Instance(
        "gpu",
        ami="ami-1",
        instance_type="p5.48xlarge",
        tags=GPU,
        associate_public_ip_address=True,
        metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
            http_tokens="required", http_put_response_hop_limit=1
        ),
        root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(encrypted=True),
    )
