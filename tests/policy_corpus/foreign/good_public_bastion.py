"""A jump host in a public subnet (auto-assigned public IPs are right there: the subnet's table
routes to an internet gateway), SSH only from the office range, GPU nodes private."""

import pulumi_aws as aws

EXPECT: set[str] = set()
TAGS = {"project": "lab", "environment": "dev"}


def program() -> None:
    vpc = aws.ec2.Vpc("lab", cidr_block="10.80.0.0/16", tags=TAGS)
    aws.ec2.FlowLog(
        "lab-flows",
        vpc_id=vpc.id,
        traffic_type="ALL",
        log_destination_type="s3",
        log_destination="arn:aws:s3:::lab-flow-logs",
        tags=TAGS,
    )
    igw = aws.ec2.InternetGateway("lab-igw", vpc_id=vpc.id, tags=TAGS)
    dmz = aws.ec2.Subnet(
        "dmz", vpc_id=vpc.id, cidr_block="10.80.0.0/24", map_public_ip_on_launch=True, tags=TAGS
    )
    inner = aws.ec2.Subnet("inner", vpc_id=vpc.id, cidr_block="10.80.16.0/20", tags=TAGS)
    main = aws.ec2.RouteTable("lab-public", vpc_id=vpc.id, tags=TAGS)
    aws.ec2.Route(
        "lab-public-default",
        route_table_id=main.id,
        destination_cidr_block="0.0.0.0/0",
        gateway_id=igw.id,
    )
    aws.ec2.RouteTableAssociation("lab-public-dmz", subnet_id=dmz.id, route_table_id=main.id)
    jump_sg = aws.ec2.SecurityGroup(
        "jump",
        vpc_id=vpc.id,
        description="jump host",
        ingress=[
            {
                "protocol": "tcp",
                "from_port": 22,
                "to_port": 22,
                "cidr_blocks": ["198.51.100.0/24"],
                "description": "ssh from the office",
            }
        ],
        egress=[
            {
                "protocol": "tcp",
                "from_port": 22,
                "to_port": 22,
                "cidr_blocks": ["10.80.0.0/16"],
                "description": "ssh into the vpc",
            }
        ],
        tags=TAGS,
    )
    aws.ec2.Instance(
        "jump-host",
        ami="ami-j",
        instance_type="m7i.xlarge",
        subnet_id=dmz.id,
        vpc_security_group_ids=[jump_sg.id],
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        root_block_device={"encrypted": True, "volume_size": 16},
        tags=TAGS,
    )
    for i in range(2):
        aws.ec2.Instance(
            f"gpu-{i}",
            ami="ami-g",
            instance_type="g6e.xlarge",
            subnet_id=inner.id,
            associate_public_ip_address=False,
            metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
            root_block_device={"encrypted": True, "volume_size": 200},
            tags=TAGS,
        )
