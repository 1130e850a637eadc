"""A SCRATCH_2 Lustre file system (encrypted in transit) importing an S3 prefix, in a private
subnet, behind a group that admits LNet from itself and from the trainers only."""

import pulumi_aws as aws

EXPECT: set[str] = set()
TAGS = {"project": "llm", "environment": "prod"}
LNET = ((988, 988), (1018, 1023))


def program() -> None:
    vpc = aws.ec2.Vpc("llm", cidr_block="10.60.0.0/16", tags=TAGS)
    aws.ec2.FlowLog(
        "llm-flows",
        vpc_id=vpc.id,
        traffic_type="ALL",
        log_destination_type="cloud-watch-logs",
        log_destination="arn:aws:logs:us-east-1:111122223333:log-group:llm-flows",
        iam_role_arn="arn:aws:iam::111122223333:role/llm-flow-logs",
        tags=TAGS,
    )
    private = aws.ec2.Subnet("llm-private", vpc_id=vpc.id, cidr_block="10.60.0.0/18", tags=TAGS)
    trainers = aws.ec2.SecurityGroup("trainers", vpc_id=vpc.id, description="trainers", tags=TAGS)
    lnet = aws.ec2.SecurityGroup(
        "lnet",
        vpc_id=vpc.id,
        description="FSx for Lustre",
        ingress=[
            {
                "protocol": "tcp",
                "from_port": low,
                "to_port": high,
                "security_groups": [trainers.id],
                "self": True,
                "description": "lnet from trainers and between servers",
            }
            for low, high in LNET
        ],
        egress=[
            {
                "protocol": "tcp",
                "from_port": low,
                "to_port": high,
                "cidr_blocks": ["10.60.0.0/16"],
                "description": "lnet inside the vpc",
            }
            for low, high in LNET
        ],
        tags=TAGS,
    )
    aws.fsx.LustreFileSystem(
        "ckpt",
        deployment_type="SCRATCH_2",
        storage_capacity=2400,
        subnet_ids=private.id,
        security_group_ids=[lnet.id],
        import_path="s3://llm-checkpoints/run-7",
        auto_import_policy="NEW_CHANGED",
        tags=TAGS,
    )
