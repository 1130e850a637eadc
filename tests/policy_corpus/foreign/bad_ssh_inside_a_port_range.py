"""A small port range from anywhere on IPv6 that happens to include SSH."""

import pulumi_aws as aws

EXPECT = {"AIDC-NET-001"}


def program() -> None:
    aws.vpc.SecurityGroupIngressRule(
        "legacy-tools",
        security_group_id="sg-0aa",
        ip_protocol="6",
        from_port=20,
        to_port=25,
        cidr_ipv6="::/0",
        description="ftp, ssh, telnet, smtp for the legacy tools",
        tags={"project": "legacy", "environment": "prod"},
    )
