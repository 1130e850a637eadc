"""An inference endpoint open to the world on HTTPS only, IPv4 and IPv6, egress to the VPC."""

import pulumi_aws as aws

EXPECT: set[str] = set()
TAGS = {"project": "api", "environment": "prod"}


def program() -> None:
    sg = aws.ec2.SecurityGroup("api", vpc_id="vpc-a", description="public inference api", tags=TAGS)
    for i, cidr in enumerate(("0.0.0.0/0", "::/0")):
        args = {"cidr_ipv4": cidr} if ":" not in cidr else {"cidr_ipv6": cidr}
        aws.vpc.SecurityGroupIngressRule(
            f"api-https-{i}",
            security_group_id=sg.id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="https from anywhere",
            tags=TAGS,
            **args,
        )
    aws.vpc.SecurityGroupEgressRule(
        "api-to-vpc",
        security_group_id=sg.id,
        ip_protocol="-1",
        cidr_ipv4="10.90.0.0/16",
        description="to the model servers",
        tags=TAGS,
    )
