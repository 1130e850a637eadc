"""An auto scaling group of L40S nodes placed in a subnet that hands out public addresses (the
subnet is public: its table routes to an internet gateway), from a template that leaves
addressing to the subnet."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-004"}
LABELS = {"project": "vision", "environment": "staging", "owner": "ml-infra"}


def program() -> None:
    net = aws.ec2.Vpc("net", cidr_block="172.20.0.0/16", tags=LABELS)
    aws.ec2.FlowLog(
        "net-traffic",
        vpc_id=net.id,
        traffic_type="ALL",
        log_destination_type="s3",
        log_destination="arn:aws:s3:::vision-flow-logs",
        tags=LABELS,
    )
    gw = aws.ec2.InternetGateway("gw", vpc_id=net.id, tags=LABELS)
    edge = aws.ec2.Subnet(
        "edge",
        vpc_id=net.id,
        cidr_block="172.20.0.0/24",
        map_public_ip_on_launch=True,
        tags=LABELS,
    )
    table = aws.ec2.RouteTable(
        "edge-routes",
        vpc_id=net.id,
        routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gw.id)],
        tags=LABELS,
    )
    aws.ec2.RouteTableAssociation("edge-routes-edge", subnet_id=edge.id, route_table_id=table.id)
    tpl = aws.ec2.LaunchTemplate(
        "l40s",
        image_id="ami-0123456789abcdef0",
        instance_type="g6e.12xlarge",
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_tokens="required", http_put_response_hop_limit=1
        ),
        block_device_mappings=[
            aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name="/dev/xvda",
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_size=200, encrypted="true"
                ),
            )
        ],
        tags=LABELS,
    )
    aws.autoscaling.Group(
        "l40s-fleet",
        min_size=0,
        max_size=4,
        vpc_zone_identifiers=[edge.id],
        launch_template=aws.autoscaling.GroupLaunchTemplateArgs(id=tpl.id, version="$Latest"),
    )
