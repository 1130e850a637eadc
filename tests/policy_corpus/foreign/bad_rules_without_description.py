"""Monitoring ports admitted from the VPC by rules made in a loop, none of them described."""

import pulumi_aws as aws

EXPECT = {"AIDC-NET-004"}
TAGS = {"project": "obs", "environment": "prod"}


def program() -> None:
    sg = aws.ec2.SecurityGroup(
        "scrape-targets", vpc_id="vpc-o", description="scrape targets", tags=TAGS
    )
    for port in (9100, 9400):
        aws.vpc.SecurityGroupIngressRule(
            f"scrape-{port}",
            security_group_id=sg.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            cidr_ipv4="10.60.0.0/16",
            tags=TAGS,
        )
