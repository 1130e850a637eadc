"""The EFA group references itself both ways, but only for TCP: EFA's traffic is not TCP."""

import pulumi_aws as aws

EXPECT = {"AIDC-NET-007"}
TAGS = {"project": "nlp", "environment": "test"}


def program() -> None:
    sg = aws.ec2.SecurityGroup("efa", vpc_id="vpc-77", description="efa pool", tags=TAGS)
    for kind, way in (
        (aws.vpc.SecurityGroupIngressRule, "in"),
        (aws.vpc.SecurityGroupEgressRule, "out"),
    ):
        kind(
            f"efa-tcp-{way}",
            security_group_id=sg.id,
            referenced_security_group_id=sg.id,
            ip_protocol="tcp",
            from_port=0,
            to_port=65535,
            description=f"tcp {way} within the pool",
            tags=TAGS,
        )
    pg = aws.ec2.PlacementGroup("pack", strategy="cluster", tags=TAGS)
    aws.ec2.LaunchTemplate(
        "a100",
        image_id="ami-2",
        instance_type="p4de.24xlarge",
        placement={"group_name": pg.name},
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        network_interfaces=[
            {"device_index": 0, "interface_type": "efa", "security_groups": [sg.id]}
        ],
        tags=TAGS,
    )
