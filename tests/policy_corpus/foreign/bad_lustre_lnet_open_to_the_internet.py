"""A persistent Lustre file system whose security group admits LNet and the privileged client
ports from anywhere, as separate rule resources."""

import pulumi_aws as aws

EXPECT = {"AIDC-STO-007"}
TAGS = {"project": "vision", "environment": "staging"}


def program() -> None:
    lnet = aws.ec2.SecurityGroup(
        "lnet", vpc_id="vpc-0aa11bb22cc33dd44", description="FSx Lustre", tags=TAGS
    )
    for low, high in ((988, 988), (1018, 1023)):
        aws.vpc.SecurityGroupIngressRule(
            f"lnet-{low}",
            security_group_id=lnet.id,
            ip_protocol="tcp",
            from_port=low,
            to_port=high,
            cidr_ipv4="0.0.0.0/0",
            description="lustre clients",
            tags=TAGS,
        )
    aws.fsx.LustreFileSystem(
        "vision-scratch",
        deployment_type="PERSISTENT_2",
        storage_capacity=2400,
        per_unit_storage_throughput=250,
        subnet_ids="subnet-0123456789abcdef0",
        security_group_ids=[lnet.id],
        tags=TAGS,
    )
