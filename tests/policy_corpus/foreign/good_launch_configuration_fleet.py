"""A CPU fleet in the launch-configuration style, set up right."""

import pulumi_aws as aws

EXPECT: set[str] = set()


def program() -> None:
    lc = aws.ec2.LaunchConfiguration(
        "prep",
        image_id="ami-p",
        instance_type="c7i.4xlarge",
        associate_public_ip_address=False,
        metadata_options={
            "http_endpoint": "enabled",
            "http_tokens": "required",
            "http_put_response_hop_limit": 1,
        },
        root_block_device={"encrypted": True, "volume_size": 100},
        ebs_block_devices=[{"device_name": "/dev/sdf", "volume_size": 500, "encrypted": True}],
        user_data="#!/bin/sh\nexec /opt/prep/run --queue prep\n",
    )
    aws.autoscaling.Group(
        "prep-fleet",
        min_size=1,
        max_size=20,
        launch_configuration=lc.name,
        vpc_zone_identifiers=["subnet-p"],
    )
