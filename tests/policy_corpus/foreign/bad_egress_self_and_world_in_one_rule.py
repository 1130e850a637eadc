"""An inline egress rule that names the group itself and the whole internet at once: the
self-reference does not make the world part harmless."""

import pulumi_aws as aws

EXPECT = {"AIDC-NET-003"}


def program() -> None:
    aws.ec2.SecurityGroup(
        "workers",
        description="batch workers",
        egress=[
            {
                "protocol": "all",
                "from_port": 0,
                "to_port": 0,
                "self": True,
                "cidr_blocks": ["0.0.0.0/0"],
                "description": "peers and anything else",
            }
        ],
        tags={"project": "batch", "environment": "prod"},
    )
