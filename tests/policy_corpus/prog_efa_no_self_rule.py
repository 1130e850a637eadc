"""An EFA security group missing its self-referencing rules: the group EFA interfaces use."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import GPU, TAGS

EXPECT = "AIDC-NET-007"


def program() -> None:
    group = aws.ec2.SecurityGroup("fw-efa-gpu", description="efa", tags=TAGS)
    aws.ec2.LaunchTemplate(
        "gpu-lt",
        instance_type="p5.48xlarge",
        network_interfaces=[
            aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                device_index=0, interface_type="efa", security_groups=[group.id]
            )
        ],
        tags=GPU,
    )
