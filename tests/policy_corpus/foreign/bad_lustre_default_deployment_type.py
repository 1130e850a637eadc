"""A Lustre file system that names no deployment type: the provider's default, SCRATCH_1, has
no encryption in transit."""

import pulumi_aws as aws

EXPECT = {"AIDC-STO-009"}


def program() -> None:
    aws.fsx.LustreFileSystem(
        "burst",
        storage_capacity=1200,
        subnet_ids="subnet-0fedcba9876543210",
        import_path="s3://burst-inputs",
        tags={"Project": "burst", "Environment": "dev"},
    )
