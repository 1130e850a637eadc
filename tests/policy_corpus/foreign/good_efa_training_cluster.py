"""A private EFA training cluster in raw pulumi_aws: tags from the provider, rules as separate
resources referencing the group, a cluster placement group, an auto scaling group in a private
subnet whose default route goes through NAT, secrets fetched at boot."""

import base64

import pulumi
import pulumi_aws as aws

EXPECT: set[str] = set()
BOOT = """#!/bin/bash
export HF_TOKEN="$(aws secretsmanager get-secret-value --secret-id hf \\
  --query SecretString --output text)"
torchrun --nnodes 4 train.py
"""


def program() -> None:
    aws_east = aws.Provider(
        "east",
        region="us-east-1",
        default_tags={"tags": {"project": "frontier", "environment": "prod"}},
    )
    opts = pulumi.ResourceOptions(provider=aws_east)
    vpc = aws.ec2.Vpc("core", cidr_block="10.70.0.0/16", opts=opts)
    aws.ec2.FlowLog(
        "core-flows",
        vpc_id=vpc.id,
        traffic_type="ALL",
        log_destination_type="s3",
        log_destination="arn:aws:s3:::frontier-flow-logs",
        opts=opts,
    )
    private = aws.ec2.Subnet("core-private", vpc_id=vpc.id, cidr_block="10.70.0.0/20", opts=opts)
    rt = aws.ec2.RouteTable("core-private-rt", vpc_id=vpc.id, opts=opts)
    aws.ec2.Route(
        "core-private-out",
        route_table_id=rt.id,
        destination_cidr_block="0.0.0.0/0",
        nat_gateway_id="nat-0fedcba9876543210",
        opts=opts,
    )
    aws.ec2.RouteTableAssociation(
        "core-private-rt-link", subnet_id=private.id, route_table_id=rt.id, opts=opts
    )
    fabric = aws.ec2.SecurityGroup("fabric", vpc_id=vpc.id, description="EFA fabric", opts=opts)
    aws.vpc.SecurityGroupIngressRule(
        "fabric-peers-in",
        security_group_id=fabric.id,
        referenced_security_group_id=fabric.id,
        ip_protocol="-1",
        description="EFA and NCCL between members",
        opts=opts,
    )
    aws.vpc.SecurityGroupEgressRule(
        "fabric-peers-out",
        security_group_id=fabric.id,
        referenced_security_group_id=fabric.id,
        ip_protocol="-1",
        description="EFA and NCCL between members",
        opts=opts,
    )
    aws.vpc.SecurityGroupEgressRule(
        "fabric-https",
        security_group_id=fabric.id,
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        cidr_ipv4="0.0.0.0/0",
        description="package mirrors and the secrets API",
        opts=opts,
    )
    pg = aws.ec2.PlacementGroup("fabric-pg", strategy="cluster", opts=opts)
    lt = aws.ec2.LaunchTemplate(
        "h100",
        image_id="ami-0f0f0f0f0f0f0f0f0",
        instance_type="p5.48xlarge",
        user_data=base64.b64encode(BOOT.encode()).decode(),
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        block_device_mappings=[
            {"device_name": "/dev/sda1", "ebs": {"volume_size": 500, "encrypted": "true"}}
        ],
        network_interfaces=[
            {
                "network_card_index": card,
                "device_index": 0 if card == 0 else 1,
                "interface_type": "efa" if card == 0 else "efa-only",
                "security_groups": [fabric.id],
                "associate_public_ip_address": "false",
            }
            for card in range(4)
        ],
        opts=opts,
    )
    aws.autoscaling.Group(
        "h100-pool",
        min_size=4,
        max_size=4,
        placement_group=pg.id,
        vpc_zone_identifiers=[private.id],
        launch_template={"id": lt.id, "version": "$Latest"},
        opts=opts,
    )
