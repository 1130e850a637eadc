"""An FSx for Lustre SCRATCH_1 file system: no encryption in transit."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-STO-009"


def program() -> None:
    aws.fsx.LustreFileSystem(
        "scratch",
        deployment_type="SCRATCH_1",
        storage_capacity=1200,
        subnet_ids="subnet-1",
        tags=TAGS,
    )
