"""The older launch-configuration style behind an auto scaling group, IMDSv1 left on."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-001"}


def program() -> None:
    lc = aws.ec2.LaunchConfiguration(
        "workers-lc",
        image_id="ami-0c0c",
        instance_type="c7i.4xlarge",
        metadata_options=aws.ec2.LaunchConfigurationMetadataOptionsArgs(
            http_endpoint="enabled", http_tokens="optional", http_put_response_hop_limit=1
        ),
        root_block_device=aws.ec2.LaunchConfigurationRootBlockDeviceArgs(encrypted=True),
    )
    aws.autoscaling.Group(
        "workers",
        min_size=1,
        max_size=3,
        launch_configuration=lc.name,
        vpc_zone_identifiers=["subnet-0w"],
    )
