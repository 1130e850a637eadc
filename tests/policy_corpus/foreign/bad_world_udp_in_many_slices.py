"""Every UDP port from the whole IPv4 internet, listed as 512 /9 slices built by a helper."""

import ipaddress

import pulumi_aws as aws

EXPECT = {"AIDC-NET-002"}


def slices(prefix: int) -> list[str]:
    return [str(n) for n in ipaddress.ip_network("0.0.0.0/0").subnets(new_prefix=prefix)]


def program() -> None:
    aws.ec2.SecurityGroup(
        "media",
        description="media relays",
        ingress=[
            {
                "protocol": "17",
                "from_port": 0,
                "to_port": 65535,
                "cidr_blocks": slices(9),
                "description": "rtp from callers",
            }
        ],
        tags={"project": "media", "environment": "prod"},
    )
