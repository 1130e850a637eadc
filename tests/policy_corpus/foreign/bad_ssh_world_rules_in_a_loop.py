"""Public web ports opened in a loop of SecurityGroupRule resources; SSH slipped into the list."""

import pulumi_aws as aws

EXPECT = {"AIDC-NET-001"}
TAGS = {"project": "portal", "environment": "prod"}


def program() -> None:
    front = aws.ec2.SecurityGroup("front", vpc_id="vpc-5", description="front door", tags=TAGS)
    for port in (80, 443, 22):
        aws.ec2.SecurityGroupRule(
            f"front-{port}",
            type="ingress",
            security_group_id=front.id,
            protocol="tcp",
            from_port=port,
            to_port=port,
            cidr_blocks=["0.0.0.0/0"],
            description=f"public port {port}",
        )
