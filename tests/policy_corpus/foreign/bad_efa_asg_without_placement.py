"""EFA interfaces on a template behind an auto scaling group; neither names a placement
group."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-006"}
TAGS = {"project": "rl", "environment": "prod"}


def self_rules(group: aws.ec2.SecurityGroup, name: str) -> None:
    for way in ("ingress", "egress"):
        aws.ec2.SecurityGroupRule(
            f"{name}-{way}-self",
            type=way,
            security_group_id=group.id,
            protocol="-1",
            from_port=0,
            to_port=0,
            self=True,
            description="efa within the group",
        )


def program() -> None:
    sg = aws.ec2.SecurityGroup("rl-fabric", vpc_id="vpc-r", description="rl fabric", tags=TAGS)
    self_rules(sg, "rl-fabric")
    tpl = aws.ec2.LaunchTemplate(
        "rl-gpu",
        image_id="ami-r",
        instance_type="p5en.48xlarge",
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        network_interfaces=[
            {
                "device_index": 0,
                "network_card_index": c,
                "interface_type": "efa",
                "security_groups": [sg.id],
            }
            for c in range(1)
        ],
        tags=TAGS,
    )
    aws.autoscaling.Group(
        "rl-gpu-fleet",
        desired_capacity=2,
        min_size=2,
        max_size=2,
        vpc_zone_identifiers=["subnet-r1"],
        launch_template={"id": tpl.id, "version": "$Latest"},
    )
