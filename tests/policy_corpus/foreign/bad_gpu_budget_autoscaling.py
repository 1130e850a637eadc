"""An auto scaling group allowed to grow to 80 H100 nodes (640 GPUs, over the default budget of
512)."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-008"}


def program() -> None:
    lt = aws.ec2.LaunchTemplate(
        "burst",
        image_id="ami-b",
        instance_type="p5.48xlarge",
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        tags={"project": "burst", "environment": "prod"},
    )
    aws.autoscaling.Group(
        "burst-pool",
        min_size=0,
        max_size=80,
        vpc_zone_identifiers=["subnet-b1", "subnet-b2"],
        mixed_instances_policy={
            "launch_template": {
                "launch_template_specification": {"launch_template_id": lt.id, "version": "$Latest"}
            }
        },
    )
