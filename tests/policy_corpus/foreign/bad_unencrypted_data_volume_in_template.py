"""A template whose root volume is encrypted but whose scratch volume is not."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-003"}


def disk(device: str, size: int, encrypted: str) -> aws.ec2.LaunchTemplateBlockDeviceMappingArgs:
    return aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
        device_name=device,
        ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(volume_size=size, encrypted=encrypted),
    )


def program() -> None:
    aws.ec2.LaunchTemplate(
        "etl",
        image_id="ami-e",
        instance_type="c7i.4xlarge",
        block_device_mappings=[disk("/dev/xvda", 50, "true"), disk("/dev/xvdf", 2000, "false")],
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        tags={"project": "etl", "environment": "prod"},
    )
