"""Two VPCs built by one helper; only the first gets a flow log."""

import pulumi_aws as aws

EXPECT = {"AIDC-NET-006"}
TAGS = {"project": "mesh", "environment": "prod"}


def network(name: str, cidr: str, logged: bool) -> aws.ec2.Vpc:
    vpc = aws.ec2.Vpc(name, cidr_block=cidr, enable_dns_support=True, tags=TAGS)
    if logged:
        aws.ec2.FlowLog(
            f"{name}-log",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="s3",
            log_destination="arn:aws:s3:::mesh-flow-logs",
            tags=TAGS,
        )
    return vpc


def program() -> None:
    network("compute", "10.50.0.0/16", logged=True)
    network("storage", "10.51.0.0/16", logged=False)
