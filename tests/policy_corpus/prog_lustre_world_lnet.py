"""An FSx for Lustre file system behind a security group that admits LNet from the world."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-STO-007"


def program() -> None:
    sg = aws.ec2.SecurityGroup(
        "lustre",
        vpc_id="vpc-1",
        description="lustre servers",
        ingress=[
            {
                "protocol": "tcp",
                "from_port": 988,
                "to_port": 988,
                "cidr_blocks": ["0.0.0.0/0"],
                "description": "lnet",
            }
        ],
        tags=TAGS,
    )
    aws.fsx.LustreFileSystem(
        "scratch",
        deployment_type="PERSISTENT_2",
        storage_capacity=1200,
        per_unit_storage_throughput=125,
        subnet_ids="subnet-1",
        security_group_ids=[sg.id],
        tags=TAGS,
    )
