"""A template's EFA interfaces use a group whose rules are separate SecurityGroupRule
resources: traffic from itself is admitted, but nothing allows it out to itself."""

import pulumi_aws as aws

EXPECT = {"AIDC-NET-007"}
T = {"project": "llm", "environment": "prod"}


def program() -> None:
    mesh = aws.ec2.SecurityGroup("mesh", vpc_id="vpc-9", description="gpu mesh", tags=T)
    aws.ec2.SecurityGroupRule(
        "peers-in",
        type="ingress",
        security_group_id=mesh.id,
        protocol="-1",
        from_port=0,
        to_port=0,
        self=True,
        description="all from peers",
    )
    aws.ec2.SecurityGroupRule(
        "to-vpc",
        type="egress",
        security_group_id=mesh.id,
        protocol="tcp",
        from_port=443,
        to_port=443,
        cidr_blocks=["10.9.0.0/16"],
        description="https in the vpc",
    )
    pg = aws.ec2.PlacementGroup("tight", strategy="cluster", tags=T)
    aws.ec2.LaunchTemplate(
        "trainers",
        image_id="ami-1",
        instance_type="p5.48xlarge",
        placement={"group_name": pg.name},
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        network_interfaces=[
            {
                "device_index": 0,
                "network_card_index": 0,
                "interface_type": "efa",
                "security_groups": [mesh.id],
            },
            {
                "device_index": 1,
                "network_card_index": 1,
                "interface_type": "efa-only",
                "security_groups": [mesh.id],
            },
        ],
        tags=T,
    )
