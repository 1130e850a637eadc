"""An EFA template placed in a placement group, but a spread one; its group's self rules are
complete."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-006"}
TAGS = {"project": "sim", "environment": "prod"}


def program() -> None:
    sg = aws.ec2.SecurityGroup("sim-efa", vpc_id="vpc-s", description="sim efa", tags=TAGS)
    aws.vpc.SecurityGroupIngressRule(
        "sim-efa-from-itself",
        security_group_id=sg.id,
        referenced_security_group_id=sg.id,
        ip_protocol="-1",
        description="efa peers",
        tags=TAGS,
    )
    aws.vpc.SecurityGroupEgressRule(
        "sim-efa-to-itself",
        security_group_id=sg.id,
        referenced_security_group_id=sg.id,
        ip_protocol="-1",
        description="efa peers",
        tags=TAGS,
    )
    spread = aws.ec2.PlacementGroup("sim-spread", strategy="spread", tags=TAGS)
    aws.ec2.LaunchTemplate(
        "sim-nodes",
        image_id="ami-s",
        instance_type="p5e.48xlarge",
        placement=aws.ec2.LaunchTemplatePlacementArgs(group_name=spread.name),
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        network_interfaces=[
            aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                device_index=0, interface_type="efa", security_groups=[sg.id]
            )
        ],
        tags=TAGS,
    )
