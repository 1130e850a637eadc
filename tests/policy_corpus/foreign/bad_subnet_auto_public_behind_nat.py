"""A subnet that maps public IPs on launch, though its route table only reaches the internet
through a NAT gateway (a private subnet)."""

import pulumi_aws as aws

EXPECT = {"AIDC-NET-005"}
TAGS = {"project": "batch", "environment": "prod"}


def program() -> None:
    vpc = aws.ec2.Vpc("batch", cidr_block="10.40.0.0/16", tags=TAGS)
    aws.ec2.FlowLog(
        "batch-flows",
        vpc_id=vpc.id,
        traffic_type="REJECT",
        log_destination_type="s3",
        log_destination="arn:aws:s3:::batch-flow-logs",
        tags=TAGS,
    )
    inner = aws.ec2.Subnet(
        "batch-inner",
        vpc_id=vpc.id,
        cidr_block="10.40.8.0/21",
        map_public_ip_on_launch=True,
        tags=TAGS,
    )
    rt = aws.ec2.RouteTable("batch-inner-rt", vpc_id=vpc.id, tags=TAGS)
    aws.ec2.Route(
        "batch-inner-default",
        route_table_id=rt.id,
        destination_cidr_block="0.0.0.0/0",
        nat_gateway_id="nat-0123456789abcdef0",
    )
    aws.ec2.RouteTableAssociation("batch-inner-assoc", subnet_id=inner.id, route_table_id=rt.id)
