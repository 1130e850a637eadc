"""All egress to the internet, written as the two halves of the address space."""

import pulumi_aws as aws

EXPECT = {"AIDC-NET-003"}
TAGS = {"project": "scrape", "environment": "prod"}


def program() -> None:
    group = aws.ec2.SecurityGroup("crawler", vpc_id="vpc-4", description="crawler", tags=TAGS)
    for i, half in enumerate(("0.0.0.0/1", "128.0.0.0/1")):
        aws.vpc.SecurityGroupEgressRule(
            f"crawler-out-{i}",
            security_group_id=group.id,
            ip_protocol="-1",
            cidr_ipv4=half,
            description="anywhere",
            tags=TAGS,
        )
